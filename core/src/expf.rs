//! `libm::expf`, rewritten without branches so that a compiler can run it
//! on 4, 8 or 16 floats at once, with the same result bit for bit.
//!
//! `libm::expf` (FreeBSD's `e_expf.c`) picks one of a few paths by the size
//! of `|x|` and returns early for NaN, overflow, underflow and tiny inputs.
//! [`expf`] computes the main path for every input and then selects, per
//! element, the value `libm` would have returned; every operation is the same
//! IEEE operation in the same order, so the results are identical (tests
//! check millions of inputs across every path and every float in the ranges
//! where the paths meet; an ignored test checks all 2³² inputs). The
//! training fast path uses it for the sigmoid and the softmax (the
//! [`Wide`](crate::activation::Wide) form of the neuron functions); the device
//! keeps calling `libm` itself ([`Plain`](crate::activation::Plain)).

use crate::vector::blocks16_mut;

/// `ln 2` split in two: the high part has trailing zero bits, so `k · LN2_HI`
/// is exact for the `k` that occur.
const LN2_HI: f32 = f32::from_bits(0x3f31_7200);
/// The rest of `ln 2`.
const LN2_LO: f32 = f32::from_bits(0x35bf_be8e);
/// `1 / ln 2`.
const INV_LN2: f32 = f32::from_bits(0x3fb8_aa3b);
/// Polynomial coefficients of the core approximation on `[−ln2/2, ln2/2]`.
const P1: f32 = f32::from_bits(0x3e2a_aa8f);
/// Second coefficient.
const P2: f32 = f32::from_bits(0xbb35_5215);
/// `2^127`.
const X1P127: f32 = f32::from_bits(0x7f00_0000);
/// `2^−126 · 2^24 = 2^−102`.
const X1P_102: f32 = f32::from_bits(0x0c80_0000);

/// `e^x`, bit-identical to `libm::expf(x)` for every `x`, without branches.
#[inline(always)]
pub fn expf(x: f32) -> f32 {
    let bits = x.to_bits();
    let negative = bits >> 31 != 0;
    let hx = bits & 0x7fff_ffff;

    // Argument reduction: x = k·ln2 + r, |r| ≤ ln2/2, with r = hi − lo.
    let half = if negative { -0.5 } else { 0.5 };
    // libm's `(int)(INV_LN2 * x + half)`; lanes too large for `trunc_small`
    // are replaced below.
    let k_far = trunc_small(INV_LN2 * x + half);
    let k_near = if negative { -1 } else { 1 };
    let reduce = hx > 0x3eb1_7218; // |x| > ln2/2
    let k = if !reduce {
        0
    } else if hx > 0x3f85_1592 {
        // |x| > 1.5 ln2
        k_far
    } else {
        k_near
    };
    let kf = k as f32;
    let hi_reduced = x - kf * LN2_HI;
    let lo_reduced = kf * LN2_LO;
    let (hi, lo, r) = if reduce {
        (hi_reduced, lo_reduced, hi_reduced - lo_reduced)
    } else {
        (x, 0.0, x)
    };

    // The core approximation, as libm writes it.
    let rr = r * r;
    let c = r - rr * (P1 + rr * P2);
    let y = 1.0 + (r * c / (2.0 - c) - lo + hi);

    // scalbnf(y, k): y · 2^k in at most two exact steps, as libm does it
    // (`y · 1.0` is `y`, so the plain case is the same product).
    let k = k.clamp(-150, 128);
    let (first, n) = if k > 127 {
        (X1P127, k - 127)
    } else if k < -126 {
        (X1P_102, k + 102)
    } else {
        (1.0, k)
    };
    let scale = f32::from_bits(((0x7f + n) as u32) << 23);
    let main = if k == 0 { y } else { y * first * scale };

    // libm's early returns, in its order.
    if hx > 0x7f80_0000 {
        x // NaN
    } else if hx >= 0x42b1_7218 && !negative {
        x * X1P127 // overflow: +∞
    } else if hx >= 0x42cf_f1b5 && negative {
        0.0 // underflow
    } else if hx <= 0x3900_0000 {
        1.0 + x // |x| ≤ 2^−14
    } else {
        main
    }
}

/// `f as i32`, truncated toward zero, for `|f| < 2^23` (anything, without
/// panicking, for other `f`), with float and integer operations only.
///
/// Why: Rust's `as i32` saturates and maps NaN to 0, and compilers turn
/// that into one scalar conversion and several checks per element, which
/// made most of a 16-float sigmoid's time. Here `|f| + 2^23` rounds `|f|` to
/// the nearest integer in its low mantissa bits (the float spacing there is
/// 1); one less if that rounded up gives the floor of `|f|`, and the sign
/// goes back on.
#[inline(always)]
fn trunc_small(f: f32) -> i32 {
    const TWO_23: f32 = 8_388_608.0;
    let a = f32::from_bits(f.to_bits() & 0x7fff_ffff);
    let m = a + TWO_23;
    let nearest = m.to_bits().wrapping_sub(TWO_23.to_bits()) as i32;
    let floor = nearest.wrapping_sub(i32::from(m - TWO_23 > a));
    if f.to_bits() >> 31 != 0 {
        floor.wrapping_neg()
    } else {
        floor
    }
}

/// [`expf`] of every element, in blocks the compiler vectorises.
#[inline(always)]
pub fn expf_in_place<const N: usize>(v: &mut [f32; N]) {
    blocks16_mut(v, |b| b.iter_mut().for_each(|x| *x = expf(*x)));
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    fn check(x: f32) {
        let want = libm::expf(x);
        let got = expf(x);
        assert!(
            got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
            "expf({x:e} = {:#x}): {got:e} vs libm {want:e}",
            x.to_bits()
        );
    }

    #[test]
    fn matches_libm_on_special_values() {
        for x in [
            0.0f32,
            -0.0,
            1.0,
            -1.0,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::NAN,
            -f32::NAN,
            f32::MAX,
            f32::MIN,
            f32::MIN_POSITIVE,
            -f32::MIN_POSITIVE,
            f32::from_bits(1),
            f32::from_bits(0x8000_0001),
            88.72283,
            88.722_84,
            -87.336_55,
            -103.972_08,
            -103.972_09,
            -104.0,
            89.0,
        ] {
            check(x);
        }
    }

    #[test]
    fn matches_libm_around_every_threshold() {
        // Every float within 2^16 ulps of each bound between libm's paths.
        for bound in [
            0x3900_0000u32,
            0x3eb1_7218,
            0x3f85_1592,
            0x42ae_ac50,
            0x42b1_7218,
            0x42cf_f1b5,
            0x7f80_0000,
        ] {
            for sign in [0, 0x8000_0000u32] {
                for bits in bound.saturating_sub(1 << 16)..=bound.saturating_add(1 << 16) {
                    check(f32::from_bits((bits & 0x7fff_ffff) | sign));
                }
            }
        }
    }

    #[test]
    fn matches_libm_across_the_range() {
        // A stride through every finite and infinite float of both signs:
        // about 4 million inputs, each binade sampled.
        let mut bits = 0u32;
        while bits <= 0x7f80_0000 {
            check(f32::from_bits(bits));
            check(f32::from_bits(bits | 0x8000_0000));
            bits += 1031;
        }
        // Every float where a sigmoid's argument usually lies, |x| in [1/64, 32).
        let mut bits = 0x3c80_0000u32;
        while bits < 0x4200_0000 {
            check(f32::from_bits(bits));
            check(f32::from_bits(bits | 0x8000_0000));
            bits += 7;
        }
    }

    /// Every one of the 2³² inputs (about a minute in a release build):
    /// `cargo test -p digitnet-core --release -- --ignored every_input`.
    #[test]
    #[ignore = "exhaustive: about a minute; run with --ignored"]
    fn matches_libm_on_every_input() {
        let mut block = [0.0f32; 16];
        for high in 0u32..(1 << 28) {
            for (i, v) in block.iter_mut().enumerate() {
                *v = f32::from_bits(high << 4 | i as u32);
            }
            let mut e = block;
            expf_in_place(&mut e);
            for (x, got) in block.iter().zip(e) {
                let want = libm::expf(*x);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "expf({:#x})",
                    x.to_bits()
                );
            }
        }
    }

    #[test]
    fn trunc_small_truncates_toward_zero() {
        for f in [
            0.0f32,
            -0.0,
            0.3,
            0.5,
            0.7,
            1.0,
            1.5,
            2.5,
            3.5,
            -0.3,
            -0.5,
            -0.7,
            -1.0,
            -1.5,
            -2.5,
            -3.5,
            149.99,
            -149.99,
            8_388_607.5,
            -8_388_607.5,
        ] {
            assert_eq!(trunc_small(f), f as i32, "{f}");
        }
        // Every float from -2^23 to 2^23 whose spacing is at least 2^-10.
        let mut bits = 0x3a80_0000u32; // 2^-10
        while bits < 0x4b00_0000 {
            for f in [f32::from_bits(bits), -f32::from_bits(bits)] {
                assert_eq!(trunc_small(f), f as i32, "{f}");
            }
            bits += 97;
        }
        // Out of range, whatever it returns, it does not panic.
        for f in [
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            f32::MAX,
            f32::MIN,
            1e10,
        ] {
            let _ = trunc_small(f);
        }
    }

    #[test]
    fn in_place_is_expf_of_every_element() {
        // 37 elements: two whole blocks of 16 and a tail.
        let mut v = [0.0f32; 37];
        for (i, x) in v.iter_mut().enumerate() {
            *x = (i as f32 - 18.0) * 2.9;
        }
        let mut e = v;
        expf_in_place(&mut e);
        for (x, got) in v.iter().zip(e) {
            assert_eq!(got.to_bits(), libm::expf(*x).to_bits(), "expf({x})");
        }
    }
}
