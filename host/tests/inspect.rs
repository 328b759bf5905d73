//! `digitnet inspect` end to end: the three pictures, and bad names.

mod common;

use common::{default_model, digitnet, digitnet_ok, mnist_test, s, text};

#[test]
fn draws_mistakes_weights_and_confusion() {
    let dir = tempfile::tempdir().unwrap();
    let (mis, weights, confusion) = (
        dir.path().join("mis.png"),
        dir.path().join("w.png"),
        dir.path().join("c.png"),
    );
    let out = digitnet(&[
        "inspect",
        "--misclassified",
        s(&mis),
        "--weights",
        s(&weights),
        "--confusion",
        s(&confusion),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let eval = text(&digitnet(&["eval"]).stdout);
    let correct = common::count_after(&eval, "accuracy: ");
    let wrong = 10_000 - correct;
    assert!(
        stdout.contains(&format!(
            "{wrong} of 10000 test digits misclassified; drew 100"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("confusion matrix, {correct} of 10000 right")),
        "{stdout}"
    );
    assert!(
        stdout.contains("30 hidden neurons' input weights"),
        "{stdout}"
    );
    let size = |p| {
        let img = image::open(p).unwrap();
        (img.width(), img.height())
    };
    assert_eq!(size(&mis), (964, 1156), "10 rows of 10");
    assert_eq!(size(&weights), (1244, 484), "3 rows of 10 tiles");
    assert_eq!(size(&confusion), (670, 670));

    // The grid in SVG: each shown digit labelled true → predicted, in test-set order.
    let svg_path = dir.path().join("mis.svg");
    digitnet_ok(&["inspect", "--misclassified", s(&svg_path), "--limit", "7"]);
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let net = default_model();
    let test = mnist_test();
    let first: Vec<String> = test
        .images
        .iter()
        .zip(&test.labels)
        .filter_map(|(x, &y)| {
            let p = net.predict(x).expect("a finite answer");
            (p != usize::from(y)).then(|| format!("{y} → {p}"))
        })
        .take(8)
        .collect();
    // plotters writes each text on a line of its own.
    let labels: Vec<&str> = svg
        .lines()
        .filter(|l| l.len() == "0 → 0".len() && l.contains(" → "))
        .collect();
    assert_eq!(labels, first[..7], "{first:?}");
    assert!(svg.contains(&format!(
        "{wrong} of 10000 test digits misclassified (the first 7)"
    )));
}

#[test]
fn bad_names_fail_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("w.png");
    let out = digitnet(&[
        "inspect",
        "--weights",
        s(&good),
        "--confusion",
        s(&dir.path().join("c.jpeg")),
    ]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("c.jpeg: a picture's name must end in .svg or .png"));
    assert!(!good.exists());
    let out = digitnet(&["inspect"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("--misclassified"),
        "{}",
        text(&out.stderr)
    );
    let out = digitnet(&["inspect", "--weights", s(&good), "--limit", "0"]);
    assert!(text(&out.stderr).contains("--limit must be at least 1"));
    let out = digitnet(&[
        "inspect",
        "--weights",
        s(&good),
        "--model",
        s(&dir.path().join("no.safetensors")),
    ]);
    assert!(text(&out.stderr).contains("no.safetensors: file not found"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Any width `train` makes can be drawn: 16 tiles, softmax model.
#[test]
fn weights_of_another_width() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    digitnet_ok(&[
        "train",
        "--hidden",
        "16",
        "--cost",
        "log-likelihood",
        "--eta",
        "0.1",
        "--init",
        "scaled",
        "--epochs",
        "1",
        "--train-images",
        "1000",
        "--out",
        s(&model),
    ]);
    let w = dir.path().join("w.svg");
    digitnet_ok(&["inspect", "--model", s(&model), "--weights", s(&w)]);
    let svg = std::fs::read_to_string(&w).unwrap();
    assert!(
        svg.contains("[784, 16, 10] sigmoid hidden layer, softmax output, log-likelihood cost"),
        "{:.600}",
        svg
    );
    assert!(
        svg.contains(">\n15\n</text>") || svg.contains(">15</text>"),
        "tile 15 labelled"
    );
}
