//! The `digitnet` command line: `train`, `eval` and `export`.

use crate::atomic::write_atomic;
use crate::eval::Evaluation;
use crate::export::{self, ExportError, ExportOptions};
use crate::idx::{self, IdxError, MnistFiles};
use crate::model::{self, ModelError, TrainingInfo};
use crate::train::{self, ConfigError, EpochReport, TrainConfig, TrainError};
use clap::{Args, Parser, Subcommand};
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
}

/// Flags of `digitnet train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Folder holding the MNIST IDX files (raw or .gz).
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// Passes over the training images.
    #[arg(long, default_value_t = 30)]
    pub epochs: usize,
    /// Examples per mini-batch.
    #[arg(long, default_value_t = 10)]
    pub batch_size: usize,
    /// Learning rate eta.
    #[arg(long, default_value_t = 3.0, allow_negative_numbers = true)]
    pub eta: f32,
    /// Seed for initialisation and shuffles.
    #[arg(long, default_value_t = digitnet_core::network::DEFAULT_SEED)]
    pub seed: u64,
    /// Training images to use, from the start of the training set.
    #[arg(long, default_value_t = 50_000)]
    pub train_images: usize,
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
    }
}

fn run_train(args: &TrainArgs) -> Result<(), CliError> {
    let config = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        eta: args.eta,
        seed: args.seed,
        train_images: args.train_images,
    };
    config.validate()?;
    if args.export && args.samples == 0 {
        return Err(ExportError::BadSampleCount {
            requested: 0,
            available: 0,
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
    println!(
        "digitnet train: [784, 30, 10] sigmoid network, quadratic cost, {} epochs, mini-batch {}, eta {}, seed {}",
        config.epochs, config.batch_size, config.eta, config.seed
    );
    println!(
        "data: {} training images (of {}), {} test images, from {}",
        config.train_images,
        train_set.len(),
        test_set.len(),
        args.data.display()
    );

    let mut metrics = String::new();
    let (net, reports) = train::run::<30, _, _>(&train_set, &test_set, &config, |r, _| {
        println!(
            "Epoch {}: {} / {} ({:.2} s)",
            r.epoch, r.correct, r.total, r.train_seconds
        );
        match &args.metrics {
            Some(path) => {
                metrics.push_str(&r.to_json());
                metrics.push('\n');
                write_atomic(path, metrics.as_bytes()).map_err(|source| CliError::Metrics {
                    path: path.clone(),
                    source,
                })
            }
            None => Ok(()),
        }
    })?;
    let last = reports.last().cloned().unwrap_or(EpochReport {
        epoch: 0,
        correct: 0,
        total: 0,
        train_seconds: 0.0,
    });
    print_summary(&reports);

    let info = TrainingInfo {
        seed: config.seed,
        epochs: config.epochs,
        batch_size: config.batch_size,
        eta: config.eta,
        cost: "quadratic".to_string(),
        train_images: config.train_images,
        correct: last.correct,
        total: last.total,
    };
    model::save(&args.out, &*net, Some(&info))?;
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
    let loaded = model::load::<784, 30, 10>(&args.model)?;
    let files = MnistFiles::in_dir(&args.data)?;
    let test_set = idx::read_dataset(&files.test_images, &files.test_labels)?;
    println!("model: {} (sha256 {})", args.model.display(), loaded.sha256);
    if let Some(info) = &loaded.info {
        println!(
            "trained: seed {}, {} epochs, mini-batch {}, eta {}, {} cost, {} training images",
            info.seed, info.epochs, info.batch_size, info.eta, info.cost, info.train_images
        );
    }
    println!(
        "test set: {} images from {}",
        test_set.len(),
        args.data.display()
    );
    print!("{}", Evaluation::run(&loaded.net, &test_set));
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
