//! Requantisation: a real multiplier `M` as `m / 2^shift`, one shift per
//! layer, applied to an `i32` sum with a single rounding.

/// The shift of a layer whose largest real multiplier is `max_real`: the
/// one that gives it 31 significant bits (`m` in `[2^30, 2^31)`), from 1 to 62.
pub fn layer_shift(max_real: f64) -> u8 {
    if max_real.is_nan() || max_real <= 0.0 {
        return 62;
    }
    let mut shift: i32 = 31;
    let mut scaled = max_real * 2_147_483_648.0; // max_real · 2^31
    while scaled >= 2_147_483_647.5 && shift > 1 {
        scaled /= 2.0;
        shift -= 1;
    }
    while scaled * 2.0 < 2_147_483_647.5 && shift < 62 {
        scaled *= 2.0;
        shift += 1;
    }
    shift as u8
}

/// The multiplier `m = round(real · 2^shift)`, clamped to `0..=i32::MAX`.
pub fn multiplier(real: f64, shift: u8) -> i32 {
    let m = libm::round(real * libm::pow(2.0, f64::from(shift)));
    if m.is_nan() {
        0
    } else {
        m.clamp(0.0, 2_147_483_647.0) as i32
    }
}

/// `(acc · m + 2^(shift−1)) >> shift`: the sum `acc` times the real
/// multiplier `m / 2^shift`, rounded to nearest, ties toward +∞ (`shift` is
/// taken as 1 to 62). Within the bounds of a quantised network (`|acc| <
/// 2^26`, and a result that fits) this is exact; outside them the result
/// wraps rather than panics.
#[inline(always)]
pub fn requantize(acc: i32, m: i32, shift: u8) -> i32 {
    let shift = u32::from(shift.clamp(1, 62));
    let product = i64::from(acc) * i64::from(m);
    (product.wrapping_add(1i64 << (shift - 1)) >> shift) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requantize_rounds_half_up() {
        // 0.75 = 0x60000000 / 2^31.
        assert_eq!(layer_shift(0.75), 31);
        assert_eq!(multiplier(0.75, 31), 0x6000_0000);
        let m = 0x6000_0000;
        assert_eq!(requantize(4, m, 31), 3);
        assert_eq!(requantize(2, m, 31), 2); // 1.5 → 2
        assert_eq!(requantize(-2, m, 31), -1); // −1.5 → −1 (ties toward +∞)
        assert_eq!(requantize(-3, m, 31), -2); // −2.25 → −2
        assert_eq!(layer_shift(1e9), 1);
        assert_eq!(multiplier(1e9, 1), 2_000_000_000);
        assert_eq!(multiplier(1e10, 1), i32::MAX);
        assert_eq!(layer_shift(0.0), 62);
        // Past the ends: the shift stays within 1..=62, and NaN gets 62.
        assert_eq!(layer_shift(1e12), 1);
        assert_eq!(layer_shift(1e-30), 62);
        assert_eq!(layer_shift(-2.0), 62);
        assert_eq!(layer_shift(f64::NAN), 62);
        // m exactly 2^31 − 1/2 rounds to 2^31, one bit too many: the shift
        // stops short of it.
        assert_eq!(layer_shift(2_147_483_647.5 / 4_294_967_296.0), 31);
        assert_eq!(multiplier(f64::NAN, 3), 0);
        assert_eq!(requantize(12345, 0, 62), 0);
        // Any multiplier: 31 significant bits, within half a unit of the exact product.
        for real in [1e-6, 0.0037, 0.5, 1.0, 3.999, 1234.5] {
            let shift = layer_shift(real);
            let m = multiplier(real, shift);
            assert!((1 << 30..=i32::MAX).contains(&m), "{real}: {m}");
            let back = f64::from(m) / libm::pow(2.0, f64::from(shift));
            assert!((back - real).abs() <= real * 1e-9, "{real}");
            for acc in [-1_000_000, -77, 0, 5, 999_999] {
                let exact = f64::from(acc) * back;
                let got = f64::from(requantize(acc, m, shift));
                assert!((got - exact).abs() <= 0.5, "{real} {acc}");
            }
        }
        // A smaller multiplier in the same layer keeps the layer's shift.
        assert_eq!(multiplier(0.375, 31), 0x3000_0000);
    }
}
