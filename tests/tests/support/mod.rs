//! What the integration tests that train a network share: the bundled MNIST,
//! read once per test binary, training on it, and the settings of chapter 3's
//! ReLU / softmax network.
// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use digitnet::data::idx::{self, Dataset, MnistFiles};
use digitnet::model::net::AnyNet;
use digitnet::training::{self, Splits, TrainConfig};
use digitnet_core::{Activation, Cost, Init};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The bundled MNIST training and test sets.
pub struct Mnist {
    pub train: Dataset,
    pub test: Dataset,
}

/// The folder of the bundled MNIST files.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist")
}

/// The bundled MNIST, read on first use.
pub fn mnist() -> &'static Mnist {
    static MNIST: OnceLock<Mnist> = OnceLock::new();
    MNIST.get_or_init(|| {
        let files = MnistFiles::in_dir(&data_dir()).unwrap();
        Mnist {
            train: idx::read_dataset(&files.train_images, &files.train_labels).unwrap(),
            test: idx::read_dataset(&files.test_images, &files.test_labels).unwrap(),
        }
    })
}

/// The network `config` trains on `mnist` (no validation set).
pub fn train(config: &TrainConfig, mnist: &Mnist) -> AnyNet {
    let splits = Splits {
        train: &mnist.train,
        test: &mnist.test,
        validation: None,
    };
    training::run(splits, config, &mut |_| Ok(()), &|_| {})
        .unwrap()
        .0
}

/// Chapter 3's other network: `hidden` ReLU neurons, a softmax output, the
/// log-likelihood cost, scaled initial weights, η = 0.1.
pub fn relu_softmax(hidden: usize) -> TrainConfig {
    TrainConfig {
        hidden,
        activation: Activation::Relu,
        cost: Cost::LogLikelihood,
        init: Init::Scaled,
        eta: 0.1,
        ..TrainConfig::default()
    }
}
