//! What JavaScript sees: plain `extern "C"` functions over static buffers.
//!
//! The module owns every buffer (no allocator, no heap); JavaScript asks for
//! their addresses and reads or writes them through `memory.buffer`:
//!
//! | call | does |
//! |---|---|
//! | [`params`], [`params_capacity`] | where to write a model's `f32` parameters (model-file order), and how many fit |
//! | [`load_model`]`(hidden, activation, cost)` | loads the `parameters(hidden)` values written there; `0` or a negative status |
//! | [`picture`], [`picture_capacity`] | where to write a drawing's RGBA pixels, and how many pixels fit |
//! | [`classify_picture`]`(width, height)` | prepares the drawing and runs the network: the digit `0`–`9`, or a negative status |
//! | [`input`] | the 28×28 grey levels the network saw (or, for [`classify_input`], is about to see) |
//! | [`classify_input`]`()` | runs the network on [`input`] as it is, as `digitnet predict --index` runs a test digit |
//! | [`outputs`] | the ten output activations of the last classification |
//!
//! `activation` and `cost` are positions in the core's `Activation::ALL`
//! (`sigmoid`, `relu`) and `Cost::ALL` (`quadratic`, `cross-entropy`,
//! `log-likelihood`). The digit is the most active output (the first of
//! equals), as `Network::predict` gives it.
//!
//! In WebAssembly the functions are exported under these names; on other
//! targets they are ordinary Rust functions, for the host's tests.
#![allow(unsafe_code)]

use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, Ordering};

use digitnet_core::network::argmax;
use digitnet_core::prepare::{PrepareError, PIXELS};
use digitnet_core::{Activation, Cost};

use crate::classify::{classify_rgba, ClassifyError};
use crate::nets::{parameters, LoadError, Nets, MAX_PARAMETERS, OUTPUTS, WIDTHS};

/// Largest drawing, in pixels (512 × 512, or any other shape as large).
pub const MAX_PICTURE: usize = 512 * 512;

/// Status: no model is loaded.
pub const NO_MODEL: i32 = -1;
/// Status: the drawing has no ink yet.
pub const NO_INK: i32 = -2;
/// Status: the drawing's width or height is zero, or it has more than [`MAX_PICTURE`] pixels.
pub const BAD_SIZE: i32 = -3;
/// Status: the hidden width is not one `digitnet train` offers.
pub const BAD_WIDTH: i32 = -4;
/// Status: the activation code is not a position in `Activation::ALL`.
pub const BAD_ACTIVATION: i32 = -5;
/// Status: the cost code is not a position in `Cost::ALL`.
pub const BAD_COST: i32 = -6;
/// Status: a parameter is NaN or infinite.
pub const NOT_FINITE: i32 = -7;
/// Status: an output is NaN (the sums of a model with huge weights
/// overflowed): the network has no answer.
pub const NO_ANSWER: i32 = -8;

/// Everything the module keeps between calls; all zeros at start, so it
/// takes no room in the module file.
struct State {
    nets: Nets,
    params: [f32; MAX_PARAMETERS],
    picture: [u8; 4 * MAX_PICTURE],
    grey: [u8; MAX_PICTURE],
    input: [u8; PIXELS],
    outputs: [f32; OUTPUTS],
}

/// The state, with a flag that keeps a second caller out while one runs.
struct Shared {
    state: UnsafeCell<State>,
    busy: AtomicBool,
}

// SAFETY: the state is only reached through `with_state`, which lets one
// caller at a time in (`busy`), and through the raw pointers below, whose
// users must not write while a call runs (see `with_state`).
unsafe impl Sync for Shared {}

static SHARED: Shared = Shared {
    state: UnsafeCell::new(State {
        nets: Nets::new(),
        params: [0.0; MAX_PARAMETERS],
        picture: [0; 4 * MAX_PICTURE],
        grey: [0; MAX_PICTURE],
        input: [0; PIXELS],
        outputs: [0.0; OUTPUTS],
    }),
    busy: AtomicBool::new(false),
};

/// Runs `f` on the state, alone.
///
/// In the browser the module runs on one thread and JavaScript calls one
/// export at a time, writing into the buffers only between calls; `busy`
/// makes the same hold for the host's tests, which may call from several
/// threads (they wait here for each other, and write through the pointers
/// only while holding a lock of their own).
fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> R {
    while SHARED
        .busy
        .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
    // SAFETY: `busy` was false and is now ours, so no other reference to the
    // state exists until it is released below.
    let result = f(unsafe { &mut *SHARED.state.get() });
    SHARED.busy.store(false, Ordering::Release);
    result
}

/// Where JavaScript writes a model's parameters: `f32`s in the model file's
/// order (`hidden.weight`, `hidden.bias`, `output.weight`, `output.bias`).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn params() -> *mut f32 {
    // SAFETY: only the address is taken; no reference is made.
    unsafe { (&raw mut (*SHARED.state.get()).params).cast() }
}

/// How many `f32`s [`params`] holds: those of the widest network.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn params_capacity() -> usize {
    MAX_PARAMETERS
}

/// Loads a `[784, hidden, 10]` model from the first `parameters(hidden)`
/// values at [`params`]: `0`, or [`BAD_WIDTH`], [`BAD_ACTIVATION`],
/// [`BAD_COST`] or [`NOT_FINITE`] (and the model loaded before stays).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn load_model(hidden: usize, activation: usize, cost: usize) -> i32 {
    let Some(activation) = Activation::ALL.get(activation).copied() else {
        return BAD_ACTIVATION;
    };
    let Some(cost) = Cost::ALL.get(cost).copied() else {
        return BAD_COST;
    };
    if !WIDTHS.contains(&hidden) {
        return BAD_WIDTH;
    }
    with_state(|s| {
        let values = s.params.get(..parameters(hidden)).unwrap_or(&[]);
        match s.nets.load(hidden, activation, cost, values) {
            Ok(()) => 0,
            Err(LoadError::NotFinite { .. }) => NOT_FINITE,
            // The width is supported, so the parameters fit `params`.
            Err(_) => BAD_WIDTH,
        }
    })
}

/// Where JavaScript writes a drawing: RGBA, four bytes a pixel, row-major
/// (as a canvas's `getImageData` gives it).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn picture() -> *mut u8 {
    // SAFETY: only the address is taken; no reference is made.
    unsafe { (&raw mut (*SHARED.state.get()).picture).cast() }
}

/// How many pixels [`picture`] holds ([`MAX_PICTURE`]).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn picture_capacity() -> usize {
    MAX_PICTURE
}

/// The 28×28 grey levels the network sees, row-major, `0` background.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn input() -> *mut u8 {
    // SAFETY: only the address is taken; no reference is made.
    unsafe { (&raw mut (*SHARED.state.get()).input).cast() }
}

/// The ten output activations of the last classification (zeros after a failure).
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn outputs() -> *const f32 {
    // SAFETY: only the address is taken; no reference is made.
    unsafe { (&raw const (*SHARED.state.get()).outputs).cast() }
}

/// The digit for a set of outputs, or the status for a failure, storing the outputs.
fn answer(s: &mut State, result: Result<[f32; OUTPUTS], ClassifyError>) -> i32 {
    match result {
        Ok(outputs) => {
            s.outputs = outputs;
            // A digit, 0 to 9, or none for a NaN output.
            argmax(&outputs).map_or(NO_ANSWER, |d| d as i32)
        }
        Err(e) => {
            s.outputs = [0.0; OUTPUTS];
            match e {
                ClassifyError::NoModel => NO_MODEL,
                ClassifyError::Prepare(PrepareError::NoInk) => NO_INK,
                _ => BAD_SIZE,
            }
        }
    }
}

/// Classifies the `width × height` drawing at [`picture`] as `digitnet
/// predict` classifies a picture file (see [`classify_rgba`]): the digit, or
/// [`NO_INK`], [`BAD_SIZE`] or [`NO_MODEL`]. [`input`] then holds what the
/// network saw, [`outputs`] its outputs.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn classify_picture(width: usize, height: usize) -> i32 {
    with_state(|s| {
        let result = if width.checked_mul(height).is_some_and(|n| n <= MAX_PICTURE) {
            classify_rgba(
                &s.nets,
                &s.picture,
                width,
                height,
                &mut s.grey,
                &mut s.input,
            )
        } else {
            s.input = [0; PIXELS];
            Err(ClassifyError::TooLarge { width, height })
        };
        answer(s, result)
    })
}

/// Runs the network on the 28×28 grey levels at [`input`], unprepared: the
/// digit, or [`NO_MODEL`]; [`outputs`] then holds the outputs.
#[cfg_attr(target_arch = "wasm32", no_mangle)]
pub extern "C" fn classify_input() -> i32 {
    with_state(|s| {
        let result = s.nets.feedforward(&s.input).ok_or(ClassifyError::NoModel);
        answer(s, result)
    })
}
