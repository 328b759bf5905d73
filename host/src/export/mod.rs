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

pub mod web;

use std::fmt::Display;
use std::io;
use std::path::{Path, PathBuf};

use digitnet_core::device::{self, DeviceNet};
use digitnet_core::quant::{self, QuantNet, SIGMOID_TABLE_LEN};
use digitnet_core::{Activation, Network};

use crate::atomic::write_group;
use crate::data::idx::{self, Dataset, IdxError, Image, PIXELS};
use crate::data::{DataError, DataSource};
use crate::model::net::describe_neurons;
use crate::model::{self, ModelError, TrainingInfo};

/// Default number of test digits exported: two of each digit.
pub const DEFAULT_SAMPLES: usize = 20;
/// Largest number of test digits that can be exported (the MNIST test set).
pub const MAX_SAMPLES: usize = 10_000;
/// File name of the generated network source.
pub const MODEL_FILE: &str = "model.rs";
/// File name of the generated samples source.
pub const SAMPLES_FILE: &str = "samples.rs";
/// File name of the generated int8 network source.
pub const MODEL_INT8_FILE: &str = "model_int8.rs";
/// File name of the generated int8 samples source.
pub const SAMPLES_INT8_FILE: &str = "samples_int8.rs";

/// Floats per line in `model.rs`.
const FLOATS_PER_LINE: usize = 8;
/// Indices or labels per line in `samples.rs`.
const INTS_PER_LINE: usize = 20;
/// Pixels per line in `samples.rs`: one image row.
const PIXELS_PER_LINE: usize = idx::COLS;

/// What to export, and where from and to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    /// The model file (safetensors), as given; it is named in the generated headers.
    pub model: PathBuf,
    /// Where the test digits come from (usually the folder `data/mnist`).
    pub data: DataSource,
    /// The folder to write `model.rs` and `samples.rs` into (usually `firmware-example/src`).
    pub out_dir: PathBuf,
    /// Number of test digits to export, 1 to [`MAX_SAMPLES`].
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

/// One exported test digit with the host's output for it.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample<T, const O: usize> {
    /// Index in the test set.
    pub index: usize,
    /// Its label.
    pub label: u8,
    /// Its pixels.
    pub image: Image,
    /// The host's outputs on the `u8` pixels, as the device computes them:
    /// `f32` activations ([`DeviceNet::feedforward`]) or int8 logits
    /// ([`QuantNet::logits`]).
    pub expected: [T; O],
}

/// An output value as `samples.rs` holds it.
pub trait Expected: Copy {
    /// The Rust type of one value in the generated array.
    const TYPE: &'static str;
    /// What the values are, for the header.
    const WHAT: &'static str;
    /// The value as a Rust literal of [`Expected::TYPE`].
    fn literal(&self) -> String;
}

impl Expected for f32 {
    const TYPE: &'static str = "u32";
    const WHAT: &'static str = "the host's output activations as f32 bit patterns";
    fn literal(&self) -> String {
        format!("{:#010x}", self.to_bits())
    }
}

impl Expected for i32 {
    const TYPE: &'static str = "i32";
    const WHAT: &'static str = "the host's int8 logits (z · 65536) as i32";
    fn literal(&self) -> String {
        self.to_string()
    }
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
        /// The most that can be exported (the test set size, at most [`MAX_SAMPLES`]).
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

/// The message of [`ExportError::BadSampleCount`].
fn sample_count_message(requested: usize, available: usize) -> String {
    if requested == 0 {
        "the number of samples must be at least 1".to_owned()
    } else {
        format!("cannot export {requested} samples: at most {available} are available")
    }
}

/// Renders both files in memory (no writes).
///
/// Loads the model (any width `train` makes; refusing another shape or a
/// non-finite value), reads the test digits from `data`, picks the
/// samples with [`select_samples`] and runs the network on them.
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
pub fn render_loaded(
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

/// Writes the files so that they change together ([`write_group`]): after a
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

/// Indices of the test images to export, in test-set order.
///
/// Goes through the test set in order and takes an image if fewer than
/// `ceil(count / 10)` of its digit are taken so far, until `count` are taken;
/// so 20 gives the first two of each digit. Should some digit run out first,
/// the earliest images not yet taken fill the rest.
pub fn select_samples(labels: &[u8], count: usize) -> Result<Vec<usize>, ExportError> {
    let available = labels.len().min(MAX_SAMPLES);
    if count == 0 || count > available {
        return Err(ExportError::BadSampleCount {
            requested: count,
            available,
        });
    }
    let per_digit = count.div_ceil(10);
    let mut taken_of = [0usize; 256];
    let mut taken = vec![false; labels.len()];
    let mut n = 0;
    for (t, &label) in taken.iter_mut().zip(labels) {
        if n == count {
            break;
        }
        let c = &mut taken_of[usize::from(label)];
        if *c < per_digit {
            *c += 1;
            *t = true;
            n += 1;
        }
    }
    for t in taken.iter_mut() {
        if n == count {
            break;
        }
        if !*t {
            *t = true;
            n += 1;
        }
    }
    Ok(taken
        .iter()
        .enumerate()
        .filter_map(|(i, &t)| t.then_some(i))
        .collect())
}

/// The samples at `indices` of `test`, with `net`'s outputs on their `u8`
/// pixels as the device computes them ([`DeviceNet`], order [`device::ORDER`]).
/// Indices outside the test set are skipped.
pub fn collect_samples<const H: usize, const O: usize>(
    net: &Network<PIXELS, H, O>,
    test: &Dataset,
    indices: &[usize],
) -> Vec<Sample<f32, O>> {
    let mut dev: Box<DeviceNet<PIXELS, H, O>> = Box::default();
    dev.copy_from(net);
    indices
        .iter()
        .filter_map(|&index| {
            let image = *test.images.get(index)?;
            let label = *test.labels.get(index)?;
            Some(Sample {
                index,
                label,
                image,
                expected: dev.feedforward::<H>(&image),
            })
        })
        .collect()
}

/// The digit the device's `f32` network ([`DeviceNet`], order
/// [`device::ORDER`]) predicts for every image of `data`.
pub fn device_predictions(net: &crate::model::net::AnyNet, data: &Dataset) -> Vec<Option<usize>> {
    crate::with_net!(net, n => {
        let mut dev: Box<DeviceNet<PIXELS, _, 10>> = Box::default();
        dev.copy_from(n);
        data.images.iter().map(|x| predict_device(&dev, x)).collect()
    })
}

/// One image through the device's `f32` network.
fn predict_device<const H: usize>(dev: &DeviceNet<PIXELS, H, 10>, image: &Image) -> Option<usize> {
    dev.predict::<H>(image)
}

/// The samples at `indices` of `test`, with the int8 network's logits on
/// their pixels ([`QuantNet::logits`], order [`quant::ORDER`]).
pub fn collect_samples_int8<const H: usize, const O: usize, const T: usize>(
    net: &QuantNet<PIXELS, H, O, T>,
    test: &Dataset,
    indices: &[usize],
) -> Vec<Sample<i32, O>> {
    indices
        .iter()
        .filter_map(|&index| {
            let image = *test.images.get(index)?;
            let label = *test.labels.get(index)?;
            Some(Sample {
                index,
                label,
                image,
                expected: net.logits::<crate::model::int8::Kernel>(&image),
            })
        })
        .collect()
}

/// A path as written in generated headers: as given, with forward slashes.
fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// An `f32` as a Rust expression that evaluates to exactly that value.
///
/// Finite values use `{:?}`, the shortest decimal that parses back to the same
/// bits (Rust's float literals are correctly rounded), e.g. `-0.44726625`,
/// `1e-7`, `-0.0`, `1e-45`; it always has a `.` or an exponent, so it is a
/// float literal. Non-finite values (never in a loaded model) become
/// `f32::NAN` / `f32::INFINITY` / `f32::NEG_INFINITY`.
pub fn format_f32(v: f32) -> String {
    if v.is_nan() {
        "f32::NAN".to_owned()
    } else if v == f32::INFINITY {
        "f32::INFINITY".to_owned()
    } else if v == f32::NEG_INFINITY {
        "f32::NEG_INFINITY".to_owned()
    } else {
        format!("{v:?}")
    }
}

/// Appends `items` as an array literal: on one line if at most `per_line`,
/// else `per_line` to a line, indented by `indent` (closing bracket by `indent - 4`).
fn push_array<T: Display>(out: &mut String, items: &[T], per_line: usize, indent: usize) {
    let join = |chunk: &[T]| {
        chunk
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if items.len() <= per_line {
        out.push('[');
        out.push_str(&join(items));
        out.push(']');
        return;
    }
    out.push_str("[\n");
    for chunk in items.chunks(per_line.max(1)) {
        out.push_str(&" ".repeat(indent));
        out.push_str(&join(chunk));
        out.push_str(",\n");
    }
    out.push_str(&" ".repeat(indent.saturating_sub(4)));
    out.push(']');
}

/// Appends `[[f32; N]; M]` as nested array literals, one row per `row_label(k)`
/// comment, indented by 4.
fn push_rows<const N: usize>(
    out: &mut String,
    rows: &[[f32; N]],
    row_label: impl Fn(usize) -> String,
) {
    out.push_str("    [\n");
    for (k, row) in rows.iter().enumerate() {
        let values: Vec<String> = row.iter().map(|&v| format_f32(v)).collect();
        out.push_str(&format!("        // {}\n        ", row_label(k)));
        push_array(out, &values, FLOATS_PER_LINE, 12);
        out.push_str(",\n");
    }
    out.push_str("    ],\n");
}

/// Appends a flat `[f32; N]` literal, indented by 4.
fn push_values(out: &mut String, values: &[f32]) {
    let values: Vec<String> = values.iter().map(|&v| format_f32(v)).collect();
    out.push_str("    ");
    push_array(out, &values, FLOATS_PER_LINE, 8);
    out.push_str(",\n");
}

/// The text of `model.rs`: `pub static MODEL`, `net` in the device layout
/// ([`DeviceNet`], order [`device::ORDER`]), with the block size `BLOCK` the
/// firmware runs it with.
///
/// `model_label` is the model path as it should appear in the header,
/// `sha256` the hash of the model file.
pub fn render_model<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    model_label: &str,
    sha256: &str,
    info: Option<&TrainingInfo>,
) -> String {
    let mut dev: Box<DeviceNet<I, H, O>> = Box::default();
    dev.copy_from(net);
    let mut out = String::new();
    out.push_str(&format!(
        "// @generated by `digitnet export` from {model_label} (sha256 {sha256}) — do not edit.\n"
    ));
    let trained = info.map(describe_training).unwrap_or_default();
    out.push_str(&format!(
        "// [{I}, {H}, {O}] {}{trained}.\n",
        describe_neurons(net.activation, net.cost)
    ));
    out.push_str(&format!(
        "// Device layout, order = \"{}\": both layers input-stationary, w[k][j] = weight from input k into neuron j.\n",
        device::ORDER
    ));
    out.push_str(
        "use digitnet_core::device::DeviceNet;\nuse digitnet_core::{Activation, Cost};\n\n",
    );
    out.push_str(&format!(
        "/// What the network is, for the firmware's report.\npub const DESCRIPTION: &str = \"[{I}, {H}, {O}] {}\";\n",
        describe_neurons(net.activation, net.cost)
    ));
    out.push_str(&format!(
        "/// The summation order of `MODEL`'s outputs (see `digitnet_core::device`).\npub const ORDER: &str = \"{}\";\n",
        device::ORDER
    ));
    out.push_str(&format!(
        "/// Hidden neurons.\npub const HIDDEN: usize = {H};\n\n"
    ));
    out.push_str("/// The trained network, in flash (`static`, so it is never copied to RAM).\n");
    out.push_str("#[rustfmt::skip]\n");
    // A weight may look like π or ln 2 to clippy, and long literals have no `_`.
    out.push_str("#[allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]\n");
    out.push_str(&format!(
        "pub static MODEL: DeviceNet<{I}, {H}, {O}> = DeviceNet::new(\n"
    ));
    out.push_str(&format!(
        "    // hidden weights: {I} rows (one per pixel k) of {H}\n"
    ));
    push_rows(&mut out, &dev.hidden_weights, |k| format!("pixel {k}"));
    out.push_str("    // hidden biases\n");
    push_values(&mut out, &dev.hidden_biases);
    out.push_str(&format!(
        "    // output weights: {H} rows (one per hidden neuron k) of {O}\n"
    ));
    push_rows(&mut out, &dev.output_weights, |k| format!("hidden {k}"));
    out.push_str("    // output biases\n");
    push_values(&mut out, &dev.output_biases);
    out.push_str(&format!(
        "    Activation::{:?},\n    Cost::{:?},\n);\n",
        net.activation, net.cost
    ));
    out
}

/// Appends `[[i8; N]; M]` or similar integer rows, one per `row_label(k)`
/// comment, indented by 4.
fn push_int_rows<T: Display, const N: usize>(
    out: &mut String,
    rows: &[[T; N]],
    per_line: usize,
    row_label: impl Fn(usize) -> String,
) {
    out.push_str("    [\n");
    for (k, row) in rows.iter().enumerate() {
        out.push_str(&format!("        // {}\n        ", row_label(k)));
        push_array(out, row, per_line, 12);
        out.push_str(",\n");
    }
    out.push_str("    ],\n");
}

/// Appends a layer's multipliers and shift, indented by 4.
fn push_requant(out: &mut String, multipliers: &[i32], shift: u8) {
    out.push_str("    ");
    push_array(out, multipliers, 8, 8);
    out.push_str(&format!(",\n    {shift},\n"));
}

/// Integers per line in `model_int8.rs`.
const INTS_PER_LINE_INT8: usize = 16;

/// The text of `model_int8.rs`: `pub static MODEL`, the int8 network
/// ([`QuantNet`], order [`quant::ORDER`]) with its sigmoid table (empty for
/// a ReLU hidden layer, which never reads it).
///
/// `calibration_label` names the images that calibrated the ReLU scales.
pub fn render_model_int8<const I: usize, const H: usize, const O: usize>(
    net: &QuantNet<I, H, O, SIGMOID_TABLE_LEN>,
    model_label: &str,
    sha256: &str,
    info: Option<&TrainingInfo>,
    calibration_label: &str,
) -> String {
    let sigmoid = net.activation == Activation::Sigmoid;
    let table_len = if sigmoid { SIGMOID_TABLE_LEN } else { 0 };
    let mut out = String::new();
    out.push_str(&format!(
        "// @generated by `digitnet export --quantize int8` from {model_label} (sha256 {sha256}) — do not edit.\n"
    ));
    let trained = info.map(describe_training).unwrap_or_default();
    out.push_str(&format!(
        "// [{I}, {H}, {O}] {}{trained}.\n",
        describe_neurons(net.activation, net.cost)
    ));
    out.push_str(&format!(
        "// int8, order = \"{}\": i8 weights with one scale per neuron, u8 inputs and activations, i32 sums,\n// requantised as (acc · m + 2^(shift−1)) >> shift; both layers input-stationary, u[k][j] = q + 128 (offset binary)\n// for the weight q from input k into neuron j.\n",
        quant::ORDER
    ));
    if sigmoid {
        out.push_str(&format!(
            "// Sigmoid table: round(255 · σ((i − 512) / 64)) for i in 0..{SIGMOID_TABLE_LEN}, from digitnet_core::quant::sigmoid_table_entry.\n"
        ));
    } else {
        out.push_str(&format!(
            "// ReLU activation scales calibrated on {calibration_label}.\n"
        ));
    }
    out.push_str("use digitnet_core::quant::QuantNet;\nuse digitnet_core::{Activation, Cost};\n\n");
    out.push_str(&format!(
        "/// What the network is, for the firmware's report.\npub const DESCRIPTION: &str = \"[{I}, {H}, {O}] {}, int8\";\n",
        describe_neurons(net.activation, net.cost)
    ));
    out.push_str(&format!(
        "/// The inference order of `MODEL`'s logits (see `digitnet_core::quant`).\npub const ORDER: &str = \"{}\";\n",
        quant::ORDER
    ));
    out.push_str(&format!(
        "/// Hidden neurons.\npub const HIDDEN: usize = {H};\n\n"
    ));
    out.push_str(
        "/// The int8 network, in flash.\n#[rustfmt::skip]\n#[allow(clippy::unreadable_literal)]\n",
    );
    out.push_str(&format!(
        "pub static MODEL: QuantNet<{I}, {H}, {O}, {table_len}> = QuantNet::new(\n"
    ));
    out.push_str(&format!(
        "    // hidden weights u = q + 128: {I} rows (one per pixel k) of {H}\n"
    ));
    push_int_rows(&mut out, &net.hidden_weights, INTS_PER_LINE_INT8, |k| {
        format!("pixel {k}")
    });
    out.push_str("    // hidden biases (on the scale of the sums)\n    ");
    push_array(&mut out, &net.hidden_biases, INTS_PER_LINE_INT8, 8);
    out.push_str(",\n    // hidden requantisation: sum → ");
    out.push_str(if sigmoid {
        "table index − 512 (z · 64)"
    } else {
        "activation (z / r_j)"
    });
    out.push_str(": multipliers m_j, then the shift\n");
    push_requant(&mut out, &net.hidden_multipliers, net.hidden_shift);
    out.push_str(&format!(
        "    // output weights u = q + 128: {H} rows (one per hidden neuron k) of {O}\n"
    ));
    push_int_rows(&mut out, &net.output_weights, INTS_PER_LINE_INT8, |k| {
        format!("hidden {k}")
    });
    out.push_str("    // output biases\n    ");
    push_array(&mut out, &net.output_biases, INTS_PER_LINE_INT8, 8);
    out.push_str(
        ",\n    // output requantisation: sum → logit z · 65536: multipliers m_j, then the shift\n",
    );
    push_requant(&mut out, &net.output_multipliers, net.output_shift);
    out.push_str("    // sigmoid table\n    ");
    let table: &[u8] = if sigmoid { &net.sigmoid_table } else { &[] };
    push_array(&mut out, table, 24, 8);
    out.push_str(&format!(
        ",\n    Activation::{:?},\n    Cost::{:?},\n);\n",
        net.activation, net.cost
    ));
    out
}

/// `; trained with seed …, … epochs, …, test accuracy …` for the model header.
fn describe_training(info: &TrainingInfo) -> String {
    let accuracy = info
        .accuracy()
        .map(|a| {
            format!(
                ", test accuracy {:.2}% ({}/{})",
                100.0 * a,
                info.correct,
                info.total
            )
        })
        .unwrap_or_default();
    format!(
        "; trained with {}{accuracy}",
        model::describe_training(info)
    )
}

/// The text of `samples.rs`: `COUNT`, `INDICES`, `LABELS`, `EXPECTED`, `IMAGES`.
///
/// `model_label` and `sha256` name the model that computed `expected`,
/// `images_label` the test images file.
pub fn render_samples<T: Expected, const O: usize>(
    samples: &[Sample<T, O>],
    model_label: &str,
    sha256: &str,
    images_label: &str,
) -> String {
    let count = samples.len();
    let mut out = String::new();
    out.push_str(&format!(
        "// @generated by `digitnet export` from {model_label} (sha256 {sha256}) and {images_label} — do not edit.\n"
    ));
    out.push_str(&format!(
        "// {count} MNIST test images: {}, in test-set order; {}.\n\n",
        describe_selection(samples),
        T::WHAT
    ));
    out.push_str("/// Number of samples.\n");
    out.push_str(&format!("pub const COUNT: usize = {count};\n"));

    out.push_str("/// Index of each sample in the MNIST test set.\n#[rustfmt::skip]\n");
    out.push_str("pub static INDICES: [u32; COUNT] = ");
    let indices: Vec<usize> = samples.iter().map(|s| s.index).collect();
    push_array(&mut out, &indices, INTS_PER_LINE, 4);
    out.push_str(";\n");

    out.push_str("/// Label of each sample.\n#[rustfmt::skip]\n");
    out.push_str("pub static LABELS: [u8; COUNT] = ");
    let labels: Vec<u8> = samples.iter().map(|s| s.label).collect();
    push_array(&mut out, &labels, INTS_PER_LINE, 4);
    out.push_str(";\n");

    out.push_str(&format!(
        "/// The host's {O} outputs for each sample ({}).\n#[rustfmt::skip]\n#[allow(clippy::unreadable_literal)]\n",
        T::WHAT.trim_start_matches("the host's ")
    ));
    out.push_str(&format!(
        "pub static EXPECTED: [[{}; {O}]; COUNT] = [\n",
        T::TYPE
    ));
    for s in samples {
        let bits: Vec<String> = s.expected.iter().map(Expected::literal).collect();
        out.push_str("    ");
        push_array(&mut out, &bits, usize::MAX, 8);
        out.push_str(&format!(", // test #{}, label {}\n", s.index, s.label));
    }
    out.push_str("];\n");

    out.push_str("/// The pixels, 0 = background, 255 = ink, row by row.\n#[rustfmt::skip]\n");
    out.push_str(&format!("pub static IMAGES: [[u8; {PIXELS}]; COUNT] = [\n"));
    for s in samples {
        let pixels: Vec<String> = s.image.iter().map(|p| format!("{p:3}")).collect();
        out.push_str(&format!(
            "    // test #{}, label {}\n    ",
            s.index, s.label
        ));
        push_array(&mut out, &pixels, PIXELS_PER_LINE, 8);
        out.push_str(",\n");
    }
    out.push_str("];\n");
    out
}

/// How the samples were chosen, for the header: "the first 2 of each digit" when it is so.
fn describe_selection<T, const O: usize>(samples: &[Sample<T, O>]) -> String {
    let per_digit = samples.len().div_ceil(10);
    let mut counts = [0usize; 10];
    let mut digits_only = true;
    for s in samples {
        match counts.get_mut(usize::from(s.label)) {
            Some(c) => *c += 1,
            None => digits_only = false,
        }
    }
    if digits_only && counts.iter().all(|&c| c == per_digit) {
        format!("the first {per_digit} of each digit")
    } else {
        format!("the first of each digit, about {per_digit} per digit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use digitnet_core::{Cost, MnistNet};

    use digitnet_core::Layer;

    fn tiny() -> Network<2, 2, 2> {
        Network::new(
            Layer::new([[0.5, -0.0], [1e-7, f32::MAX]], [f32::MIN_POSITIVE, -2.25]),
            Layer::new([[0.1, -0.44726625], [3.0, f32::from_bits(1)]], [0.0, -1.0]),
        )
    }

    fn info() -> TrainingInfo {
        TrainingInfo {
            seed: 7,
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            lambda: 0.0,
            init: digitnet_core::Init::Normal,
            schedule: crate::model::Schedule::Constant,
            shift: 0,
            train_images: 50_000,
            correct: 9512,
            total: 10_000,
            validation: None,
        }
    }

    /// Every number in `MODEL`'s initialiser (comments skipped), parsed.
    fn numbers_in<T: std::str::FromStr>(text: &str, init: &str) -> Vec<T>
    where
        T::Err: std::fmt::Debug,
    {
        let body = text.split(init).nth(1).unwrap();
        body.lines()
            .filter(|l| !l.trim_start().starts_with("//") && !l.contains("DESCRIPTION"))
            .flat_map(|l| l.split(|c: char| c == ',' || c == '[' || c == ']' || c.is_whitespace()))
            .filter(|t| t.starts_with(|c: char| c.is_ascii_digit() || c == '-'))
            .map(|t| t.parse::<T>().unwrap())
            .collect()
    }

    /// The parameters in the device layout's order: hidden weights pixel by
    /// pixel (`w[k][j]`), hidden biases, output weights by hidden neuron, output biases.
    fn device_order<const I: usize, const H: usize, const O: usize>(
        net: &Network<I, H, O>,
    ) -> Vec<u32> {
        let mut out = Vec::new();
        for k in 0..I {
            out.extend((0..H).map(|j| net.hidden.weights[j][k].to_bits()));
        }
        out.extend(net.hidden.biases.map(f32::to_bits));
        for k in 0..H {
            out.extend((0..O).map(|j| net.output.weights[j][k].to_bits()));
        }
        out.extend(net.output.biases.map(f32::to_bits));
        out
    }

    #[test]
    fn render_tiny_model() {
        let net = tiny();
        let text = render_model(&net, "models/tiny.safetensors", "ab12", Some(&info()));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "// @generated by `digitnet export` from models/tiny.safetensors (sha256 ab12) — do not edit."
        );
        assert!(
            lines[1].starts_with(
                "// [2, 2, 2] sigmoid network, quadratic cost; trained with seed 7, 30 epochs"
            ),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].ends_with("test accuracy 95.12% (9512/10000)."),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("// Device layout, order = \"pixel-major-v1\""),
            "{}",
            lines[2]
        );
        assert_eq!(lines[3], "use digitnet_core::device::DeviceNet;");
        assert!(text.contains("pub const ORDER: &str = \"pixel-major-v1\";\n"));
        assert!(text.contains("pub const HIDDEN: usize = 2;\n"));
        assert!(text.contains("#[rustfmt::skip]\n#[allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]\npub static MODEL: DeviceNet<2, 2, 2> = DeviceNet::new(\n"));
        assert!(text.ends_with("    Activation::Sigmoid,\n    Cost::Quadratic,\n);\n"));
        // Every parameter, in the device layout's order.
        let got: Vec<u32> = numbers_in::<f32>(&text, "= DeviceNet::new(")
            .into_iter()
            .map(f32::to_bits)
            .collect();
        assert_eq!(got, device_order(&net));
        assert!(text.contains("[0.5, 1e-7]"), "{text}");
        // Without training info, the second line just says what it is.
        let text = render_model(&net, "m", "00", None);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "// [2, 2, 2] sigmoid network, quadratic cost."
        );
        // Same input, same text.
        assert_eq!(text, render_model(&net, "m", "00", None));
        // Other neurons are named.
        let relu = tiny().with_neurons(Activation::Relu, Cost::LogLikelihood);
        let text = render_model(&relu, "m", "00", None);
        assert!(text.ends_with("    Activation::Relu,\n    Cost::LogLikelihood,\n);\n"));
    }

    #[test]
    fn render_mnist_model_short_lines_every_value() {
        let net: Box<MnistNet> = Box::new(Network::from_seed(1));
        let text = render_model(&net, "m.safetensors", "00", None);
        assert!(text.contains("pub static MODEL: DeviceNet<784, 30, 10> = DeviceNet::new(\n"));
        assert!(text.lines().all(|l| l.chars().count() <= 160), "long line");
        let values: Vec<u32> = numbers_in::<f32>(&text, "= DeviceNet::new(")
            .into_iter()
            .map(f32::to_bits)
            .collect();
        assert_eq!(values.len(), MnistNet::PARAMETERS);
        assert_eq!(values, device_order(&net));
    }

    #[test]
    fn render_int8_model_every_value() {
        for activation in Activation::ALL {
            let mut net: Box<Network<784, 10, 10>> =
                Box::new(Network::zeroed().with_neurons(activation, Cost::CrossEntropy));
            net.init_with(
                digitnet_core::Init::Scaled,
                &mut digitnet_core::random::seeded(4),
            );
            let calibration = vec![[9u8; 784]; 3];
            let q = crate::model::int8::quantize(&net, &calibration);
            let text = render_model_int8(&q, "m.safetensors", "00", None, "the calibration images");
            assert!(text.starts_with("// @generated by `digitnet export --quantize int8` from m.safetensors (sha256 00) — do not edit.\n"));
            assert!(text.contains("pub const ORDER: &str = \"int8-pixel-major-v2\";\n"));
            assert!(text.contains("u[k][j] = q + 128 (offset binary)"));
            assert!(text.lines().all(|l| l.chars().count() <= 160), "long line");
            let sigmoid = activation == Activation::Sigmoid;
            let table_len = if sigmoid { SIGMOID_TABLE_LEN } else { 0 };
            assert!(text.contains(&format!(
                "pub static MODEL: QuantNet<784, 10, 10, {table_len}> = QuantNet::new(\n"
            )));
            assert_eq!(
                text.contains("calibrated on the calibration images"),
                !sigmoid
            );
            let mut want: Vec<i64> = Vec::new();
            want.extend(q.hidden_weights.iter().flatten().map(|&v| i64::from(v)));
            want.extend(q.hidden_biases.iter().map(|&v| i64::from(v)));
            want.extend(q.hidden_multipliers.iter().map(|&v| i64::from(v)));
            want.push(i64::from(q.hidden_shift));
            want.extend(q.output_weights.iter().flatten().map(|&v| i64::from(v)));
            want.extend(q.output_biases.iter().map(|&v| i64::from(v)));
            want.extend(q.output_multipliers.iter().map(|&v| i64::from(v)));
            want.push(i64::from(q.output_shift));
            if sigmoid {
                want.extend(q.sigmoid_table.iter().map(|&v| i64::from(v)));
            }
            assert_eq!(numbers_in::<i64>(&text, "= QuantNet::new("), want);
        }
    }

    #[test]
    fn floats_round_trip_exactly() {
        let tricky = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1e-7,
            -0.44726625,
            1.0 / 3.0,
            f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x007f_ffff),
            -f32::from_bits(0x0000_0123),
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
            16_777_217.0,
            1e16,
            123_456_790_000.0,
        ];
        for v in tricky {
            let s = format_f32(v);
            assert!(
                s.contains('.') || s.contains('e'),
                "{s} is not a float literal"
            );
            assert_eq!(s.parse::<f32>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
        // Many random bit patterns too.
        let mut x: u32 = 0x1234_5678;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let v = f32::from_bits(x);
            if v.is_finite() {
                let s = format_f32(v);
                assert_eq!(s.parse::<f32>().unwrap().to_bits(), x, "{s}");
            }
        }
        assert_eq!(format_f32(f32::NAN), "f32::NAN");
        assert_eq!(format_f32(f32::NEG_INFINITY), "f32::NEG_INFINITY");
    }

    /// Labels of a synthetic test set: the first 100 labels of the MNIST test set.
    fn synthetic_labels() -> Vec<u8> {
        vec![
            7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 9, 0, 1, 5, 9, 7, 3, 4, 9, 6, 6, 5, 4, 0, 7, 4, 0,
            1, 3, 1, 3, 4, 7, 2, 7, 1, 2, 1, 1, 7, 4, 2, 3, 5, 1, 2, 4, 4, 6, 3, 5, 5, 6, 0, 4, 1,
            9, 5, 7, 8, 9, 3, 7, 4, 6, 4, 3, 0, 7, 0, 2, 9, 1, 7, 3, 2, 9, 7, 7, 6, 2, 7, 8, 4, 7,
            3, 6, 1, 3, 6, 9, 3, 1, 4, 1, 7, 6, 9,
        ]
    }

    #[test]
    fn twenty_samples_are_the_first_two_of_each_digit() {
        let labels = synthetic_labels();
        let picked = select_samples(&labels, 20).unwrap();
        // The MNIST test set starts with these labels; these are its first two of each digit.
        assert_eq!(
            picked,
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 17, 18, 21, 30, 35, 61, 84]
        );
        let mut counts = [0; 10];
        picked
            .iter()
            .for_each(|&i| counts[usize::from(labels[i])] += 1);
        assert_eq!(counts, [2; 10]);
        // 10: the first of each digit.
        assert_eq!(
            select_samples(&labels, 10).unwrap(),
            [0, 1, 2, 3, 4, 7, 8, 11, 18, 61]
        );
        // 5: at most one per digit, the first five that qualify.
        assert_eq!(select_samples(&labels, 5).unwrap(), [0, 1, 2, 3, 4]);
    }

    #[test]
    fn digits_that_run_out_are_filled_in_order() {
        // Only zeros and ones: one of each per digit, then the earliest others.
        let labels = [0, 0, 1, 0, 1, 1];
        assert_eq!(select_samples(&labels, 4).unwrap(), [0, 1, 2, 3]);
        assert_eq!(select_samples(&labels, 6).unwrap(), [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn bad_sample_counts() {
        let labels = synthetic_labels();
        let err = select_samples(&labels, 0).unwrap_err();
        assert!(matches!(
            err,
            ExportError::BadSampleCount { requested: 0, .. }
        ));
        assert_eq!(err.to_string(), "the number of samples must be at least 1");
        let err = select_samples(&labels, 101).unwrap_err();
        assert!(matches!(
            err,
            ExportError::BadSampleCount {
                requested: 101,
                available: 100
            }
        ));
        assert_eq!(
            err.to_string(),
            "cannot export 101 samples: at most 100 are available"
        );
        assert_eq!(select_samples(&labels, 100).unwrap().len(), 100);
    }

    #[test]
    fn real_mnist_first_two_of_each_digit() {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist/t10k-labels-idx1-ubyte.gz");
        let labels = idx::read_labels(&path).unwrap();
        assert_eq!(
            select_samples(&labels, 20).unwrap(),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 17, 18, 21, 30, 35, 61, 84]
        );
        assert_eq!(select_samples(&labels, 10_000).unwrap().len(), 10_000);
    }

    /// A synthetic test set: image `i` has pixel `p` = `(i * 31 + p) % 256`.
    fn dataset() -> Dataset {
        let labels = synthetic_labels();
        let images = (0..labels.len())
            .map(|i| std::array::from_fn(|p| ((i * 31 + p) % 256) as u8))
            .collect();
        Dataset { images, labels }
    }

    #[test]
    fn render_samples_text() {
        let net: Network<784, 3, 10> = Network::from_seed(4);
        let test = dataset();
        let samples = collect_samples(&net, &test, &select_samples(&test.labels, 20).unwrap());
        assert_eq!(samples.len(), 20);
        assert_eq!(samples[3].index, 3);
        // The device's outputs: its order, close to the training order's.
        let mut dev: Box<DeviceNet<784, 3, 10>> = Box::default();
        dev.copy_from(&net);
        assert_eq!(samples[3].expected, dev.feedforward::<1>(&test.images[3]));
        for (d, t) in samples[3]
            .expected
            .iter()
            .zip(net.feedforward(&test.images[3]))
        {
            assert!((d - t).abs() < 1e-5, "{d} vs {t}");
        }
        let text = render_samples(
            &samples,
            "models/m.safetensors",
            "ff00",
            "data/mnist/t10k-images-idx3-ubyte.gz",
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "// @generated by `digitnet export` from models/m.safetensors (sha256 ff00) and data/mnist/t10k-images-idx3-ubyte.gz — do not edit.");
        assert_eq!(lines[1], "// 20 MNIST test images: the first 2 of each digit, in test-set order; the host's output activations as f32 bit patterns.");
        assert!(text.contains("pub const COUNT: usize = 20;\n"));
        assert!(text.contains("pub static INDICES: [u32; COUNT] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 17, 18, 21, 30, 35, 61, 84];\n"));
        assert!(text.contains("pub static LABELS: [u8; COUNT] = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9, 0, 6, 5, 7, 3, 6, 3, 2, 8, 8];\n"));
        assert!(text.contains("pub static EXPECTED: [[u32; 10]; COUNT] = [\n"));
        let e = samples[0].expected.map(f32::to_bits);
        assert!(text.contains(&format!("    [{:#010x}, {:#010x},", e[0], e[1])));
        assert!(text.contains("pub static IMAGES: [[u8; 784]; COUNT] = [\n"));
        // Image 1's first row: pixels 31..=58.
        let row: Vec<String> = (31..59).map(|p| format!("{p:3}")).collect();
        assert!(text.contains(&format!("        {},\n", row.join(", "))));
        assert_eq!(text.matches("#[rustfmt::skip]").count(), 4);
    }

    #[test]
    fn stale_and_write() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![
            GeneratedFile {
                path: dir.path().join("src/model.rs"),
                contents: "// model\n".to_owned(),
            },
            GeneratedFile {
                path: dir.path().join("src/samples.rs"),
                contents: "// samples\n".to_owned(),
            },
        ];
        let paths: Vec<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
        assert_eq!(stale(&files).unwrap(), paths);
        write(&files).unwrap();
        assert!(stale(&files).unwrap().is_empty());
        std::fs::write(&files[1].path, "// samples, edited\n").unwrap();
        assert_eq!(stale(&files).unwrap(), [paths[1].clone()]);
        std::fs::remove_file(&files[0].path).unwrap();
        assert_eq!(stale(&files).unwrap(), paths);
        write(&files).unwrap();
        assert!(stale(&files).unwrap().is_empty());
        // A folder where a file should be: unreadable, an error.
        let bad = [GeneratedFile {
            path: dir.path().join("src"),
            contents: String::new(),
        }];
        assert!(matches!(stale(&bad), Err(ExportError::Read { .. })));
        assert!(matches!(write(&bad), Err(ExportError::Write { .. })));
    }

    /// A folder with the four MNIST files (raw IDX; empty training set).
    fn mnist_dir(dir: &Path) -> PathBuf {
        let data = dir.join("mnist");
        std::fs::create_dir_all(&data).unwrap();
        let test = dataset();
        std::fs::write(
            data.join("train-images-idx3-ubyte"),
            idx::encode_images(&[]),
        )
        .unwrap();
        std::fs::write(
            data.join("train-labels-idx1-ubyte"),
            idx::encode_labels(&[]),
        )
        .unwrap();
        std::fs::write(
            data.join("t10k-images-idx3-ubyte"),
            idx::encode_images(&test.images),
        )
        .unwrap();
        std::fs::write(
            data.join("t10k-labels-idx1-ubyte"),
            idx::encode_labels(&test.labels),
        )
        .unwrap();
        data
    }

    #[test]
    fn render_end_to_end() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = mnist_dir(dir.path());
        let net: Box<MnistNet> = Box::new(Network::from_seed(3));
        let model_path = dir.path().join("m.safetensors");
        model::save(&model_path, &*net, Some(&info())).unwrap();
        let opts = ExportOptions {
            model: model_path.clone(),
            data: DataSource::Dir(data_dir),
            out_dir: dir.path().join("fw/src"),
            samples: DEFAULT_SAMPLES,
            quantize: None,
        };
        let files = render(&opts).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].path, opts.out_dir.join("model.rs"));
        assert_eq!(files[1].path, opts.out_dir.join("samples.rs"));
        let sha = model::sha256_hex(&std::fs::read(&model_path).unwrap());
        assert!(files[0].contents.contains(&format!("(sha256 {sha})")));
        assert!(files[1].contents.contains(&format!("(sha256 {sha})")));
        assert!(files[1]
            .contents
            .contains("t10k-images-idx3-ubyte — do not edit."));
        assert_eq!(render(&opts).unwrap(), files);
        // Nothing was written by render.
        assert!(!opts.out_dir.exists());
        write(&files).unwrap();
        assert!(stale(&files).unwrap().is_empty());

        // The int8 files: other names, the int8 network and its logits.
        let int8 = render(&ExportOptions {
            quantize: Some(Quantize::Int8),
            ..opts.clone()
        })
        .unwrap();
        assert_eq!(int8[0].path, opts.out_dir.join("model_int8.rs"));
        assert_eq!(int8[1].path, opts.out_dir.join("samples_int8.rs"));
        assert!(int8[0]
            .contents
            .contains("pub static MODEL: QuantNet<784, 30, 10, 1024> = QuantNet::new(\n"));
        assert!(int8[1]
            .contents
            .contains("pub static EXPECTED: [[i32; 10]; COUNT] = [\n"));
        assert!(int8[1]
            .contents
            .contains("the host's int8 logits (z · 65536) as i32."));

        // Wrong sample counts.
        for samples in [0, MAX_SAMPLES + 1, 101] {
            let err = render(&ExportOptions {
                samples,
                ..opts.clone()
            })
            .unwrap_err();
            assert!(matches!(err, ExportError::BadSampleCount { .. }), "{err:?}");
        }
    }

    #[test]
    fn render_refuses_wrong_shape_and_non_finite_models() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = mnist_dir(dir.path());
        // 31 hidden neurons: not one of the widths `train` makes.
        let odd: Box<Network<784, 31, 10>> = Box::default();
        let model_path = dir.path().join("odd.safetensors");
        model::save(&model_path, &*odd, None).unwrap();
        let opts = ExportOptions {
            model: model_path,
            data: DataSource::Dir(data_dir),
            out_dir: dir.path().join("out"),
            samples: 20,
            quantize: None,
        };
        let err = render(&opts).unwrap_err();
        assert!(
            matches!(err, ExportError::Model(ModelError::UnsupportedShape { .. })),
            "{err:?}"
        );
        assert!(err.to_string().contains("[31, 784]"), "{err}");

        let mut net: Box<MnistNet> = Box::default();
        net.output.weights[2][5] = f32::NAN;
        let nan_path = dir.path().join("nan.safetensors");
        std::fs::write(&nan_path, model::to_bytes(&*net, None)).unwrap();
        let err = render(&ExportOptions {
            model: nan_path,
            ..opts.clone()
        })
        .unwrap_err();
        assert!(
            matches!(
                err,
                ExportError::Model(ModelError::NonFinite { index: 65, .. })
            ),
            "{err:?}"
        );
        let err = render(&ExportOptions {
            model: dir.path().join("none"),
            ..opts
        })
        .unwrap_err();
        assert!(
            matches!(err, ExportError::Model(ModelError::Missing { .. })),
            "{err:?}"
        );
        assert!(!dir.path().join("out").exists());
    }

    #[test]
    fn header_paths_use_forward_slashes() {
        assert_eq!(
            display_path(Path::new(r"models\mnist.safetensors")),
            "models/mnist.safetensors"
        );
        assert_eq!(
            display_path(Path::new("data/mnist/x.gz")),
            "data/mnist/x.gz"
        );
    }
}
