//! Named training recipes: chapter 1's network, and the best one found here.

use crate::training::TrainConfig;

use crate::model::Schedule;
use digitnet_core::{Activation, Cost, Init};

/// A starting set of training settings, chosen with `digitnet train --preset`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Preset {
    /// Chapter 1: `[784, 30, 10]` sigmoid neurons, quadratic cost, N(0, 1)
    /// initialisation, 30 epochs, mini-batch 10, `eta = 3.0` (the default).
    #[default]
    Chapter1,
    /// The most accurate `[784, 100, 10]` recipe found here (see the README's
    /// "Beyond the book"): ReLU hidden neurons, a softmax output with the
    /// log-likelihood cost, scaled initial weights, `lambda = 5`, `eta = 0.1`
    /// annealed by a cosine schedule over 30 epochs of mini-batch 10, every
    /// training image moved by up to one pixel each epoch.
    Best,
}

impl Preset {
    /// Every preset, in the order the command line lists them.
    pub const ALL: [Preset; 2] = [Preset::Chapter1, Preset::Best];

    /// The name used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Preset::Chapter1 => "chapter1",
            Preset::Best => "best",
        }
    }

    /// The preset's settings.
    pub fn config(self) -> TrainConfig {
        match self {
            Preset::Chapter1 => TrainConfig::default(),
            Preset::Best => TrainConfig {
                hidden: 100,
                activation: Activation::Relu,
                cost: Cost::LogLikelihood,
                init: Init::Scaled,
                epochs: 30,
                batch_size: 10,
                eta: 0.1,
                lambda: 5.0,
                schedule: Schedule::Cosine,
                shift: 1,
                ..TrainConfig::default()
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_validate() {
        for p in Preset::ALL {
            assert_eq!(p.config().validate(), Ok(()), "{p:?}");
        }
        assert_eq!(Preset::Chapter1.config(), TrainConfig::default());
        assert_eq!(Preset::Best.config().hidden, 100);
    }

    /// The best preset is the recipe its documentation (and the README's
    /// "Beyond the book") states, field by field.
    #[test]
    fn best_is_the_documented_recipe() {
        let best = Preset::Best.config();
        assert_eq!(best.hidden, 100);
        assert_eq!(best.activation, Activation::Relu);
        assert_eq!(best.cost, Cost::LogLikelihood);
        assert_eq!(best.init, Init::Scaled);
        assert_eq!((best.epochs, best.batch_size), (30, 10));
        assert_eq!((best.eta, best.lambda), (0.1, 5.0));
        assert_eq!(best.schedule, Schedule::Cosine);
        assert_eq!(best.shift, 1);
        // Everything else as chapter 1 has it.
        let ch1 = Preset::Chapter1.config();
        assert_eq!((best.seed, best.train_images), (ch1.seed, ch1.train_images));
    }
}
