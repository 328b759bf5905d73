//! Reading a safetensors model file: bounded, every offset and shape checked
//! before a float is read, any supported width.

use super::*;
use crate::data::file::{read_bounded, Unread};

/// Reads a model file into a network of sizes `I, H, O`.
pub fn load<const I: usize, const H: usize, const O: usize>(
    path: &Path,
) -> Result<LoadedModel<I, H, O>, ModelError> {
    from_bytes(&read_bytes(path)?, path)
}

/// The bytes of a model file, telling a missing file from other failures;
/// a file larger than [`MAX_FILE_BYTES`] is refused before it is read.
pub(super) fn read_bytes(path: &Path) -> Result<Vec<u8>, ModelError> {
    read_bounded(path, MAX_FILE_BYTES).map_err(|e| match e {
        Unread::File(e) => ModelError::File(e),
        Unread::TooLarge(bytes) => ModelError::TooLarge {
            path: path.to_path_buf(),
            bytes,
        },
    })
}

/// Checks that every tensor's data offsets in the header lie inside the
/// file's data, before the safetensors crate adds them up (a forged offset
/// near `u64::MAX` overflows its sum). Anything else wrong with the header
/// is left for the crate to report.
pub(super) fn check_offsets(bytes: &[u8], path: &Path) -> Result<(), ModelError> {
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
pub(crate) fn from_bytes<const I: usize, const H: usize, const O: usize>(
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
/// checked as by `from_bytes`.
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
pub(super) fn load_as_any<const H: usize>(
    bytes: &[u8],
    path: &Path,
) -> Result<LoadedAny, ModelError>
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

/// The values of tensor `name`, checked to be F32 of shape `shape` and finite.
pub(super) fn read_f32(
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
pub(super) fn describe(e: &SafeTensorError) -> String {
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
