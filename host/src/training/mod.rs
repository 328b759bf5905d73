//! Nielsen's training loop: seeded shuffles, mini-batch SGD, evaluation per epoch.

mod config;
mod report;
pub use config::*;
pub use report::*;

pub mod divergence;
pub mod preset;

use crate::data::augment;
use crate::data::idx::Dataset;
use crate::engine::cpu::{supported_names, Simd, Unsupported};
use crate::engine::fast::{self, EpochPlan, Source, Trainer};
use crate::engine::sparse::SparseSet;
use crate::model::net::{self as net, AnyNet, DigitNet, CLASSES, WIDTHS};
use crate::model::Schedule;
use digitnet_core::input::Target;
use digitnet_core::{Activation, Cost, Init, Step};
use divergence::{Divergence, TestSetShape, Watch};
use preset::Preset;
use rand_core::Rng;
use std::time::Instant;

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
    #[error("{}", self.describe(Setting::field))]
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

impl TrainError {
    /// What went wrong, with each setting named by `name` (see
    /// [`ConfigError::describe`]); the causes are [`source`](std::error::Error::source)'s.
    pub fn describe(&self, name: impl Fn(Setting) -> &'static str) -> String {
        match self {
            TrainError::Config(e) => e.describe(name),
            TrainError::Diverged { epoch, reason, eta } => format!(
                "training stopped in epoch {epoch}: {reason}; try a smaller {} (this run's was {})",
                name(Setting::Eta),
                short(*eta)
            ),
            other => other.to_string(),
        }
    }
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
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What a run calls after every epoch; its error stops training.
pub(crate) type OnEpoch<'a> = &'a mut dyn FnMut(&EpochReport) -> Result<(), BoxError>;

/// What a run calls after every mini-batch with the number of examples in it
/// (for a progress bar).
pub(crate) type OnBatch<'a> = &'a (dyn Fn(usize) + Sync);

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

/// Trains a new network as `config` says: the one way to train, used by
/// `digitnet train`, `digitnet bench` and the tests.
///
/// The network is initialised from `config.seed` by `config.init`, then
/// trained with mini-batch SGD, as `network.py`'s `SGD` does (and
/// `network2.py`'s, with `lambda`), the same generator driving the shuffles.
/// Each epoch shuffles the order of the first `train_images` images, splits
/// it into mini-batches of `batch_size` (the last one may be shorter), takes
/// one SGD step per mini-batch with the epoch's scheduled `eta`, then
/// evaluates on the test set (and the validation set, if given). With
/// `shift > 0` each example is first translated by an offset drawn from the
/// generator ([`augment::draw_offset`]), example by example in batch order,
/// after the epoch's shuffle. `on_epoch` sees every report as it happens; its
/// error stops training. `on_batch` gets the number of examples after every
/// group of mini-batches (about a sixteenth of an epoch; every mini-batch in
/// a short run), for a progress bar.
///
/// The work runs on the fast path ([`crate::engine::fast`]): pixel-major
/// hidden weights, non-zero pixels only, `config.threads` threads and the
/// instruction set `config.simd`. Its reference is the book's
/// `Network::update_mini_batch` (one per mini-batch) and `Network::predict`
/// per test image: the results are the same bits, whatever the threads and
/// instruction set (`tests/tests/fast_path.rs`).
pub fn run(
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: OnBatch<'_>,
) -> Result<(AnyNet, Vec<EpochReport>), TrainError> {
    config.validate()?;
    let mut net =
        AnyNet::zeroed(config.hidden).ok_or(ConfigError::UnsupportedWidth(config.hidden))?;
    net.set_neurons(config.activation, config.cost);
    let mut rng = digitnet_core::random::seeded(config.seed);
    // The fast path keeps each pixel's row of hidden weights padded to whole
    // 16-float vectors (`W`, from the core's list of widths).
    let reports = crate::with_net_padded!(&mut net, n, H, W => {
        n.init_with(config.init, &mut rng);
        sgd::<H, W, _>(n, &mut rng, data, config, on_epoch, on_batch)
    })?;
    Ok((net, reports))
}

/// How often a multi-threaded run times the thread count it is not using.
const PROBE_EVERY: usize = 8;

/// Groups of mini-batches per epoch between calls of an `on_batch` observer.
const OBSERVED_GROUPS: usize = 16;

/// The training loop of [`run`] on `net`, with the hidden weights' rows `W ≥ H` floats wide.
fn sgd<const H: usize, const W: usize, R: Rng>(
    net: &mut DigitNet<H>,
    rng: &mut R,
    data: Splits<'_>,
    config: &TrainConfig,
    on_epoch: OnEpoch<'_>,
    on_batch: OnBatch<'_>,
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
        // Groups of whole mini-batches, a call each, for the observer: the
        // same batches in the same order as one call per epoch, so the same bits.
        let batches = order.len().div_ceil(config.batch_size);
        let group = config.batch_size * batches.div_ceil(OBSERVED_GROUPS).max(1);
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
            on_batch(part.len());
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

#[cfg(test)]
mod tests;
