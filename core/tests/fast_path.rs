//! The core's training fast path — pixel-major hidden layer
//! ([`digitnet_core::pixel_major`]) and [`Head`] — against
//! `Network::update_mini_batch`, bit for bit, for every kind of neuron, with
//! and without weight decay. The host's threaded loop is built from these
//! pieces; this checks the pieces themselves, inside the core.

use digitnet_core::head::{ExampleGrad, Head, HeadGrad};
use digitnet_core::input::{one_hot, PIXEL_MAX};
use digitnet_core::pixel_major::{
    accumulate, descend, from_layer, lane_sum, lane_sum_pair, sparsify, to_layer, weighted_sums,
    LaneIndex, PixelMajor, Row, SparseImage,
};
use digitnet_core::random::seeded;
use digitnet_core::{Activation, Cost, Gradient, Init, Network, Step};

/// Inputs: 8 lanes of 6 rows.
const I: usize = 48;
/// Hidden neurons: more than the 8 lanes of the output layer's sums, and a tail.
const H: usize = 12;
/// Hidden neurons padded to whole vectors.
const W: usize = 16;
/// Outputs.
const O: usize = 3;
/// Rows per lane.
const R: usize = I / 8;

/// A sparse test image: about half its pixels blank, the rest any grey level.
fn image(seed: usize) -> [u8; I] {
    core::array::from_fn(|k| {
        let v = (k * 131 + seed * 71 + (k * seed) % 13) % 251;
        if v < 120 {
            0
        } else {
            v as u8
        }
    })
}

fn label(seed: usize) -> usize {
    (seed * 7 + 1) % O
}

/// An image's non-zero pixels, lane by lane, as [`sparsify`] lists them.
struct Listed {
    pixels: [[u8; 2]; I],
    n: usize,
    index: LaneIndex,
}

impl Listed {
    fn of(x: &[u8; I]) -> Self {
        let mut pixels = [[0u8; 2]; I];
        let (n, index) = sparsify(x, &mut pixels);
        Self { pixels, n, index }
    }

    fn image(&self) -> SparseImage<'_> {
        SparseImage {
            pixels: &self.pixels[..self.n],
            index: &self.index,
        }
    }
}

/// The fast path's state: pixel-major weights and their gradient, the head.
struct Fast {
    hidden: PixelMajor<W, R>,
    nabla: PixelMajor<W, R>,
    touched: [u128; 8],
    head: Head<H, W, O>,
    head_grad: HeadGrad<W, O>,
}

impl Fast {
    fn of(net: &Network<I, H, O>) -> Self {
        let mut hidden = [[Row::ZERO; R]; 8];
        from_layer(&net.hidden, &mut hidden);
        Self {
            hidden,
            nabla: [[Row::ZERO; R]; 8],
            touched: [0; 8],
            head: Head::of(net),
            head_grad: HeadGrad::zeroed(),
        }
    }

    /// One mini-batch: the sums, backpropagation and both gradients example
    /// by example, then the step.
    fn step(&mut self, batch: &[([u8; I], usize)], decay: f32, eta: f32) {
        for (x, l) in batch {
            let listed = Listed::of(x);
            let sparse = listed.image();
            let sums = weighted_sums(&self.hidden, &sparse);
            let y = one_hot::<O>(*l).unwrap();
            let mut g = ExampleGrad::zeroed();
            self.head.backprop(&sums, &y, &mut g);
            self.head_grad.add(&g);
            let dscaled = Row(g.delta_hidden.0.map(|d| d / PIXEL_MAX));
            for (lane, (nabla, touched)) in self.nabla.iter_mut().zip(&mut self.touched).enumerate()
            {
                accumulate(nabla, &dscaled, sparse.lane(lane));
                *touched |= sparse.rows(lane);
            }
        }
        let scale = eta / batch.len() as f32;
        for ((w, n), t) in self
            .hidden
            .iter_mut()
            .zip(&mut self.nabla)
            .zip(&mut self.touched)
        {
            descend(w, n, t, decay, scale);
        }
        self.head.descend(decay, scale, &self.head_grad);
        self.head_grad.clear();
    }

    fn network(&self) -> Network<I, H, O> {
        let mut net = Network::zeroed();
        to_layer(&self.hidden, &mut net.hidden);
        self.head.write_to(&mut net);
        net
    }

    fn predict(&self, x: &[u8; I]) -> Option<usize> {
        self.head
            .predict(&weighted_sums(&self.hidden, &Listed::of(x).image()))
    }
}

fn bits(net: &Network<I, H, O>) -> Vec<u32> {
    let hidden = net
        .hidden
        .weights
        .iter()
        .flatten()
        .chain(&net.hidden.biases);
    let output = net
        .output
        .weights
        .iter()
        .flatten()
        .chain(&net.output.biases);
    hidden.chain(output).map(|v| v.to_bits()).collect()
}

#[test]
fn the_fast_path_trains_bit_for_bit_like_update_mini_batch() {
    let kinds = [
        (Activation::Sigmoid, Cost::Quadratic),
        (Activation::Sigmoid, Cost::CrossEntropy),
        (Activation::Relu, Cost::LogLikelihood),
    ];
    for (activation, cost) in kinds {
        for (lambda, init) in [(0.0f32, Init::Normal), (5.0, Init::Scaled)] {
            let what = format!("{activation:?} {cost:?} lambda {lambda}");
            let mut plain: Box<Network<I, H, O>> =
                Box::new(Network::zeroed().with_neurons(activation, cost));
            plain.init_with(init, &mut seeded(11));
            let mut fast = Fast::of(&plain);
            assert_eq!(bits(&fast.network()), bits(&plain), "{what}: copied");
            assert_eq!(fast.network().activation, activation);
            assert_eq!(fast.network().cost, cost);
            let step = Step::regularised(0.5, lambda, 40);
            let mut nabla: Box<Gradient<I, H, O>> = Box::default();
            let mut changed = 0;
            for b in 0..8 {
                let batch: Vec<([u8; I], usize)> = (0..1 + b % 4)
                    .map(|x| (image(b * 5 + x), label(b * 5 + x)))
                    .collect();
                let before = bits(&plain);
                plain
                    .update_mini_batch(batch.iter().map(|(x, l)| (x, *l)), step, &mut nabla)
                    .unwrap();
                fast.step(&batch, step.decay(), step.eta);
                assert_eq!(bits(&fast.network()), bits(&plain), "{what}: batch {b}");
                changed += usize::from(before != bits(&plain));
                for seed in 0..6 {
                    let x = image(100 + seed);
                    assert_eq!(fast.predict(&x), plain.predict(&x), "{what}: predict");
                }
            }
            assert_eq!(changed, 8, "{what}: every step moves the network");
            assert_eq!(fast.touched, [0; 8]);
            assert!(fast.nabla.iter().flatten().all(|r| r.0 == [0.0; W]));
        }
    }
}

#[test]
fn the_head_predicts_like_the_network_and_has_no_answer_for_nan() {
    let mut net: Box<Network<I, H, O>> = Box::default();
    net.init_with(Init::Normal, &mut seeded(5));
    let fast = Fast::of(&net);
    let mut answers = [0usize; O];
    for seed in 0..30 {
        let x = image(seed);
        let want = net.predict(&x);
        assert_eq!(fast.predict(&x), want, "image {seed}");
        answers[want.unwrap()] += 1;
    }
    assert!(
        answers.iter().filter(|&&n| n > 0).count() > 1,
        "{answers:?}"
    );
    let mut broken = Fast::of(&net);
    broken.head.output_biases[1] = f32::NAN;
    assert_eq!(broken.predict(&image(0)), None);
}

#[test]
fn one_lane_sums_like_a_pair() {
    let mut net: Box<Network<I, H, O>> = Box::default();
    net.init_with(Init::Normal, &mut seeded(2));
    let fast = Fast::of(&net);
    for seed in 0..10 {
        let x = image(seed);
        let listed = Listed::of(&x);
        let sparse = listed.image();
        for l in (0..8).step_by(2) {
            let (a, b) = lane_sum_pair(
                (&fast.hidden[l], &fast.hidden[l + 1]),
                (sparse.lane(l), sparse.lane(l + 1)),
            );
            let one = lane_sum(&fast.hidden[l], sparse.lane(l));
            let other = lane_sum(&fast.hidden[l + 1], sparse.lane(l + 1));
            assert_eq!(one.0.map(f32::to_bits), a.0.map(f32::to_bits));
            assert_eq!(other.0.map(f32::to_bits), b.0.map(f32::to_bits));
            assert!(one.0.iter().any(|v| *v != 0.0), "image {seed} lane {l}");
        }
    }
}
