//! The kernels' common part: the [`Kernel`] trait, the partial sums they
//! add into, and [`Bytes`], one product per 32-bit multiply.

use super::lister::Listed;

pub(super) use sealed::{Partial, Sums};

/// The most inputs a layer may have: every sum stays exact in 32 bits
/// (`32768 · 255 · 255 < 2^32`, and with the offset and the bias inside `i32`).
pub const MAX_INPUTS: usize = 32_768;

/// How a layer's sums `Σ_k x_k · u_kj` are computed. Every kernel computes
/// the same exact integers; they differ only in speed on a given processor.
pub trait Kernel: sealed::Sums {}

pub(super) mod sealed {
    use super::super::WEIGHT_ZERO;
    use super::Listed;

    /// A layer's sums over its non-zero inputs, as they are added.
    #[derive(Debug)]
    pub struct Partial<const M: usize> {
        /// `Σ_k x_k · u_kj` so far (for [`Pairs`](crate::quant::Pairs), up to the last read-out).
        pub(in crate::quant) sums: [u32; M],
        /// `Σ_k x_k` so far.
        pub(in crate::quant) inputs: u32,
        /// [`Pairs`](crate::quant::Pairs)' lanes: for each word of 4 neurons, its two 64-bit lanes as
        /// `[a_lo, a_hi, b_lo, b_hi]`.
        pub(in crate::quant) lanes: [u32; M],
        /// [`Pairs`](crate::quant::Pairs)' lanes of the last word, when `M` is not a multiple of 4.
        pub(in crate::quant) last: [u32; 4],
        /// Inputs added to the lanes since they were last read out.
        pub(in crate::quant) window: usize,
    }

    impl<const M: usize> Partial<M> {
        /// All sums zero.
        #[inline(always)]
        pub(in crate::quant) fn new() -> Self {
            Self {
                sums: [0; M],
                inputs: 0,
                lanes: [0; M],
                last: [0; 4],
                window: 0,
            }
        }

        /// `z_j = β_j + Σ_k x_k · q_kj = β_j + Σ_k x_k · u_kj − 128 · Σ_k x_k`
        /// for the sum `raw` of neuron `j`, exact (see [`MAX_INPUTS`](crate::quant::MAX_INPUTS)).
        #[inline(always)]
        pub(in crate::quant) fn z(&self, raw: u32, bias: i32) -> i32 {
            let offset = self.inputs.wrapping_mul(u32::from(WEIGHT_ZERO));
            bias.wrapping_add(raw.wrapping_sub(offset) as i32)
        }
    }

    /// The kernel's work (sealed: only this module's kernels exist).
    pub trait Sums {
        /// Adds `x_k · u_kj` for every listed input into `acc`.
        fn add<const M: usize>(acc: &mut Partial<M>, list: &[Listed<'_, M>]);
        /// Moves whatever the kernel holds aside into `acc.sums`.
        fn settle<const M: usize>(acc: &mut Partial<M>);
    }
}

/// One 32-bit multiply per product, `B` sums per pass over the listed
/// inputs (the compiler keeps them in registers): for processors without a
/// 64-bit multiply-accumulate, such as the Cortex-M0 (`B = 3` suits its eight
/// low registers).
#[derive(Clone, Copy, Debug)]
pub struct Bytes<const B: usize>;

impl<const B: usize> Kernel for Bytes<B> {}

impl<const B: usize> sealed::Sums for Bytes<B> {
    fn add<const M: usize>(acc: &mut Partial<M>, list: &[Listed<'_, M>]) {
        if !list.is_empty() {
            add_bytes::<M, B>(&mut acc.sums, list);
        }
    }

    fn settle<const M: usize>(_: &mut Partial<M>) {}
}

/// `sums[j] += x_k · u_kj` for every listed input, a block of `B` sums at a
/// time, then the last `M mod B`.
///
/// Not inlined: as a function of its own it is a plain loop over the list,
/// which the compiler keeps in registers.
#[inline(never)]
pub(super) fn add_bytes<const M: usize, const B: usize>(
    sums: &mut [u32; M],
    list: &[Listed<'_, M>],
) {
    const { assert!(B > 0, "the block size must be at least 1") };
    let (blocks, rest) = sums.as_chunks_mut::<B>();
    for (block, out) in blocks.iter_mut().enumerate() {
        let mut acc = *out;
        for (row, x) in list {
            if let Some(w) = row.as_chunks::<B>().0.get(block) {
                for (a, w) in acc.iter_mut().zip(w) {
                    *a = a.wrapping_add(u32::from(*w) * x);
                }
            }
        }
        *out = acc;
    }
    // The last M mod B sums (a length the compiler knows), in a block of their own.
    let start = M - rest.len();
    let mut acc = [0u32; B];
    for (a, s) in acc.iter_mut().zip(rest.iter()) {
        *a = *s;
    }
    for (row, x) in list {
        if let Some(w) = row.get(start..) {
            for (a, w) in acc.iter_mut().zip(w) {
                *a = a.wrapping_add(u32::from(*w) * x);
            }
        }
    }
    for (s, a) in rest.iter_mut().zip(acc) {
        *s = a;
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{adversarial_images, check, check_every_kernel, random_net};
    use super::super::SIGMOID_TABLE_LEN;
    use crate::activation::Activation;

    /// Every hidden width from 10 to 128, both activations: the kernels
    /// against the reference on the adversarial images (300 inputs: more
    /// than a window).
    fn check_width<const H: usize>() {
        for activation in Activation::ALL {
            let q = random_net::<300, H, 10, SIGMOID_TABLE_LEN>(H as u64, activation);
            for x in adversarial_images::<300>(H as u64).iter().step_by(3) {
                check(&q, x);
            }
        }
    }

    macro_rules! check_widths {
        ($($h:literal)*) => {
            $(check_width::<$h>();)*
        };
    }

    #[test]
    fn kernels_match_the_reference_for_every_width_from_10_to_128() {
        check_widths!(10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128);
    }

    #[test]
    fn every_kernel_matches_the_reference_at_every_list_and_window_boundary() {
        for activation in Activation::ALL {
            let q = random_net::<300, 30, 10, SIGMOID_TABLE_LEN>(3, activation);
            for x in &adversarial_images::<300>(4) {
                check_every_kernel(&q, x);
            }
            // A ReLU-style network without a table, and a layer narrower than a word.
            let q = random_net::<300, 3, 2, 0>(5, activation);
            for x in &adversarial_images::<300>(6) {
                check_every_kernel(&q, x);
            }
        }
    }

    #[test]
    fn the_output_layer_crosses_its_window_too() {
        // 300 hidden neurons, all active: more than a window of inputs to the output layer.
        let mut q = random_net::<16, 300, 4, SIGMOID_TABLE_LEN>(7, Activation::Relu);
        q.hidden_biases = [1 << 24; 300];
        for x in &adversarial_images::<16>(8) {
            check_every_kernel(&*q, x);
        }
        assert!(q.logits_plain(&[255; 16]) != [0; 4]);
    }

    #[test]
    fn weights_at_the_extremes_do_not_overflow() {
        for activation in Activation::ALL {
            for u in [0u8, 1, 127, 128, 129, 255] {
                let mut q = random_net::<784, 30, 10, SIGMOID_TABLE_LEN>(9, activation);
                q.hidden_weights = [[u; 30]; 784];
                q.output_weights = [[255 - u; 10]; 30];
                for bias in [-(1 << 24), 1 << 24] {
                    q.hidden_biases = [bias; 30];
                    q.output_biases = [-bias; 10];
                    for x in [[255u8; 784], [1; 784], [0; 784]] {
                        check(&*q, &x);
                    }
                }
            }
        }
    }
}
