//! [`Pairs`]: two products per 64-bit multiply-accumulate, for the
//! Cortex-M3/M4/M7.

use super::kernel::{add_bytes, Kernel, Partial, Sums};
use super::lister::Listed;

/// Inputs one [`Pairs`] lane may sum before it is read out: a lane holds
/// 24 bits, and 256 products of at most `255 · 255` stay below `2^24`.
pub const WINDOW: usize = 256;

/// Two products per 64-bit multiply-accumulate: for processors with `UMLAL`
/// (Cortex-M3/M4/M7), whose 13 free registers hold eight lanes.
///
/// A word `w` of four stored weights `u0 u1 u2 u3` (little-endian) and an
/// input `x` feed two 64-bit lanes:
///
/// - `a += x · w`, so `a = S0 + S1 · 2^8 + S2 · 2^16 + S3 · 2^24`;
/// - `b += x · (w.rotate_right(16) & 0xFF0000FF)`, that is `x · (u2 + u1 ·
///   2^24)`, so `b = S2 + S1 · 2^24`;
///
/// where `Sj = Σ x · uj`. While every `Sj < 2^24` (for [`WINDOW`] inputs:
/// each product is at most `255 · 255`), `b` gives `S2` and `S1`, and
/// `a − S1 · 2^8 − S2 · 2^16 = S0 + S3 · 2^24` gives `S0` and `S3`. Four
/// products cost one load, one AND (of a rotated register: one instruction)
/// and two multiply-accumulates, where one product at a time costs a load
/// and a multiply-accumulate each. The lanes are read out when a window of
/// inputs is full, and at the end.
///
/// Each pass over the listed inputs takes two words of the rows (eight sums,
/// four lanes in registers). A row of `M` bytes need not start on a word
/// boundary: the compiler reads a word with one load where the processor
/// allows unaligned loads (the Cortex-M3/M4/M7 do, unless `CCR.UNALIGN_TRP`
/// is set; they cost a cycle more), byte by byte elsewhere. When `M` is not a multiple of 4, the last word
/// is the one of the last four weights, which overlaps the word before: only
/// its last `M mod 4` sums are kept.
#[derive(Clone, Copy, Debug)]
pub struct Pairs;

impl Kernel for Pairs {}

impl Sums for Pairs {
    fn add<const M: usize>(acc: &mut Partial<M>, list: &[Listed<'_, M>]) {
        if list.is_empty() {
            return;
        }
        if M < 4 {
            add_bytes::<M, 1>(&mut acc.sums, list);
            return;
        }
        if acc.window + list.len() > WINDOW {
            Self::settle(acc);
        }
        acc.window += list.len();
        add_pairs::<M>(&mut acc.lanes, &mut acc.last, list);
    }

    fn settle<const M: usize>(acc: &mut Partial<M>) {
        let (sums, tail) = acc.sums.as_chunks_mut::<4>();
        let (lanes, _) = acc.lanes.as_chunks_mut::<4>();
        for (s, l) in sums.iter_mut().zip(lanes) {
            for (s, v) in s.iter_mut().zip(Lanes::load(l).split()) {
                *s = s.wrapping_add(v);
            }
            *l = [0; 4];
        }
        // The last word's sums after the full words: its last `M mod 4`.
        let last = Lanes::load(&acc.last).split();
        for (s, v) in tail.iter_mut().rev().zip(last.iter().rev()) {
            *s = s.wrapping_add(*v);
        }
        acc.last = [0; 4];
        acc.window = 0;
    }
}

/// The mask that keeps bytes 0 and 3 of a word: two weights 24 bits apart.
const PAIR: u32 = 0xFF00_00FF;

/// The two 64-bit lanes of one word of four weights (see [`Pairs`]).
#[derive(Clone, Copy, Debug, Default)]
struct Lanes {
    /// `Σ x · w`.
    a: u64,
    /// `Σ x · (u2 + u1 · 2^24)`.
    b: u64,
}

impl Lanes {
    /// The lanes stored as `[a_lo, a_hi, b_lo, b_hi]`.
    #[inline(always)]
    fn load(l: &[u32; 4]) -> Self {
        let [a0, a1, b0, b1] = *l;
        Self {
            a: u64::from(a0) | u64::from(a1) << 32,
            b: u64::from(b0) | u64::from(b1) << 32,
        }
    }

    /// Stores the lanes as `[a_lo, a_hi, b_lo, b_hi]`.
    #[inline(always)]
    fn store(self, l: &mut [u32; 4]) {
        *l = [
            self.a as u32,
            (self.a >> 32) as u32,
            self.b as u32,
            (self.b >> 32) as u32,
        ];
    }

    /// Adds `x` times the word `w` of weights `u0 u1 u2 u3`; `pair` is
    /// [`PAIR`].
    #[inline(always)]
    fn add(&mut self, w: &[u8; 4], x: u32, pair: u32) {
        let w = u32::from_le_bytes(*w);
        let x = u64::from(x);
        self.a = self.a.wrapping_add(x * u64::from(w));
        self.b = self
            .b
            .wrapping_add(x * u64::from(w.rotate_right(16) & pair));
    }

    /// `[S0, S1, S2, S3]`, exact while each is below `2^24`.
    #[inline(always)]
    fn split(self) -> [u32; 4] {
        const LANE: u64 = (1 << 24) - 1;
        let s2 = self.b & LANE;
        let s1 = self.b >> 24;
        let r = self.a.wrapping_sub(s1 << 8).wrapping_sub(s2 << 16);
        [(r & LANE) as u32, s1 as u32, s2 as u32, (r >> 24) as u32]
    }
}

/// Word `g` (weights `4g..4g + 4`) of a row.
#[inline(always)]
fn word<const M: usize>(row: &[u8; M], g: usize) -> Option<&[u8; 4]> {
    row.as_chunks::<4>().0.get(g)
}

/// Adds every listed input into the lanes of each word of the rows (and of
/// the last word, when `M` is not a multiple of 4), two words per pass.
///
/// Not inlined: as a function of its own its loops keep their lanes in
/// registers. Two hints shape the code without changing what it computes:
/// the mask goes through `black_box`, so the compiler keeps it in a register
/// instead of rebuilding the constant (two instructions) at each use; and
/// each loop body starts with an empty `black_box(())`, which emits nothing
/// but keeps the compiler from unrolling the loop, which would run out of
/// registers and split the multiply-accumulates.
#[inline(never)]
fn add_pairs<const M: usize>(lanes: &mut [u32; M], last: &mut [u32; 4], list: &[Listed<'_, M>]) {
    let pair = core::hint::black_box(PAIR);
    let (words, _) = lanes.as_chunks_mut::<4>();
    let (twos, one) = words.as_chunks_mut::<2>();
    for (g, [l0, l1]) in twos.iter_mut().enumerate() {
        two_words(
            l0,
            l1,
            list,
            |r| word(r, 2 * g),
            |r| word(r, 2 * g + 1),
            pair,
        );
    }
    let g = 2 * twos.len();
    let overlap = !M.is_multiple_of(4);
    match one.first_mut() {
        Some(l0) if overlap => two_words(l0, last, list, |r| word(r, g), |r| r.last_chunk(), pair),
        Some(l0) => one_word(l0, list, |r| word(r, g), pair),
        None if overlap => one_word(last, list, |r| r.last_chunk(), pair),
        None => {}
    }
}

/// One pass over the list for two words of every row.
#[inline(always)]
fn two_words<'a, const M: usize>(
    l0: &mut [u32; 4],
    l1: &mut [u32; 4],
    list: &[Listed<'a, M>],
    word0: impl Fn(&'a [u8; M]) -> Option<&'a [u8; 4]>,
    word1: impl Fn(&'a [u8; M]) -> Option<&'a [u8; 4]>,
    pair: u32,
) {
    let (mut a0, mut a1) = (Lanes::load(l0), Lanes::load(l1));
    for (row, x) in list.iter().rev() {
        core::hint::black_box(());
        if let (Some(w0), Some(w1)) = (word0(row), word1(row)) {
            a0.add(w0, *x, pair);
            a1.add(w1, *x, pair);
        }
    }
    a0.store(l0);
    a1.store(l1);
}

/// One pass over the list for one word of every row.
#[inline(always)]
fn one_word<'a, const M: usize>(
    lanes: &mut [u32; 4],
    list: &[Listed<'a, M>],
    word: impl Fn(&'a [u8; M]) -> Option<&'a [u8; 4]>,
    pair: u32,
) {
    let mut acc = Lanes::load(lanes);
    for (row, x) in list.iter().rev() {
        core::hint::black_box(());
        if let Some(w) = word(row) {
            acc.add(w, *x, pair);
        }
    }
    acc.store(lanes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::seeded;
    use rand_core::Rng;

    extern crate std;
    use std::vec::Vec;

    /// The lanes of one word against the four sums they stand for.
    fn check_lanes(words: &[[u8; 4]], xs: &[u32]) {
        let mut lanes = Lanes::default();
        let mut want = [0u32; 4];
        for (w, x) in words.iter().zip(xs) {
            lanes.add(w, *x, PAIR);
            for (s, u) in want.iter_mut().zip(w) {
                *s += u32::from(*u) * x;
            }
        }
        assert_eq!(lanes.split(), want, "{words:?} {xs:?}");
        let mut stored = [0u32; 4];
        lanes.store(&mut stored);
        assert_eq!(Lanes::load(&stored).split(), want);
    }

    #[test]
    fn lanes_are_exact_up_to_a_full_window() {
        // Every sum at its largest: WINDOW · 255 · 255 < 2^24.
        check_lanes(&[[255; 4]; WINDOW], &[255; WINDOW]);
        // One lane at its largest beside zeros, for each lane.
        for j in 0..4 {
            let mut w = [0u8; 4];
            w[j] = 255;
            check_lanes(&[w; WINDOW], &[255; WINDOW]);
            let mut w = [255u8; 4];
            w[j] = 0;
            check_lanes(&[w; WINDOW], &[255; WINDOW]);
        }
        // Random words and inputs.
        let mut rng = seeded(17);
        for n in [0, 1, 2, 7, 100, WINDOW] {
            let words: Vec<[u8; 4]> = (0..n).map(|_| rng.next_u32().to_le_bytes()).collect();
            let xs: Vec<u32> = (0..n).map(|_| rng.next_u32() & 0xFF).collect();
            check_lanes(&words, &xs);
        }
    }
}
