//! Everything of a network but its hidden weights: the part of the forward
//! pass and of backpropagation that follows the hidden layer's big sum.
//!
//! The training fast path computes the hidden layer's sums `Σ_k w_jk p_k`
//! pixel-major (see [`crate::pixel_major`]); a [`Head`] takes it from there,
//! with the same operations in the same order as [`Network::backprop`], so
//! the results are bit-identical.
//!
//! Why it is fast: every per-neuron vector is a [`Row`] of `W ≥ H` floats,
//! `H` real ones and zeros after them, so every element-wise step is whole
//! SIMD vectors with no leftover elements (the zeros stay zero: the hidden
//! activations' padding is cleared, so no gradient reaches it). The one sum
//! across neurons, the output layer's `w·a`, reads the first `H` elements in
//! [`crate::Input::dot`]'s lane order. The sigmoid and softmax use
//! [`crate::expf`], `libm`'s exponential rewritten to vectorise, bit for bit.
//! Methods are `#[inline(always)]` so that a caller compiled for wider
//! vectors (the host's CPU dispatch) compiles them for those vectors too.

use crate::activation::{Activation, Wide};
use crate::cost::Cost;
use crate::input::{LANES, PIXEL_MAX};
use crate::network::{argmax, Network};
use crate::pixel_major::Row;
use crate::vector::{opaque, zip_mut};

/// Outputs per column of the transposed output weights: one 16-float SIMD
/// vector (MNIST has 10).
const COLUMN: usize = 16;

/// The hidden biases, the output layer and the kind of neurons of a network
/// of `H` hidden neurons held in rows of `W ≥ H` floats.
#[derive(Clone, Debug, PartialEq)]
pub struct Head<const H: usize, const W: usize, const O: usize> {
    /// `b` of the hidden layer (zeros after `H`).
    pub hidden_biases: Row<W>,
    /// `w` of the output layer: row `j` holds the weights into output `j`.
    /// [`Head::outputs`] reads the copy in `output_columns`, which
    /// [`Head::of`] and [`Head::descend`] keep current; after changing these
    /// rows by hand, call [`Head::refresh_columns`].
    pub output_weights: [Row<W>; O],
    /// The output weights by column, `output_columns[k][j] = w_jk`, padded
    /// with zeros to 16 outputs (used when `O ≤ 16`).
    output_columns: [[f32; COLUMN]; H],
    /// `b` of the output layer.
    pub output_biases: [f32; O],
    /// The hidden neurons' activation function.
    pub activation: Activation,
    /// The cost, which also picks the output neurons.
    pub cost: Cost,
}

/// What backpropagation of one example leaves for the update (BP3, BP4).
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleGrad<const W: usize, const O: usize> {
    /// The hidden activations `a` (zeros after `H`).
    pub a_hidden: Row<W>,
    /// The hidden layer's error `delta` (BP2; zeros after `H`).
    pub delta_hidden: Row<W>,
    /// The output layer's error `delta_L` (BP1).
    pub delta_out: [f32; O],
}

impl<const W: usize, const O: usize> ExampleGrad<W, O> {
    /// All zeros.
    pub const fn zeroed() -> Self {
        Self {
            a_hidden: Row::ZERO,
            delta_hidden: Row::ZERO,
            delta_out: [0.0; O],
        }
    }
}

/// The summed gradient of a [`Head`]'s parameters over a mini-batch.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadGrad<const W: usize, const O: usize> {
    /// `nabla_b` of the hidden layer.
    pub hidden_biases: Row<W>,
    /// `nabla_w` of the output layer.
    pub output_weights: [Row<W>; O],
    /// `nabla_b` of the output layer.
    pub output_biases: [f32; O],
}

impl<const W: usize, const O: usize> HeadGrad<W, O> {
    /// All zeros.
    pub const fn zeroed() -> Self {
        Self {
            hidden_biases: Row::ZERO,
            output_weights: [Row::ZERO; O],
            output_biases: [0.0; O],
        }
    }

    /// Adds one example's gradient, as [`Network::backprop`] does:
    /// `nabla_b += delta` (BP3) and `nabla_w[j] += delta_j · a` (BP4).
    #[inline(always)]
    pub fn add(&mut self, g: &ExampleGrad<W, O>) {
        for ((row, nb), &d) in self
            .output_weights
            .iter_mut()
            .zip(self.output_biases.iter_mut())
            .zip(&g.delta_out)
        {
            *nb += d;
            zip_mut(&mut opaque(row).0, &g.a_hidden.0, |s, a| *s += d * a);
        }
        zip_mut(&mut self.hidden_biases.0, &g.delta_hidden.0, |nb, d| {
            *nb += d
        });
    }

    /// Sets every component back to zero.
    pub fn clear(&mut self) {
        *self = Self::zeroed();
    }
}

impl<const W: usize, const O: usize> Default for HeadGrad<W, O> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<const H: usize, const W: usize, const O: usize> Head<H, W, O> {
    /// The head of `net` (a copy), padded to `W` (checked at compile time).
    pub fn of<const I: usize>(net: &Network<I, H, O>) -> Self {
        const { assert!(W >= H) };
        let mut head = Self {
            hidden_biases: Row::ZERO,
            output_weights: [Row::ZERO; O],
            output_columns: [[0.0; COLUMN]; H],
            output_biases: net.output.biases,
            activation: net.activation,
            cost: net.cost,
        };
        copy_prefix(&net.hidden.biases, &mut head.hidden_biases.0);
        for (row, src) in head.output_weights.iter_mut().zip(&net.output.weights) {
            copy_prefix(src, &mut row.0);
        }
        head.refresh_columns();
        head
    }

    /// Copies `output_weights` into `output_columns`, the transposed copy
    /// that [`Head::outputs`] reads (nothing for more than 16 outputs,
    /// which [`Head::outputs`] sums by rows).
    pub fn refresh_columns(&mut self) {
        if O > COLUMN {
            return;
        }
        for (j, row) in self.output_weights.iter().enumerate() {
            for (column, w) in self.output_columns.iter_mut().zip(&row.0) {
                if let Some(c) = column.get_mut(j) {
                    *c = *w;
                }
            }
        }
    }

    /// Writes the head back into `net`.
    pub fn write_to<const I: usize>(&self, net: &mut Network<I, H, O>) {
        copy_prefix(&self.hidden_biases.0, &mut net.hidden.biases);
        for (row, dst) in self.output_weights.iter().zip(&mut net.output.weights) {
            copy_prefix(&row.0, dst);
        }
        net.output.biases = self.output_biases;
        net.activation = self.activation;
        net.cost = self.cost;
    }

    /// The hidden activations from the pixel sums `s_j = Σ_k w_jk p_k` (eight
    /// lanes combined): `a_j = f((s_j + 0) / 255 + b_j)`, exactly as
    /// [`crate::Input::dot`] for `u8` pixels and [`crate::Layer::weighted_input`]
    /// compute it (the `+ 0` is their empty tail, which turns a `−0` into
    /// `+0`). Elements from `H` on are set to 0.
    #[inline(always)]
    pub fn hidden_activations(&self, sums: &Row<W>, a: &mut Row<W>) {
        *a = *sums;
        zip_mut(&mut a.0, &self.hidden_biases.0, |a, b| {
            *a = (*a + 0.0) / PIXEL_MAX + b
        });
        self.activation.apply_in_place_as(Wide, &mut a.0);
        for v in a.0.iter_mut().skip(H) {
            *v = 0.0;
        }
    }

    /// The output activations for hidden activations `a_hidden`: each
    /// `z_j = w_j·a + b_j` summed over the first `H` elements as
    /// [`crate::Input::dot`] sums `[f32; H]`, then sigmoid or softmax.
    #[inline(always)]
    pub fn outputs(&self, a_hidden: &Row<W>, out: &mut [f32; O]) {
        if O <= COLUMN {
            let z = self.output_sums(a_hidden);
            for ((o, z), b) in out.iter_mut().zip(z).zip(&self.output_biases) {
                *o = z + b;
            }
        } else {
            for ((z, w), b) in out
                .iter_mut()
                .zip(&self.output_weights)
                .zip(&self.output_biases)
            {
                *z = dot_prefix::<H>(&opaque(w).0, &a_hidden.0) + b;
            }
        }
        self.cost.activate_output_as(Wide, out);
    }

    /// `w_j·a` for every output `j` at once (`O ≤ 16`; elements from `O` on
    /// are 0), in [`dot_prefix`]'s order: lane `l` sums the terms of
    /// `k ≡ l (mod 8)` over the whole groups of eight, the tail the last
    /// `H mod 8` terms, each starting at `+0`; the lanes combine pairwise
    /// and the tail comes last. Each partial sum is one 16-float vector.
    #[inline(always)]
    fn output_sums(&self, a_hidden: &Row<W>) -> [f32; COLUMN] {
        let a = a_hidden.0.get(..H).unwrap_or(&[]);
        let (a_chunks, a_tail) = a.as_chunks::<LANES>();
        let (col_chunks, col_tail) = self.output_columns.as_chunks::<LANES>();
        let zero = [0.0f32; COLUMN];
        let (mut l0, mut l1, mut l2, mut l3) = (zero, zero, zero, zero);
        let (mut l4, mut l5, mut l6, mut l7) = (zero, zero, zero, zero);
        for (c, a) in col_chunks.iter().zip(a_chunks) {
            add_column(&mut l0, &c[0], a[0]);
            add_column(&mut l1, &c[1], a[1]);
            add_column(&mut l2, &c[2], a[2]);
            add_column(&mut l3, &c[3], a[3]);
            add_column(&mut l4, &c[4], a[4]);
            add_column(&mut l5, &c[5], a[5]);
            add_column(&mut l6, &c[6], a[6]);
            add_column(&mut l7, &c[7], a[7]);
        }
        let mut tail = zero;
        for (c, &a) in col_tail.iter().zip(a_tail) {
            add_column(&mut tail, c, a);
        }
        let sum = |mut x: [f32; COLUMN], y: [f32; COLUMN]| {
            zip_mut(&mut x, &y, |a, b| *a += b);
            x
        };
        let left = sum(sum(l0, l1), sum(l2, l3));
        let right = sum(sum(l4, l5), sum(l6, l7));
        sum(sum(left, right), tail)
    }

    /// The network's answer for an image whose pixel sums are `sums` (`None`
    /// for a NaN output, as [`Network::predict`]).
    #[inline(always)]
    pub fn predict(&self, sums: &Row<W>) -> Option<usize> {
        let mut a = Row::ZERO;
        let mut out = [0.0; O];
        self.hidden_activations(sums, &mut a);
        self.outputs(&a, &mut out);
        argmax(&out)
    }

    /// Backpropagation of one example from its pixel sums, BP1 and BP2, as
    /// [`Network::backprop`] does it.
    #[inline(always)]
    pub fn backprop(&self, sums: &Row<W>, y: &[f32; O], g: &mut ExampleGrad<W, O>) {
        self.hidden_activations(sums, &mut g.a_hidden);
        let mut a_out = [0.0; O];
        self.outputs(&g.a_hidden, &mut a_out);
        self.cost.delta(&a_out, y, &mut g.delta_out);
        g.delta_hidden = Row::ZERO;
        for (row, &d) in self.output_weights.iter().zip(&g.delta_out) {
            zip_mut(&mut g.delta_hidden.0, &row.0, |dh, w| *dh += w * d);
        }
        let activation = self.activation;
        zip_mut(&mut g.delta_hidden.0, &g.a_hidden.0, |dh, a| {
            *dh *= activation.prime_from_activation(a)
        });
    }

    /// The SGD step for the head: `w ← decay·w − scale·nabla_w` for the output
    /// weights, `b ← b − scale·nabla_b` for both layers' biases.
    #[inline(always)]
    pub fn descend(&mut self, decay: f32, scale: f32, nabla: &HeadGrad<W, O>) {
        for (row, nrow) in self.output_weights.iter_mut().zip(&nabla.output_weights) {
            zip_mut(&mut opaque(row).0, &nrow.0, |w, nw| {
                *w = decay * *w - scale * nw
            });
        }
        for (b, nb) in self.output_biases.iter_mut().zip(&nabla.output_biases) {
            *b -= scale * nb;
        }
        zip_mut(
            &mut self.hidden_biases.0,
            &nabla.hidden_biases.0,
            |b, nb| *b -= scale * nb,
        );
        self.refresh_columns();
    }
}

/// `z ← z + column · a`, element by element.
#[inline(always)]
fn add_column(z: &mut [f32; COLUMN], column: &[f32; COLUMN], a: f32) {
    zip_mut(z, column, |z, w| *z += w * a);
}

/// Copies the first elements of `src` over the first elements of `dst`.
fn copy_prefix(src: &[f32], dst: &mut [f32]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}

/// `Σ_k w_k a_k` over the first `H` elements, in [`crate::Input::dot`]'s
/// order for an `[f32; H]`: [`LANES`] interleaved partial sums over the whole
/// groups of eight, combined pairwise, then the rest in order.
#[inline(always)]
fn dot_prefix<const H: usize>(w: &[f32], a: &[f32]) -> f32 {
    let (w, a) = (w.get(..H).unwrap_or(&[]), a.get(..H).unwrap_or(&[]));
    let (w_chunks, w_tail) = w.as_chunks::<LANES>();
    let (a_chunks, a_tail) = a.as_chunks::<LANES>();
    let mut lanes = [0.0f32; LANES];
    for (wc, ac) in w_chunks.iter().zip(a_chunks) {
        for ((l, wv), av) in lanes.iter_mut().zip(wc).zip(ac) {
            *l += wv * av;
        }
    }
    let mut tail = 0.0f32;
    for (wv, av) in w_tail.iter().zip(a_tail) {
        tail += wv * av;
    }
    let [l0, l1, l2, l3, l4, l5, l6, l7] = lanes;
    (((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))) + tail
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::{Form, Plain};
    use crate::input::Input;

    #[test]
    fn dot_prefix_is_the_plain_dot() {
        let mut w = [0.0f32; 32];
        let mut a = [0.0f32; 32];
        for k in 0..32 {
            w[k] = (k as f32 * 0.37).sin();
            a[k] = (k as f32 * 1.91).cos();
        }
        let mut w30 = [0.0f32; 30];
        let mut a30 = [0.0f32; 30];
        w30.copy_from_slice(&w[..30]);
        a30.copy_from_slice(&a[..30]);
        assert_eq!(dot_prefix::<30>(&w, &a).to_bits(), a30.dot(&w30).to_bits());
    }

    /// `Head::outputs` against the plain output layer: by columns for a
    /// width with whole groups of eight and a tail, one with no whole group,
    /// one with no tail and a full 16 outputs, and by rows for more than 16
    /// outputs; before and
    /// after updates (which must refresh the columns).
    #[test]
    fn outputs_match_the_plain_output_layer_bit_for_bit() {
        fn check<const H: usize, const W: usize, const O: usize>(seed: u64) {
            let mut net: Network<16, H, O> = Network::from_seed(seed);
            let mut head: Head<H, W, O> = Head::of(&net);
            for step in 0..3 {
                let mut a = Row::<W>::ZERO;
                let mut a_plain = [0.0f32; H];
                for (k, (v, p)) in a.0.iter_mut().zip(a_plain.iter_mut()).enumerate() {
                    *v = ((k * 7 + step) as f32 * 0.37).sin();
                    *p = *v;
                }
                let mut want = [0.0f32; O];
                net.output.weighted_input(&a_plain, &mut want);
                Plain.sigmoid_in_place(&mut want);
                let mut got = [0.0f32; O];
                head.outputs(&a, &mut got);
                assert_eq!(
                    got.map(f32::to_bits),
                    want.map(f32::to_bits),
                    "H {H} O {O} step {step}"
                );
                // One update of a few output weights and biases, on both.
                let mut nabla = HeadGrad::<W, O>::zeroed();
                let mut nabla_plain = net.output.clone();
                nabla_plain.clear();
                for j in [0, 3, O - 1] {
                    let k = (j + step) % H;
                    nabla.output_weights[j].0[k] = 2.5 + j as f32;
                    nabla_plain.weights[j][k] = 2.5 + j as f32;
                    nabla.output_biases[j] = 0.75;
                    nabla_plain.biases[j] = 0.75;
                }
                head.descend(1.0, 0.5, &nabla);
                net.output.descend(1.0, 0.5, &nabla_plain);
            }
        }
        check::<30, 32, 10>(1);
        check::<5, 16, 10>(2);
        check::<16, 16, 10>(3);
        check::<12, 16, 20>(4);
        check::<8, 16, 16>(5);
    }

    #[test]
    fn head_round_trips_and_predicts_like_the_network() {
        let net: Network<16, 5, 3> = Network::from_seed(4);
        let head: Head<5, 16, 3> = Head::of(&net);
        let mut back: Network<16, 5, 3> = Network::zeroed();
        back.hidden.weights = net.hidden.weights;
        head.write_to(&mut back);
        assert_eq!(back, net);
        let x = [0.25f32; 16];
        let mut sums = Row::<16>::ZERO;
        for (j, row) in net.hidden.weights.iter().enumerate() {
            // dot / 255 would be the u8 form; here the sum itself, times 255.
            sums.0[j] = x.dot(row) * PIXEL_MAX;
        }
        let mut a = Row::ZERO;
        head.hidden_activations(&sums, &mut a);
        assert!(a.0[5..].iter().all(|v| *v == 0.0));
    }
}
