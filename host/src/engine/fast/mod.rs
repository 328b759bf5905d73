//! The training fast path: the core's pixel-major kernels
//! ([`digitnet_core::pixel_major`], [`digitnet_core::head`]) run on several
//! threads, with results bit-identical to one call of
//! `Network::update_mini_batch` per mini-batch, whatever the thread count.
//!
//! ## How the work is split
//!
//! The hidden weights are split by lane (pixel `k` belongs to lane `k mod 8`):
//! each thread owns some lanes' weights and `nabla_w` for the whole run, and is
//! the only one to read or write them. An epoch is a sequence of *rounds* of
//! at most `ROUND` examples (a mini-batch of 10 is one round; a full batch
//! is many); each round has two phases, separated by a barrier:
//!
//! 1. **Lanes.** Each thread adds the previous round's gradients to its lanes
//!    of `nabla_w`, example by example in batch order (so every element sums
//!    its terms in the order of the plain code), applies the update if that
//!    round ended a mini-batch, then computes its lanes' partial sums for this
//!    round's examples and publishes them, combined as far as its lanes allow
//!    in the fixed pairwise tree `((l0+l1)+(l2+l3))+((l4+l5)+(l6+l7))`.
//! 2. **Examples.** Each thread takes a share of the round's examples,
//!    completes the tree for each, and runs the rest of the forward pass and
//!    backpropagation ([`Head::backprop`]), publishing each example's deltas.
//!
//! The small parameters (hidden biases and the output layer) are updated by
//! every thread on its own copy from the same published deltas in the same
//! order, so the copies stay identical and need no further exchange. Which
//! thread computes a value never changes how it is computed.

mod classify;
mod phases;
pub(crate) use classify::*;
pub(crate) use phases::*;

use crate::data::idx::{Image, PIXELS};
use crate::engine::barrier::Barrier;
use crate::engine::board::{Board, Local, Shared};
use crate::engine::cpu::{self, Simd, Task};
use crate::engine::sparse::SparseSet;
use crate::model::net::DigitNet;
use crate::model::net::CLASSES;
use digitnet_core::head::{ExampleGrad, Head, HeadGrad};
use digitnet_core::input::{one_hot, LANES, PIXEL_MAX};
use digitnet_core::pixel_major::{
    accumulate, descend, from_layer, lane_sum, lane_sum_pair, to_layer, weighted_sums, LaneRows,
    PixelMajor, Row, SparseImage,
};
use digitnet_core::vector::map_mut;
use std::ops::Range;
use std::time::Instant;

/// Rows per lane: pixel `k = 8c + l` is row `c` of lane `l`. An image has
/// `784 / 8 = 98` rows per lane; the lanes are padded to 128 so that the
/// kernels find row `c` with one `and` rather than a bounds check (see
/// [`digitnet_core::pixel_major::slot`]). The padding rows are never read or
/// written by training, so they cost address space, not cache.
pub const LANE_ROWS: usize = 128;

/// Rows of a lane that an image fills: `784 / 8`.
const IMAGE_ROWS: usize = PIXELS / LANES;

const _: () = assert!(IMAGE_ROWS <= LANE_ROWS);

/// How far ahead in the epoch's order the forward pass fetches an image's
/// lane index (whose start tells where its pixels are)...
const AHEAD_INDEX: usize = 32;
/// ... and its pixels.
const AHEAD_PIXELS: usize = 16;

/// Most examples in one round (bounds the exchange buffers for big batches).
pub(crate) const ROUND: usize = 64;

/// Nodes of the lane-combining tree: 8 leaves, 4 pairs, 2 quads, 1 root.
const NODES: usize = 15;

/// First node id of each tree level.
const LEVEL_START: [usize; 4] = [0, 8, 12, 14];

/// The whole hidden layer of an MNIST network, pixel-major, `W` floats per
/// row (the hidden width `H` padded for whole SIMD vectors).
pub type Hidden<const W: usize> = PixelMajor<W, LANE_ROWS>;

/// Where an epoch's training images come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// Lists made once (no augmentation), indexed like the training set.
    Cached(&'a SparseSet),
    /// Images translated by one offset per position in the epoch's order.
    Shifted {
        /// The training images.
        images: &'a [Image],
        /// `(dx, dy)` for each position of the epoch's order.
        offsets: &'a [(i32, i32)],
    },
}

/// One epoch's work, the same for every thread.
#[derive(Clone, Copy, Debug)]
pub struct EpochPlan<'a> {
    /// The shuffled indices of the training images.
    pub order: &'a [usize],
    /// Examples per mini-batch (the last may be shorter).
    pub batch_size: usize,
    /// The training images.
    pub source: Source<'a>,
    /// Labels of the training images.
    pub labels: &'a [u8],
    /// The weight-decay factor `1 − eta·lambda/n`.
    pub decay: f32,
    /// The learning rate `eta`.
    pub eta: f32,
}

/// A round: examples `start..end` of the order, in mini-batch `batch`.
#[derive(Clone, Copy, Debug)]
struct RoundSpan {
    start: usize,
    end: usize,
    /// Whether the mini-batch ends with this round, and its size `m` then.
    batch_end: Option<usize>,
}

fn rounds(len: usize, batch_size: usize) -> Vec<RoundSpan> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < len {
        let batch_end = (start + batch_size.max(1)).min(len);
        let m = batch_end - start;
        while start < batch_end {
            let end = (start + ROUND).min(batch_end);
            out.push(RoundSpan {
                start,
                end,
                batch_end: (end == batch_end).then_some(m),
            });
            start = end;
        }
    }
    out
}

/// Where example `x` of a round keeps its values on the board.
#[derive(Clone, Copy, Debug)]
struct Layout {
    h: usize,
    w: usize,
}

impl Layout {
    fn stride(self) -> usize {
        NODES * self.w + 2 * self.h + CLASSES
    }
    /// Where example `x`'s hidden activations, hidden deltas and output deltas start.
    fn grad_parts(self, x: usize) -> [usize; 3] {
        let at = self.grads(x);
        [at, at + self.h, at + 2 * self.h]
    }
    fn node(self, x: usize, node: usize) -> usize {
        x * self.stride() + node * self.w
    }
    fn grads(self, x: usize) -> usize {
        x * self.stride() + NODES * self.w
    }
    fn len(self) -> usize {
        ROUND * self.stride()
    }
}

/// The lanes thread `t` of `threads` owns: a contiguous share of the eight.
fn lanes_of(t: usize, threads: usize) -> Range<usize> {
    let n = threads.clamp(1, LANES);
    if t >= n {
        return LANES..LANES;
    }
    (LANES * t / n)..(LANES * (t + 1) / n)
}

/// The tree nodes a lane range publishes: its maximal aligned blocks, as
/// `(level, index)` (a block of `2^level` lanes starting at `index · 2^level`).
fn blocks(lanes: Range<usize>) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = lanes.start;
    while i < lanes.end {
        let mut level = 3;
        while level > 0 && (!i.is_multiple_of(1 << level) || i + (1 << level) > lanes.end) {
            level -= 1;
        }
        out.push((level, i >> level));
        i += 1 << level;
    }
    out
}

/// Node `(level, index)` of the lane tree (a block of `2^level` lanes
/// starting at `index · 2^level`), in the fixed pairwise order: the value
/// `known` gives for it, else the sum of its two children; a leaf with no
/// value is `+0`. So the root is `((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7))`
/// whichever blocks are known, and only the nodes it needs are computed.
#[inline(always)]
fn tree_node<const W: usize>(
    level: usize,
    index: usize,
    known: &impl Fn(usize, usize) -> Option<Row<W>>,
) -> Row<W> {
    let leaf = |i: usize| known(0, i).unwrap_or(Row::ZERO);
    let pair = |i: usize| known(1, i).unwrap_or_else(|| leaf(2 * i).plus(&leaf(2 * i + 1)));
    let quad = |i: usize| known(2, i).unwrap_or_else(|| pair(2 * i).plus(&pair(2 * i + 1)));
    match level {
        0 => leaf(index),
        1 => pair(index),
        2 => quad(index),
        _ => known(3, 0).unwrap_or_else(|| quad(0).plus(&quad(1))),
    }
}

/// The sum of tree node `(level, index)` from the eight leaves.
#[inline(always)]
fn node_sum<const H: usize>(leaves: &[Row<H>; LANES], level: usize, index: usize) -> Row<H> {
    tree_node(level, index, &|l, i| {
        if l == 0 {
            leaves.get(i).copied()
        } else {
            None
        }
    })
}

/// One thread's share of the state: its lanes of the hidden weights and of
/// `nabla_w`, and its own copy of the head.
struct Worker<const H: usize, const W: usize> {
    index: usize,
    lanes: Range<usize>,
    blocks: Vec<(usize, usize)>,
    weights: Vec<LaneRows<W, LANE_ROWS>>,
    nabla: Vec<LaneRows<W, LANE_ROWS>>,
    touched: Vec<u128>,
    head: Head<H, W, CLASSES>,
    head_grad: HeadGrad<W, CLASSES>,
    /// This round's and the last round's translated images (with `--shift`).
    shifted: [SparseSet; 2],
    /// Barrier waits in the last epoch, and how many of them slept.
    waits: usize,
    sleeps: usize,
    /// Time in each part of the rounds, when timed, since last taken.
    phases: PhaseTimes,
}

/// What every thread reads during an epoch.
struct Epoch<'a, B> {
    plan: EpochPlan<'a>,
    rounds: &'a [RoundSpan],
    threads: usize,
    /// Which tree nodes some thread publishes.
    published: [bool; NODES],
    board: &'a B,
    barrier: &'a Barrier,
    layout: Layout,
    /// Whether to time the parts of each round.
    timed: bool,
}

impl<const H: usize, const W: usize> Worker<H, W> {
    /// Image `pos` of the epoch's order (slot `x` of its round), from the cache or the shifted buffer.
    #[inline(always)]
    fn image<'s>(
        plan: &EpochPlan<'s>,
        shifted: &'s SparseSet,
        pos: usize,
        x: usize,
    ) -> SparseImage<'s> {
        match plan.source {
            Source::Cached(set) => set.get(plan.order.get(pos).copied().unwrap_or(usize::MAX)),
            Source::Shifted { .. } => shifted.get(x),
        }
    }

    #[inline(always)]
    fn run<B: Board>(&mut self, ep: &Epoch<'_, B>) {
        ep.barrier.register(self.index);
        self.waits = 0;
        self.sleeps = 0;
        let mut previous: Option<(RoundSpan, usize)> = None;
        let mut laps = Laps::new(ep.timed);
        for (r, &round) in ep.rounds.iter().enumerate() {
            let buf = r % 2;
            self.prefetch(ep, r);
            self.load_shifted(ep, round, buf);
            if let Some((prev, prev_buf)) = previous {
                self.absorb(ep, prev, prev_buf);
            }
            laps.lap(&mut self.phases.absorb);
            self.forward(ep, round, buf);
            laps.lap(&mut self.phases.forward);
            self.wait(ep);
            laps.lap(&mut self.phases.wait_sums);
            self.backprop(ep, round);
            laps.lap(&mut self.phases.backprop);
            self.wait(ep);
            laps.lap(&mut self.phases.wait_gradients);
            previous = Some((round, buf));
        }
        if let Some((prev, prev_buf)) = previous {
            self.absorb(ep, prev, prev_buf);
        }
        laps.lap(&mut self.phases.absorb);
    }

    /// With `--shift`: starts loading the next round's images into the
    /// cache while this round works (the epoch's order jumps all over the
    /// training set). Cached lists are fetched example by example instead
    /// ([`Worker::prefetch_ahead`]).
    #[inline(always)]
    fn prefetch<B: Board>(&self, ep: &Epoch<'_, B>, r: usize) {
        let Source::Shifted { images, .. } = ep.plan.source else {
            return;
        };
        let order = ep.plan.order;
        let next = ep
            .rounds
            .get(r + 1)
            .map_or(0..0, |span| span.start..span.end);
        let next = next.filter_map(|pos| order.get(pos).and_then(|&i| images.get(i)));
        for image in next {
            for line in image.iter().step_by(64) {
                crate::engine::cpu::prefetch(line);
            }
        }
    }

    /// Starts loading the lists of the examples [`AHEAD_INDEX`] and
    /// [`AHEAD_PIXELS`] places after `pos` in the epoch's order: one image's
    /// few cache lines per example, spread over the epoch, rather than a
    /// round's worth at once, which the processor partly drops (about 6%
    /// faster here; reading the set in order would be about 10% faster
    /// still).
    #[inline(always)]
    fn prefetch_ahead(plan: &EpochPlan<'_>, pos: usize) {
        if let Source::Cached(set) = plan.source {
            if let Some(&i) = plan.order.get(pos + AHEAD_INDEX) {
                set.prefetch_index(i);
            }
            if let Some(&i) = plan.order.get(pos + AHEAD_PIXELS) {
                set.prefetch_pixels(i);
            }
        }
    }

    /// Waits for the other threads, counting waits and sleeps.
    #[inline(always)]
    fn wait<B: Board>(&mut self, ep: &Epoch<'_, B>) {
        if ep.threads > 1 {
            self.waits += 1;
            self.sleeps += usize::from(ep.barrier.wait(self.index));
        }
    }

    /// With `--shift`: translates and lists this round's images.
    #[inline(always)]
    fn load_shifted<B: Board>(&mut self, ep: &Epoch<'_, B>, round: RoundSpan, buf: usize) {
        let Source::Shifted { images, offsets } = ep.plan.source else {
            return;
        };
        let Some(set) = self.shifted.get_mut(buf) else {
            return;
        };
        set.clear();
        for pos in round.start..round.end {
            let i = ep.plan.order.get(pos).copied().unwrap_or(usize::MAX);
            let (dx, dy) = offsets.get(pos).copied().unwrap_or((0, 0));
            match images.get(i) {
                Some(image) => set.push(&crate::data::augment::translate(image, dx, dy)),
                None => set.push(&[0; PIXELS]),
            }
        }
    }

    /// Phase 1, first half: adds a finished round's gradients to this
    /// thread's lanes and its head copy; updates if the round ended a batch.
    #[inline(always)]
    fn absorb<B: Board>(&mut self, ep: &Epoch<'_, B>, round: RoundSpan, buf: usize) {
        let Worker {
            lanes,
            nabla,
            touched,
            head,
            head_grad,
            weights,
            shifted,
            ..
        } = self;
        let shifted = shifted.get(buf).unwrap_or(&shifted[0]);
        for x in 0..round.end - round.start {
            ep.board
                .prefetch(ep.layout.grads(x), 2 * ep.layout.h + CLASSES);
        }
        // Elements from H on stay 0 (only the first H travel on the board).
        let mut g = ExampleGrad::<W, CLASSES>::zeroed();
        for (x, pos) in (round.start..round.end).enumerate() {
            let [a, dh, dout] = ep.layout.grad_parts(x);
            ep.board
                .get(a, g.a_hidden.0.get_mut(..H).unwrap_or(&mut []));
            ep.board
                .get(dh, g.delta_hidden.0.get_mut(..H).unwrap_or(&mut []));
            ep.board.get(dout, &mut g.delta_out);
            head_grad.add(&g);
            let mut dscaled = g.delta_hidden;
            map_mut(&mut dscaled.0, |d| *d /= PIXEL_MAX);
            let image = Self::image(&ep.plan, shifted, pos, x);
            for ((l, n), t) in lanes.clone().zip(nabla.iter_mut()).zip(touched.iter_mut()) {
                accumulate(n, &dscaled, image.lane(l));
                *t |= image.rows(l);
            }
        }
        if let Some(m) = round.batch_end {
            let (decay, scale) = (ep.plan.decay, ep.plan.eta / m as f32);
            for ((w, n), t) in weights
                .iter_mut()
                .zip(nabla.iter_mut())
                .zip(touched.iter_mut())
            {
                // The image's rows only: with weight decay every row is
                // scaled, and the padding rows are +0 whatever is done.
                if let (Some(w), Some(n)) = (
                    w.first_chunk_mut::<IMAGE_ROWS>(),
                    n.first_chunk_mut::<IMAGE_ROWS>(),
                ) {
                    descend(w, n, t, decay, scale);
                }
            }
            head.descend(decay, scale, head_grad);
            head_grad.clear();
        }
    }

    /// Phase 1, second half: this thread's lane sums for the round's
    /// examples, combined into its tree blocks and published.
    #[inline(always)]
    fn forward<B: Board>(&mut self, ep: &Epoch<'_, B>, round: RoundSpan, buf: usize) {
        let shifted = self.shifted.get(buf).unwrap_or(&self.shifted[0]);
        let mut leaves = [Row::<W>::ZERO; LANES];
        for (x, pos) in (round.start..round.end).enumerate() {
            Self::prefetch_ahead(&ep.plan, pos);
            let image = Self::image(&ep.plan, shifted, pos, x);
            let mut l = self.lanes.start;
            let mut own = self.weights.iter();
            while l < self.lanes.end {
                if l + 1 < self.lanes.end {
                    if let (Some(ra), Some(rb)) = (own.next(), own.next()) {
                        let (a, b) = lane_sum_pair((ra, rb), (image.lane(l), image.lane(l + 1)));
                        leaves[l] = a;
                        leaves[l + 1] = b;
                    }
                    l += 2;
                } else {
                    if let Some(ra) = own.next() {
                        leaves[l] = lane_sum(ra, image.lane(l));
                    }
                    l += 1;
                }
            }
            for &(level, index) in &self.blocks {
                let sum = node_sum(&leaves, level, index);
                ep.board
                    .put(ep.layout.node(x, LEVEL_START[level] + index), &sum.0);
            }
        }
    }

    /// Phase 2: the rest of the forward pass and backpropagation for this
    /// thread's share of the round's examples.
    #[inline(always)]
    fn backprop<B: Board>(&mut self, ep: &Epoch<'_, B>, round: RoundSpan) {
        let n = round.end - round.start;
        let share = (n * self.index / ep.threads)..(n * (self.index + 1) / ep.threads);
        for x in share.clone() {
            for id in (0..NODES).filter(|&id| ep.published[id]) {
                ep.board.prefetch(ep.layout.node(x, id), ep.layout.w);
            }
        }
        let mut g = ExampleGrad::<W, CLASSES>::zeroed();
        for x in share {
            let sums = gather_root::<W, B>(ep, x);
            let pos = round.start + x;
            let i = ep.plan.order.get(pos).copied().unwrap_or(usize::MAX);
            let label = ep.plan.labels.get(i).copied().unwrap_or(0);
            let y = one_hot::<CLASSES>(usize::from(label)).unwrap_or([0.0; CLASSES]);
            self.head.backprop(&sums, &y, &mut g);
            let [a, dh, dout] = ep.layout.grad_parts(x);
            ep.board.put(a, g.a_hidden.0.get(..H).unwrap_or(&[]));
            ep.board.put(dh, g.delta_hidden.0.get(..H).unwrap_or(&[]));
            ep.board.put(dout, &g.delta_out);
        }
    }
}

/// The root of example `x`'s lane tree ([`tree_node`]), each node read
/// from the board if a thread published it: with two threads, two reads and
/// one sum.
#[inline(always)]
fn gather_root<const W: usize, B: Board>(ep: &Epoch<'_, B>, x: usize) -> Row<W> {
    tree_node(3, 0, &|level, index| {
        let id = LEVEL_START.get(level)? + index;
        ep.published.get(id).copied().unwrap_or(false).then(|| {
            let mut row = Row::ZERO;
            ep.board.get(ep.layout.node(x, id), &mut row.0);
            row
        })
    })
}

/// [`Worker::run`] as a [`Task`], so that it is compiled per instruction set.
struct RunWorker<'a, 'e, const H: usize, const W: usize, B> {
    worker: &'a mut Worker<H, W>,
    epoch: &'a Epoch<'e, B>,
}

impl<const H: usize, const W: usize, B: Board> Task for RunWorker<'_, '_, H, W, B> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        self.worker.run(self.epoch);
    }
}

/// The state of a training run on the fast path.
pub struct Trainer<const H: usize, const W: usize> {
    workers: Vec<Worker<H, W>>,
    simd: Simd,
    layout: Layout,
    /// Cores of this machine (a barrier spins only if every thread has one).
    cores: usize,
    /// The board of a single-threaded run (empty otherwise).
    local: Local,
    /// The board of a multi-threaded run (empty otherwise).
    shared: Shared,
    /// Whether epochs time the parts of their rounds.
    timed: bool,
}

impl<const H: usize, const W: usize> std::fmt::Debug for Trainer<H, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("hidden", &H)
            .field("threads", &self.workers.len())
            .field("simd", &self.simd)
            .finish()
    }
}

impl<const H: usize, const W: usize> Trainer<H, W> {
    /// Takes over `net`'s parameters, split for `threads` threads (at least 1).
    pub fn new(net: &DigitNet<H>, threads: usize, simd: Simd) -> Self {
        let threads = threads.max(1);
        let mut hidden: Box<Hidden<W>> = boxed_hidden();
        from_layer(&net.hidden, &mut hidden);
        let workers = (0..threads)
            .map(|t| {
                let lanes = lanes_of(t, threads);
                let weights: Vec<_> = hidden.get(lanes.clone()).unwrap_or(&[]).to_vec();
                let nabla = vec![[Row::ZERO; LANE_ROWS]; weights.len()];
                Worker {
                    index: t,
                    blocks: blocks(lanes.clone()),
                    touched: vec![0; weights.len()],
                    lanes,
                    weights,
                    nabla,
                    head: Head::of(net),
                    head_grad: HeadGrad::zeroed(),
                    shifted: Default::default(),
                    waits: 0,
                    sleeps: 0,
                    phases: PhaseTimes::default(),
                }
            })
            .collect();
        let layout = Layout { h: H, w: W };
        let (local, shared) = if threads == 1 {
            (layout.len(), 0)
        } else {
            (0, layout.len())
        };
        // SAFETY: the workers keep the phase rule: a round's lane sums are put
        // in its forward phase and read in its backprop phase, its gradients
        // put in the backprop phase and read in the next round's absorb
        // phase, with a barrier wait between each ([`Worker::run`]).
        #[allow(unsafe_code)]
        let shared = unsafe { Shared::new(shared) };
        Self {
            workers,
            simd,
            layout,
            cores: std::thread::available_parallelism().map_or(1, |c| c.get()),
            local: Local::new(local),
            shared,
            timed: false,
        }
    }

    /// Whether the following epochs time the parts of their rounds, per
    /// thread ([`Trainer::take_phases`]). Timing changes no result.
    pub(crate) fn time_phases(&mut self, on: bool) {
        self.timed = on;
    }

    /// Each thread's time in each part of its rounds since the last call
    /// (empty unless [`Trainer::time_phases`] is on).
    pub(crate) fn take_phases(&mut self) -> Vec<PhaseTimes> {
        if !self.timed {
            return Vec::new();
        }
        self.workers
            .iter_mut()
            .map(|w| std::mem::take(&mut w.phases))
            .collect()
    }

    /// Number of threads.
    pub fn threads(&self) -> usize {
        self.workers.len()
    }

    /// Of the last epoch's barrier waits (over all threads), the share that
    /// had to sleep because another thread was not running: near 0 on an
    /// idle machine, large when other programs hold the cores.
    pub fn sleep_share(&self) -> f64 {
        let waits: usize = self.workers.iter().map(|w| w.waits).sum();
        let sleeps: usize = self.workers.iter().map(|w| w.sleeps).sum();
        if waits == 0 {
            0.0
        } else {
            sleeps as f64 / waits as f64
        }
    }

    /// One epoch of mini-batch SGD over `plan.order`.
    pub fn epoch(&mut self, plan: EpochPlan<'_>) {
        let threads = self.workers.len();
        let spans = rounds(plan.order.len(), plan.batch_size);
        let mut published = [false; NODES];
        for w in &self.workers {
            for &(level, index) in &w.blocks {
                published[LEVEL_START[level] + index] = true;
            }
        }
        let barrier = Barrier::new(threads, self.cores);
        let simd = self.simd;
        if threads == 1 {
            let epoch = Epoch {
                plan,
                rounds: &spans,
                threads,
                published,
                board: &self.local,
                barrier: &barrier,
                layout: self.layout,
                timed: self.timed,
            };
            for worker in &mut self.workers {
                cpu::dispatch(
                    simd,
                    RunWorker {
                        worker,
                        epoch: &epoch,
                    },
                );
            }
            return;
        }
        let epoch = Epoch {
            plan,
            rounds: &spans,
            threads,
            published,
            board: &self.shared,
            barrier: &barrier,
            layout: self.layout,
            timed: self.timed,
        };
        std::thread::scope(|s| {
            let (first, rest) = self.workers.split_at_mut(1);
            for worker in rest {
                let epoch = &epoch;
                s.spawn(move || cpu::dispatch(simd, RunWorker { worker, epoch }));
            }
            for worker in first {
                cpu::dispatch(
                    simd,
                    RunWorker {
                        worker,
                        epoch: &epoch,
                    },
                );
            }
        });
    }

    /// The whole hidden layer, pixel-major.
    pub fn hidden(&self) -> Box<Hidden<W>> {
        let mut out = boxed_hidden();
        for w in &self.workers {
            for (dst, src) in out.iter_mut().skip(w.lanes.start).zip(&w.weights) {
                *dst = *src;
            }
        }
        out
    }

    /// The head (hidden biases and output layer), as every thread holds it.
    pub fn head(&self) -> Option<&Head<H, W, CLASSES>> {
        self.workers.first().map(|w| &w.head)
    }

    /// Writes the trained parameters into `net`.
    pub fn write_to(&self, net: &mut DigitNet<H>) {
        to_layer(&self.hidden(), &mut net.hidden);
        if let Some(head) = self.head() {
            head.write_to(net);
        }
    }
}

/// A zeroed pixel-major hidden layer on the heap.
fn boxed_hidden<const W: usize>() -> Box<Hidden<W>> {
    vec![[Row::<W>::ZERO; LANE_ROWS]; LANES]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| Box::new([[Row::ZERO; LANE_ROWS]; LANES]))
}

#[cfg(test)]
mod tests;
