//! Steps 1 to 3: the background and polarity, each pixel's ink, and the
//! ink's bounding box.

use super::{div_round, Grey, INK_THRESHOLD};

/// How one pixel reads as ink: inverted if need be, less the background.
#[derive(Clone, Copy, Debug)]
pub(super) struct InkLevel {
    /// Whether pixels are read as `255 − p`.
    pub(super) inverted: bool,
    /// The background level, after inversion.
    pub(super) background: u8,
}

impl InkLevel {
    /// The ink of pixel value `p`.
    #[inline]
    pub(super) fn ink(self, p: u8) -> u8 {
        let v = if self.inverted { 255 - p } else { p };
        v.saturating_sub(self.background)
    }
}

/// The polarity and background level, from the mean of the picture's frame.
pub(super) fn ink_level(picture: &Grey<'_>) -> InkLevel {
    let (w, h) = (picture.width(), picture.height());
    let mut sum: u64 = 0;
    let mut n: u64 = 0;
    let mut add = |p: u8| {
        sum += u64::from(p);
        n += 1;
    };
    for (y, row) in picture.rows(0).enumerate() {
        if y == 0 || y + 1 == h {
            row.iter().for_each(|&p| add(p));
        } else {
            row.first().into_iter().for_each(|&p| add(p));
            if w > 1 {
                row.last().into_iter().for_each(|&p| add(p));
            }
        }
    }
    let inverted = 2 * sum > 255 * n;
    let mean = div_round(sum, n);
    let mean = u8::try_from(mean).unwrap_or(u8::MAX);
    InkLevel {
        inverted,
        background: if inverted { 255 - mean } else { mean },
    }
}

/// The bounding box `(x, y, width, height)` of the pixels whose ink is at
/// least [`INK_THRESHOLD`]/255 of `peak`; `None` if there are none.
pub(super) fn ink_box(
    picture: &Grey<'_>,
    level: InkLevel,
    peak: u8,
) -> Option<(usize, usize, usize, usize)> {
    // i / peak >= T / 255, in integers.
    let min_ink = u32::from(peak) * u32::from(INK_THRESHOLD);
    let is_ink = |p: u8| u32::from(level.ink(p)) * 255 >= min_ink;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, row) in picture.rows(0).enumerate() {
        let first = row.iter().position(|&p| is_ink(p));
        let last = row.iter().rposition(|&p| is_ink(p));
        if let (Some(first), Some(last)) = (first, last) {
            x0 = x0.min(first);
            x1 = x1.max(last + 1);
            y0 = y0.min(y);
            y1 = y + 1;
        }
    }
    (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_background_is_the_mean_of_the_whole_frame() {
        // 5 × 4: top and bottom rows 200, the left and right edges of the
        // middle rows 0, the inside 100 (not part of the frame). The frame
        // is 14 pixels summing to 2000: mean 143, light, so inverted.
        #[rustfmt::skip]
        let pixels = [
            200, 200, 200, 200, 200,
              0, 100, 100, 100,   0,
              0, 100, 100, 100,   0,
            200, 200, 200, 200, 200,
        ];
        let level = ink_level(&Grey::new(&pixels, 5, 4).unwrap());
        assert!(level.inverted);
        assert_eq!(level.background, 255 - 143);
        // One column: each pixel of it counts once (mean of 0, 90, 30).
        let level = ink_level(&Grey::new(&[0, 90, 30], 1, 3).unwrap());
        assert!(!level.inverted);
        assert_eq!(level.background, 40);
        // A frame exactly half way (mean 127.5) reads as dark: not inverted.
        let level = ink_level(&Grey::new(&[0, 255], 2, 1).unwrap());
        assert!(!level.inverted);
        assert_eq!(level.background, 128);
    }

    #[test]
    fn ink_starts_at_the_threshold_share_of_the_peak() {
        // Peak 200 over a black background: ink is at least 200·32/255 =
        // 25.1, so 26 is ink and 25 is not.
        let level = InkLevel {
            inverted: false,
            background: 0,
        };
        #[rustfmt::skip]
        let pixels = [
            0, 25,  0, 0,
            0, 200, 0, 0,
            0,  0,  0, 26,
        ];
        let grey = Grey::new(&pixels, 4, 3).unwrap();
        assert_eq!(ink_box(&grey, level, 200), Some((1, 1, 3, 2)));
        assert_eq!(
            ink_box(&Grey::new(&[0; 6], 3, 2).unwrap(), level, 200),
            None
        );
    }
}
