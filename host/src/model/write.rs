//! Writing a network as a safetensors file (refusing weights that are not finite).

use super::*;

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
pub(super) fn first_non_finite<const I: usize, const H: usize, const O: usize>(
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

/// Writes a network of any width (see [`save`]).
pub fn save_any(path: &Path, net: &AnyNet, info: Option<&TrainingInfo>) -> Result<(), ModelError> {
    crate::with_net!(net, n => save(path, &**n, info))
}

/// The bytes of a model file for a network of any width (see [`to_bytes`]).
pub(crate) fn to_bytes_any(net: &AnyNet, info: Option<&TrainingInfo>) -> Vec<u8> {
    crate::with_net!(net, n => to_bytes(&**n, info))
}
