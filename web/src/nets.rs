//! One network of each hidden width `digitnet train` offers; a model is
//! loaded into the one of its width, so a single module runs any model.
//!
//! The core fixes every size in the type (`Network<784, H, 10>`), which keeps
//! it free of heap and panics; the page learns the width only when it reads a
//! model. So [`Nets`] holds a zeroed network of each width (1.3 MB of zeros in
//! all, which take no room in the module file) and remembers which one holds
//! the model.

use core::fmt;

use digitnet_core::prepare::PIXELS;
use digitnet_core::{Activation, Cost, Network};

/// Inputs: the 28×28 pixels of a prepared digit.
pub const INPUTS: usize = PIXELS;
/// Outputs: one per digit.
pub const OUTPUTS: usize = 10;
/// The hidden widths supported, those of `digitnet train --hidden`.
pub use digitnet_core::widths::WIDTHS;
/// Parameters of the widest network, `[784, 128, 10]`.
pub const MAX_PARAMETERS: usize = Network::<INPUTS, 128, OUTPUTS>::PARAMETERS;

/// The number of parameters of a `[784, hidden, 10]` network:
/// `784·hidden + hidden + hidden·10 + 10` (saturating, for any `hidden`).
pub const fn parameters(hidden: usize) -> usize {
    hidden
        .saturating_mul(INPUTS + 1 + OUTPUTS)
        .saturating_add(OUTPUTS)
}

/// Why a model cannot be loaded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoadError {
    /// The hidden width is not one of [`WIDTHS`].
    Width {
        /// The width given.
        hidden: usize,
    },
    /// The parameters are not `parameters(hidden)` values.
    Length {
        /// Values a network of the width has.
        expected: usize,
        /// Values given.
        found: usize,
    },
    /// A parameter is NaN or infinite.
    NotFinite {
        /// Its position among the parameters.
        index: usize,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Width { hidden } => {
                write!(f, "hidden width {hidden} is not one of {WIDTHS:?}")
            }
            LoadError::Length { expected, found } => {
                write!(f, "{found} parameters given, the network has {expected}")
            }
            LoadError::NotFinite { index } => write!(f, "parameter {index} is not finite"),
        }
    }
}

impl core::error::Error for LoadError {}

/// Copies a model's parameters into `net`, in the model file's order:
/// `hidden.weight` (row `j` = the weights into hidden neuron `j`),
/// `hidden.bias`, `output.weight`, `output.bias`. Checks everything first, so
/// on error `net` is unchanged.
fn load_into<const H: usize>(
    net: &mut Network<INPUTS, H, OUTPUTS>,
    activation: Activation,
    cost: Cost,
    params: &[f32],
) -> Result<(), LoadError> {
    let expected = parameters(H);
    let length = LoadError::Length {
        expected,
        found: params.len(),
    };
    if params.len() != expected {
        return Err(length);
    }
    if let Some(index) = params.iter().position(|v| !v.is_finite()) {
        return Err(LoadError::NotFinite { index });
    }
    let (hidden_w, rest) = params.split_at_checked(INPUTS * H).ok_or(length)?;
    let (hidden_b, rest) = rest.split_at_checked(H).ok_or(length)?;
    let (output_w, output_b) = rest.split_at_checked(H * OUTPUTS).ok_or(length)?;
    net.hidden
        .copy_from_slices(hidden_w, hidden_b)
        .map_err(|_| length)?;
    net.output
        .copy_from_slices(output_w, output_b)
        .map_err(|_| length)?;
    net.activation = activation;
    net.cost = cost;
    Ok(())
}

macro_rules! nets {
    (() $([$field:ident $h:literal $padded:literal])*) => {
        /// A network of each width in [`WIDTHS`], zeroed until a model is
        /// loaded into it, and the width of the loaded model.
        #[allow(non_snake_case)]
        pub struct Nets {
            $($field: Network<INPUTS, $h, OUTPUTS>,)*
            loaded: usize,
        }

        impl Nets {
            /// No model loaded (usable in `static` items; all zeros).
            pub const fn new() -> Self {
                Self {
                    $($field: Network::zeroed(),)*
                    loaded: 0,
                }
            }

            /// Loads a `[784, hidden, 10]` model with these neurons from its
            /// parameters (see [`parameters`] for their number and order). On
            /// error nothing changes: the model loaded before, if any, stays.
            pub fn load(
                &mut self,
                hidden: usize,
                activation: Activation,
                cost: Cost,
                params: &[f32],
            ) -> Result<(), LoadError> {
                match hidden {
                    $($h => load_into(&mut self.$field, activation, cost, params)?,)*
                    _ => return Err(LoadError::Width { hidden }),
                }
                self.loaded = hidden;
                Ok(())
            }

            /// The loaded model's hidden width, if a model is loaded.
            pub fn hidden(&self) -> Option<usize> {
                (self.loaded != 0).then_some(self.loaded)
            }

            /// The loaded model's ten output activations for 28×28 grey
            /// levels (`0` background, `255` ink), by the core's
            /// `Network::feedforward`; `None` if no model is loaded.
            pub fn feedforward(&self, x: &[u8; INPUTS]) -> Option<[f32; OUTPUTS]> {
                match self.loaded {
                    $($h => Some(self.$field.feedforward(x)),)*
                    _ => None,
                }
            }
        }
    };
}

digitnet_core::for_each_width!([nets]);

impl Default for Nets {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Nets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Nets")
            .field("hidden", &self.hidden())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::boxed::Box;
    use std::string::ToString;
    use std::vec::Vec;

    /// Parameter `i` of the test networks: spread over ±0.05, so that
    /// sums of 784 inputs neither vanish nor saturate the sigmoid.
    fn value(i: usize) -> f32 {
        ((i * 7919 % 2001) as f32 - 1000.0) / 20_000.0
    }

    /// Parameters `value(0), value(1), …`, and a network of width `H` holding them.
    fn counting<const H: usize>() -> (Vec<f32>, Box<Network<INPUTS, H, OUTPUTS>>) {
        let params: Vec<f32> = (0..parameters(H)).map(value).collect();
        let mut net = Box::<Network<INPUTS, H, OUTPUTS>>::default();
        let (hw, rest) = params.split_at(INPUTS * H);
        let (hb, rest) = rest.split_at(H);
        let (ow, ob) = rest.split_at(H * OUTPUTS);
        net.hidden.copy_from_slices(hw, hb).unwrap();
        net.output.copy_from_slices(ow, ob).unwrap();
        (params, net)
    }

    #[test]
    fn parameter_counts() {
        assert_eq!(parameters(30), 23_860);
        assert_eq!(MAX_PARAMETERS, parameters(128));
        assert_eq!(parameters(128), Network::<784, 128, 10>::PARAMETERS);
    }

    #[test]
    fn loads_in_the_model_file_order() {
        let mut nets = Box::<Nets>::default();
        assert_eq!(nets.hidden(), None);
        assert_eq!(nets.feedforward(&[0; INPUTS]), None);
        let (params, want) = counting::<16>();
        nets.load(16, Activation::Relu, Cost::LogLikelihood, &params)
            .unwrap();
        assert_eq!(nets.hidden(), Some(16));
        assert_eq!(nets.H16.hidden, want.hidden);
        assert_eq!(nets.H16.output, want.output);
        assert_eq!(nets.H16.activation, Activation::Relu);
        assert_eq!(nets.H16.cost, Cost::LogLikelihood);
        // Spot checks: hidden.weight[1][0] is value 784, hidden.bias[0]
        // follows the 16 rows of weights, output.bias[9] is the last.
        assert_eq!(nets.H16.hidden.weights[1][0], value(784));
        assert_eq!(nets.H16.hidden.biases[0], value(16 * 784));
        assert_eq!(nets.H16.output.biases[9], value(parameters(16) - 1));
    }

    #[test]
    fn bad_models_change_nothing() {
        let mut nets = Box::<Nets>::default();
        let (params, _) = counting::<10>();
        nets.load(10, Activation::Sigmoid, Cost::Quadratic, &params)
            .unwrap();
        let before = nets.feedforward(&[200; INPUTS]).unwrap();
        assert_eq!(
            nets.load(31, Activation::Sigmoid, Cost::Quadratic, &params),
            Err(LoadError::Width { hidden: 31 })
        );
        assert_eq!(
            nets.load(0, Activation::Sigmoid, Cost::Quadratic, &[]),
            Err(LoadError::Width { hidden: 0 })
        );
        assert_eq!(
            nets.load(16, Activation::Sigmoid, Cost::Quadratic, &params),
            Err(LoadError::Length {
                expected: parameters(16),
                found: parameters(10)
            })
        );
        let mut nan = params.clone();
        nan[5000] = f32::NAN;
        assert_eq!(
            nets.load(10, Activation::Relu, Cost::Quadratic, &nan),
            Err(LoadError::NotFinite { index: 5000 })
        );
        nan[5000] = f32::INFINITY;
        assert!(nets
            .load(10, Activation::Relu, Cost::Quadratic, &nan)
            .is_err());
        assert_eq!(nets.hidden(), Some(10));
        assert_eq!(nets.H10.activation, Activation::Sigmoid);
        assert_eq!(nets.feedforward(&[200; INPUTS]).unwrap(), before);
        assert!(LoadError::Width { hidden: 31 }
            .to_string()
            .contains("31 is not one of [10, 16"));
    }

    #[test]
    fn every_width_runs_the_cores_forward_pass() {
        fn check<const H: usize>(nets: &mut Nets) {
            let (params, want) = counting::<H>();
            for activation in Activation::ALL {
                for cost in Cost::ALL {
                    nets.load(H, activation, cost, &params).unwrap();
                    let want = (*want).clone().with_neurons(activation, cost);
                    let x: [u8; INPUTS] = core::array::from_fn(|i| (i * 7 % 256) as u8);
                    let got = nets.feedforward(&x).unwrap();
                    assert!(got.iter().any(|&v| v != got[0]), "{got:?}");
                    let bits = |o: [f32; OUTPUTS]| o.map(f32::to_bits);
                    assert_eq!(bits(got), bits(want.feedforward(&x)), "{H}");
                }
            }
        }
        let mut nets = Box::<Nets>::default();
        check::<10>(&mut nets);
        check::<16>(&mut nets);
        check::<20>(&mut nets);
        check::<30>(&mut nets);
        check::<50>(&mut nets);
        check::<64>(&mut nets);
        check::<100>(&mut nets);
        check::<128>(&mut nets);
        assert_eq!(nets.hidden(), Some(128));
    }
}
