//! Test helpers: the int8 forward pass from its definition, random and
//! adversarial networks and images.

extern crate std;
use std::boxed::Box;
use std::vec;
use std::vec::Vec;

use rand_core::Rng;

use super::{sigmoid_table_entry, Bytes, Pairs, QuantNet, SIGMOID_TABLE_LEN};
use crate::activation::Activation;
use crate::random::seeded;

/// The int8 forward pass from its definition, in `i64`/`i128`: every
/// input and neuron, `q = u − 128`, the requantisation and the table
/// lookup written out. Also checks that every sum fits in `i32`.
#[allow(clippy::needless_range_loop)]
pub(super) fn reference<const I: usize, const H: usize, const O: usize, const T: usize>(
    q: &QuantNet<I, H, O, T>,
    x: &[u8; I],
) -> [i32; O] {
    let requant = |acc: i64, m: i32, shift: u8| -> i64 {
        assert!(i32::try_from(acc).is_ok(), "sum {acc} overflows i32");
        let s = u32::from(shift.clamp(1, 62));
        ((i128::from(acc) * i128::from(m) + (1i128 << (s - 1))) >> s) as i64
    };
    let mut a = [0u8; H];
    for j in 0..H {
        let mut acc = i64::from(q.hidden_biases[j]);
        for k in 0..I {
            acc += (i64::from(q.hidden_weights[k][j]) - 128) * i64::from(x[k]);
        }
        let v = requant(acc, q.hidden_multipliers[j], q.hidden_shift);
        a[j] = match q.activation {
            Activation::Sigmoid if T == 0 => 0,
            Activation::Sigmoid => {
                let i = (v + (T / 2) as i64).clamp(0, T as i64 - 1);
                q.sigmoid_table[i as usize]
            }
            Activation::Relu => v.clamp(0, 255) as u8,
        };
    }
    core::array::from_fn(|j| {
        let mut acc = i64::from(q.output_biases[j]);
        for k in 0..H {
            acc += (i64::from(q.output_weights[k][j]) - 128) * i64::from(a[k]);
        }
        requant(acc, q.output_multipliers[j], q.output_shift) as i32
    })
}

/// The plain logits and every kernel's against [`reference`].
pub(super) fn check<const I: usize, const H: usize, const O: usize, const T: usize>(
    q: &QuantNet<I, H, O, T>,
    x: &[u8; I],
) {
    let want = reference(q, x);
    assert_eq!(q.logits_plain(x), want, "plain");
    assert_eq!(q.logits::<Pairs>(x), want, "pairs");
    assert_eq!(q.logits::<Bytes<3>>(x), want, "bytes 3");
}

/// Every kernel, with every block size from 1 to 16.
pub(super) fn check_every_kernel<const I: usize, const H: usize, const O: usize, const T: usize>(
    q: &QuantNet<I, H, O, T>,
    x: &[u8; I],
) {
    check(q, x);
    let want = reference(q, x);
    assert_eq!(q.logits::<Bytes<1>>(x), want, "bytes 1");
    assert_eq!(q.logits::<Bytes<2>>(x), want, "bytes 2");
    assert_eq!(q.logits::<Bytes<4>>(x), want, "bytes 4");
    assert_eq!(q.logits::<Bytes<5>>(x), want, "bytes 5");
    assert_eq!(q.logits::<Bytes<7>>(x), want, "bytes 7");
    assert_eq!(q.logits::<Bytes<8>>(x), want, "bytes 8");
    assert_eq!(q.logits::<Bytes<16>>(x), want, "bytes 16");
}

/// A network of random bytes and integers: weights anywhere in `0..=255`
/// (even 0, `q = −128`, which quantisation never makes), biases up to
/// `±2^24`, multipliers with 31 bits; shifts that spread the hidden sums
/// over the whole table (and past both ends) or over `0..=255` (ReLU).
pub(super) fn random_net<const I: usize, const H: usize, const O: usize, const T: usize>(
    seed: u64,
    activation: Activation,
) -> Box<QuantNet<I, H, O, T>> {
    let mut rng = seeded(seed);
    let mut q: Box<QuantNet<I, H, O, T>> = Box::default();
    let mut byte = || (rng.next_u32() >> 24) as u8;
    for row in q.hidden_weights.iter_mut() {
        row.iter_mut().for_each(|u| *u = byte());
    }
    for row in q.output_weights.iter_mut() {
        row.iter_mut().for_each(|u| *u = byte());
    }
    let mut rng = seeded(seed ^ 0x5eed);
    let mut bias = || (rng.next_u32() % (1 << 25)) as i32 - (1 << 24);
    q.hidden_biases.iter_mut().for_each(|b| *b = bias());
    q.output_biases.iter_mut().for_each(|b| *b = bias());
    let mut rng = seeded(seed ^ 0xface);
    let mut mult = || (1 << 30) + (rng.next_u32() >> 2) as i32;
    q.hidden_multipliers.iter_mut().for_each(|m| *m = mult());
    q.output_multipliers.iter_mut().for_each(|m| *m = mult());
    q.hidden_shift = match activation {
        Activation::Sigmoid => 45,
        Activation::Relu => 48,
    };
    q.output_shift = 31;
    q.sigmoid_table = core::array::from_fn(|i| {
        sigmoid_table_entry(i + SIGMOID_TABLE_LEN / 2 - T.min(SIGMOID_TABLE_LEN) / 2)
    });
    q.activation = activation;
    q
}

/// Random images: about half the pixels inked (any value `1..=255`).
pub(super) fn random_image<const I: usize>(rng: &mut impl Rng) -> [u8; I] {
    core::array::from_fn(|_| {
        let v = rng.next_u32();
        if v & 1 == 0 {
            0
        } else {
            ((v >> 8) % 255 + 1) as u8
        }
    })
}

/// Images for a layer of `I` inputs: blank, all 255, all 1, a random
/// few, and every count of inked pixels `0..=I` (all 255), which crosses
/// every list and window boundary.
pub(super) fn adversarial_images<const I: usize>(seed: u64) -> Vec<[u8; I]> {
    let mut rng = seeded(seed);
    let mut images = vec![[0u8; I], [255; I], [1; I]];
    images.extend((0..4).map(|_| random_image::<I>(&mut rng)));
    images.extend((0..=I).map(|n| core::array::from_fn(|k| if k < n { 255 } else { 0 })));
    // The same counts spread out: every third pixel, then the rest.
    images.extend(
        (0..=I)
            .step_by(7)
            .map(|n| core::array::from_fn(|k| if (k * 3) % I < n { 255 } else { 0 })),
    );
    images
}

pub(super) fn image<const I: usize>(seed: usize) -> [u8; I] {
    core::array::from_fn(|k| {
        let v = (k * 29 + seed * 13) % 89;
        if v < 50 {
            0
        } else {
            (v * 7 % 256) as u8
        }
    })
}
