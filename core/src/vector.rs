//! Element-wise loops shaped for SIMD.
//!
//! Each element is computed on its own, so how a loop is cut into vector
//! instructions changes no result; these helpers only make sure it is cut
//! well: a plain loop over a row whose length is a multiple of 16 (the fast
//! path pads its rows), an [`opaque`] barrier that keeps a compiler from
//! vectorising across independent rows instead of along them, and
//! [`blocks16_mut`] for a costly function over a short array (the
//! exponential over 10 outputs), padded to one whole vector.

/// `f(&mut a_i, b_i)` for every `i`: one plain loop, which the compiler
/// vectorises whole when `N` is a multiple of the vector width (the fast
/// path pads its rows to multiples of 16 for that).
#[inline(always)]
pub fn zip_mut<const N: usize>(a: &mut [f32; N], b: &[f32; N], f: impl Fn(&mut f32, f32) + Copy) {
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
