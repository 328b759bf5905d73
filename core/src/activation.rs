//! Neuron activation functions: the sigmoid and ReLU of the hidden layer, and
//! the softmax of a log-likelihood output layer.
//!
//! Each is defined once here. Over an array the sigmoid and the softmax run
//! in one of two [`Form`]s that give the same bits: [`Plain`], element by
//! element with `libm::expf` (the definition itself, and the device's small
//! code), and [`Wide`], sixteen elements at a time with
//! [`crate::expf::expf`] (the host's fast path).

use crate::expf::expf;
use crate::vector::{blocks16_mut, map_mut};

/// The sigmoid function `σ(z) = 1 / (1 + e^(−z))` (chapter 1, equation 3).
///
/// `libm::expf` rather than `std`'s `exp`: it is the same code on every
/// machine, so host and device get the same bits. Saturates to 0 or 1, never NaN
/// for a finite or infinite `z`.
#[inline]
pub fn sigmoid(z: f32) -> f32 {
    sigmoid_with(libm::expf, z)
}

/// `σ(z) = 1 / (1 + e^(−z))` with the exponential `exp`: the formula of both
/// [`Form`]s.
#[inline(always)]
fn sigmoid_with(exp: impl Fn(f32) -> f32, z: f32) -> f32 {
    1.0 / (1.0 + exp(-z))
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

/// The rectified linear unit `max(0, z)` (chapter 3); NaN stays NaN, so a
/// diverged network is still seen to be one.
#[inline]
pub fn relu(z: f32) -> f32 {
    if z < 0.0 {
        0.0
    } else {
        z
    }
}

/// The softmax `a_j = e^(z_j) / Σ_k e^(z_k)` (chapter 3), in place.
///
/// Computed as `e^(z_j − max z) / Σ_k e^(z_k − max z)`: the same value, but every
/// exponent is at most 0, so large logits cannot overflow, and the sum is at
/// least 1. The sum runs over `k` in order. Logits of `+∞` (an overflowed
/// weighted input) share the whole output, as the limit does; NaN stays NaN.
#[inline]
pub fn softmax_in_place<const N: usize>(z: &mut [f32; N]) {
    let max = largest(z);
    if max == f32::INFINITY {
        let winners = z.iter().filter(|&&v| v == f32::INFINITY).count() as f32;
        for v in z.iter_mut() {
            *v = if v.is_nan() {
                f32::NAN
            } else if *v == f32::INFINITY {
                1.0 / winners
            } else {
                0.0
            };
        }
        return;
    }
    let mut sum = 0.0f32;
    for v in z.iter_mut() {
        *v = libm::expf(*v - max);
        sum += *v;
    }
    for v in z.iter_mut() {
        *v /= sum;
    }
}

/// The largest element of `z` (−∞ when `z` is empty; NaN elements are passed
/// over), the shift that keeps the softmax's exponents at most 0.
#[inline(always)]
fn largest<const N: usize>(z: &[f32; N]) -> f32 {
    z.iter()
        .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m })
}

/// How the sigmoid and the softmax run over an array. Every form gives the
/// same bits, so host and device agree whichever each uses; they differ in
/// speed and code size only.
pub trait Form: Copy + sealed::Sealed {
    /// `a = σ(z)` for every element: [`sigmoid_in_place`]'s bits.
    fn sigmoid_in_place<const N: usize>(self, z: &mut [f32; N]);
    /// The softmax of `z`, in place: [`softmax_in_place`]'s bits.
    fn softmax_in_place<const N: usize>(self, z: &mut [f32; N]);
}

mod sealed {
    /// Only this module's forms exist: each is tested to give the same bits.
    pub trait Sealed {}
    impl Sealed for super::Plain {}
    impl Sealed for super::Wide {}
}

/// Element by element with `libm::expf`: [`sigmoid_in_place`] and
/// [`softmax_in_place`] themselves. Small code; what the device and the
/// book's network run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Plain;

impl Form for Plain {
    #[inline(always)]
    fn sigmoid_in_place<const N: usize>(self, z: &mut [f32; N]) {
        sigmoid_in_place(z);
    }

    #[inline(always)]
    fn softmax_in_place<const N: usize>(self, z: &mut [f32; N]) {
        softmax_in_place(z);
    }
}

/// Sixteen elements at a time with [`crate::expf::expf`], which has no
/// branches, so a compiler vectorises it: the twin of [`Plain`] for the
/// host's fast path. The same bits, because `expf` equals `libm::expf` for
/// every input (the tests of [`crate::expf`]) and the sums and divisions are
/// the same operations in the same order; the test
/// `wide_neurons_equal_the_plain_ones` checks the two forms against each other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Wide;

impl Form for Wide {
    #[inline(always)]
    fn sigmoid_in_place<const N: usize>(self, z: &mut [f32; N]) {
        blocks16_mut(z, |b| {
            b.iter_mut().for_each(|v| *v = sigmoid_with(expf, *v))
        });
    }

    #[inline(always)]
    fn softmax_in_place<const N: usize>(self, z: &mut [f32; N]) {
        let max = largest(z);
        if max == f32::INFINITY {
            // Rare (an overflowed logit): the plain form handles it.
            softmax_in_place(z);
            return;
        }
        blocks16_mut(z, |b| b.iter_mut().for_each(|v| *v = expf(*v - max)));
        let mut sum = 0.0f32;
        for v in z.iter() {
            sum += *v;
        }
        map_mut(z, |v| *v /= sum);
    }
}

/// The activation function of the hidden neurons, chosen once per network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Activation {
    /// `σ(z)`, the book's sigmoid neuron (the default).
    #[default]
    Sigmoid,
    /// `max(0, z)`, the rectified linear unit.
    Relu,
}

impl Activation {
    /// Every activation, in the order the command line lists them.
    pub const ALL: [Activation; 2] = [Activation::Sigmoid, Activation::Relu];

    /// The name used on the command line and in model files.
    pub const fn name(self) -> &'static str {
        match self {
            Activation::Sigmoid => "sigmoid",
            Activation::Relu => "relu",
        }
    }

    /// The activation called `name` (see [`Activation::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }

    /// `a = f(z)` for every element, the sigmoid in the [`Plain`] form.
    #[inline]
    pub fn apply_in_place<const N: usize>(self, z: &mut [f32; N]) {
        self.apply_in_place_as(Plain, z);
    }

    /// `a = f(z)` for every element, the sigmoid in the form `form` (the
    /// same bits in every form).
    #[inline(always)]
    pub fn apply_in_place_as<F: Form, const N: usize>(self, form: F, z: &mut [f32; N]) {
        match self {
            Activation::Sigmoid => form.sigmoid_in_place(z),
            Activation::Relu => z.iter_mut().for_each(|v| *v = relu(*v)),
        }
    }

    /// The derivative `f'(z)`, from the activation `a = f(z)`: `a (1 − a)` for
    /// the sigmoid; 1 where `a > 0`, else 0, for ReLU.
    #[inline]
    pub fn prime_from_activation(self, a: f32) -> f32 {
        match self {
            Activation::Sigmoid => sigmoid_prime_from_activation(a),
            Activation::Relu => {
                if a > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
        }
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

    #[test]
    fn relu_and_its_derivative() {
        let mut z = [-2.0f32, 0.0, 0.5, 3.0, f32::NAN];
        Activation::Relu.apply_in_place(&mut z);
        assert_eq!(z[..4], [0.0, 0.0, 0.5, 3.0]);
        assert!(z[4].is_nan());
        let primes = [0.0f32, 0.5, 3.0].map(|a| Activation::Relu.prime_from_activation(a));
        assert_eq!(primes, [0.0, 1.0, 1.0]);
        assert_eq!(Activation::Sigmoid.prime_from_activation(0.5), 0.25);
        let mut s = [0.0f32, 1.0];
        Activation::Sigmoid.apply_in_place(&mut s);
        assert_eq!(s, [0.5, sigmoid(1.0)]);
    }

    #[test]
    fn relu_returns_every_input_not_below_zero_as_it_is() {
        // Bit for bit, −0 included: the fast path, the device and the page
        // must give the same bits, so `relu` has exactly one answer for −0.
        for z in [-0.0f32, 0.0, 1e-45, 0.5, f32::INFINITY] {
            assert_eq!(relu(z).to_bits(), z.to_bits(), "{z}");
        }
        for z in [-1e-45f32, -0.5, f32::NEG_INFINITY] {
            assert_eq!(relu(z).to_bits(), 0.0f32.to_bits(), "{z}");
        }
    }

    #[test]
    fn softmax_by_hand() {
        // e^0, e^1, e^2 over their sum: 0.09003057, 0.24472847, 0.66524096.
        let mut z = [0.0f32, 1.0, 2.0];
        softmax_in_place(&mut z);
        for (got, want) in z.iter().zip([0.090_030_57, 0.244_728_47, 0.665_240_96]) {
            assert!((got - want).abs() < 1e-7, "{z:?}");
        }
        assert!((z.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        // Shifting every logit changes nothing.
        let mut shifted = [100.0f32, 101.0, 102.0];
        softmax_in_place(&mut shifted);
        assert_eq!(shifted, z);
    }

    #[test]
    fn softmax_of_huge_logits_is_finite() {
        let mut z = [1e30f32, -1e30, 88.0, 1e30, f32::MAX];
        softmax_in_place(&mut z);
        assert!(z.iter().all(|v| v.is_finite()), "{z:?}");
        assert_eq!(z, [0.0, 0.0, 0.0, 0.0, 1.0]);
        let mut equal = [f32::MAX; 4];
        softmax_in_place(&mut equal);
        assert_eq!(equal, [0.25; 4]);
        let mut inf = [f32::INFINITY, 0.0, f32::INFINITY, -1e30];
        softmax_in_place(&mut inf);
        assert_eq!(inf, [0.5, 0.0, 0.5, 0.0]);
        let mut nan = [f32::NAN, 1.0];
        softmax_in_place(&mut nan);
        assert!(nan[0].is_nan());
        let mut tiny = [-1e30f32, -1e30 + 1e24];
        softmax_in_place(&mut tiny);
        assert!(tiny.iter().all(|v| v.is_finite()), "{tiny:?}");
    }

    /// The bits of `v`, every NaN as one (a NaN's payload is not compared).
    fn bits<const N: usize>(v: [f32; N]) -> [u32; N] {
        v.map(|x| if x.is_nan() { u32::MAX } else { x.to_bits() })
    }

    /// Both forms of both functions on `z`, and the output layers and hidden
    /// activations built on them.
    fn check_forms<const N: usize>(z: [f32; N]) {
        let (mut plain, mut wide) = (z, z);
        Plain.sigmoid_in_place(&mut plain);
        Wide.sigmoid_in_place(&mut wide);
        assert_eq!(bits(plain), bits(wide), "sigmoid {z:?}");
        let mut reference = z;
        sigmoid_in_place(&mut reference);
        assert_eq!(bits(plain), bits(reference), "sigmoid {z:?}");
        let (mut plain, mut wide) = (z, z);
        Plain.softmax_in_place(&mut plain);
        Wide.softmax_in_place(&mut wide);
        assert_eq!(bits(plain), bits(wide), "softmax {z:?}");
        for cost in crate::Cost::ALL {
            let (mut plain, mut wide) = (z, z);
            cost.activate_output(&mut plain);
            cost.activate_output_as(Wide, &mut wide);
            assert_eq!(bits(plain), bits(wide), "{cost:?} {z:?}");
        }
        for activation in Activation::ALL {
            let (mut plain, mut wide) = (z, z);
            activation.apply_in_place(&mut plain);
            activation.apply_in_place_as(Wide, &mut wide);
            assert_eq!(bits(plain), bits(wide), "{activation:?} {z:?}");
        }
    }

    #[test]
    fn wide_neurons_equal_the_plain_ones() {
        // 37 elements: two whole vectors of 16 and a tail.
        let mut z = [0.0f32; 37];
        for (i, v) in z.iter_mut().enumerate() {
            *v = (i as f32 - 18.0) * 1.37;
        }
        check_forms(z);
        // Weighted inputs across the range, at every array length from 1 to 37.
        let mut x = 0x1234_5678u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for scale in [1e-3f32, 0.1, 1.0, 4.0, 20.0, 90.0, 1e4] {
            for _ in 0..50 {
                let z: [f32; 37] =
                    core::array::from_fn(|_| (next() as f32 / u32::MAX as f32 - 0.5) * 2.0 * scale);
                check_forms(z);
                check_forms::<10>(core::array::from_fn(|i| z[i]));
                check_forms::<1>([z[0]]);
                check_forms::<16>(core::array::from_fn(|i| z[i]));
                check_forms::<17>(core::array::from_fn(|i| z[i]));
            }
        }
        // Any float bits at all, NaN and infinities included.
        for _ in 0..2000 {
            check_forms::<10>(core::array::from_fn(|_| f32::from_bits(next())));
        }
        check_forms([f32::INFINITY, 0.0, 1.0]);
        check_forms([f32::NEG_INFINITY, f32::NAN, f32::MAX, f32::MIN, -0.0]);
        check_forms::<0>([]);
        let mut inf = [f32::INFINITY, 0.0, 1.0];
        Wide.softmax_in_place(&mut inf);
        assert_eq!(inf, [1.0, 0.0, 0.0]);
    }

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(Activation::from_name(a.name()), Some(a));
        }
        assert_eq!(Activation::from_name("relu"), Some(Activation::Relu));
        assert_eq!(Activation::from_name("tanh"), None);
        assert_eq!(Activation::default(), Activation::Sigmoid);
    }
}
