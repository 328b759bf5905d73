//! One fully connected layer: its weights and biases.

use crate::error::Error;
use crate::input::Input;
use crate::random::{uniform_closed_open, Normal};
use rand_core::Rng;

/// A layer of `OUT` neurons, each reading all `IN` activations of the layer before.
///
/// Row-major, as in the book: `weights[j][k]` is `w_jk`, the weight from neuron
/// `k` of the previous layer into neuron `j` of this one; `biases[j]` is `b_j`.
#[derive(Clone, Debug, PartialEq)]
pub struct Layer<const IN: usize, const OUT: usize> {
    /// `w`: row `j` holds the weights into neuron `j`.
    pub weights: [[f32; IN]; OUT],
    /// `b`: one bias per neuron.
    pub biases: [f32; OUT],
}

impl<const IN: usize, const OUT: usize> Layer<IN, OUT> {
    /// Number of parameters: `IN · OUT` weights and `OUT` biases.
    pub const PARAMETERS: usize = IN * OUT + OUT;

    /// A layer from its weights and biases (usable in `static` items).
    pub const fn new(weights: [[f32; IN]; OUT], biases: [f32; OUT]) -> Self {
        Self { weights, biases }
    }

    /// A layer of zeros, also used as an empty gradient.
    pub const fn zeroed() -> Self {
        Self::new([[0.0; IN]; OUT], [0.0; OUT])
    }

    /// Sets every value to zero.
    pub fn clear(&mut self) {
        self.weights.iter_mut().for_each(|row| row.fill(0.0));
        self.biases.fill(0.0);
    }

    /// Fills the weights row by row with N(0, 1) samples.
    pub fn fill_weights_normal<R: Rng + ?Sized>(&mut self, normal: &mut Normal, rng: &mut R) {
        for row in self.weights.iter_mut() {
            row.iter_mut().for_each(|w| *w = normal.sample(rng));
        }
    }

    /// Fills the weights row by row with N(0, 1/IN) samples: an N(0, 1) sample
    /// divided by `√IN` in `f64`, then rounded to `f32` (as `network2.py`'s
    /// `randn(y, x) / sqrt(x)`).
    pub fn fill_weights_scaled<R: Rng + ?Sized>(&mut self, normal: &mut Normal, rng: &mut R) {
        let sqrt_n = libm::sqrt(IN as f64);
        for row in self.weights.iter_mut() {
            row.iter_mut()
                .for_each(|w| *w = (normal.sample_f64(rng) / sqrt_n) as f32);
        }
    }

    /// Fills the weights row by row with U(−0.5, 0.5) samples: a uniform
    /// `u` in `[0, 1)` with 53 random bits, then `u − 0.5` rounded to `f32`.
    pub fn fill_weights_uniform<R: Rng + ?Sized>(&mut self, rng: &mut R) {
        for row in self.weights.iter_mut() {
            row.iter_mut()
                .for_each(|w| *w = (uniform_closed_open(rng) - 0.5) as f32);
        }
    }

    /// Fills the biases with N(0, 1) samples.
    pub fn fill_biases_normal<R: Rng + ?Sized>(&mut self, normal: &mut Normal, rng: &mut R) {
        self.biases.iter_mut().for_each(|b| *b = normal.sample(rng));
    }

    /// The weighted input `z = w·a + b` (chapter 1, equation 22).
    #[inline]
    pub fn weighted_input<X: Input<IN> + ?Sized>(&self, a: &X, z: &mut [f32; OUT]) {
        for ((zj, wj), bj) in z.iter_mut().zip(&self.weights).zip(&self.biases) {
            *zj = a.dot(wj) + bj;
        }
    }

    /// The SGD step for one layer: `w ← decay · w − scale · nabla_w` and
    /// `b ← b − scale · nabla_b` (chapter 3, equations 93 and 94).
    ///
    /// With `decay = 1.0` this is chapter 1's `w ← w − scale · nabla_w`, bit for bit.
    #[inline]
    pub fn descend(&mut self, decay: f32, scale: f32, nabla: &Self) {
        for (row, nrow) in self.weights.iter_mut().zip(&nabla.weights) {
            for (w, nw) in row.iter_mut().zip(nrow) {
                *w = decay * *w - scale * nw;
            }
        }
        for (b, nb) in self.biases.iter_mut().zip(&nabla.biases) {
            *b -= scale * nb;
        }
    }

    /// Whether every weight and bias is finite (neither NaN nor infinite).
    pub fn is_finite(&self) -> bool {
        self.weights
            .iter()
            .flatten()
            .chain(&self.biases)
            .all(|v| v.is_finite())
    }

    /// Copies weights (row-major, `OUT × IN`) and biases from flat slices.
    ///
    /// Leaves the layer unchanged on error.
    pub fn copy_from_slices(&mut self, weights: &[f32], biases: &[f32]) -> Result<(), Error> {
        if weights.len() != IN * OUT {
            return Err(Error::LengthMismatch {
                expected: IN * OUT,
                found: weights.len(),
            });
        }
        if biases.len() != OUT {
            return Err(Error::LengthMismatch {
                expected: OUT,
                found: biases.len(),
            });
        }
        for (row, src) in self.weights.iter_mut().zip(weights.chunks_exact(IN.max(1))) {
            row.iter_mut().zip(src).for_each(|(w, s)| *w = *s);
        }
        self.biases
            .iter_mut()
            .zip(biases)
            .for_each(|(b, s)| *b = *s);
        Ok(())
    }

    /// The weights as one flat row-major iterator (`w_00, w_01, …`).
    pub fn weights_flat(&self) -> impl Iterator<Item = f32> + '_ {
        self.weights.iter().flatten().copied()
    }
}

impl<const IN: usize, const OUT: usize> Default for Layer<IN, OUT> {
    fn default() -> Self {
        Self::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_input_by_hand() {
        let layer = Layer::new([[1.0, 2.0], [-1.0, 0.5]], [0.5, -0.25]);
        let mut z = [0.0; 2];
        layer.weighted_input(&[3.0f32, 4.0], &mut z);
        // z0 = 1*3 + 2*4 + 0.5 = 11.5 ; z1 = -3 + 2 - 0.25 = -1.25
        assert_eq!(z, [11.5, -1.25]);
    }

    #[test]
    fn descend_by_hand() {
        let mut layer = Layer::new([[1.0, 2.0]], [0.5]);
        let nabla = Layer::new([[0.5, -1.0]], [2.0]);
        layer.descend(1.0, 0.5, &nabla);
        assert_eq!(layer, Layer::new([[0.75, 2.5]], [-0.5]));
        // With weight decay 0.5: w = 0.5 · w − 0.5 · nabla_w; the bias is not decayed.
        let mut layer = Layer::new([[1.0, 2.0]], [0.5]);
        layer.descend(0.5, 0.5, &nabla);
        assert_eq!(layer, Layer::new([[0.25, 1.5]], [-0.5]));
    }

    #[test]
    fn copy_from_slices_checks_lengths() {
        let mut layer = Layer::<2, 3>::zeroed();
        assert_eq!(
            layer.copy_from_slices(&[1.0; 5], &[0.0; 3]),
            Err(Error::LengthMismatch {
                expected: 6,
                found: 5
            })
        );
        assert_eq!(
            layer.copy_from_slices(&[1.0; 6], &[0.0; 2]),
            Err(Error::LengthMismatch {
                expected: 3,
                found: 2
            })
        );
        assert_eq!(layer, Layer::zeroed());
        layer
            .copy_from_slices(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[7.0, 8.0, 9.0])
            .unwrap();
        assert_eq!(layer.weights, [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
        assert_eq!(layer.biases, [7.0, 8.0, 9.0]);
        assert!(layer.is_finite());
        layer.weights[1][0] = f32::NAN;
        assert!(!layer.is_finite());
    }
}
