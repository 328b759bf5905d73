//! The gradient buffer filled by backpropagation.

use crate::layer::Layer;

/// `nabla_w` and `nabla_b` for every layer: the same shapes as the network.
///
/// Owned by the caller and reused across mini-batches; for [`crate::MnistNet`]
/// it is about 94 KB, so a host keeps it boxed and a device in a `static`.
#[derive(Clone, Debug, PartialEq)]
pub struct Gradient<const I: usize, const H: usize, const O: usize> {
    /// `∂C/∂w` and `∂C/∂b` of the hidden layer.
    pub hidden: Layer<I, H>,
    /// `∂C/∂w` and `∂C/∂b` of the output layer.
    pub output: Layer<H, O>,
}

impl<const I: usize, const H: usize, const O: usize> Gradient<I, H, O> {
    /// An all-zero gradient.
    pub const fn zeroed() -> Self {
        Self {
            hidden: Layer::zeroed(),
            output: Layer::zeroed(),
        }
    }

    /// Sets every component back to zero.
    pub fn clear(&mut self) {
        self.hidden.clear();
        self.output.clear();
    }
}

impl<const I: usize, const H: usize, const O: usize> Default for Gradient<I, H, O> {
    fn default() -> Self {
        Self::zeroed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_zeroes_every_component() {
        // A buffer reused across mini-batches must start each one at zero.
        let mut g: Gradient<3, 2, 2> = Gradient::zeroed();
        g.hidden.weights = [[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]];
        g.hidden.biases = [7.0, 8.0];
        g.output.weights = [[9.0, -1.0], [0.5, 0.25]];
        g.output.biases = [-3.0, 2.0];
        g.clear();
        assert_eq!(g, Gradient::zeroed());
    }
}
