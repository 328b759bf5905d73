//! The `digitnet` command line: `train`, `eval`, `export`, `predict`, `inspect` and `web`.

mod bench;
mod eval;
mod export;
mod names;
mod recipe;
mod train;
pub(crate) use self::export::*;
pub(crate) use bench::*;
pub(crate) use eval::*;
use names::*;
pub use recipe::{MachineArgs, RecipeArgs};
pub use train::INTERRUPTED_STATUS;
pub(crate) use train::*;

use crate::atomic::{check_writable, write_atomic, write_group, Unwritable};
use crate::data::idx::IdxError;
use crate::data::{DataError, DataSource};
use crate::engine::cpu::Simd;
use crate::export::web::{WebArgs, WebError};
use crate::export::{ExportError, ExportOptions, Quantize};
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
use crate::training::{self, ConfigError, EpochReport, Setting, Splits, TrainConfig, TrainError};
use clap::{Args, Parser, Subcommand};
use digitnet_core::{Activation, Cost, Init};
use std::path::PathBuf;

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
    /// Time loading, training and classifying, on the bundled MNIST or the --data given.
    Bench(BenchArgs),
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A flag out of range.
    #[error("{}", .0.describe(flag))]
    Config(ConfigError),
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
    Train(Flagged),
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
    /// A file the command would write cannot be written: found before any work.
    #[error("{}", unwritable_message(path, flag, why))]
    Unwritable {
        /// The file to write.
        path: PathBuf,
        /// The flag that names it, or its default.
        flag: &'static str,
        /// What is in the way.
        why: Unwritable,
    },
    /// A flag of another tool, answered with digitnet's own.
    #[error("{given}: {answer}")]
    OtherName {
        /// The flag and value given.
        given: String,
        /// Which flag digitnet has for it.
        answer: String,
    },
    /// Ctrl-C stopped training; nothing was written.
    #[error("interrupted in epoch {epoch} of {epochs}; no model was written (it is saved after the last epoch only; --metrics and --plot hold the epochs that finished)")]
    Interrupted {
        /// The epoch under way, which finished.
        epoch: usize,
        /// The epochs the run was to train.
        epochs: usize,
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

impl From<ConfigError> for CliError {
    fn from(e: ConfigError) -> Self {
        CliError::Config(e)
    }
}

impl From<TrainError> for CliError {
    fn from(e: TrainError) -> Self {
        CliError::Train(Flagged(e))
    }
}

/// A training error told in the command line's words: each setting named by
/// its flag ([`TrainError::describe`]), with the error's own causes.
#[derive(Debug)]
pub struct Flagged(pub TrainError);

impl std::fmt::Display for Flagged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.describe(flag))
    }
}

impl std::error::Error for Flagged {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&self.0)
    }
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
            .map(|dir| dir.join(crate::export::MODEL_FILE))
    };
    match command {
        Command::Train(a) => {
            let mut files = vec![a.out_file()];
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

/// The first line of [`CliError::Unwritable`]; a refusal's own error follows as its cause.
fn unwritable_message(path: &std::path::Path, flag: &str, why: &Unwritable) -> String {
    let path = path.display();
    match why {
        Unwritable::NoFolder(dir) => {
            format!(
                "{path} ({flag}): folder {} not found; nothing was done",
                dir.display()
            )
        }
        Unwritable::FileInTheWay(file) => format!(
            "{path} ({flag}): {} is a file, not a folder; nothing was done",
            file.display()
        ),
        Unwritable::Refused(dir, e) => format!(
            "{path} ({flag}): cannot write in {} ({e}); nothing was done",
            dir.display()
        ),
    }
}

/// The files a command will write, with the flag that names each, and
/// whether their last folder may be made: all checked before any work.
fn outputs(command: &Command) -> Vec<(PathBuf, &'static str, bool)> {
    let firmware = |dir: &Option<PathBuf>, flag| {
        defaults::firmware_dir(dir.as_deref())
            .ok()
            .map(|dir| (dir.join(crate::export::MODEL_FILE), flag, true))
    };
    match command {
        Command::Train(a) => {
            let mut files = vec![(a.out_file(), "--out", false)];
            for (path, flag) in [(&a.metrics, "--metrics"), (&a.plot, "--plot")] {
                files.extend(path.clone().map(|p| (p, flag, false)));
            }
            if a.export {
                files.extend(firmware(&a.export_dir, "--export-dir"));
            }
            files
        }
        Command::Export(a) if !a.check => firmware(&a.out, "--out").into_iter().collect(),
        Command::Web(a) => vec![(a.out.join(crate::export::web::PAGE), "--out", true)],
        Command::Inspect(a) => [
            (&a.misclassified, "--misclassified"),
            (&a.weights, "--weights"),
            (&a.confusion, "--confusion"),
        ]
        .into_iter()
        .filter_map(|(path, flag)| path.clone().map(|p| (p, flag, false)))
        .collect(),
        _ => Vec::new(),
    }
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), CliError> {
    for (path, flag, make_folder) in outputs(&cli.command) {
        if path.is_dir() {
            // Said by the command itself, with its own advice.
            continue;
        }
        check_writable(&path, make_folder).map_err(|why| CliError::Unwritable {
            path,
            flag,
            why,
        })?;
    }
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

#[cfg(test)]
mod tests;
