//! How the weights and biases start: the book's N(0, 1), chapter 3's scaled
//! N(0, 1/n_in), or a small uniform spread.

/// The initial distribution of weights and biases, chosen once per run.
///
/// Every scheme draws from one generator in a fixed order: biases first
/// (hidden, then output), then weights (hidden, then output, each row-major),
/// the order of `network.py`'s and `network2.py`'s `np.random.randn` calls.
/// A scheme with zero biases draws no biases at all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Init {
    /// Weights and biases from N(0, 1) (chapter 1; the default).
    #[default]
    Normal,
    /// Weights from N(0, 1/n_in), biases from N(0, 1) (chapter 3's
    /// `default_weight_initializer`): a neuron's weighted input then has a
    /// standard deviation near 1, so it does not start saturated.
    Scaled,
    /// Weights from U(−0.5, 0.5), biases 0.
    Uniform,
}

impl Init {
    /// Every scheme, in the order the command line lists them.
    pub const ALL: [Init; 3] = [Init::Normal, Init::Scaled, Init::Uniform];

    /// The name used on the command line and in model files.
    pub const fn name(self) -> &'static str {
        match self {
            Init::Normal => "normal",
            Init::Scaled => "scaled",
            Init::Uniform => "uniform",
        }
    }

    /// The scheme called `name` (see [`Init::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for i in Init::ALL {
            assert_eq!(Init::from_name(i.name()), Some(i));
        }
        assert_eq!(Init::from_name("xavier"), None);
        assert_eq!(Init::default(), Init::Normal);
    }
}
