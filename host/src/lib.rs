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
pub mod board;
#[cfg(feature = "bundled")]
pub mod bundled;
pub mod cli;
pub mod cpu;
pub mod csv_file;
pub mod data;
pub mod defaults;
pub mod divergence;
pub mod draw;
pub mod eval;
pub mod export;
pub mod fast;
pub mod fuzzing;
pub mod idx;
pub mod inspect;
pub mod int8;
pub mod model;
pub mod net;
pub mod picture;
pub mod plot;
pub mod predict;
pub mod preset;
pub mod progress;
pub mod say;
pub mod sparse;
pub mod train;
pub mod web;
