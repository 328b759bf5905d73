//! Model files: a network's weights and biases in safetensors, with training metadata.
//!
//! Tensors are `f32` little-endian, row-major, named like PyTorch's `nn.Linear`
//! (row `j` holds the weights into neuron `j`): `hidden.weight` `[H, I]`,
//! `hidden.bias` `[H]`, `output.weight` `[O, H]`, `output.bias` `[O]`. The
//! safetensors `__metadata__` map holds `format` = `digitnet`, `layers` =
//! `I,H,O`, the kind of neurons (`activation`, `cost`) and, when known, how the
//! network was trained ([`TrainingInfo`]).
//!
//! A setting at its chapter-1 value is left out — `activation` = `sigmoid`,
//! `init` = `normal`, `lambda` = `0`, `schedule` = `constant`, `shift` = `0` —
//! and a missing key reads as that value, so
//! a chapter-1 file reads the same whether it was written before these
//! settings existed or after. (`cost` is written whenever training metadata
//! is, as it always was, and otherwise only when it is not `quadratic`.)
//!
//! Files are written by this module, not by `safetensors::serialize`: that
//! function takes the metadata as a `HashMap` and writes it in the map's
//! iteration order, which is random per map, so the same network gave
//! different bytes (and a different hash) on every save. Here the header's
//! keys are always sorted, so the same network and metadata give the same
//! file on every run and machine. Reading goes through
//! `safetensors::SafeTensors`, so any valid safetensors file (e.g. one saved
//! from PyTorch) loads.
//!
//! A file larger than `MAX_FILE_BYTES` is refused by its size before it is
//! read, and every tensor's data offsets are checked against the file's
//! length before the safetensors crate sees them, so no header, however
//! forged (a tensor of 2^40 bytes, offsets near `u64::MAX`), makes the
//! loader allocate more than the file's own size or fail other than with an
//! error.

mod info;
mod read;
mod write;
pub use info::*;
pub use read::*;
pub use write::*;

pub mod defaults;
pub mod int8;
pub mod net;

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use digitnet_core::{Activation, Cost, Init, Network};
use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::atomic::write_atomic;
use crate::data::file::FileError;
use crate::model::net::DigitNet;
use crate::model::net::{AnyNet, IntoAny, WIDTHS};
/// Value of the `format` metadata key in files written here.
pub(crate) const FORMAT: &str = "digitnet";

/// Name of the hidden layer's weight tensor, `[H, I]`.
pub(crate) const HIDDEN_WEIGHT: &str = "hidden.weight";
/// Name of the hidden layer's bias tensor, `[H]`.
pub(crate) const HIDDEN_BIAS: &str = "hidden.bias";
/// Name of the output layer's weight tensor, `[O, H]`.
pub(crate) const OUTPUT_WEIGHT: &str = "output.weight";
/// Name of the output layer's bias tensor, `[O]`.
pub(crate) const OUTPUT_BIAS: &str = "output.bias";

/// Bytes per `f32` value.
const F32_BYTES: usize = 4;

/// Largest model file read, in bytes (64 MiB). The widest network digitnet
/// supports, `[784, 128, 10]`, takes 0.4 MB; the room above is for files
/// from elsewhere that carry other tensors too.
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;

/// A network of any supported width read from a model file, with its metadata and hash.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedAny {
    /// The network.
    pub net: AnyNet,
    /// The training metadata, or `None` if absent or unparseable (e.g. a PyTorch file).
    pub info: Option<TrainingInfo>,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// A network read from a model file, with its metadata and hash.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadedModel<const I: usize, const H: usize, const O: usize> {
    /// The network, boxed (the MNIST network is about 95 KB).
    pub net: Box<Network<I, H, O>>,
    /// The training metadata, or `None` if absent or unparseable (e.g. a PyTorch file).
    pub info: Option<TrainingInfo>,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
}

/// What went wrong reading or writing a model file; every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The file is missing or cannot be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is larger than `MAX_FILE_BYTES`.
    #[error(
        "{}: {bytes} bytes is too large for a model file (at most {MAX_FILE_BYTES})",
        .path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// The file is not a valid safetensors file (corrupt header, truncated, ...).
    #[error("{}: not a valid safetensors file: {reason}", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A tensor the network needs is not in the file.
    #[error("{}: tensor {name} is missing", .path.display())]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
    },
    /// A tensor is not `F32`.
    #[error("{}: tensor {name} has dtype {dtype}, expected F32", .path.display())]
    WrongDtype {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Its dtype as safetensors names it, e.g. `F64`.
        dtype: String,
    },
    /// A tensor's shape does not fit the network.
    #[error(
        "{}: tensor {name} has shape {found:?}, expected {expected:?}",
        .path.display()
    )]
    WrongShape {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The shape the network needs.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// `hidden.weight` is not `[H, 784]` for a supported width `H`.
    #[error(
        "{}: tensor hidden.weight has shape {found:?}, expected [H, 784] with H one of {}",
        .path.display(),
        WIDTHS.map(|w| w.to_string()).join(", ")
    )]
    UnsupportedShape {
        /// The file.
        path: PathBuf,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A metadata value that names no known choice (e.g. `activation` = `tanh`).
    #[error("{}: metadata {key} = {value:?} is not one of {allowed}", .path.display())]
    BadMetadata {
        /// The file.
        path: PathBuf,
        /// The metadata key.
        key: String,
        /// Its value.
        value: String,
        /// The values understood, comma-separated.
        allowed: String,
    },
    /// A parameter is NaN or infinite.
    #[error(
        "{}: tensor {name} has a non-finite value at index {index}",
        .path.display()
    )]
    NonFinite {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Position of the first such value in the flat, row-major tensor.
        index: usize,
    },
    /// The file could not be written.
    #[error("{}: cannot write file", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

/// SHA-256 of `bytes`, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests;
