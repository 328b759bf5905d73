//! The committed default model and the firmware sources generated from it
//! are what the code produces today.

mod common;

use common::{digitnet, repo};

/// How to get the committed files back when a run overwrote them.
const RESTORE: &str = "if a run overwrote the committed model or sources, restore them with \
    `git checkout models/mnist-784-30-10.safetensors firmware-example/src` \
    (`digitnet export` would only regenerate the sources from the overwritten model)";

#[test]
fn committed_firmware_sources_are_current() {
    let out = digitnet(&["export", "--check"]);
    assert!(
        out.status.success(),
        "export --check failed; {RESTORE}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn committed_int8_firmware_sources_are_current() {
    let out = digitnet(&["export", "--check", "--quantize", "int8"]);
    assert!(
        out.status.success(),
        "export --check --quantize int8 failed; {RESTORE}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn export_check_names_a_stale_file() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().to_str().unwrap();
    let out = digitnet(&["export", "--out", out_dir]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ok = digitnet(&["export", "--check", "--out", out_dir]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let samples = dir.path().join("samples.rs");
    let mut text = std::fs::read_to_string(&samples).unwrap();
    text.push_str("// edited by hand\n");
    std::fs::write(&samples, text).unwrap();
    let stale = digitnet(&["export", "--check", "--out", out_dir]);
    let stderr = String::from_utf8_lossy(&stale.stderr);
    assert!(!stale.status.success());
    assert!(
        stderr.contains("samples.rs") && !stderr.contains("model.rs"),
        "{stderr}"
    );
}

/// The full default run (30 epochs on 50,000 images): runs in seconds because
/// every crate is optimised in the test profile.
#[test]
fn default_training_reproduces_the_committed_model_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("default.safetensors");
    let out = digitnet(&["train", "--out", model.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = std::fs::read(&model).unwrap();
    let committed = std::fs::read(repo().join("models/mnist-784-30-10.safetensors")).unwrap();
    assert!(
        fresh == committed,
        "training with the default seed no longer reproduces models/mnist-784-30-10.safetensors; {RESTORE};\n\
         if the change of the code is intended, retrain with `cargo run --release -p digitnet -- train --export`\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
