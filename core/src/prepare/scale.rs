//! Step 4: the ink box scaled to [`BOX`] on its longer side by area
//! averaging, in exact integer arithmetic.

use super::ink::InkLevel;
use super::{div_round, Grey, BOX};

/// The scaled box: the longer side [`BOX`], the shorter `round(BOX · short / long)`, at least 1.
pub(super) fn scaled_size(bw: usize, bh: usize) -> (usize, usize) {
    let short = |s: usize, l: usize| {
        let v = div_round(s as u64 * BOX as u64, l as u64);
        usize::try_from(v).unwrap_or(BOX).clamp(1, BOX)
    };
    if bw >= bh {
        (BOX, short(bh, bw))
    } else {
        (short(bw, bh), BOX)
    }
}

/// Area-averaging from the ink box to the scaled box.
///
/// Coordinates are counted in units of `1 / tw` source pixels along x (so a
/// source pixel spans `tw` units and an output pixel `bw` units), and likewise
/// `1 / th` along y; every overlap is then a whole number of units.
pub(super) struct Resampler<'a> {
    /// The picture.
    pub(super) picture: Grey<'a>,
    /// How its pixels read as ink.
    pub(super) level: InkLevel,
    /// The ink's bounding box: `(x, y, width, height)`.
    pub(super) ink_box: (usize, usize, usize, usize),
    /// The scaled box's size: `(width, height)`.
    pub(super) target: (usize, usize),
}

/// The source pixels that output pixel `o` overlaps along one axis, with the
/// overlap of each in units: `(first source index, weights)`.
fn overlaps(o: usize, src: usize, dst: usize) -> impl Iterator<Item = (usize, u64)> {
    let (src, dst, o) = (src as u64, dst as u64, o as u64);
    let lo = o * src;
    let hi = lo + src;
    let first = lo.checked_div(dst).unwrap_or(0);
    let last = hi.saturating_sub(1).checked_div(dst).unwrap_or(0);
    (first..=last).map(move |s| {
        let a = (s * dst).max(lo);
        let b = ((s + 1) * dst).min(hi);
        // Source indices are below `src` <= MAX_SIDE, so they fit a usize.
        (s as usize, b.saturating_sub(a))
    })
}

impl Resampler<'_> {
    /// The weighted ink sum of output pixel `(ox, oy)`.
    fn sum(&self, ox: usize, oy: usize) -> u64 {
        let (x0, y0, bw, bh) = self.ink_box;
        let (tw, th) = self.target;
        let mut total = 0u64;
        for (sy, wy) in overlaps(oy, bh, th) {
            let row = self.picture.row(y0 + sy);
            let mut row_sum = 0u64;
            for (sx, wx) in overlaps(ox, bw, tw) {
                let p = row.get(x0 + sx).copied().unwrap_or(0);
                row_sum += u64::from(self.level.ink(p)) * wx;
            }
            total += row_sum * wy;
        }
        total
    }

    /// Writes the scaled ink, stretched to a peak of 255, into the top-left
    /// `tw × th` corner of `out` (rows of [`BOX`]).
    pub(super) fn fill(&self, out: &mut [u8; BOX * BOX]) {
        let (tw, th) = self.target;
        let cells = || (0..th).flat_map(move |oy| (0..tw).map(move |ox| (ox, oy)));
        let max = cells().map(|(ox, oy)| self.sum(ox, oy)).max().unwrap_or(0);
        for (ox, oy) in cells() {
            let v = div_round(self.sum(ox, oy) * 255, max);
            if let Some(cell) = out.get_mut(oy * BOX + ox) {
                *cell = u8::try_from(v).unwrap_or(u8::MAX);
            }
        }
    }
}
