//! Reproducible randomness: a seeded generator, normal samples and shuffles.
//!
//! Everything is computed here from the generator's raw `u64` outputs with
//! `libm`, so the values never change with a crate release or a machine.

use rand_core::{Rng, SeedableRng};
use rand_xorshift::XorShiftRng;

/// The generator behind every seeded run: `XorShiftRng` from a `u64` seed.
pub fn seeded(seed: u64) -> XorShiftRng {
    XorShiftRng::seed_from_u64(seed)
}

/// A uniform sample in `(0, 1]` with 53 random bits (never 0, so `ln u` is finite).
pub fn uniform_open_closed<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    ((rng.next_u64() >> 11) as f64 + 1.0) * SCALE
}

/// A uniform sample in `[0, 1)` with 53 random bits.
pub fn uniform_closed_open<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
    (rng.next_u64() >> 11) as f64 * SCALE
}

/// Standard normal N(0, 1) samples by the Box–Muller transform.
///
/// Each pair of uniforms `u1, u2` gives two samples,
/// `√(−2 ln u1) · cos(2π u2)` then `√(−2 ln u1) · sin(2π u2)`, computed in `f64`.
#[derive(Clone, Debug, Default)]
pub struct Normal {
    spare: Option<f64>,
}

impl Normal {
    /// A sampler with no sample held back.
    pub const fn new() -> Self {
        Self { spare: None }
    }

    /// The next N(0, 1) sample, rounded to `f32`.
    pub fn sample<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f32 {
        self.sample_f64(rng) as f32
    }

    /// The next N(0, 1) sample in full `f64` precision.
    pub fn sample_f64<R: Rng + ?Sized>(&mut self, rng: &mut R) -> f64 {
        if let Some(z) = self.spare.take() {
            return z;
        }
        let u1 = uniform_open_closed(rng);
        let u2 = uniform_open_closed(rng);
        let r = libm::sqrt(-2.0 * libm::log(u1));
        let theta = 2.0 * core::f64::consts::PI * u2;
        self.spare = Some(r * libm::sin(theta));
        r * libm::cos(theta)
    }
}

/// A uniform integer in `0..n` without modulo bias (Lemire's multiply-and-reject).
///
/// `n = 0` has no valid answer; it returns 0 rather than panic.
pub fn below<R: Rng + ?Sized>(rng: &mut R, n: u64) -> u64 {
    if n == 0 {
        return 0;
    }
    let mut m = u128::from(rng.next_u64()) * u128::from(n);
    if (m as u64) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u64) < threshold {
            m = u128::from(rng.next_u64()) * u128::from(n);
        }
    }
    (m >> 64) as u64
}

/// Shuffles `items` in place, every order equally likely (Fisher–Yates).
pub fn shuffle<T, R: Rng + ?Sized>(rng: &mut R, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        items.swap(i, j.min(i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_first_normals_for_seed_0() {
        // Pins the whole chain: XorShiftRng seeding, the uniform mapping and
        // Box–Muller. A change here changes every trained model.
        let mut rng = seeded(0);
        let mut normal = Normal::new();
        let got: [u32; 4] = core::array::from_fn(|_| normal.sample(&mut rng).to_bits());
        assert!((f32::from_bits(got[0]) - -0.447_266_26).abs() < 1e-6);
        assert_eq!(got, KNOWN_SEED_0);
    }

    /// Bit patterns of the first four N(0, 1) samples from seed 0:
    /// −0.447266, 0.186191, −1.524703, −2.044303. Checked independently by
    /// applying Box–Muller in Python's `math` to the generator's first four
    /// outputs, pinned in `known_answer_first_outputs_for_seed_0`.
    const KNOWN_SEED_0: [u32; 4] = [3202678805, 1044293820, 3217238393, 3221411292];

    #[test]
    fn known_answer_first_outputs_for_seed_0() {
        let mut rng = seeded(0);
        let got: [u64; 4] = core::array::from_fn(|_| rng.next_u64());
        assert_eq!(
            got,
            [
                16404092901424811733,
                8065261733521989039,
                713866689603199902,
                11953659651382018319
            ]
        );
    }

    #[test]
    fn normal_moments_are_close() {
        let mut rng = seeded(42);
        let mut normal = Normal::new();
        let n = 200_000;
        let (mut sum, mut sq) = (0.0f64, 0.0f64);
        for _ in 0..n {
            let z = f64::from(normal.sample(&mut rng));
            sum += z;
            sq += z * z;
        }
        let mean = sum / n as f64;
        let var = sq / n as f64 - mean * mean;
        assert!(mean.abs() < 0.01, "mean {mean}");
        assert!((var - 1.0).abs() < 0.01, "variance {var}");
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = seeded(1);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let v = below(&mut rng, 7);
            assert!(v < 7);
            seen[v as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 850 && c < 1150), "{seen:?}");
        assert_eq!(below(&mut rng, 0), 0);
        assert_eq!(below(&mut rng, 1), 0);
    }

    /// Returns the given outputs in turn (then zeros), to reach chosen branches.
    struct Scripted<'a>(&'a [u64]);

    impl rand_core::TryRng for Scripted<'_> {
        type Error = rand_core::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            self.try_next_u64().map(|x| x as u32)
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            let (first, rest) = self.0.split_first().unwrap_or((&0, &[]));
            self.0 = rest;
            Ok(*first)
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Self::Error> {
            dest.fill(0);
            Ok(())
        }
    }

    #[test]
    fn below_rejects_the_biased_zone_and_draws_again() {
        // n = 3: 2^64 mod 3 = 1, so only a product whose low word is 0 is
        // rejected: x = 0 gives m = 0 → rejected; the next draw decides.
        let mut rng = Scripted(&[0, u64::MAX]);
        assert_eq!(below(&mut rng, 3), 2);
        assert!(rng.0.is_empty(), "both outputs used");
        // n = 3·2^62: the threshold is 2^64 mod n = 2^62. x = 1 gives a low
        // word of n ≥ 2^62: accepted at once, answer 0.
        let n = 3u64 << 62;
        let mut rng = Scripted(&[1, 7]);
        assert_eq!(below(&mut rng, n), 0);
        assert_eq!(rng.0, [7]);
        // x = 0 (low word 0, under the threshold) is rejected, twice; then
        // x = 2^64 − 1 gives the largest answer, n − 1.
        let mut rng = Scripted(&[0, 0, u64::MAX]);
        assert_eq!(below(&mut rng, n), n - 1);
        assert!(rng.0.is_empty());
    }

    #[test]
    fn below_is_unbiased_for_a_large_bound() {
        // Without rejection, multiply-and-shift maps 2^64 inputs onto
        // n = 3·2^62 outputs, a third of which get two inputs: the answers
        // modulo 3 then split about 1/2, 1/4, 1/4 instead of thirds.
        let n = 3u64 << 62;
        let mut rng = seeded(11);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[(below(&mut rng, n) % 3) as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (9_400..10_600).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn shuffle_gives_every_order_equally_often() {
        // All 6 orders of 3 items, each about 1/6 of the time (Sattolo's
        // variant would give only the 2 cyclic ones).
        let mut rng = seeded(12);
        let mut counts = [0u32; 6];
        let orders = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        for _ in 0..12_000 {
            let mut items = [0u8, 1, 2];
            shuffle(&mut rng, &mut items);
            let i = orders.iter().position(|o| *o == items).unwrap();
            counts[i] += 1;
        }
        assert!(
            counts.iter().all(|&c| (1_800..2_200).contains(&c)),
            "{counts:?}"
        );
        // The first item stays in place about a third of the time.
        let mut stayed = 0;
        for _ in 0..3_000 {
            let mut items = [0u8, 1, 2];
            shuffle(&mut rng, &mut items);
            stayed += u32::from(items[0] == 0);
        }
        assert!((900..1_100).contains(&stayed), "{stayed}");
    }

    #[test]
    fn uniform_samples_stay_in_their_intervals() {
        let mut rng = Scripted(&[0, u64::MAX, 0, u64::MAX]);
        assert_eq!(uniform_open_closed(&mut rng), 1.0 / (1u64 << 53) as f64);
        assert_eq!(uniform_open_closed(&mut rng), 1.0);
        assert_eq!(uniform_closed_open(&mut rng), 0.0);
        assert_eq!(
            uniform_closed_open(&mut rng),
            1.0 - 1.0 / (1u64 << 53) as f64
        );
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let mut a: [u32; 50] = core::array::from_fn(|i| i as u32);
        let mut b = a;
        shuffle(&mut seeded(9), &mut a);
        shuffle(&mut seeded(9), &mut b);
        assert_eq!(a, b);
        assert_ne!(a, core::array::from_fn::<u32, 50, _>(|i| i as u32));
        let mut sorted = a;
        sorted.sort_unstable();
        assert_eq!(sorted, core::array::from_fn::<u32, 50, _>(|i| i as u32));
    }
}
