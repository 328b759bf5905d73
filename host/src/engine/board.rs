//! The board: the floats that the threads of a training run pass to each
//! other (lane sums and per-example deltas), written in one phase of a round
//! and read in the next.
//!
//! The fast path's threads take turns by a rule, the *phase rule*: a slot is
//! written by one thread during a phase, and read by the others only after
//! the barrier that ends that phase; no slot is read and written in the same
//! phase. The barrier's release and acquire order the writes before the
//! reads, so the slots need no atomic access of their own, and [`Shared`]
//! copies whole rows with vector loads and stores (one float at a time
//! through atomics cost about 4% of a two-thread epoch here).
//!
//! This module holds the crate's second piece of `unsafe` code (the first is
//! [`crate::engine::cpu`]'s dispatch): [`Shared`] reads and writes its slots through
//! raw pointers, which is sound as long as its users keep the phase rule, as
//! [`Shared::new`] requires.
#![allow(unsafe_code)]

use std::cell::{Cell, UnsafeCell};

/// Slots of `f32` that phases write and later phases read.
pub(crate) trait Board {
    /// Writes `values` to the slots from `at` (those past the end are dropped).
    fn put(&self, at: usize, values: &[f32]);
    /// Reads the slots from `at` into `out` (slots past the end leave `out` as it is).
    fn get(&self, at: usize, out: &mut [f32]);
    /// Starts fetching slots `at..at + len` into this core's cache.
    fn prefetch(&self, at: usize, len: usize);
}

/// The board of a multi-threaded run: memory that every thread reads and
/// writes under the phase rule.
pub struct Shared(Box<[UnsafeCell<f32>]>);

// SAFETY: `Shared::new`'s caller keeps the phase rule, under which no two
// threads access a slot at the same time unless both only read it.
unsafe impl Sync for Shared {}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("slots", &self.0.len())
            .finish()
    }
}

impl Shared {
    /// A board of `len` slots of `+0`.
    ///
    /// # Safety
    /// Every thread that uses the board keeps the phase rule (see the module
    /// documentation): a slot written during a phase is read or written by
    /// other threads only after a barrier wait (with release and acquire
    /// ordering) that follows the write.
    pub unsafe fn new(len: usize) -> Self {
        Self((0..len).map(|_| UnsafeCell::new(0.0)).collect())
    }

    /// The slots `at..at + n`, clipped to the board, as a raw pointer and a
    /// length (past the end: an empty slice's aligned, non-null pointer).
    #[inline(always)]
    fn span(&self, at: usize, n: usize) -> (*mut f32, usize) {
        let rest = self.0.get(at..).unwrap_or(&[]);
        // `UnsafeCell<f32>` has the layout of `f32`.
        (UnsafeCell::raw_get(rest.as_ptr()), n.min(rest.len()))
    }
}

impl Board for Shared {
    #[inline(always)]
    fn put(&self, at: usize, values: &[f32]) {
        let (slots, n) = self.span(at, values.len());
        // SAFETY: `slots..slots + n` lies in the board (`span`), does not
        // overlap `values` (a borrow of other memory), and no other thread
        // accesses it now (the phase rule, `Shared::new`).
        unsafe { std::ptr::copy_nonoverlapping(values.as_ptr(), slots, n) }
    }
    #[inline(always)]
    fn get(&self, at: usize, out: &mut [f32]) {
        let (slots, n) = self.span(at, out.len());
        // SAFETY: as in `put`; no thread writes these slots now.
        unsafe { std::ptr::copy_nonoverlapping(slots, out.as_mut_ptr(), n) }
    }
    /// The slots another core wrote are in its cache: asking for all of a
    /// phase's at once overlaps the transfers instead of waiting for each.
    #[inline(always)]
    fn prefetch(&self, at: usize, len: usize) {
        for slot in self.0.iter().skip(at).take(len).step_by(16) {
            crate::engine::cpu::prefetch(slot);
        }
        if let Some(last) = (at + len).checked_sub(1).and_then(|i| self.0.get(i)) {
            crate::engine::cpu::prefetch(last);
        }
    }
}

/// The board of a single-threaded run: plain memory.
#[derive(Debug)]
pub(crate) struct Local(Box<[Cell<f32>]>);

impl Local {
    /// A board of `len` slots of `+0`.
    pub fn new(len: usize) -> Self {
        Self((0..len).map(|_| Cell::new(0.0)).collect())
    }
}

impl Board for Local {
    #[inline(always)]
    fn put(&self, at: usize, values: &[f32]) {
        for (slot, v) in self.0.iter().skip(at).zip(values) {
            slot.set(*v);
        }
    }
    #[inline(always)]
    fn get(&self, at: usize, out: &mut [f32]) {
        for (slot, v) in self.0.iter().skip(at).zip(out) {
            *v = slot.get();
        }
    }
    #[inline(always)]
    fn prefetch(&self, _: usize, _: usize) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(board: &impl Board) {
        board.put(2, &[1.5, -0.0, 3.0]);
        let mut out = [9.0f32; 4];
        board.get(1, &mut out);
        assert_eq!(
            out.map(f32::to_bits),
            [0.0, 1.5, -0.0, 3.0].map(f32::to_bits)
        );
        // Past the end: clipped, never out of bounds.
        board.put(4, &[7.0, 8.0, 9.0]);
        let mut tail = [5.0f32; 3];
        board.get(4, &mut tail);
        assert_eq!(tail, [7.0, 5.0, 5.0]);
        board.put(50, &[1.0]);
        board.get(50, &mut tail);
        assert_eq!(tail, [7.0, 5.0, 5.0]);
        board.prefetch(3, 100);
    }

    /// Threads that keep the phase rule see each other's rows whole (under
    /// Miri, whose race detector checks the rule's ordering:
    /// `cargo +nightly miri test -p digitnet --lib board`).
    #[test]
    fn threads_that_keep_the_phase_rule_read_what_the_others_put() {
        use crate::engine::barrier::Barrier;
        let threads = 3;
        let rounds = if cfg!(miri) { 4 } else { 200 };
        // SAFETY: every slot is put by one thread before a barrier wait and
        // read by the others only after it; the next round's puts come after
        // a second wait that follows every read.
        let board = unsafe { Shared::new(threads * 4) };
        let barrier = Barrier::new(threads, threads);
        std::thread::scope(|s| {
            for me in 0..threads {
                let (board, barrier) = (&board, &barrier);
                s.spawn(move || {
                    barrier.register(me);
                    for round in 0..rounds {
                        let mine = [(round * 10 + me) as f32; 4];
                        board.put(me * 4, &mine);
                        barrier.wait(me);
                        for other in 0..threads {
                            let mut row = [0.0f32; 4];
                            board.get(other * 4, &mut row);
                            assert_eq!(row, [(round * 10 + other) as f32; 4]);
                        }
                        barrier.wait(me);
                    }
                });
            }
        });
    }

    #[test]
    fn boards_keep_what_is_put_within_their_slots() {
        round_trip(&Local::new(5));
        // SAFETY: one thread.
        let shared = unsafe { Shared::new(5) };
        round_trip(&shared);
        assert_eq!(format!("{shared:?}"), "Shared { slots: 5 }");
    }
}
