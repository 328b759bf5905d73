//! The few errors left once sizes are types.

use core::fmt;

/// What can go wrong in the core: bad hyper-parameters, bad labels, wrong lengths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A mini-batch with no examples: the mean gradient `(1/m) Σ ∇C_x` is undefined.
    EmptyBatch,
    /// The learning rate `eta` is NaN, infinite, zero or negative.
    InvalidEta,
    /// The L2 regularisation parameter `lambda` is NaN, infinite or negative,
    /// or is used with a training set of size 0.
    InvalidLambda,
    /// A class label at or above the number of output neurons.
    LabelOutOfRange {
        /// The label given.
        label: usize,
        /// The number of output neurons (classes).
        classes: usize,
    },
    /// A flat parameter slice whose length does not match the layer.
    LengthMismatch {
        /// The number of values the layer holds.
        expected: usize,
        /// The number of values given.
        found: usize,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyBatch => f.write_str("mini-batch is empty"),
            Error::InvalidEta => f.write_str("learning rate eta must be finite and above 0"),
            Error::InvalidLambda => f.write_str(
                "regularisation parameter lambda must be finite and at least 0, with a training set of at least 1",
            ),
            Error::LabelOutOfRange { label, classes } => {
                write!(f, "label {label} is out of range for {classes} classes")
            }
            Error::LengthMismatch { expected, found } => {
                write!(f, "expected {expected} values, found {found}")
            }
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(Error::EmptyBatch.to_string(), "mini-batch is empty");
        assert!(Error::InvalidEta.to_string().contains("eta"));
        assert!(Error::InvalidLambda.to_string().contains("lambda"));
        assert_eq!(
            Error::LabelOutOfRange {
                label: 12,
                classes: 10
            }
            .to_string(),
            "label 12 is out of range for 10 classes"
        );
        assert_eq!(
            Error::LengthMismatch {
                expected: 6,
                found: 5
            }
            .to_string(),
            "expected 6 values, found 5"
        );
    }
}
