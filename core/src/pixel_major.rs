//! The training fast path's hidden layer: weights stored pixel by pixel, and
//! input images as lists of their non-zero pixels.
//!
//! Chapter 1's hidden layer computes `z_j = Σ_k w_jk p_k / 255 + b_j`, each sum
//! in [`LANES`] interleaved partial sums: lane `l` adds the terms of the pixels
//! `k ≡ l (mod 8)` in increasing `k`, starting at `+0`, and the lanes are then
//! combined pairwise (see [`crate::input`]). This module computes the same
//! sums, in the same order, turned inside out:
//!
//! - **Pixel-major weights.** [`Row`] `c` of lane `l` holds the weights from
//!   pixel `k = 8c + l` into every hidden neuron, `w_0k … w_(H−1)k`, one
//!   64-byte-aligned array. Adding `w_·k · p_k` to a row of partial sums is one
//!   element-wise multiply and add over `H` neighbouring floats, which the
//!   compiler turns into a few SIMD instructions for all neurons at once.
//! - **Non-zero pixels only.** A [`SparseImage`] lists an image's non-zero
//!   pixels lane by lane. A zero pixel would add `w · 0 = ±0` to a partial sum
//!   that started at `+0`, which never changes it (a round-to-nearest sum is
//!   `−0` only when both terms are), so skipping it is bit-exact. MNIST digits
//!   are about 80% background.
//!
//! The same holds for the gradient (BP4, `∂C/∂w_jk = delta_j p_k / 255`): a
//! row of `nabla_w` whose pixel is 0 in every example of the mini-batch stays
//! `+0`, and the update `w ← decay·w − scale·(+0)` is `decay·w` exactly, so
//! only the rows touched by the batch need the full update.
//!
//! Every product and sum is a separate IEEE operation (Rust never fuses them
//! into an FMA), so each SIMD width gives the same bits as the plain loops.

use crate::input::LANES;
use crate::layer::Layer;
use crate::vector::{opaque, zip_mut};

/// The values of one input pixel for every hidden neuron: `H` floats,
/// aligned to a 64-byte cache line so that a row never straddles two.
#[derive(Clone, Copy, Debug, PartialEq)]
#[repr(C, align(64))]
pub struct Row<const H: usize>(pub [f32; H]);

impl<const H: usize> Row<H> {
    /// A row of `+0`.
    pub const ZERO: Self = Self([0.0; H]);

    /// `self ← self + w · p`, element by element: one product, then one sum,
    /// never fused.
    #[inline(always)]
    pub fn add_product(&mut self, w: &Self, p: f32) {
        for (a, w) in self.0.iter_mut().zip(&w.0) {
            *a += *w * p;
        }
    }

    /// `self + other`, element by element.
    #[inline(always)]
    pub fn plus(&self, other: &Self) -> Self {
        let mut out = *self;
        zip_mut(&mut out.0, &other.0, |o, b| *o += b);
        out
    }
}

impl<const H: usize> Default for Row<H> {
    fn default() -> Self {
        Self::ZERO
    }
}

/// One lane of a hidden layer, pixel-major: row `c` is pixel `8c + l`.
pub type LaneRows<const H: usize, const R: usize> = [Row<H>; R];

/// A whole hidden layer of `8·R` inputs and `H` neurons, pixel-major, lane by lane.
pub type PixelMajor<const H: usize, const R: usize> = [LaneRows<H, R>; LANES];

/// Where each lane's entries of a [`SparseImage`] end, and which rows they touch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LaneIndex {
    /// `ends[l]`: where lane `l`'s entries end (lane `l` starts where lane
    /// `l − 1` ends, lane 0 at 0).
    pub ends: [u16; LANES],
    /// `rows[l]`: bit `c` is set when pixel `8c + l` is non-zero (lanes have
    /// at most 128 rows).
    pub rows: [u128; LANES],
}

impl LaneIndex {
    /// The index of an image with no non-zero pixel.
    pub const EMPTY: Self = Self {
        ends: [0; LANES],
        rows: [0; LANES],
    };
}

/// The non-zero pixels of one image, lane by lane.
///
/// Each entry is `[c, p]`: the pixel `k = 8c + l` of lane `l`, and its grey
/// level `p` (never 0). Lane 0's entries come first, then lane 1's, and so on;
/// within a lane, `c` increases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SparseImage<'a> {
    /// `[c, p]` of every non-zero pixel.
    pub pixels: &'a [[u8; 2]],
    /// Where each lane's entries end, and the rows they touch.
    pub index: &'a LaneIndex,
}

impl<'a> SparseImage<'a> {
    /// The entries of lane `l` (empty for `l ≥ 8` or inconsistent bounds).
    #[inline(always)]
    pub fn lane(&self, l: usize) -> &'a [[u8; 2]] {
        let ends = &self.index.ends;
        let start = match l.checked_sub(1) {
            None => 0,
            Some(prev) => ends.get(prev).map_or(0, |&e| usize::from(e)),
        };
        let end = ends.get(l).map_or(0, |&e| usize::from(e));
        self.pixels.get(start..end).unwrap_or(&[])
    }

    /// The rows of lane `l` that hold a non-zero pixel, as bits.
    #[inline(always)]
    pub fn rows(&self, l: usize) -> u128 {
        self.index.rows.get(l).copied().unwrap_or(0)
    }
}

/// Lists the non-zero pixels of `image` lane by lane into `out` (which has
/// room for every pixel), returning how many were written and the lanes' index.
///
/// `I` must be a multiple of 8 with `I / 8 ≤ 128`, so that `c` fits in a byte
/// and a lane's rows in a `u128` (checked at compile time).
pub fn sparsify<const I: usize>(image: &[u8; I], out: &mut [[u8; 2]; I]) -> (usize, LaneIndex) {
    const { assert!(I.is_multiple_of(LANES) && I / LANES <= 128 && I <= u16::MAX as usize) };
    let (chunks, _) = image.as_chunks::<LANES>();
    // First pass: how many non-zero pixels each lane has, skipping blank
    // groups of eight pixels at once.
    let mut counts = [0usize; LANES];
    for chunk in chunks {
        if u64::from_ne_bytes(*chunk) != 0 {
            for (n, p) in counts.iter_mut().zip(chunk) {
                *n += usize::from(*p != 0);
            }
        }
    }
    let mut index = LaneIndex::EMPTY;
    let mut next = [0usize; LANES];
    let mut total = 0usize;
    for ((end, start), n) in index.ends.iter_mut().zip(next.iter_mut()).zip(counts) {
        *start = total;
        total += n;
        // total ≤ I ≤ u16::MAX (checked above).
        *end = total as u16;
    }
    // Second pass: each pixel to its lane's next slot, in increasing `c`.
    for (c, chunk) in chunks.iter().enumerate() {
        if u64::from_ne_bytes(*chunk) == 0 {
            continue;
        }
        for ((slot, rows), &p) in next.iter_mut().zip(index.rows.iter_mut()).zip(chunk) {
            if p != 0 {
                if let Some(entry) = out.get_mut(*slot) {
                    // c < I / 8 ≤ 128 (checked above).
                    *entry = [c as u8, p];
                }
                *slot += 1;
                *rows |= 1u128 << (c & 127);
            }
        }
    }
    (total, index)
}

/// Lane `l`'s partial sums `Σ_k w_·k · p_k` over its non-zero pixels in
/// increasing `k`, starting at `+0`: for all `H` neurons at once, the lane sum
/// that [`crate::Input::dot`] computes one neuron at a time.
///
/// Why it is fast: only the ~20% non-zero pixels are visited, and each visit is
/// one multiply and one add of `H` contiguous floats held in SIMD registers.
/// The entry `[c, p]` reads row [`slot`]`(c)`.
#[inline(always)]
pub fn lane_sum<const H: usize, const R: usize>(
    rows: &LaneRows<H, R>,
    pixels: &[[u8; 2]],
) -> Row<H> {
    let mut acc = Row::ZERO;
    for &[c, p] in pixels {
        if let Some(w) = rows.get(slot::<R>(c)) {
            acc.add_product(w, f32::from(p));
        }
    }
    acc
}

/// The row of a lane of `R` rows that the entry `[c, p]` reads: `c mod R`.
/// Lists made by [`sparsify`] have `c < R`, so this is row `c`; the `mod`
/// only keeps any other list in bounds. Because the compiler then knows the
/// index is below `R`, the `get` around it costs no check and no branch, and
/// with `R` a power of two (the host pads lanes to 128 rows) the `mod` is
/// one `and` instruction.
#[inline(always)]
pub const fn slot<const R: usize>(c: u8) -> usize {
    const { assert!(R > 0) };
    c as usize % R
}

/// [`lane_sum`] of two lanes at once, interleaved so that the two chains of
/// dependent additions overlap in the processor (the result is the same as
/// two separate calls).
#[inline(always)]
pub fn lane_sum_pair<const H: usize, const R: usize>(
    rows: (&LaneRows<H, R>, &LaneRows<H, R>),
    pixels: (&[[u8; 2]], &[[u8; 2]]),
) -> (Row<H>, Row<H>) {
    let (mut a, mut b) = (Row::ZERO, Row::ZERO);
    let both = pixels.0.len().min(pixels.1.len());
    let (pa, rest_a) = pixels.0.split_at(both);
    let (pb, rest_b) = pixels.1.split_at(both);
    for (&[ca, va], &[cb, vb]) in pa.iter().zip(pb) {
        if let (Some(wa), Some(wb)) = (rows.0.get(slot::<R>(ca)), rows.1.get(slot::<R>(cb))) {
            a.add_product(wa, f32::from(va));
            b.add_product(wb, f32::from(vb));
        }
    }
    for &[c, v] in rest_a {
        if let Some(w) = rows.0.get(slot::<R>(c)) {
            a.add_product(w, f32::from(v));
        }
    }
    for &[c, v] in rest_b {
        if let Some(w) = rows.1.get(slot::<R>(c)) {
            b.add_product(w, f32::from(v));
        }
    }
    (a, b)
}

/// The eight lane sums combined as [`crate::Input::dot`] combines its lanes:
/// `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))`.
#[inline(always)]
pub fn combine<const H: usize>(l: &[Row<H>; LANES]) -> Row<H> {
    let [l0, l1, l2, l3, l4, l5, l6, l7] = l;
    (l0.plus(l1).plus(&l2.plus(l3))).plus(&l4.plus(l5).plus(&l6.plus(l7)))
}

/// The sum `Σ_k w_·k · p_k` for every hidden neuron (before the `1/255` and
/// the bias), from the whole pixel-major layer: eight [`lane_sum`]s, combined.
#[inline(always)]
pub fn weighted_sums<const H: usize, const R: usize>(
    layer: &PixelMajor<H, R>,
    image: &SparseImage<'_>,
) -> Row<H> {
    let mut lanes = [Row::ZERO; LANES];
    for (pair, (rows, l)) in lanes
        .chunks_exact_mut(2)
        .zip(layer.chunks_exact(2).zip((0..LANES).step_by(2)))
    {
        if let ([a, b], [ra, rb]) = (pair, rows) {
            (*a, *b) = lane_sum_pair((ra, rb), (image.lane(l), image.lane(l + 1)));
        }
    }
    combine(&lanes)
}

/// Adds one example's hidden-layer gradient to lane `l`'s rows of `nabla_w`:
/// `nabla_w[c] ← nabla_w[c] + dscaled · p` for each non-zero pixel, where
/// `dscaled_j = delta_j / 255` (BP4 with `a_k = p_k / 255`, as
/// [`crate::Input::add_scaled_to`] computes it). The caller marks the rows
/// touched ([`SparseImage::rows`]) for [`descend`].
///
/// Why it is fast: rows whose pixel is 0 are not visited (they would add `±0`
/// to a sum that is `+0` or a non-zero total, changing nothing), and each
/// visit is a load, a multiply, an add and a store of whole SIMD vectors
/// (`dscaled` is a copy in registers, so the compiler needs no check that a
/// store into `nabla` changes it).
#[inline(always)]
pub fn accumulate<const H: usize, const R: usize>(
    nabla: &mut LaneRows<H, R>,
    dscaled: &Row<H>,
    pixels: &[[u8; 2]],
) {
    let d = *dscaled;
    for &[c, p] in pixels {
        if let Some(row) = nabla.get_mut(slot::<R>(c)) {
            let p = f32::from(p);
            zip_mut(&mut row.0, &d.0, |a, d| *a += d * p);
        }
    }
}

/// The SGD step for one lane of the hidden weights, `w ← decay·w − scale·nabla_w`
/// (chapter 3, equation 93), then `nabla_w ← +0` for the next batch.
///
/// Rows not in `touched` have `nabla_w = +0`, so their update is `w ← decay·w`
/// exactly: nothing at all when `decay` is 1.0 (no regularisation), else one
/// multiply per weight. `touched` is cleared. Bit `c` of `touched` stands for
/// row [`slot`]`(c)`; rows past 128 are never marked.
#[inline(always)]
pub fn descend<const H: usize, const R: usize>(
    weights: &mut LaneRows<H, R>,
    nabla: &mut LaneRows<H, R>,
    touched: &mut u128,
    decay: f32,
    scale: f32,
) {
    if decay == 1.0 {
        let mut bits = *touched;
        while bits != 0 {
            // At most 127: a u128 has 128 bits.
            let c = slot::<R>(bits.trailing_zeros() as u8);
            bits &= bits - 1;
            if let (Some(w), Some(n)) = (weights.get_mut(c), nabla.get_mut(c)) {
                // A copy, so that the compiler sees `w` and `n` apart and
                // vectorises the loop.
                let nv = core::mem::take(n);
                zip_mut(&mut w.0, &nv.0, |w, n| *w = decay * *w - scale * n);
            }
        }
    } else {
        for (c, (w, n)) in weights.iter_mut().zip(nabla.iter_mut()).enumerate() {
            let w = opaque(w);
            if c < 128 && *touched & (1u128 << c) != 0 {
                let nv = core::mem::take(n);
                zip_mut(&mut w.0, &nv.0, |w, n| *w = decay * *w - scale * n);
            } else {
                let ones = Row::<H>::ZERO;
                zip_mut(&mut w.0, &ones.0, |w, _| *w *= decay);
            }
        }
    }
    *touched = 0;
}

/// Copies a row-major hidden layer's weights into pixel-major lanes of
/// width `W ≥ H` and `R ≥ I/8` rows (`I` a multiple of 8, checked at compile
/// time). Columns `H..W` and rows from `I/8` on are padding: no pixel reads
/// them, they stay 0 through training (their gradient is 0) and are never
/// read back.
pub fn from_layer<const I: usize, const H: usize, const W: usize, const R: usize>(
    layer: &Layer<I, H>,
    out: &mut PixelMajor<W, R>,
) {
    const { assert!(I.is_multiple_of(LANES) && I <= LANES * R && I / LANES <= 128 && W >= H) };
    for (j, row) in layer.weights.iter().enumerate() {
        let (chunks, _) = row.as_chunks::<LANES>();
        for (c, chunk) in chunks.iter().enumerate() {
            for (lane, w) in out.iter_mut().zip(chunk) {
                if let Some(v) = lane.get_mut(c).and_then(|r| r.0.get_mut(j)) {
                    *v = *w;
                }
            }
        }
    }
}

/// Copies pixel-major lanes (of width `W ≥ H` and `R ≥ I/8` rows) back into
/// a row-major hidden layer's weights.
pub fn to_layer<const I: usize, const H: usize, const W: usize, const R: usize>(
    lanes: &PixelMajor<W, R>,
    layer: &mut Layer<I, H>,
) {
    const { assert!(I.is_multiple_of(LANES) && I <= LANES * R && I / LANES <= 128 && W >= H) };
    for (j, row) in layer.weights.iter_mut().enumerate() {
        let (chunks, _) = row.as_chunks_mut::<LANES>();
        for (c, chunk) in chunks.iter_mut().enumerate() {
            for (lane, w) in lanes.iter().zip(chunk.iter_mut()) {
                if let Some(v) = lane.get(c).and_then(|r| r.0.get(j)) {
                    *w = *v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Input, PIXEL_MAX};

    fn image(seed: u32) -> [u8; 40] {
        let mut img = [0u8; 40];
        for (k, p) in img.iter_mut().enumerate() {
            let v = ((k as u32).wrapping_mul(2_654_435_761) ^ seed).wrapping_mul(40_503) >> 24;
            *p = if v < 150 { 0 } else { v as u8 };
        }
        img
    }

    #[test]
    fn sparsify_lists_nonzero_pixels_by_lane() {
        let mut img = [0u8; 16];
        img[1] = 5; // lane 1, c 0
        img[9] = 7; // lane 1, c 1
        img[3] = 9; // lane 3, c 0
        img[8] = 2; // lane 0, c 1
        let mut out = [[0u8; 2]; 16];
        let (n, index) = sparsify(&img, &mut out);
        assert_eq!(n, 4);
        assert_eq!(&out[..4], &[[1, 2], [0, 5], [1, 7], [0, 9]]);
        assert_eq!(index.ends, [1, 3, 3, 4, 4, 4, 4, 4]);
        assert_eq!(index.rows, [0b10, 0b11, 0, 0b1, 0, 0, 0, 0]);
        let sparse = SparseImage {
            pixels: &out[..n],
            index: &index,
        };
        assert_eq!(sparse.lane(1), &[[0, 5], [1, 7]]);
        assert_eq!(sparse.lane(2), &[] as &[[u8; 2]]);
        assert_eq!(sparse.lane(8), &[] as &[[u8; 2]]);
    }

    #[test]
    fn weighted_sums_match_the_row_major_dot_bit_for_bit() {
        // Negative weights make `w · 0 = −0` terms, which the plain sum adds.
        let mut layer = Layer::<40, 3>::zeroed();
        for (j, row) in layer.weights.iter_mut().enumerate() {
            for (k, w) in row.iter_mut().enumerate() {
                *w = ((k * 7 + j * 13) % 17) as f32 * 0.37 - 2.9;
            }
        }
        let mut pm: PixelMajor<3, 5> = [[Row::ZERO; 5]; LANES];
        from_layer(&layer, &mut pm);
        let mut back = Layer::<40, 3>::zeroed();
        to_layer(&pm, &mut back);
        assert_eq!(back, layer);
        for seed in 0..20 {
            let img = image(seed);
            let mut buf = [[0u8; 2]; 40];
            let (n, index) = sparsify(&img, &mut buf);
            let sparse = SparseImage {
                pixels: &buf[..n],
                index: &index,
            };
            let sums = weighted_sums(&pm, &sparse);
            for (j, row) in layer.weights.iter().enumerate() {
                // `dot` divides by 255 after the sum; undo nothing, compare the same expression.
                let want = img.dot(row);
                let got = (sums.0[j] + 0.0) / PIXEL_MAX;
                assert_eq!(got.to_bits(), want.to_bits(), "seed {seed} neuron {j}");
            }
        }
    }

    #[test]
    fn descend_with_decay_scales_rows_past_the_bit_mask() {
        // More rows than a `u128` has bits: those past 128 are never marked
        // touched, and decay like every untouched row.
        let mut weights = [Row([1.5f32, -2.0]); 130];
        let mut nabla = [Row::<2>::ZERO; 130];
        nabla[3] = Row([4.0, 8.0]);
        let mut touched = 1u128 << 3;
        descend(&mut weights, &mut nabla, &mut touched, 0.5, 0.25);
        assert_eq!(weights[3], Row([0.75 - 1.0, -1.0 - 2.0]));
        for c in [0, 127, 128, 129] {
            assert_eq!(weights[c], Row([0.75, -1.0]), "row {c}");
        }
        assert_eq!(touched, 0);
        assert!(nabla.iter().all(|r| *r == Row::ZERO));
    }

    #[test]
    fn accumulate_and_descend_match_the_dense_update() {
        let mut layer = Layer::<40, 3>::zeroed();
        for (j, row) in layer.weights.iter_mut().enumerate() {
            for (k, w) in row.iter_mut().enumerate() {
                *w = ((k * 5 + j * 3) % 11) as f32 * 0.21 - 1.1;
            }
        }
        for decay in [1.0f32, 0.999_9] {
            let mut dense = layer.clone();
            let mut nabla_dense = Layer::<40, 3>::zeroed();
            let mut pm: PixelMajor<3, 5> = [[Row::ZERO; 5]; LANES];
            let mut nabla: PixelMajor<3, 5> = [[Row::ZERO; 5]; LANES];
            let mut touched = [0u128; LANES];
            from_layer(&layer, &mut pm);
            for step in 0..4 {
                for x in 0..3 {
                    let img = image(step * 10 + x);
                    let delta = [0.3f32 - x as f32, -0.07 * step as f32, 1.5e-3];
                    for (row, d) in nabla_dense.weights.iter_mut().zip(&delta) {
                        img.add_scaled_to(*d, row);
                    }
                    let mut buf = [[0u8; 2]; 40];
                    let (n, index) = sparsify(&img, &mut buf);
                    let sparse = SparseImage {
                        pixels: &buf[..n],
                        index: &index,
                    };
                    let dscaled = Row(delta.map(|d| d / PIXEL_MAX));
                    for (l, (nl, t)) in nabla.iter_mut().zip(&mut touched).enumerate() {
                        accumulate(nl, &dscaled, sparse.lane(l));
                        *t |= sparse.rows(l);
                    }
                }
                dense.descend(decay, 0.75, &nabla_dense);
                nabla_dense.clear();
                for ((w, n), t) in pm.iter_mut().zip(&mut nabla).zip(&mut touched) {
                    descend(w, n, t, decay, 0.75);
                }
                assert_eq!(touched, [0; LANES]);
                assert!(nabla.iter().flatten().all(|r| r.0 == [0.0; 3]));
                let mut back = Layer::<40, 3>::zeroed();
                to_layer(&pm, &mut back);
                for (a, b) in back
                    .weights
                    .iter()
                    .flatten()
                    .zip(dense.weights.iter().flatten())
                {
                    assert_eq!(a.to_bits(), b.to_bits(), "decay {decay} step {step}");
                }
            }
        }
    }
}
