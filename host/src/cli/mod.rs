//! The `digitnet` command line: `train`, `eval`, `export`, `predict`, `inspect` and `web`.

use crate::atomic::{write_atomic, write_group};
use crate::data::idx::IdxError;
use crate::data::DataError;
use crate::engine::cpu::Simd;
use crate::export::web::{WebArgs, WebError};
use crate::export::{self, ExportError, ExportOptions, Quantize};
use crate::model::defaults::{self, DATA_HELP, MODEL_HELP};
use crate::model::net;
use crate::model::Schedule;
use crate::model::{self, ModelError, TrainingInfo};
use crate::reports::draw::{self, DrawError, Format};
use crate::reports::eval::Evaluation;
use crate::reports::inspect::{InspectArgs, InspectError};
use crate::reports::plot::AccuracyChart;
use crate::reports::predict::{PredictArgs, PredictError};
use crate::reports::progress::TrainProgress;
use crate::training::preset::Preset;
use crate::training::{self, ConfigError, EpochReport, Splits, TrainConfig, TrainError};
use clap::{Args, Parser, Subcommand};
use digitnet_core::{Activation, Cost, Init};
use std::path::PathBuf;

pub use crate::model::defaults::{DEFAULT_DATA, DEFAULT_FIRMWARE_SRC, DEFAULT_MODEL};

/// Train Nielsen's [784, 30, 10] MNIST network, classify pictures of digits
/// with it, look inside it, and export it to firmware.
#[derive(Debug, Parser)]
#[command(name = "digitnet", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train with mini-batch SGD, evaluating on the test set after every epoch.
    Train(TrainArgs),
    /// Accuracy, per-class accuracy and confusion matrix of a model on the test set.
    Eval(EvalArgs),
    /// Write a model and some test digits as Rust source for the firmware.
    Export(ExportArgs),
    /// Classify pictures of handwritten digits (PNG, JPEG, PGM), printing the best three digits.
    Predict(PredictArgs),
    /// Draw the misclassified test digits, the hidden neurons' weights or the confusion matrix.
    Inspect(InspectArgs),
    /// Write a web page (one HTML file) to draw a digit on and watch the network answer, in a browser.
    Web(WebArgs),
    /// Time loading, training and classifying on the bundled data.
    Bench(BenchArgs),
}

/// Flags of `digitnet train`.
///
/// Every training setting is optional: a setting not given comes from the
/// preset (chapter 1's network unless `--preset` says otherwise), so
/// `--preset best --epochs 5` is the best recipe, shortened.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Start from a named recipe: `chapter1` (the book's first network) or
    /// `best` (see the README); flags given explicitly override its settings.
    #[arg(long, value_parser = parse_preset, default_value = "chapter1")]
    pub preset: Preset,
    /// Hidden neurons, one of 10, 16, 20, 30, 50, 64, 100, 128 [default: 30].
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Hidden activation: sigmoid or relu [default: sigmoid].
    #[arg(long, value_parser = parse_activation)]
    pub activation: Option<Activation>,
    /// Cost: quadratic, cross-entropy, or log-likelihood (softmax output) [default: quadratic].
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<Cost>,
    /// Initial weights: normal N(0,1), scaled N(0,1/n_in), or uniform U(-0.5,0.5) with zero biases [default: normal].
    #[arg(long, value_parser = parse_init)]
    pub init: Option<Init>,
    /// Passes over the training images [default: 30].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Examples per mini-batch, up to the number of training images (full batch) [default: 10].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Learning rate eta [default: 3.0].
    #[arg(long, allow_negative_numbers = true)]
    pub eta: Option<f32>,
    /// L2 regularisation parameter lambda; 0 for none [default: 0.0].
    #[arg(long, allow_negative_numbers = true)]
    pub lambda: Option<f32>,
    /// Learning-rate schedule over the epochs: constant or cosine (annealed towards 0) [default: constant].
    #[arg(long, value_parser = parse_schedule)]
    pub schedule: Option<Schedule>,
    /// Move each training image by up to this many pixels (random per example and epoch), 0 to 4 [default: 0].
    #[arg(long, allow_negative_numbers = true)]
    pub shift: Option<u8>,
    /// Seed for initialisation, shuffles and shifts [default: 20151130].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Training images to use, from the start of the training set [default: 50000, or all if fewer].
    #[arg(long)]
    pub train_images: Option<usize>,
    /// Also evaluate on the validation set (training images 50,000-59,999) after every epoch.
    #[arg(long)]
    pub validation: bool,
    /// Threads to train with; 0 for one per core, falling back to one thread in epochs where that is faster (a busy machine). Every count gives the same model.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Instruction set: auto (the widest this processor has), baseline, avx2 or avx512. Every one gives the same model.
    #[arg(long, value_parser = parse_simd, default_value = "auto")]
    pub simd: Simd,
    /// Model file to write (safetensors) [default: models/mnist-784-30-10.safetensors
    /// if a models folder is here, else ./mnist-784-30-10.safetensors].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one JSON object per epoch to this file.
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Also draw test (and validation) accuracy per epoch to this file (.svg or .png),
    /// redrawn after every epoch.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Then export the model to the firmware's sources, f32 and int8 (see `digitnet export`).
    #[arg(long)]
    pub export: bool,
    /// Folder for the exported sources, with --export [default: firmware-example/src].
    #[arg(long, requires = "export")]
    pub export_dir: Option<PathBuf>,
    /// Test digits to export, with --export.
    #[arg(long, default_value_t = export::DEFAULT_SAMPLES, requires = "export")]
    pub samples: usize,
}

impl TrainArgs {
    /// The preset's settings with every flag given on the command line applied over them.
    pub fn config(&self) -> TrainConfig {
        let base = self.preset.config();
        TrainConfig {
            epochs: self.epochs.unwrap_or(base.epochs),
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            eta: self.eta.unwrap_or(base.eta),
            lambda: self.lambda.unwrap_or(base.lambda),
            seed: self.seed.unwrap_or(base.seed),
            train_images: self.train_images.unwrap_or(base.train_images),
            hidden: self.hidden.unwrap_or(base.hidden),
            activation: self.activation.unwrap_or(base.activation),
            cost: self.cost.unwrap_or(base.cost),
            init: self.init.unwrap_or(base.init),
            schedule: self.schedule.unwrap_or(base.schedule),
            shift: self.shift.unwrap_or(base.shift),
            threads: self.threads,
            simd: self.simd,
            phases: false,
        }
    }
}

/// Parses a name with `from_name`, or says which names there are.
fn parse_named<T: Copy, const N: usize>(
    what: &str,
    value: &str,
    all: [T; N],
    name: fn(T) -> &'static str,
) -> Result<T, String> {
    all.into_iter().find(|v| name(*v) == value).ok_or_else(|| {
        let names: Vec<&str> = all.into_iter().map(name).collect();
        format!("unknown {what}; choose one of {}", names.join(", "))
    })
}

fn parse_activation(v: &str) -> Result<Activation, String> {
    parse_named("activation", v, Activation::ALL, Activation::name)
}

fn parse_cost(v: &str) -> Result<Cost, String> {
    parse_named("cost", v, Cost::ALL, Cost::name)
}

fn parse_init(v: &str) -> Result<Init, String> {
    parse_named("initialisation", v, Init::ALL, Init::name)
}

fn parse_schedule(v: &str) -> Result<Schedule, String> {
    parse_named("schedule", v, Schedule::ALL, Schedule::name)
}

fn parse_simd(v: &str) -> Result<Simd, String> {
    parse_named("instruction set", v, Simd::ALL, Simd::name)
}

fn parse_preset(v: &str) -> Result<Preset, String> {
    parse_named("preset", v, Preset::ALL, Preset::name)
}

/// Flags of `digitnet eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model to read (the help text is [`MODEL_HELP`]).
    #[arg(long, help = MODEL_HELP)]
    pub model: Option<PathBuf>,
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Evaluate the int8 version of the model (`int8`), as `export --quantize int8` writes it.
    #[arg(long, value_enum)]
    pub quantize: Option<Quantize>,
}

/// Flags of `digitnet export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model file (safetensors) to export [default: models/mnist-784-30-10.safetensors,
    /// or ./mnist-784-30-10.safetensors if that is absent and this is present].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Folder to write `model.rs` and `samples.rs` into [default: firmware-example/src, which must exist].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Number of test digits to export with the host's outputs.
    #[arg(long, default_value_t = export::DEFAULT_SAMPLES)]
    pub samples: usize,
    /// Write nothing; fail if the files on disk differ from what would be written.
    #[arg(long)]
    pub check: bool,
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Write the int8 model instead (`int8`: model_int8.rs and samples_int8.rs).
    #[arg(long, value_enum)]
    pub quantize: Option<Quantize>,
}

/// Flags of `digitnet bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Folder holding the MNIST IDX files (raw or .gz).
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// The recipe to time: chapter1 or best; the flags below override it.
    #[arg(long, value_parser = parse_preset, default_value = "chapter1")]
    pub preset: Preset,
    /// Hidden neurons [default: the preset's].
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Hidden activation: sigmoid or relu [default: the preset's].
    #[arg(long, value_parser = parse_activation)]
    pub activation: Option<Activation>,
    /// Cost: quadratic, cross-entropy or log-likelihood [default: the preset's].
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<Cost>,
    /// Learning rate eta [default: the preset's].
    #[arg(long, allow_negative_numbers = true)]
    pub eta: Option<f32>,
    /// Epochs to train; the median epoch is reported.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Threads; 0 for one per core.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Instruction set: auto, baseline, avx2 or avx512.
    #[arg(long, value_parser = parse_simd, default_value = "auto")]
    pub simd: Simd,
    /// Also time each part of a training round, per thread: adding the
    /// gradients, the lane sums, backpropagation, and the waits between them.
    #[arg(long)]
    pub phases: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl BenchArgs {
    /// The preset's settings with the flags given applied over them.
    pub fn config(&self) -> TrainConfig {
        let base = self.preset.config();
        TrainConfig {
            epochs: self.epochs,
            hidden: self.hidden.unwrap_or(base.hidden),
            activation: self.activation.unwrap_or(base.activation),
            cost: self.cost.unwrap_or(base.cost),
            eta: self.eta.unwrap_or(base.eta),
            threads: self.threads,
            simd: self.simd,
            phases: self.phases,
            ..base
        }
    }
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A flag out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Reading MNIST failed.
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// Reading the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Drawing a picture failed.
    #[error(transparent)]
    Draw(#[from] DrawError),
    /// `predict` failed.
    #[error(transparent)]
    Predict(#[from] PredictError),
    /// `inspect` failed.
    #[error(transparent)]
    Inspect(#[from] InspectError),
    /// `web` failed.
    #[error(transparent)]
    Web(#[from] WebError),
    /// The default firmware folder is not here.
    #[error(
        "{}: folder not found; run in a digitnet checkout, or name the folder to write to",
        path.display()
    )]
    NoFirmwareDir {
        /// The folder looked for.
        path: PathBuf,
    },
    /// An output file named on the command line is a folder.
    #[error("{}: is a folder; {flag} names the file to write", path.display())]
    OutputIsFolder {
        /// The path given.
        path: PathBuf,
        /// The flag that gave it.
        flag: &'static str,
    },
    /// Reading or writing a model failed.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Training stopped.
    #[error(transparent)]
    Train(#[from] TrainError),
    /// Exporting failed.
    #[error(transparent)]
    Export(#[from] ExportError),
    /// Benchmarking failed.
    #[error(transparent)]
    Bench(#[from] crate::reports::bench::BenchError),
    /// Writing a group of files (a model and its firmware sources) failed.
    #[error("cannot write {}", list(paths))]
    Write {
        /// The files of the group.
        paths: Vec<PathBuf>,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Writing the metrics file failed.
    #[error("{}: cannot write metrics", path.display())]
    Metrics {
        /// The metrics file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// `export --check` found generated files that differ from the model.
    #[error("stale generated files (run `{command}` to refresh): {}", list(paths))]
    Stale {
        /// The files that differ or are missing.
        paths: Vec<PathBuf>,
        /// The command that refreshes them.
        command: &'static str,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The files whose folders a command reads or writes: where an interrupted
/// group write (a model and its firmware sources) would have left a journal.
fn touched(command: &Command) -> Vec<PathBuf> {
    let model = |arg: &Option<PathBuf>| defaults::model_file(arg.as_deref());
    let firmware = |arg: &Option<PathBuf>| {
        defaults::firmware_dir(arg.as_deref())
            .ok()
            .map(|dir| dir.join(export::MODEL_FILE))
    };
    match command {
        Command::Train(a) => {
            let mut files = vec![defaults::train_out(a.out.as_deref())];
            if a.export {
                files.extend(firmware(&a.export_dir));
            }
            files
        }
        Command::Export(a) => [Some(model(&a.model)), firmware(&a.out)]
            .into_iter()
            .flatten()
            .collect(),
        Command::Eval(EvalArgs { model: m, .. }) => vec![model(m)],
        Command::Predict(a) => vec![model(&a.model)],
        Command::Inspect(a) => vec![model(&a.model)],
        Command::Web(a) => vec![model(&a.model)],
        Command::Bench(_) => Vec::new(),
    }
}

/// Finishes the group writes that a killed run left in the folders of
/// `files` ([`crate::atomic::recover`]), saying which files it completed.
fn recover(files: &[PathBuf]) -> Result<(), CliError> {
    let mut done: Vec<PathBuf> = Vec::new();
    for file in files {
        let dir = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => std::path::Path::new("."),
        };
        let completed = crate::atomic::recover(dir).map_err(|source| CliError::Write {
            paths: vec![dir.to_path_buf()],
            source,
        })?;
        done.extend(completed);
    }
    if !done.is_empty() {
        eprintln!(
            "digitnet: finished writing what an interrupted run left half-renamed: {}",
            list(&done)
        );
    }
    Ok(())
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    recover(&touched(&cli.command))?;
    match cli.command {
        Command::Train(args) => run_train(&args),
        Command::Eval(args) => run_eval(&args),
        Command::Export(args) => run_export(&args),
        Command::Predict(args) => Ok(crate::reports::predict::run(&args)?),
        Command::Inspect(args) => Ok(crate::reports::inspect::run(&args)?),
        Command::Web(args) => Ok(crate::export::web::run(&args)?),
        Command::Bench(args) => run_bench(&args),
    }
}

fn run_train(args: &TrainArgs) -> Result<(), CliError> {
    let mut config = args.config();
    config.validate()?;
    // Every argument is checked before the data is read and long before
    // anything is trained or written: a run must not fail after the work.
    if args.export && !(1..=export::MAX_SAMPLES).contains(&args.samples) {
        return Err(ExportError::BadSampleCount {
            requested: args.samples,
            available: export::MAX_SAMPLES,
        }
        .into());
    }
    if args.validation && config.train_images > training::BOOK_TRAIN_IMAGES {
        return Err(ConfigError::ValidationOverlap {
            train_images: config.train_images,
        }
        .into());
    }
    if let Some(plot) = &args.plot {
        Format::of(plot)?;
    }
    let export_dir = if args.export {
        let dir = defaults::firmware_dir(args.export_dir.as_deref())
            .map_err(|path| CliError::NoFirmwareDir { path })?;
        Some(dir)
    } else {
        None
    };
    let out = defaults::train_out(args.out.as_deref());
    not_a_folder(&out, "--out")?;
    for (path, flag) in [(&args.metrics, "--metrics"), (&args.plot, "--plot")] {
        if let Some(path) = path {
            not_a_folder(path, flag)?;
        }
    }
    let source = defaults::data(args.data.as_deref());
    let data = source.load()?;
    let (train_set, test_set) = (&data.train, &data.test);
    if args.export {
        // The test digits to export must exist before training starts.
        export::select_samples(&test_set.labels, args.samples)?;
    }
    if args.train_images.is_none() && train_set.len() < config.train_images {
        // A smaller data set than MNIST's: train on all of it.
        config.train_images = train_set.len();
        config.validate()?;
    }
    if config.train_images > train_set.len() {
        return Err(ConfigError::TrainImages {
            requested: config.train_images,
            available: train_set.len(),
        }
        .into());
    }
    let validation_set = args
        .validation
        .then(|| train_set.slice(training::BOOK_TRAIN_IMAGES, VALIDATION_IMAGES));
    if let Some(v) = &validation_set {
        if v.is_empty() {
            return Err(ConfigError::NoValidationImages {
                available: train_set.len(),
            }
            .into());
        }
    }
    crate::say!("digitnet train: {}", training::describe_run(&config, args.preset));
    let validation_note = validation_set
        .as_ref()
        .map(|v| format!(", {} validation images", v.len()))
        .unwrap_or_default();
    crate::say!(
        "data: {} training images (of {}), {} test images{validation_note}, from {}",
        config.train_images,
        train_set.len(),
        test_set.len(),
        source.describe()
    );

    let mut metrics = String::new();
    let mut so_far: Vec<EpochReport> = Vec::new();
    let title = net::describe(config.hidden, config.activation, config.cost);
    let splits = Splits {
        train: train_set,
        test: test_set,
        validation: validation_set.as_ref(),
    };
    let progress = TrainProgress::new(config.epochs, config.train_images);
    let trained = training::run_any_observed(
        splits,
        &config,
        &mut |r| {
            let line = match r.validation {
                None => format!(
                    "Epoch {}: {} / {} ({:.2} s)",
                    r.epoch, r.correct, r.total, r.train_seconds
                ),
                Some((vc, vt)) => format!(
                    "Epoch {}: {} / {}, validation {} / {} ({:.2} s)",
                    r.epoch, r.correct, r.total, vc, vt, r.train_seconds
                ),
            };
            progress.epoch_done(r.epoch, &line);
            if let Some(path) = &args.metrics {
                metrics.push_str(&r.to_json());
                metrics.push('\n');
                write_atomic(path, metrics.as_bytes()).map_err(|source| CliError::Metrics {
                    path: path.clone(),
                    source,
                })?;
            }
            if let Some(path) = &args.plot {
                so_far.push(r.clone());
                let chart = AccuracyChart {
                    title: title.clone(),
                    reports: &so_far,
                };
                draw::save(&chart, path)?;
            }
            Ok(())
        },
        &|n| progress.advance(n),
    );
    progress.finish();
    let (net, reports) = trained?;
    print_summary(&reports);

    let last = reports.last();
    let info = TrainingInfo {
        seed: config.seed,
        epochs: config.epochs,
        batch_size: config.batch_size,
        eta: config.eta,
        lambda: config.lambda,
        init: config.init,
        schedule: config.schedule,
        shift: config.shift,
        train_images: config.train_images,
        correct: last.map_or(0, |r| r.correct),
        total: last.map_or(0, |r| r.total),
        validation: last.and_then(|r| r.validation),
    };
    match export_dir {
        None => {
            model::save_any(&out, &net, Some(&info))?;
            crate::say!("model: {}", out.display());
        }
        Some(dir) => {
            // The model and the four sources generated from it are rendered
            // first, then written together: all new, or (after a failure, or a
            // kill and the next run) all as they were.
            let bytes = model::to_bytes_any(&net, Some(&info));
            let loaded = model::from_bytes_any(&bytes, &out)?;
            let mut sources = Vec::new();
            for quantize in [None, Some(Quantize::Int8)] {
                let opts = ExportOptions {
                    model: out.clone(),
                    data: defaults::data(args.data.as_deref()),
                    out_dir: dir.clone(),
                    samples: args.samples,
                    quantize,
                };
                sources.extend(export::render_loaded(&opts, &loaded)?);
            }
            let mut group: Vec<(&std::path::Path, &[u8])> = vec![(&out, &bytes)];
            group.extend(
                sources
                    .iter()
                    .map(|f| (f.path.as_path(), f.contents.as_bytes())),
            );
            write_group(&group).map_err(|source| CliError::Write {
                paths: group.iter().map(|(p, _)| p.to_path_buf()).collect(),
                source,
            })?;
            crate::say!("model: {}", out.display());
            for f in &sources {
                crate::say!("exported: {}", f.path.display());
            }
        }
    }
    if let Some(path) = &args.plot {
        crate::say!("plot: {}", path.display());
    }
    Ok(())
}

/// Refuses an output path that is an existing folder (`flag` names it), so
/// that a run does not train for minutes and then fail to save.
fn not_a_folder(path: &std::path::Path, flag: &'static str) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::OutputIsFolder {
            path: path.to_path_buf(),
            flag,
        });
    }
    Ok(())
}

/// Validation images: the 10,000 training images after the book's first 50,000.
const VALIDATION_IMAGES: usize = 10_000;

/// Prints total and median epoch time, the final and the best accuracy.
fn print_summary(reports: &[EpochReport]) {
    let (Some(last), Some(best)) = (
        reports.last(),
        reports
            .iter()
            .max_by(|a, b| a.correct.cmp(&b.correct).then(b.epoch.cmp(&a.epoch))),
    ) else {
        return;
    };
    let mut times: Vec<f64> = reports.iter().map(|r| r.train_seconds).collect();
    times.sort_by(f64::total_cmp);
    let total: f64 = times.iter().sum();
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    crate::say!(
        "trained {} epochs in {:.1} s (median {:.2} s per epoch); test accuracy {:.2}% after the last epoch, best {:.2}% after epoch {}",
        reports.len(),
        total,
        median,
        100.0 * last.accuracy(),
        100.0 * best.accuracy(),
        best.epoch
    );
}

fn run_eval(args: &EvalArgs) -> Result<(), CliError> {
    let model_source = defaults::model(args.model.as_deref());
    let loaded = model_source.load()?;
    let source = defaults::data(args.data.as_deref());
    let test_set = source.load_test()?.data;
    crate::say!("model: {} (sha256 {})", model_source.label(), loaded.sha256);
    crate::say!("network: {}", loaded.net.describe());
    if let Some(info) = &loaded.info {
        crate::say!("trained: {}", model::describe_training(info));
    }
    crate::say!(
        "test set: {} images from {}",
        test_set.len(),
        source.describe()
    );
    let evaluation = match args.quantize {
        None => {
            let device = export::device_predictions(&loaded.net, &test_set);
            let device = Evaluation::from_predictions(&test_set, &device);
            crate::say!(
                "on the device (f32, order {}): {} / {} correct",
                digitnet_core::device::ORDER,
                device.correct(),
                device.total()
            );
            Evaluation::run_any(&loaded.net, &test_set)
        }
        Some(Quantize::Int8) => {
            let (calibration, _) = crate::model::int8::calibration_images(&source)?;
            crate::say!(
                "quantized: int8 ({}), ReLU scales calibrated on the first {} training images",
                digitnet_core::quant::ORDER,
                calibration.len()
            );
            let f32_eval = Evaluation::run_any(&loaded.net, &test_set);
            crate::say!(
                "the f32 network it comes from: {} / {} correct",
                f32_eval.correct(),
                f32_eval.total()
            );
            let predictions = crate::model::int8::predictions(&loaded.net, &calibration, &test_set);
            Evaluation::from_predictions(&test_set, &predictions)
        }
    };
    crate::say::print(format_args!("{evaluation}"));
    Ok(())
}

fn run_bench(args: &BenchArgs) -> Result<(), CliError> {
    let report = crate::reports::bench::run(&args.data, &args.config(), args.preset)?;
    if args.json {
        crate::say!("{}", report.to_json());
    } else {
        crate::say!("{report}");
    }
    Ok(())
}

fn run_export(args: &ExportArgs) -> Result<(), CliError> {
    let out_dir = defaults::firmware_dir(args.out.as_deref())
        .map_err(|path| CliError::NoFirmwareDir { path })?;
    let opts = ExportOptions {
        model: defaults::model_file(args.model.as_deref()),
        data: defaults::data(args.data.as_deref()),
        out_dir,
        samples: args.samples,
        quantize: args.quantize,
    };
    let files = export::render(&opts)?;
    if args.check {
        let stale = export::stale(&files)?;
        if !stale.is_empty() {
            let command = match args.quantize {
                None => "digitnet export",
                Some(Quantize::Int8) => "digitnet export --quantize int8",
            };
            return Err(CliError::Stale {
                paths: stale,
                command,
            });
        }
        for f in &files {
            crate::say!("up to date: {}", f.path.display());
        }
    } else {
        export::write(&files)?;
        for f in &files {
            crate::say!("exported: {}", f.path.display());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// The `[default: …]` text of each flag's help, by flag name.
    fn stated_defaults(command: &str) -> Vec<(String, String)> {
        let cli = Cli::command();
        let sub = cli.find_subcommand(command).unwrap();
        sub.get_arguments()
            .filter_map(|arg| {
                let help = arg.get_help()?.to_string();
                let start = help.find("[default: ")? + "[default: ".len();
                let rest = &help[start..];
                let end = rest.find([',', ']', ' '])?;
                Some((arg.get_id().to_string(), rest[..end].to_owned()))
            })
            .collect()
    }

    /// Train's flags are `Option`s (so a preset can fill them in), so clap
    /// cannot show their defaults: the help text states them, and this test
    /// keeps the stated values equal to `TrainConfig::default()`.
    #[test]
    fn train_help_states_the_defaults_of_train_config() {
        let d = TrainConfig::default();
        let want = [
            ("hidden", d.hidden.to_string()),
            ("activation", d.activation.name().to_owned()),
            ("cost", d.cost.name().to_owned()),
            ("init", d.init.name().to_owned()),
            ("epochs", d.epochs.to_string()),
            ("batch_size", d.batch_size.to_string()),
            ("eta", format!("{:?}", d.eta)),
            ("lambda", format!("{:?}", d.lambda)),
            ("schedule", d.schedule.name().to_owned()),
            ("shift", d.shift.to_string()),
            ("seed", d.seed.to_string()),
            ("train_images", d.train_images.to_string()),
            ("data", DEFAULT_DATA.to_owned()),
            ("out", DEFAULT_MODEL.to_owned()),
            ("export_dir", DEFAULT_FIRMWARE_SRC.to_owned()),
        ];
        let stated = stated_defaults("train");
        for (id, value) in &want {
            let found = stated.iter().find(|(i, _)| i == id).map(|(_, v)| v);
            assert_eq!(found, Some(value), "--{id}");
        }
        // Every flag that states a default is checked above.
        for (id, _) in &stated {
            assert!(want.iter().any(|(w, _)| w == id), "--{id} is not checked");
        }
        // A flag with no value of its own follows the preset.
        let args = Cli::parse_from(["digitnet", "train"]);
        let Command::Train(args) = args.command else {
            panic!("not train")
        };
        assert_eq!(args.config(), d);
    }

    /// `bench`'s flags override its preset one by one; the rest is the preset's.
    #[test]
    fn bench_flags_override_the_preset() {
        let args = Cli::parse_from(["digitnet", "bench", "--preset", "best"]);
        let Command::Bench(args) = args.command else {
            panic!("not bench")
        };
        let best = Preset::Best.config();
        assert_eq!(
            args.config(),
            TrainConfig {
                epochs: 5,
                threads: 0,
                ..best
            }
        );
        let args = Cli::parse_from([
            "digitnet",
            "bench",
            "--preset",
            "best",
            "--hidden",
            "20",
            "--activation",
            "sigmoid",
            "--cost",
            "quadratic",
            "--eta",
            "0.5",
            "--epochs",
            "2",
            "--threads",
            "3",
            "--simd",
            "baseline",
            "--phases",
        ]);
        let Command::Bench(args) = args.command else {
            panic!("not bench")
        };
        assert_eq!(
            args.config(),
            TrainConfig {
                hidden: 20,
                activation: Activation::Sigmoid,
                cost: Cost::Quadratic,
                eta: 0.5,
                epochs: 2,
                threads: 3,
                simd: Simd::Baseline,
                phases: true,
                ..best
            }
        );
    }

    /// Every command documents the defaults of the flags that have one.
    #[test]
    fn every_command_shows_its_defaults() {
        let mut cli = Cli::command();
        for (command, defaults) in [
            (
                "eval",
                &[
                    "data/mnist if present",
                    "models/mnist-784-30-10.safetensors",
                ][..],
            ),
            (
                "export",
                &[
                    "firmware-example/src",
                    "models/mnist-784-30-10.safetensors",
                    "20]",
                ],
            ),
            (
                "predict",
                &[
                    "data/mnist if present",
                    "models/mnist-784-30-10.safetensors",
                ],
            ),
            ("inspect", &["data/mnist if present", "[default: 100]"]),
            (
                "web",
                &[
                    "[default: digitnet-page]",
                    "models/mnist-784-30-10.safetensors",
                    "data/mnist if present",
                    "[default: 100]",
                ],
            ),
            ("train", &["[default: chapter1]", "[default: 20]"]),
        ] {
            let help = cli
                .find_subcommand_mut(command)
                .unwrap()
                .render_long_help()
                .to_string();
            for d in defaults {
                assert!(help.contains(d), "{command}: {d:?} not in\n{help}");
            }
        }
    }
}
