//! The fuzz targets' inputs, replayed on stable: every file under
//! `fuzz/regressions/<target>/` (inputs that once crashed a parser, kept
//! after the fix) and `fuzz/corpus/<target>/` (the committed seed corpus)
//! goes through the same entry point as under `cargo fuzz`
//! (`digitnet::fuzzing::run`), which panics on any broken promise.
//!
//! `cargo test -p digitnet --test fuzz_regressions -- --ignored write_seeds`
//! writes the hand-made seeds (valid files and near-misses) into
//! `fuzz/corpus/`; the committed corpus is those seeds after fuzzing and
//! `cargo fuzz cmin`.

use std::io::Write;
use std::path::{Path, PathBuf};

use digitnet::data::{csv_file, idx};
use digitnet::fuzzing::{run, TARGETS};
use digitnet::model;
use digitnet_core::{Activation, Cost, Network};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files in `dir` (none if it does not exist), sorted by name.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    };
    out.retain(|p| p.is_file());
    out.sort();
    out
}

/// Runs every file under `fuzz/<kind>/<target>/`; for each target, how many
/// files some read accepted and how many every read refused.
fn replay(kind: &str) -> Vec<(&'static str, usize, usize)> {
    let mut out = Vec::new();
    for target in TARGETS {
        let (mut accepted, mut refused) = (0, 0);
        for file in files(&fuzz_dir().join(kind).join(target)) {
            let data = std::fs::read(&file).unwrap();
            let ok = std::panic::catch_unwind(|| run(target, &data));
            match ok {
                Ok(Some(0)) => refused += 1,
                Ok(Some(_)) => accepted += 1,
                _ => panic!("{target}: {} panicked", file.display()),
            }
        }
        out.push((target, accepted, refused));
    }
    out
}

/// Files replayed in all.
fn total(counts: &[(&str, usize, usize)]) -> usize {
    counts.iter().map(|&(_, a, r)| a + r).sum()
}

#[test]
fn every_fuzz_target_has_a_file_and_a_corpus() {
    for target in TARGETS {
        let file = fuzz_dir().join("fuzz_targets").join(format!("{target}.rs"));
        let source = std::fs::read_to_string(&file).unwrap();
        assert!(source.contains(&format!("run(\"{target}\"")), "{target}");
        let corpus = files(&fuzz_dir().join("corpus").join(target));
        assert!(corpus.len() >= 3, "{target}: {} seeds", corpus.len());
    }
    assert_eq!(files(&fuzz_dir().join("fuzz_targets")).len(), TARGETS.len());
}

#[test]
fn regression_inputs_no_longer_crash() {
    let n = total(&replay("regressions"));
    assert!(n >= 1, "no regression inputs found");
    println!("replayed {n} regression inputs");
}

#[test]
fn corpus_inputs_run_without_a_panic() {
    let counts = replay("corpus");
    let n = total(&counts);
    assert!(n >= TARGETS.len() * 3, "only {n} corpus inputs found");
    // Each target's corpus reaches both sides of its parser: inputs it
    // accepts (whose promises are then checked) and inputs it refuses.
    for (target, accepted, refused) in counts {
        assert!(
            accepted > 0 && refused > 0,
            "{target}: {accepted} accepted, {refused} refused"
        );
    }
    println!("replayed {n} corpus inputs");
}

// ---- the hand-made seeds

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Two small images (a bar and a ring) and their labels.
fn tiny_set() -> idx::Dataset {
    let mut bar = [0u8; idx::PIXELS];
    let mut ring = [0u8; idx::PIXELS];
    for y in 4..24 {
        bar[y * 28 + 14] = 255;
        for x in 8..20 {
            let (dx, dy) = (x as i32 - 14, y as i32 - 14);
            if (dx * dx + dy * dy - 36).abs() < 8 {
                ring[y * 28 + x] = 200;
            }
        }
    }
    idx::Dataset {
        images: vec![bar, ring],
        labels: vec![1, 0],
    }
}

fn picture(width: u32, height: u32) -> image::GrayImage {
    image::GrayImage::from_fn(width, height, |x, y| {
        let ink = x.abs_diff(width / 2) < 2 && y > height / 5 && y < height * 4 / 5;
        image::Luma([if ink { 10 } else { 240 }])
    })
}

fn encoded(img: &image::DynamicImage, format: image::ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[test]
#[ignore = "writes fuzz/corpus/; run by hand to regenerate the seeds"]
fn write_seeds() {
    let set = tiny_set();
    let images = idx::encode_images(&set.images);
    let labels = idx::encode_labels(&set.labels);
    let csv = csv_file::encode(&set).into_bytes();
    let mut seeds: Vec<(&str, &str, Vec<u8>)> = vec![
        ("idx", "images", images.clone()),
        ("idx", "labels", labels.clone()),
        ("idx", "images.gz", gzip(&images)),
        ("idx", "labels.gz", gzip(&labels)),
        (
            "idx",
            "images-truncated",
            images[..images.len() - 5].to_vec(),
        ),
        ("idx", "images-27x28", {
            let mut b = images.clone();
            b[11] = 27;
            b
        }),
        ("idx", "labels-above-9", {
            let mut b = labels.clone();
            b[9] = 12;
            b
        }),
        ("idx_gzip", "images", images.clone()),
        ("idx_gzip", "labels", labels.clone()),
        (
            "idx_gzip",
            "labels-trailing",
            [&labels[..], b"xyz"].concat(),
        ),
        ("csv", "two-rows.csv", csv.clone()),
        ("csv", "crlf-bom.csv", {
            let text = String::from_utf8(csv.clone()).unwrap();
            format!("\u{feff}{}", text.replace('\n', "\r\n")).into_bytes()
        }),
        ("csv", "short-row.csv", {
            let text = String::from_utf8(csv.clone()).unwrap();
            text.replacen(",0\n", "\n", 1).into_bytes()
        }),
        ("csv", "header-only.csv", {
            let text = String::from_utf8(csv.clone()).unwrap();
            text.split_inclusive('\n')
                .next()
                .unwrap()
                .as_bytes()
                .to_vec()
        }),
    ];
    // Models: the tiny [3, 2, 2] network with and without training
    // metadata and with other neurons, and the smallest supported MNIST width.
    let tiny: Network<3, 2, 2> = Network::from_seed(5);
    let info = model::TrainingInfo {
        seed: 5,
        epochs: 2,
        batch_size: 10,
        eta: 3.0,
        lambda: 0.5,
        init: digitnet_core::Init::Scaled,
        schedule: digitnet::model::Schedule::Cosine,
        shift: 2,
        train_images: 100,
        correct: 9,
        total: 10,
        validation: Some((8, 10)),
    };
    seeds.push(("model", "tiny.safetensors", model::to_bytes(&tiny, None)));
    seeds.push((
        "model",
        "tiny-info.safetensors",
        model::to_bytes(&tiny, Some(&info)),
    ));
    let relu = tiny
        .clone()
        .with_neurons(Activation::Relu, Cost::LogLikelihood);
    seeds.push((
        "model",
        "tiny-relu.safetensors",
        model::to_bytes(&relu, None),
    ));
    let whole = model::to_bytes(&tiny, Some(&info));
    seeds.push((
        "model",
        "tiny-truncated.safetensors",
        whole[..whole.len() - 7].to_vec(),
    ));
    let w10: Box<Network<784, 10, 10>> = Box::new(Network::from_seed(1));
    seeds.push((
        "model",
        "width-10.safetensors",
        model::to_bytes(&*w10, None),
    ));
    // Pictures: each accepted format, grey and colour, with alpha, 16-bit.
    let grey = image::DynamicImage::ImageLuma8(picture(24, 30));
    use image::ImageFormat::{Jpeg, Png, Pnm};
    seeds.push(("picture", "grey.png", encoded(&grey, Png)));
    seeds.push(("picture", "grey.jpg", encoded(&grey, Jpeg)));
    let png = encoded(&grey, Png);
    seeds.push((
        "picture",
        "grey-truncated.png",
        png[..png.len() / 2].to_vec(),
    ));
    seeds.push(("picture", "grey.pgm", encoded(&grey, Pnm)));
    seeds.push((
        "picture",
        "rgba.png",
        encoded(&image::DynamicImage::ImageRgba8(grey.to_rgba8()), Png),
    ));
    seeds.push((
        "picture",
        "rgb.ppm",
        encoded(&image::DynamicImage::ImageRgb8(grey.to_rgb8()), Pnm),
    ));
    seeds.push((
        "picture",
        "grey16.png",
        encoded(&image::DynamicImage::ImageLuma16(grey.to_luma16()), Png),
    ));
    seeds.push((
        "picture",
        "blank.pgm",
        b"P5\n4 4\n255\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
    ));
    // Raw grey for the core's preparation: width byte, then rows.
    let small = picture(16, 20);
    seeds.push(("prepare", "bar", [&[15u8][..], small.as_raw()].concat()));
    seeds.push(("prepare", "blank", [&[3u8][..], &[255; 16]].concat()));
    seeds.push(("prepare", "one-pixel", vec![0, 0]));
    seeds.push((
        "prepare",
        "mnist-bar",
        [&[27u8][..], &set.images[0]].concat(),
    ));

    for (target, name, bytes) in seeds {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
