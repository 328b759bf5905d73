//! Why a picture cannot be prepared.

use core::fmt;

use super::{MAX_SIDE, MIN_CONTRAST};

/// Why a picture cannot be prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrepareError {
    /// The width or the height is zero.
    Empty,
    /// The width or the height is above [`MAX_SIDE`].
    TooLarge {
        /// The width given.
        width: usize,
        /// The height given.
        height: usize,
    },
    /// The row stride is shorter than a row.
    BadStride {
        /// The width given.
        width: usize,
        /// The stride given.
        stride: usize,
    },
    /// The pixel buffer is shorter than the width, height and stride say.
    ShortBuffer {
        /// Bytes needed: `(height − 1) · stride + width`.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// Nothing stands out from the background by [`MIN_CONTRAST`] grey levels.
    NoInk,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Empty => f.write_str("the picture has no pixels"),
            PrepareError::TooLarge { width, height } => write!(
                f,
                "the picture is {width}x{height} pixels; at most {MAX_SIDE} per side"
            ),
            PrepareError::BadStride { width, stride } => {
                write!(f, "row stride {stride} is shorter than the width {width}")
            }
            PrepareError::ShortBuffer { expected, found } => write!(
                f,
                "the pixel buffer holds {found} bytes, the picture needs {expected}"
            ),
            PrepareError::NoInk => write!(
                f,
                "no ink: nothing stands out from the background by {MIN_CONTRAST} grey levels"
            ),
        }
    }
}

impl core::error::Error for PrepareError {}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn errors_display() {
        assert_eq!(PrepareError::Empty.to_string(), "the picture has no pixels");
        assert!(PrepareError::NoInk.to_string().starts_with("no ink"));
        assert!(PrepareError::ShortBuffer {
            expected: 12,
            found: 10
        }
        .to_string()
        .contains("holds 10 bytes"));
    }
}
