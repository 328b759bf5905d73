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
//!
//! The files, by job: `net` (the arrays and the forward pass), `quantize`
//! (the quantiser, from an `f32` network), `requantize` (the multipliers and
//! shifts), `sigmoid_table`, `lister` (the list of non-zero inputs), `kernel`
//! (the [`Kernel`] trait, its partial sums, [`Bytes`]) and `pairs`
//! ([`Pairs`]); this file holds the stored form of a weight.

mod kernel;
mod lister;
mod net;
mod pairs;
mod quantize;
mod requantize;
mod sigmoid_table;
#[cfg(test)]
mod testing;

pub use kernel::{Bytes, Kernel, MAX_INPUTS};
pub use lister::{LIST, OUTPUT_LIST};
pub use net::{QuantNet, LOGIT_ONE};
pub use pairs::{Pairs, WINDOW};
pub use quantize::{BIAS_MAX, WEIGHT_MAX};
pub use requantize::{layer_shift, multiplier, requantize};
pub use sigmoid_table::{sigmoid_table, sigmoid_table_entry, SIGMOID_STEPS, SIGMOID_TABLE_LEN};

/// The name of this inference order, written into generated sources.
pub const ORDER: &str = "int8-pixel-major-v2";

/// The stored byte of a zero weight: weights are stored offset binary,
/// `u = q + 128` ([`stored_weight`]).
pub const WEIGHT_ZERO: u8 = 128;

/// The stored form of the weight `q`: offset binary, `u = q + 128`.
pub const fn stored_weight(q: i8) -> u8 {
    (q as u8) ^ 0x80
}

/// The weight `q = u − 128` that the stored byte `u` holds.
pub const fn weight_value(u: u8) -> i32 {
    u as i32 - WEIGHT_ZERO as i32
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
