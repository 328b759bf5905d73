//! Everything of a network but its hidden weights: the part of the forward
//! pass and of backpropagation that follows the hidden layer's big sum.
//!
//! The training fast path computes the hidden layer's sums `Σ_k w_jk p_k`
//! pixel-major (see [`crate::pixel_major`]); a [`Head`] takes it from there,
//! with the same operations in the same order as [`Network::backprop`], so
//! the results are bit-identical. Its sigmoid and softmax use
//! [`crate::expf`], `libm`'s exponential rewritten to vectorise, bit for bit.

use crate::activation::Activation;
use crate::cost::Cost;
use crate::input::PIXEL_MAX;
use crate::layer::Layer;
use crate::network::{argmax, Network};
use crate::vector::zip_mut;

/// The hidden biases, the output layer and the kind of neurons of a network.
#[derive(Clone, Debug, PartialEq)]
pub struct Head<const H: usize, const O: usize> {
    /// `b` of the hidden layer.
    pub hidden_biases: [f32; H],
    /// The output layer.
    pub output: Layer<H, O>,
    /// The hidden neurons' activation function.
    pub activation: Activation,
    /// The cost, which also picks the output neurons.
    pub cost: Cost,
}

/// What backpropagation of one example leaves for the update (BP3, BP4).
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleGrad<const H: usize, const O: usize> {
    /// The hidden activations `a`.
    pub a_hidden: [f32; H],
    /// The hidden layer's error `delta` (BP2).
    pub delta_hidden: [f32; H],
    /// The output layer's error `delta_L` (BP1).
    pub delta_out: [f32; O],
}

impl<const H: usize, const O: usize> ExampleGrad<H, O> {
    /// All zeros.
    pub const fn zeroed() -> Self {
        Self {
            a_hidden: [0.0; H],
            delta_hidden: [0.0; H],
            delta_out: [0.0; O],
        }
    }
}

/// The summed gradient of a [`Head`]'s parameters over a mini-batch.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadGrad<const H: usize, const O: usize> {
    /// `nabla_b` of the hidden layer.
    pub hidden_biases: [f32; H],
    /// `nabla_w` and `nabla_b` of the output layer.
    pub output: Layer<H, O>,
}

impl<const H: usize, const O: usize> HeadGrad<H, O> {
    /// All zeros.
    pub const fn zeroed() -> Self {
        Self {
            hidden_biases: [0.0; H],
            output: Layer::zeroed(),
        }
    }

    /// Adds one example's gradient, as [`Network::backprop`] does:
    /// `nabla_b += delta` (BP3) and `nabla_w[j] += delta_j · a` (BP4).
    #[inline]
    pub fn add(&mut self, g: &ExampleGrad<H, O>) {
        for ((row, nb), &d) in self
            .output
            .weights
            .iter_mut()
            .zip(self.output.biases.iter_mut())
            .zip(&g.delta_out)
        {
            *nb += d;
            zip_mut(row, &g.a_hidden, |s, a| *s += d * a);
        }
        zip_mut(&mut self.hidden_biases, &g.delta_hidden, |nb, d| *nb += d);
    }

    /// Sets every component back to zero.
    pub fn clear(&mut self) {
        self.hidden_biases.fill(0.0);
        self.output.clear();
    }
}

impl<const H: usize, const O: usize> Default for HeadGrad<H, O> {
    fn default() -> Self {
        Self::zeroed()
    }
}

impl<const H: usize, const O: usize> Head<H, O> {
    /// The head of `net` (a copy).
    pub fn of<const I: usize>(net: &Network<I, H, O>) -> Self {
        Self {
            hidden_biases: net.hidden.biases,
            output: net.output.clone(),
            activation: net.activation,
            cost: net.cost,
        }
    }

    /// Writes the head back into `net`.
    pub fn write_to<const I: usize>(&self, net: &mut Network<I, H, O>) {
        net.hidden.biases = self.hidden_biases;
        net.output.clone_from(&self.output);
        net.activation = self.activation;
        net.cost = self.cost;
    }

    /// The hidden activations from the pixel sums `s_j = Σ_k w_jk p_k` (eight
    /// lanes combined): `a_j = f((s_j + 0) / 255 + b_j)`, exactly as
    /// [`crate::Input::dot`] for `u8` pixels and [`Layer::weighted_input`]
    /// compute it (the `+ 0` is their empty tail, which turns a `−0` into `+0`).
    #[inline]
    pub fn hidden_activations(&self, sums: &[f32], a: &mut [f32; H]) {
        for (a, s) in a.iter_mut().zip(sums) {
            *a = *s;
        }
        zip_mut(a, &self.hidden_biases, |a, b| {
            *a = (*a + 0.0) / PIXEL_MAX + b
        });
        self.activation.apply_in_place(a);
    }

    /// The output activations for hidden activations `a_hidden`.
    #[inline]
    pub fn outputs(&self, a_hidden: &[f32; H], out: &mut [f32; O]) {
        self.output.weighted_input(a_hidden, out);
        if self.cost.softmax() {
            crate::expf::softmax_in_place(out);
        } else {
            crate::expf::sigmoid_in_place(out);
        }
    }

    /// The network's answer for an image whose pixel sums are `sums`.
    #[inline]
    pub fn predict(&self, sums: &[f32]) -> usize {
        let mut a = [0.0; H];
        let mut out = [0.0; O];
        self.hidden_activations(sums, &mut a);
        self.outputs(&a, &mut out);
        argmax(&out)
    }

    /// Backpropagation of one example from its pixel sums, BP1 and BP2, as
    /// [`Network::backprop`] does it.
    #[inline]
    pub fn backprop(&self, sums: &[f32], y: &[f32; O], g: &mut ExampleGrad<H, O>) {
        self.hidden_activations(sums, &mut g.a_hidden);
        let mut a_out = [0.0; O];
        self.outputs(&g.a_hidden, &mut a_out);
        self.cost.delta(&a_out, y, &mut g.delta_out);
        g.delta_hidden.fill(0.0);
        for (row, &d) in self.output.weights.iter().zip(&g.delta_out) {
            zip_mut(&mut g.delta_hidden, row, |dh, w| *dh += w * d);
        }
        let activation = self.activation;
        zip_mut(&mut g.delta_hidden, &g.a_hidden, |dh, a| {
            *dh *= activation.prime_from_activation(a)
        });
    }

    /// The SGD step for the head: `w ← decay·w − scale·nabla_w` for the output
    /// weights, `b ← b − scale·nabla_b` for both layers' biases.
    #[inline]
    pub fn descend(&mut self, decay: f32, scale: f32, nabla: &HeadGrad<H, O>) {
        for (row, nrow) in self.output.weights.iter_mut().zip(&nabla.output.weights) {
            zip_mut(row, nrow, |w, nw| *w = decay * *w - scale * nw);
        }
        zip_mut(&mut self.output.biases, &nabla.output.biases, |b, nb| {
            *b -= scale * nb
        });
        zip_mut(&mut self.hidden_biases, &nabla.hidden_biases, |b, nb| {
            *b -= scale * nb
        });
    }
}
