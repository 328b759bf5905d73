//! The `f32` network as a microcontroller runs it: hidden weights stored
//! pixel-major, summed input-stationary (order `pixel-major-v1`).
//!
//! Training reads the hidden layer row by row (`w[j][k]`, eight partial sums
//! per neuron: [`crate::input`]). On a microcontroller that order wastes most
//! of its work: an MNIST digit has 64–210 inked pixels of 784, so most of the
//! `30 × 784` products are `w · 0`. [`DeviceNet`] stores the hidden weights
//! pixel-major — `w[k]` holds the weights from pixel `k` into every hidden
//! neuron — and for each inked pixel adds `w[k][j] · p_k` to all the sums at
//! once, a block of `B` sums at a time so that they stay in FPU registers.
//! The work follows the ink, not the image size.
//!
//! The order of every sum is fixed here, so the host computes exactly what
//! the device computes (order [`ORDER`]):
//!
//! - hidden: `z_j = (Σ_k w_kj · p_k) / 255 + b_j`, one running sum per neuron
//!   that starts at `+0` and adds the products of the non-zero pixels `p_k` in
//!   ascending `k`, each product rounded before it is added (no fused
//!   multiply-add); then `a_j = σ(z_j)` or `max(0, z_j)`;
//! - output: `z_j = (Σ_k w_jk · a_k) + b_j`, the same kind of running sum over
//!   the non-zero hidden activations `a_k` in ascending `k`; then the sigmoid
//!   or softmax of [`Cost::activate_output`].
//!
//! Skipping a zero input changes nothing: `w · 0 = ±0`, and adding `±0` to a
//! running sum that started at `+0` leaves it unchanged (a round-to-nearest sum
//! is `−0` only when both terms are), for finite weights. The block size `B`
//! changes nothing either: each neuron's sum runs in the same order whichever
//! block it is in. These outputs are bit-exact between host and device; they
//! differ in the last bits from [`crate::Network::feedforward`], whose sums run
//! in the training order.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::input::PIXEL_MAX;
use crate::network::Network;

/// The name of this summation order, written into generated sources.
pub const ORDER: &str = "pixel-major-v1";

/// The largest block of hidden sums one pass keeps in registers.
///
/// The Cortex-M4F has 32 single-precision registers: 16 sums, the pixel
/// value and the weights being loaded fit with room to spare.
pub const MAX_BLOCK: usize = 16;

/// The block size the exporter picks for `h` hidden neurons: the largest
/// divisor of `h` that is at most [`MAX_BLOCK`] (15 for 30, 10 for 100).
pub const fn block_for(h: usize) -> usize {
    block_within(h, MAX_BLOCK)
}

/// The largest divisor of `h` that is at most `max` (at least 1): a block
/// size for a processor that keeps `max` sums in registers.
pub const fn block_within(h: usize, max: usize) -> usize {
    let mut b = if h < max { h } else { max };
    while b > 1 && !h.is_multiple_of(b) {
        b -= 1;
    }
    if b == 0 {
        1
    } else {
        b
    }
}

/// A `[I, H, O]` network in the device layout: both layers input-stationary.
///
/// `hidden_weights[k][j]` is `w_jk` of the book: the weight from input `k`
/// into hidden neuron `j` (the transpose of [`crate::Layer`]'s rows), and
/// `output_weights[k][j]` the weight from hidden neuron `k` into output `j`.
#[derive(Clone, Debug, PartialEq)]
pub struct DeviceNet<const I: usize, const H: usize, const O: usize> {
    /// Hidden weights, pixel-major: row `k` feeds every hidden neuron.
    pub hidden_weights: [[f32; H]; I],
    /// Hidden biases `b_j`.
    pub hidden_biases: [f32; H],
    /// Output weights, hidden-neuron-major: row `k` feeds every output neuron.
    pub output_weights: [[f32; O]; H],
    /// Output biases `b_j`.
    pub output_biases: [f32; O],
    /// The hidden neurons' activation function.
    pub activation: Activation,
    /// The cost the network was trained with; it fixes the output neurons.
    pub cost: Cost,
}

impl<const I: usize, const H: usize, const O: usize> DeviceNet<I, H, O> {
    /// A network from its arrays (usable in `static` items).
    pub const fn new(
        hidden_weights: [[f32; H]; I],
        hidden_biases: [f32; H],
        output_weights: [[f32; O]; H],
        output_biases: [f32; O],
        activation: Activation,
        cost: Cost,
    ) -> Self {
        Self {
            hidden_weights,
            hidden_biases,
            output_weights,
            output_biases,
            activation,
            cost,
        }
    }

    /// A network of zeros (chapter 1's neurons), to be filled by [`DeviceNet::copy_from`].
    pub const fn zeroed() -> Self {
        Self::new(
            [[0.0; H]; I],
            [0.0; H],
            [[0.0; O]; H],
            [0.0; O],
            Activation::Sigmoid,
            Cost::Quadratic,
        )
    }

    /// Fills this network in place with `net`'s weights, transposed.
    pub fn copy_from(&mut self, net: &Network<I, H, O>) {
        for (j, row) in net.hidden.weights.iter().enumerate() {
            for (col, w) in self.hidden_weights.iter_mut().zip(row) {
                if let Some(v) = col.get_mut(j) {
                    *v = *w;
                }
            }
        }
        self.hidden_biases = net.hidden.biases;
        for (j, row) in net.output.weights.iter().enumerate() {
            for (col, w) in self.output_weights.iter_mut().zip(row) {
                if let Some(v) = col.get_mut(j) {
                    *v = *w;
                }
            }
        }
        self.output_biases = net.output.biases;
        self.activation = net.activation;
        self.cost = net.cost;
    }

    /// The output activations for the pixels `p` (`a = p / 255`), in blocks of
    /// `B` hidden sums (any divisor of `H`; the result does not depend on it).
    #[inline]
    pub fn feedforward<const B: usize>(&self, pixels: &[u8; I]) -> [f32; O] {
        let mut sums = [0.0f32; H];
        self.hidden_sums::<B>(pixels, &mut sums);
        self.finish(&mut sums)
    }

    /// The rest of the forward pass from the hidden sums `Σ_k w_kj · p_k` (as
    /// [`DeviceNet::hidden_sums`] gives them): `z = sums / 255 + b`, the
    /// hidden activations (in place of the sums), the output layer and its
    /// activations.
    ///
    /// A firmware with a faster kernel for the sums calls this after it.
    #[inline]
    pub fn finish(&self, sums: &mut [f32; H]) -> [f32; O] {
        let a = sums;
        for (z, b) in a.iter_mut().zip(&self.hidden_biases) {
            *z = *z / PIXEL_MAX + b;
        }
        self.activation.apply_in_place(a);
        let mut z = [0.0f32; O];
        for (row, x) in self.output_weights.iter().zip(a.iter()) {
            if *x != 0.0 {
                add_scaled(&mut z, row, *x);
            }
        }
        for (z, b) in z.iter_mut().zip(&self.output_biases) {
            *z += b;
        }
        self.cost.activate_output(&mut z);
        z
    }

    /// The predicted digit: the index of the largest output (`None` for a NaN
    /// output, as [`crate::Network::predict`]).
    pub fn predict<const B: usize>(&self, pixels: &[u8; I]) -> Option<usize> {
        crate::network::argmax(&self.feedforward::<B>(pixels))
    }

    /// `sums[j] = Σ_k w_kj · p_k` over the non-zero pixels, in ascending `k`.
    ///
    /// One pass per block of `B` neurons. A pass reads the image four pixels
    /// at a time and skips four blank ones with one test; for an inked pixel
    /// it adds its weights into the block's `B` running sums, which the
    /// compiler keeps in registers for the whole pass.
    #[inline]
    pub fn hidden_sums<const B: usize>(&self, pixels: &[u8; I], sums: &mut [f32; H]) {
        const { assert!(B > 0 && H.is_multiple_of(B), "the block size must divide H") };
        let (quads, rest) = pixels.as_chunks::<4>();
        let (w_quads, w_rest) = self.hidden_weights.as_chunks::<4>();
        for (block, out) in sums.as_chunks_mut::<B>().0.iter_mut().enumerate() {
            let mut acc = [0.0f32; B];
            for (quad, w_quad) in quads.iter().zip(w_quads) {
                if u32::from_ne_bytes(*quad) == 0 {
                    continue;
                }
                for (p, row) in quad.iter().zip(w_quad) {
                    add_pixel(&mut acc, row, block, *p);
                }
            }
            for (p, row) in rest.iter().zip(w_rest) {
                add_pixel(&mut acc, row, block, *p);
            }
            *out = acc;
        }
    }
}

impl<const I: usize, const H: usize, const O: usize> Default for DeviceNet<I, H, O> {
    fn default() -> Self {
        Self::zeroed()
    }
}

/// Adds pixel `p`'s weights into block `block` of the running sums, if `p` is inked.
#[inline(always)]
fn add_pixel<const H: usize, const B: usize>(
    acc: &mut [f32; B],
    row: &[f32; H],
    block: usize,
    p: u8,
) {
    if p == 0 {
        return;
    }
    if let Some(w) = row.as_chunks::<B>().0.get(block) {
        add_scaled(acc, w, f32::from(p));
    }
}

/// `acc[j] += w[j] · x` for every `j`: each product rounded, then added (the
/// device order's inner step, and the reference for any faster kernel).
#[inline(always)]
pub fn add_scaled<const N: usize>(acc: &mut [f32; N], w: &[f32; N], x: f32) {
    for (a, w) in acc.iter_mut().zip(w) {
        *a += w * x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::seeded;
    use crate::Init;

    extern crate std;
    use std::boxed::Box;

    #[test]
    fn block_sizes() {
        let picks = [10, 16, 20, 30, 50, 64, 100, 128].map(block_for);
        assert_eq!(picks, [10, 16, 10, 15, 10, 16, 10, 16]);
        assert_eq!(block_for(1), 1);
        assert_eq!(block_for(17), 1);
        assert_eq!(block_for(0), 1);
        assert_eq!(
            [30, 16, 100, 64].map(|h| block_within(h, 10)),
            [10, 8, 10, 8]
        );
        assert_eq!([30, 16, 100, 128].map(|h| block_within(h, 5)), [5, 4, 5, 4]);
    }

    /// The same sums written out plainly: every pixel, one neuron at a time.
    #[allow(clippy::needless_range_loop)]
    fn plain<const I: usize, const H: usize, const O: usize>(
        net: &Network<I, H, O>,
        pixels: &[u8; I],
    ) -> [f32; O] {
        let mut a = [0.0f32; H];
        for j in 0..H {
            let mut s = 0.0f32;
            for k in 0..I {
                s += net.hidden.weights[j][k] * f32::from(pixels[k]);
            }
            a[j] = s / PIXEL_MAX + net.hidden.biases[j];
        }
        net.activation.apply_in_place(&mut a);
        let mut z = [0.0f32; O];
        for j in 0..O {
            let mut s = 0.0f32;
            for k in 0..H {
                s += net.output.weights[j][k] * a[k];
            }
            z[j] = s + net.output.biases[j];
        }
        net.cost.activate_output(&mut z);
        z
    }

    fn image<const I: usize>(seed: usize) -> [u8; I] {
        core::array::from_fn(|k| {
            let v = (k * 37 + seed * 11) % 97;
            if v < 60 {
                0
            } else {
                (v * 5 % 256) as u8
            }
        })
    }

    fn bits<const O: usize>(v: [f32; O]) -> [u32; O] {
        v.map(f32::to_bits)
    }

    #[test]
    fn matches_the_plain_order_bit_for_bit_for_every_block_size() {
        for (activation, cost) in [
            (Activation::Sigmoid, Cost::Quadratic),
            (Activation::Relu, Cost::LogLikelihood),
            (Activation::Sigmoid, Cost::CrossEntropy),
        ] {
            let mut net: Box<Network<50, 12, 3>> =
                Box::new(Network::zeroed().with_neurons(activation, cost));
            net.init_with(Init::Scaled, &mut seeded(9));
            let mut dev: Box<DeviceNet<50, 12, 3>> = Box::default();
            dev.copy_from(&net);
            assert_eq!(dev.activation, activation);
            assert_eq!(dev.cost, cost);
            for seed in 0..20 {
                let x = image::<50>(seed);
                let want = bits(plain(&net, &x));
                assert_eq!(bits(dev.feedforward::<1>(&x)), want);
                assert_eq!(bits(dev.feedforward::<3>(&x)), want);
                assert_eq!(bits(dev.feedforward::<4>(&x)), want);
                assert_eq!(bits(dev.feedforward::<12>(&x)), want);
                // Close to the training order's outputs, not necessarily equal.
                for (d, t) in dev.feedforward::<4>(&x).iter().zip(net.feedforward(&x)) {
                    assert!((d - t).abs() < 1e-5, "{d} vs {t}");
                }
            }
        }
    }

    #[test]
    fn odd_input_sizes_use_the_tail() {
        let mut net: Box<Network<7, 2, 2>> = Box::default();
        net.init_with(Init::Normal, &mut seeded(1));
        let mut dev: Box<DeviceNet<7, 2, 2>> = Box::default();
        dev.copy_from(&net);
        let x = [0u8, 0, 0, 0, 0, 9, 200];
        assert_eq!(bits(dev.feedforward::<2>(&x)), bits(plain(&net, &x)));
        assert_eq!(
            dev.predict::<1>(&x),
            crate::network::argmax(&plain(&net, &x))
        );
    }

    #[test]
    fn predict_answers_the_largest_output_and_nothing_for_nan() {
        let mut net: Box<Network<50, 12, 4>> = Box::default();
        net.init_with(Init::Normal, &mut seeded(3));
        let mut dev: Box<DeviceNet<50, 12, 4>> = Box::default();
        dev.copy_from(&net);
        let mut answers = [0usize; 4];
        for seed in 0..40 {
            let x = image::<50>(seed);
            let want = crate::network::argmax(&plain(&net, &x));
            assert_eq!(dev.predict::<4>(&x), want, "seed {seed}");
            if let Some(d) = want {
                answers[d] += 1;
            }
        }
        // The images reach more than one answer, so a constant cannot pass.
        assert!(
            answers.iter().filter(|&&n| n > 0).count() > 1,
            "{answers:?}"
        );
        dev.output_biases[2] = f32::NAN;
        assert_eq!(dev.predict::<4>(&image::<50>(0)), None);
    }

    #[test]
    fn hidden_sums_by_hand() {
        let mut dev: DeviceNet<4, 2, 1> = DeviceNet::zeroed();
        dev.hidden_weights = [[1.0, -1.0], [2.0, 0.5], [-3.0, 4.0], [0.25, 8.0]];
        let mut sums = [0.0; 2];
        dev.hidden_sums::<1>(&[1, 0, 2, 4], &mut sums);
        // 1 + 0 + (−6) + 1 = −4 ; −1 + 0 + 8 + 32 = 39
        assert_eq!(sums, [-4.0, 39.0]);
        dev.hidden_sums::<2>(&[0, 0, 0, 0], &mut sums);
        assert_eq!(sums.map(f32::to_bits), [0, 0]);
    }
}
