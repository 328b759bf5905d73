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
        err.to_string().ends_with(
            "huge.safetensors: 10737418240 bytes is too large for a model file (at most 67108864)"
        ),
        "{err}"
    );
}

#[test]
fn missing_and_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let err = load::<3, 2, 2>(&dir.path().join("nope.safetensors")).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::File(crate::data::file::FileError::Missing { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("nope.safetensors"), "{err}");
    let err = load::<3, 2, 2>(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            ModelError::File(crate::data::file::FileError::Io { .. })
        ),
        "{err:?}"
    );
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
