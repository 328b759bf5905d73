//! The int8 network scores within 0.3 percentage points of the `f32` network
//! it came from on the 10,000 test images — for the committed model and for
//! short training runs of the other kinds of network `train` makes — and the
//! device's `f32` order predicts what the training order predicts.

use digitnet::data::idx;
use digitnet::export;
use digitnet::model;
use digitnet::model::int8;
use digitnet::model::net::AnyNet;
use digitnet::reports::eval::Evaluation;
use digitnet::training::TrainConfig;
use digitnet_core::{Activation, Cost, Init};
use std::path::Path;
use std::sync::OnceLock;

mod support;

/// The largest accuracy difference allowed, in percentage points.
const TOLERANCE_POINTS: f64 = 0.3;

/// The bundled MNIST and the int8 calibration images, read once.
struct Mnist {
    sets: &'static support::Mnist,
    calibration: Vec<idx::Image>,
}

impl std::ops::Deref for Mnist {
    type Target = support::Mnist;
    fn deref(&self) -> &support::Mnist {
        self.sets
    }
}

fn mnist() -> &'static Mnist {
    static MNIST: OnceLock<Mnist> = OnceLock::new();
    MNIST.get_or_init(|| Mnist {
        sets: support::mnist(),
        calibration: int8::calibration_images(
            &digitnet::data::DataSource::Dir(support::data_dir()),
        )
        .unwrap()
        .0,
    })
}

/// Test accuracy in percent of the `f32` network, the device's `f32` order and
/// the int8 network; asserts the bounds.
fn check(net: &AnyNet, mnist: &Mnist, what: &str) {
    let total = mnist.test.len() as f64;
    let f32_correct = Evaluation::run_any(net, &mnist.test).correct();
    let device = export::device_predictions(net, &mnist.test);
    let device_correct = Evaluation::from_predictions(&mnist.test, &device).correct();
    let q = int8::predictions(net, &mnist.calibration, &mnist.test);
    let int8_correct = Evaluation::from_predictions(&mnist.test, &q).correct();
    let f32_pct = 100.0 * f32_correct as f64 / total;
    let int8_pct = 100.0 * int8_correct as f64 / total;
    eprintln!("{what}: f32 {f32_pct:.2}%, device order {device_correct}, int8 {int8_pct:.2}%");
    assert!(
        f32_pct > 80.0,
        "{what}: the f32 network did not learn ({f32_pct:.2}%)"
    );
    assert!(
        (int8_pct - f32_pct).abs() <= TOLERANCE_POINTS,
        "{what}: int8 {int8_pct:.2}% vs f32 {f32_pct:.2}%"
    );
    // The device's order differs from training's only in the last bits.
    assert!(
        device_correct.abs_diff(f32_correct) <= 2,
        "{what}: device order {device_correct} vs training order {f32_correct}"
    );
}

fn trained(config: &TrainConfig, mnist: &Mnist) -> AnyNet {
    support::train(config, mnist)
}

#[test]
fn committed_model_int8_within_0_3_points() {
    let mnist = mnist();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mnist-784-30-10.safetensors");
    let loaded = model::load_any(&path).unwrap();
    check(
        &loaded.net,
        mnist,
        "committed [784, 30, 10] sigmoid, quadratic",
    );
}

#[test]
fn cross_entropy_scaled_int8_within_0_3_points() {
    let mnist = mnist();
    let config = TrainConfig {
        cost: Cost::CrossEntropy,
        init: Init::Scaled,
        eta: 0.5,
        lambda: 5.0,
        epochs: 3,
        ..TrainConfig::default()
    };
    check(
        &trained(&config, mnist),
        mnist,
        "[784, 30, 10] sigmoid, cross-entropy, scaled, L2",
    );
}

#[test]
fn relu_softmax_100_hidden_int8_within_0_3_points() {
    let mnist = mnist();
    let config = TrainConfig {
        epochs: 2,
        ..support::relu_softmax(100)
    };
    check(
        &trained(&config, mnist),
        mnist,
        "[784, 100, 10] relu, softmax",
    );
}

#[test]
fn other_widths_and_neurons_int8_within_0_3_points() {
    let mnist = mnist();
    let configs = [
        (10, Activation::Sigmoid, Cost::Quadratic, Init::Normal, 3.0),
        (64, Activation::Relu, Cost::CrossEntropy, Init::Scaled, 0.1),
        (
            128,
            Activation::Sigmoid,
            Cost::LogLikelihood,
            Init::Uniform,
            0.5,
        ),
    ];
    for (hidden, activation, cost, init, eta) in configs {
        let config = TrainConfig {
            hidden,
            activation,
            cost,
            init,
            eta,
            epochs: 1,
            ..TrainConfig::default()
        };
        let what = format!("[784, {hidden}, 10] {activation:?}, {cost:?}, {init:?}");
        check(&trained(&config, mnist), mnist, &what);
    }
}
