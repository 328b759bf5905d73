//! The desktop side of digitnet: MNIST loading, Nielsen's training loop,
//! model files, evaluation and export of weights as Rust source for firmware.
//!
//! The math itself lives in [`digitnet_core`]; this crate feeds it data and
//! writes what it learns.
#![deny(missing_docs)]

pub mod atomic;
pub mod augment;
pub mod barrier;
pub mod bench;
pub mod cli;
pub mod cpu;
pub mod eval;
pub mod export;
pub mod fast;
pub mod idx;
pub mod model;
pub mod net;
pub mod preset;
pub mod sparse;
pub mod train;
