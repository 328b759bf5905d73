//! The int8 network's arrays and its forward pass: the logits through a
//! [`Kernel`], the plain definition they equal, the predicted digit and the
//! `f32` outputs.

use super::kernel::{Kernel, Partial, MAX_INPUTS};
use super::lister::{Lister, LIST, OUTPUT_LIST};
use super::requantize::requantize;
use super::{weight_value, WEIGHT_ZERO};
use crate::activation::Activation;
use crate::cost::Cost;

/// One unit of a logit: outputs are `z · 65536`, rounded.
pub const LOGIT_ONE: f64 = 65536.0;

/// An int8 `[I, H, O]` network: both layers input-stationary, as in
/// [`crate::device::DeviceNet`]; `T` is the length of the sigmoid table
/// ([`SIGMOID_TABLE_LEN`](super::SIGMOID_TABLE_LEN), or 0 when the hidden layer is ReLU).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantNet<const I: usize, const H: usize, const O: usize, const T: usize> {
    /// Hidden weights, pixel-major and offset binary: row `k` feeds every
    /// hidden neuron, `u[k][j] = q_kj + 128` ([`stored_weight`](super::stored_weight)).
    pub hidden_weights: [[u8; H]; I],
    /// Hidden biases `β_j`, on the scale of the sums.
    pub hidden_biases: [i32; H],
    /// Sum → table index − 512 (sigmoid) or → activation (ReLU): `m_j`.
    pub hidden_multipliers: [i32; H],
    /// The hidden layer's requantisation shift.
    pub hidden_shift: u8,
    /// Output weights, offset binary: row `k` = weights from hidden neuron
    /// `k`, `u[k][j] = q_kj + 128`.
    pub output_weights: [[u8; O]; H],
    /// Output biases `β_j`.
    pub output_biases: [i32; O],
    /// Sum → logit in units of 1/65536: `m_j`.
    pub output_multipliers: [i32; O],
    /// The output layer's requantisation shift.
    pub output_shift: u8,
    /// `round(255 · σ(z))` for `z = (i − T/2) / 64` (empty for ReLU).
    pub sigmoid_table: [u8; T],
    /// The hidden neurons' activation function.
    pub activation: Activation,
    /// The cost the network was trained with (its output neurons).
    pub cost: Cost,
}

impl<const I: usize, const H: usize, const O: usize, const T: usize> QuantNet<I, H, O, T> {
    /// A network from its arrays (usable in `static` items).
    #[allow(clippy::too_many_arguments)]
    pub const fn new(
        hidden_weights: [[u8; H]; I],
        hidden_biases: [i32; H],
        hidden_multipliers: [i32; H],
        hidden_shift: u8,
        output_weights: [[u8; O]; H],
        output_biases: [i32; O],
        output_multipliers: [i32; O],
        output_shift: u8,
        sigmoid_table: [u8; T],
        activation: Activation,
        cost: Cost,
    ) -> Self {
        Self {
            hidden_weights,
            hidden_biases,
            hidden_multipliers,
            hidden_shift,
            output_weights,
            output_biases,
            output_multipliers,
            output_shift,
            sigmoid_table,
            activation,
            cost,
        }
    }

    /// A network of zeros, to be filled by [`QuantNet::quantize`].
    pub const fn zeroed() -> Self {
        Self::new(
            [[WEIGHT_ZERO; H]; I],
            [0; H],
            [0; H],
            1,
            [[WEIGHT_ZERO; O]; H],
            [0; O],
            [0; O],
            1,
            [0; T],
            Activation::Sigmoid,
            Cost::Quadratic,
        )
    }

    /// The logits `z_j · 65536` for the pixels `p`, with the sums computed by
    /// kernel `K` ([`Pairs`](super::Pairs) or [`Bytes`](super::Bytes): every kernel gives the same logits).
    ///
    /// Both layers skip their zero inputs: the inked pixels are listed (eight
    /// blank ones cost one test), and so are the non-zero hidden activations
    /// as they are computed.
    #[inline]
    pub fn logits<K: Kernel>(&self, pixels: &[u8; I]) -> [i32; O] {
        const {
            assert!(
                I <= MAX_INPUTS && H <= MAX_INPUTS,
                "too many inputs for exact sums"
            )
        };
        let mut hidden = Partial::new();
        {
            let mut list = Lister::<'_, '_, H, LIST, K>::new(&mut hidden);
            list.scan(pixels, &self.hidden_weights);
            list.finish();
        }
        let mut output = Partial::new();
        {
            let mut list = Lister::<'_, '_, O, OUTPUT_LIST, K>::new(&mut output);
            let hidden_neurons = hidden
                .sums
                .iter()
                .zip(&self.hidden_biases)
                .zip(&self.hidden_multipliers);
            for (row, ((s, b), m)) in self.output_weights.iter().zip(hidden_neurons) {
                let a = self.activate(hidden.z(*s, *b), *m);
                if a != 0 {
                    list.push(row, a);
                }
            }
            list.finish();
        }
        let mut out = [0i32; O];
        for (o, ((s, b), m)) in out.iter_mut().zip(
            output
                .sums
                .iter()
                .zip(&self.output_biases)
                .zip(&self.output_multipliers),
        ) {
            *o = requantize(output.z(*s, *b), *m, self.output_shift);
        }
        out
    }

    /// The same logits as [`QuantNet::logits`], written out plainly: every
    /// input, one neuron at a time, with the signed weights `q = u − 128`
    /// and no skipping — the reference the kernels are tested against.
    pub fn logits_plain(&self, pixels: &[u8; I]) -> [i32; O] {
        let mut a = [0u8; H];
        for (j, (a, (b, m))) in a
            .iter_mut()
            .zip(self.hidden_biases.iter().zip(&self.hidden_multipliers))
            .enumerate()
        {
            let mut acc = *b;
            for (row, p) in self.hidden_weights.iter().zip(pixels) {
                let q = row.get(j).map_or(0, |u| weight_value(*u));
                acc = acc.wrapping_add(q * i32::from(*p));
            }
            *a = self.activate(acc, *m);
        }
        let mut out = [0i32; O];
        for (j, (o, (b, m))) in out
            .iter_mut()
            .zip(self.output_biases.iter().zip(&self.output_multipliers))
            .enumerate()
        {
            let mut acc = *b;
            for (row, a) in self.output_weights.iter().zip(&a) {
                let q = row.get(j).map_or(0, |u| weight_value(*u));
                acc = acc.wrapping_add(q * i32::from(*a));
            }
            *o = requantize(acc, *m, self.output_shift);
        }
        out
    }

    /// The hidden activation `a_j` of the sum `acc` (bias included): the
    /// requantised sum looked up in the sigmoid table, or clamped to `0..=255`
    /// (ReLU).
    #[inline(always)]
    fn activate(&self, acc: i32, m: i32) -> u8 {
        let v = requantize(acc, m, self.hidden_shift);
        match self.activation {
            Activation::Sigmoid => {
                // The index clamp(v + T/2, 0, T − 1), without overflow.
                if T == 0 {
                    return 0;
                }
                let half = (T / 2) as i32;
                let i = v.clamp(-half, (T - 1) as i32 - half) + half;
                self.sigmoid_table.get(i as usize).copied().unwrap_or(0)
            }
            Activation::Relu => v.clamp(0, 255) as u8,
        }
    }

    /// The predicted digit: the index of the largest logit (the first on ties).
    pub fn predict<K: Kernel>(&self, pixels: &[u8; I]) -> usize {
        let logits = self.logits::<K>(pixels);
        let mut best = 0;
        for (i, v) in logits.iter().enumerate() {
            if logits.get(best).is_some_and(|b| v > b) {
                best = i;
            }
        }
        best
    }

    /// The output activations as `f32`, for comparison with the `f32`
    /// network: the logits divided by 65536, then the sigmoid or softmax.
    pub fn outputs<K: Kernel>(&self, pixels: &[u8; I]) -> [f32; O] {
        let mut z = self
            .logits::<K>(pixels)
            .map(|v| (f64::from(v) / LOGIT_ONE) as f32);
        self.cost.activate_output(&mut z);
        z
    }
}

impl<const I: usize, const H: usize, const O: usize, const T: usize> Default
    for QuantNet<I, H, O, T>
{
    fn default() -> Self {
        Self::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::image;
    use super::super::{sigmoid_table::SIGMOID_TABLE_LEN, stored_weight, Bytes, Pairs};
    use super::*;
    use crate::network::Network;

    extern crate std;
    use std::boxed::Box;

    #[test]
    fn predict_answers_the_largest_logit_the_first_on_ties() {
        let mut net: Box<Network<40, 12, 4>> = Box::new(Network::from_seed(6));
        net.output.biases = [0.5, -0.3, 0.2, 0.1];
        let mut q: Box<QuantNet<40, 12, 4, SIGMOID_TABLE_LEN>> = Box::default();
        q.quantize(&net, &[]);
        let mut answers = [0usize; 4];
        for seed in 0..40 {
            let x = image::<40>(seed);
            let logits = q.logits::<Pairs>(&x);
            let best = (0..4).fold(0, |b, i| if logits[i] > logits[b] { i } else { b });
            assert_eq!(q.predict::<Pairs>(&x), best, "image {seed}: {logits:?}");
            answers[best] += 1;
        }
        assert!(
            answers.iter().filter(|&&n| n > 0).count() > 1,
            "{answers:?}"
        );
        // Every logit equal (a network of zeros): the first output.
        let zeros: Box<QuantNet<40, 12, 4, SIGMOID_TABLE_LEN>> = Box::default();
        let x = image::<40>(1);
        assert_eq!(zeros.logits::<Pairs>(&x), [0; 4]);
        assert_eq!(zeros.predict::<Pairs>(&x), 0);
    }

    #[test]
    fn logits_by_hand() {
        // One hidden ReLU neuron with requant 1/2, one output with requant 2.
        let mut q: QuantNet<2, 1, 1, 0> = QuantNet::zeroed();
        q.activation = Activation::Relu;
        q.hidden_weights = [[stored_weight(3)], [stored_weight(-1)]];
        assert_eq!(q.hidden_weights, [[131], [127]]);
        q.hidden_biases = [10];
        q.hidden_multipliers = [1 << 30];
        q.hidden_shift = 31;
        q.output_weights = [[stored_weight(-2)]];
        q.output_biases = [7];
        q.output_multipliers = [1 << 30];
        q.output_shift = 29;
        for logits in [
            QuantNet::logits_plain,
            QuantNet::logits::<Pairs>,
            QuantNet::logits::<Bytes<1>>,
        ] {
            // acc = 10 + 3·20 − 1·4 = 66 → a = 33 → out = 7 − 66 = −59 → −118.
            assert_eq!(logits(&q, &[20, 4]), [-118]);
            // acc = 10 − 200 < 0 → a = 0 → out = 7 → 14.
            assert_eq!(logits(&q, &[0, 200]), [14]);
            // Saturates at 255: acc = 10 + 3·255 = 775 → 388 → 255.
            assert_eq!(logits(&q, &[255, 0]), [(7 - 510) * 2]);
        }
    }
}
