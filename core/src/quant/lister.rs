//! The list of a layer's non-zero inputs that the kernels add up: the work
//! follows the ink.

use core::marker::PhantomData;

use super::kernel::{Kernel, Partial};
use super::pairs::WINDOW;
use super::WEIGHT_ZERO;

/// Inputs listed at a time by the hidden layer: 48 entries of a weight-row
/// reference and a value, 384 bytes of stack on a 32-bit device.
pub const LIST: usize = 48;

/// Hidden activations listed at a time by the output layer.
pub const OUTPUT_LIST: usize = 32;

/// What fills a list's empty slots.
struct Filler<const M: usize>;

impl<const M: usize> Filler<M> {
    /// A row of zero weights.
    const ROW: &'static [u8; M] = &[WEIGHT_ZERO; M];
}

/// One listed input: the weight row `u[k]` and the input `x_k` (not 0).
pub(super) type Listed<'a, const M: usize> = (&'a [u8; M], u32);

/// Lists a layer's non-zero inputs — each one's weight row and value — and
/// hands them to kernel `K`, up to `L` at a time, to add into `sums`.
pub(super) struct Lister<'a, 's, const M: usize, const L: usize, K> {
    /// The listed inputs: `list[..n]`.
    list: [Listed<'a, M>; L],
    /// How many are listed.
    n: usize,
    /// The layer's sums.
    sums: &'s mut Partial<M>,
    /// The kernel.
    kernel: PhantomData<K>,
}

impl<'a, 's, const M: usize, const L: usize, K: Kernel> Lister<'a, 's, M, L, K> {
    /// An empty list whose inputs are added into `sums` (all zero).
    #[inline(always)]
    pub(super) fn new(sums: &'s mut Partial<M>) -> Self {
        const { assert!(L >= 8 && L <= WINDOW, "a list holds 8 to WINDOW inputs") };
        Self {
            list: [(Filler::<M>::ROW, 0); L],
            n: 0,
            sums,
            kernel: PhantomData,
        }
    }

    /// Hands the listed inputs to the kernel and empties the list.
    #[inline(always)]
    fn flush(&mut self) {
        K::add(self.sums, self.list.get(..self.n).unwrap_or_default());
        self.n = 0;
    }

    /// Lists the input `x` (not 0) with its weight row.
    #[inline(always)]
    pub(super) fn push(&mut self, row: &'a [u8; M], x: u8) {
        if self.n >= L {
            self.flush();
        }
        if let Some(slot) = self.list.get_mut(self.n) {
            *slot = (row, u32::from(x));
            self.n += 1;
            self.sums.inputs += u32::from(x);
        }
    }

    /// Lists the non-zero inputs among `x` (rows `u`), reading them eight at
    /// a time: eight zeros cost one test.
    #[inline(always)]
    pub(super) fn scan<const N: usize>(&mut self, x: &[u8; N], u: &'a [[u8; M]; N]) {
        let (eights, rest) = x.as_chunks::<8>();
        let (u_eights, u_rest) = u.as_chunks::<8>();
        let mut n = self.n;
        let mut inputs = self.sums.inputs;
        for (chunk, rows) in eights.iter().zip(u_eights) {
            // Emits nothing; keeps the compiler from unrolling this loop,
            // which only adds work to the blank chunks.
            core::hint::black_box(());
            let (lo, hi) = chunk.split_at(4);
            let lo = lo.first_chunk::<4>().map_or(0, |w| u32::from_le_bytes(*w));
            let hi = hi.first_chunk::<4>().map_or(0, |w| u32::from_le_bytes(*w));
            if lo | hi == 0 {
                continue;
            }
            if n > L - 8 {
                K::add(self.sums, self.list.get(..n).unwrap_or_default());
                n = 0;
            }
            // Room for the whole chunk: at most L − 8 are listed.
            let Some(window) = self
                .list
                .get_mut(n..)
                .and_then(|w| w.first_chunk_mut::<8>())
            else {
                continue;
            };
            let mut c = 0;
            let (rows_lo, rows_hi) = rows.split_at(4);
            let mut add = |word: u32, rows: &'a [[u8; M]]| {
                if word != 0 {
                    for (i, row) in rows.iter().enumerate() {
                        let p = (word >> (8 * i)) & 0xFF;
                        if p != 0 {
                            if let Some(slot) = window.get_mut(c) {
                                *slot = (row, p);
                            }
                            c += 1;
                            inputs += p;
                        }
                    }
                }
            };
            add(lo, rows_lo);
            add(hi, rows_hi);
            n += c;
        }
        self.n = n;
        self.sums.inputs = inputs;
        for (p, row) in rest.iter().zip(u_rest) {
            if *p != 0 {
                self.push(row, *p);
            }
        }
    }

    /// Adds what is still listed or held aside: `sums` is complete.
    #[inline(always)]
    pub(super) fn finish(&mut self) {
        self.flush();
        K::settle(self.sums);
    }
}
