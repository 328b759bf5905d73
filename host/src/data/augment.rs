//! Training-data augmentation: each training image moved by a pixel or two.
//!
//! A digit moved one pixel is still the same digit, so random small
//! translations give the network many more distinct examples to learn from
//! (the book's chapter 6 expands the training data this way). They apply to
//! training only; evaluation always sees the images as they are.

use crate::data::idx::{Image, COLS, ROWS};
use rand_core::Rng;

/// The largest translation `--shift` accepts, in pixels.
pub(crate) const MAX_SHIFT: u8 = 4;

/// `image` moved `dx` pixels right and `dy` pixels down (negative: left, up);
/// pixels moved in from outside the 28×28 field are background (0).
pub fn translate(image: &Image, dx: i32, dy: i32) -> Image {
    let mut out = [0u8; ROWS * COLS];
    for (y, row) in out.chunks_exact_mut(COLS).enumerate() {
        let Some(src_y) = offset(y, -dy, ROWS) else {
            continue;
        };
        for (x, p) in row.iter_mut().enumerate() {
            if let Some(src_x) = offset(x, -dx, COLS) {
                *p = image.get(src_y * COLS + src_x).copied().unwrap_or(0);
            }
        }
    }
    out
}

/// `i + d` if it lies in `0..n`.
fn offset(i: usize, d: i32, n: usize) -> Option<usize> {
    let j = i64::try_from(i).ok()? + i64::from(d);
    usize::try_from(j).ok().filter(|&j| j < n)
}

/// A translation drawn uniformly from `{−s, …, s}²`: `dx`, then `dy`, each
/// one bounded integer from `rng`.
pub fn draw_offset<R: Rng + ?Sized>(rng: &mut R, s: u8) -> (i32, i32) {
    let span = 2 * u64::from(s) + 1;
    let mut draw = || {
        let v = digitnet_core::random::below(rng, span);
        // v < 2s + 1 ≤ 9, so both conversions are exact.
        i32::try_from(v).unwrap_or(0) - i32::from(s)
    };
    let dx = draw();
    let dy = draw();
    (dx, dy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use digitnet_core::random::seeded;

    fn dot(x: usize, y: usize) -> Image {
        let mut img = [0u8; 784];
        img[y * 28 + x] = 200;
        img
    }

    #[test]
    fn translate_moves_pixels_and_drops_the_edge() {
        assert_eq!(translate(&dot(5, 7), 2, -3), dot(7, 4));
        assert_eq!(translate(&dot(5, 7), 0, 0), dot(5, 7));
        assert_eq!(translate(&dot(27, 0), 1, 0), [0; 784]);
        assert_eq!(translate(&dot(0, 27), 0, 1), [0; 784]);
        assert_eq!(translate(&dot(0, 0), -1, 0), [0; 784]);
        let mut img = [0u8; 784];
        img.iter_mut()
            .enumerate()
            .for_each(|(i, p)| *p = (i % 251) as u8);
        let moved = translate(&img, -1, 2);
        assert_eq!(moved[2 * 28 + 3], img[4]);
        assert_eq!(moved[27 * 28 + 26], img[25 * 28 + 27]);
        assert!(
            moved[..56].iter().all(|&p| p == 0),
            "the top two rows come from outside"
        );
        assert!(
            (0..28).all(|y| moved[y * 28 + 27] == 0),
            "so does the right column"
        );
    }

    #[test]
    fn offsets_are_uniform_and_seeded() {
        let mut rng = seeded(3);
        let mut counts = [[0u32; 3]; 3];
        for _ in 0..9000 {
            let (dx, dy) = draw_offset(&mut rng, 1);
            counts[(dy + 1) as usize][(dx + 1) as usize] += 1;
        }
        assert!(
            counts.iter().flatten().all(|&c| (850..1150).contains(&c)),
            "{counts:?}"
        );
        let (a, b) = (
            draw_offset(&mut seeded(4), 2),
            draw_offset(&mut seeded(4), 2),
        );
        assert_eq!(a, b);
        assert_eq!(draw_offset(&mut seeded(4), 0), (0, 0));
        // dx is the first draw, dy the second.
        let mut rng = seeded(5);
        let first = digitnet_core::random::below(&mut rng, 5) as i32 - 2;
        let second = digitnet_core::random::below(&mut rng, 5) as i32 - 2;
        assert_eq!(draw_offset(&mut seeded(5), 2), (first, second));
    }
}
