//! The picture to prepare: a borrowed greyscale buffer, checked once so
//! that every row read afterwards lies inside it.

use super::{PrepareError, MAX_SIDE};

/// A borrowed greyscale picture, `0` black to `255` white: row `y` is the
/// `width` bytes from `pixels[y * stride]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grey<'a> {
    pixels: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

impl<'a> Grey<'a> {
    /// A picture whose rows follow each other with no gap (`stride = width`).
    pub fn new(pixels: &'a [u8], width: usize, height: usize) -> Result<Self, PrepareError> {
        Self::with_stride(pixels, width, height, width)
    }

    /// A picture whose rows start `stride` bytes apart (a window into a
    /// larger buffer, or a frame buffer with padding).
    pub fn with_stride(
        pixels: &'a [u8],
        width: usize,
        height: usize,
        stride: usize,
    ) -> Result<Self, PrepareError> {
        if width == 0 || height == 0 {
            return Err(PrepareError::Empty);
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(PrepareError::TooLarge { width, height });
        }
        if stride < width {
            return Err(PrepareError::BadStride { width, stride });
        }
        let expected = (height - 1)
            .checked_mul(stride)
            .and_then(|n| n.checked_add(width));
        match expected {
            Some(expected) if expected <= pixels.len() => Ok(Self {
                pixels,
                width,
                height,
                stride,
            }),
            _ => Err(PrepareError::ShortBuffer {
                expected: expected.unwrap_or(usize::MAX),
                found: pixels.len(),
            }),
        }
    }

    /// Width in pixels.
    pub const fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub const fn height(&self) -> usize {
        self.height
    }

    /// Row `y` (empty past the last row).
    pub(super) fn row(&self, y: usize) -> &'a [u8] {
        // `with_stride` checked that every row lies inside `pixels`.
        let start = y.saturating_mul(self.stride);
        self.pixels
            .get(start..start.saturating_add(self.width))
            .unwrap_or(&[])
    }

    /// The rows from `y0` on, `height − y0` of them.
    pub(super) fn rows(&self, y0: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        (y0..self.height).map(|y| self.row(y))
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

    #[test]
    fn a_picture_knows_its_size() {
        let pixels = [0u8; 2 * 7 + 3];
        let grey = Grey::with_stride(&pixels, 3, 3, 7).unwrap();
        assert_eq!((grey.width(), grey.height()), (3, 3));
        let grey = Grey::new(&pixels[..12], 4, 3).unwrap();
        assert_eq!((grey.width(), grey.height()), (4, 3));
    }

    #[test]
    fn degenerate_and_huge_sizes_are_refused_before_reading() {
        assert_eq!(Grey::new(&[], 0, 5), Err(PrepareError::Empty));
        assert_eq!(Grey::new(&[1, 2], 2, 0), Err(PrepareError::Empty));
        assert_eq!(
            Grey::new(&[0; 10], MAX_SIDE + 1, 1),
            Err(PrepareError::TooLarge {
                width: MAX_SIDE + 1,
                height: 1
            })
        );
        assert_eq!(
            Grey::new(&[0; 10], 1, usize::MAX),
            Err(PrepareError::TooLarge {
                width: 1,
                height: usize::MAX
            })
        );
        assert_eq!(
            Grey::with_stride(&[0; 10], 4, 2, 3),
            Err(PrepareError::BadStride {
                width: 4,
                stride: 3
            })
        );
        assert_eq!(
            Grey::new(&[0; 10], 4, 3),
            Err(PrepareError::ShortBuffer {
                expected: 12,
                found: 10
            })
        );
        // The largest sides are accepted when the buffer is there (it is not
        // here), and the stride arithmetic does not overflow.
        assert_eq!(
            Grey::with_stride(&[0; 10], MAX_SIDE, MAX_SIDE, usize::MAX / 2),
            Err(PrepareError::ShortBuffer {
                expected: usize::MAX,
                found: 10
            })
        );
        assert!(PrepareError::TooLarge {
            width: 100_000,
            height: 3
        }
        .to_string()
        .contains("100000x3"));
    }
}
