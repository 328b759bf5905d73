//! End-to-end tests of the `digitnet` binary.

mod common;

use common::{digitnet, digitnet_ok, repo, text};
use std::path::{Path, PathBuf};

fn data_dir() -> PathBuf {
    repo().join("data/mnist")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn train_writes_a_model_that_eval_reads() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let metrics = dir.path().join("metrics.jsonl");
    let out = digitnet(&[
        "train",
        "--epochs",
        "2",
        "--train-images",
        "5000",
        "--seed",
        "3",
        "--out",
        s(&model),
        "--metrics",
        s(&metrics),
    ]);
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "stdout:\n{stdout}\nstderr:\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("seed 3"), "{stdout}");
    assert!(stdout.contains("Epoch 1: "), "{stdout}");
    assert!(stdout.contains("Epoch 2: "), "{stdout}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&metrics)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["epoch"], 2);
    assert_eq!(lines[1]["total"], 10_000);
    let correct = lines[1]["correct"].as_u64().unwrap();
    // Far above chance (1,000): it learned. Accuracy itself is tested elsewhere.
    assert!(correct > 5_000, "{correct}");
    assert!(
        stdout.contains(&format!("Epoch 2: {correct} / 10000")),
        "{stdout}"
    );

    let out = digitnet(&["eval", "--model", s(&model)]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "{report}\n{}", text(&out.stderr));
    assert!(
        report.contains(&format!("accuracy: {correct} / 10000")),
        "{report}"
    );
    assert!(report.contains("confusion matrix"), "{report}");
    assert!(
        report.contains("seed 3, 2 epochs, mini-batch 10, eta 3"),
        "{report}"
    );
}

#[test]
fn same_seed_gives_byte_identical_model_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        dir.path().join("a.safetensors"),
        dir.path().join("b.safetensors"),
    );
    for path in [&a, &b] {
        digitnet_ok(&[
            "train",
            "--epochs",
            "1",
            "--train-images",
            "3000",
            "--out",
            s(path),
        ]);
    }
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert!(a.len() > 23_860 * 4);
    assert!(a == b, "two runs with the same seed wrote different files");
}

/// Each bad invocation exits non-zero, says what is wrong, and writes nothing.
#[test]
fn bad_flags_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("never.safetensors");
    let metrics = dir.path().join("never.jsonl");
    let missing = dir.path().join("no-such-dir");
    let cases: [(&[&str], &str); 6] = [
        (&["--batch-size", "0"], "--batch-size must be at least 1"),
        (
            &["--eta", "nan"],
            "--eta must be a finite number above 0, got NaN",
        ),
        (
            &["--eta", "-3"],
            "--eta must be a finite number above 0, got -3",
        ),
        (
            &["--eta", "inf"],
            "--eta must be a finite number above 0, got inf",
        ),
        (&["--epochs", "0"], "--epochs must be at least 1"),
        (&["--data", s(&missing)], "no-such-dir"),
    ];
    for (flags, message) in cases {
        let mut args = vec!["train", "--out", s(&model), "--metrics", s(&metrics)];
        args.extend_from_slice(flags);
        let out = digitnet(&args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{flags:?} succeeded");
        assert!(
            stderr.contains(message),
            "{flags:?}: expected {message:?} in:\n{stderr}"
        );
        assert!(
            !model.exists() && !metrics.exists(),
            "{flags:?} left a file behind"
        );
    }
    let out = digitnet(&["train", "--batch-size", "ten"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--batch-size"),
        "{}",
        text(&out.stderr)
    );
    let out = digitnet(&["train", "--train-images", "60001", "--out", s(&model)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--train-images must be between 1 and 60000"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn corrupt_data_names_the_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    for name in [
        "train-images-idx3-ubyte.gz",
        "train-labels-idx1-ubyte.gz",
        "t10k-images-idx3-ubyte.gz",
    ] {
        std::fs::copy(data_dir().join(name), data.join(name)).unwrap();
    }
    // Test labels cut short: the header promises 10,000 labels.
    let labels =
        digitnet::data::idx::read_labels(&data_dir().join("t10k-labels-idx1-ubyte.gz")).unwrap();
    let mut raw = digitnet::data::idx::encode_labels(&labels);
    raw.truncate(5_000);
    std::fs::write(data.join("t10k-labels-idx1-ubyte"), raw).unwrap();
    let model = dir.path().join("m.safetensors");
    let out = digitnet(&[
        "train",
        "--epochs",
        "1",
        "--data",
        s(&data),
        "--out",
        s(&model),
    ]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("t10k-labels-idx1-ubyte") && stderr.contains("truncated"),
        "{stderr}"
    );
    assert!(!model.exists());
}

#[test]
fn eval_of_a_missing_or_broken_model_fails() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.safetensors");
    let out = digitnet(&["eval", "--model", s(&missing)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("missing.safetensors"),
        "{}",
        text(&out.stderr)
    );
    let broken = dir.path().join("broken.safetensors");
    std::fs::write(&broken, b"not a model at all").unwrap();
    let out = digitnet(&["eval", "--model", s(&broken)]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("broken.safetensors"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn train_with_export_writes_the_firmware_sources() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let fw = dir.path().join("fw");
    digitnet_ok(&[
        "train",
        "--epochs",
        "1",
        "--train-images",
        "1000",
        "--out",
        s(&model),
        "--export",
        "--export-dir",
        s(&fw),
        "--samples",
        "10",
    ]);
    let model_rs = std::fs::read_to_string(fw.join("model.rs")).unwrap();
    let samples_rs = std::fs::read_to_string(fw.join("samples.rs")).unwrap();
    assert!(
        model_rs.starts_with("// @generated by `digitnet export`"),
        "{model_rs:.200}"
    );
    assert!(model_rs.contains("m.safetensors"));
    assert!(samples_rs.contains("pub const COUNT: usize = 10;"));
    // What `export --check` compares against is exactly what train wrote.
    digitnet_ok(&[
        "export",
        "--check",
        "--model",
        s(&model),
        "--out",
        s(&fw),
        "--samples",
        "10",
    ]);
    // And the int8 sources beside them.
    let int8_rs = std::fs::read_to_string(fw.join("model_int8.rs")).unwrap();
    assert!(int8_rs.starts_with("// @generated by `digitnet export --quantize int8`"));
    digitnet_ok(&[
        "export",
        "--check",
        "--quantize",
        "int8",
        "--model",
        s(&model),
        "--out",
        s(&fw),
        "--samples",
        "10",
    ]);
}

/// The metadata map of a safetensors file.
fn metadata(path: &Path) -> serde_json::Map<String, serde_json::Value> {
    let bytes = std::fs::read(path).unwrap();
    let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
    header["__metadata__"].as_object().unwrap().clone()
}

/// Every chapter-3 flag at a non-default value: the run says what it trains,
/// writes each setting into the model file, reports validation accuracy, and
/// `eval` and `export` read the result.
#[test]
fn chapter_3_flags_reach_the_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let metrics = dir.path().join("metrics.jsonl");
    let out = digitnet(&[
        "train",
        "--hidden",
        "16",
        "--activation",
        "relu",
        "--cost",
        "log-likelihood",
        "--init",
        "uniform",
        "--lambda",
        "1.5",
        "--eta",
        "0.2",
        "--schedule",
        "cosine",
        "--shift",
        "1",
        "--epochs",
        "2",
        "--train-images",
        "3000",
        "--validation",
        "--out",
        s(&model),
        "--metrics",
        s(&metrics),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(
        stdout.contains("[784, 16, 10] relu hidden layer, softmax output, log-likelihood cost, uniform init, 2 epochs, mini-batch 10, eta 0.2, lambda 1.5, cosine schedule, shifts up to 1 px"),
        "{stdout}"
    );
    assert!(stdout.contains(", 10000 validation images"), "{stdout}");
    assert!(stdout.contains(", validation "), "{stdout}");
    let meta = metadata(&model);
    for (key, want) in [
        ("layers", "784,16,10"),
        ("activation", "relu"),
        ("cost", "log-likelihood"),
        ("init", "uniform"),
        ("lambda", "1.5"),
        ("eta", "0.2"),
        ("validation_total", "10000"),
        ("schedule", "cosine"),
        ("shift", "1"),
    ] {
        assert_eq!(meta[key], want, "{key} in {meta:?}");
    }
    let line = std::fs::read_to_string(&metrics).unwrap();
    let last: serde_json::Value = serde_json::from_str(line.lines().last().unwrap()).unwrap();
    assert_eq!(last["validation_total"], 10_000);
    let vc = last["validation_correct"].as_u64().unwrap();
    assert!(vc > 5_000, "{last}");
    assert_eq!(meta["validation_correct"], vc.to_string());

    let eval = digitnet(&["eval", "--model", s(&model)]);
    let report = text(&eval.stdout);
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    assert!(
        report.contains(
            "network: [784, 16, 10] relu hidden layer, softmax output, log-likelihood cost"
        ),
        "{report}"
    );
    assert!(
        report.contains("eta 0.2, lambda 1.5, uniform init"),
        "{report}"
    );
    let correct = last["correct"].as_u64().unwrap();
    assert!(
        report.contains(&format!("accuracy: {correct} / 10000")),
        "{report}"
    );

    let fw = dir.path().join("fw");
    digitnet_ok(&["export", "--model", s(&model), "--out", s(&fw)]);
    let model_rs = std::fs::read_to_string(fw.join("model.rs")).unwrap();
    assert!(
        model_rs.contains("pub static MODEL: DeviceNet<784, 16, 10> = DeviceNet::new("),
        "{model_rs:.600}"
    );
    assert!(model_rs.ends_with("    Activation::Relu,\n    Cost::LogLikelihood,\n);\n"));

    // The int8 export and evaluation of the same model.
    digitnet_ok(&[
        "export",
        "--model",
        s(&model),
        "--out",
        s(&fw),
        "--quantize",
        "int8",
    ]);
    let model_rs = std::fs::read_to_string(fw.join("model_int8.rs")).unwrap();
    assert!(
        model_rs.contains("pub static MODEL: QuantNet<784, 16, 10, 0> = QuantNet::new("),
        "{model_rs:.600}"
    );
    let eval = digitnet(&["eval", "--model", s(&model), "--quantize", "int8"]);
    let report = text(&eval.stdout);
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    assert!(
        report.contains("quantized: int8 (int8-pixel-major-v2)"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "the f32 network it comes from: {correct} / 10000 correct"
        )),
        "{report}"
    );
    assert!(report.contains("accuracy: "), "{report}");
}

/// Full-batch gradient descent: one step per epoch over the whole training set.
#[test]
fn full_batch_and_cross_entropy_scaled_train() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    digitnet_ok(&[
        "train",
        "--cost",
        "cross-entropy",
        "--init",
        "scaled",
        "--batch-size",
        "2000",
        "--train-images",
        "2000",
        "--eta",
        "3",
        "--epochs",
        "3",
        "--out",
        s(&model),
    ]);
    let meta = metadata(&model);
    assert_eq!(meta["batch_size"], "2000");
    assert_eq!(meta["cost"], "cross-entropy");
    assert_eq!(meta["init"], "scaled");
    assert!(
        meta.get("activation").is_none(),
        "sigmoid is left out: {meta:?}"
    );
    assert!(
        meta.get("lambda").is_none(),
        "lambda 0 is left out: {meta:?}"
    );
}

/// Each bad chapter-3 setting exits non-zero, names the problem, and writes nothing.
#[test]
fn bad_chapter_3_flags_fail_clearly_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("never.safetensors");
    let cases: [(&[&str], &str); 14] = [
        (&["--shift", "5"], "--shift must be at most 4, got 5"),
        (
            &["--shift", "-1"],
            "invalid value '-1' for '--shift <SHIFT>'",
        ),
        (
            &["--schedule", "step"],
            "unknown schedule; choose one of constant, cosine",
        ),
        (
            &["--lambda", "-1"],
            "--lambda must be a finite number of at least 0, got -1",
        ),
        (
            &["--lambda", "nan"],
            "--lambda must be a finite number of at least 0, got NaN",
        ),
        (
            &["--lambda", "inf"],
            "--lambda must be a finite number of at least 0, got inf",
        ),
        (
            &["--cost", "hinge"],
            "unknown cost; choose one of quadratic, cross-entropy, log-likelihood",
        ),
        (
            &["--activation", "tanh"],
            "unknown activation; choose one of sigmoid, relu",
        ),
        (
            &["--init", "xavier"],
            "unknown initialisation; choose one of normal, scaled, uniform",
        ),
        (
            &["--hidden", "31"],
            "--hidden 31 is not supported; choose one of 10, 16, 20, 30, 50, 64, 100, 128",
        ),
        (&["--hidden", "0"], "--hidden 0 is not supported"),
        (
            &["--batch-size", "50001"],
            "--batch-size must be at most the number of training images (50000), got 50001",
        ),
        (
            &["--validation", "--train-images", "50001"],
            "--train-images must be at most 50000, got 50001",
        ),
        (
            &["--preset", "fastest"],
            "unknown preset; choose one of chapter1, best",
        ),
    ];
    for (flags, message) in cases {
        let mut args = vec!["train", "--out", s(&model)];
        args.extend_from_slice(flags);
        let out = digitnet(&args);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{flags:?} succeeded");
        assert!(
            stderr.contains(message),
            "{flags:?}: expected {message:?} in:\n{stderr}"
        );
        assert!(!model.exists(), "{flags:?} left a file behind");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// `--preset best` sets the recipe; a flag given explicitly overrides it.
#[test]
fn preset_best_with_overrides() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let out = digitnet(&[
        "train",
        "--preset",
        "best",
        "--epochs",
        "1",
        "--train-images",
        "2000",
        "--out",
        s(&model),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("(preset best)"), "{stdout}");
    let meta = metadata(&model);
    assert_eq!(meta["epochs"], "1", "the flag wins");
    assert_eq!(meta["train_images"], "2000");
    assert_eq!(meta["layers"], "784,100,10", "the preset's width");
}

#[test]
fn bad_quantize_flag_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let runs = [
        digitnet(&["eval", "--quantize", "int4"]),
        digitnet(&["export", "--quantize", "int4", "--out", s(dir.path())]),
    ];
    for out in runs {
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "--quantize int4 succeeded");
        assert!(
            stderr.contains("invalid value 'int4' for '--quantize <QUANTIZE>'")
                && stderr.contains("int8"),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
