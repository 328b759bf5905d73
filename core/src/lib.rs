//! A `no_std`, heap-free implementation of the network in chapter 1 of Michael
//! Nielsen's *Neural Networks and Deep Learning*: sigmoid neurons, quadratic
//! cost, mini-batch stochastic gradient descent with backpropagation.
//!
//! Every size is a const-generic parameter, so a wrong shape does not compile;
//! [`MnistNet`] is the book's `[784, 30, 10]` network. The same code runs the
//! forward pass, backpropagation and the SGD update on a desktop and on a
//! microcontroller, in the same order, so both give bit-identical results.
//!
//! Notation follows the book: `w` weights, `b` biases, `z = w·a + b` the weighted
//! input, `a = σ(z)` the activation, `delta` the error `∂C/∂z`, `nabla_w` and
//! `nabla_b` the gradient of the cost `C`, `eta` the learning rate.
//!
//! ```
//! use digitnet_core::{Gradient, Network};
//!
//! // A [2, 3, 1] network learning XOR, from a fixed seed.
//! let mut net: Network<2, 3, 1> = Network::from_seed(7);
//! let data = [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)];
//! let mut nabla = Gradient::zeroed();
//! let before = net.feedforward(&[1.0, 0.0])[0];
//! for _ in 0..200 {
//!     let batch = data.iter().map(|(x, y)| (x, [*y as f32]));
//!     net.update_mini_batch(batch, 3.0, &mut nabla).unwrap();
//! }
//! assert!(net.feedforward(&[1.0, 0.0])[0] > before);
//! ```
#![no_std]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable,
        clippy::todo,
        clippy::unimplemented
    )
)]

pub mod activation;
pub mod error;
pub mod gradient;
pub mod input;
pub mod layer;
pub mod network;
pub mod random;

pub use error::Error;
pub use gradient::Gradient;
pub use input::Input;
pub use layer::Layer;
pub use network::{MnistNet, Network};
