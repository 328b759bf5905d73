//! The model file opened from Python: numpy's predictions on the 10,000 test
//! digits equal `digitnet eval`'s, and files saved by Python's
//! `safetensors.numpy.save_file` are read by `export` and `predict`.
//!
//! Needs `python3` with `numpy` and `safetensors` (`pip install numpy
//! safetensors`); reported as ignored, saying why, when they are missing,
//! and fails instead when `DIGITNET_REQUIRE_PYTHON=1` (CI sets it). `DIGITNET_PYTHON` names
//! another interpreter.

mod common;

use common::{digitnet, digitnet_ok, harness, repo, s, text};
use std::path::Path;
use std::process::Command;

fn python() -> String {
    std::env::var("DIGITNET_PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// numpy and safetensors for Python; `DIGITNET_REQUIRE_PYTHON=1` turns their
/// absence into a failure.
static NUMPY: harness::Tool =
    harness::Tool::new("needs numpy", "DIGITNET_REQUIRE_PYTHON", missing_numpy);

fn main() {
    harness::run(vec![
        NUMPY.test(
            "numpy_predicts_what_digitnet_eval_does",
            numpy_predicts_what_digitnet_eval_does,
        ),
        NUMPY.test(
            "files_saved_by_python_export_to_the_firmware",
            files_saved_by_python_export_to_the_firmware,
        ),
    ]);
}

/// Why Python, numpy or safetensors cannot be used here, if they cannot.
fn missing_numpy() -> Option<String> {
    let check = Command::new(python())
        .args(["-c", "import numpy, safetensors"])
        .output();
    match check {
        Err(e) => Some(format!("{} cannot be run: {e}", python())),
        Ok(out) if !out.status.success() => Some(format!(
            "{} lacks numpy or safetensors (pip install numpy safetensors): {}",
            python(),
            text(&out.stderr).lines().last().unwrap_or_default()
        )),
        Ok(_) => None,
    }
}

/// Runs the helper script with `args`.
fn script(args: &[&str]) -> String {
    let out = Command::new(python())
        .arg(repo().join("host/tests/python/numpy_model.py"))
        .args(args)
        .output()
        .expect("run python");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The confusion matrix printed by `digitnet eval --model MODEL`.
fn eval_confusion(model: &Path) -> Vec<Vec<u64>> {
    let out = digitnet(&["eval", "--model", s(model)]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let rows: Vec<Vec<u64>> = report
        .lines()
        .skip_while(|l| !l.starts_with("confusion matrix"))
        .skip(2)
        .take(10)
        .map(|l| {
            l.split_whitespace()
                .skip(1)
                .map(|n| n.parse().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 10, "{report}");
    rows
}

/// numpy agrees with digitnet image by image, and with `digitnet eval`'s matrix.
fn numpy_agrees(model: &Path) {
    let out: serde_json::Value = serde_json::from_str(&script(&[
        "predict",
        s(model),
        s(&repo().join("data/mnist")),
    ]))
    .unwrap();
    let numpy: Vec<u64> = out["predictions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(numpy.len(), 10_000);
    let net = digitnet::model::load_any(model).unwrap().net;
    let test = common::mnist_test();
    let differ: Vec<usize> = (0..10_000)
        .filter(|&i| Some(numpy[i]) != net.predict(&test.images[i]).map(|d| d as u64))
        .collect();
    assert!(
        differ.is_empty(),
        "numpy and digitnet disagree on test digits {differ:?}"
    );
    let confusion: Vec<Vec<u64>> = serde_json::from_value(out["confusion"].clone()).unwrap();
    assert_eq!(confusion, eval_confusion(model));
}

fn numpy_predicts_what_digitnet_eval_does() {
    numpy_agrees(&repo().join("models/mnist-784-30-10.safetensors"));
    // A ReLU / softmax model of another width: the metadata tells numpy which.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("relu.safetensors");
    common::train_relu_softmax_50(&model);
    numpy_agrees(&model);
}

fn files_saved_by_python_export_to_the_firmware() {
    let dir = tempfile::tempdir().unwrap();
    // The default model, saved again by Python (no metadata): the same network.
    let resaved = dir.path().join("resaved.safetensors");
    script(&[
        "resave",
        s(&repo().join("models/mnist-784-30-10.safetensors")),
        s(&resaved),
    ]);
    let (ours, theirs) = (dir.path().join("ours"), dir.path().join("theirs"));
    for (model, out) in [
        (repo().join("models/mnist-784-30-10.safetensors"), &ours),
        (resaved.clone(), &theirs),
    ] {
        digitnet_ok(&["export", "--model", s(&model), "--out", s(out)]);
    }
    // Past the two header lines (file name, hash, training notes), the same source.
    let body = |dir: &Path, f: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(f))
            .unwrap()
            .lines()
            .skip(2)
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(body(&ours, "model.rs"), body(&theirs, "model.rs"));
    assert_eq!(body(&ours, "samples.rs"), body(&theirs, "samples.rs"));

    // A [784, 20, 10] ReLU / softmax network made in numpy, its neurons named
    // in the metadata as the README shows.
    let made = dir.path().join("numpy.safetensors");
    script(&["random", s(&made)]);
    let fw = dir.path().join("fw");
    digitnet_ok(&["export", "--model", s(&made), "--out", s(&fw)]);
    let model_rs = std::fs::read_to_string(fw.join("model.rs")).unwrap();
    assert!(model_rs.contains("pub static MODEL: DeviceNet<784, 20, 10> = DeviceNet::new("));
    assert!(model_rs.ends_with("    Activation::Relu,\n    Cost::LogLikelihood,\n);\n"));
    let r = digitnet_ok(&["predict", "--model", s(&made), "--index", "0"]);
    assert!(text(&r.stdout).contains("[784, 20, 10] relu hidden layer, softmax output"));
}
