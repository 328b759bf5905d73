//! The module's exported functions, called as the page calls them, against
//! the desktop's code: `Network::feedforward` for test digits as they are,
//! `digitnet::data::picture` (the `image` crate's decoding, then the core's
//! preparation) for drawings saved as PNG. Bit for bit, for every hidden width
//! and every choice of neurons.
#![allow(unsafe_code)] // writing and reading the module's buffers, as JavaScript does

use std::path::Path;
use std::sync::Mutex;

use digitnet::data::idx::{self, Dataset, MnistFiles};
use digitnet::data::picture::{self, GreyPicture};
use digitnet::model::net::AnyNet;
use digitnet::with_net;
use digitnet_core::prepare::PIXELS;
use digitnet_core::random::seeded;
use digitnet_core::{Activation, Cost, Init};
use digitnet_web::exports::{self, MAX_PICTURE};
use digitnet_web::nets::{parameters, WIDTHS};
use image::{ImageEncoder, RgbaImage};
use rand_core::Rng;

/// The exports share one state: one test at a time writes into its buffers.
static MODULE: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    MODULE.lock().unwrap_or_else(|e| e.into_inner())
}

fn repo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn mnist_test() -> Dataset {
    let files = MnistFiles::in_dir(&repo().join("data/mnist")).unwrap();
    idx::read_dataset(&files.test_images, &files.test_labels).unwrap()
}

/// Writes `values` at `params()` and calls `load_model`, as the page does.
fn load(net: &AnyNet) -> i32 {
    let values = digitnet::export::web::parameters(net);
    assert!(values.len() <= exports::params_capacity());
    // SAFETY: the buffer holds `params_capacity()` f32s, and the lock keeps
    // every other caller out.
    unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), exports::params(), values.len()) };
    exports::load_model(
        net.hidden(),
        digitnet::export::web::activation_code(net.activation()),
        digitnet::export::web::cost_code(net.cost()),
    )
}

fn outputs() -> [f32; 10] {
    // SAFETY: ten f32s; the caller holds the lock.
    unsafe { *exports::outputs().cast::<[f32; 10]>() }
}

fn input() -> [u8; PIXELS] {
    // SAFETY: PIXELS bytes; the caller holds the lock.
    unsafe { *exports::input().cast::<[u8; PIXELS]>() }
}

fn set_input(pixels: &[u8; PIXELS]) {
    // SAFETY: PIXELS bytes; the caller holds the lock.
    unsafe { *exports::input().cast::<[u8; PIXELS]>() = *pixels };
}

fn set_picture(rgba: &[u8]) {
    assert!(rgba.len() <= 4 * MAX_PICTURE);
    // SAFETY: the buffer holds 4 · MAX_PICTURE bytes; the caller holds the lock.
    unsafe { std::ptr::copy_nonoverlapping(rgba.as_ptr(), exports::picture(), rgba.len()) };
}

fn bits(o: [f32; 10]) -> [u32; 10] {
    o.map(f32::to_bits)
}

/// A `[784, H, 10]` network with these neurons and seeded random parameters.
fn random_net(hidden: usize, activation: Activation, cost: Cost, seed: u64) -> AnyNet {
    let mut net = AnyNet::zeroed(hidden).unwrap();
    with_net!(&mut net, n => n.init_with(Init::Scaled, &mut seeded(seed)));
    net.set_neurons(activation, cost);
    net
}

/// A digit drawn as the page draws: grey ink on an opaque white canvas, RGBA,
/// `scale` canvas pixels per MNIST pixel, with a soft edge (as anti-aliasing gives).
fn drawn(image: &[u8; PIXELS], scale: usize) -> (Vec<u8>, usize) {
    let side = 28 * scale;
    let mut rgba = vec![255u8; side * side * 4];
    for y in 0..side {
        for x in 0..side {
            let p = image[(y / scale) * 28 + x / scale];
            let edge = if (x % scale == 0 || y % scale == 0) && p > 0 {
                1
            } else {
                0
            };
            let v = 255 - p.saturating_sub(edge * 40);
            rgba[4 * (y * side + x)..][..3].fill(v);
        }
    }
    (rgba, side)
}

fn png(rgba: &[u8], width: usize, height: usize) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            rgba,
            width as u32,
            height as u32,
            image::ExtendedColorType::Rgba8,
        )
        .unwrap();
    out
}

#[test]
fn widths_are_those_train_offers() {
    assert_eq!(WIDTHS, digitnet::model::net::WIDTHS);
    assert_eq!(
        exports::params_capacity(),
        parameters(*WIDTHS.iter().max().unwrap())
    );
}

#[test]
fn every_width_and_neuron_is_bit_exact_with_the_desktop() {
    let _module = lock();
    let test = mnist_test();
    for (k, &hidden) in WIDTHS.iter().enumerate() {
        for activation in Activation::ALL {
            for cost in Cost::ALL {
                let net = random_net(hidden, activation, cost, k as u64 * 31 + 7);
                assert_eq!(load(&net), 0, "{}", net.describe());
                for image in test.images.iter().take(12) {
                    set_input(image);
                    let digit = exports::classify_input();
                    let want = net.feedforward(image);
                    assert_eq!(bits(outputs()), bits(want), "{}", net.describe());
                    assert_eq!(
                        digit,
                        net.predict(image).map_or(exports::NO_ANSWER, |d| d as i32)
                    );
                }
            }
        }
    }
}

#[test]
fn the_default_model_reads_test_digits_as_eval_does() {
    let _module = lock();
    let net = digitnet::model::load_any(&repo().join("models/mnist-784-30-10.safetensors"))
        .unwrap()
        .net;
    assert_eq!(load(&net), 0);
    let test = mnist_test();
    let mut correct = 0;
    for (image, &label) in test.images.iter().zip(&test.labels).take(1000) {
        set_input(image);
        let digit = exports::classify_input();
        assert_eq!(bits(outputs()), bits(net.feedforward(image)));
        correct += usize::from(digit == i32::from(label));
    }
    // The chapter-1 network's ~95%, on these 1,000.
    assert!(correct > 930, "{correct} of 1000");
}

#[test]
fn drawings_read_as_predict_reads_them_saved_as_png() {
    let _module = lock();
    let test = mnist_test();
    for (k, cost) in Cost::ALL.into_iter().enumerate() {
        let net = random_net([30, 64, 128][k], Activation::Relu, cost, 99 + k as u64);
        assert_eq!(load(&net), 0);
        for (i, image) in test.images.iter().enumerate().skip(100).take(8) {
            let (rgba, side) = drawn(image, [3, 10, 7][k]);
            set_picture(&rgba);
            let digit = exports::classify_picture(side, side);
            // The desktop: the same pixels as a PNG file, through `predict`'s reading.
            let path = Path::new("drawn.png");
            let grey = picture::decode(&png(&rgba, side, side), path).unwrap();
            let want = picture::prepare_grey(&grey, path).unwrap();
            assert_eq!(input(), want.pixels, "test digit {i}");
            assert_eq!(bits(outputs()), bits(net.feedforward(&want.pixels)));
            assert_eq!(
                digit,
                net.predict(&want.pixels)
                    .map_or(exports::NO_ANSWER, |d| d as i32)
            );
        }
    }
}

#[test]
fn grey_pixels_read_as_the_image_crate_decodes_them() {
    // Every grey level at every alpha (a 256 × 256 PNG), through `predict`'s
    // reader: exactly the module's grey levels.
    let rgba: Vec<u8> = (0..=255u8)
        .flat_map(|a| (0..=255u8).flat_map(move |v| [v, v, v, a]))
        .collect();
    let path = Path::new("grey.png");
    let want: GreyPicture = picture::decode(&png(&rgba, 256, 256), path).unwrap();
    let mut got = vec![0u8; 256 * 256];
    assert_eq!(digitnet_web::rgba::to_grey(&rgba, &mut got), 256 * 256);
    assert_eq!(got, want.pixels);
}

#[test]
fn coloured_pixels_read_within_one_grey_level() {
    // Random colours and transparency: the image crate sums in f32, the module
    // in integers, so a colour may come out one grey level apart.
    let mut rng = seeded(5);
    let (w, h) = (256, 200);
    let mut rgba = vec![0u8; w * h * 4];
    rng.fill_bytes(&mut rgba);
    for (i, px) in rgba.chunks_mut(4).enumerate() {
        if i % 3 == 0 {
            px[3] = 255;
        }
    }
    let path = Path::new("colours.png");
    let want: GreyPicture = picture::decode(&png(&rgba, w, h), path).unwrap();
    let mut got = vec![0u8; w * h];
    digitnet_web::rgba::to_grey(&rgba, &mut got);
    let apart: Vec<u8> = got
        .iter()
        .zip(&want.pixels)
        .map(|(a, b)| a.abs_diff(*b))
        .collect();
    assert!(apart.iter().all(|&d| d <= 1));
    let same = apart.iter().filter(|&&d| d == 0).count();
    assert!(same * 100 >= 99 * w * h, "{same} of {} the same", w * h);
    // Opaque colours (decoded without compositing) likewise.
    let image = RgbaImage::from_fn(w as u32, h as u32, |x, y| {
        image::Rgba([(x * 3) as u8, (y * 5) as u8, (x * y) as u8, 255])
    });
    let want = picture::decode(&png(image.as_raw(), w, h), path).unwrap();
    digitnet_web::rgba::to_grey(image.as_raw(), &mut got);
    assert!(got
        .iter()
        .zip(&want.pixels)
        .all(|(a, b)| a.abs_diff(*b) <= 1));
}

#[test]
fn statuses() {
    let _module = lock();
    let net = random_net(20, Activation::Sigmoid, Cost::CrossEntropy, 3);
    assert_eq!(load(&net), 0);
    assert_eq!(exports::load_model(31, 0, 0), exports::BAD_WIDTH);
    assert_eq!(exports::load_model(usize::MAX, 0, 0), exports::BAD_WIDTH);
    assert_eq!(exports::load_model(20, 2, 0), exports::BAD_ACTIVATION);
    assert_eq!(exports::load_model(20, 0, 3), exports::BAD_COST);
    // A NaN among the parameters: refused, and the model before stays.
    let mut values = digitnet::export::web::parameters(&net);
    values[123] = f32::NAN;
    // SAFETY: within the buffer; the lock is held.
    unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), exports::params(), values.len()) };
    assert_eq!(exports::load_model(20, 0, 1), exports::NOT_FINITE);
    let image = mnist_test().images[0];
    set_input(&image);
    assert_eq!(
        exports::classify_input(),
        net.predict(&image).map_or(exports::NO_ANSWER, |d| d as i32)
    );
    assert_eq!(bits(outputs()), bits(net.feedforward(&image)));

    // A blank page, no pixels, too many pixels: statuses, zero outputs, a blank input.
    set_picture(&vec![255u8; 4 * 100 * 100]);
    assert_eq!(exports::classify_picture(100, 100), exports::NO_INK);
    assert_eq!(outputs(), [0.0; 10]);
    assert_eq!(input(), [0; PIXELS]);
    assert_eq!(exports::classify_picture(0, 100), exports::BAD_SIZE);
    assert_eq!(exports::classify_picture(513, 512), exports::BAD_SIZE);
    assert_eq!(
        exports::classify_picture(usize::MAX, usize::MAX),
        exports::BAD_SIZE
    );
    assert_eq!(input(), [0; PIXELS]);
    // A picture near the largest (504 × 504 of 512 × 512) is read as the desktop reads it.
    let (rgba, side) = drawn(&image, 18);
    assert!(side * side <= MAX_PICTURE);
    set_picture(&rgba);
    let digit = exports::classify_picture(side, side);
    let path = Path::new("large.png");
    let grey = picture::decode(&png(&rgba, side, side), path).unwrap();
    let want = picture::prepare_grey(&grey, path).unwrap();
    assert_eq!(
        digit,
        net.predict(&want.pixels)
            .map_or(exports::NO_ANSWER, |d| d as i32)
    );
    assert_eq!(bits(outputs()), bits(net.feedforward(&want.pixels)));
    assert_eq!(exports::picture_capacity(), 512 * 512);
}
