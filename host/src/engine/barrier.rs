//! A barrier for rounds of a few microseconds: spin first, then sleep.
//!
//! Training rounds are a few microseconds long, far shorter than putting a
//! thread to sleep and waking it, so a waiting thread spins for a while.
//! If the other threads still have not arrived (another program holds their
//! core), it sleeps, handing its core over, and the last thread to arrive
//! wakes it. Each wait says whether it slept, so that training can tell a
//! busy machine and use fewer threads.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::thread::Thread;
use std::time::{Duration, Instant};

/// How long a waiting thread spins before it sleeps, when every thread has a core.
pub(crate) const SPIN: Duration = Duration::from_micros(50);

/// A reusable barrier for `n` threads, each known by its index.
#[derive(Debug)]
pub(crate) struct Barrier {
    n: usize,
    spin: Duration,
    count: AtomicUsize,
    generation: AtomicUsize,
    sleeping: Vec<AtomicBool>,
    threads: Vec<OnceLock<Thread>>,
}

impl Barrier {
    /// A barrier for `n` threads on a machine of `cores` cores (with more
    /// threads than cores, waiting threads sleep at once).
    pub fn new(n: usize, cores: usize) -> Self {
        Self {
            n,
            spin: if n <= cores { SPIN } else { Duration::ZERO },
            count: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
            sleeping: (0..n).map(|_| AtomicBool::new(false)).collect(),
            threads: (0..n).map(|_| OnceLock::new()).collect(),
        }
    }

    /// Makes the calling thread thread `me`, so that it can be woken.
    pub fn register(&self, me: usize) {
        if let Some(slot) = self.threads.get(me) {
            let _ = slot.set(std::thread::current());
        }
    }

    /// Waits until all `n` threads have called `wait` (thread `me` must have
    /// registered); returns whether this thread had to sleep.
    pub fn wait(&self, me: usize) -> bool {
        if self.n <= 1 {
            return false;
        }
        let generation = self.generation.load(Ordering::Acquire);
        if self.count.fetch_add(1, Ordering::AcqRel) + 1 == self.n {
            self.count.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::SeqCst);
            for (t, (asleep, thread)) in self.sleeping.iter().zip(&self.threads).enumerate() {
                if t != me && asleep.load(Ordering::SeqCst) {
                    if let Some(thread) = thread.get() {
                        thread.unpark();
                    }
                }
            }
            return false;
        }
        let start = Instant::now();
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            spins = spins.wrapping_add(1);
            if spins.is_multiple_of(64) && start.elapsed() >= self.spin {
                return self.sleep(me, generation);
            }
            std::hint::spin_loop();
        }
        false
    }

    /// Sleeps until the generation moves on. The flag is set before the
    /// generation is checked again, and the last thread bumps the generation
    /// before it reads the flags (all sequentially consistent), so a wake-up
    /// cannot be missed; one that comes early makes `park` return at once.
    fn sleep(&self, me: usize, generation: usize) -> bool {
        let Some(flag) = self.sleeping.get(me) else {
            return false;
        };
        flag.store(true, Ordering::SeqCst);
        while self.generation.load(Ordering::SeqCst) == generation {
            std::thread::park();
        }
        flag.store(false, Ordering::Relaxed);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicU64;

    #[test]
    fn no_thread_passes_before_all_arrive() {
        for (threads, cores) in [(2, 2), (3, 1), (4, 8)] {
            let barrier = Barrier::new(threads, cores);
            let arrived = AtomicU64::new(0);
            std::thread::scope(|s| {
                for me in 0..threads {
                    let (barrier, arrived) = (&barrier, &arrived);
                    s.spawn(move || {
                        barrier.register(me);
                        for round in 0..200u64 {
                            arrived.fetch_add(1, Ordering::SeqCst);
                            barrier.wait(me);
                            // Everyone has arrived for this round...
                            assert!(arrived.load(Ordering::SeqCst) >= (round + 1) * threads as u64);
                            barrier.wait(me);
                            // ...and nobody has started the next one.
                            assert!(arrived.load(Ordering::SeqCst) <= (round + 2) * threads as u64);
                        }
                    });
                }
            });
        }
    }

    /// A waiting thread spins while its spin time lasts, and sleeps after it.
    #[test]
    fn a_waiting_thread_spins_first_then_sleeps() {
        use std::time::Duration;
        // Spin time far longer than the wait: thread 0 never sleeps.
        let mut long = Barrier::new(2, 2);
        long.spin = Duration::from_secs(60);
        // No spin time (more threads than cores): thread 0 sleeps at once.
        let none = Barrier::new(2, 1);
        for (barrier, sleeps) in [(&long, false), (&none, true)] {
            let slept = std::thread::scope(|s| {
                let first = s.spawn(|| {
                    barrier.register(0);
                    barrier.wait(0)
                });
                barrier.register(1);
                // Arrive second: once thread 0 waits, and (when it should
                // sleep) once it sleeps, or after 10 s.
                let start = std::time::Instant::now();
                while barrier.count.load(Ordering::SeqCst) == 0
                    || (sleeps && !barrier.sleeping[0].load(Ordering::SeqCst))
                {
                    if start.elapsed() > Duration::from_secs(10) {
                        break;
                    }
                    std::thread::yield_now();
                }
                std::thread::sleep(Duration::from_millis(20));
                assert!(!barrier.wait(1), "the last thread to arrive never waits");
                first.join().unwrap()
            });
            assert_eq!(slept, sleeps);
        }
    }
}
