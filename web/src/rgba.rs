//! RGBA pixels to grey levels, as `digitnet predict` reads a picture file.
//!
//! `predict` decodes a file with the `image` crate, which turns colour into
//! grey by Rec. 709 luma, `Y = 0.2126 R + 0.7152 G + 0.0722 B`, rounded; a
//! picture with transparency is then composited over white paper, rounded:
//! `(Y·a + 255·(255 − a) + 127) / 255` (`digitnet::data::picture`). The page's canvas
//! gives RGBA, and the module reads it with the same two steps, in integers:
//! `Y = (2126 R + 7152 G + 722 B + 5000) / 10000`.
//!
//! For grey pixels (`R = G = B`) — all the page ever draws: black ink,
//! anti-aliased, on opaque white paper — `Y` is that grey level in both, so a
//! drawing saved as PNG reads exactly the same in `predict`, whatever its
//! alpha. For coloured pixels the two can differ by one grey level: the
//! `image` crate sums in `f32` (fused multiply-adds on some machines), the
//! module in exact integers.

/// Luma weights of red, green and blue, in ten-thousandths (Rec. 709).
pub const LUMA: [u32; 3] = [2126, 7152, 722];
/// The luma weights' denominator.
pub const LUMA_DIV: u32 = 10_000;

/// The grey level of one RGBA pixel: its luma, composited over white by its alpha.
#[inline]
pub const fn grey([r, g, b, a]: [u8; 4]) -> u8 {
    let [wr, wg, wb] = LUMA;
    // At most 255 · 10000 + 5000: the quotient is at most 255.
    let y = (wr * r as u32 + wg * g as u32 + wb * b as u32 + LUMA_DIV / 2) / LUMA_DIV;
    let a = a as u32;
    // y·a + 255·(255 − a) is at most 255 · 255, so the quotient is at most 255.
    let over_white = (y * a + 255 * (255 - a) + 127) / 255;
    if over_white > 255 {
        255
    } else {
        over_white as u8
    }
}

/// Converts RGBA pixels (four bytes each, row-major) to one grey level each,
/// for as many pixels as both slices hold; returns that number.
pub fn to_grey(rgba: &[u8], grey_out: &mut [u8]) -> usize {
    let (pixels, _) = rgba.as_chunks::<4>();
    let mut n = 0;
    for (g, p) in grey_out.iter_mut().zip(pixels) {
        *g = grey(*p);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grey_paper_and_ink_keep_their_level() {
        for v in 0..=255u8 {
            assert_eq!(grey([v, v, v, 255]), v);
        }
    }

    #[test]
    fn colours_by_hand() {
        // Pure red, green and blue: 2126·255/10000 = 54.2, 182.4, 18.4, rounded.
        assert_eq!(grey([255, 0, 0, 255]), 54);
        assert_eq!(grey([0, 255, 0, 255]), 182);
        assert_eq!(grey([0, 0, 255, 255]), 18);
        // 0.2126·2 + 0.7152·1 = 1.1404 and 0.2126·3 + 0.7152·1 = 1.3530 round to 1;
        // 0.7152·2 = 1.4304 to 1, 0.7152·3 = 2.1456 to 2, 0.2126·7 = 1.4882 to 1, 0.2126·8 = 1.7008 to 2.
        assert_eq!(grey([2, 1, 0, 255]), 1);
        assert_eq!(grey([0, 3, 0, 255]), 2);
        assert_eq!(grey([7, 0, 0, 255]), 1);
        assert_eq!(grey([8, 0, 0, 255]), 2);
        // Transparent is white paper, whatever its colour; half-transparent
        // black is (0 + 255·127 + 127) / 255 = 127.5, truncated.
        assert_eq!(grey([0, 0, 0, 0]), 255);
        assert_eq!(grey([12, 200, 7, 0]), 255);
        assert_eq!(grey([0, 0, 0, 128]), 127);
        // The largest sum stays in range.
        assert_eq!(grey([255, 255, 255, 254]), 255);
    }

    #[test]
    fn to_grey_converts_what_fits() {
        let rgba = [0, 0, 0, 255, 255, 255, 255, 255, 9, 9, 9, 255, 1, 2];
        let mut out = [7u8; 5];
        assert_eq!(to_grey(&rgba, &mut out), 3);
        assert_eq!(out, [0, 255, 9, 7, 7]);
        let mut short = [0u8; 1];
        assert_eq!(to_grey(&rgba, &mut short), 1);
        assert_eq!(short, [0]);
    }
}
