//! Cost functions, and the output layer each one goes with (chapters 1 and 3).

use crate::activation::{sigmoid_prime_from_activation, Form, Plain};

/// The cost `C` that training minimises, chosen once per network.
///
/// It also fixes the output neurons: sigmoid for the quadratic and
/// cross-entropy costs, softmax for the log-likelihood. Each cost gives
/// backpropagation its output error `delta_L = ∂C/∂z_L` (BP1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Cost {
    /// `C = ½ ‖y − a‖²` on sigmoid outputs (chapter 1; the default).
    /// `delta_L = (a − y) ⊙ σ'(z)`.
    #[default]
    Quadratic,
    /// `C = −Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)]` on sigmoid outputs
    /// (chapter 3). `delta_L = a − y`: the `σ'(z)` that slows learning cancels.
    CrossEntropy,
    /// `C = −ln a_y` on a softmax output layer (chapter 3). `delta_L = a − y`.
    LogLikelihood,
}

impl Cost {
    /// Every cost, in the order the command line lists them.
    pub const ALL: [Cost; 3] = [Cost::Quadratic, Cost::CrossEntropy, Cost::LogLikelihood];

    /// The name used on the command line and in model files.
    pub const fn name(self) -> &'static str {
        match self {
            Cost::Quadratic => "quadratic",
            Cost::CrossEntropy => "cross-entropy",
            Cost::LogLikelihood => "log-likelihood",
        }
    }

    /// The cost called `name` (see [`Cost::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether the output layer is a softmax (else sigmoid neurons).
    pub const fn softmax(self) -> bool {
        matches!(self, Cost::LogLikelihood)
    }

    /// The name of the output neurons' function: `sigmoid` or `softmax`.
    pub const fn output_name(self) -> &'static str {
        if self.softmax() {
            "softmax"
        } else {
            "sigmoid"
        }
    }

    /// The output activations `a_L` from the weighted inputs `z_L`, in place,
    /// in the [`Plain`] form.
    #[inline]
    pub fn activate_output<const O: usize>(self, z: &mut [f32; O]) {
        self.activate_output_as(Plain, z);
    }

    /// The output activations `a_L` from the weighted inputs `z_L`, in place,
    /// in the form `form` (the same bits in every form): the softmax for the
    /// log-likelihood, else the sigmoid. Every output layer is chosen here.
    #[inline(always)]
    pub fn activate_output_as<F: Form, const O: usize>(self, form: F, z: &mut [f32; O]) {
        if self.softmax() {
            form.softmax_in_place(z);
        } else {
            form.sigmoid_in_place(z);
        }
    }

    /// The output error `delta_L = ∂C/∂z_L` (BP1) from the outputs `a` and the
    /// desired outputs `y`.
    #[inline]
    pub fn delta<const O: usize>(self, a: &[f32; O], y: &[f32; O], delta: &mut [f32; O]) {
        let terms = delta.iter_mut().zip(a).zip(y);
        match self {
            Cost::Quadratic => {
                terms.for_each(|((d, a), y)| *d = (a - y) * sigmoid_prime_from_activation(*a))
            }
            Cost::CrossEntropy | Cost::LogLikelihood => terms.for_each(|((d, a), y)| *d = a - y),
        }
    }

    /// The cost `C_x` of one example with outputs `a` and desired outputs `y`.
    ///
    /// Cross-entropy and log-likelihood take `0 · ln 0` as 0 (as the book's
    /// `np.nan_to_num` does), so a confident right answer costs 0 and a
    /// confident wrong one `+∞`.
    pub fn value<const O: usize>(self, a: &[f32; O], y: &[f32; O]) -> f32 {
        let pairs = a.iter().zip(y);
        match self {
            Cost::Quadratic => 0.5 * pairs.map(|(a, y)| (y - a) * (y - a)).sum::<f32>(),
            Cost::CrossEntropy => pairs
                .map(|(&a, &y)| x_ln_a(y, a) + x_ln_a(1.0 - y, 1.0 - a))
                .sum(),
            Cost::LogLikelihood => pairs.map(|(&a, &y)| x_ln_a(y, a)).sum(),
        }
    }
}

/// `−y ln a`, with `0 · ln 0 = 0`.
fn x_ln_a(y: f32, a: f32) -> f32 {
    if y == 0.0 {
        0.0
    } else {
        -y * libm::logf(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activation::sigmoid;

    #[test]
    fn deltas_by_hand() {
        let a = [0.25f32, 0.75];
        let y = [0.0f32, 1.0];
        let mut d = [0.0; 2];
        Cost::Quadratic.delta(&a, &y, &mut d);
        // (0.25 − 0) · 0.25 · 0.75 and (0.75 − 1) · 0.75 · 0.25
        assert_eq!(d, [0.046_875, -0.046_875]);
        Cost::CrossEntropy.delta(&a, &y, &mut d);
        assert_eq!(d, [0.25, -0.25]);
        Cost::LogLikelihood.delta(&a, &y, &mut d);
        assert_eq!(d, [0.25, -0.25]);
    }

    #[test]
    fn values_by_hand() {
        let a = [0.25f32, 0.75];
        let y = [0.0f32, 1.0];
        // ½ (0.25² + 0.25²)
        assert_eq!(Cost::Quadratic.value(&a, &y), 0.0625);
        // −ln 0.75 − ln 0.75 = 0.5753641
        let ce = Cost::CrossEntropy.value(&a, &y);
        assert!((ce - 0.575_364_1).abs() < 1e-6, "{ce}");
        // −ln 0.75 = 0.2876821
        let ll = Cost::LogLikelihood.value(&a, &y);
        assert!((ll - 0.287_682_1).abs() < 1e-6, "{ll}");
        // Confident and right costs nothing; confident and wrong is infinite.
        assert_eq!(Cost::CrossEntropy.value(&[0.0, 1.0], &y), 0.0);
        assert_eq!(Cost::LogLikelihood.value(&[0.0, 1.0], &y), 0.0);
        assert_eq!(Cost::CrossEntropy.value(&[1.0, 1.0], &y), f32::INFINITY);
        assert_eq!(Cost::LogLikelihood.value(&[1.0, 0.0], &y), f32::INFINITY);
    }

    #[test]
    fn output_layers() {
        let mut z = [0.0f32, 2.0];
        Cost::Quadratic.activate_output(&mut z);
        assert_eq!(z, [0.5, sigmoid(2.0)]);
        let mut z = [0.0f32, 2.0];
        Cost::CrossEntropy.activate_output(&mut z);
        assert_eq!(z, [0.5, sigmoid(2.0)]);
        let mut z = [1.0f32, 1.0];
        Cost::LogLikelihood.activate_output(&mut z);
        assert_eq!(z, [0.5, 0.5]);
        assert_eq!(Cost::LogLikelihood.output_name(), "softmax");
        assert_eq!(Cost::CrossEntropy.output_name(), "sigmoid");
        assert_eq!(Cost::Quadratic.output_name(), "sigmoid");
    }

    #[test]
    fn names_round_trip() {
        for c in Cost::ALL {
            assert_eq!(Cost::from_name(c.name()), Some(c));
        }
        assert_eq!(Cost::from_name("cross-entropy"), Some(Cost::CrossEntropy));
        assert_eq!(Cost::from_name("hinge"), None);
        assert_eq!(Cost::default(), Cost::Quadratic);
    }
}
