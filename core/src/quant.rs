//! The int8 network: `i8` weights with one scale per neuron, `u8` inputs and
//! activations, `i32` sums, integer requantisation and a table sigmoid — no
//! floating point at all at inference, so a Cortex-M0 runs it, and host and
//! device agree exactly (order [`ORDER`]).
//!
//! The conventions are TFLite's and CMSIS-NN's for a fully connected layer:
//!
//! - **weights**: symmetric, per output neuron (per output channel): neuron
//!   `j`'s weights are `w_jk ≈ s_j · q_jk` with `q_jk` in `[−127, 127]` and
//!   `s_j = max_k |w_jk| / 127`; no zero point. They are stored offset
//!   binary, `u_kj = q_kj + 128` (a byte from 1 to 255: [`stored_weight`]),
//!   input-major — row `k` holds the weights from input `k` into every
//!   neuron — so that four weights load as one unsigned word ([`Pairs`]).
//! - **inputs**: the `u8` pixels themselves, scale `1/255`, zero point 0.
//! - **sums**: `acc_j = β_j + Σ_k q_jk · x_k` in `i32`, where the bias
//!   `β_j = round(b_j / (s_j · s_x))` is on the sum's scale `s_j · s_x`,
//!   computed as `β_j + Σ_k x_k · u_kj − 128 · Σ_k x_k`. Every term is exact
//!   in 32 bits for up to [`MAX_INPUTS`] inputs (`|acc| ≤ 32768 · 128 · 255 +
//!   2^24 < 2^31`), so the sums do not depend on the order of their terms,
//!   and every [`Kernel`] gives the same ones.
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
//! sum), so the work follows the ink as in [`crate::device`]: a layer lists
//! its non-zero inputs — each one's weight row and value, up to [`LIST`] at a
//! time — and a kernel adds them into the sums: [`Pairs`] two products per
//! 64-bit multiply-accumulate (Cortex-M3/M4/M7), [`Bytes`] one product per
//! 32-bit multiply (Cortex-M0). [`QuantNet::logits_plain`] is the plain
//! definition, every input and one neuron at a time, that both are tested
//! against bit for bit.

use core::marker::PhantomData;

use crate::activation::Activation;
use crate::cost::Cost;
use crate::input::PIXEL_MAX;
use crate::network::Network;
use sealed::Partial;

/// The name of this inference order, written into generated sources.
pub const ORDER: &str = "int8-pixel-major-v2";

/// The stored byte of a zero weight: weights are stored offset binary,
/// `u = q + 128` ([`stored_weight`]).
pub const WEIGHT_ZERO: u8 = 128;

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
    /// Hidden weights, pixel-major and offset binary: row `k` feeds every
    /// hidden neuron, `u[k][j] = q_kj + 128` ([`stored_weight`]).
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

    /// The logits `z_j · 65536` for the pixels `p`, with the sums computed by
    /// kernel `K` ([`Pairs`] or [`Bytes`]: every kernel gives the same logits).
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

/// The stored form of the weight `q`: offset binary, `u = q + 128`.
pub const fn stored_weight(q: i8) -> u8 {
    (q as u8) ^ 0x80
}

/// The weight `q = u − 128` that the stored byte `u` holds.
pub const fn weight_value(u: u8) -> i32 {
    u as i32 - WEIGHT_ZERO as i32
}

/// Inputs listed at a time by the hidden layer: 48 entries of a weight-row
/// reference and a value, 384 bytes of stack on a 32-bit device.
pub const LIST: usize = 48;

/// Hidden activations listed at a time by the output layer.
pub const OUTPUT_LIST: usize = 32;

/// Inputs one [`Pairs`] lane may sum before it is read out: a lane holds
/// 24 bits, and 256 products of at most `255 · 255` stay below `2^24`.
pub const WINDOW: usize = 256;

/// The most inputs a layer may have: every sum stays exact in 32 bits
/// (`32768 · 255 · 255 < 2^32`, and with the offset and the bias inside `i32`).
pub const MAX_INPUTS: usize = 32_768;

/// What fills a list's empty slots.
struct Filler<const M: usize>;

impl<const M: usize> Filler<M> {
    /// A row of zero weights.
    const ROW: &'static [u8; M] = &[WEIGHT_ZERO; M];
}

/// One listed input: the weight row `u[k]` and the input `x_k` (not 0).
type Listed<'a, const M: usize> = (&'a [u8; M], u32);

/// Lists a layer's non-zero inputs — each one's weight row and value — and
/// hands them to kernel `K`, up to `L` at a time, to add into `sums`.
struct Lister<'a, 's, const M: usize, const L: usize, K> {
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
    fn new(sums: &'s mut Partial<M>) -> Self {
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
    fn push(&mut self, row: &'a [u8; M], x: u8) {
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
    fn scan<const N: usize>(&mut self, x: &[u8; N], u: &'a [[u8; M]; N]) {
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
    fn finish(&mut self) {
        self.flush();
        K::settle(self.sums);
    }
}

/// How a layer's sums `Σ_k x_k · u_kj` are computed. Every kernel computes
/// the same exact integers; they differ only in speed on a given processor.
pub trait Kernel: sealed::Sums {}

mod sealed {
    use super::{Listed, WEIGHT_ZERO};

    /// A layer's sums over its non-zero inputs, as they are added.
    #[derive(Debug)]
    pub struct Partial<const M: usize> {
        /// `Σ_k x_k · u_kj` so far (for [`Pairs`](super::Pairs), up to the last read-out).
        pub(super) sums: [u32; M],
        /// `Σ_k x_k` so far.
        pub(super) inputs: u32,
        /// [`Pairs`](super::Pairs)' lanes: for each word of 4 neurons, its two 64-bit lanes as
        /// `[a_lo, a_hi, b_lo, b_hi]`.
        pub(super) lanes: [u32; M],
        /// [`Pairs`](super::Pairs)' lanes of the last word, when `M` is not a multiple of 4.
        pub(super) last: [u32; 4],
        /// Inputs added to the lanes since they were last read out.
        pub(super) window: usize,
    }

    impl<const M: usize> Partial<M> {
        /// All sums zero.
        #[inline(always)]
        pub(super) fn new() -> Self {
            Self {
                sums: [0; M],
                inputs: 0,
                lanes: [0; M],
                last: [0; 4],
                window: 0,
            }
        }

        /// `z_j = β_j + Σ_k x_k · q_kj = β_j + Σ_k x_k · u_kj − 128 · Σ_k x_k`
        /// for the sum `raw` of neuron `j`, exact (see [`MAX_INPUTS`](super::MAX_INPUTS)).
        #[inline(always)]
        pub(super) fn z(&self, raw: u32, bias: i32) -> i32 {
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
fn add_bytes<const M: usize, const B: usize>(sums: &mut [u32; M], list: &[Listed<'_, M>]) {
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

impl sealed::Sums for Pairs {
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
    use rand_core::Rng;

    extern crate std;
    use std::boxed::Box;
    use std::vec;
    use std::vec::Vec;

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
        // Past the ends: the shift stays within 1..=62, and NaN gets 62.
        assert_eq!(layer_shift(1e12), 1);
        assert_eq!(layer_shift(1e-30), 62);
        assert_eq!(layer_shift(-2.0), 62);
        assert_eq!(layer_shift(f64::NAN), 62);
        // m exactly 2^31 − 1/2 rounds to 2^31, one bit too many: the shift
        // stops short of it.
        assert_eq!(layer_shift(2_147_483_647.5 / 4_294_967_296.0), 31);
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

    #[test]
    fn stored_weights_are_offset_binary() {
        assert_eq!(stored_weight(-127), 1);
        assert_eq!(stored_weight(0), WEIGHT_ZERO);
        assert_eq!(stored_weight(127), 255);
        assert_eq!(stored_weight(-128), 0);
        for q in i8::MIN..=i8::MAX {
            assert_eq!(weight_value(stored_weight(q)), i32::from(q));
        }
    }

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

    /// The int8 forward pass from its definition, in `i64`/`i128`: every
    /// input and neuron, `q = u − 128`, the requantisation and the table
    /// lookup written out. Also checks that every sum fits in `i32`.
    #[allow(clippy::needless_range_loop)]
    fn reference<const I: usize, const H: usize, const O: usize, const T: usize>(
        q: &QuantNet<I, H, O, T>,
        x: &[u8; I],
    ) -> [i32; O] {
        let requant = |acc: i64, m: i32, shift: u8| -> i64 {
            assert!(i32::try_from(acc).is_ok(), "sum {acc} overflows i32");
            let s = u32::from(shift.clamp(1, 62));
            ((i128::from(acc) * i128::from(m) + (1i128 << (s - 1))) >> s) as i64
        };
        let mut a = [0u8; H];
        for j in 0..H {
            let mut acc = i64::from(q.hidden_biases[j]);
            for k in 0..I {
                acc += (i64::from(q.hidden_weights[k][j]) - 128) * i64::from(x[k]);
            }
            let v = requant(acc, q.hidden_multipliers[j], q.hidden_shift);
            a[j] = match q.activation {
                Activation::Sigmoid if T == 0 => 0,
                Activation::Sigmoid => {
                    let i = (v + (T / 2) as i64).clamp(0, T as i64 - 1);
                    q.sigmoid_table[i as usize]
                }
                Activation::Relu => v.clamp(0, 255) as u8,
            };
        }
        core::array::from_fn(|j| {
            let mut acc = i64::from(q.output_biases[j]);
            for k in 0..H {
                acc += (i64::from(q.output_weights[k][j]) - 128) * i64::from(a[k]);
            }
            requant(acc, q.output_multipliers[j], q.output_shift) as i32
        })
    }

    /// The plain logits and every kernel's against [`reference`].
    fn check<const I: usize, const H: usize, const O: usize, const T: usize>(
        q: &QuantNet<I, H, O, T>,
        x: &[u8; I],
    ) {
        let want = reference(q, x);
        assert_eq!(q.logits_plain(x), want, "plain");
        assert_eq!(q.logits::<Pairs>(x), want, "pairs");
        assert_eq!(q.logits::<Bytes<3>>(x), want, "bytes 3");
    }

    /// Every kernel, with every block size from 1 to 16.
    fn check_every_kernel<const I: usize, const H: usize, const O: usize, const T: usize>(
        q: &QuantNet<I, H, O, T>,
        x: &[u8; I],
    ) {
        check(q, x);
        let want = reference(q, x);
        assert_eq!(q.logits::<Bytes<1>>(x), want, "bytes 1");
        assert_eq!(q.logits::<Bytes<2>>(x), want, "bytes 2");
        assert_eq!(q.logits::<Bytes<4>>(x), want, "bytes 4");
        assert_eq!(q.logits::<Bytes<5>>(x), want, "bytes 5");
        assert_eq!(q.logits::<Bytes<7>>(x), want, "bytes 7");
        assert_eq!(q.logits::<Bytes<8>>(x), want, "bytes 8");
        assert_eq!(q.logits::<Bytes<16>>(x), want, "bytes 16");
    }

    /// A network of random bytes and integers: weights anywhere in `0..=255`
    /// (even 0, `q = −128`, which quantisation never makes), biases up to
    /// `±2^24`, multipliers with 31 bits; shifts that spread the hidden sums
    /// over the whole table (and past both ends) or over `0..=255` (ReLU).
    fn random_net<const I: usize, const H: usize, const O: usize, const T: usize>(
        seed: u64,
        activation: Activation,
    ) -> Box<QuantNet<I, H, O, T>> {
        let mut rng = seeded(seed);
        let mut q: Box<QuantNet<I, H, O, T>> = Box::default();
        let mut byte = || (rng.next_u32() >> 24) as u8;
        for row in q.hidden_weights.iter_mut() {
            row.iter_mut().for_each(|u| *u = byte());
        }
        for row in q.output_weights.iter_mut() {
            row.iter_mut().for_each(|u| *u = byte());
        }
        let mut rng = seeded(seed ^ 0x5eed);
        let mut bias = || (rng.next_u32() % (1 << 25)) as i32 - (1 << 24);
        q.hidden_biases.iter_mut().for_each(|b| *b = bias());
        q.output_biases.iter_mut().for_each(|b| *b = bias());
        let mut rng = seeded(seed ^ 0xface);
        let mut mult = || (1 << 30) + (rng.next_u32() >> 2) as i32;
        q.hidden_multipliers.iter_mut().for_each(|m| *m = mult());
        q.output_multipliers.iter_mut().for_each(|m| *m = mult());
        q.hidden_shift = match activation {
            Activation::Sigmoid => 45,
            Activation::Relu => 48,
        };
        q.output_shift = 31;
        q.sigmoid_table = core::array::from_fn(|i| {
            sigmoid_table_entry(i + SIGMOID_TABLE_LEN / 2 - T.min(SIGMOID_TABLE_LEN) / 2)
        });
        q.activation = activation;
        q
    }

    /// Random images: about half the pixels inked (any value `1..=255`).
    fn random_image<const I: usize>(rng: &mut impl Rng) -> [u8; I] {
        core::array::from_fn(|_| {
            let v = rng.next_u32();
            if v & 1 == 0 {
                0
            } else {
                ((v >> 8) % 255 + 1) as u8
            }
        })
    }

    /// Images for a layer of `I` inputs: blank, all 255, all 1, a random
    /// few, and every count of inked pixels `0..=I` (all 255), which crosses
    /// every list and window boundary.
    fn adversarial_images<const I: usize>(seed: u64) -> Vec<[u8; I]> {
        let mut rng = seeded(seed);
        let mut images = vec![[0u8; I], [255; I], [1; I]];
        images.extend((0..4).map(|_| random_image::<I>(&mut rng)));
        images.extend((0..=I).map(|n| core::array::from_fn(|k| if k < n { 255 } else { 0 })));
        // The same counts spread out: every third pixel, then the rest.
        images.extend(
            (0..=I)
                .step_by(7)
                .map(|n| core::array::from_fn(|k| if (k * 3) % I < n { 255 } else { 0 })),
        );
        images
    }

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
