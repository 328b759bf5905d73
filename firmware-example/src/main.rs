//! digitnet on a microcontroller: runs the exported MNIST network on test
//! digits stored in flash and checks every output bit for bit against the
//! host's, then exits through semihosting with success only if all agree.
//!
//! Two variants, chosen when it is built (see `build.rs`):
//! - **f32** (the default, Cortex-M4F): `model.rs` / `samples.rs`, the network
//!   in the device layout of `digitnet_core::device`; the hidden layer's inner
//!   loop is the assembly kernel of `kernel.rs`, checked on every sample
//!   against its plain-Rust twin.
//! - **int8** (`--features int8`, and always on a Cortex-M0, which has no
//!   FPU): `model_int8.rs` / `samples_int8.rs`, the network of
//!   `digitnet_core::quant`, integers only, in plain Rust: on the Cortex-M4F
//!   two products per 64-bit multiply-accumulate (`quant::Pairs`), on the
//!   Cortex-M0 one per 32-bit multiply (`quant::Bytes`); checked on every
//!   sample against the plain definition (`QuantNet::logits_plain`).
//!
//! `cargo run --release` boots it in QEMU (see `.cargo/config.toml`); the
//! generated sources come from `digitnet export [--quantize int8]`.
//!
//! It also reports its measurements: each inference runs between
//! `bench_start` and `bench_end`, so `tools/fwcount` counts its instructions
//! (region `i` is sample `i`); the stack high-water of one inference and of
//! the whole run are found by painting the free stack.
#![no_std]
#![no_main]

#[cfg(all(target_abi = "eabihf", not(digitnet_int8)))]
mod kernel;

/// The exported network (see `build.rs`).
mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}
/// The exported test digits and the host's outputs (see `build.rs`).
mod samples {
    include!(concat!(env!("OUT_DIR"), "/samples.rs"));
}

use core::hint::black_box;
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use model::{DESCRIPTION, HIDDEN, MODEL, ORDER};
use samples::{COUNT, EXPECTED, IMAGES, INDICES, LABELS};

/// The stack one inference may use, in bytes: 1 KiB for up to 30 hidden
/// neurons, and 8 bytes more for each one beyond (their sums and activations).
const STACK_LIMIT: usize = 1024 + 8 * HIDDEN.saturating_sub(30);

/// The `f32` network: outputs as bit patterns.
#[cfg(not(digitnet_int8))]
mod variant {
    use super::{HIDDEN, MODEL};
    use digitnet_core::device;

    /// What the network computes for one image.
    pub type Output = [f32; 10];
    /// The name of the variant, for the report.
    pub const NAME: &str = "f32";
    /// The order the core names for this variant's outputs.
    pub const CORE_ORDER: &str = device::ORDER;
    /// Hidden sums kept in registers per pass.
    const BLOCK: usize = device::block_for(HIDDEN);

    /// One inference: the hidden sums by the assembly kernel (on an FPU
    /// target), then the rest of the forward pass in the core.
    #[inline(never)]
    pub fn infer(image: &[u8; 784]) -> Output {
        #[cfg(target_abi = "eabihf")]
        {
            let mut sums = [0.0f32; HIDDEN];
            crate::kernel::hidden_sums::<784, HIDDEN, 10, BLOCK>(&MODEL, image, &mut sums);
            MODEL.finish(&mut sums)
        }
        #[cfg(not(target_abi = "eabihf"))]
        {
            reference(image)
        }
    }

    /// The same inference in plain Rust: the kernel's twin.
    #[inline(never)]
    pub fn reference(image: &[u8; 784]) -> Output {
        MODEL.feedforward::<BLOCK>(image)
    }

    /// Whether output `out` equals `expected` (bit patterns): the first
    /// differing index, if any, with both values' bits.
    pub fn mismatch(out: &Output, expected: &[u32; 10]) -> Option<(usize, u32, u32)> {
        let i = out
            .iter()
            .zip(expected)
            .position(|(o, e)| o.to_bits() != *e)?;
        Some((i, out[i].to_bits(), expected[i]))
    }

    /// The predicted digit (`None` for a NaN output: no answer).
    pub fn predicted(out: &Output) -> Option<usize> {
        digitnet_core::network::argmax(out)
    }
}

/// The int8 network: outputs are the logits `z · 65536`.
#[cfg(digitnet_int8)]
mod variant {
    use super::MODEL;
    use digitnet_core::quant;

    /// What the network computes for one image.
    pub type Output = [i32; 10];
    /// The name of the variant, for the report.
    pub const NAME: &str = "int8";
    /// The order the core names for this variant's outputs.
    pub const CORE_ORDER: &str = quant::ORDER;
    /// The kernel of the sums: on the Cortex-M4F two products per `UMLAL`,
    /// 8 sums per pass (four 64-bit lanes in its 13 free registers); on the
    /// Cortex-M0, which has no 64-bit multiply, one `MULS` per product, 3
    /// sums per pass (its arithmetic uses its 8 low registers) — the fastest
    /// measured with `tools/fwcount`. Every kernel gives the same sums.
    #[cfg(target_abi = "eabihf")]
    type Kernel = quant::Pairs;
    #[cfg(not(target_abi = "eabihf"))]
    type Kernel = quant::Bytes<3>;

    /// One inference.
    #[inline(never)]
    pub fn infer(image: &[u8; 784]) -> Output {
        MODEL.logits::<Kernel>(image)
    }

    /// The same inference written out plainly (`QuantNet::logits_plain`: every
    /// pixel, one neuron at a time): the kernel's twin.
    #[inline(never)]
    pub fn reference(image: &[u8; 784]) -> Output {
        MODEL.logits_plain(image)
    }

    /// The first differing logit, if any.
    pub fn mismatch(out: &Output, expected: &[i32; 10]) -> Option<(usize, u32, u32)> {
        let i = out.iter().zip(expected).position(|(o, e)| o != e)?;
        Some((i, out[i] as u32, expected[i] as u32))
    }

    /// The predicted digit: the largest logit (integers always have one).
    pub fn predicted(out: &Output) -> Option<usize> {
        let mut best = 0;
        for (i, v) in out.iter().enumerate() {
            if *v > out[best] {
                best = i;
            }
        }
        Some(best)
    }
}

#[entry]
fn main() -> ! {
    let ram = Ram::get();
    // Paint the whole free stack (below this frame) to measure the run's peak.
    let sp = cortex_m::register::msp::read() as usize;
    paint(ram.stack_bottom, sp - 64);
    let ok = run();
    let peak = ram
        .stack_top
        .saturating_sub(lowest_used(ram.stack_bottom, sp - 64).unwrap_or(ram.stack_bottom));
    hprintln!(
        "RAM: {} bytes of statics + {} bytes of stack at most (whole run) = {} of {} bytes",
        ram.statics,
        peak,
        ram.statics + peak,
        ram.size
    );
    debug::exit(if ok {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Reached only on a board without a debugger attached.
    loop {
        cortex_m::asm::wfi();
    }
}

/// Measures, then checks every sample; true if all outputs are bit-exact and
/// the stack stayed within [`STACK_LIMIT`].
fn run() -> bool {
    hprintln!(
        "digitnet-firmware: {}, {} parameters, {} samples",
        DESCRIPTION,
        784 * HIDDEN + HIDDEN + HIDDEN * 10 + 10,
        COUNT
    );
    hprintln!("variant: {}, order {}", variant::NAME, ORDER);
    let order_ok = ORDER == variant::CORE_ORDER;
    if !order_ok {
        hprintln!(
            "ORDER MISMATCH: the model was exported for order {}, this core computes {}",
            ORDER,
            variant::CORE_ORDER
        );
    }
    hprintln!(
        "regions 0..{}: one inference each, of samples 0..{}",
        COUNT,
        COUNT
    );

    // The inference is a call of its own, so its whole frame lands in the
    // painted stack.
    let infer = black_box(variant::infer as fn(&[u8; 784]) -> variant::Output);
    let stack = stack_high_water(infer, &IMAGES[0]);
    let stack_ok = match stack {
        Some(bytes) => {
            hprintln!(
                "stack high-water during inference: {} bytes (limit {})",
                bytes,
                STACK_LIMIT
            );
            bytes <= STACK_LIMIT
        }
        None => {
            hprintln!("stack high-water during inference: more than the painted area");
            false
        }
    };

    let (mut correct, mut exact, mut twins) = (0, 0, 0);
    let samples = IMAGES
        .iter()
        .zip(&EXPECTED)
        .zip(LABELS.iter().zip(&INDICES));
    for (i, ((image, expected), (&label, &index))) in samples.enumerate() {
        // One measured region per inference (for tools/fwcount). `black_box`
        // on the way in and out keeps it from being moved out of the region.
        bench_start();
        let out = variant::infer(black_box(image));
        let out = black_box(out);
        bench_end();
        let twin = variant::mismatch(&out, &variant::reference(image).map(bits)).is_none();
        twins += usize::from(twin);
        let answer = variant::predicted(&out);
        correct += usize::from(answer == Some(usize::from(label)));
        // A NaN output has no answer: shown as `?`, never counted as right.
        let predicted = answer
            .and_then(|d| char::from_digit(d as u32, 10))
            .unwrap_or('?');
        match variant::mismatch(&out, expected) {
            None => {
                exact += 1;
                hprintln!(
                    "sample {:2} (test #{:5}): label {}, predicted {}, outputs bit-exact",
                    i, index, label, predicted
                );
            }
            Some((j, got, want)) => hprintln!(
                "sample {:2} (test #{:5}): label {}, predicted {}, MISMATCH: output {} has bits {:#010x}, the host's {:#010x}",
                i, index, label, predicted, j, got, want
            ),
        }
    }
    hprintln!(
        "kernel and plain-Rust twin agree bit for bit on {}/{} samples",
        twins,
        COUNT
    );
    hprintln!(
        "{}/{} correct, {}/{} bit-exact",
        correct,
        COUNT,
        exact,
        COUNT
    );
    exact == COUNT && twins == COUNT && COUNT > 0 && stack_ok && order_ok
}

/// One output value as `samples.rs` holds it.
trait Bits {
    /// The stored form: `f32` bit patterns, or the `i32` itself.
    type Stored;
    fn bits(self) -> Self::Stored;
}
impl Bits for f32 {
    type Stored = u32;
    fn bits(self) -> u32 {
        self.to_bits()
    }
}
impl Bits for i32 {
    type Stored = i32;
    fn bits(self) -> i32 {
        self
    }
}
fn bits<T: Bits>(v: T) -> T::Stored {
    v.bits()
}

/// Start marker of a measured region (see `tools/fwcount`).
#[no_mangle]
#[inline(never)]
pub extern "C" fn bench_start() {
    // SAFETY: a no-op instruction.
    unsafe { core::arch::asm!("nop") }
}

/// End marker of a measured region; its body differs from `bench_start`'s so
/// the two are never merged into one address.
#[no_mangle]
#[inline(never)]
pub extern "C" fn bench_end() {
    // SAFETY: no-op instructions.
    unsafe { core::arch::asm!("nop", "nop") }
}

/// The RAM as the linker laid it out (cortex-m-rt's symbols).
struct Ram {
    /// Bytes of `.data`, `.bss` and `.uninit`.
    statics: usize,
    /// The lowest address the stack may reach (just above the statics).
    stack_bottom: usize,
    /// The initial stack pointer (the end of RAM).
    stack_top: usize,
    /// The RAM region's size in `memory.x`.
    size: usize,
}

impl Ram {
    fn get() -> Self {
        extern "C" {
            static __sdata: u32;
            static _stack_end: u32;
            static _stack_start: u32;
        }
        // Only the addresses of the linker's symbols are taken.
        let (start, bottom, top) = {
            (
                core::ptr::addr_of!(__sdata) as usize,
                core::ptr::addr_of!(_stack_end) as usize,
                core::ptr::addr_of!(_stack_start) as usize,
            )
        };
        Self {
            statics: bottom - start,
            stack_bottom: bottom,
            stack_top: top,
            size: top - start,
        }
    }
}

/// The paint: a word that is unlikely to be a real value on the stack.
const PAINT: u32 = 0x5AFE_C0DE;

/// The word at `addr`.
fn word(addr: usize) -> *mut u32 {
    core::ptr::with_exposed_provenance_mut::<u32>(addr)
}

/// Paints the free stack `[bottom, top)` (word-aligned, below every live
/// frame; inlined, so that it has no frame of its own down there).
#[inline(always)]
fn paint(bottom: usize, top: usize) {
    for addr in (bottom..top).step_by(4) {
        // SAFETY: [bottom, top) is free stack inside RAM, below the caller's
        // frame; nothing else uses it now (no interrupts are enabled).
        unsafe { word(addr).write_volatile(PAINT) }
    }
}

/// The lowest word of `[bottom, top)` no longer holding the paint.
#[inline(always)]
fn lowest_used(bottom: usize, top: usize) -> Option<usize> {
    // SAFETY: as in `paint`.
    (bottom..top)
        .step_by(4)
        .find(|&addr| unsafe { word(addr).read_volatile() } != PAINT)
}

/// Calls `f(x)` and returns the most stack it used, in bytes below this
/// function's stack pointer (`None` if it went past the free stack).
///
/// Paints the free stack below the stack pointer, makes the call, then finds
/// the lowest word no longer holding the paint. Only the call uses that area:
/// this function's own frame is above the stack pointer, its loops call
/// nothing, and no interrupts are enabled.
#[inline(never)]
fn stack_high_water<X: ?Sized, R>(f: fn(&X) -> R, x: &X) -> Option<usize> {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = Ram::get().stack_bottom;
    paint(bottom, sp);
    black_box(f(x));
    match lowest_used(bottom, sp) {
        Some(addr) if addr == bottom => None,
        Some(addr) => Some(sp - addr),
        None => Some(0),
    }
}

/// Prints the panic over semihosting and exits with failure.
#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("{}", info);
    debug::exit(debug::EXIT_FAILURE);
    loop {
        cortex_m::asm::wfi();
    }
}
