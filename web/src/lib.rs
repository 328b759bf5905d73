//! The digitnet page's WebAssembly module: the core's image preparation and
//! forward pass for any model `digitnet train` writes, behind a few plain
//! `extern "C"` functions.
//!
//! The page draws on a canvas and hands the module its RGBA pixels. The module
//! reads them as grey exactly as `digitnet predict` reads a picture file
//! ([`rgba`]), prepares them with the core's [`digitnet_core::prepare`] and runs
//! the core's `Network::feedforward` ([`nets`]): the desktop's code, in the
//! desktop's order, so the page's outputs are the desktop's bits.
//! [`exports`] is what JavaScript calls; everything else is safe, heap-free
//! Rust, tested on the host against the desktop.
//!
//! `web/build.sh` builds the module (`wasm32-unknown-unknown`, a pinned
//! toolchain, size-optimised) into the committed `web/digitnet-web.wasm`, which
//! `digitnet web` embeds in the page it writes.
//!
//! ```
//! use digitnet_core::{Activation, Cost};
//! use digitnet_web::classify::classify_rgba;
//! use digitnet_web::nets::{parameters, Nets};
//!
//! // A [784, 10, 10] network whose parameters are all 0.01 (boxed: the
//! // networks of every width take 1.3 MB).
//! let mut nets = Box::new(Nets::new());
//! nets.load(10, Activation::Sigmoid, Cost::Quadratic, &vec![0.01; parameters(10)])?;
//! // A 3×3 drawing: black ink in the middle of white paper.
//! let mut picture = [255u8; 4 * 9];
//! picture[4 * 4..4 * 4 + 3].fill(0);
//! let (mut grey, mut input) = ([0u8; 9], [0u8; 784]);
//! let outputs = classify_rgba(&nets, &picture, 3, 3, &mut grey, &mut input)?;
//! assert_eq!(input.iter().filter(|&&v| v == 255).count(), 20 * 20);
//! assert!(outputs.iter().all(|&a| a == outputs[0]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
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

pub mod classify;
pub mod exports;
pub mod nets;
pub mod rgba;

/// Stops the module on a panic; none is expected (the code has no panicking
/// operations), but a `no_std` module must say what a panic does.
#[cfg(all(target_arch = "wasm32", not(test)))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
