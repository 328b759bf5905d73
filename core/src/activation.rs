//! The sigmoid neuron's activation function and its derivative.

/// The sigmoid function `σ(z) = 1 / (1 + e^(−z))` (chapter 1, equation 3).
///
/// `libm::expf` rather than `std`'s `exp`: it is the same code on every
/// machine, so host and device get the same bits. Saturates to 0 or 1, never NaN
/// for a finite or infinite `z`.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + libm::expf(-z))
}

/// The derivative `σ'(z) = σ(z) (1 − σ(z))`, written in terms of `a = σ(z)`.
#[inline]
pub fn sigmoid_prime_from_activation(a: f32) -> f32 {
    a * (1.0 - a)
}

/// Applies [`sigmoid`] to every element: `a = σ(z)`.
#[inline]
pub fn sigmoid_in_place<const N: usize>(z: &mut [f32; N]) {
    for v in z.iter_mut() {
        *v = sigmoid(*v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_known_values() {
        assert_eq!(sigmoid(0.0), 0.5);
        // 1 / (1 + e^-1) = 0.7310585786...
        assert!((sigmoid(1.0) - 0.731_058_6).abs() < 1e-7);
        assert!((sigmoid(-1.0) - 0.268_941_43).abs() < 1e-7);
    }

    #[test]
    fn sigmoid_saturates_without_nan() {
        assert_eq!(sigmoid(f32::INFINITY), 1.0);
        assert_eq!(sigmoid(f32::NEG_INFINITY), 0.0);
        assert_eq!(sigmoid(-1000.0), 0.0);
        assert_eq!(sigmoid(1000.0), 1.0);
    }

    #[test]
    fn derivative_peaks_at_zero() {
        assert_eq!(sigmoid_prime_from_activation(sigmoid(0.0)), 0.25);
        assert!(sigmoid_prime_from_activation(sigmoid(3.0)) < 0.25);
    }
}
