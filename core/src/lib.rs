//! A `no_std`, heap-free implementation of the network in chapter 1 of Michael
//! Nielsen's *Neural Networks and Deep Learning*: sigmoid neurons, quadratic
//! cost, mini-batch stochastic gradient descent with backpropagation — and
//! chapter 3's choices beside it: cross-entropy or log-likelihood (softmax)
//! cost, ReLU hidden neurons, scaled or uniform initialisation, L2
//! regularisation. The chapter-1 choices are the defaults.
//!
//! # Start here
//!
//! [`network`] is the book: [`Network::feedforward`], [`Network::backprop`]
//! and [`Network::update_mini_batch`], written as chapter 1 writes them, on
//! [`layer`], [`gradient`] and [`step`], with the neurons in [`activation`],
//! [`cost`] and [`init`]. Every other module computes the same thing faster,
//! on a device, or around it. The modules by job:
//!
//! - **The book's reference network**
//!   - [`network`]: the `[I, H, O]` network; forward pass, backpropagation, SGD.
//!   - [`layer`]: one fully connected layer, `w` and `b`.
//!   - [`gradient`]: `nabla_w` and `nabla_b`, filled by backpropagation.
//!   - [`step`]: one step's `eta` and L2 weight decay.
//!   - [`activation`]: the neurons `σ`, ReLU and softmax, each defined once.
//!   - [`cost`]: quadratic, cross-entropy, log-likelihood; `delta_L`; the output neurons.
//!   - [`init`]: the starting weights and biases.
//! - **The fast training kernels** (the same bits as the book, faster, on the host)
//!   - [`pixel_major`]: the hidden layer's sums pixel by pixel, over inked pixels only.
//!   - [`head`]: the rest of the forward pass and of backpropagation.
//!   - [`input`]: what a layer reads (`f32` or `u8` pixels) and the fixed order of every sum.
//! - **The deployed forms**
//!   - [`device`]: the `f32` network as a microcontroller runs it, pixel-major.
//!   - [`quant`]: the int8 network: per-neuron scales, integer requantisation, a table sigmoid.
//! - **The numerics**
//!   - [`expf`]: `libm::expf` without branches, bit for bit, for vectors.
//!   - [`vector`]: element-wise loops shaped for SIMD.
//!   - [`random`]: the seeded generator, normal samples and shuffles.
//! - **Sizes**
//!   - [`widths`]: the hidden widths every crate builds a network for, listed once.
//! - **Picture preparation**
//!   - [`prepare`]: any greyscale picture of a digit to a 28×28 MNIST field.
//! - **Errors**
//!   - [`error`]: the few errors left once sizes are types.
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
//! use digitnet_core::{Gradient, Network, Step};
//!
//! // A [2, 3, 1] network learning XOR, from a fixed seed.
//! let mut net: Network<2, 3, 1> = Network::from_seed(7);
//! let data = [([0.0, 0.0], 0), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)];
//! let mut nabla = Gradient::zeroed();
//! let before = net.feedforward(&[1.0, 0.0])[0];
//! for _ in 0..200 {
//!     let batch = data.iter().map(|(x, y)| (x, [*y as f32]));
//!     net.update_mini_batch(batch, Step::new(3.0), &mut nabla).unwrap();
//! }
//! assert!(net.feedforward(&[1.0, 0.0])[0] > before);
//! ```
//!
//! Chapter 3's network: ReLU hidden neurons, a softmax output with the
//! log-likelihood cost, scaled initial weights, L2 regularisation.
//!
//! ```
//! use digitnet_core::{random::seeded, Activation, Cost, Gradient, Init, Network, Step};
//!
//! let mut net: Network<2, 8, 2> = Network::zeroed().with_neurons(Activation::Relu, Cost::LogLikelihood);
//! net.init_with(Init::Scaled, &mut seeded(3));
//! let data = [([0.0, 0.0], 0usize), ([0.0, 1.0], 1), ([1.0, 0.0], 1), ([1.0, 1.0], 0)];
//! let mut nabla = Gradient::zeroed();
//! for _ in 0..500 {
//!     let batch = data.iter().map(|(x, y)| (x, *y));
//!     net.update_mini_batch(batch, Step::regularised(0.5, 0.01, 4), &mut nabla).unwrap();
//! }
//! let outputs = net.feedforward(&[1.0, 0.0]);
//! assert!((outputs[0] + outputs[1] - 1.0).abs() < 1e-6); // softmax outputs sum to 1
//! ```
#![no_std]
#![forbid(unsafe_code)]
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
pub mod cost;
pub mod device;
pub mod error;
pub mod expf;
pub mod gradient;
pub mod head;
pub mod init;
pub mod input;
pub mod layer;
pub mod network;
pub mod pixel_major;
pub mod prepare;
pub mod quant;
pub mod random;
pub mod step;
pub mod vector;
pub mod widths;

pub use activation::Activation;
pub use cost::Cost;
pub use error::Error;
pub use gradient::Gradient;
pub use init::Init;
pub use input::Input;
pub use layer::Layer;
pub use network::{MnistNet, Network};
pub use step::Step;
