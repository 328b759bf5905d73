//! Micro-benchmarks of the math: one forward pass, one backpropagation and
//! one mini-batch step of the `[784, 30, 10]` network on real MNIST digits,
//! each in the plain core version (row-major, every pixel: what the device
//! runs) and the training fast path (pixel-major, non-zero pixels only,
//! compiled for the widest instruction set this processor has).
//!
//! `cargo bench -p digitnet`

use criterion::{criterion_group, criterion_main, Criterion};
use digitnet::data::idx::{self, Dataset, MnistFiles};
use digitnet::engine::cpu::{self, Simd, Task};
use digitnet::engine::fast::{EpochPlan, Hidden, Source, Trainer, LANE_ROWS};
use digitnet::engine::sparse::SparseSet;
use digitnet::model::net::DigitNet;
use digitnet_core::head::{ExampleGrad, Head};
use digitnet_core::input::{one_hot, LANES, PIXEL_MAX};
use digitnet_core::pixel_major::{accumulate, from_layer, weighted_sums, Row};
use digitnet_core::{Gradient, Step};
use std::hint::black_box;
use std::path::PathBuf;

/// Width of the hidden weights' rows on the fast path for 30 neurons.
const W: usize = 32;

fn test_set() -> Dataset {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
    let files = MnistFiles::in_dir(&dir).expect("bundled MNIST");
    idx::read_dataset(&files.test_images, &files.test_labels).expect("bundled MNIST")
}

/// Forward pass of one image on the fast path.
struct Forward<'a> {
    hidden: &'a Hidden<W>,
    head: &'a Head<30, W, 10>,
    set: &'a SparseSet,
}

impl Task for Forward<'_> {
    type Output = Option<usize>;
    #[inline(always)]
    fn run(self) -> Option<usize> {
        let sums = weighted_sums(self.hidden, &self.set.get(0));
        self.head.predict(&sums)
    }
}

/// Forward pass, backpropagation and the `nabla_w` update of one example on the fast path.
struct Backprop<'a> {
    hidden: &'a Hidden<W>,
    nabla: &'a mut Hidden<W>,
    head: &'a Head<30, W, 10>,
    set: &'a SparseSet,
    label: u8,
}

impl Task for Backprop<'_> {
    type Output = ();
    #[inline(always)]
    fn run(self) {
        let image = self.set.get(0);
        let sums = weighted_sums(self.hidden, &image);
        let mut g = ExampleGrad::<W, 10>::zeroed();
        let y = one_hot::<10>(usize::from(self.label)).unwrap_or([0.0; 10]);
        self.head.backprop(&sums, &y, &mut g);
        let mut dscaled = g.delta_hidden;
        dscaled.0.iter_mut().for_each(|d| *d /= PIXEL_MAX);
        for (l, lane) in self.nabla.iter_mut().enumerate() {
            accumulate(lane, &dscaled, image.lane(l));
        }
    }
}

fn benches(c: &mut Criterion) {
    let test = test_set();
    let net: Box<DigitNet<30>> = Box::new(DigitNet::from_seed(1));
    let image = &test.images[0];
    let label = test.labels[0];
    let set = SparseSet::new(&test.images[..10]);
    let mut hidden: Box<Hidden<W>> = Box::new([[Row::ZERO; LANE_ROWS]; LANES]);
    from_layer(&net.hidden, &mut hidden);
    let head = Head::of(&*net);
    let simd = Simd::Auto;

    c.bench_function("forward/plain", |b| {
        b.iter(|| net.predict(black_box(image)))
    });
    c.bench_function("forward/fast", |b| {
        b.iter(|| {
            cpu::dispatch(
                simd,
                Forward {
                    hidden: &hidden,
                    head: &head,
                    set: black_box(&set),
                },
            )
        })
    });

    let mut gradient: Box<Gradient<784, 30, 10>> = Box::default();
    let y = one_hot::<10>(usize::from(label)).expect("a digit");
    c.bench_function("backprop/plain", |b| {
        b.iter(|| net.backprop(black_box(image), &y, &mut gradient))
    });
    let mut nabla: Box<Hidden<W>> = Box::new([[Row::ZERO; LANE_ROWS]; LANES]);
    c.bench_function("backprop/fast", |b| {
        b.iter(|| {
            cpu::dispatch(
                simd,
                Backprop {
                    hidden: &hidden,
                    nabla: &mut nabla,
                    head: &head,
                    set: black_box(&set),
                    label,
                },
            )
        })
    });

    let batch: Vec<(&[u8; 784], u8)> = test.images[..10]
        .iter()
        .zip(test.labels[..10].iter().copied())
        .collect();
    let mut plain = net.clone();
    c.bench_function("mini_batch_10/plain", |b| {
        b.iter(|| {
            plain
                .update_mini_batch(batch.iter().copied(), Step::new(3.0), &mut gradient)
                .expect("valid batch")
        })
    });
    let mut trainer = Trainer::<30, W>::new(&net, 1, simd);
    let order: Vec<usize> = (0..10).collect();
    c.bench_function("mini_batch_10/fast", |b| {
        b.iter(|| {
            trainer.epoch(EpochPlan {
                order: &order,
                batch_size: 10,
                source: Source::Cached(&set),
                labels: &test.labels,
                decay: 1.0,
                eta: 3.0,
            })
        })
    });
}

criterion_group!(training, benches);
criterion_main!(training);
