//! The quantiser: an `f32` [`Network`] to a [`QuantNet`] (see the module
//! docs of [`crate::quant`] for the scales).

use super::net::{QuantNet, LOGIT_ONE};
use super::requantize::{layer_shift, multiplier};
use super::sigmoid_table::{sigmoid_table_entry, SIGMOID_STEPS, SIGMOID_TABLE_LEN};
use super::stored_weight;
use crate::activation::Activation;
use crate::input::PIXEL_MAX;
use crate::network::Network;

/// The largest weight magnitude after quantisation (symmetric: −127..=127).
pub const WEIGHT_MAX: f64 = 127.0;
/// The largest bias magnitude: scales are chosen so every bias fits in 25
/// bits, which keeps every sum well inside `i32`.
pub const BIAS_MAX: f64 = 16_777_216.0;

impl<const I: usize, const H: usize, const O: usize, const T: usize> QuantNet<I, H, O, T> {
    /// Quantises `net` into this network, in place (see the module docs).
    ///
    /// `calibration` yields the images whose largest hidden weighted inputs
    /// fix the ReLU activation scales (unused for the sigmoid). Weights and
    /// biases are rounded to nearest, ties away from zero, in `f64`.
    pub fn quantize<'a>(
        &mut self,
        net: &Network<I, H, O>,
        calibration: impl IntoIterator<Item = &'a [u8; I]>,
    ) {
        self.activation = net.activation;
        self.cost = net.cost;
        self.sigmoid_table = core::array::from_fn(|i| {
            sigmoid_table_entry(i + SIGMOID_TABLE_LEN / 2 - T.min(SIGMOID_TABLE_LEN) / 2)
        });
        let input_scale = 1.0 / PIXEL_MAX as f64;

        // Activation scale of each hidden neuron: real a = a_q · r_k.
        let mut act_scale = [input_scale; H];
        if net.activation == Activation::Relu {
            let mut max_z = [0.0f64; H];
            let mut z = [0.0f32; H];
            for x in calibration {
                net.hidden.weighted_input(x, &mut z);
                for (m, v) in max_z.iter_mut().zip(&z) {
                    *m = m.max(f64::from(*v));
                }
            }
            for (r, m) in act_scale.iter_mut().zip(&max_z) {
                *r = if *m > 0.0 { m / PIXEL_MAX as f64 } else { 1.0 };
            }
        }

        // Hidden layer: per-neuron weight scales s_j.
        let mut reals = [0.0f64; H];
        for (j, (row, b)) in net
            .hidden
            .weights
            .iter()
            .zip(&net.hidden.biases)
            .enumerate()
        {
            let scale = weight_scale(row, *b, input_scale);
            for (col, w) in self.hidden_weights.iter_mut().zip(row) {
                if let Some(u) = col.get_mut(j) {
                    *u = stored_weight(quantize_weight(*w, scale));
                }
            }
            let sum_scale = scale * input_scale;
            if let Some(beta) = self.hidden_biases.get_mut(j) {
                *beta = quantize_bias(*b, sum_scale);
            }
            let out_scale = match net.activation {
                Activation::Sigmoid => 1.0 / SIGMOID_STEPS,
                Activation::Relu => act_scale.get(j).copied().unwrap_or(1.0),
            };
            if let Some(r) = reals.get_mut(j) {
                *r = sum_scale / out_scale;
            }
        }
        self.hidden_shift = layer_shift(reals.iter().fold(0.0, |m, r| r.max(m)));
        for (m, r) in self.hidden_multipliers.iter_mut().zip(&reals) {
            *m = multiplier(*r, self.hidden_shift);
        }

        // Output layer: fold the activation scales in, then per-neuron scales t_j.
        let mut reals = [0.0f64; O];
        for (j, (row, b)) in net
            .output
            .weights
            .iter()
            .zip(&net.output.biases)
            .enumerate()
        {
            let mut folded = [0.0f32; H];
            for ((f, w), r) in folded.iter_mut().zip(row).zip(&act_scale) {
                *f = (f64::from(*w) * r) as f32;
            }
            let scale = weight_scale(&folded, *b, 1.0);
            for (col, w) in self.output_weights.iter_mut().zip(&folded) {
                if let Some(u) = col.get_mut(j) {
                    *u = stored_weight(quantize_weight(*w, scale));
                }
            }
            if let Some(beta) = self.output_biases.get_mut(j) {
                *beta = quantize_bias(*b, scale);
            }
            if let Some(r) = reals.get_mut(j) {
                *r = scale * LOGIT_ONE;
            }
        }
        self.output_shift = layer_shift(reals.iter().fold(0.0, |m, r| r.max(m)));
        for (m, r) in self.output_multipliers.iter_mut().zip(&reals) {
            *m = multiplier(*r, self.output_shift);
        }
    }
}

/// The per-neuron weight scale: `max |w| / 127`, raised if need be so the
/// bias `b` fits in [`BIAS_MAX`] on the sum's scale `scale · input_scale`.
fn weight_scale(row: &[f32], b: f32, input_scale: f64) -> f64 {
    let max = row.iter().fold(0.0f64, |m, w| m.max(f64::from(w.abs())));
    let for_weights = max / WEIGHT_MAX;
    let for_bias = f64::from(b.abs()) / (BIAS_MAX * input_scale);
    let scale = for_weights.max(for_bias);
    if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    }
}

/// `round(w / scale)`, clamped to ±127.
fn quantize_weight(w: f32, scale: f64) -> i8 {
    libm::round(f64::from(w) / scale).clamp(-WEIGHT_MAX, WEIGHT_MAX) as i8
}

/// `round(b / scale)`, clamped to ±2^24.
fn quantize_bias(b: f32, scale: f64) -> i32 {
    libm::round(f64::from(b) / scale).clamp(-BIAS_MAX, BIAS_MAX) as i32
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check_every_kernel, image, random_image};
    use super::super::{sigmoid_table, Bytes, Pairs};
    use super::*;
    use crate::cost::Cost;
    use crate::random::seeded;
    use crate::Init;

    extern crate std;
    use std::boxed::Box;
    use std::vec::Vec;

    #[test]
    fn quantized_networks_match_the_reference() {
        let mut rng = seeded(10);
        for activation in Activation::ALL {
            let mut net: Box<Network<40, 12, 4>> =
                Box::new(Network::zeroed().with_neurons(activation, Cost::CrossEntropy));
            net.init_with(Init::Scaled, &mut seeded(5));
            let images: Vec<[u8; 40]> = (0..10).map(|_| random_image(&mut rng)).collect();
            let mut q: Box<QuantNet<40, 12, 4, SIGMOID_TABLE_LEN>> = Box::default();
            q.quantize(&net, &images);
            for x in &images {
                check_every_kernel(&*q, x);
            }
        }
    }

    #[test]
    fn quantize_fills_the_sigmoid_table_centred_on_zero() {
        let net: Box<Network<40, 12, 4>> = Box::new(Network::from_seed(2));
        let mut q: Box<QuantNet<40, 12, 4, SIGMOID_TABLE_LEN>> = Box::default();
        q.quantize(&net, &[]);
        assert_eq!(q.sigmoid_table, sigmoid_table());
        // A shorter table is the middle of the full one.
        let mut short: Box<QuantNet<40, 12, 4, 16>> = Box::default();
        short.quantize(&net, &[]);
        let full = sigmoid_table();
        assert_eq!(short.sigmoid_table[..], full[504..520]);
    }

    #[test]
    fn weight_scale_covers_the_weights_and_the_bias() {
        let input_scale = 1.0 / 255.0;
        // The weights decide: max |w| / 127.
        assert_eq!(
            weight_scale(&[0.5, -2.54, 1.0], 0.1, input_scale),
            2.54f32 as f64 / 127.0
        );
        // A bias too big for 25 bits on the weights' scale raises it.
        let scale = weight_scale(&[0.001, -0.002], 1.0e6, input_scale);
        assert_eq!(scale, 1.0e6 / (BIAS_MAX * input_scale));
        // Nothing to scale, or a scale that is not a number: 1.
        assert_eq!(weight_scale(&[0.0, -0.0], 0.0, input_scale), 1.0);
        assert_eq!(weight_scale(&[f32::INFINITY, 1.0], 0.0, input_scale), 1.0);
        assert_eq!(weight_scale(&[1.0], f32::INFINITY, input_scale), 1.0);
    }

    #[test]
    fn quantized_outputs_track_the_f32_network() {
        for activation in Activation::ALL {
            let mut net: Box<Network<40, 12, 4>> =
                Box::new(Network::zeroed().with_neurons(activation, Cost::LogLikelihood));
            net.init_with(Init::Scaled, &mut seeded(8));
            let images: std::vec::Vec<[u8; 40]> = (0..30).map(image).collect();
            let mut q: Box<QuantNet<40, 12, 4, SIGMOID_TABLE_LEN>> = Box::default();
            q.quantize(&net, &images);
            assert_eq!(q.activation, activation);
            assert_eq!(q.cost, Cost::LogLikelihood);
            for x in &images {
                let f = net.feedforward(x);
                let o = q.outputs::<Pairs>(x);
                for (a, b) in f.iter().zip(&o) {
                    assert!((a - b).abs() < 0.05, "{activation:?}: {f:?} vs {o:?}");
                }
            }
        }
    }

    #[test]
    fn degenerate_networks_do_not_panic() {
        let mut net: Box<Network<8, 2, 2>> = Box::default();
        net.hidden.biases = [1e30, -1e30];
        net.output.weights[0][0] = 1e-30;
        let mut q: Box<QuantNet<8, 2, 2, SIGMOID_TABLE_LEN>> = Box::default();
        q.quantize(&net, &[[255u8; 8]]);
        check_every_kernel(&*q, &[255; 8]);
        let mut q0: Box<QuantNet<8, 2, 2, 0>> = Box::default();
        q0.quantize(&net, &[[255u8; 8]]);
        check_every_kernel(&*q0, &[0; 8]);
        check_every_kernel(&*q0, &[255; 8]);
        // No inputs at all, and a sigmoid without a table.
        let q1: QuantNet<0, 4, 2, 0> = QuantNet::zeroed();
        assert_eq!(q1.logits::<Pairs>(&[]), q1.logits_plain(&[]));
        assert_eq!(q1.logits::<Bytes<3>>(&[]), [0, 0]);
    }
}
