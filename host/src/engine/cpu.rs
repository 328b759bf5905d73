//! Runtime CPU-feature dispatch: the training loops compiled three times —
//! for the baseline the binary targets, for AVX2 and for AVX-512 — and the
//! widest one the processor supports chosen when training starts.
//!
//! Every path computes the same bits: each product and sum is a separate IEEE
//! operation (Rust never fuses them into an FMA), and vector width changes how
//! many neurons are handled per instruction, never the order of any sum.
//!
//! This module and [`crate::engine::board`] hold the crate's `unsafe` code. Here,
//! calling a `#[target_feature]` function is `unsafe` because running an
//! instruction the processor lacks is undefined behaviour, so each call
//! below is made only after
//! `is_x86_feature_detected!` has confirmed every feature it enables (or
//! needs only what every x86-64 processor has).
#![allow(unsafe_code)]

/// Which instruction set the training loops run with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Simd {
    /// The widest one this processor supports (the default).
    #[default]
    Auto,
    /// Whatever the binary was compiled for (SSE2 for a default x86-64 build).
    Baseline,
    /// AVX2: 256-bit vectors.
    Avx2,
    /// AVX-512 (F, VL, BW, DQ): 512-bit vectors.
    Avx512,
}

/// A requested instruction set that this processor does not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("instruction set {}: this processor does not support it (supported: {})", .0.name(), supported_names())]
pub struct Unsupported(pub Simd);

impl Simd {
    /// Every choice, in the order the command line lists them.
    pub const ALL: [Simd; 4] = [Simd::Auto, Simd::Baseline, Simd::Avx2, Simd::Avx512];

    /// The name used on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Simd::Auto => "auto",
            Simd::Baseline => "baseline",
            Simd::Avx2 => "avx2",
            Simd::Avx512 => "avx512",
        }
    }

    /// Whether this processor can run the instruction set (`Auto` and
    /// `Baseline` always can).
    pub fn available(self) -> bool {
        match self {
            Simd::Auto | Simd::Baseline => true,
            Simd::Avx2 => has_avx2(),
            Simd::Avx512 => has_avx512(),
        }
    }

    /// The concrete instruction set: `Auto` becomes the widest available one;
    /// an unavailable one is an error.
    pub(crate) fn resolve(self) -> Result<Simd, Unsupported> {
        self.resolve_for(has_avx512(), has_avx2())
    }

    /// [`Simd::resolve`] on a processor that has AVX-512 and AVX2 as given.
    fn resolve_for(self, avx512: bool, avx2: bool) -> Result<Simd, Unsupported> {
        match self {
            Simd::Auto if avx512 => Ok(Simd::Avx512),
            Simd::Auto if avx2 => Ok(Simd::Avx2),
            Simd::Auto | Simd::Baseline => Ok(Simd::Baseline),
            Simd::Avx2 if avx2 => Ok(Simd::Avx2),
            Simd::Avx512 if avx512 => Ok(Simd::Avx512),
            s => Err(Unsupported(s)),
        }
    }
}

/// The concrete instruction sets this processor supports, as `baseline, avx2, …`.
pub(crate) fn supported_names() -> String {
    Simd::ALL
        .iter()
        .filter(|s| **s != Simd::Auto && s.available())
        .map(|s| s.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A piece of work to compile once per instruction set.
///
/// `run` must be `#[inline(always)]`, and so must whatever it calls that
/// should use the wider vectors: a function is compiled with the instruction
/// set of the function it is inlined into.
pub trait Task {
    /// What the work returns.
    type Output;
    /// Does the work.
    fn run(self) -> Self::Output;
}

/// Runs `task` compiled for `simd` (resolved first; an unavailable choice
/// falls back to the baseline, which every processor runs).
pub fn dispatch<T: Task>(simd: Simd, task: T) -> T::Output {
    #[cfg(target_arch = "x86_64")]
    match simd.resolve() {
        // SAFETY: `resolve` returns `Avx512` only when `has_avx512` found
        // every feature that `run_avx512` enables.
        Ok(Simd::Avx512) => return unsafe { run_avx512(task) },
        // SAFETY: likewise, `Avx2` only when `has_avx2` found AVX2.
        Ok(Simd::Avx2) => return unsafe { run_avx2(task) },
        _ => {}
    }
    let _ = simd;
    task.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,avx")]
fn run_avx512<T: Task>(task: T) -> T::Output {
    task.run()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx")]
fn run_avx2<T: Task>(task: T) -> T::Output {
    task.run()
}

/// Asks the processor to start loading the cache line holding `value`, so
/// that a later read finds it there. Changes no result; a no-op off x86-64.
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` needs SSE, which every x86-64 processor has, and
    // a prefetch never faults (the pointer comes from a reference anyway).
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("avx")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn has_avx512() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        has_avx2()
            && std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512vl")
            && std::arch::is_x86_feature_detected!("avx512bw")
            && std::arch::is_x86_feature_detected!("avx512dq")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sum<'a>(&'a [f32]);
    impl Task for Sum<'_> {
        type Output = f32;
        #[inline(always)]
        fn run(self) -> f32 {
            let mut lanes = [0.0f32; 16];
            for chunk in self.0.chunks_exact(16) {
                for (l, v) in lanes.iter_mut().zip(chunk) {
                    *l += *v * 1.5;
                }
            }
            lanes.iter().sum()
        }
    }

    #[test]
    fn auto_picks_the_widest_set_and_others_need_theirs() {
        use Simd::*;
        // (avx512, avx2) → what each choice resolves to.
        let cases = [
            (
                (true, true),
                [Ok(Avx512), Ok(Baseline), Ok(Avx2), Ok(Avx512)],
            ),
            (
                (false, true),
                [Ok(Avx2), Ok(Baseline), Ok(Avx2), Err(Unsupported(Avx512))],
            ),
            (
                (false, false),
                [
                    Ok(Baseline),
                    Ok(Baseline),
                    Err(Unsupported(Avx2)),
                    Err(Unsupported(Avx512)),
                ],
            ),
        ];
        for ((avx512, avx2), want) in cases {
            for (simd, want) in Simd::ALL.into_iter().zip(want) {
                assert_eq!(
                    simd.resolve_for(avx512, avx2),
                    want,
                    "{simd:?} {avx512} {avx2}"
                );
            }
        }
        for simd in Simd::ALL {
            assert_eq!(simd.resolve().is_ok(), simd.available(), "{simd:?}");
        }
    }

    #[test]
    fn every_available_path_gives_the_same_bits() {
        let data: Vec<f32> = (0..4096).map(|i| (i as f32 * 0.731).sin()).collect();
        let base = dispatch(Simd::Baseline, Sum(&data));
        for simd in Simd::ALL {
            if simd.available() {
                assert_eq!(
                    dispatch(simd, Sum(&data)).to_bits(),
                    base.to_bits(),
                    "{simd:?}"
                );
            }
        }
        assert_eq!(Simd::Auto.resolve().map(|s| s.available()), Ok(true));
        assert_ne!(Simd::Auto.resolve(), Ok(Simd::Auto));
        assert!(supported_names().starts_with("baseline"));
    }
}
