//! `digitnet` run outside a checkout, as after `cargo install --path host`:
//! the built-in MNIST and default model are used, `train` writes its model in
//! the current folder, and `predict` then uses it.

mod common;

use common::{digitnet_in, digitnet_in_ok, text};

#[cfg(feature = "bundled")]
#[test]
fn predict_and_train_work_in_an_empty_folder() {
    use common::mnist_test;
    use image::GrayImage;
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    // A picture to classify: test digit 0 (a 7), twice as large.
    let digit = GrayImage::from_raw(28, 28, mnist_test().images[0].to_vec()).unwrap();
    let big = image::imageops::resize(&digit, 56, 56, image::imageops::FilterType::Triangle);
    big.save(here.join("seven.png")).unwrap();

    let out = digitnet_in(here, &["predict", "seven.png", "--index", "0"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.starts_with("model: the built-in mnist-784-30-10.safetensors ("),
        "{stdout}"
    );
    assert!(stdout.contains("test #0 (label 7): 7 "), "{stdout}");
    assert!(stdout.contains("seven.png: 7 "), "{stdout}");

    let out = digitnet_in(here, &["train", "--epochs", "1", "--train-images", "3000"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("3000 training images (of 60000), 10000 test images, from the MNIST files built into digitnet"),
        "{stdout}"
    );
    // A run that is not chapter 1's is named after its settings, so it is
    // not taken for the default model.
    let variant = "mnist-784-30-10-epochs1-images3000.safetensors";
    assert!(stdout.contains(&format!("model: {variant}\n")), "{stdout}");
    assert!(here.join(variant).is_file());
    assert!(!here.join("mnist-784-30-10.safetensors").exists());
    let out = digitnet_in(here, &["predict", "seven.png"]);
    assert!(
        text(&out.stdout).starts_with("model: the built-in mnist-784-30-10.safetensors ("),
        "{}",
        text(&out.stdout)
    );
    let out = digitnet_in(
        here,
        &[
            "train",
            "--epochs",
            "1",
            "--train-images",
            "3000",
            "--out",
            "mnist-784-30-10.safetensors",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(here.join("mnist-784-30-10.safetensors").is_file());

    // Now the model trained here is the default.
    let out = digitnet_in(here, &["predict", "seven.png"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success());
    assert!(
        stdout.starts_with("model: mnist-784-30-10.safetensors ("),
        "{stdout}"
    );
    let out = digitnet_in(here, &["eval"]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        report.contains(
            "trained: seed 20151130, 1 epoch, mini-batch 10, eta 3.0, 3000 training images"
        ),
        "{report}"
    );
    assert!(
        report.contains("test set: 10000 images from the MNIST files built into digitnet"),
        "{report}"
    );

    // --data and --model still override.
    let out = digitnet_in(
        here,
        &["predict", "--model", "nope.safetensors", "seven.png"],
    );
    assert!(text(&out.stderr).contains("nope.safetensors: file not found"));
    let out = digitnet_in(here, &["eval", "--data", "nowhere"]);
    assert!(text(&out.stderr).contains("nowhere: directory not found"));
}

/// Built without the `bundled` feature, nothing is built in: outside a
/// checkout the missing files are named, as before.
#[cfg(not(feature = "bundled"))]
#[test]
fn without_the_bundle_the_missing_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = digitnet_in(dir.path(), &["predict", "--index", "0"]);
    assert!(text(&out.stderr).contains("models/mnist-784-30-10.safetensors: file not found"));
    let out = digitnet_in(dir.path(), &["train", "--epochs", "1"]);
    assert!(text(&out.stderr).contains("data/mnist: directory not found"));
}

#[cfg(feature = "bundled")]
#[test]
fn export_outside_a_checkout_needs_a_folder() {
    use common::s;
    let dir = tempfile::tempdir().unwrap();
    let here = dir.path();
    let out = digitnet_in(
        here,
        &[
            "train",
            "--epochs",
            "1",
            "--train-images",
            "1000",
            "--export",
        ],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("firmware-example/src: folder not found; run in a digitnet checkout, or name the folder to write to"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(here).unwrap().count(),
        0,
        "nothing written"
    );
    // Named, it works: the model trained here, the built-in test digits.
    digitnet_in_ok(
        here,
        &[
            "train",
            "--epochs",
            "1",
            "--train-images",
            "1000",
            "--export",
            "--export-dir",
            "fw",
        ],
    );
    let model = "mnist-784-30-10-epochs1-images1000.safetensors";
    let samples = std::fs::read_to_string(here.join("fw/samples.rs")).unwrap();
    assert!(samples.starts_with(&format!("// @generated by `digitnet export` from {model}")));
    assert!(samples
        .lines()
        .next()
        .unwrap()
        .contains("and the built-in t10k-images-idx3-ubyte.gz — do not edit."));
    digitnet_in_ok(
        here,
        &[
            "export",
            "--model",
            model,
            "--out",
            s(&here.join("fw")),
            "--check",
        ],
    );
}

#[cfg(feature = "bundled")]
#[test]
fn bench_runs_in_an_empty_folder_on_the_built_in_data() {
    let dir = tempfile::tempdir().unwrap();
    let out = digitnet_in_ok(dir.path(), &["bench", "--epochs", "1", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["epochs"], 1, "{report}");
    assert!(report["gunzip_seconds"].as_f64().unwrap() > 0.0, "{report}");
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written"
    );
}
