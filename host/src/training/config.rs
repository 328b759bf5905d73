//! A run's settings, chapter 1's by default, checked before anything is read.

use super::*;

/// Training images the book trains on (the first 50,000; the last 10,000 are
/// its validation set).
pub const BOOK_TRAIN_IMAGES: usize = 50_000;

/// The most epochs a run may ask for: a million passes, days of training
/// even on a small set. Above it `--epochs` is refused before anything is
/// read, so a mistyped huge number fails at once instead of running forever
/// while its per-epoch reports grow.
pub const MAX_EPOCHS: usize = 1_000_000;

/// The most threads a run may ask for (the hidden weights are split into 8
/// lanes, so threads past 8 only share the per-example work).
pub const MAX_THREADS: usize = 64;

/// The hyper-parameters of a run; the defaults are chapter 1's.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// Passes over the training images.
    pub epochs: usize,
    /// Examples per mini-batch, `m`.
    pub batch_size: usize,
    /// Learning rate `eta`.
    pub eta: f32,
    /// L2 regularisation parameter `lambda` (0: none).
    pub lambda: f32,
    /// Seed of the one generator behind initialisation and shuffles.
    pub seed: u64,
    /// How many training images to use, from the start of the training set.
    pub train_images: usize,
    /// Hidden neurons `H`, one of [`WIDTHS`].
    pub hidden: usize,
    /// The hidden neurons' activation function.
    pub activation: Activation,
    /// The cost, which also fixes the output neurons.
    pub cost: Cost,
    /// How weights and biases start.
    pub init: Init,
    /// How the learning rate changes from epoch to epoch.
    pub schedule: Schedule,
    /// Largest random translation of a training image, in pixels (0: none).
    pub shift: u8,
    /// Threads to train and evaluate with; 0 (the default) for one per core,
    /// falling back to one thread in epochs where that is faster (a busy
    /// machine). The result is the same for every count.
    pub threads: usize,
    /// Instruction set of the training loops (the result is the same for each).
    pub simd: Simd,
    /// Whether to time the parts of every round, per thread, into each
    /// [`EpochReport::phases`] (`digitnet bench --phases`; the result is the same).
    pub phases: bool,
}

impl Default for TrainConfig {
    /// `[784, 30, 10]` sigmoid neurons, quadratic cost, N(0, 1) initialisation,
    /// 30 epochs, mini-batch 10, `eta = 3.0`, no regularisation, the first 50,000 images.
    fn default() -> Self {
        Self {
            epochs: 30,
            batch_size: 10,
            eta: 3.0,
            lambda: 0.0,
            seed: digitnet_core::network::DEFAULT_SEED,
            train_images: BOOK_TRAIN_IMAGES,
            hidden: 30,
            activation: Activation::Sigmoid,
            cost: Cost::Quadratic,
            init: Init::Normal,
            schedule: Schedule::Constant,
            shift: 0,
            threads: 0,
            simd: Simd::Auto,
            phases: false,
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
    /// More epochs than a run may ask for.
    #[error("--epochs must be at most {MAX_EPOCHS}, got {0}")]
    TooManyEpochs(usize),
    /// More threads than a run may ask for.
    #[error("--threads must be at most {MAX_THREADS} (0: one per core), got {0}")]
    TooManyThreads(usize),
    /// A mini-batch of zero examples has no mean gradient.
    #[error("--batch-size must be at least 1, got 0")]
    EmptyBatch,
    /// A mini-batch larger than the training set.
    #[error("--batch-size must be at most the number of training images ({train_images}), got {batch_size}")]
    BatchTooLarge {
        /// The batch size asked for.
        batch_size: usize,
        /// The training-set size.
        train_images: usize,
    },
    /// `eta` NaN, infinite, zero or negative.
    #[error("--eta must be a finite number above 0, got {0}")]
    BadEta(f32),
    /// `lambda` NaN, infinite or negative.
    #[error("--lambda must be a finite number of at least 0, got {0}")]
    BadLambda(f32),
    /// A hidden width the binary has no network type for.
    #[error("--hidden {0} is not supported; choose one of {list}", list = widths())]
    UnsupportedWidth(usize),
    /// A translation too large to keep a digit in the field.
    #[error("--shift must be at most {max}, got {0}", max = crate::data::augment::MAX_SHIFT)]
    BadShift(u8),
    /// Zero training images: nothing would be trained.
    #[error("--train-images must be at least 1, got 0")]
    NoTrainImages,
    /// `--validation` with training images that reach into the validation set.
    #[error("--validation evaluates on training images 50000-59999, so --train-images must be at most 50000, got {train_images}")]
    ValidationOverlap {
        /// Requested training images.
        train_images: usize,
    },
    /// `--validation` with a training file too short to hold a validation set.
    #[error("--validation needs more than 50000 training images in the data, found {available}")]
    NoValidationImages {
        /// Images in the training file.
        available: usize,
    },
    /// An instruction set this processor lacks.
    #[error(transparent)]
    Simd(#[from] Unsupported),
    /// More training images than the training set holds.
    #[error("--train-images must be between 1 and {available}, got {requested}")]
    TrainImages {
        /// Requested count.
        requested: usize,
        /// Images in the training file.
        available: usize,
    },
}

/// The supported widths as `10, 16, …`.
pub(super) fn widths() -> String {
    WIDTHS.map(|w| w.to_string()).join(", ")
}

impl TrainConfig {
    /// Checks the settings that do not depend on the data.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.epochs == 0 {
            return Err(ConfigError::NoEpochs);
        }
        if self.epochs > MAX_EPOCHS {
            return Err(ConfigError::TooManyEpochs(self.epochs));
        }
        if self.threads > MAX_THREADS {
            return Err(ConfigError::TooManyThreads(self.threads));
        }
        if self.batch_size == 0 {
            return Err(ConfigError::EmptyBatch);
        }
        if !(self.eta.is_finite() && self.eta > 0.0) {
            return Err(ConfigError::BadEta(self.eta));
        }
        if !(self.lambda.is_finite() && self.lambda >= 0.0) {
            return Err(ConfigError::BadLambda(self.lambda));
        }
        if !WIDTHS.contains(&self.hidden) {
            return Err(ConfigError::UnsupportedWidth(self.hidden));
        }
        if self.shift > crate::data::augment::MAX_SHIFT {
            return Err(ConfigError::BadShift(self.shift));
        }
        if self.train_images == 0 {
            return Err(ConfigError::NoTrainImages);
        }
        if self.batch_size > self.train_images {
            return Err(ConfigError::BatchTooLarge {
                batch_size: self.batch_size,
                train_images: self.train_images,
            });
        }
        self.simd.resolve()?;
        Ok(())
    }

    /// The number of threads to use: `threads`, or one per core when it is 0.
    pub fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            n => n,
        }
    }

    /// The update rule's settings in epoch `epoch` (from 1): the scheduled
    /// `eta`, `lambda`, and `n` = the training-set size.
    pub fn step(&self, epoch: usize) -> Step {
        let eta = self.schedule.eta(self.eta, epoch, self.epochs);
        Step::regularised(eta, self.lambda, self.train_images)
    }
}
