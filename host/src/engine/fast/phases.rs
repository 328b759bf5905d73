//! Where a training round's time goes, per thread: timed only when asked, so timing changes no bit.

use super::*;

/// Seconds one thread spent in each part of its rounds, for `digitnet
/// bench --phases`: where a thread's time goes, and how much of it is
/// waiting for the others. (Reading the clock five times a round costs a
/// little, about what one thread's two waits show.)
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseTimes {
    /// Adding the previous round's gradients to its lanes, and the updates
    /// (with `--shift`, translating the round's images too).
    pub absorb: f64,
    /// Its lanes' partial sums for the round's examples.
    pub forward: f64,
    /// Waiting for the other threads' partial sums.
    pub wait_sums: f64,
    /// The rest of the forward pass and backpropagation for its share of
    /// the examples (reading the other threads' partial sums).
    pub backprop: f64,
    /// Waiting for the other threads' gradients.
    pub wait_gradients: f64,
}

impl PhaseTimes {
    /// The parts' names, in the order of [`PhaseTimes::parts`].
    pub(crate) const NAMES: [&'static str; 5] = [
        "absorb",
        "forward",
        "wait_sums",
        "backprop",
        "wait_gradients",
    ];

    /// The five parts, in the order a round runs them.
    pub fn parts(&self) -> [f64; 5] {
        [
            self.absorb,
            self.forward,
            self.wait_sums,
            self.backprop,
            self.wait_gradients,
        ]
    }

    /// The times whose [`PhaseTimes::parts`] are `parts`.
    pub(crate) fn from_parts(parts: [f64; 5]) -> Self {
        let [absorb, forward, wait_sums, backprop, wait_gradients] = parts;
        Self {
            absorb,
            forward,
            wait_sums,
            backprop,
            wait_gradients,
        }
    }

    /// All five parts together.
    pub fn total(&self) -> f64 {
        self.parts().iter().sum()
    }
}

/// A stopwatch that adds each lap to a [`PhaseTimes`] field; reads no clock
/// when off.
pub(super) struct Laps(Option<Instant>);

impl Laps {
    pub(super) fn new(on: bool) -> Self {
        Self(on.then(Instant::now))
    }

    /// Adds the time since the last lap to `into`.
    #[inline(always)]
    pub(super) fn lap(&mut self, into: &mut f64) {
        if let Some(last) = self.0 {
            let now = Instant::now();
            *into += (now - last).as_secs_f64();
            self.0 = Some(now);
        }
    }
}
