//! The threaded training engine: the fast path's workers, the board through
//! which they pass sums, their barrier, and the CPU dispatch that picks an
//! instruction set. This folder is the only host code that may use `unsafe`
//! (in `board` and `cpu`, each with its safety notes).

pub mod barrier;
pub mod board;
pub mod cpu;
pub mod fast;
pub mod sparse;
