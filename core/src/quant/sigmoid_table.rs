//! The hidden layer's sigmoid as a table of `u8` activations, indexed by the
//! requantised weighted input `v = round(z · 64)`.

use crate::input::PIXEL_MAX;

/// Entries of the sigmoid table: `z` from −8 to 8 in steps of 1/64.
pub const SIGMOID_TABLE_LEN: usize = 1024;
/// Table steps per unit of `z`.
pub const SIGMOID_STEPS: f64 = 64.0;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
