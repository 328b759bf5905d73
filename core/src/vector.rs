//! Element-wise loops shaped for SIMD.
//!
//! A loop over `N` floats whose `N` is not a multiple of the vector width
//! leaves a remainder that compilers often handle one float at a time; for
//! `N = 30` and 16-float vectors that is nearly half the work. These helpers
//! split the array into blocks of 16, 8 and 4 floats, each a fixed-size loop
//! that becomes whole vector instructions, and only the last 0–3 floats go
//! one by one. Every element is computed on its own, so the split changes no
//! result.

/// `f(&mut a_i, b_i)` for every `i`, in blocks of 16, 8, 4, then 1.
#[inline(always)]
pub fn zip_mut<const N: usize>(a: &mut [f32; N], b: &[f32; N], f: impl Fn(&mut f32, f32) + Copy) {
    let (a, b) = block::<16>(a, b, f);
    let (a, b) = block::<8>(a, b, f);
    let (a, b) = block::<4>(a, b, f);
    for (x, y) in a.iter_mut().zip(b) {
        f(x, *y);
    }
}

/// `r`, hidden from the optimiser's loop analysis.
///
/// A loop over independent rows (`for row in rows { row += d · a }`) can be
/// vectorised two ways: within each row (whole rows of contiguous floats per
/// instruction) or across the rows (one element of many rows per
/// instruction, with gathers and scatters, several times slower). Passing
/// each row through this barrier leaves only the first way open. It changes
/// no value and costs no instruction.
#[inline(always)]
pub fn opaque<T>(r: T) -> T {
    core::hint::black_box(r)
}

/// `f(&mut a_i)` for every `i`, in blocks of 16, 8, 4, then 1.
#[inline(always)]
pub fn map_mut<const N: usize>(a: &mut [f32; N], f: impl Fn(&mut f32) + Copy) {
    let zeros = [0.0f32; N];
    zip_mut(a, &zeros, |x, _| f(x));
}

/// `f` on every block of 16 elements; a last, partial block is copied into
/// a zero-padded block of 16 and back, so even it runs as whole vectors (for
/// costly element-wise functions such as the exponential, whose scalar
/// leftovers would otherwise cost as much as the vectors).
#[inline(always)]
pub fn blocks16_mut<const N: usize>(a: &mut [f32; N], f: impl Fn(&mut [f32; 16]) + Copy) {
    let (blocks, rest) = a.as_chunks_mut::<16>();
    for block in blocks {
        f(block);
    }
    if !rest.is_empty() {
        let mut block = [0.0f32; 16];
        for (b, r) in block.iter_mut().zip(rest.iter()) {
            *b = *r;
        }
        f(&mut block);
        for (r, b) in rest.iter_mut().zip(block) {
            *r = b;
        }
    }
}

/// Applies `f` to the whole blocks of `B` floats; returns the rest.
#[inline(always)]
fn block<'a, 'b, const B: usize>(
    a: &'a mut [f32],
    b: &'b [f32],
    f: impl Fn(&mut f32, f32) + Copy,
) -> (&'a mut [f32], &'b [f32]) {
    let (ac, ar) = a.as_chunks_mut::<B>();
    let (bc, br) = b.as_chunks::<B>();
    for (x, y) in ac.iter_mut().zip(bc) {
        for (p, q) in x.iter_mut().zip(y) {
            f(p, *q);
        }
    }
    (ar, br)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_element_once() {
        let mut a = [0.0f32; 31];
        let mut b = [0.0f32; 31];
        for (i, v) in b.iter_mut().enumerate() {
            *v = i as f32;
        }
        zip_mut(&mut a, &b, |x, y| *x += y * 2.0);
        map_mut(&mut a, |x| *x += 1.0);
        for (i, v) in a.iter().enumerate() {
            assert_eq!(*v, 2.0 * i as f32 + 1.0);
        }
    }
}
