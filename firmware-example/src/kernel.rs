//! The firmware's one hand-written kernel: the hidden layer's inner loop on
//! the Cortex-M4F, in assembly, beside the plain Rust it must equal.
//!
//! `digitnet_core::device` adds each inked pixel's weights into a block of
//! running sums: `acc[j] += w[k][j] · p_k`. Compiled from Rust that is one
//! `VLDR` and one `VMLA` per weight. Here the inked pixels of the image are
//! first listed, up to 48 at a time (byte offset of the pixel's weight row, and `p_k` as `f32`),
//! then for each block of sums one assembly loop keeps the sums in `s0…`,
//! loads a pixel's block of weights with one `VLDM` and adds them with one
//! `VMLA` each: 21 instructions per pixel and block of 15 instead of 36.
//!
//! `VMLA.F32` rounds the product, then adds and rounds again — exactly
//! `*a += w * x` in Rust, which never fuses the two — and the pixels are
//! taken in ascending order, so the sums are bit-identical to
//! `DeviceNet::hidden_sums`, the plain-Rust twin. The firmware checks that on
//! every sample (see `main.rs`).
//!
//! The block sizes that `device::block_for` picks for the widths `train`
//! makes (10, 15, 16) each have a kernel; on a target without an FPU the
//! plain-Rust sums run instead (see `main.rs`).

use core::mem::MaybeUninit;
use core::slice;
use digitnet_core::device::{block_for, DeviceNet};
use digitnet_core::widths::WIDTHS;

/// The block sizes with a kernel below.
const KERNELS: [usize; 3] = [10, 15, 16];

// Every width `train` makes (the core's list) has a kernel for its block size.
const _: () = {
    let mut i = 0;
    while i < WIDTHS.len() {
        let b = block_for(WIDTHS[i]);
        assert!(
            b == KERNELS[0] || b == KERNELS[1] || b == KERNELS[2],
            "a width of digitnet_core::widths::WIDTHS has no kernel for its block size"
        );
        i += 1;
    }
};

/// One inked pixel: where its weight row starts, and its grey level.
#[derive(Clone, Copy)]
#[repr(C)]
pub struct Inked {
    /// Byte offset of the pixel's weight row `w[k]` in the hidden weights.
    offset: u32,
    /// The pixel's value `p_k`, converted to `f32` once.
    x: f32,
}

/// Inked pixels listed before the sums are updated: 384 bytes of stack.
const LIST: usize = 48;

/// A block of `B` running sums that a kernel updates.
pub trait Columns {
    /// `acc[j] += w[j] · x` for every listed pixel in order, where `w` is the
    /// block's slice of the pixel's weight row, starting at `base + offset`.
    ///
    /// # Safety
    /// `base + offset` (bytes) must point at `B` readable `f32`s for every
    /// entry of `inked`.
    unsafe fn add_columns(&mut self, base: *const f32, inked: &[Inked]);
}

/// `z_j = Σ_k w_kj · p_k` over the inked pixels, as `DeviceNet::hidden_sums`
/// computes it, with the assembly kernel for blocks of `B`.
#[inline(always)]
pub fn hidden_sums<const I: usize, const H: usize, const O: usize, const B: usize>(
    net: &DeviceNet<I, H, O>,
    pixels: &[u8; I],
    sums: &mut [f32; H],
) where
    [f32; B]: Columns,
{
    const { assert!(B > 0 && H.is_multiple_of(B) && I * H * 4 <= u32::MAX as usize) };
    sums.fill(0.0);
    let mut list = MaybeUninit::<[Inked; LIST]>::uninit();
    let first = list.as_mut_ptr().cast::<Inked>();
    let mut next = first;
    let row_bytes = (H * 4) as u32;
    // Lists the inked pixels among `chunk`, whose first weight row is at `offset`.
    let mut scan = |chunk: &[u8], offset: u32| {
        // SAFETY: `next` stays within `list`: there is room for the whole
        // chunk (at most 8 pixels) before it is scanned, and `first..next`
        // is written before `flush` reads it.
        unsafe {
            let n = next.offset_from(first) as usize;
            if n > LIST - 8 {
                flush::<I, H, O, B>(net, sums, slice::from_raw_parts(first, n));
                next = first;
            }
            let mut offset = offset;
            for &p in chunk {
                if p != 0 {
                    next.write(Inked {
                        offset,
                        x: f32::from(p),
                    });
                    next = next.add(1);
                }
                offset += row_bytes;
            }
        }
    };
    let (eights, rest) = pixels.as_chunks::<8>();
    let mut offset = 0u32;
    for chunk in eights {
        if u64::from_ne_bytes(*chunk) != 0 {
            scan(chunk, offset);
        }
        offset += 8 * row_bytes;
    }
    scan(rest, offset);
    // SAFETY: `first..next` has been written by `scan`.
    unsafe {
        let n = next.offset_from(first) as usize;
        flush::<I, H, O, B>(net, sums, slice::from_raw_parts(first, n));
    }
}

/// Adds the listed pixels into every block of sums.
#[inline(always)]
fn flush<const I: usize, const H: usize, const O: usize, const B: usize>(
    net: &DeviceNet<I, H, O>,
    sums: &mut [f32; H],
    inked: &[Inked],
) where
    [f32; B]: Columns,
{
    if inked.is_empty() {
        return;
    }
    let base = net.hidden_weights.as_ptr().cast::<f32>();
    for (block, acc) in sums.as_chunks_mut::<B>().0.iter_mut().enumerate() {
        // SAFETY: every offset is that of a row `k < I` of `H` floats, and
        // the block's `B` floats start at `block · B ≤ H − B` within it.
        unsafe { acc.add_columns(base.add(block * B), inked) }
    }
}

/// A kernel for one block size: `$acc` and `$w` are the `VLDM` register
/// ranges of the sums and of one pixel's weights, then one `VMLA` per sum.
macro_rules! kernel {
    ($n:literal, $name:ident, $acc:literal, $w:literal, [$($mla:literal),* $(,)?]) => {
        core::arch::global_asm!(
            concat!(".section .text.", stringify!($name), ",\"ax\",%progbits"),
            concat!(".global ", stringify!($name)),
            concat!(".type ", stringify!($name), ",%function"),
            ".thumb_func",
            concat!(stringify!($name), ":"),
            // r0 = acc, r1 = base, r2 = first entry, r3 = end of the entries.
            "    vpush {{s16-s31}}",
            concat!("    vldm r0, {{", $acc, "}}"),
            "1:  ldr r12, [r2], #8",
            "    vldr s31, [r2, #-4]",
            "    add r12, r12, r1",
            concat!("    vldm r12, {{", $w, "}}"),
            $(concat!("    ", $mla),)*
            "    cmp r2, r3",
            "    bne 1b",
            concat!("    vstm r0, {{", $acc, "}}"),
            "    vpop {{s16-s31}}",
            "    bx lr",
            concat!(".size ", stringify!($name), ", . - ", stringify!($name)),
        );

        extern "C" {
            fn $name(acc: *mut f32, base: *const f32, first: *const Inked, end: *const Inked);
        }

        impl Columns for [f32; $n] {
            #[inline(always)]
            unsafe fn add_columns(&mut self, base: *const f32, inked: &[Inked]) {
                let range = inked.as_ptr_range();
                // SAFETY: the caller's promise; `inked` is not empty (the
                // loop runs at least once), and the kernel keeps to r0–r3,
                // r12, s0–s31 (s16–s31 saved and restored) and the flags.
                unsafe { $name(self.as_mut_ptr(), base, range.start, range.end) }
            }
        }
    };
}

kernel!(
    15,
    digitnet_columns_15,
    "s0-s14",
    "s16-s30",
    [
        "vmla.f32 s0, s16, s31",
        "vmla.f32 s1, s17, s31",
        "vmla.f32 s2, s18, s31",
        "vmla.f32 s3, s19, s31",
        "vmla.f32 s4, s20, s31",
        "vmla.f32 s5, s21, s31",
        "vmla.f32 s6, s22, s31",
        "vmla.f32 s7, s23, s31",
        "vmla.f32 s8, s24, s31",
        "vmla.f32 s9, s25, s31",
        "vmla.f32 s10, s26, s31",
        "vmla.f32 s11, s27, s31",
        "vmla.f32 s12, s28, s31",
        "vmla.f32 s13, s29, s31",
        "vmla.f32 s14, s30, s31",
    ]
);

kernel!(
    10,
    digitnet_columns_10,
    "s0-s9",
    "s16-s25",
    [
        "vmla.f32 s0, s16, s31",
        "vmla.f32 s1, s17, s31",
        "vmla.f32 s2, s18, s31",
        "vmla.f32 s3, s19, s31",
        "vmla.f32 s4, s20, s31",
        "vmla.f32 s5, s21, s31",
        "vmla.f32 s6, s22, s31",
        "vmla.f32 s7, s23, s31",
        "vmla.f32 s8, s24, s31",
        "vmla.f32 s9, s25, s31",
    ]
);

// Sixteen sums leave fifteen registers for the weights: the last weight is
// loaded on its own, into a register whose weight has been used.
kernel!(
    16,
    digitnet_columns_16,
    "s0-s15",
    "s16-s30",
    [
        "vmla.f32 s0, s16, s31",
        "vmla.f32 s1, s17, s31",
        "vmla.f32 s2, s18, s31",
        "vmla.f32 s3, s19, s31",
        "vmla.f32 s4, s20, s31",
        "vmla.f32 s5, s21, s31",
        "vmla.f32 s6, s22, s31",
        "vmla.f32 s7, s23, s31",
        "vmla.f32 s8, s24, s31",
        "vmla.f32 s9, s25, s31",
        "vmla.f32 s10, s26, s31",
        "vmla.f32 s11, s27, s31",
        "vmla.f32 s12, s28, s31",
        "vmla.f32 s13, s29, s31",
        "vmla.f32 s14, s30, s31",
        "vldr s16, [r12, #60]",
        "vmla.f32 s15, s16, s31",
    ]
);
