//! What a run reports: each epoch's accuracy and time, and a one-line description of the run.

use super::*;

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
    pub(crate) fn validation_accuracy(&self) -> Option<f64> {
        self.validation.map(|(c, t)| fraction(c, t))
    }

    /// One JSON object on one line, for the `--metrics` file.
    pub(crate) fn to_json(&self) -> String {
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

/// The first line of `train`'s output: the network, then the settings.
///
/// Chapter 1's run reads as it always has: `[784, 30, 10] sigmoid network,
/// quadratic cost, 30 epochs, mini-batch 10, eta 3, seed 20151130`.
pub(crate) fn describe_run(config: &TrainConfig, preset: Preset) -> String {
    let mut out = net::describe(config.hidden, config.activation, config.cost);
    if config.init != Init::default() {
        out.push_str(&format!(", {} init", config.init.name()));
    }
    out.push_str(&format!(
        ", {}, mini-batch {}, eta {}",
        crate::say::count(config.epochs, "epoch"),
        config.batch_size,
        config.eta
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
