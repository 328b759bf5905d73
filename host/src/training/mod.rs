//! Nielsen's training loop: seeded shuffles, mini-batch SGD, evaluation per epoch.

pub mod divergence;
pub mod preset;

use crate::data::augment;
use crate::data::idx::Dataset;
use crate::engine::cpu::{Simd, Unsupported};
use crate::engine::fast::{self, EpochPlan, Source, Trainer};
use crate::engine::sparse::SparseSet;
use crate::model::net::{self as net, AnyNet, DigitNet, IntoAny, CLASSES, WIDTHS};
use crate::model::Schedule;
use digitnet_core::input::Target;
use digitnet_core::{Activation, Cost, Init, Step};
use divergence::{Divergence, TestSetShape, Watch};
use preset::Preset;
use rand_core::Rng;
use std::time::Instant;

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
fn widths() -> String {
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

/// What one epoch achieved.
#[derive(Clone, Debug, PartialEq)]
pub struct EpochReport {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Test images classified correctly after the epoch.
    pub correct: usize,
    /// Test images evaluated.
    pub total: usize,
    /// Validation images classified correctly and evaluated, when a validation set is given.
    pub validation: Option<(usize, usize)>,
    /// Seconds spent in SGD (not in evaluation).
    pub train_seconds: f64,
    /// Threads the epoch's SGD ran on.
    pub threads: usize,
    /// Why the run stops after this epoch, if it does ([`crate::training::divergence`]).
    pub stopped: Option<Divergence>,
    /// Each thread's seconds in each part of the epoch's rounds, when
    /// [`TrainConfig::phases`] asks for them (else empty).
    pub phases: Vec<fast::PhaseTimes>,
}

/// `correct / total`, or 0 when nothing was evaluated.
pub fn fraction(correct: usize, total: usize) -> f64 {
    if total == 0 {
        0.0
    } else {
        correct as f64 / total as f64
    }
}

impl EpochReport {
    /// `correct / total` on the test set.
    pub fn accuracy(&self) -> f64 {
        fraction(self.correct, self.total)
    }

    /// `correct / total` on the validation set, if evaluated.
    pub fn validation_accuracy(&self) -> Option<f64> {
        self.validation.map(|(c, t)| fraction(c, t))
    }

    /// One JSON object on one line, for the `--metrics` file.
    pub fn to_json(&self) -> String {
        let mut v = serde_json::json!({
            "epoch": self.epoch,
            "correct": self.correct,
            "total": self.total,
            "accuracy": self.accuracy(),
            "train_seconds": self.train_seconds,
            "threads": self.threads,
        });
        if let (Some((correct, total)), Some(obj)) = (self.validation, v.as_object_mut()) {
            obj.insert("validation_correct".into(), correct.into());
            obj.insert("validation_total".into(), total.into());
            obj.insert(
                "validation_accuracy".into(),
                fraction(correct, total).into(),
            );
        }
        if let (Some(reason), Some(obj)) = (self.stopped, v.as_object_mut()) {
            obj.insert("stopped".into(), reason.name().into());
        }
        v.to_string()
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
    /// The run can no longer learn ([`crate::training::divergence`]): a parameter or
    /// an output not finite, or every neuron saturated.
    #[error("training stopped in epoch {epoch}: {reason}; try a smaller --eta (this run's was {})", short(*eta))]
    Diverged {
        /// Epoch number, from 1.
        epoch: usize,
        /// What was found.
        reason: Divergence,
        /// The learning rate of that epoch.
        eta: f32,
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

/// `v` as `Display` writes it, or in exponent form (`1e30`) when that is shorter.
fn short(v: f32) -> String {
    let plain = v.to_string();
    let exp = format!("{v:e}");
    if exp.len() < plain.len() {
        exp
    } else {
        plain
    }
}

/// Number of images in `data` that `net` classifies correctly.
pub fn evaluate<const H: usize>(net: &DigitNet<H>, data: &Dataset) -> usize {
    data.images
        .iter()
        .zip(&data.labels)
        .filter(|(x, y)| net.predict(*x) == Some(usize::from(**y)))
        .count()
}

/// An error from an epoch callback.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a run calls after every epoch; its error stops training.
pub type OnEpoch<'a> = &'a mut dyn FnMut(&EpochReport) -> Result<(), BoxError>;

/// What a run calls after every mini-batch with the number of examples in it
/// (for a progress bar).
pub type OnBatch<'a> = &'a (dyn Fn(usize) + Sync);

/// The labelled sets a run reads.
#[derive(Clone, Copy, Debug)]
pub struct Splits<'a> {
    /// Training images; the first `train_images` are used.
    pub train: &'a Dataset,
    /// Test images, evaluated after every epoch.
    pub test: &'a Dataset,
    /// Validation images, also evaluated after every epoch when given.
    pub validation: Option<&'a Dataset>,
}

/// Trains `net` in place with mini-batch SGD, as `network.py`'s `SGD` does
/// (and `network2.py`'s, with `lambda`).
///
/// Each epoch shuffles the order of the first `train_images` images with
/// `rng`, splits it into mini-batches of `batch_size` (the last one may be
/// shorter), takes one SGD step per mini-batch with the epoch's scheduled
/// `eta`, then evaluates on the test set (and the validation set, if given).
/// With `shift > 0` each example is first translated by an offset drawn from
/// `rng` ([`augment::draw_offset`]), example by example in batch order, after
/// the epoch's shuffle. `on_epoch` sees every report as it happens; its error
/// stops training.
///
/// The work runs on the fast path ([`crate::engine::fast`]): pixel-major hidden
/// weights, non-zero pixels only, `config.threads` threads and the
/// instruction set `config.simd`, with results bit-identical to one
/// `Network::update_mini_batch` per mini-batch and `Network::predict` per
/// test image, whatever the threads and instruction set.
pub fn sgd<const H: usize, R: Rng>(
    net: &mut DigitNet<H>,
    rng: &mut R,
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
) -> Result<Vec<EpochReport>, TrainError> {
    sgd_observed(net, rng, data, config, on_epoch, &|_| {})
}

/// [`sgd`], calling `on_batch` with the number of examples after every
/// group of mini-batches (about a sixteenth of an epoch; every mini-batch in
/// a short run), for a progress bar. The results are the same bits.
pub fn sgd_observed<const H: usize, R: Rng>(
    net: &mut DigitNet<H>,
    rng: &mut R,
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: OnBatch<'_>,
) -> Result<Vec<EpochReport>, TrainError> {
    // The fast path keeps each pixel's row of hidden weights padded to whole
    // 16-float vectors; the widths the command line offers get their padded
    // size here (any other width runs unpadded, with the same results).
    let any: &mut dyn std::any::Any = net;
    macro_rules! padded {
        ($($h:literal => $w:literal),*) => {
            $(if let Some(net) = any.downcast_mut::<DigitNet<$h>>() {
                return sgd_padded::<$h, $w, R>(net, rng, data, config, on_epoch, Some(on_batch));
            })*
        };
    }
    padded!(10 => 16, 16 => 16, 20 => 32, 30 => 32, 50 => 64, 64 => 64, 100 => 112, 128 => 128);
    match any.downcast_mut::<DigitNet<H>>() {
        Some(net) => sgd_padded::<H, H, R>(net, rng, data, config, on_epoch, Some(on_batch)),
        None => Ok(Vec::new()),
    }
}

/// How often a multi-threaded run times the thread count it is not using.
const PROBE_EVERY: usize = 8;

/// Groups of mini-batches per epoch between calls of an `on_batch` observer.
const OBSERVED_GROUPS: usize = 16;

/// [`sgd`] with the hidden weights' rows `W ≥ H` floats wide.
fn sgd_padded<const H: usize, const W: usize, R: Rng>(
    net: &mut DigitNet<H>,
    rng: &mut R,
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: Option<OnBatch<'_>>,
) -> Result<Vec<EpochReport>, TrainError> {
    config.validate()?;
    let train = data.train;
    if config.train_images > train.len() {
        return Err(ConfigError::TrainImages {
            requested: config.train_images,
            available: train.len(),
        }
        .into());
    }
    // The plain loop stops at the first bad label, in epoch 1 (which visits
    // every image); the fast path checks them all first.
    for label in train.labels.iter().take(config.train_images) {
        Target::<CLASSES>::target(label).map_err(|source| TrainError::Step { epoch: 1, source })?;
    }
    let threads = config.thread_count();
    let simd = config.simd.resolve().map_err(ConfigError::from)?;
    let images = train.images.get(..config.train_images).unwrap_or(&[]);
    let cached = (config.shift == 0).then(|| SparseSet::new(images));
    let test = SparseSet::new(&data.test.images);
    let validation = data.validation.map(|v| (SparseSet::new(&v.images), v));
    let mut trainer = Trainer::<H, W>::new(net, threads, simd);
    trainer.time_phases(config.phases);
    // Threads wait for each other twice per mini-batch. When other programs
    // hold the cores, a thread often waits for one that is not running, and
    // several threads can be slower than one. Every thread count gives the
    // same bits, so with `threads: 0` the run times both: epoch 1 on all
    // threads, epoch 2 on one, then the faster of the two, trying the other
    // again every `PROBE_EVERY` epochs. A count given explicitly is kept.
    let mut last_seconds = [f64::INFINITY; 2]; // [all threads, one thread]
    let mut order: Vec<usize> = (0..config.train_images).collect();
    let mut offsets: Vec<(i32, i32)> = Vec::new();
    let mut reports = Vec::with_capacity(config.epochs.min(1 << 16));
    let steps_per_epoch = config.train_images.div_ceil(config.batch_size.max(1));
    let mut watch = Watch::new(TestSetShape::of(data.test), steps_per_epoch);
    for epoch in 1..=config.epochs {
        let start = Instant::now();
        let step = config.step(epoch);
        step.validate()
            .map_err(|source| TrainError::Step { epoch, source })?;
        digitnet_core::random::shuffle(rng, &mut order);
        let source = match &cached {
            Some(set) => Source::Cached(set),
            None => {
                // One offset per example, in batch order, after the shuffle.
                offsets.clear();
                offsets.extend(
                    order
                        .iter()
                        .map(|_| augment::draw_offset(rng, config.shift)),
                );
                Source::Shifted {
                    images,
                    offsets: &offsets,
                }
            }
        };
        // One call for the whole epoch; with an observer, groups of whole
        // mini-batches, a call each: the same batches in the same order, so
        // the same bits.
        let group = match on_batch {
            None => order.len().max(1),
            Some(_) => {
                let batches = order.len().div_ceil(config.batch_size);
                config.batch_size * batches.div_ceil(OBSERVED_GROUPS).max(1)
            }
        };
        for (g, part) in order.chunks(group).enumerate() {
            let source = match source {
                Source::Cached(set) => Source::Cached(set),
                Source::Shifted { images, offsets } => Source::Shifted {
                    images,
                    offsets: offsets.get(g * group..).unwrap_or(&[]),
                },
            };
            trainer.epoch(EpochPlan {
                order: part,
                batch_size: config.batch_size,
                source,
                labels: &train.labels,
                decay: step.decay(),
                eta: step.eta,
            });
            if let Some(on_batch) = on_batch {
                on_batch(part.len());
            }
        }
        trainer.write_to(net);
        let train_seconds = start.elapsed().as_secs_f64();
        let used = trainer.threads();
        let phases = trainer.take_phases();
        if config.threads == 0 && threads > 1 {
            last_seconds[usize::from(used == 1)] = train_seconds;
            let faster = if last_seconds[0] <= last_seconds[1] {
                threads
            } else {
                1
            };
            let slower = if faster == 1 { threads } else { 1 };
            let next = if epoch == 1 || epoch.is_multiple_of(PROBE_EVERY) {
                slower
            } else {
                faster
            };
            let next = if epoch == 1 { 1 } else { next };
            if next != used {
                trainer = Trainer::new(net, next, simd);
                trainer.time_phases(config.phases);
            }
        }
        let hidden = trainer.hidden();
        let head = digitnet_core::head::Head::<H, W, CLASSES>::of(&*net);
        let tally = |set: &SparseSet, labels: &[u8]| {
            fast::tally(&hidden, &head, set, labels, threads, simd)
        };
        let on_test = tally(&test, &data.test.labels);
        let on_validation = validation
            .as_ref()
            .map(|(set, v)| (tally(set, &v.labels), v.len()));
        let stopped = watch
            .check(
                net.is_finite(),
                &on_test,
                on_validation.as_ref().map(|(t, _)| t),
            )
            .err();
        let report = EpochReport {
            epoch,
            correct: on_test.correct,
            total: data.test.len(),
            validation: on_validation.map(|(t, n)| (t.correct, n)),
            train_seconds,
            threads: used,
            stopped,
            phases,
        };
        // The metrics and the plot show the epoch that stopped the run too.
        on_epoch(&report).map_err(|source| TrainError::Callback { epoch, source })?;
        if let Some(reason) = stopped {
            return Err(TrainError::Diverged {
                epoch,
                reason,
                eta: step.eta,
            });
        }
        reports.push(report);
    }
    Ok(reports)
}

/// The whole seeded run: a network initialised from `config.seed` by
/// `config.init`, then trained by [`sgd`] with the same generator driving the shuffles.
pub fn run<const H: usize>(
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
) -> Result<(Box<DigitNet<H>>, Vec<EpochReport>), TrainError> {
    run_observed(data, config, on_epoch, &|_| {})
}

/// [`run`], calling `on_batch` after every mini-batch.
pub fn run_observed<const H: usize>(
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: OnBatch<'_>,
) -> Result<(Box<DigitNet<H>>, Vec<EpochReport>), TrainError> {
    let mut rng = digitnet_core::random::seeded(config.seed);
    let mut net: Box<DigitNet<H>> = Box::default();
    net.activation = config.activation;
    net.cost = config.cost;
    net.init_with(config.init, &mut rng);
    let reports = sgd_observed(&mut net, &mut rng, data, config, on_epoch, on_batch)?;
    Ok((net, reports))
}

/// [`run`] for the width `config.hidden`, chosen at run time.
pub fn run_any(
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
) -> Result<(AnyNet, Vec<EpochReport>), TrainError> {
    run_any_observed(data, config, on_epoch, &|_| {})
}

/// [`run_any`], calling `on_batch` after every mini-batch.
pub fn run_any_observed(
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: OnBatch<'_>,
) -> Result<(AnyNet, Vec<EpochReport>), TrainError> {
    config.validate()?;
    crate::for_width!(config.hidden, run_as_any(data, config, on_epoch, on_batch))
        .unwrap_or(Err(ConfigError::UnsupportedWidth(config.hidden).into()))
}

/// [`run_observed`], with the network wrapped as an [`AnyNet`].
fn run_as_any<const H: usize>(
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: OnBatch<'_>,
) -> Result<(AnyNet, Vec<EpochReport>), TrainError>
where
    Box<DigitNet<H>>: IntoAny,
{
    run_observed::<H>(data, config, on_epoch, on_batch)
        .map(|(net, reports)| (net.into_any(), reports))
}

/// The first line of `train`'s output: the network, then the settings.
///
/// Chapter 1's run reads as it always has: `[784, 30, 10] sigmoid network,
/// quadratic cost, 30 epochs, mini-batch 10, eta 3, seed 20151130`.
pub fn describe_run(config: &TrainConfig, preset: Preset) -> String {
    let mut out = net::describe(config.hidden, config.activation, config.cost);
    if config.init != Init::default() {
        out.push_str(&format!(", {} init", config.init.name()));
    }
    out.push_str(&format!(
        ", {} epochs, mini-batch {}, eta {}",
        config.epochs, config.batch_size, config.eta
    ));
    if config.lambda != 0.0 {
        out.push_str(&format!(", lambda {}", config.lambda));
    }
    if config.schedule != Schedule::default() {
        out.push_str(&format!(", {} schedule", config.schedule.name()));
    }
    if config.shift != 0 {
        out.push_str(&format!(", shifts up to {} px", config.shift));
    }
    out.push_str(&format!(", seed {}", config.seed));
    if preset != Preset::Chapter1 {
        out.push_str(&format!(" (preset {})", preset.name()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::{Image, PIXELS};
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
        let more = [
            (
                TrainConfig {
                    lambda: -0.5,
                    ..ok.clone()
                },
                ConfigError::BadLambda(-0.5),
            ),
            (
                TrainConfig {
                    lambda: f32::INFINITY,
                    ..ok.clone()
                },
                ConfigError::BadLambda(f32::INFINITY),
            ),
            (
                TrainConfig {
                    hidden: 31,
                    ..ok.clone()
                },
                ConfigError::UnsupportedWidth(31),
            ),
            (
                TrainConfig {
                    batch_size: 50_001,
                    ..ok.clone()
                },
                ConfigError::BatchTooLarge {
                    batch_size: 50_001,
                    train_images: 50_000,
                },
            ),
        ];
        for (config, want) in more {
            assert_eq!(config.validate(), Err(want));
        }
        for (config, want) in [
            (
                TrainConfig {
                    epochs: usize::MAX,
                    ..ok.clone()
                },
                ConfigError::TooManyEpochs(usize::MAX),
            ),
            (
                TrainConfig {
                    epochs: MAX_EPOCHS + 1,
                    ..ok.clone()
                },
                ConfigError::TooManyEpochs(MAX_EPOCHS + 1),
            ),
            (
                TrainConfig {
                    threads: MAX_THREADS + 1,
                    ..ok.clone()
                },
                ConfigError::TooManyThreads(MAX_THREADS + 1),
            ),
        ] {
            assert_eq!(config.validate(), Err(want));
        }
        for fine in [
            TrainConfig {
                epochs: MAX_EPOCHS,
                ..ok.clone()
            },
            TrainConfig {
                threads: MAX_THREADS,
                ..ok.clone()
            },
        ] {
            assert_eq!(fine.validate(), Ok(()));
        }
        let full_batch = TrainConfig {
            batch_size: 50_000,
            lambda: 5.0,
            hidden: 100,
            ..ok.clone()
        };
        assert_eq!(full_batch.validate(), Ok(()));
        assert!(ConfigError::UnsupportedWidth(31)
            .to_string()
            .contains("10, 16, 20, 30, 50, 64, 100, 128"));
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
            seed: 4,
            train_images: 200,
            hidden: 16,
            ..TrainConfig::default()
        };
        let splits = Splits {
            train: &train,
            test: &test,
            validation: Some(&test),
        };
        let run = || {
            let mut seen = 0;
            run::<16>(splits, &config, &mut |r| {
                seen += 1;
                assert_eq!(r.epoch, seen);
                Ok(())
            })
            .unwrap()
        };
        let (a, ra) = run();
        let (b, rb) = run();
        assert_eq!(a, b);
        assert_eq!(ra.len(), 30);
        assert_eq!(ra.last().unwrap().correct, 50, "{ra:?}");
        assert_eq!(ra.last().unwrap().validation, Some((50, 50)), "{ra:?}");
        assert_eq!(
            ra.iter().map(|r| r.correct).collect::<Vec<_>>(),
            rb.iter().map(|r| r.correct).collect::<Vec<_>>()
        );
    }

    #[test]
    fn cosine_schedule_by_hand() {
        let s = Schedule::Cosine;
        assert_eq!(s.eta(0.1, 1, 30), 0.1);
        // Halfway (epoch 16 of 30: t = 1/2): cos(π/2) ≈ 0, so eta/2.
        assert!((s.eta(0.1, 16, 30) - 0.05).abs() < 1e-8);
        // Epoch 11 of 20: also halfway; epoch 21 of 20 would be the end, 0.
        assert!((s.eta(2.0, 11, 20) - 1.0).abs() < 1e-7);
        let last = s.eta(0.1, 30, 30);
        assert!(last > 0.0 && last < 0.001, "{last}");
        let etas: Vec<f32> = (1..=30).map(|e| s.eta(0.1, e, 30)).collect();
        assert!(etas.windows(2).all(|w| w[1] < w[0]), "{etas:?}");
        assert_eq!(Schedule::Constant.eta(0.1, 30, 30), 0.1);
        for sched in Schedule::ALL {
            assert_eq!(Schedule::from_name(sched.name()), Some(sched));
        }
        // The step of each epoch uses the scheduled eta.
        let config = TrainConfig {
            schedule: Schedule::Cosine,
            epochs: 2,
            eta: 1.0,
            ..TrainConfig::default()
        };
        assert_eq!(config.step(1).eta, 1.0);
        assert_eq!(config.step(2).eta, 0.5);
    }

    #[test]
    fn shifted_training_is_seeded_and_differs() {
        let train = synthetic(100);
        let splits = Splits {
            train: &train,
            test: &train,
            validation: None,
        };
        let config = |shift| TrainConfig {
            epochs: 2,
            train_images: 100,
            hidden: 10,
            shift,
            ..TrainConfig::default()
        };
        let run = |c: &TrainConfig| run::<10>(splits, c, &mut |_| Ok(())).unwrap().0;
        let (a, b, plain) = (run(&config(2)), run(&config(2)), run(&config(0)));
        assert_eq!(a, b);
        assert_ne!(a, plain);
        // Shifted by the offsets drawn after each shuffle, in batch order: the
        // same result as training on the translated images themselves.
        let mut rng = seeded(config(2).seed);
        let mut net: Box<DigitNet<10>> = Box::default();
        net.init(&mut rng);
        let mut nabla = Box::default();
        let mut order: Vec<usize> = (0..100).collect();
        for epoch in 1..=2 {
            digitnet_core::random::shuffle(&mut rng, &mut order);
            for batch in order.chunks(10) {
                let moved: Vec<(Image, u8)> = batch
                    .iter()
                    .map(|&i| {
                        let (dx, dy) = augment::draw_offset(&mut rng, 2);
                        (
                            augment::translate(&train.images[i], dx, dy),
                            train.labels[i],
                        )
                    })
                    .collect();
                let step = config(2).step(epoch);
                net.update_mini_batch(moved.iter().map(|(x, y)| (x, *y)), step, &mut nabla)
                    .unwrap();
            }
        }
        assert_eq!(net, a);
        assert!(matches!(
            config(5).validate(),
            Err(ConfigError::BadShift(5))
        ));
    }

    #[test]
    fn on_batch_sees_every_example_of_every_epoch() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let data = synthetic(25);
        let config = TrainConfig {
            epochs: 3,
            train_images: 25,
            hidden: 10,
            ..TrainConfig::default()
        };
        let splits = Splits {
            train: &data,
            test: &data,
            validation: None,
        };
        let (examples, batches) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let mut at_epoch_end = Vec::new();
        let observed = run_any_observed(
            splits,
            &config,
            &mut |_| {
                at_epoch_end.push(examples.load(Ordering::Relaxed));
                Ok(())
            },
            &|n| {
                examples.fetch_add(n, Ordering::Relaxed);
                batches.fetch_add(1, Ordering::Relaxed);
            },
        )
        .unwrap();
        assert_eq!(at_epoch_end, [25, 50, 75]);
        assert_eq!(
            batches.load(Ordering::Relaxed),
            3 * 3,
            "batches of 10, 10, 5"
        );
        // Observing changes nothing.
        let plain = run_any(splits, &config, &mut |_| Ok(())).unwrap();
        assert_eq!(observed.0, plain.0);
    }

    #[test]
    fn too_many_train_images_is_an_error() {
        let data = synthetic(10);
        let config = TrainConfig {
            train_images: 11,
            ..TrainConfig::default()
        };
        let mut net: Box<DigitNet<2>> = Box::default();
        let splits = Splits {
            train: &data,
            test: &data,
            validation: None,
        };
        let err = sgd(&mut net, &mut seeded(1), splits, &config, &mut |_| Ok(()));
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
        let splits = Splits {
            train: &data,
            test: &data,
            validation: None,
        };
        let r = sgd(&mut net, &mut seeded(2), splits, &config, &mut |_| Ok(()));
        assert!(
            matches!(
                r,
                Err(TrainError::Diverged {
                    epoch: 1,
                    reason: Divergence::Weights,
                    ..
                })
            ),
            "{r:?}"
        );
    }

    #[test]
    fn report_json_has_the_fields() {
        let mut r = EpochReport {
            epoch: 3,
            correct: 9500,
            total: 10000,
            validation: None,
            train_seconds: 0.5,
            threads: 2,
            stopped: None,
            phases: Vec::new(),
        };
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["epoch"], 3);
        assert_eq!(v["correct"], 9500);
        assert_eq!(v["total"], 10000);
        assert_eq!(v["accuracy"], 0.95);
        assert_eq!(v["train_seconds"], 0.5);
        assert_eq!(v["threads"], 2);
        assert!(v.get("validation_correct").is_none(), "{v}");
        r.validation = Some((9600, 10000));
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["validation_correct"], 9600);
        assert_eq!(v["validation_total"], 10000);
        assert_eq!(v["validation_accuracy"], 0.96);
        assert!(v.get("stopped").is_none(), "{v}");
        r.stopped = Some(Divergence::Blind);
        let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
        assert_eq!(v["stopped"], "same outputs for every image");
    }
}
