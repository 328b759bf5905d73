//! Telling a run that can still learn from one that cannot, once per epoch.
//!
//! Too large a learning rate does one of two things. Either a weight or an
//! activation overflows to infinity or NaN, or every neuron is pushed so far
//! into saturation (`σ(z)` exactly 0 or 1 in `f32`, a ReLU below 0 for every
//! input) that its derivative is exactly 0: no gradient reaches the weights
//! any more and the network answers the same digit whatever it is shown.
//! Either way the run cannot recover; `Watch` stops it, from what the
//! evaluation after each epoch has already computed (a `Tally` of the test
//! set), so checking costs nothing beyond one pass over the parameters.
//!
//! The three tests, in order:
//!
//! 1. **Not finite**: a weight or bias, or an output activation on a test or
//!    validation image, is NaN or infinite.
//! 2. **Blind**: every test image gets bit for bit the same ten outputs (the
//!    test set holding at least two different images): the network ignores
//!    its input. Sane networks never do this: two different images give
//!    different sums, unless every neuron between them is saturated.
//! 3. **Stalled**: for `STALLED_EPOCHS` epochs in a row the network
//!    answers at most `FEW_ANSWERS` different digits over a test set of at
//!    least `MIN_TEST_IMAGES` images that holds every digit, after at least
//!    `STALLED_MIN_STEPS` SGD steps: at chance level, with the neurons
//!    saturated towards one or two answers (as `η = 100` with the quadratic
//!    cost does, stuck at 10.21%). A young run — a few full-batch steps, say —
//!    may answer two digits for a while and still learn, so the rule waits
//!    until the run has had as many steps as two epochs of the book's
//!    mini-batches.
//!
//! Every configuration in the README's tables answers at least eight
//! different digits from the first epoch on, so neither rule 2 nor rule 3
//! comes near them.

use crate::data::idx::Dataset;
use crate::engine::fast::Tally;
use crate::model::net::CLASSES;
use std::fmt;

/// Epochs in a row with at most [`FEW_ANSWERS`] different answers that stop a run.
pub(crate) const STALLED_EPOCHS: usize = 3;

/// At most this many different digits answered counts as stalled.
pub(crate) const FEW_ANSWERS: usize = 2;

/// SGD steps a run must have taken before the stalled rule applies: two
/// epochs of the book's 50,000 images in mini-batches of 10.
pub(crate) const STALLED_MIN_STEPS: usize = 10_000;

/// The smallest test set on which the stalled rule is applied.
pub(crate) const MIN_TEST_IMAGES: usize = 100;

/// Why a run was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Divergence {
    /// A weight or bias became NaN or infinite.
    Weights,
    /// An output activation became NaN or infinite on this many images.
    Outputs(usize),
    /// Every test image gets the same outputs.
    Blind,
    /// At most `FEW_ANSWERS` different answers for `STALLED_EPOCHS` epochs.
    Stalled {
        /// Different digits answered in the last epoch.
        answers: usize,
    },
}

impl Divergence {
    /// A short name, for the metrics file.
    pub fn name(self) -> &'static str {
        match self {
            Divergence::Weights => "weights not finite",
            Divergence::Outputs(_) => "outputs not finite",
            Divergence::Blind => "same outputs for every image",
            Divergence::Stalled { .. } => "stalled at chance level",
        }
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Divergence::Weights => write!(f, "a weight or bias is no longer finite (NaN or infinite)"),
            Divergence::Outputs(n) => write!(
                f,
                "the outputs of {n} test or validation images are no longer finite (NaN or infinite)"
            ),
            Divergence::Blind => write!(
                f,
                "the network gives the same outputs for every test image: its neurons are saturated and it can no longer learn"
            ),
            Divergence::Stalled { answers } => write!(
                f,
                "for {STALLED_EPOCHS} epochs in a row the network has answered only {answers} different digit{} over the whole test set (chance level): its neurons are saturated",
                if *answers == 1 { "" } else { "s" }
            ),
        }
    }
}

/// What [`Watch`] needs to know about the test set, found once per run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TestSetShape {
    /// Whether it holds at least two different images (rule 2 applies).
    pub varied: bool,
    /// Whether it holds at least [`MIN_TEST_IMAGES`] images and every digit (rule 3 applies).
    pub broad: bool,
}

impl TestSetShape {
    /// The shape of `test`.
    pub fn of(test: &Dataset) -> Self {
        let varied = test
            .images
            .first()
            .is_some_and(|first| test.images.iter().any(|x| x != first));
        let mut seen = [false; CLASSES];
        for &label in &test.labels {
            if let Some(s) = seen.get_mut(usize::from(label)) {
                *s = true;
            }
        }
        let broad = test.len() >= MIN_TEST_IMAGES && seen.iter().all(|&s| s);
        Self { varied, broad }
    }
}

/// The divergence checks of one run, fed once per epoch.
#[derive(Clone, Debug)]
pub(crate) struct Watch {
    shape: TestSetShape,
    /// Epochs in a row so far with at most [`FEW_ANSWERS`] different answers.
    few_answers: usize,
    /// SGD steps (mini-batches) in one epoch.
    steps_per_epoch: usize,
    /// SGD steps taken so far, up to the epoch last checked.
    steps: usize,
}

impl Watch {
    /// A watch over a run evaluated on a test set of this shape, taking
    /// `steps_per_epoch` SGD steps (mini-batches) per epoch.
    pub fn new(shape: TestSetShape, steps_per_epoch: usize) -> Self {
        Self {
            shape,
            few_answers: 0,
            steps_per_epoch,
            steps: 0,
        }
    }

    /// Checks one epoch: whether the parameters are all finite, and the
    /// tallies of the test set and (if evaluated) the validation set.
    pub fn check(
        &mut self,
        parameters_finite: bool,
        test: &Tally,
        validation: Option<&Tally>,
    ) -> Result<(), Divergence> {
        self.steps = self.steps.saturating_add(self.steps_per_epoch);
        if !parameters_finite {
            return Err(Divergence::Weights);
        }
        let non_finite = test.non_finite + validation.map_or(0, |v| v.non_finite);
        if non_finite > 0 {
            return Err(Divergence::Outputs(non_finite));
        }
        if self.shape.varied && test.constant() {
            return Err(Divergence::Blind);
        }
        let answers = test.distinct_answers();
        if self.shape.broad && answers <= FEW_ANSWERS {
            self.few_answers += 1;
        } else {
            self.few_answers = 0;
        }
        if self.few_answers >= STALLED_EPOCHS && self.steps >= STALLED_MIN_STEPS {
            return Err(Divergence::Stalled { answers });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tally of `n` images answered from `outputs(i)`, labelled `i % 10`.
    fn tally(n: usize, outputs: impl Fn(usize) -> [f32; CLASSES]) -> Tally {
        let mut t = Tally::default();
        for i in 0..n {
            t.add(&outputs(i), Some(i % CLASSES));
        }
        t
    }

    fn one_hot(d: usize) -> [f32; CLASSES] {
        std::array::from_fn(|j| if j == d { 0.9 } else { 0.1 })
    }

    /// The book's steps per epoch: 50,000 images in mini-batches of 10.
    const STEPS: usize = 5_000;

    const BROAD: TestSetShape = TestSetShape {
        varied: true,
        broad: true,
    };

    #[test]
    fn learning_networks_pass() {
        let mut w = Watch::new(BROAD, STEPS);
        // Right on every image, or wrong but with eight different answers.
        let right = tally(200, |i| one_hot(i % CLASSES));
        let eight = tally(200, |i| one_hot(i % 8));
        for _ in 0..10 {
            assert_eq!(w.check(true, &right, Some(&right)), Ok(()));
            assert_eq!(w.check(true, &eight, None), Ok(()));
        }
    }

    #[test]
    fn non_finite_parameters_or_outputs_stop_at_once() {
        let right = tally(200, |i| one_hot(i % CLASSES));
        assert_eq!(
            Watch::new(BROAD, STEPS).check(false, &right, None),
            Err(Divergence::Weights)
        );
        let nan = tally(200, |i| {
            let mut o = one_hot(i % CLASSES);
            if i % 50 == 0 {
                o[3] = f32::NAN;
            }
            o
        });
        assert_eq!(nan.unanswered(), 4);
        assert_eq!(
            Watch::new(BROAD, STEPS).check(true, &nan, None),
            Err(Divergence::Outputs(4))
        );
        let inf = tally(200, |i| {
            let mut o = one_hot(i % CLASSES);
            o[0] = if i == 7 { f32::INFINITY } else { o[0] };
            o
        });
        assert_eq!(
            Watch::new(BROAD, STEPS).check(true, &right, Some(&inf)),
            Err(Divergence::Outputs(1))
        );
    }

    #[test]
    fn the_same_outputs_for_every_image_stop_at_once() {
        let blind = tally(3, |_| one_hot(0));
        assert!(blind.constant());
        assert_eq!(
            Watch::new(
                TestSetShape {
                    varied: true,
                    broad: false
                },
                STEPS
            )
            .check(true, &blind, None),
            Err(Divergence::Blind)
        );
        // One bit of difference anywhere is not blind.
        let almost = tally(3, |i| {
            let mut o = one_hot(0);
            if i == 2 {
                o[9] = f32::from_bits(o[9].to_bits() + 1);
            }
            o
        });
        assert!(!almost.constant());
        assert_eq!(Watch::new(BROAD, STEPS).check(true, &almost, None), Ok(()));
        // A test set of one image repeated says nothing.
        let same_images = TestSetShape {
            varied: false,
            broad: false,
        };
        assert_eq!(
            Watch::new(same_images, STEPS).check(true, &blind, None),
            Ok(())
        );
    }

    #[test]
    fn few_answers_stop_after_the_stalled_epochs_in_a_row() {
        let two = tally(200, |i| one_hot(if i % 3 == 0 { 7 } else { 9 }));
        let three = tally(200, |i| one_hot(i % 3));
        assert_eq!(two.distinct_answers(), 2);
        let mut w = Watch::new(BROAD, STEPS);
        for _ in 1..STALLED_EPOCHS {
            assert_eq!(w.check(true, &two, None), Ok(()));
        }
        // A third answer resets the count.
        assert_eq!(w.check(true, &three, None), Ok(()));
        for _ in 1..STALLED_EPOCHS {
            assert_eq!(w.check(true, &two, None), Ok(()));
        }
        assert_eq!(
            w.check(true, &two, None),
            Err(Divergence::Stalled { answers: 2 })
        );
        // Not on a small test set, nor one that lacks a digit.
        let mut w = Watch::new(
            TestSetShape {
                varied: true,
                broad: false,
            },
            STEPS,
        );
        for _ in 0..10 {
            assert_eq!(w.check(true, &two, None), Ok(()));
        }
    }

    #[test]
    fn few_answers_stop_a_run_only_after_enough_steps() {
        let two = tally(200, |i| one_hot(if i % 3 == 0 { 7 } else { 9 }));
        // One full-batch step per epoch: two answers for a long while is
        // still a young run, stopped only once it has had the steps.
        let mut w = Watch::new(BROAD, 1);
        for _ in 1..STALLED_MIN_STEPS {
            assert_eq!(w.check(true, &two, None), Ok(()));
        }
        assert_eq!(
            w.check(true, &two, None),
            Err(Divergence::Stalled { answers: 2 })
        );
        // Half the steps per epoch of the book's run: stopped after four
        // epochs (10,000 steps), not three.
        let mut w = Watch::new(BROAD, STEPS / 2);
        for _ in 0..STALLED_EPOCHS {
            assert_eq!(w.check(true, &two, None), Ok(()));
        }
        assert_eq!(
            w.check(true, &two, None),
            Err(Divergence::Stalled { answers: 2 })
        );
    }

    #[test]
    fn test_set_shape() {
        let mut images = vec![[0u8; 784]; MIN_TEST_IMAGES];
        let labels: Vec<u8> = (0..MIN_TEST_IMAGES).map(|i| (i % CLASSES) as u8).collect();
        let same = Dataset {
            images: images.clone(),
            labels: labels.clone(),
        };
        assert_eq!(
            TestSetShape::of(&same),
            TestSetShape {
                varied: false,
                broad: true
            }
        );
        images[MIN_TEST_IMAGES - 1][400] = 1;
        let mut d = Dataset { images, labels };
        assert_eq!(
            TestSetShape::of(&d),
            TestSetShape {
                varied: true,
                broad: true
            }
        );
        // One image too few, or a digit missing: the stalled rule is off.
        let mut short = d.clone();
        short.images.pop();
        short.labels.pop();
        assert!(!TestSetShape::of(&short).broad);
        for l in &mut d.labels {
            if *l == 9 {
                *l = 0;
            }
        }
        assert!(!TestSetShape::of(&d).broad);
        assert!(TestSetShape::of(&d).varied);
        let empty = Dataset {
            images: Vec::new(),
            labels: Vec::new(),
        };
        assert!(!TestSetShape::of(&empty).varied);
    }

    #[test]
    fn messages_name_the_problem() {
        assert!(Divergence::Weights.to_string().contains("no longer finite"));
        assert!(Divergence::Outputs(3).to_string().contains("3 test"));
        assert!(Divergence::Blind.to_string().contains("same outputs"));
        let s = Divergence::Stalled { answers: 1 }.to_string();
        assert!(s.contains("only 1 different digit over"), "{s}");
        assert!(Divergence::Stalled { answers: 2 }
            .to_string()
            .contains("2 different digits"));
        assert_ne!(Divergence::Blind.name(), Divergence::Weights.name());
    }
}
