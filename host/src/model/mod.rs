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
//! A file larger than [`MAX_FILE_BYTES`] is refused by its size before it is
//! read, and every tensor's data offsets are checked against the file's
//! length before the safetensors crate sees them, so no header, however
//! forged (a tensor of 2^40 bytes, offsets near `u64::MAX`), makes the
//! loader allocate more than the file's own size or fail other than with an
//! error.

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
use crate::model::net::DigitNet;
use crate::model::net::{AnyNet, IntoAny, WIDTHS};
/// Value of the `format` metadata key in files written here.
pub const FORMAT: &str = "digitnet";

/// Name of the hidden layer's weight tensor, `[H, I]`.
pub const HIDDEN_WEIGHT: &str = "hidden.weight";
/// Name of the hidden layer's bias tensor, `[H]`.
pub const HIDDEN_BIAS: &str = "hidden.bias";
/// Name of the output layer's weight tensor, `[O, H]`.
pub const OUTPUT_WEIGHT: &str = "output.weight";
/// Name of the output layer's bias tensor, `[O]`.
pub const OUTPUT_BIAS: &str = "output.bias";

/// Bytes per `f32` value.
const F32_BYTES: usize = 4;

/// Largest model file read, in bytes (64 MiB). The widest network digitnet
/// supports, `[784, 128, 10]`, takes 0.4 MB; the room above is for files
/// from elsewhere that carry other tensors too.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// How a network was trained, stored as string metadata in its model file.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingInfo {
    /// Seed of the RNG that drove initialisation and shuffles.
    pub seed: u64,
    /// Number of epochs trained.
    pub epochs: usize,
    /// Mini-batch size `m`.
    pub batch_size: usize,
    /// Learning rate `eta`.
    pub eta: f32,
    /// L2 regularisation parameter `lambda` (0: none).
    pub lambda: f32,
    /// How the weights and biases were initialised.
    pub init: Init,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// The largest random translation of a training image, in pixels.
    pub shift: u8,
    /// Number of training images used.
    pub train_images: usize,
    /// Test images classified correctly after the last epoch.
    pub correct: usize,
    /// Test images evaluated.
    pub total: usize,
    /// Validation images classified correctly and evaluated after the last epoch, if evaluated.
    pub validation: Option<(usize, usize)>,
}

impl TrainingInfo {
    /// Fraction of test images classified correctly, or `None` if none were evaluated.
    pub fn accuracy(&self) -> Option<f64> {
        // Counts of images are far below 2^53, so the conversions are exact.
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }
}

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
    /// The file does not exist.
    #[error("{}: file not found", .path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{}: cannot read file", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The file is larger than [`MAX_FILE_BYTES`].
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

/// How a network was trained, in words: `seed 7, 30 epochs, mini-batch 10,
/// eta 3.0, 50000 training images`, with `lambda` and the initialisation
/// after `eta` when they are not chapter 1's.
pub fn describe_training(info: &TrainingInfo) -> String {
    let mut out = format!(
        "seed {}, {} epochs, mini-batch {}, eta {:?}",
        info.seed, info.epochs, info.batch_size, info.eta
    );
    if info.lambda != 0.0 {
        out.push_str(&format!(", lambda {:?}", info.lambda));
    }
    if info.init != Init::default() {
        out.push_str(&format!(", {} init", info.init.name()));
    }
    if info.schedule != Schedule::default() {
        out.push_str(&format!(", {} schedule", info.schedule.name()));
    }
    if info.shift != 0 {
        out.push_str(&format!(", shifts up to {} px", info.shift));
    }
    out.push_str(&format!(", {} training images", info.train_images));
    out
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The string metadata for `net` and, if given, how it was trained; keys sorted.
///
/// Settings at their chapter-1 value are left out (see the module docs).
fn metadata<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    info: Option<&TrainingInfo>,
) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    m.insert("format", FORMAT.to_owned());
    m.insert("layers", format!("{I},{H},{O}"));
    if net.activation != Activation::default() {
        m.insert("activation", net.activation.name().to_owned());
    }
    if info.is_some() || net.cost != Cost::default() {
        m.insert("cost", net.cost.name().to_owned());
    }
    if let Some(info) = info {
        m.insert("seed", info.seed.to_string());
        m.insert("epochs", info.epochs.to_string());
        m.insert("batch_size", info.batch_size.to_string());
        // `{:?}` is the shortest string that parses back to the same f32.
        m.insert("eta", format!("{:?}", info.eta));
        if info.lambda != 0.0 {
            m.insert("lambda", format!("{:?}", info.lambda));
        }
        if info.init != Init::default() {
            m.insert("init", info.init.name().to_owned());
        }
        if info.schedule != Schedule::default() {
            m.insert("schedule", info.schedule.name().to_owned());
        }
        if info.shift != 0 {
            m.insert("shift", info.shift.to_string());
        }
        m.insert("train_images", info.train_images.to_string());
        m.insert("test_correct", info.correct.to_string());
        m.insert("test_total", info.total.to_string());
        let accuracy = info.accuracy().unwrap_or(0.0);
        m.insert("test_accuracy", format!("{accuracy:.4}"));
        if let Some((correct, total)) = info.validation {
            m.insert("validation_correct", correct.to_string());
            m.insert("validation_total", total.to_string());
        }
    }
    m
}

/// The kind of neurons named in the metadata; a missing key is the chapter-1 choice.
fn parse_neurons(
    m: Option<&HashMap<String, String>>,
    path: &Path,
) -> Result<(Activation, Cost), ModelError> {
    let get = |key: &str| m.and_then(|m| m.get(key)).map(|v| v.trim());
    let bad = |key: &str, value: &str, allowed: &[&str]| ModelError::BadMetadata {
        path: path.to_path_buf(),
        key: key.to_owned(),
        value: value.to_owned(),
        allowed: allowed.join(", "),
    };
    let activation = match get("activation") {
        None => Activation::default(),
        Some(v) => Activation::from_name(v)
            .ok_or_else(|| bad("activation", v, &Activation::ALL.map(Activation::name)))?,
    };
    let cost = match get("cost") {
        None => Cost::default(),
        Some(v) => Cost::from_name(v).ok_or_else(|| bad("cost", v, &Cost::ALL.map(Cost::name)))?,
    };
    Ok((activation, cost))
}

/// Reads [`TrainingInfo`] back from string metadata; `None` if a required key
/// is absent or a value unparseable. `lambda`, `init` and the validation counts
/// may be absent (chapter-1 values, no validation).
fn parse_info(m: &HashMap<String, String>) -> Option<TrainingInfo> {
    let get = |key: &str| m.get(key).map(|v| v.trim());
    let validation = match (get("validation_correct"), get("validation_total")) {
        (Some(c), Some(t)) => Some((c.parse().ok()?, t.parse().ok()?)),
        _ => None,
    };
    Some(TrainingInfo {
        seed: get("seed")?.parse().ok()?,
        epochs: get("epochs")?.parse().ok()?,
        batch_size: get("batch_size")?.parse().ok()?,
        eta: get("eta")?.parse().ok()?,
        lambda: get("lambda").map_or(Some(0.0), |v| v.parse().ok())?,
        init: get("init").map_or(Some(Init::default()), Init::from_name)?,
        schedule: get("schedule").map_or(Some(Schedule::default()), Schedule::from_name)?,
        shift: get("shift").map_or(Some(0), |v| v.parse().ok())?,
        train_images: get("train_images")?.parse().ok()?,
        correct: get("test_correct")?.parse().ok()?,
        total: get("test_total")?.parse().ok()?,
        validation,
    })
}

/// The bytes of a safetensors file holding `net` and, if given, `info`.
///
/// Deterministic: the JSON header has its keys in sorted order (`__metadata__`,
/// `hidden.bias`, `hidden.weight`, `output.bias`, `output.weight`, and sorted
/// within each object), is padded with spaces to a multiple of 8 bytes, and the
/// tensor data follows in the same order. Values are stored bit for bit, so
/// `-0.0` and even NaN payloads survive (though [`save`] refuses NaN).
pub fn to_bytes<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    info: Option<&TrainingInfo>,
) -> Vec<u8> {
    // `serde_json::Map` is a `BTreeMap` (sorted keys); should a dependency ever
    // turn on serde_json's `preserve_order`, insertion order is sorted order too.
    let mut header = Map::new();
    let meta: Map<String, Value> = metadata(net, info)
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    header.insert("__metadata__".to_owned(), Value::Object(meta));

    let mut data = Vec::with_capacity(Network::<I, H, O>::PARAMETERS * F32_BYTES);
    let mut put = |name: &str, shape: &[usize], values: &mut dyn Iterator<Item = f32>| {
        let start = data.len();
        for v in values {
            data.extend_from_slice(&v.to_le_bytes());
        }
        let mut entry = Map::new();
        let offsets = vec![Value::from(start), Value::from(data.len())];
        entry.insert("data_offsets".to_owned(), Value::Array(offsets));
        entry.insert("dtype".to_owned(), Value::from("F32"));
        let dims = shape.iter().map(|&d| Value::from(d)).collect();
        entry.insert("shape".to_owned(), Value::Array(dims));
        header.insert(name.to_owned(), Value::Object(entry));
    };
    // Sorted by name, the order the safetensors crate itself lays data out in.
    put(HIDDEN_BIAS, &[H], &mut net.hidden.biases.iter().copied());
    put(HIDDEN_WEIGHT, &[H, I], &mut net.hidden.weights_flat());
    put(OUTPUT_BIAS, &[O], &mut net.output.biases.iter().copied());
    put(OUTPUT_WEIGHT, &[O, H], &mut net.output.weights_flat());

    let mut json = Value::Object(header).to_string().into_bytes();
    json.resize(json.len().next_multiple_of(8), b' ');
    let mut out = Vec::with_capacity(8 + json.len() + data.len());
    // A usize always fits in a u64 on the platforms Rust supports.
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(&data);
    out
}

/// The first NaN or infinite parameter of `net`, as (tensor name, flat index).
fn first_non_finite<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
) -> Option<(&'static str, usize)> {
    let find = |values: &[f32]| values.iter().position(|v| !v.is_finite());
    let tensors = [
        (HIDDEN_WEIGHT, net.hidden.weights.as_flattened()),
        (HIDDEN_BIAS, &net.hidden.biases[..]),
        (OUTPUT_WEIGHT, net.output.weights.as_flattened()),
        (OUTPUT_BIAS, &net.output.biases[..]),
    ];
    tensors
        .into_iter()
        .find_map(|(name, values)| find(values).map(|i| (name, i)))
}

/// Writes `net` (and `info`) to `path` atomically.
///
/// Refuses a network with a NaN or infinite parameter ([`ModelError::NonFinite`])
/// and then writes nothing.
pub fn save<const I: usize, const H: usize, const O: usize>(
    path: &Path,
    net: &Network<I, H, O>,
    info: Option<&TrainingInfo>,
) -> Result<(), ModelError> {
    if let Some((name, index)) = first_non_finite(net) {
        return Err(ModelError::NonFinite {
            path: path.to_path_buf(),
            name: name.to_owned(),
            index,
        });
    }
    write_atomic(path, &to_bytes(net, info)).map_err(|source| ModelError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a model file into a network of sizes `I, H, O`.
pub fn load<const I: usize, const H: usize, const O: usize>(
    path: &Path,
) -> Result<LoadedModel<I, H, O>, ModelError> {
    from_bytes(&read_bytes(path)?, path)
}

/// The bytes of a model file, telling a missing file from other failures;
/// a file larger than [`MAX_FILE_BYTES`] is refused before it is read.
fn read_bytes(path: &Path) -> Result<Vec<u8>, ModelError> {
    use std::io::Read;
    let io_err = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            ModelError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            ModelError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let too_large = |bytes| ModelError::TooLarge {
        path: path.to_path_buf(),
        bytes,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::other("is a directory")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // The size may change between the check and the read, or be unknown
    // (a pipe): read one byte past the limit to tell.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > MAX_FILE_BYTES {
        return Err(too_large(len));
    }
    Ok(bytes)
}

/// Checks that every tensor's data offsets in the header lie inside the
/// file's data, before the safetensors crate adds them up (a forged offset
/// near `u64::MAX` overflows its sum). Anything else wrong with the header
/// is left for the crate to report.
fn check_offsets(bytes: &[u8], path: &Path) -> Result<(), ModelError> {
    let Some((len, rest)) = bytes.split_first_chunk::<8>() else {
        return Ok(());
    };
    let header_len = usize::try_from(u64::from_le_bytes(*len)).unwrap_or(usize::MAX);
    let (Some(header), Some(data)) = (rest.get(..header_len), rest.get(header_len..)) else {
        return Ok(());
    };
    let Ok(Value::Object(entries)) = serde_json::from_slice::<Value>(header) else {
        return Ok(());
    };
    let data_len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    for (name, entry) in &entries {
        let offsets = entry.get("data_offsets").and_then(Value::as_array);
        let past_end = |o: &Value| o.as_u64().is_some_and(|o| o > data_len);
        if offsets.is_some_and(|o| o.iter().any(past_end)) {
            return Err(ModelError::Format {
                path: path.to_path_buf(),
                reason: format!(
                    "tensor {name} has data offsets past the end of the file's {data_len} data bytes"
                ),
            });
        }
    }
    Ok(())
}

/// Parses the bytes of a model file; `path` is only used in errors.
///
/// Checks, tensor by tensor (`hidden.weight`, `hidden.bias`, `output.weight`,
/// `output.bias`): present, `F32`, the shape for `I, H, O`, every value finite.
/// Other tensors are ignored.
pub fn from_bytes<const I: usize, const H: usize, const O: usize>(
    bytes: &[u8],
    path: &Path,
) -> Result<LoadedModel<I, H, O>, ModelError> {
    let format = |e: SafeTensorError| ModelError::Format {
        path: path.to_path_buf(),
        reason: describe(&e),
    };
    check_offsets(bytes, path)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(format)?;
    let tensors = SafeTensors::deserialize(bytes).map_err(format)?;
    let read = |name: &str, shape: &[usize]| read_f32(&tensors, name, shape, path);
    let hidden_w = read(HIDDEN_WEIGHT, &[H, I])?;
    let hidden_b = read(HIDDEN_BIAS, &[H])?;
    let output_w = read(OUTPUT_WEIGHT, &[O, H])?;
    let output_b = read(OUTPUT_BIAS, &[O])?;

    let (activation, cost) = parse_neurons(header.metadata().as_ref(), path)?;
    let mut net = Box::new(Network::<I, H, O>::zeroed().with_neurons(activation, cost));
    let copied = net
        .hidden
        .copy_from_slices(&hidden_w, &hidden_b)
        .and_then(|()| net.output.copy_from_slices(&output_w, &output_b));
    // Unreachable after the shape checks, but reported rather than panicking.
    copied.map_err(|e| ModelError::Format {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(LoadedModel {
        net,
        info: header.metadata().as_ref().and_then(parse_info),
        sha256: sha256_hex(bytes),
    })
}

/// Reads a model file of any supported hidden width `H` (`[784, H, 10]`).
pub fn load_any(path: &Path) -> Result<LoadedAny, ModelError> {
    let bytes = read_bytes(path)?;
    from_bytes_any(&bytes, path)
}

/// Parses the bytes of a model file of any supported width; `path` is only used in errors.
///
/// The width comes from the shape of `hidden.weight`, `[H, 784]`; the rest is
/// checked as by [`from_bytes`].
pub fn from_bytes_any(bytes: &[u8], path: &Path) -> Result<LoadedAny, ModelError> {
    check_offsets(bytes, path)?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| ModelError::Format {
        path: path.to_path_buf(),
        reason: describe(&e),
    })?;
    let view = tensors
        .tensor(HIDDEN_WEIGHT)
        .map_err(|_| ModelError::MissingTensor {
            path: path.to_path_buf(),
            name: HIDDEN_WEIGHT.to_owned(),
        })?;
    let unsupported = || ModelError::UnsupportedShape {
        path: path.to_path_buf(),
        found: view.shape().to_vec(),
    };
    let &[hidden, crate::data::idx::PIXELS] = view.shape() else {
        return Err(unsupported());
    };
    crate::for_width!(hidden, load_as_any(bytes, path)).ok_or_else(unsupported)?
}

/// [`from_bytes`] for `[784, H, 10]`, wrapped as an [`AnyNet`].
fn load_as_any<const H: usize>(bytes: &[u8], path: &Path) -> Result<LoadedAny, ModelError>
where
    Box<DigitNet<H>>: IntoAny,
{
    let loaded =
        from_bytes::<{ crate::data::idx::PIXELS }, H, { crate::model::net::CLASSES }>(bytes, path)?;
    Ok(LoadedAny {
        net: loaded.net.into_any(),
        info: loaded.info,
        sha256: loaded.sha256,
    })
}

/// Writes a network of any width (see [`save`]).
pub fn save_any(path: &Path, net: &AnyNet, info: Option<&TrainingInfo>) -> Result<(), ModelError> {
    crate::with_net!(net, n => save(path, &**n, info))
}

/// The bytes of a model file for a network of any width (see [`to_bytes`]).
pub fn to_bytes_any(net: &AnyNet, info: Option<&TrainingInfo>) -> Vec<u8> {
    crate::with_net!(net, n => to_bytes(&**n, info))
}

/// The values of tensor `name`, checked to be F32 of shape `shape` and finite.
fn read_f32(
    tensors: &SafeTensors<'_>,
    name: &str,
    shape: &[usize],
    path: &Path,
) -> Result<Vec<f32>, ModelError> {
    let view = tensors
        .tensor(name)
        .map_err(|_| ModelError::MissingTensor {
            path: path.to_path_buf(),
            name: name.to_owned(),
        })?;
    if view.dtype() != Dtype::F32 {
        return Err(ModelError::WrongDtype {
            path: path.to_path_buf(),
            name: name.to_owned(),
            dtype: format!("{:?}", view.dtype()),
        });
    }
    if view.shape() != shape {
        return Err(ModelError::WrongShape {
            path: path.to_path_buf(),
            name: name.to_owned(),
            expected: shape.to_vec(),
            found: view.shape().to_vec(),
        });
    }
    // The crate checked that the data is exactly shape × 4 bytes.
    let (chunks, _) = view.data().as_chunks::<F32_BYTES>();
    let values: Vec<f32> = chunks.iter().map(|c| f32::from_le_bytes(*c)).collect();
    if let Some(index) = values.iter().position(|v| !v.is_finite()) {
        return Err(ModelError::NonFinite {
            path: path.to_path_buf(),
            name: name.to_owned(),
            index,
        });
    }
    Ok(values)
}

/// A lowercase description of a safetensors parse error.
fn describe(e: &SafeTensorError) -> String {
    match e {
        SafeTensorError::HeaderTooSmall => "shorter than the 8-byte header length".to_owned(),
        SafeTensorError::InvalidHeaderLength => {
            "the header length runs past the end of the file (truncated?)".to_owned()
        }
        SafeTensorError::HeaderTooLarge => "the header length is implausibly large".to_owned(),
        SafeTensorError::InvalidHeader(_) => "the header is not utf-8".to_owned(),
        SafeTensorError::InvalidHeaderDeserialization(e) => {
            format!("the header is not safetensors json ({e})")
        }
        SafeTensorError::MetadataIncompleteBuffer => {
            "the tensor data does not match the file size (truncated or trailing bytes)".to_owned()
        }
        SafeTensorError::InvalidOffset(name) => format!("tensor {name} has invalid data offsets"),
        SafeTensorError::TensorInvalidInfo => {
            "a tensor's data size does not match its shape and dtype".to_owned()
        }
        SafeTensorError::ValidationOverflow => "a tensor's size overflows".to_owned(),
        other => format!("{other:?}").to_lowercase(),
    }
}

/// How the learning rate changes over the epochs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    /// `eta` in every epoch (the book's choice; the default).
    #[default]
    Constant,
    /// Cosine annealing: `eta · ½ (1 + cos(π (e − 1) / E))` in epoch `e` of
    /// `E`, from `eta` in the first epoch down towards 0 in the last, so the
    /// final epochs take small steps that settle the weights.
    Cosine,
}

impl Schedule {
    /// Every schedule, in the order the command line lists them.
    pub const ALL: [Schedule; 2] = [Schedule::Constant, Schedule::Cosine];

    /// The name used on the command line and in model files.
    pub const fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Cosine => "cosine",
        }
    }

    /// The schedule called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The learning rate in epoch `epoch` (from 1) of `epochs`, starting from `eta`.
    ///
    /// Computed in `f64` with `libm::cos`, then rounded to `f32`, so every
    /// machine gets the same bits.
    pub fn eta(self, eta: f32, epoch: usize, epochs: usize) -> f32 {
        match self {
            Schedule::Constant => eta,
            Schedule::Cosine => {
                let t = epoch.saturating_sub(1) as f64 / epochs.max(1) as f64;
                (f64::from(eta) * 0.5 * (1.0 + libm::cos(core::f64::consts::PI * t))) as f32
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_bytes_takes_up_to_the_limit_and_refuses_a_byte_more() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.safetensors");
        // Sparse files: nothing is written, the zeros are read.
        let file = std::fs::File::create(&path).unwrap();
        file.set_len(MAX_FILE_BYTES).unwrap();
        assert_eq!(
            read_bytes(&path).map(|b| b.len() as u64).ok(),
            Some(MAX_FILE_BYTES)
        );
        file.set_len(MAX_FILE_BYTES + 1).unwrap();
        assert!(matches!(
            read_bytes(&path),
            Err(ModelError::TooLarge { .. })
        ));
        // A stream whose size is not known beforehand is cut off one byte past the limit.
        #[cfg(target_os = "linux")]
        assert!(matches!(
            read_bytes(Path::new("/dev/zero")),
            Err(ModelError::TooLarge { bytes, .. }) if bytes == MAX_FILE_BYTES + 1
        ));
    }
    use digitnet_core::{Layer, MnistNet};
    use safetensors::tensor::{serialize, TensorView};
    use serde_json::json;

    fn info() -> TrainingInfo {
        TrainingInfo {
            seed: 20_151_130,
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            lambda: 0.0,
            init: Init::Normal,
            schedule: Schedule::Constant,
            shift: 0,
            train_images: 50_000,
            correct: 9512,
            total: 10_000,
            validation: None,
        }
    }

    /// A small network with tricky values: -0.0, a subnormal, extremes.
    fn small() -> Network<3, 2, 2> {
        let mut net = Network::from_seed(9);
        net.hidden.weights[0][1] = -0.0;
        net.hidden.weights[1][2] = f32::from_bits(1);
        net.output.biases[1] = f32::MAX;
        net.output.weights[0][0] = f32::MIN_POSITIVE;
        net
    }

    /// Bit patterns of every parameter, to compare networks exactly (-0.0 != 0.0).
    fn bits<const I: usize, const H: usize, const O: usize>(n: &Network<I, H, O>) -> Vec<u32> {
        n.hidden
            .weights_flat()
            .chain(n.hidden.biases.iter().copied())
            .chain(n.output.weights_flat())
            .chain(n.output.biases.iter().copied())
            .map(f32::to_bits)
            .collect()
    }

    fn f32_bytes(values: &[f32]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    /// A safetensors file made by the safetensors crate, from (name, dtype, shape, bytes).
    fn crate_file(
        tensors: &[(&str, Dtype, Vec<usize>, Vec<u8>)],
        metadata: Option<HashMap<String, String>>,
    ) -> Vec<u8> {
        let views: Vec<_> = tensors
            .iter()
            .map(|(n, d, s, b)| (*n, TensorView::new(*d, s.clone(), b).unwrap()))
            .collect();
        serialize(views, metadata).unwrap()
    }

    /// The four tensors of `small()`, for `crate_file`.
    fn small_tensors() -> Vec<(&'static str, Dtype, Vec<usize>, Vec<u8>)> {
        let n = small();
        let hw: Vec<f32> = n.hidden.weights_flat().collect();
        let ow: Vec<f32> = n.output.weights_flat().collect();
        vec![
            (HIDDEN_WEIGHT, Dtype::F32, vec![2, 3], f32_bytes(&hw)),
            (
                HIDDEN_BIAS,
                Dtype::F32,
                vec![2],
                f32_bytes(&n.hidden.biases),
            ),
            (OUTPUT_WEIGHT, Dtype::F32, vec![2, 2], f32_bytes(&ow)),
            (
                OUTPUT_BIAS,
                Dtype::F32,
                vec![2],
                f32_bytes(&n.output.biases),
            ),
        ]
    }

    fn load_small(bytes: &[u8]) -> Result<LoadedModel<3, 2, 2>, ModelError> {
        from_bytes(bytes, Path::new("models/x.safetensors"))
    }

    #[test]
    fn round_trip_is_bit_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.safetensors");
        let net = small();
        save(&path, &net, Some(&info())).unwrap();
        let loaded: LoadedModel<3, 2, 2> = load(&path).unwrap();
        assert_eq!(bits(&loaded.net), bits(&net));
        assert_eq!(loaded.info, Some(info()));
        assert_eq!(loaded.sha256, sha256_hex(&std::fs::read(&path).unwrap()));
        // Without training info.
        save(&path, &net, None).unwrap();
        let loaded: LoadedModel<3, 2, 2> = load(&path).unwrap();
        assert_eq!(bits(&loaded.net), bits(&net));
        assert_eq!(loaded.info, None);
    }

    #[test]
    fn eta_round_trips_exactly() {
        let net = small();
        for eta in [0.1f32, 3.0, 1e-7, 0.333_333_34] {
            let info = TrainingInfo { eta, ..info() };
            let loaded = load_small(&to_bytes(&net, Some(&info))).unwrap();
            assert_eq!(loaded.info.unwrap().eta.to_bits(), eta.to_bits());
        }
    }

    #[test]
    fn mnist_round_trip() {
        let net: Box<MnistNet> = Box::new(Network::from_seed(1));
        let bytes = to_bytes(&net, Some(&info()));
        let loaded: LoadedModel<784, 30, 10> = from_bytes(&bytes, Path::new("m")).unwrap();
        assert_eq!(loaded.net, net);
        assert_eq!(bytes.len() % 4, 0);
    }

    #[test]
    fn output_is_deterministic() {
        let net = small();
        let first = to_bytes(&net, Some(&info()));
        for _ in 0..50 {
            assert_eq!(to_bytes(&net, Some(&info())), first);
        }
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        save(&a, &net, Some(&info())).unwrap();
        save(&b, &net, Some(&info())).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        // Pinned, so a change of format (or of any dependency) shows up here.
        let net = Network::new(
            Layer::new([[1.0, -0.0]], [0.5]),
            Layer::new([[-2.5]], [1e-7]),
        );
        let bytes = to_bytes(&net, Some(&info()));
        let header_len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!(
            std::str::from_utf8(&bytes[8..8 + header_len])
                .unwrap()
                .trim_end(),
            concat!(
                r#"{"__metadata__":{"batch_size":"10","cost":"quadratic","epochs":"30","#,
                r#""eta":"3.0","format":"digitnet","layers":"2,1,1","seed":"20151130","#,
                r#""test_accuracy":"0.9512","test_correct":"9512","test_total":"10000","#,
                r#""train_images":"50000"},"#,
                r#""hidden.bias":{"data_offsets":[0,4],"dtype":"F32","shape":[1]},"#,
                r#""hidden.weight":{"data_offsets":[4,12],"dtype":"F32","shape":[1,2]},"#,
                r#""output.bias":{"data_offsets":[12,16],"dtype":"F32","shape":[1]},"#,
                r#""output.weight":{"data_offsets":[16,20],"dtype":"F32","shape":[1,1]}}"#,
            )
        );
        assert_eq!(
            &bytes[8 + header_len..],
            f32_bytes(&[0.5, 1.0, -0.0, 1e-7, -2.5]).as_slice()
        );
    }

    #[test]
    fn file_follows_the_spec() {
        let net = small();
        let bytes = to_bytes(&net, Some(&info()));
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!(n % 8, 0);
        let header: Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        let obj = header.as_object().unwrap();
        let mut names: Vec<_> = obj.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "__metadata__",
                HIDDEN_BIAS,
                HIDDEN_WEIGHT,
                OUTPUT_BIAS,
                OUTPUT_WEIGHT
            ]
        );
        let data = &bytes[8 + n..];
        let hw: Vec<f32> = net.hidden.weights_flat().collect();
        let ow: Vec<f32> = net.output.weights_flat().collect();
        for (name, shape, values) in [
            (HIDDEN_WEIGHT, vec![2, 3], hw),
            (HIDDEN_BIAS, vec![2], net.hidden.biases.to_vec()),
            (OUTPUT_WEIGHT, vec![2, 2], ow),
            (OUTPUT_BIAS, vec![2], net.output.biases.to_vec()),
        ] {
            let t = &obj[name];
            assert_eq!(t["dtype"], "F32");
            assert_eq!(t["shape"], json!(shape));
            let start = t["data_offsets"][0].as_u64().unwrap() as usize;
            let end = t["data_offsets"][1].as_u64().unwrap() as usize;
            assert_eq!(&data[start..end], f32_bytes(&values).as_slice(), "{name}");
        }
        let meta = &obj["__metadata__"];
        assert_eq!(meta["format"], "digitnet");
        assert_eq!(meta["layers"], "3,2,2");
        assert_eq!(meta["seed"], "20151130");
        assert_eq!(meta["eta"], "3.0");
        assert_eq!(meta["cost"], "quadratic");
        assert_eq!(meta["test_accuracy"], "0.9512");
        // And the safetensors crate reads it.
        let st = SafeTensors::deserialize(&bytes).unwrap();
        assert_eq!(st.len(), 4);
    }

    #[test]
    fn file_without_metadata_loads_with_info_none() {
        let bytes = crate_file(&small_tensors(), None);
        let loaded = load_small(&bytes).unwrap();
        assert_eq!(bits(&loaded.net), bits(&small()));
        assert_eq!(loaded.info, None);
        // Metadata present but incomplete or unparseable: also None.
        let mut m: HashMap<String, String> = metadata(&small(), Some(&info()))
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(
            load_small(&crate_file(&small_tensors(), Some(m.clone())))
                .unwrap()
                .info,
            Some(info())
        );
        m.insert("epochs".to_owned(), "thirty".to_owned());
        let loaded = load_small(&crate_file(&small_tensors(), Some(m.clone()))).unwrap();
        assert_eq!(loaded.info, None);
        m.remove("epochs");
        let loaded = load_small(&crate_file(&small_tensors(), Some(m))).unwrap();
        assert_eq!(loaded.info, None);
    }

    #[test]
    fn wrong_shape() {
        let mut t = small_tensors();
        t[0] = (HIDDEN_WEIGHT, Dtype::F32, vec![3, 2], t[0].3.clone());
        let err = load_small(&crate_file(&t, None)).unwrap_err();
        assert!(
            matches!(&err, ModelError::WrongShape { name, expected, found, .. }
                if name == HIDDEN_WEIGHT && *expected == [2, 3] && *found == [3, 2]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "models/x.safetensors: tensor hidden.weight has shape [3, 2], expected [2, 3]"
        );
    }

    #[test]
    fn mnist_file_as_wider_network_is_wrong_shape() {
        let net: Box<MnistNet> = Box::new(Network::zeroed());
        let bytes = to_bytes(&net, None);
        let err = from_bytes::<784, 100, 10>(&bytes, Path::new("m.safetensors")).unwrap_err();
        assert!(
            matches!(&err, ModelError::WrongShape { name, expected, found, .. }
                if name == HIDDEN_WEIGHT && *expected == [100, 784] && *found == [30, 784]),
            "{err:?}"
        );
    }

    #[test]
    fn missing_tensor() {
        let mut t = small_tensors();
        t.remove(3);
        let err = load_small(&crate_file(&t, None)).unwrap_err();
        assert!(
            matches!(&err, ModelError::MissingTensor { name, .. } if name == OUTPUT_BIAS),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "models/x.safetensors: tensor output.bias is missing"
        );
    }

    #[test]
    fn wrong_dtype() {
        for (dtype, size, want) in [(Dtype::F64, 8, "F64"), (Dtype::F16, 2, "F16")] {
            let mut t = small_tensors();
            t[1] = (HIDDEN_BIAS, dtype, vec![2], vec![0; 2 * size]);
            let err = load_small(&crate_file(&t, None)).unwrap_err();
            assert!(
                matches!(&err, ModelError::WrongDtype { name, dtype, .. }
                    if name == HIDDEN_BIAS && dtype == want),
                "{err:?}"
            );
            assert!(err.to_string().contains("expected F32"), "{err}");
        }
    }

    #[test]
    fn nan_value() {
        let mut t = small_tensors();
        let mut ow: Vec<f32> = small().output.weights_flat().collect();
        ow[3] = f32::NAN;
        t[2].3 = f32_bytes(&ow);
        let err = load_small(&crate_file(&t, None)).unwrap_err();
        assert!(
            matches!(&err, ModelError::NonFinite { name, index: 3, .. } if name == OUTPUT_WEIGHT),
            "{err:?}"
        );
        let mut t = small_tensors();
        t[3].3 = f32_bytes(&[0.0, f32::NEG_INFINITY]);
        let err = load_small(&crate_file(&t, None)).unwrap_err();
        assert!(
            matches!(&err, ModelError::NonFinite { name, index: 1, .. } if name == OUTPUT_BIAS),
            "{err:?}"
        );
    }

    #[test]
    fn truncated_and_garbage_are_format_errors() {
        let bytes = to_bytes(&small(), Some(&info()));
        for cut in [0, 5, 8, 20, bytes.len() - 1] {
            let err = load_small(&bytes[..cut]).unwrap_err();
            assert!(matches!(err, ModelError::Format { .. }), "{cut}: {err:?}");
            assert!(
                err.to_string().starts_with("models/x.safetensors: "),
                "{err}"
            );
        }
        let mut long = bytes.clone();
        long.push(0);
        assert!(matches!(
            load_small(&long).unwrap_err(),
            ModelError::Format { .. }
        ));
        let garbage = b"this is not a model file, just some text....".to_vec();
        let err = load_small(&garbage).unwrap_err();
        assert!(matches!(err, ModelError::Format { .. }), "{err:?}");
        // A plausible length, then not JSON.
        let mut bad_json = 8u64.to_le_bytes().to_vec();
        bad_json.extend_from_slice(b"not json");
        let err = load_small(&bad_json).unwrap_err();
        assert!(err.to_string().contains("not safetensors json"), "{err}");
    }

    /// A file of `tensors` (name, dtype, shape, data offsets) written by
    /// hand, with `data` after the header, so the header can lie.
    fn forged(tensors: &[(&str, &str, Vec<u64>, [u64; 2])], data: &[u8]) -> Vec<u8> {
        let mut header = Map::new();
        for (name, dtype, shape, offsets) in tensors {
            header.insert(
                (*name).to_owned(),
                json!({"dtype": dtype, "shape": shape, "data_offsets": offsets}),
            );
        }
        let json = Value::Object(header).to_string();
        let mut out = (json.len() as u64).to_le_bytes().to_vec();
        out.extend_from_slice(json.as_bytes());
        out.extend_from_slice(data);
        out
    }

    #[test]
    fn a_forged_huge_tensor_is_a_format_error() {
        // 2^38 F32 values: 2^40 bytes claimed, 16 present.
        let bytes = forged(
            &[(HIDDEN_WEIGHT, "F32", vec![1 << 38], [0, 1 << 40])],
            &[0; 16],
        );
        for err in [
            load_small(&bytes).unwrap_err(),
            from_bytes_any(&bytes, Path::new("models/x.safetensors")).unwrap_err(),
        ] {
            assert_eq!(
                err.to_string(),
                "models/x.safetensors: not a valid safetensors file: tensor hidden.weight \
                 has data offsets past the end of the file's 16 data bytes"
            );
        }
    }

    #[test]
    fn offsets_that_would_overflow_are_a_format_error() {
        // Eight U8 tensors of 2^61 − 1 bytes each end at 2^64 − 8: adding the
        // header's length to that end overflowed inside the safetensors crate.
        let size = (1u64 << 61) - 1;
        let names: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
        let tensors: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let i = i as u64;
                (n.as_str(), "U8", vec![size], [i * size, (i + 1) * size])
            })
            .collect();
        let bytes = forged(&tensors, &[]);
        let err = load_small(&bytes).unwrap_err();
        assert!(
            err.to_string().contains("has data offsets past the end"),
            "{err}"
        );
        let err = from_bytes_any(&bytes, Path::new("m")).unwrap_err();
        assert!(matches!(err, ModelError::Format { .. }), "{err:?}");
    }

    #[test]
    fn a_file_over_the_size_limit_is_refused_unread() {
        // A sparse 10 GB file.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.safetensors");
        std::fs::File::create(&path)
            .unwrap()
            .set_len(10 << 30)
            .unwrap();
        let err = load_any(&path).unwrap_err();
        assert!(
            matches!(err, ModelError::TooLarge { bytes, .. } if bytes == 10 << 30),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .ends_with("huge.safetensors: 10737418240 bytes is too large for a model file (at most 67108864)"),
            "{err}"
        );
    }

    #[test]
    fn missing_and_unreadable_files() {
        let dir = tempfile::tempdir().unwrap();
        let err = load::<3, 2, 2>(&dir.path().join("nope.safetensors")).unwrap_err();
        assert!(matches!(err, ModelError::Missing { .. }), "{err:?}");
        assert!(err.to_string().contains("nope.safetensors"), "{err}");
        let err = load::<3, 2, 2>(dir.path()).unwrap_err();
        assert!(matches!(err, ModelError::Io { .. }), "{err:?}");
    }

    #[test]
    fn save_refuses_non_finite_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.safetensors");
        let mut net = small();
        net.hidden.biases[1] = f32::INFINITY;
        let err = save(&path, &net, None).unwrap_err();
        assert!(
            matches!(&err, ModelError::NonFinite { name, index: 1, .. } if name == HIDDEN_BIAS),
            "{err:?}"
        );
        assert!(!path.exists());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn save_failure_is_write_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = save(dir.path(), &small(), None).unwrap_err();
        assert!(matches!(err, ModelError::Write { .. }), "{err:?}");
    }

    #[test]
    fn sha256_hex_known_answer() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
