//! A run's settings, chapter 1's by default, checked before anything is read.

use super::*;

/// Training images the book trains on (the first 50,000; the last 10,000 are
/// its validation set).
pub(crate) const BOOK_TRAIN_IMAGES: usize = 50_000;

/// The most epochs a run may ask for: a million passes, days of training
/// even on a small set. Above it `--epochs` is refused before anything is
/// read, so a mistyped huge number fails at once instead of running forever
/// while its per-epoch reports grow.
pub(crate) const MAX_EPOCHS: usize = 1_000_000;

/// The most threads a run may ask for (the hidden weights are split into 8
/// lanes, so threads past 8 only share the per-example work).
pub(crate) const MAX_THREADS: usize = 64;

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

/// A setting of [`TrainConfig`], for naming it in a message: by its field
/// name here, by its flag on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Setting {
    /// [`TrainConfig::epochs`].
    Epochs,
    /// [`TrainConfig::threads`].
    Threads,
    /// [`TrainConfig::batch_size`].
    BatchSize,
    /// [`TrainConfig::eta`].
    Eta,
    /// [`TrainConfig::lambda`].
    Lambda,
    /// [`TrainConfig::hidden`].
    Hidden,
    /// [`TrainConfig::shift`].
    Shift,
    /// [`TrainConfig::train_images`].
    TrainImages,
    /// Evaluating on the validation set ([`Splits::validation`](crate::training::Splits::validation)).
    Validation,
    /// [`TrainConfig::simd`].
    Simd,
}

impl Setting {
    /// The setting's field name, as [`TrainConfig`] spells it.
    pub const fn field(self) -> &'static str {
        match self {
            Setting::Epochs => "epochs",
            Setting::Threads => "threads",
            Setting::BatchSize => "batch_size",
            Setting::Eta => "eta",
            Setting::Lambda => "lambda",
            Setting::Hidden => "hidden",
            Setting::Shift => "shift",
            Setting::TrainImages => "train_images",
            Setting::Validation => "validation",
            Setting::Simd => "simd",
        }
    }
}

/// A hyper-parameter that cannot work.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Zero epochs: nothing would be trained.
    NoEpochs,
    /// More epochs than a run may ask for.
    TooManyEpochs(usize),
    /// More threads than a run may ask for.
    TooManyThreads(usize),
    /// A mini-batch of zero examples has no mean gradient.
    EmptyBatch,
    /// A mini-batch larger than the training set.
    BatchTooLarge {
        /// The batch size asked for.
        batch_size: usize,
        /// The training-set size.
        train_images: usize,
    },
    /// `eta` NaN, infinite, zero or negative.
    BadEta(f32),
    /// `lambda` NaN, infinite or negative.
    BadLambda(f32),
    /// A hidden width the binary has no network type for.
    UnsupportedWidth(usize),
    /// A translation too large to keep a digit in the field.
    BadShift(u8),
    /// Zero training images: nothing would be trained.
    NoTrainImages,
    /// Validation with training images that reach into the validation set.
    ValidationOverlap {
        /// Requested training images.
        train_images: usize,
    },
    /// Validation with a training file too short to hold a validation set.
    NoValidationImages {
        /// Images in the training file.
        available: usize,
    },
    /// An instruction set this processor lacks.
    Simd(Unsupported),
    /// More training images than the training set holds.
    TrainImages {
        /// Requested count.
        requested: usize,
        /// Images in the training file.
        available: usize,
    },
}

impl ConfigError {
    /// What is wrong, with each setting named by `name`: its field name in
    /// `Display`; the command line passes its flags.
    pub fn describe(&self, name: impl Fn(Setting) -> &'static str) -> String {
        use Setting as S;
        match self {
            ConfigError::NoEpochs => format!("{} must be at least 1, got 0", name(S::Epochs)),
            ConfigError::TooManyEpochs(n) => {
                format!("{} must be at most {MAX_EPOCHS}, got {n}", name(S::Epochs))
            }
            ConfigError::TooManyThreads(n) => format!(
                "{} must be at most {MAX_THREADS} (0: one per core), got {n}",
                name(S::Threads)
            ),
            ConfigError::EmptyBatch => format!("{} must be at least 1, got 0", name(S::BatchSize)),
            ConfigError::BatchTooLarge {
                batch_size,
                train_images,
            } => format!(
                "{} must be at most the number of training images ({train_images}), got {batch_size}",
                name(S::BatchSize)
            ),
            ConfigError::BadEta(v) => {
                format!("{} must be a finite number above 0, got {v}", name(S::Eta))
            }
            ConfigError::BadLambda(v) => format!(
                "{} must be a finite number of at least 0, got {v}",
                name(S::Lambda)
            ),
            ConfigError::UnsupportedWidth(h) => format!(
                "{} {h} is not supported; choose one of {}",
                name(S::Hidden),
                widths()
            ),
            ConfigError::BadShift(v) => format!(
                "{} must be at most {}, got {v}",
                name(S::Shift),
                crate::data::augment::MAX_SHIFT
            ),
            ConfigError::NoTrainImages => {
                format!("{} must be at least 1, got 0", name(S::TrainImages))
            }
            ConfigError::ValidationOverlap { train_images } => format!(
                "{} evaluates on training images 50000-59999, so {} must be at most 50000, got {train_images}",
                name(S::Validation),
                name(S::TrainImages)
            ),
            ConfigError::NoValidationImages { available } => format!(
                "{} needs more than 50000 training images in the data, found {available}",
                name(S::Validation)
            ),
            ConfigError::Simd(Unsupported(simd)) => format!(
                "{} {}: this processor does not support it (supported: {})",
                name(S::Simd),
                simd.name(),
                supported_names()
            ),
            ConfigError::TrainImages {
                requested,
                available,
            } => format!(
                "{} must be between 1 and {available}, got {requested}",
                name(S::TrainImages)
            ),
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe(Setting::field))
    }
}

impl std::error::Error for ConfigError {}

impl From<Unsupported> for ConfigError {
    fn from(e: Unsupported) -> Self {
        ConfigError::Simd(e)
    }
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
    pub(crate) fn thread_count(&self) -> usize {
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
