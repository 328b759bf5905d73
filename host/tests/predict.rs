//! `digitnet predict` end to end: pictures in altered forms, test digits by
//! index, JSON output, and files that fail without stopping the others.

mod common;

use common::{default_model, digitnet, digitnet_ok, mnist_test, s, text};
use image::imageops::{self, FilterType};
use image::{GrayImage, Luma};
use std::path::PathBuf;

/// Test digit `image` as a 28×28 grey picture (white ink on black, as MNIST).
fn picture(image: &[u8; 784]) -> GrayImage {
    GrayImage::from_raw(28, 28, image.to_vec()).unwrap()
}

/// The altered forms of a digit the robustness test writes.
fn forms(image: &[u8; 784]) -> [(&'static str, GrayImage); 4] {
    let plain = picture(image);
    let scaled = imageops::resize(&plain, 84, 84, FilterType::Triangle);
    let mut inverted = plain.clone();
    imageops::invert(&mut inverted);
    // Off-centre on a larger black canvas.
    let mut canvas = GrayImage::from_pixel(120, 90, Luma([0]));
    imageops::overlay(&mut canvas, &plain, 80, 6);
    // All three at once: dark ink, 3× larger, off-centre on light paper.
    let mut big_dark = scaled.clone();
    imageops::invert(&mut big_dark);
    let mut paper = GrayImage::from_pixel(300, 200, Luma([255]));
    imageops::overlay(&mut paper, &big_dark, 20, 100);
    [
        ("scaled", scaled),
        ("inverted", inverted),
        ("offcentre", canvas),
        ("all", paper),
    ]
}

/// `digitnet predict --json FILES`: the digit per file (None for an error).
fn predict_json(files: &[PathBuf]) -> (Vec<Option<u64>>, std::process::Output) {
    let mut args = vec!["predict", "--json"];
    args.extend(files.iter().map(|f| s(f)));
    let out = digitnet(&args);
    let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    assert_eq!(results.len(), files.len());
    for (r, f) in results.iter().zip(files) {
        assert_eq!(r["file"], s(f));
    }
    (results.iter().map(|r| r["digit"].as_u64()).collect(), out)
}

/// The robustness test: 200 test digits, written as PNG scaled up
/// 3×, inverted, placed off-centre (and all three at once), are classified
/// as the unaltered digits are in at least 95% of cases, form by form.
#[test]
fn altered_pictures_read_as_the_originals() {
    let test = mnist_test();
    let net = default_model();
    let n = 200;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for (i, image) in test.images.iter().take(n).enumerate() {
        for (name, form) in forms(image) {
            let path = dir.path().join(format!("{i:03}-{name}.png"));
            form.save(&path).unwrap();
            files.push(path);
            expected.push(net.predict(image).expect("a finite answer") as u64);
        }
    }
    let (got, out) = predict_json(&files);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for (k, name) in ["scaled", "inverted", "offcentre", "all"]
        .iter()
        .enumerate()
    {
        let agree = (0..n)
            .filter(|i| got[i * 4 + k] == Some(expected[i * 4 + k]))
            .count();
        eprintln!("{name}: {agree} of {n} read as the unaltered digit");
        assert!(agree * 100 >= n * 95, "{name}: only {agree} of {n}");
    }
}

#[test]
fn bad_files_are_named_and_the_others_still_classified() {
    let dir = tempfile::tempdir().unwrap();
    let test = mnist_test();
    let good = dir.path().join("seven.png");
    picture(&test.images[0]).save(&good).unwrap();
    let text_file = dir.path().join("notes.png");
    std::fs::write(&text_file, "not a picture").unwrap();
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let blank = dir.path().join("blank.png");
    GrayImage::from_pixel(40, 40, Luma([255]))
        .save(&blank)
        .unwrap();
    let missing = dir.path().join("missing.png");
    let good2 = dir.path().join("two.pgm");
    picture(&test.images[1]).save(&good2).unwrap();

    let files = [&text_file, &good, &empty, &blank, &missing, &good2];
    let mut args = vec!["predict"];
    args.extend(files.iter().map(|f| s(f)));
    let out = digitnet(&args);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(!out.status.success());
    assert!(
        stdout.contains(&format!("{}: 7   (7 ", s(&good))),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}: 2   (2 ", s(&good2))),
        "{stdout}"
    );
    for (file, why) in [
        (&text_file, "not a PNG, JPEG or PGM/PPM image"),
        (&empty, "empty file"),
        (&blank, "no ink"),
        (&missing, "file not found"),
    ] {
        assert!(
            stderr.contains(&format!("digitnet: error: {}: {why}", s(file))),
            "{why}: {stderr}"
        );
    }
    assert!(
        stderr.contains("4 of 6 inputs could not be classified"),
        "{stderr}"
    );

    // The same in JSON: one array, errors in place.
    let (got, out) = predict_json(&files.map(|f| f.clone()));
    assert!(!out.status.success());
    assert_eq!(got, [None, Some(7), None, None, None, Some(2)]);
    let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(results[2]["error"]
        .as_str()
        .unwrap()
        .ends_with("empty.png: empty file"));
    assert_eq!(results[1]["top"].as_array().unwrap().len(), 3);
}

#[test]
fn index_show_and_scores() {
    let out = digitnet(&["predict", "--index", "0", "--index", "3", "--show"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("model: models/mnist-784-30-10.safetensors ([784, 30, 10] sigmoid network, quadratic cost)\n"), "{stdout}");
    assert!(
        stdout.contains("scores: the output neurons' sigmoid activations"),
        "{stdout}"
    );
    assert!(stdout.contains("test #0 (label 7): 7   (7 "), "{stdout}");
    assert!(stdout.contains("test #3 (label 0): 0   (0 "), "{stdout}");
    // Two drawn digits of 28 rows, framed.
    assert_eq!(stdout.matches("  +--------").count(), 4, "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("  |")).count(), 56);

    // The JSON scores are the network's outputs, best first.
    let out = digitnet(&["predict", "--index", "0", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let outputs = default_model().feedforward(&mnist_test().images[0]);
    let top = v[0]["top"].as_array().unwrap();
    assert_eq!(v[0]["index"], 0);
    assert_eq!(v[0]["label"], 7);
    assert_eq!(v[0]["digit"], 7);
    for t in top {
        let d = t["digit"].as_u64().unwrap() as usize;
        assert_eq!(t["score"].as_f64().unwrap() as f32, outputs[d]);
    }
    assert!(top[0]["score"].as_f64() >= top[1]["score"].as_f64());

    let out = digitnet(&["predict", "--index", "10000"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--index 10000: the test set has 10000 digits"));
    // Neither a file nor --index.
    let out = digitnet(&["predict"]);
    assert!(!out.status.success());
}

/// A softmax model says its scores are probabilities, and they sum to 1.
#[test]
fn softmax_scores_sum_to_one() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("soft.safetensors");
    digitnet_ok(&[
        "train",
        "--cost",
        "log-likelihood",
        "--activation",
        "relu",
        "--init",
        "scaled",
        "--eta",
        "0.1",
        "--epochs",
        "1",
        "--train-images",
        "2000",
        "--out",
        s(&model),
    ]);
    let out = digitnet(&["predict", "--model", s(&model), "--index", "0"]);
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("scores: softmax outputs: the probability of each digit, summing to 1"),
        "{stdout}"
    );
    let loaded = digitnet::model::load_any(&model).unwrap();
    let sum: f32 = loaded.net.feedforward(&mnist_test().images[0]).iter().sum();
    assert!((sum - 1.0).abs() < 1e-5, "{sum}");
}

#[test]
fn jpeg_and_16_bit_pgm_read_like_png() {
    let dir = tempfile::tempdir().unwrap();
    let image = &mnist_test().images[4];
    let big = imageops::resize(&picture(image), 112, 112, FilterType::Triangle);
    let png = dir.path().join("d.png");
    big.save(&png).unwrap();
    let jpg = dir.path().join("d.jpg");
    image::DynamicImage::ImageLuma8(big.clone())
        .to_rgb8()
        .save(&jpg)
        .unwrap();
    let pgm16 = dir.path().join("d16.pgm");
    let wide: image::ImageBuffer<Luma<u16>, Vec<u16>> =
        image::ImageBuffer::from_fn(112, 112, |x, y| {
            Luma([u16::from(big.get_pixel(x, y)[0]) * 257])
        });
    image::DynamicImage::ImageLuma16(wide).save(&pgm16).unwrap();
    let (got, out) = predict_json(&[png, jpg, pgm16]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let want = default_model().predict(image).expect("a finite answer") as u64;
    assert_eq!(got, [Some(want); 3]);
}

#[test]
fn predict_help_shows_its_defaults() {
    let out = digitnet(&["predict", "--help"]);
    let help = text(&out.stdout);
    assert!(
        help.contains("[default: models/mnist-784-30-10.safetensors"),
        "{help}"
    );
    assert!(help.contains("[default: data/mnist if present"), "{help}");
}
