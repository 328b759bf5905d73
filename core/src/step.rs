//! The settings of one gradient-descent step: learning rate and L2 weight decay.

use crate::error::Error;

/// `eta`, `lambda` and `n` of chapter 3's regularised update rule
/// `w → (1 − eta·lambda/n) w − (eta/m) Σ_x ∇C_x` (equation 93), biases not decayed.
///
/// `lambda = 0` is chapter 1's plain rule `w → w − (eta/m) Σ_x ∇C_x`, exactly:
/// the decay factor is then 1.0 and `1.0 · w = w` bit for bit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    /// The learning rate `eta`, finite and above 0.
    pub eta: f32,
    /// The L2 regularisation parameter `lambda`, finite and at least 0.
    pub lambda: f32,
    /// The size `n` of the whole training set (not of the mini-batch).
    pub n: usize,
}

impl Step {
    /// Chapter 1's step: learning rate `eta`, no regularisation.
    pub const fn new(eta: f32) -> Self {
        Self {
            eta,
            lambda: 0.0,
            n: 1,
        }
    }

    /// Chapter 3's regularised step over a training set of `n` examples.
    pub const fn regularised(eta: f32, lambda: f32, n: usize) -> Self {
        Self { eta, lambda, n }
    }

    /// Checks the settings: `eta` finite and above 0, `lambda` finite and at
    /// least 0, and `n` at least 1 when `lambda` is used.
    pub fn validate(&self) -> Result<(), Error> {
        if !(self.eta.is_finite() && self.eta > 0.0) {
            return Err(Error::InvalidEta);
        }
        if !(self.lambda.is_finite() && self.lambda >= 0.0) || (self.lambda > 0.0 && self.n == 0) {
            return Err(Error::InvalidLambda);
        }
        Ok(())
    }

    /// The weight-decay factor `1 − eta·lambda/n`; exactly 1.0 when `lambda = 0`.
    pub fn decay(&self) -> f32 {
        if self.lambda == 0.0 {
            1.0
        } else {
            1.0 - self.eta * self.lambda / self.n as f32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_by_hand() {
        assert_eq!(Step::new(3.0).decay(), 1.0);
        assert_eq!(Step::regularised(3.0, 0.0, 0).decay(), 1.0);
        // 1 − 0.5 · 5 / 50 000 = 0.99995
        assert_eq!(
            Step::regularised(0.5, 5.0, 50_000).decay(),
            1.0 - 2.5 / 50_000.0
        );
        assert_eq!(Step::regularised(1.0, 1.0, 4).decay(), 0.75);
    }

    #[test]
    fn validate_each_setting() {
        assert_eq!(Step::new(0.1).validate(), Ok(()));
        assert_eq!(Step::regularised(0.1, 5.0, 10).validate(), Ok(()));
        for eta in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            assert_eq!(Step::new(eta).validate(), Err(Error::InvalidEta));
        }
        for lambda in [-0.5, f32::NAN, f32::INFINITY] {
            assert_eq!(
                Step::regularised(1.0, lambda, 10).validate(),
                Err(Error::InvalidLambda)
            );
        }
        assert_eq!(
            Step::regularised(1.0, 1.0, 0).validate(),
            Err(Error::InvalidLambda)
        );
        // Without weight decay the training-set size is not used: n = 0 is fine.
        assert_eq!(Step::regularised(1.0, 0.0, 0).validate(), Ok(()));
    }
}
