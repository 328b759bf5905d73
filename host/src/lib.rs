//! The desktop side of digitnet: MNIST loading, Nielsen's training loop,
//! model files, evaluation and export of weights as Rust source for firmware.
//!
//! The math itself lives in [`digitnet_core`]; this crate feeds it data and
//! writes what it learns.
#![deny(missing_docs)]

#[doc(hidden)]
/// The core, for the exported macros (`with_net!` and the others).
pub use digitnet_core as __core;

pub mod atomic;
pub mod cli;
pub mod data;
pub mod engine;
pub mod export;
pub mod fuzzing;
pub mod model;
pub mod reports;
pub mod say;
pub mod training;
