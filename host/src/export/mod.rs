//! Export of a trained network as Rust source for the firmware.
//!
//! Writes two files that the firmware includes with `mod model; mod samples;`:
//! `model.rs` holds the network as a `static` (so it stays in flash) in the
//! device layout ([`DeviceNet`], order [`device::ORDER`]), and `samples.rs`
//! holds some MNIST test digits, their labels and the host's output
//! activations as `f32` bit patterns, computed by the same core code in the
//! same order, which the device must reproduce exactly.
//!
//! With `--quantize int8` ([`Quantize::Int8`]) it writes `model_int8.rs` and
//! `samples_int8.rs` instead: the int8 network ([`QuantNet`], order
//! [`quant::ORDER`]) with its sigmoid table, and the host's logits.
//!
//! The output is deterministic: no timestamps, no absolute paths unless given,
//! paths written with forward slashes, floats in Rust's shortest round-trip
//! form. So the files can be checked in and `--check` ([`stale`]) can tell
//! whether they are up to date.

mod model_f32;
mod model_int8;
mod samples;
mod source;
pub(crate) use model_f32::*;
pub(crate) use model_int8::*;
pub use samples::*;
pub(crate) use source::*;

pub mod web;

use std::fmt::Display;
use std::io;
use std::path::{Path, PathBuf};

use digitnet_core::device::{self, DeviceNet};
use digitnet_core::quant::{self, QuantNet, SIGMOID_TABLE_LEN};
use digitnet_core::{Activation, Cost, Network};

use crate::atomic::write_group;
use crate::data::idx::{self, Dataset, IdxError, Image, PIXELS};
use crate::data::{DataError, DataSource};
use crate::model::net::describe_neurons;
use crate::model::{self, ModelError, TrainingInfo};

/// Default number of test digits exported: two of each digit.
pub(crate) const DEFAULT_SAMPLES: usize = 20;
/// Largest number of test digits that can be exported (the MNIST test set).
pub(crate) const MAX_SAMPLES: usize = 10_000;
/// File name of the generated network source.
pub(crate) const MODEL_FILE: &str = "model.rs";
/// File name of the generated samples source.
pub(crate) const SAMPLES_FILE: &str = "samples.rs";
/// File name of the generated int8 network source.
pub(crate) const MODEL_INT8_FILE: &str = "model_int8.rs";
/// File name of the generated int8 samples source.
pub(crate) const SAMPLES_INT8_FILE: &str = "samples_int8.rs";

/// What to export, and where from and to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The model file (safetensors), as given; it is named in the generated headers.
    pub model: PathBuf,
    /// Where the test digits come from (usually the folder `data/mnist`).
    pub data: DataSource,
    /// The folder to write `model.rs` and `samples.rs` into (usually `firmware-example/src`).
    pub out_dir: PathBuf,
    /// Number of test digits to export, 1 to `MAX_SAMPLES`.
    pub samples: usize,
    /// Export the int8 network instead of the `f32` one.
    pub quantize: Option<Quantize>,
}

/// A quantised form of the network to export or evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Quantize {
    /// `i8` weights with per-neuron scales, `u8` activations, `i32` sums.
    Int8,
}

/// One generated source file, rendered in memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GeneratedFile {
    /// Where it goes.
    pub path: PathBuf,
    /// Its full text.
    pub contents: String,
}

/// What went wrong exporting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Reading the model failed (missing, corrupt, wrong shape, non-finite, ...).
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Reading the MNIST test set failed.
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// Reading the test digits failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// The number of samples is zero or more than can be exported.
    #[error("{}", sample_count_message(*.requested, *.available))]
    BadSampleCount {
        /// The number asked for.
        requested: usize,
        /// The most that can be exported (the test set size, at most `MAX_SAMPLES`).
        available: usize,
    },
    /// A generated file on disk could not be read (for `--check`).
    #[error("{}: cannot read file", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A generated file could not be written.
    #[error("{}: cannot write file", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// Renders both files in memory (no writes).
///
/// Loads the model (any width `train` makes; refusing another shape or a
/// non-finite value), reads the test digits from `data`, picks the
/// samples with `select_samples` and runs the network on them.
pub fn render(opts: &ExportOptions) -> Result<Vec<GeneratedFile>, ExportError> {
    if !(1..=MAX_SAMPLES).contains(&opts.samples) {
        return Err(ExportError::BadSampleCount {
            requested: opts.samples,
            available: MAX_SAMPLES,
        });
    }
    let loaded = model::load_any(&opts.model)?;
    render_loaded(opts, &loaded)
}

/// [`render`] for a model already in memory (`train --export` renders the
/// sources of the model it is about to write, to write them all together);
/// `opts.model` is only the name the headers give it.
pub(crate) fn render_loaded(
    opts: &ExportOptions,
    loaded: &model::LoadedAny,
) -> Result<Vec<GeneratedFile>, ExportError> {
    if !(1..=MAX_SAMPLES).contains(&opts.samples) {
        return Err(ExportError::BadSampleCount {
            requested: opts.samples,
            available: MAX_SAMPLES,
        });
    }
    let test_set = opts.data.load_test()?;
    let test = test_set.data;
    let indices = select_samples(&test.labels, opts.samples)?;
    let model_label = display_path(&opts.model);
    let images_label = test_set.origin.clone();
    let (names, model_rs, samples_rs) = match opts.quantize {
        None => {
            let (model_rs, samples) = crate::with_net!(&loaded.net, net => (
                render_model(&**net, &model_label, &loaded.sha256, loaded.info.as_ref()),
                collect_samples(&**net, &test, &indices),
            ));
            let samples_rs = render_samples(&samples, &model_label, &loaded.sha256, &images_label);
            ((MODEL_FILE, SAMPLES_FILE), model_rs, samples_rs)
        }
        Some(Quantize::Int8) => {
            let (calibration, origin) = crate::model::int8::calibration_images(&opts.data)?;
            let calibration_label = format!("the first {} images of {origin}", calibration.len());
            let (model_rs, samples) = crate::with_net!(&loaded.net, net => {
                let q = crate::model::int8::quantize(&**net, &calibration);
                (
                    render_model_int8(&q, &model_label, &loaded.sha256, loaded.info.as_ref(), &calibration_label),
                    collect_samples_int8(&q, &test, &indices),
                )
            });
            let samples_rs = render_samples(&samples, &model_label, &loaded.sha256, &images_label);
            ((MODEL_INT8_FILE, SAMPLES_INT8_FILE), model_rs, samples_rs)
        }
    };
    Ok(vec![
        GeneratedFile {
            path: opts.out_dir.join(names.0),
            contents: model_rs,
        },
        GeneratedFile {
            path: opts.out_dir.join(names.1),
            contents: samples_rs,
        },
    ])
}

/// Writes the files so that they change together (`write_group`): after a
/// failure, or a kill and the next `digitnet` run, they are all new or all as
/// they were, never a model from one run beside samples from another.
pub fn write(files: &[GeneratedFile]) -> Result<(), ExportError> {
    let group: Vec<(&Path, &[u8])> = files
        .iter()
        .map(|f| (f.path.as_path(), f.contents.as_bytes()))
        .collect();
    write_group(&group).map_err(|source| ExportError::Write {
        path: files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
            .into(),
        source,
    })
}

/// For `--check`: the paths whose on-disk contents differ or are missing (empty = up to date).
pub fn stale(files: &[GeneratedFile]) -> Result<Vec<PathBuf>, ExportError> {
    let mut out = Vec::new();
    for f in files {
        match std::fs::read(&f.path) {
            Ok(bytes) if bytes == f.contents.as_bytes() => {}
            Ok(_) => out.push(f.path.clone()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => out.push(f.path.clone()),
            Err(source) => {
                return Err(ExportError::Read {
                    path: f.path.clone(),
                    source,
                })
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
