//! The int8 network: `i8` weights with one scale per neuron, `u8` inputs and
//! activations, `i32` sums, integer requantisation and a table sigmoid — no
//! floating point at all at inference, so a Cortex-M0 runs it, and host and
//! device agree exactly (order [`ORDER`]).
//!
//! The conventions are TFLite's and CMSIS-NN's for a fully connected layer:
//!
//! - **weights**: symmetric, per output neuron (per output channel): neuron
//!   `j`'s weights are `w_jk ≈ s_j · q_jk` with `q_jk` in `[−127, 127]` and
//!   `s_j = max_k |w_jk| / 127`; no zero point.
//! - **inputs**: the `u8` pixels themselves, scale `1/255`, zero point 0.
//! - **sums**: `acc_j = β_j + Σ_k q_jk · x_k` in `i32`, where the bias
//!   `β_j = round(b_j / (s_j · s_x))` is on the sum's scale `s_j · s_x`.
//!   Every sum is exact (at most `784 · 127 · 255 + 2^24 < 2^31`), so it does not
//!   depend on the order of its terms.
//! - **requantisation**: a real multiplier `M_j` (e.g. `s_j · s_x / s_out`) is
//!   stored as `m_j / 2^shift`, one `shift` per layer (so that it is a
//!   constant in the device's code) chosen to give the layer's largest
//!   multiplier 31 significant bits, and applied as
//!   `(acc · m_j + 2^(shift−1)) >> shift` in 64 bits: a single rounding, to
//!   nearest with ties toward +∞ — CMSIS-NN's single-rounding
//!   `arm_nn_requantize`, with a per-layer shift.
//! - **hidden activation**: for the sigmoid, the sum is requantised to
//!   `v = round(z · 64)`, `z` the weighted input, and looked up in a table of
//!   [`SIGMOID_TABLE_LEN`] `u8` values `round(255 · σ((i − 512) / 64))` —
//!   `z` from −8 to 8 in steps of 1/64, clamped beyond — generated at export
//!   time like the weights. For ReLU it is requantised straight to
//!   `a = clamp(round(z / r_j), 0, 255)`, with a per-neuron activation scale
//!   `r_j` calibrated on training images (the largest `z_j` seen is 255).
//! - **output layer**: the hidden activations' scales (`1/255` for the
//!   sigmoid, `r_k` for ReLU) are folded into the output weights before they
//!   are quantised per output neuron, so the layer reads the `u8`
//!   activations as they are; each sum is requantised to the logit `z_j` in
//!   units of `1/65536` ([`LOGIT_ONE`]). The output neurons' sigmoid or
//!   softmax is increasing, so the predicted digit is the largest logit, and
//!   the logits are what the device reports.
//!
//! Zero inputs are skipped in both layers (they add nothing to an integer
//! sum), so the work follows the ink as in [`crate::device`].

use crate::activation::Activation;
use crate::cost::Cost;
use crate::input::PIXEL_MAX;
use crate::network::Network;

/// The name of this inference order, written into generated sources.
pub const ORDER: &str = "int8-pixel-major-v1";

/// Entries of the sigmoid table: `z` from −8 to 8 in steps of 1/64.
pub const SIGMOID_TABLE_LEN: usize = 1024;
/// Table steps per unit of `z`.
pub const SIGMOID_STEPS: f64 = 64.0;
/// One unit of a logit: outputs are `z · 65536`, rounded.
pub const LOGIT_ONE: f64 = 65536.0;
/// The largest weight magnitude after quantisation (symmetric: −127..=127).
pub const WEIGHT_MAX: f64 = 127.0;
/// The largest bias magnitude: scales are chosen so every bias fits in 25
/// bits, which keeps every sum well inside `i32`.
pub const BIAS_MAX: f64 = 16_777_216.0;

/// The shift of a layer whose largest real multiplier is `max_real`: the
/// one that gives it 31 significant bits (`m` in `[2^30, 2^31)`), from 1 to 62.
pub fn layer_shift(max_real: f64) -> u8 {
    if max_real.is_nan() || max_real <= 0.0 {
        return 62;
    }
    let mut shift: i32 = 31;
    let mut scaled = max_real * 2_147_483_648.0; // max_real · 2^31
    while scaled >= 2_147_483_647.5 && shift > 1 {
        scaled /= 2.0;
        shift -= 1;
    }
    while scaled * 2.0 < 2_147_483_647.5 && shift < 62 {
        scaled *= 2.0;
        shift += 1;
    }
    shift as u8
}

/// The multiplier `m = round(real · 2^shift)`, clamped to `0..=i32::MAX`.
pub fn multiplier(real: f64, shift: u8) -> i32 {
    let m = libm::round(real * libm::pow(2.0, f64::from(shift)));
    if m.is_nan() {
        0
    } else {
        m.clamp(0.0, 2_147_483_647.0) as i32
    }
}

/// `(acc · m + 2^(shift−1)) >> shift`: the sum `acc` times the real
/// multiplier `m / 2^shift`, rounded to nearest, ties toward +∞ (`shift` is
/// taken as 1 to 62). Within the bounds of a quantised network (`|acc| <
/// 2^26`, and a result that fits) this is exact; outside them the result
/// wraps rather than panics.
#[inline(always)]
pub fn requantize(acc: i32, m: i32, shift: u8) -> i32 {
    let shift = u32::from(shift.clamp(1, 62));
    let product = i64::from(acc) * i64::from(m);
    (product.wrapping_add(1i64 << (shift - 1)) >> shift) as i32
}

/// The sigmoid table's entry `i`: `round(255 · σ((i − 512) / 64))`, computed
/// in `f64` with `libm` (the same on every machine).
pub fn sigmoid_table_entry(i: usize) -> u8 {
    let z = (i as f64 - (SIGMOID_TABLE_LEN / 2) as f64) / SIGMOID_STEPS;
    let a = 1.0 / (1.0 + libm::exp(-z));
    libm::round(PIXEL_MAX as f64 * a) as u8
}

/// The whole sigmoid table (see [`sigmoid_table_entry`]).
pub fn sigmoid_table() -> [u8; SIGMOID_TABLE_LEN] {
    core::array::from_fn(sigmoid_table_entry)
}

/// An int8 `[I, H, O]` network: both layers input-stationary, as in
/// [`crate::device::DeviceNet`]; `T` is the length of the sigmoid table
/// ([`SIGMOID_TABLE_LEN`], or 0 when the hidden layer is ReLU).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantNet<const I: usize, const H: usize, const O: usize, const T: usize> {
    /// Hidden weights `q[k][j]`, pixel-major: row `k` feeds every hidden neuron.
    pub hidden_weights: [[i8; H]; I],
    /// Hidden biases `β_j`, on the scale of the sums.
    pub hidden_biases: [i32; H],
    /// Sum → table index − 512 (sigmoid) or → activation (ReLU): `m_j`.
    pub hidden_multipliers: [i32; H],
    /// The hidden layer's requantisation shift.
    pub hidden_shift: u8,
    /// Output weights `q[k][j]`, row `k` = weights from hidden neuron `k`.
    pub output_weights: [[i8; O]; H],
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
        hidden_weights: [[i8; H]; I],
        hidden_biases: [i32; H],
        hidden_multipliers: [i32; H],
        hidden_shift: u8,
        output_weights: [[i8; O]; H],
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
            [[0; H]; I],
            [0; H],
            [0; H],
            1,
            [[0; O]; H],
            [0; O],
            [0; O],
            1,
            [0; T],
            Activation::Sigmoid,
            Cost::Quadratic,
        )
    }

    /// Number of weight bytes (`I·H + H·O`).
    pub const WEIGHT_BYTES: usize = I * H + H * O;

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
                if let Some(q) = col.get_mut(j) {
                    *q = quantize_weight(*w, scale);
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
                if let Some(q) = col.get_mut(j) {
                    *q = quantize_weight(*w, scale);
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

    /// The logits `z_j · 65536` for the pixels `p`, in blocks of `B` hidden
    /// sums (any `B` from 1: integer sums do not depend on the order).
    #[inline]
    pub fn logits<const B: usize>(&self, pixels: &[u8; I]) -> [i32; O] {
        let mut sums = self.hidden_biases;
        self.hidden_sums::<B>(pixels, &mut sums);
        let mut a = [0u8; H];
        for ((a, acc), m) in a.iter_mut().zip(&sums).zip(&self.hidden_multipliers) {
            let v = requantize(*acc, *m, self.hidden_shift);
            *a = match self.activation {
                Activation::Sigmoid => {
                    let last = T.saturating_sub(1) as i32;
                    let i = v.saturating_add((T / 2) as i32).clamp(0, last);
                    self.sigmoid_table.get(i as usize).copied().unwrap_or(0)
                }
                Activation::Relu => v.clamp(0, 255) as u8,
            };
        }
        let mut out = self.output_biases;
        for (row, a) in self.output_weights.iter().zip(&a) {
            if *a != 0 {
                let a = i32::from(*a);
                for (o, w) in out.iter_mut().zip(row) {
                    *o = o.wrapping_add(i32::from(*w) * a);
                }
            }
        }
        for (o, m) in out.iter_mut().zip(&self.output_multipliers) {
            *o = requantize(*o, *m, self.output_shift);
        }
        out
    }

    /// The predicted digit: the index of the largest logit (the first on ties).
    pub fn predict<const B: usize>(&self, pixels: &[u8; I]) -> usize {
        let logits = self.logits::<B>(pixels);
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
    pub fn outputs<const B: usize>(&self, pixels: &[u8; I]) -> [f32; O] {
        let mut z = self
            .logits::<B>(pixels)
            .map(|v| (f64::from(v) / LOGIT_ONE) as f32);
        self.cost.activate_output(&mut z);
        z
    }

    /// `sums[j] += Σ_k q_kj · p_k` over the inked pixels, a block of `B`
    /// neurons at a time.
    ///
    /// The image is read once, eight pixels at a time (eight blank ones cost
    /// one test); each inked pixel's weight row and value go into a short
    /// list, and for each block of `B` neurons, whose sums the compiler keeps
    /// in registers, the list is run through: per pixel, `B` loads and `B`
    /// multiply-adds. The list holds [`LIST`] pixels; a longer run of ink is
    /// handled a list at a time.
    #[inline]
    pub fn hidden_sums<const B: usize>(&self, pixels: &[u8; I], sums: &mut [i32; H]) {
        const { assert!(B > 0, "the block size must be at least 1") };
        let Some(first_row) = self.hidden_weights.first() else {
            return;
        };
        let mut list: [(&[i8; H], i32); LIST] = [(first_row, 0); LIST];
        let mut n = 0;
        let (eights, rest) = pixels.as_chunks::<8>();
        let (w_eights, w_rest) = self.hidden_weights.as_chunks::<8>();
        for (chunk, rows) in eights.iter().zip(w_eights) {
            if u64::from_ne_bytes(*chunk) == 0 {
                continue;
            }
            if n > LIST - 8 {
                add_listed::<H, B>(sums, list.get(..n).unwrap_or_default());
                n = 0;
            }
            for (p, row) in chunk.iter().zip(rows) {
                if *p != 0 {
                    if let Some(slot) = list.get_mut(n) {
                        *slot = (row, i32::from(*p));
                        n += 1;
                    }
                }
            }
        }
        for (p, row) in rest.iter().zip(w_rest) {
            if *p != 0 {
                if n == LIST {
                    add_listed::<H, B>(sums, &list);
                    n = 0;
                }
                if let Some(slot) = list.get_mut(n) {
                    *slot = (row, i32::from(*p));
                    n += 1;
                }
            }
        }
        add_listed::<H, B>(sums, list.get(..n).unwrap_or_default());
    }
}

/// Inked pixels listed at a time by [`QuantNet::hidden_sums`]: 64 entries
/// of a weight-row reference and a value, 512 bytes of stack on a 32-bit device.
pub const LIST: usize = 64;

/// `sums[j] += q_kj · p_k` for every listed pixel, a block of `B` sums at a
/// time, then the last `H mod B`.
///
/// Not inlined: as a function of its own it is a plain loop over the list,
/// which the compiler keeps in registers, rather than one unrolled over the
/// list's 64 slots.
#[inline(never)]
fn add_listed<const H: usize, const B: usize>(sums: &mut [i32; H], list: &[(&[i8; H], i32)]) {
    let (blocks, rest) = sums.as_chunks_mut::<B>();
    for (block, out) in blocks.iter_mut().enumerate() {
        let mut acc = *out;
        for (row, x) in list {
            if let Some(w) = row.as_chunks::<B>().0.get(block) {
                for (a, w) in acc.iter_mut().zip(w) {
                    *a = a.wrapping_add(i32::from(*w) * x);
                }
            }
        }
        *out = acc;
    }
    // The last H mod B sums (a length the compiler knows), in a block of their own.
    let start = H - rest.len();
    let mut acc = [0i32; B];
    for (a, s) in acc.iter_mut().zip(rest.iter()) {
        *a = *s;
    }
    for (row, x) in list {
        if let Some(w) = row.get(start..) {
            for (a, w) in acc.iter_mut().zip(w) {
                *a = a.wrapping_add(i32::from(*w) * x);
            }
        }
    }
    for (s, a) in rest.iter_mut().zip(acc) {
        *s = a;
    }
}

impl<const I: usize, const H: usize, const O: usize, const T: usize> Default
    for QuantNet<I, H, O, T>
{
    fn default() -> Self {
        Self::zeroed()
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
    use super::*;
    use crate::random::seeded;
    use crate::Init;

    extern crate std;
    use std::boxed::Box;

    #[test]
    fn requantize_rounds_half_up() {
        // 0.75 = 0x60000000 / 2^31.
        assert_eq!(layer_shift(0.75), 31);
        assert_eq!(multiplier(0.75, 31), 0x6000_0000);
        let m = 0x6000_0000;
        assert_eq!(requantize(4, m, 31), 3);
        assert_eq!(requantize(2, m, 31), 2); // 1.5 → 2
        assert_eq!(requantize(-2, m, 31), -1); // −1.5 → −1 (ties toward +∞)
        assert_eq!(requantize(-3, m, 31), -2); // −2.25 → −2
        assert_eq!(layer_shift(1e9), 1);
        assert_eq!(multiplier(1e9, 1), 2_000_000_000);
        assert_eq!(multiplier(1e10, 1), i32::MAX);
        assert_eq!(layer_shift(0.0), 62);
        assert_eq!(multiplier(f64::NAN, 3), 0);
        assert_eq!(requantize(12345, 0, 62), 0);
        // Any multiplier: 31 significant bits, within half a unit of the exact product.
        for real in [1e-6, 0.0037, 0.5, 1.0, 3.999, 1234.5] {
            let shift = layer_shift(real);
            let m = multiplier(real, shift);
            assert!((1 << 30..=i32::MAX).contains(&m), "{real}: {m}");
            let back = f64::from(m) / libm::pow(2.0, f64::from(shift));
            assert!((back - real).abs() <= real * 1e-9, "{real}");
            for acc in [-1_000_000, -77, 0, 5, 999_999] {
                let exact = f64::from(acc) * back;
                let got = f64::from(requantize(acc, m, shift));
                assert!((got - exact).abs() <= 0.5, "{real} {acc}");
            }
        }
        // A smaller multiplier in the same layer keeps the layer's shift.
        assert_eq!(multiplier(0.375, 31), 0x3000_0000);
    }

    #[test]
    fn sigmoid_table_by_hand() {
        let t = sigmoid_table();
        assert_eq!(t[512], 128); // σ(0) = 0.5 → 127.5 → 128
        assert_eq!(t[0], 0); // σ(−8) · 255 = 0.085
        assert_eq!(t[1023], 255);
        assert!(t.windows(2).all(|w| w[0] <= w[1]));
        // σ(1) · 255 = 186.42
        assert_eq!(t[512 + 64], 186);
    }

    fn image<const I: usize>(seed: usize) -> [u8; I] {
        core::array::from_fn(|k| {
            let v = (k * 29 + seed * 13) % 89;
            if v < 50 {
                0
            } else {
                (v * 7 % 256) as u8
            }
        })
    }

    #[test]
    fn block_size_does_not_change_the_logits() {
        for activation in Activation::ALL {
            let mut net: Box<Network<40, 12, 4>> =
                Box::new(Network::zeroed().with_neurons(activation, Cost::CrossEntropy));
            net.init_with(Init::Scaled, &mut seeded(5));
            let images: std::vec::Vec<[u8; 40]> = (0..10).map(image).collect();
            let mut q: Box<QuantNet<40, 12, 4, SIGMOID_TABLE_LEN>> = Box::default();
            q.quantize(&net, &images);
            for x in &images {
                let l = q.logits::<12>(x);
                assert_eq!(q.logits::<1>(x), l);
                assert_eq!(q.logits::<4>(x), l);
                assert_eq!(q.logits::<6>(x), l);
                assert_eq!(q.logits::<5>(x), l);
                assert_eq!(q.logits::<8>(x), l);
                assert_eq!(q.logits::<16>(x), l);
            }
        }
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
                let o = q.outputs::<12>(x);
                for (a, b) in f.iter().zip(&o) {
                    assert!((a - b).abs() < 0.05, "{activation:?}: {f:?} vs {o:?}");
                }
            }
        }
    }

    #[test]
    fn long_runs_of_ink_match_a_plain_sum() {
        // 300 inked pixels: more than one list's worth (64).
        let mut q: Box<QuantNet<300, 7, 1, 0>> = Box::default();
        for (k, row) in q.hidden_weights.iter_mut().enumerate() {
            for (j, w) in row.iter_mut().enumerate() {
                *w = ((k * 7 + j * 13) % 255) as i8;
            }
        }
        q.hidden_biases = [5, -6, 7, -8, 9, -10, 11];
        let pixels: [u8; 300] =
            core::array::from_fn(|k| if k % 37 == 5 { 0 } else { (k % 256) as u8 });
        let mut want = q.hidden_biases;
        for (k, p) in pixels.iter().enumerate() {
            for (j, w) in want.iter_mut().enumerate() {
                *w += i32::from(q.hidden_weights[k][j]) * i32::from(*p);
            }
        }
        for_blocks(&q, &pixels, &want);
    }

    fn for_blocks<const I: usize, const H: usize>(
        q: &QuantNet<I, H, 1, 0>,
        pixels: &[u8; I],
        want: &[i32; H],
    ) {
        let run = |b: usize| {
            let mut sums = q.hidden_biases;
            match b {
                1 => q.hidden_sums::<1>(pixels, &mut sums),
                3 => q.hidden_sums::<3>(pixels, &mut sums),
                4 => q.hidden_sums::<4>(pixels, &mut sums),
                _ => q.hidden_sums::<8>(pixels, &mut sums),
            }
            sums
        };
        for b in [1, 3, 4, 8] {
            assert_eq!(&run(b), want, "block {b}");
        }
    }

    #[test]
    fn logits_by_hand() {
        // One hidden ReLU neuron with requant 1/2, one output with requant 2.
        let mut q: QuantNet<2, 1, 1, 0> = QuantNet::zeroed();
        q.activation = Activation::Relu;
        q.hidden_weights = [[3], [-1]];
        q.hidden_biases = [10];
        q.hidden_multipliers = [1 << 30];
        q.hidden_shift = 31;
        q.output_weights = [[-2]];
        q.output_biases = [7];
        q.output_multipliers = [1 << 30];
        q.output_shift = 29;
        // acc = 10 + 3·20 − 1·4 = 66 → a = 33 → out = 7 − 66 = −59 → −118.
        assert_eq!(q.logits::<1>(&[20, 4]), [-118]);
        // acc = 10 − 200 < 0 → a = 0 → out = 7 → 14.
        assert_eq!(q.logits::<1>(&[0, 200]), [14]);
        // Saturates at 255: acc = 10 + 3·255 = 775 → 388 → 255.
        assert_eq!(q.logits::<1>(&[255, 0]), [(7 - 510) * 2]);
    }

    #[test]
    fn degenerate_networks_do_not_panic() {
        let mut net: Box<Network<8, 2, 2>> = Box::default();
        net.hidden.biases = [1e30, -1e30];
        net.output.weights[0][0] = 1e-30;
        let mut q: Box<QuantNet<8, 2, 2, SIGMOID_TABLE_LEN>> = Box::default();
        q.quantize(&net, &[[255u8; 8]]);
        let _ = q.logits::<2>(&[255; 8]);
        let mut q0: Box<QuantNet<8, 2, 2, 0>> = Box::default();
        q0.quantize(&net, &[[255u8; 8]]);
        assert_eq!(q0.logits::<1>(&[0; 8]), q0.logits::<2>(&[0; 8]));
    }
}
