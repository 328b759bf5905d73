//! The progress bar `digitnet train` draws during each epoch, when standard
//! error is a terminal; elsewhere (logs, CI) nothing is drawn and the output
//! is the plain lines it always was.

use std::io::IsTerminal;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A per-epoch progress bar, or nothing when standard error is not a terminal.
#[derive(Debug)]
pub(crate) struct TrainProgress {
    bar: Option<ProgressBar>,
    epochs: usize,
}

impl TrainProgress {
    /// A bar over `examples` training examples per epoch, for `epochs` epochs;
    /// drawn only if standard error is a terminal.
    pub fn new(epochs: usize, examples: usize) -> Self {
        let bar = std::io::stderr()
            .is_terminal()
            .then(|| Self::bar(epochs, examples, ProgressDrawTarget::stderr()));
        Self { bar, epochs }
    }

    /// A bar drawing to `target` (tests draw to a hidden target).
    fn bar(epochs: usize, examples: usize, target: ProgressDrawTarget) -> ProgressBar {
        let style = ProgressStyle::with_template(
            "{msg} [{wide_bar}] {human_pos}/{human_len} examples, {rate} examples/s, {eta} left",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key(
            "rate",
            |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                // Whole examples per second, with thousands separators.
                let _ = write!(w, "{}", HumanCount(state.per_sec() as u64));
            },
        )
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(examples as u64), target).with_style(style);
        bar.set_message(format!("epoch 1/{epochs}"));
        bar
    }

    /// Counts `n` more examples trained in this epoch.
    pub(crate) fn advance(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
    }

    /// Prints `line` to standard output (with the bar out of the way), then
    /// starts the bar again for the epoch after `epoch`, if there is one.
    pub(crate) fn epoch_done(&self, epoch: usize, line: &str) {
        match &self.bar {
            Some(bar) => {
                bar.suspend(|| crate::say!("{line}"));
                if epoch < self.epochs {
                    bar.reset();
                    bar.set_message(format!("epoch {}/{}", epoch + 1, self.epochs));
                } else {
                    bar.finish_and_clear();
                }
            }
            None => crate::say!("{line}"),
        }
    }

    #[cfg(test)]
    /// The bar's position in the current epoch (0 without a bar).
    pub fn position(&self) -> u64 {
        self.bar.as_ref().map_or(0, ProgressBar::position)
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_examples_and_restarts_each_epoch() {
        let p = TrainProgress {
            bar: Some(TrainProgress::bar(3, 100, ProgressDrawTarget::hidden())),
            epochs: 3,
        };
        p.advance(10);
        p.advance(10);
        assert_eq!(p.position(), 20);
        p.epoch_done(1, "Epoch 1: 90 / 100");
        assert_eq!(p.position(), 0);
        assert_eq!(p.bar.as_ref().unwrap().message(), "epoch 2/3");
        p.finish();
        // Without a terminal there is no bar and nothing is counted.
        let plain = TrainProgress {
            bar: None,
            epochs: 3,
        };
        plain.advance(10);
        assert_eq!(plain.position(), 0);
    }
}
