//! A network whose hidden width is chosen at run time.
//!
//! The core fixes every size in the type (`Network<784, H, 10>`), which is what
//! keeps it free of heap and panics. The command line takes `--hidden N`, so the
//! host keeps one enum variant per supported width and [`with_net!`](crate::with_net)
//! hands the concrete network to generic code: each width is compiled once.

use crate::data::idx::PIXELS;
use digitnet_core::Network;
use digitnet_core::{Activation, Cost};

/// The hidden widths `--hidden` accepts: the core's one list.
pub use digitnet_core::widths::WIDTHS;

macro_rules! any_net {
    (() $([$v:ident $h:literal $padded:literal])*) => {
        /// An MNIST network (`[784, H, 10]`) of one of the [`WIDTHS`], boxed.
        #[derive(Clone, Debug, PartialEq)]
        #[allow(missing_docs)]
        pub enum AnyNet {
            $($v(Box<DigitNet<$h>>),)*
        }

        $(impl IntoAny for Box<DigitNet<$h>> {
            fn into_any(self) -> AnyNet {
                AnyNet::$v(self)
            }
        })*
    };
}
digitnet_core::for_each_width!([any_net]);

/// Runs `$body` with `$net` bound to the concrete `&`/`&mut Box<DigitNet<H>>`
/// inside an [`AnyNet`] (or the `AnyNet` itself, by value).
#[macro_export]
macro_rules! with_net {
    ($any:expr, $net:ident => $body:expr) => {
        $crate::__core::for_each_width!([$crate::__with_net_match] $any, $net, $body)
    };
}

/// [`with_net!`] that also names the width `H` and the fast path's padded
/// row width `W` (see `digitnet_core::widths`) as constants for `$body`.
#[macro_export]
macro_rules! with_net_padded {
    ($any:expr, $net:ident, $h:ident, $w:ident => $body:expr) => {
        $crate::__core::for_each_width!([$crate::__with_net_padded_match] $any, $net, $h, $w, $body)
    };
}

/// Builds a value for a width known only at run time: `$make` is a generic
/// function or closure-like path called as `$make::<H>($args…)`; `None` for an
/// unsupported width.
#[macro_export]
macro_rules! for_width {
    ($hidden:expr, $make:ident $(:: $rest:ident)* ( $($arg:expr),* $(,)? )) => {
        $crate::__core::for_each_width!(
            [$crate::__for_width_match] $hidden, [$make $(:: $rest)*], ($($arg),*)
        )
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __with_net_match {
    (($any:expr, $net:ident, $body:expr) $([$v:ident $h:literal $padded:literal])*) => {
        match $any {
            $($crate::model::net::AnyNet::$v($net) => $body,)*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __with_net_padded_match {
    (($any:expr, $net:ident, $h_name:ident, $w_name:ident, $body:expr) $([$v:ident $h:literal $padded:literal])*) => {
        match $any {
            $($crate::model::net::AnyNet::$v($net) => {
                const $h_name: usize = $h;
                const $w_name: usize = $padded;
                $body
            })*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __for_width_match {
    (($hidden:expr, [$($make:tt)+], ($($arg:expr),*)) $([$v:ident $h:literal $padded:literal])*) => {
        {
            macro_rules! __call {
                ($width:literal) => {
                    $($make)+ ::<$width>($($arg),*)
                };
            }
            match $hidden {
                $($h => Some(__call!($h)),)*
                _ => None,
            }
        }
    };
}

/// Wraps a boxed network of a supported width.
pub(crate) trait IntoAny {
    /// The network as an [`AnyNet`].
    fn into_any(self) -> AnyNet;
}

/// A zeroed chapter-1 network of width `H`, as an [`AnyNet`].
pub(crate) fn zeroed_of<const H: usize>() -> AnyNet
where
    Box<DigitNet<H>>: IntoAny,
{
    Box::<DigitNet<H>>::default().into_any()
}

impl AnyNet {
    /// A zeroed chapter-1 network of `hidden` neurons; `None` if the width is not one of [`WIDTHS`].
    pub fn zeroed(hidden: usize) -> Option<Self> {
        for_width!(hidden, zeroed_of())
    }

    /// The number of hidden neurons `H`.
    pub fn hidden(&self) -> usize {
        with_net!(self, n => n.hidden.biases.len())
    }

    /// The hidden neurons' activation function.
    pub fn activation(&self) -> Activation {
        with_net!(self, n => n.activation)
    }

    /// The cost, which also fixes the output neurons.
    pub fn cost(&self) -> Cost {
        with_net!(self, n => n.cost)
    }

    /// Sets the kind of neurons (see `Network::with_neurons`).
    pub fn set_neurons(&mut self, activation: Activation, cost: Cost) {
        with_net!(self, n => {
            n.activation = activation;
            n.cost = cost;
        })
    }

    /// Number of weights and biases.
    pub fn parameters(&self) -> usize {
        let h = self.hidden();
        784 * h + h + h * 10 + 10
    }

    /// The ten output activations for one image.
    pub fn feedforward(&self, image: &crate::data::idx::Image) -> [f32; 10] {
        with_net!(self, n => n.feedforward(image))
    }

    /// The predicted digit for one image (`None` when an output is NaN).
    pub fn predict(&self, image: &crate::data::idx::Image) -> Option<usize> {
        with_net!(self, n => n.predict(image))
    }

    /// `[784, H, 10] <activation> hidden layer, <output> output, <cost> cost`.
    pub fn describe(&self) -> String {
        describe(self.hidden(), self.activation(), self.cost())
    }
}

/// How a network is described in output and generated headers:
/// `[784, 30, 10] sigmoid network, quadratic cost` for chapter 1's neurons,
/// else e.g. `[784, 100, 10] relu hidden layer, softmax output, log-likelihood cost`.
pub fn describe(hidden: usize, activation: Activation, cost: Cost) -> String {
    format!(
        "[784, {hidden}, 10] {}",
        crate::model::net::describe_neurons(activation, cost)
    )
}

/// Number of classes (digits 0–9).
pub(crate) const CLASSES: usize = 10;

/// A network that reads MNIST images, with `H` hidden neurons.
pub type DigitNet<const H: usize> = Network<PIXELS, H, CLASSES>;

/// `sigmoid network, quadratic cost`, or e.g. `relu hidden layer, softmax output, log-likelihood cost`.
pub(crate) fn describe_neurons(activation: Activation, cost: Cost) -> String {
    if activation == Activation::Sigmoid && !cost.softmax() {
        format!("sigmoid network, {} cost", cost.name())
    } else {
        format!(
            "{} hidden layer, {} output, {} cost",
            activation.name(),
            cost.output_name(),
            cost.name()
        )
    }
}

/// What the scores are, for the header line.
pub(crate) fn describe_scores(cost: Cost) -> &'static str {
    if cost.softmax() {
        "softmax outputs: the probability of each digit, summing to 1"
    } else {
        "the output neurons' sigmoid activations, each from 0 to 1 (not probabilities: they need not sum to 1)"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_round_trips() {
        for h in WIDTHS {
            let net = AnyNet::zeroed(h).unwrap();
            assert_eq!(net.hidden(), h);
            assert_eq!(net.parameters(), 784 * h + h + h * 10 + 10);
            assert_eq!(net.activation(), Activation::Sigmoid);
            assert_eq!(net.cost(), Cost::Quadratic);
        }
        for h in [0, 1, 29, 31, 99, 129, 1000] {
            assert_eq!(AnyNet::zeroed(h), None, "{h}");
        }
    }

    #[test]
    fn descriptions() {
        let mut net = AnyNet::zeroed(30).unwrap();
        assert_eq!(
            net.describe(),
            "[784, 30, 10] sigmoid network, quadratic cost"
        );
        net.set_neurons(Activation::Sigmoid, Cost::CrossEntropy);
        assert_eq!(
            net.describe(),
            "[784, 30, 10] sigmoid network, cross-entropy cost"
        );
        net.set_neurons(Activation::Relu, Cost::LogLikelihood);
        assert_eq!(
            net.describe(),
            "[784, 30, 10] relu hidden layer, softmax output, log-likelihood cost"
        );
        assert_eq!(net.cost(), Cost::LogLikelihood);
        assert_eq!(net.activation(), Activation::Relu);
    }
}
