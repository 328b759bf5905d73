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
