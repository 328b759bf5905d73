//! `--data` with other sources than the bundled MNIST folder: a CSV file in
//! the Kaggle layout (split every seventh row), a folder of `train.csv` and
//! `test.csv`, another folder of IDX files; and malformed CSV.

mod common;

use common::{digitnet, digitnet_ok, mnist_test, s, text};
use digitnet::data::csv_file;
use digitnet::data::idx::{self, Dataset, MnistFiles};
use std::path::Path;

/// The first `n` MNIST training digits.
fn mnist_train(n: usize) -> Dataset {
    let files = MnistFiles::in_dir(&common::repo().join("data/mnist")).unwrap();
    idx::read_dataset(&files.train_images, &files.train_labels)
        .unwrap()
        .take(n)
}

/// A Kaggle-layout CSV of the first `n` MNIST training digits.
fn write_csv(path: &Path, n: usize) -> Dataset {
    let data = mnist_train(n);
    std::fs::write(path, csv_file::encode(&data)).unwrap();
    data
}

#[test]
fn a_kaggle_csv_trains_evaluates_exports_and_predicts() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("train.csv");
    let data = write_csv(&csv, 4200);
    let model = dir.path().join("m.safetensors");
    let out = digitnet(&[
        "train",
        "--data",
        s(&csv),
        "--epochs",
        "3",
        "--out",
        s(&model),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    // No --train-images: all 3,600 training rows; every 7th row is a test digit.
    assert!(
        stdout.contains(&format!(
            "data: 3600 training images (of 3600), 600 test images, from {} (every 7th row held out for testing)",
            s(&csv)
        )),
        "{stdout}"
    );
    assert!(stdout.contains("Epoch 3: "), "{stdout}");
    let correct = common::count_after(&stdout, "Epoch 3: ");
    assert!(correct > 400, "{correct} of 600: it learned");

    let eval = digitnet(&["eval", "--model", s(&model), "--data", s(&csv)]);
    let report = text(&eval.stdout);
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    assert!(
        report.contains(&format!("accuracy: {correct} / 600")),
        "{report}"
    );

    // Test digit 1 of the split is data row 13 (every 7th from row 6).
    let predict = digitnet(&[
        "predict",
        "--model",
        s(&model),
        "--data",
        s(&csv),
        "--index",
        "1",
    ]);
    let line = text(&predict.stdout);
    assert!(
        line.contains(&format!("test #1 (label {}): ", data.labels[13])),
        "{line}"
    );

    let fw = dir.path().join("fw");
    digitnet_ok(&[
        "export",
        "--model",
        s(&model),
        "--data",
        s(&csv),
        "--out",
        s(&fw),
        "--samples",
        "10",
    ]);
    let samples = std::fs::read_to_string(fw.join("samples.rs")).unwrap();
    assert!(
        samples
            .lines()
            .next()
            .unwrap()
            .ends_with(&format!("and {} (every 7th row) — do not edit.", s(&csv))),
        "{:.300}",
        samples
    );
}

#[test]
fn malformed_csv_names_the_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let good = csv_file::encode(&mnist_train(30));
    let lines: Vec<&str> = good.lines().collect();
    let with_line = |n: usize, replacement: String| {
        let mut l: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
        l[n - 1] = replacement;
        l.join("\n") + "\n"
    };
    let short_row = lines[4].rsplit_once(',').unwrap().0.to_owned();
    let big_pixel = format!("{},300", lines[9].rsplit_once(',').unwrap().0);
    let bad_label = format!("12{}", &lines[6][1..]);
    let cases = [
        (
            with_line(5, short_row),
            "bad.csv: line 5: 784 columns, expected 785",
        ),
        (
            with_line(10, big_pixel),
            "bad.csv: line 10: pixel783 = \"300\" is not a whole number from 0 to 255",
        ),
        (
            with_line(7, bad_label),
            "bad.csv: line 7: label \"12\" is not a digit from 0 to 9",
        ),
        (
            format!("{}\n", lines[0]),
            "bad.csv: no rows of data below the header",
        ),
        (String::new(), "bad.csv: line 1: expected the header"),
    ];
    let model = dir.path().join("never.safetensors");
    let metrics = dir.path().join("never.jsonl");
    let plot = dir.path().join("never.svg");
    let csv = dir.path().join("bad.csv");
    for (content, message) in cases {
        std::fs::write(&csv, content).unwrap();
        let out = digitnet(&[
            "train",
            "--data",
            s(&csv),
            "--epochs",
            "1",
            "--out",
            s(&model),
            "--metrics",
            s(&metrics),
            "--plot",
            s(&plot),
        ]);
        let stderr = text(&out.stderr);
        assert!(!out.status.success(), "{message}");
        assert!(
            stderr.contains(message),
            "expected {message:?} in:\n{stderr}"
        );
        assert!(!model.exists() && !metrics.exists() && !plot.exists());
        let eval = digitnet(&["eval", "--data", s(&csv)]);
        assert!(!eval.status.success());
        assert!(text(&eval.stderr).contains(message));
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "only bad.csv"
    );
}

#[test]
fn a_folder_of_train_and_test_csv_and_another_idx_folder() {
    let dir = tempfile::tempdir().unwrap();
    let pair = dir.path().join("pair");
    std::fs::create_dir(&pair).unwrap();
    write_csv(&pair.join("train.csv"), 700);
    let test = mnist_test().take(300);
    std::fs::write(pair.join("test.csv"), csv_file::encode(&test)).unwrap();
    let model = dir.path().join("m.safetensors");
    let out = digitnet(&[
        "train",
        "--data",
        s(&pair),
        "--epochs",
        "1",
        "--out",
        s(&model),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("data: 700 training images (of 700), 300 test images"),
        "{stdout}"
    );

    // An IDX folder of other 28×28 digits (raw files, as Fashion-MNIST ships
    // them once unpacked): here 2,000 MNIST digits with labels shifted by one.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    let mut train = mnist_train(2000);
    train.labels.iter_mut().for_each(|l| *l = (*l + 1) % 10);
    let mut test = mnist_test().take(200);
    test.labels.iter_mut().for_each(|l| *l = (*l + 1) % 10);
    for (name, bytes) in [
        ("train-images-idx3-ubyte", idx::encode_images(&train.images)),
        ("train-labels-idx1-ubyte", idx::encode_labels(&train.labels)),
        ("t10k-images-idx3-ubyte", idx::encode_images(&test.images)),
        ("t10k-labels-idx1-ubyte", idx::encode_labels(&test.labels)),
    ] {
        std::fs::write(other.join(name), bytes).unwrap();
    }
    let out = digitnet(&[
        "train",
        "--data",
        s(&other),
        "--epochs",
        "5",
        "--out",
        s(&model),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains(&format!(
            "2000 training images (of 2000), 200 test images, from {}",
            s(&other)
        )),
        "{stdout}"
    );
    // It learned the shifted labels: the default model (plain MNIST) would score near 0.
    let eval = digitnet(&["eval", "--model", s(&model), "--data", s(&other)]);
    let report = text(&eval.stdout);
    let correct = common::count_after(&report, "accuracy: ");
    assert!(correct > 100, "{report}");
}

/// The IDX error messages are as they were.
#[test]
fn idx_folder_errors_are_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = digitnet(&["eval", "--data", s(&empty)]);
    assert!(
        text(&out.stderr).contains(&format!(
            "{}: file not found",
            s(&empty.join("train-images-idx3-ubyte.gz"))
        )),
        "{}",
        text(&out.stderr)
    );
    let out = digitnet(&["eval", "--data", s(&dir.path().join("none"))]);
    assert!(text(&out.stderr).contains("none: directory not found"));
}
