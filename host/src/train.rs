//! Nielsen's training loop: seeded shuffles, mini-batch SGD, evaluation per epoch.

use crate::idx::{Dataset, PIXELS};
use digitnet_core::{Gradient, Network};
use rand_core::RngCore;
use std::time::Instant;

/// Number of classes (digits 0–9).
pub const CLASSES: usize = 10;

/// A network that reads MNIST images, with `H` hidden neurons.
pub type DigitNet<const H: usize> = Network<PIXELS, H, CLASSES>;

/// The hyper-parameters of a run; the defaults are the book's.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training images.
    pub epochs: usize,
    /// Examples per mini-batch, `m`.
    pub batch_size: usize,
    /// Learning rate `eta`.
    pub eta: f32,
    /// Seed of the one generator behind initialisation and shuffles.
    pub seed: u64,
    /// How many training images to use, from the start of the training set.
    pub train_images: usize,
}

impl Default for TrainConfig {
    /// `[784, 30, 10]`, 30 epochs, mini-batch 10, `eta = 3.0`, the first 50,000 images.
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            seed: digitnet_core::network::DEFAULT_SEED,
            train_images: 50_000,
        }
    }
}

/// A hyper-parameter that cannot work, named as on the command line.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// Zero epochs: nothing would be trained.
    #[error("--epochs must be at least 1, got 0")]
    NoEpochs,
    /// A mini-batch of zero examples has no mean gradient.
    #[error("--batch-size must be at least 1, got 0")]
    EmptyBatch,
    /// `eta` NaN, infinite, zero or negative.
    #[error("--eta must be a finite number above 0, got {0}")]
    BadEta(f32),
    /// Zero training images: nothing would be trained.
    #[error("--train-images must be at least 1, got 0")]
    NoTrainImages,
    /// More training images than the training set holds.
    #[error("--train-images must be between 1 and {available}, got {requested}")]
    TrainImages {
        /// Requested count.
        requested: usize,
        /// Images in the training file.
        available: usize,
    },
}

impl TrainConfig {
    /// Checks the settings that do not depend on the data.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.epochs == 0 {
            return Err(ConfigError::NoEpochs);
        }
        if self.batch_size == 0 {
            return Err(ConfigError::EmptyBatch);
        }
        if !(self.eta.is_finite() && self.eta > 0.0) {
            return Err(ConfigError::BadEta(self.eta));
        }
        if self.train_images == 0 {
            return Err(ConfigError::NoTrainImages);
        }
        Ok(())
    }
}

/// What one epoch achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Test images classified correctly after the epoch.
    pub correct: usize,
    /// Test images evaluated.
    pub total: usize,
    /// Seconds spent in SGD (not in evaluation).
    pub train_seconds: f64,
}

impl EpochReport {
    /// `correct / total`.
    pub fn accuracy(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.correct as f64 / self.total as f64
        }
    }

    /// One JSON object on one line, for the `--metrics` file.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "epoch": self.epoch,
            "correct": self.correct,
            "total": self.total,
            "accuracy": self.accuracy(),
            "train_seconds": self.train_seconds,
        })
        .to_string()
    }
}

/// Training failed part-way.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrainError {
    /// A setting is out of range.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The core refused a mini-batch (a label out of range).
    #[error("training step failed in epoch {epoch}")]
    Step {
        /// Epoch number, from 1.
        epoch: usize,
        /// What the core reported.
        #[source]
        source: digitnet_core::Error,
    },
    /// A weight or bias became NaN or infinite.
    #[error("training diverged in epoch {epoch}: a weight or bias is no longer finite (try a smaller --eta)")]
    Diverged {
        /// Epoch number, from 1.
        epoch: usize,
    },
    /// The epoch callback failed (e.g. writing metrics).
    #[error("after epoch {epoch}")]
    Callback {
        /// Epoch number, from 1.
        epoch: usize,
        /// What went wrong.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Number of images in `data` that `net` classifies correctly.
pub fn evaluate<const H: usize>(net: &DigitNet<H>, data: &Dataset) -> usize {
    data.images
        .iter()
        .zip(&data.labels)
        .filter(|(x, y)| net.predict(*x) == usize::from(**y))
        .count()
}

/// Trains `net` in place with mini-batch SGD, as `network.py`'s `SGD` does.
///
/// Each epoch shuffles the order of the first `train_images` images with
/// `rng`, splits it into mini-batches of `batch_size` (the last one may be
/// shorter), takes one SGD step per mini-batch, then evaluates on `test`.
/// `on_epoch` sees every report as it happens; its error stops training.
pub fn sgd<const H: usize, R, F, E>(
    net: &mut DigitNet<H>,
    rng: &mut R,
    train: &Dataset,
    test: &Dataset,
    config: &TrainConfig,
    mut on_epoch: F,
) -> Result<Vec<EpochReport>, TrainError>
where
    R: RngCore,
    F: FnMut(&EpochReport, &DigitNet<H>) -> Result<(), E>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    config.validate()?;
    if config.train_images > train.len() {
        return Err(ConfigError::TrainImages {
            requested: config.train_images,
            available: train.len(),
        }
        .into());
    }
    let mut order: Vec<usize> = (0..config.train_images).collect();
    let mut nabla: Box<Gradient<PIXELS, H, CLASSES>> = Box::default();
    let mut reports = Vec::with_capacity(config.epochs);
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        digitnet_core::random::shuffle(rng, &mut order);
        for batch in order.chunks(config.batch_size) {
            let examples = batch
                .iter()
                .filter_map(|&i| Some((train.images.get(i)?, *train.labels.get(i)?)));
            net.update_mini_batch(examples, config.eta, &mut nabla)
                .map_err(|source| TrainError::Step { epoch, source })?;
        }
        let train_seconds = start.elapsed().as_secs_f64();
        if !net.is_finite() {
            return Err(TrainError::Diverged { epoch });
        }
        let report = EpochReport {
            epoch,
            correct: evaluate(net, test),
            total: test.len(),
            train_seconds,
        };
        on_epoch(&report, net).map_err(|e| TrainError::Callback {
            epoch,
            source: e.into(),
        })?;
        reports.push(report);
    }
    Ok(reports)
}

/// The whole seeded run: a network initialised from `config.seed`, then
/// trained by [`sgd`] with the same generator driving the shuffles.
pub fn run<const H: usize, F, E>(
    train: &Dataset,
    test: &Dataset,
    config: &TrainConfig,
    on_epoch: F,
) -> Result<(Box<DigitNet<H>>, Vec<EpochReport>), TrainError>
where
    F: FnMut(&EpochReport, &DigitNet<H>) -> Result<(), E>,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut rng = digitnet_core::random::seeded(config.seed);
    let mut net: Box<DigitNet<H>> = Box::default();
    net.init(&mut rng);
    let reports = sgd(&mut net, &mut rng, train, test, config, on_epoch)?;
    Ok((net, reports))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idx::Image;
    use digitnet_core::random::seeded;

    /// Images whose only ink is a block at a position set by the label.
    fn synthetic(n: usize) -> Dataset {
        let mut images = Vec::new();
        let mut labels = Vec::new();
        for i in 0..n {
            let label = (i % CLASSES) as u8;
            let mut img: Image = [0; PIXELS];
            let start = usize::from(label) * 78;
            img[start..start + 40].fill(200 + (i % 50) as u8);
            images.push(img);
            labels.push(label);
        }
        Dataset { images, labels }
    }

    #[test]
    fn validate_rejects_each_bad_setting() {
        let ok = TrainConfig::default();
        assert_eq!(ok.validate(), Ok(()));
        let cases = [
            (
                TrainConfig {
                    train_images: 0,
                    ..ok.clone()
                },
                ConfigError::NoTrainImages,
            ),
            (
                TrainConfig {
                    epochs: 0,
                    ..ok.clone()
                },
                ConfigError::NoEpochs,
            ),
            (
                TrainConfig {
                    batch_size: 0,
                    ..ok.clone()
                },
                ConfigError::EmptyBatch,
            ),
            (
                TrainConfig {
                    eta: -1.0,
                    ..ok.clone()
                },
                ConfigError::BadEta(-1.0),
            ),
            (
                TrainConfig {
                    eta: 0.0,
                    ..ok.clone()
                },
                ConfigError::BadEta(0.0),
            ),
            (
                TrainConfig {
                    eta: f32::INFINITY,
                    ..ok.clone()
                },
                ConfigError::BadEta(f32::INFINITY),
            ),
        ];
        for (config, want) in cases {
            assert_eq!(config.validate(), Err(want));
        }
        let nan = TrainConfig {
            eta: f32::NAN,
            ..ok
        };
        assert!(matches!(nan.validate(), Err(ConfigError::BadEta(v)) if v.is_nan()));
        assert!(nan.validate().unwrap_err().to_string().contains("--eta"));
    }

    #[test]
    fn learns_synthetic_digits_and_is_reproducible() {
        let train = synthetic(200);
        let test = synthetic(50);
        let config = TrainConfig {
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            seed: 4,
            train_images: 200,
        };
        let run = || {
            let mut seen = 0;
            run::<16, _, _>(&train, &test, &config, |r, _| {
                seen += 1;
                assert_eq!(r.epoch, seen);
                Ok::<(), std::io::Error>(())
            })
            .unwrap()
        };
        let (a, ra) = run();
        let (b, rb) = run();
        assert_eq!(a, b);
        assert_eq!(ra.len(), 30);
        assert_eq!(ra.last().unwrap().correct, 50, "{ra:?}");
        assert_eq!(
            ra.iter().map(|r| r.correct).collect::<Vec<_>>(),
            rb.iter().map(|r| r.correct).collect::<Vec<_>>()
        );
    }

    #[test]
    fn too_many_train_images_is_an_error() {
        let data = synthetic(10);
        let config = TrainConfig {
            train_images: 11,
            ..TrainConfig::default()
        };
        let mut net: Box<DigitNet<2>> = Box::default();
        let err = sgd(&mut net, &mut seeded(1), &data, &data, &config, |_, _| {
            Ok::<(), std::io::Error>(())
        });
        assert!(matches!(
            err,
            Err(TrainError::Config(ConfigError::TrainImages {
                requested: 11,
                available: 10
            }))
        ));
    }

    #[test]
    fn non_finite_weights_stop_training() {
        // An infinite weight times a zero pixel is NaN, which spreads through
        // the next update: the run must stop with an error, not go on.
        let data = synthetic(20);
        let config = TrainConfig {
            epochs: 3,
            train_images: 20,
            ..TrainConfig::default()
        };
        let mut net: Box<DigitNet<4>> = Box::default();
        net.init(&mut seeded(2));
        net.hidden.weights[0][0] = f32::INFINITY;
        let r = sgd(&mut net, &mut seeded(2), &data, &data, &config, |_, _| {
            Ok::<(), std::io::Error>(())
        });
        assert!(matches!(r, Err(TrainError::Diverged { epoch: 1 })), "{r:?}");
    }

    #[test]
    fn report_json_has_the_fields() {
        let r = EpochReport {
            epoch: 3,
            correct: 9500,
            total: 10000,
            train_seconds: 0.5,
        };
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["epoch"], 3);
        assert_eq!(v["correct"], 9500);
        assert_eq!(v["total"], 10000);
        assert_eq!(v["accuracy"], 0.95);
        assert_eq!(v["train_seconds"], 0.5);
    }
}
