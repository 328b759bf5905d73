//! What a layer can read (`f32` activations or raw `u8` pixels) and what a
//! training example can ask for (a target vector or a class label).
//!
//! Sums run in a fixed order set by this code — eight interleaved partial sums,
//! combined pairwise — never by the compiler or the machine, so every build
//! gives the same bits. Eight lanes let a desktop compiler use SIMD registers
//! without reordering anything.

use crate::error::Error;

/// Number of interleaved partial sums in [`Input::dot`].
pub const LANES: usize = 8;

/// Grey level of a pixel that maps to activation 1.0: `a = p / 255`.
pub const PIXEL_MAX: f32 = 255.0;

/// An input vector of `N` activations, read in place (never copied).
pub trait Input<const N: usize> {
    /// The dot product `Σ_k w_k · a_k`, summed in the fixed lane order.
    fn dot(&self, w: &[f32; N]) -> f32;
    /// Adds `scale · a` to `acc`, element by element (a row of `nabla_w`).
    fn add_scaled_to(&self, scale: f32, acc: &mut [f32; N]);
}

/// Combines the lanes pairwise: `((l0+l1)+(l2+l3)) + ((l4+l5)+(l6+l7))`.
#[inline]
fn reduce(l: [f32; LANES]) -> f32 {
    let [l0, l1, l2, l3, l4, l5, l6, l7] = l;
    ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))
}

/// `Σ_k w_k · f(x_k)` with [`LANES`] partial sums, then the tail in order.
///
/// Chunks for which `blank` is true (all inputs zero) are skipped: each
/// would add `w · 0 = ±0` to its lane, which leaves any lane unchanged — a
/// lane starts at `+0` and a round-to-nearest sum is never `−0` unless both
/// terms are — so for finite weights the result is bit-identical to the full
/// sum. MNIST images are about 80% background, so this skips most of them.
#[inline]
fn lane_dot<T: Copy, const N: usize>(
    w: &[f32; N],
    x: &[T; N],
    f: impl Fn(T) -> f32,
    blank: impl Fn(&[T; LANES]) -> bool,
) -> f32 {
    let (w_chunks, w_tail) = w.as_chunks::<LANES>();
    let (x_chunks, x_tail) = x.as_chunks::<LANES>();
    let mut lanes = [0.0f32; LANES];
    for (wc, xc) in w_chunks.iter().zip(x_chunks) {
        if blank(xc) {
            continue;
        }
        for ((l, wv), xv) in lanes.iter_mut().zip(wc).zip(xc) {
            *l += wv * f(*xv);
        }
    }
    let mut tail = 0.0f32;
    for (wv, xv) in w_tail.iter().zip(x_tail) {
        tail += wv * f(*xv);
    }
    reduce(lanes) + tail
}

impl<const N: usize> Input<N> for [f32; N] {
    #[inline]
    fn dot(&self, w: &[f32; N]) -> f32 {
        lane_dot(w, self, |a| a, |_| false)
    }

    #[inline]
    fn add_scaled_to(&self, scale: f32, acc: &mut [f32; N]) {
        for (s, a) in acc.iter_mut().zip(self) {
            *s += scale * a;
        }
    }
}

/// Raw grey levels `p` stand for activations `a = p / 255` (as in the book's
/// data loader). The scale is factored out of each sum — `w·a = (w·p) / 255` —
/// so a pixel costs one conversion and one multiply-add, and no `f32` copy of
/// the image is ever made. Dividing once after the sum rounds differently
/// from summing `p / 255` terms: the results agree closely, not bit for bit
/// (host and device both read `u8` pixels, so they agree with each other).
/// Skipping the blank chunks changes no bit: a blank chunk adds `±0`.
impl<const N: usize> Input<N> for [u8; N] {
    #[inline]
    fn dot(&self, w: &[f32; N]) -> f32 {
        lane_dot(w, self, f32::from, is_blank) / PIXEL_MAX
    }

    #[inline]
    fn add_scaled_to(&self, scale: f32, acc: &mut [f32; N]) {
        // Blank chunks are skipped as in `dot`: adding `±0` to a sum that
        // started at `+0` changes nothing.
        let scale = scale / PIXEL_MAX;
        let (acc_chunks, acc_tail) = acc.as_chunks_mut::<LANES>();
        let (p_chunks, p_tail) = self.as_chunks::<LANES>();
        for (sc, pc) in acc_chunks.iter_mut().zip(p_chunks) {
            if is_blank(pc) {
                continue;
            }
            for (s, p) in sc.iter_mut().zip(pc) {
                *s += scale * f32::from(*p);
            }
        }
        for (s, p) in acc_tail.iter_mut().zip(p_tail) {
            *s += scale * f32::from(*p);
        }
    }
}

/// Whether eight pixels are all background.
#[inline]
fn is_blank(pixels: &[u8; LANES]) -> bool {
    u64::from_ne_bytes(*pixels) == 0
}

/// The desired output `y` of a training example.
pub trait Target<const O: usize> {
    /// The target vector `y`, or an error when it cannot be formed.
    fn target(&self) -> Result<[f32; O], Error>;
}

impl<const O: usize> Target<O> for [f32; O] {
    #[inline]
    fn target(&self) -> Result<[f32; O], Error> {
        Ok(*self)
    }
}

impl<const O: usize> Target<O> for &[f32; O] {
    #[inline]
    fn target(&self) -> Result<[f32; O], Error> {
        Ok(**self)
    }
}

/// A class label: the one-hot vector `y` with `y[label] = 1` (the book's
/// `vectorized_result`).
impl<const O: usize> Target<O> for usize {
    #[inline]
    fn target(&self) -> Result<[f32; O], Error> {
        one_hot(*self)
    }
}

impl<const O: usize> Target<O> for u8 {
    #[inline]
    fn target(&self) -> Result<[f32; O], Error> {
        one_hot(usize::from(*self))
    }
}

/// The one-hot vector for `label`: 1.0 at `label`, 0.0 elsewhere.
pub fn one_hot<const O: usize>(label: usize) -> Result<[f32; O], Error> {
    let mut y = [0.0; O];
    match y.get_mut(label) {
        Some(v) => *v = 1.0,
        None => return Err(Error::LabelOutOfRange { label, classes: O }),
    }
    Ok(y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_short_vectors_sum_in_order() {
        let w = [1.0, 2.0, 3.0];
        assert_eq!([4.0f32, 5.0, 6.0].dot(&w), 32.0);
    }

    #[test]
    fn dot_long_vector_matches_exact_sum() {
        // Integers small enough that every partial sum is exact in f32.
        let mut w = [0.0f32; 19];
        let mut x = [0.0f32; 19];
        for (k, (wv, xv)) in w.iter_mut().zip(x.iter_mut()).enumerate() {
            *wv = k as f32;
            *xv = (k % 5) as f32;
        }
        let exact: f32 = (0..19).map(|k| (k * (k % 5)) as f32).sum();
        assert_eq!(x.dot(&w), exact);
    }

    #[test]
    fn dot_past_eight_sums_lanes_pairwise_then_the_tail() {
        // 19 values that do not add exactly in f32, so the order shows: lane
        // `k mod 8` over the two whole groups, the lanes combined pairwise,
        // then the tail (k = 16, 17, 18) in order.
        let w: [f32; 19] = core::array::from_fn(|k| 1.0 / (3.0 + k as f32));
        let x: [f32; 19] = core::array::from_fn(|k| 0.1 * (k as f32 + 1.0));
        let mut lanes = [0.0f32; LANES];
        for k in 0..16 {
            lanes[k % LANES] += x[k] * w[k];
        }
        let tail = ((0.0 + x[16] * w[16]) + x[17] * w[17]) + x[18] * w[18];
        let want = (((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
            + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7])))
            + tail;
        assert_eq!(x.dot(&w).to_bits(), want.to_bits());
        // A left-to-right sum of the same terms gives other bits: the test
        // would see a change of order.
        let plain = (0..19).fold(0.0f32, |s, k| s + x[k] * w[k]);
        assert_ne!(plain.to_bits(), want.to_bits());
        // The u8 sums run in the same order, then divide by 255.
        let p: [u8; 19] = core::array::from_fn(|k| (k * 37 % 251) as u8 + 1);
        let mut lanes = [0.0f32; LANES];
        for k in 0..16 {
            lanes[k % LANES] += w[k] * f32::from(p[k]);
        }
        let tail = ((0.0 + w[16] * f32::from(p[16])) + w[17] * f32::from(p[17]))
            + w[18] * f32::from(p[18]);
        assert_eq!(
            p.dot(&w).to_bits(),
            ((reduce(lanes) + tail) / PIXEL_MAX).to_bits()
        );
    }

    #[test]
    fn u8_pixels_scale_by_255() {
        let w = [0.5f32, -1.0, 2.0];
        let p = [255u8, 0, 51];
        // (0.5*255 + 2*51) / 255 = 229.5 / 255 = 0.9
        assert_eq!(p.dot(&w), 229.5 / 255.0);
        let mut acc = [1.0f32; 3];
        p.add_scaled_to(2.0, &mut acc);
        assert_eq!(
            acc,
            [1.0 + 2.0 / 255.0 * 255.0, 1.0, 1.0 + 2.0 / 255.0 * 51.0]
        );
    }

    #[test]
    fn skipping_blank_pixels_is_bit_exact() {
        // Against a plain sum over every pixel in the same lane order, with
        // negative weights so that `w · 0 = −0` terms occur.
        let mut w = [0.0f32; 37];
        let mut p = [0u8; 37];
        for (k, (wv, pv)) in w.iter_mut().zip(p.iter_mut()).enumerate() {
            *wv = if k % 3 == 0 {
                -0.37 * k as f32
            } else {
                0.011 * k as f32
            };
            *pv = if (8..24).contains(&k) || k % 7 == 0 {
                0
            } else {
                (k * 13 % 256) as u8
            };
        }
        let mut lanes = [0.0f32; LANES];
        let mut tail = 0.0f32;
        for k in 0..37 {
            let term = w[k] * f32::from(p[k]);
            if k < 32 {
                lanes[k % LANES] += term
            } else {
                tail += term
            }
        }
        assert_eq!(
            p.dot(&w).to_bits(),
            ((reduce(lanes) + tail) / PIXEL_MAX).to_bits()
        );
        assert_eq!([0u8; 37].dot(&w).to_bits(), 0.0f32.to_bits());
        let mut acc = [0.0f32; 37];
        p.add_scaled_to(-1.5, &mut acc);
        for k in 0..37 {
            assert_eq!(
                acc[k].to_bits(),
                (0.0 + (-1.5 / PIXEL_MAX) * f32::from(p[k])).to_bits()
            );
        }
    }

    #[test]
    fn one_hot_and_out_of_range() {
        assert_eq!(one_hot::<4>(2), Ok([0.0, 0.0, 1.0, 0.0]));
        assert_eq!(
            one_hot::<4>(4),
            Err(Error::LabelOutOfRange {
                label: 4,
                classes: 4
            })
        );
        assert_eq!(
            Target::<3>::target(&7u8),
            Err(Error::LabelOutOfRange {
                label: 7,
                classes: 3
            })
        );
    }

    #[test]
    fn every_target_gives_its_vector() {
        // A target vector, owned or borrowed, is `y` itself; a label is one-hot.
        let y = [0.25f32, -0.5, 0.75];
        assert_eq!(Target::<3>::target(&y), Ok(y));
        assert_eq!(Target::<3>::target(&&y), Ok(y));
        assert_eq!(Target::<3>::target(&1usize), Ok([0.0, 1.0, 0.0]));
        assert_eq!(Target::<3>::target(&2u8), Ok([0.0, 0.0, 1.0]));
    }
}
