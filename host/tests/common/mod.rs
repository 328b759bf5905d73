//! Running the `digitnet` binary from the repository root, for the CLI tests.
// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

pub mod harness;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `digitnet ARGS` from the repository root and waits for it.
pub fn digitnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digitnet"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run digitnet")
}

/// Runs `digitnet ARGS` from the repository root, which must succeed (its
/// standard error is the failure's message).
#[track_caller]
pub fn digitnet_ok(args: &[&str]) -> Output {
    let out = digitnet(args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// Runs `digitnet ARGS` from `dir`, which must succeed.
#[track_caller]
pub fn digitnet_in_ok(dir: &std::path::Path, args: &[&str]) -> Output {
    let out = digitnet_in(dir, args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    out
}

/// Output bytes as text, for messages and matching.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `digitnet ARGS` from `dir` and waits for it.
pub fn digitnet_in(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digitnet"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run digitnet")
}

/// A path as a `&str` argument.
pub fn s(p: &std::path::Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The bundled MNIST test set.
pub fn mnist_test() -> digitnet::data::idx::Dataset {
    let files = digitnet::data::idx::MnistFiles::in_dir(&repo().join("data/mnist")).unwrap();
    digitnet::data::idx::read_dataset(&files.test_images, &files.test_labels).unwrap()
}

/// The committed default model.
pub fn default_model() -> digitnet::model::net::AnyNet {
    digitnet::model::load_any(&repo().join("models/mnist-784-30-10.safetensors"))
        .unwrap()
        .net
}

/// Where a page written by `digitnet web` keeps its data: the byte range of
/// the JSON inside its `digitnet-data` script element.
pub fn page_data_range(html: &str) -> std::ops::Range<usize> {
    let tag = r#"<script type="application/json" id="digitnet-data">"#;
    let start = html.find(tag).expect("data element") + tag.len();
    let end = start + html[start..].find("</script>").expect("end of data");
    start..end
}

/// The JSON a page written by `digitnet web` reads at load time.
pub fn page_data(html: &str) -> serde_json::Value {
    serde_json::from_str(&html[page_data_range(html)]).expect("data is JSON")
}

/// Trains a ReLU / softmax network of another width than the default
/// (50 hidden neurons, 2 epochs on 10,000 images) into `out`.
pub fn train_relu_softmax_50(out: &std::path::Path) {
    let result = digitnet(&[
        "train",
        "--hidden",
        "50",
        "--activation",
        "relu",
        "--cost",
        "log-likelihood",
        "--init",
        "scaled",
        "--eta",
        "0.1",
        "--epochs",
        "2",
        "--train-images",
        "10000",
        "--out",
        s(out),
    ]);
    assert!(result.status.success(), "{}", text(&result.stderr));
}

/// `N` from the first line of `report` reading `PREFIX N / …` (an epoch's
/// or `eval`'s count of correct answers).
pub fn count_after(report: &str, prefix: &str) -> usize {
    report
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|l| l.split(" / ").next())
        .unwrap()
        .parse()
        .unwrap()
}
