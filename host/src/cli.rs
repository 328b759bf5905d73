//! The `digitnet` command line: `train`, `eval` and `export`.

use crate::atomic::write_atomic;
use crate::cpu::Simd;
use crate::eval::Evaluation;
use crate::export::{self, ExportError, ExportOptions};
use crate::idx::{self, IdxError, MnistFiles};
use crate::model::{self, ModelError, TrainingInfo};
use crate::net;
use crate::preset::Preset;
use crate::train::{self, ConfigError, EpochReport, Schedule, Splits, TrainConfig, TrainError};
use clap::{Args, Parser, Subcommand};
use digitnet_core::{Activation, Cost, Init};
use std::path::PathBuf;

/// Default folder of the four MNIST files.
pub const DEFAULT_DATA: &str = "data/mnist";
/// Default model file written by `train` and read by `eval` and `export`.
pub const DEFAULT_MODEL: &str = "models/mnist-784-30-10.safetensors";
/// Default folder of the firmware's generated sources.
pub const DEFAULT_FIRMWARE_SRC: &str = "firmware-example/src";

/// Train Nielsen's [784, 30, 10] MNIST network, evaluate it, export it to firmware.
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
    /// Folder holding the MNIST IDX files (raw or .gz).
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
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
    /// L2 regularisation parameter lambda; 0 for none [default: 0].
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
    /// Training images to use, from the start of the training set [default: 50000].
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
    /// Model file to write (safetensors).
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub out: PathBuf,
    /// Also write one JSON object per epoch to this file.
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Then export the model to the firmware's sources (see `digitnet export`).
    #[arg(long)]
    pub export: bool,
    /// Folder for the exported sources, with --export.
    #[arg(long, default_value = DEFAULT_FIRMWARE_SRC, requires = "export")]
    pub export_dir: PathBuf,
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
    /// Model file (safetensors) to evaluate.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: PathBuf,
    /// Folder holding the MNIST IDX files.
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
}

/// Flags of `digitnet export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model file (safetensors) to export.
    #[arg(long, default_value = DEFAULT_MODEL)]
    pub model: PathBuf,
    /// Folder to write `model.rs` and `samples.rs` into.
    #[arg(long, default_value = DEFAULT_FIRMWARE_SRC)]
    pub out: PathBuf,
    /// Number of test digits to export with the host's outputs.
    #[arg(long, default_value_t = export::DEFAULT_SAMPLES)]
    pub samples: usize,
    /// Write nothing; fail if the files on disk differ from what would be written.
    #[arg(long)]
    pub check: bool,
    /// Folder holding the MNIST IDX files (for the test digits).
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
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
    Bench(#[from] crate::bench::BenchError),
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
    #[error(
        "stale generated files (run `digitnet export` to refresh): {}",
        list(paths)
    )]
    Stale {
        /// The files that differ or are missing.
        paths: Vec<PathBuf>,
    },
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Train(args) => run_train(&args),
        Command::Eval(args) => run_eval(&args),
        Command::Export(args) => run_export(&args),
        Command::Bench(args) => run_bench(&args),
    }
}

fn run_train(args: &TrainArgs) -> Result<(), CliError> {
    let config = args.config();
    config.validate()?;
    if args.export && args.samples == 0 {
        return Err(ExportError::BadSampleCount {
            requested: 0,
            available: 0,
        }
        .into());
    }
    if args.validation && config.train_images > train::BOOK_TRAIN_IMAGES {
        return Err(ConfigError::ValidationOverlap {
            train_images: config.train_images,
        }
        .into());
    }
    let files = MnistFiles::in_dir(&args.data)?;
    let train_set = idx::read_dataset(&files.train_images, &files.train_labels)?;
    let test_set = idx::read_dataset(&files.test_images, &files.test_labels)?;
    if config.train_images > train_set.len() {
        return Err(ConfigError::TrainImages {
            requested: config.train_images,
            available: train_set.len(),
        }
        .into());
    }
    let validation_set = args
        .validation
        .then(|| train_set.slice(train::BOOK_TRAIN_IMAGES, VALIDATION_IMAGES));
    if let Some(v) = &validation_set {
        if v.is_empty() {
            return Err(ConfigError::NoValidationImages {
                available: train_set.len(),
            }
            .into());
        }
    }
    println!("digitnet train: {}", describe_run(&config, args.preset));
    let validation_note = validation_set
        .as_ref()
        .map(|v| format!(", {} validation images", v.len()))
        .unwrap_or_default();
    println!(
        "data: {} training images (of {}), {} test images{validation_note}, from {}",
        config.train_images,
        train_set.len(),
        test_set.len(),
        args.data.display()
    );

    let mut metrics = String::new();
    let splits = Splits {
        train: &train_set,
        test: &test_set,
        validation: validation_set.as_ref(),
    };
    let (net, reports) = train::run_any(splits, &config, &mut |r| {
        match r.validation {
            None => println!(
                "Epoch {}: {} / {} ({:.2} s)",
                r.epoch, r.correct, r.total, r.train_seconds
            ),
            Some((vc, vt)) => println!(
                "Epoch {}: {} / {}, validation {} / {} ({:.2} s)",
                r.epoch, r.correct, r.total, vc, vt, r.train_seconds
            ),
        }
        match &args.metrics {
            Some(path) => {
                metrics.push_str(&r.to_json());
                metrics.push('\n');
                write_atomic(path, metrics.as_bytes()).map_err(|source| {
                    CliError::Metrics {
                        path: path.clone(),
                        source,
                    }
                    .into()
                })
            }
            None => Ok(()),
        }
    })?;
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
    model::save_any(&args.out, &net, Some(&info))?;
    println!("model: {}", args.out.display());

    if args.export {
        run_export(&ExportArgs {
            model: args.out.clone(),
            out: args.export_dir.clone(),
            samples: args.samples,
            check: false,
            data: args.data.clone(),
        })?;
    }
    Ok(())
}

/// Validation images: the 10,000 training images after the book's first 50,000.
const VALIDATION_IMAGES: usize = 10_000;

/// The first line of `train`'s output: the network, then the settings.
///
/// Chapter 1's run reads as it always has: `[784, 30, 10] sigmoid network,
/// quadratic cost, 30 epochs, mini-batch 10, eta 3, seed 20151130`.
pub fn describe_run(config: &TrainConfig, preset: Preset) -> String {
    let mut out = net::describe(config.hidden, config.activation, config.cost);
    if config.init != Init::default() {
        out.push_str(&format!(", {} init", config.init.name()));
    }
    out.push_str(&format!(
        ", {} epochs, mini-batch {}, eta {}",
        config.epochs, config.batch_size, config.eta
    ));
    if config.lambda != 0.0 {
        out.push_str(&format!(", lambda {}", config.lambda));
    }
    if config.schedule != Schedule::default() {
        out.push_str(&format!(", {} schedule", config.schedule.name()));
    }
    if config.shift != 0 {
        out.push_str(&format!(", shifts up to {} px", config.shift));
    }
    out.push_str(&format!(", seed {}", config.seed));
    if preset != Preset::Chapter1 {
        out.push_str(&format!(" (preset {})", preset.name()));
    }
    out
}

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
    println!(
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
    let loaded = model::load_any(&args.model)?;
    let files = MnistFiles::in_dir(&args.data)?;
    let test_set = idx::read_dataset(&files.test_images, &files.test_labels)?;
    println!("model: {} (sha256 {})", args.model.display(), loaded.sha256);
    println!("network: {}", loaded.net.describe());
    if let Some(info) = &loaded.info {
        println!("trained: {}", model::describe_training(info));
    }
    println!(
        "test set: {} images from {}",
        test_set.len(),
        args.data.display()
    );
    print!("{}", Evaluation::run_any(&loaded.net, &test_set));
    Ok(())
}

fn run_bench(args: &BenchArgs) -> Result<(), CliError> {
    let report = crate::bench::run(&args.data, &args.config(), args.preset)?;
    if args.json {
        println!("{}", report.to_json());
    } else {
        println!("{report}");
    }
    Ok(())
}

fn run_export(args: &ExportArgs) -> Result<(), CliError> {
    let opts = ExportOptions {
        model: args.model.clone(),
        data_dir: args.data.clone(),
        out_dir: args.out.clone(),
        samples: args.samples,
    };
    let files = export::render(&opts)?;
    if args.check {
        let stale = export::stale(&files)?;
        if !stale.is_empty() {
            return Err(CliError::Stale { paths: stale });
        }
        for f in &files {
            println!("up to date: {}", f.path.display());
        }
    } else {
        export::write(&files)?;
        for f in &files {
            println!("exported: {}", f.path.display());
        }
    }
    Ok(())
}
