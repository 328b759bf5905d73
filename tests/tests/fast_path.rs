//! The training fast path against the plain loop it replaced, bit for bit.
//!
//! `reference_sgd` is the training loop as it was written before the fast
//! path: one `Network::update_mini_batch` per mini-batch (dense row-major
//! sums over every pixel), offsets drawn example by example, evaluation with
//! `Network::predict`. `digitnet::training::sgd` must give the same network,
//! bit for bit, and the same accuracy in every epoch, for every cost,
//! activation, width, regularisation, augmentation, batch size, thread count
//! and instruction set.

use digitnet::data::augment;
use digitnet::data::idx::{self, Dataset, Image, MnistFiles};
use digitnet::engine::cpu::Simd;
use digitnet::model::net::DigitNet;
use digitnet::training::{self, Splits, TrainConfig};
use digitnet_core::random::{seeded, shuffle};
use digitnet_core::{Activation, Cost, Gradient, Init, Layer};
use rand_core::Rng;
use std::path::PathBuf;
use std::sync::OnceLock;

/// Training images per run.
const TRAIN: usize = 500;

/// The first 700 test-set images: 500 to train on, 200 to evaluate.
fn data() -> &'static (Dataset, Dataset) {
    static DATA: OnceLock<(Dataset, Dataset)> = OnceLock::new();
    DATA.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
        let files = MnistFiles::in_dir(&dir).unwrap();
        let all = idx::read_dataset(&files.test_images, &files.test_labels).unwrap();
        (all.take(TRAIN), all.slice(TRAIN, 200))
    })
}

/// The plain training loop: chapter 1's `SGD`, one core update per mini-batch.
fn reference_sgd<const H: usize, R: Rng>(
    net: &mut DigitNet<H>,
    rng: &mut R,
    train: &Dataset,
    test: &Dataset,
    config: &TrainConfig,
) -> Vec<usize> {
    let mut order: Vec<usize> = (0..config.train_images).collect();
    let mut nabla: Box<Gradient<784, H, 10>> = Box::default();
    let mut moved: Vec<Image> = Vec::new();
    let mut correct = Vec::new();
    for epoch in 1..=config.epochs {
        let step = config.step(epoch);
        shuffle(rng, &mut order);
        for batch in order.chunks(config.batch_size) {
            let labels = batch.iter().map(|&i| train.labels[i]);
            if config.shift == 0 {
                let images = batch.iter().map(|&i| &train.images[i]);
                net.update_mini_batch(images.zip(labels), step, &mut nabla)
                    .unwrap();
            } else {
                moved.clear();
                for &i in batch {
                    let (dx, dy) = augment::draw_offset(rng, config.shift);
                    moved.push(augment::translate(&train.images[i], dx, dy));
                }
                net.update_mini_batch(moved.iter().zip(labels), step, &mut nabla)
                    .unwrap();
            }
        }
        correct.push(training::evaluate(net, test));
    }
    correct
}

/// Trains with both loops from the same seed (one generator: the initial
/// network, then the shuffles, as `training::run` draws them); panics with
/// the configuration if any weight, bias or epoch's accuracy differs.
fn same_as_reference<const H: usize>(config: &TrainConfig) -> Vec<training::EpochReport> {
    assert_eq!(config.hidden, H);
    let (train_set, test_set) = data();
    let mut rng = seeded(config.seed);
    let mut plain: Box<DigitNet<H>> = Box::default();
    plain.activation = config.activation;
    plain.cost = config.cost;
    plain.init_with(config.init, &mut rng);
    let want = reference_sgd(&mut plain, &mut rng, train_set, test_set, config);
    let splits = Splits {
        train: train_set,
        test: test_set,
        validation: None,
    };
    let (fast, reports) = training::run(splits, config, &mut |_| Ok(()), &|_| {}).unwrap();
    let got: Vec<usize> = reports.iter().map(|r| r.correct).collect();
    assert_eq!(got, want, "accuracy per epoch differs: {config:?}");
    let (hidden, output) = digitnet::with_net!(&fast, n => (bits(&n.hidden), bits(&n.output)));
    assert_bits_equal(&hidden, &bits(&plain.hidden), "hidden", config);
    assert_bits_equal(&output, &bits(&plain.output), "output", config);
    reports
}

/// A layer's weights and biases as bits.
fn bits<const I: usize, const O: usize>(l: &Layer<I, O>) -> Vec<u32> {
    l.weights
        .iter()
        .flatten()
        .chain(&l.biases)
        .map(|v| v.to_bits())
        .collect()
}

fn assert_bits_equal(x: &[u32], y: &[u32], name: &str, config: &TrainConfig) {
    assert_eq!(x.len(), y.len(), "{name}: sizes differ: {config:?}");
    if let Some(i) = (0..x.len()).find(|&i| x[i] != y[i]) {
        panic!(
            "{name} parameter {i} differs ({:e} vs {:e}): {config:?}",
            f32::from_bits(x[i]),
            f32::from_bits(y[i])
        );
    }
}

fn config(
    cost: Cost,
    activation: Activation,
    lambda: f32,
    shift: u8,
    batch_size: usize,
) -> TrainConfig {
    let softmax_or_relu = cost != Cost::Quadratic || activation == Activation::Relu;
    TrainConfig {
        epochs: 2,
        batch_size,
        eta: if softmax_or_relu { 0.1 } else { 3.0 },
        lambda,
        seed: 11,
        train_images: TRAIN,
        activation,
        cost,
        init: if activation == Activation::Relu {
            Init::Scaled
        } else {
            Init::Normal
        },
        shift,
        threads: 1,
        ..TrainConfig::default()
    }
}

/// Every cost × activation × regularisation × augmentation × batch size
/// (1, a size that leaves a short last batch, 10, and the full set), at two
/// widths, one thread.
#[test]
fn every_configuration_matches_the_plain_loop() {
    for cost in Cost::ALL {
        for activation in Activation::ALL {
            for lambda in [0.0, 5.0] {
                for shift in [0, 2] {
                    for batch_size in [1, 7, 10, TRAIN] {
                        let c = config(cost, activation, lambda, shift, batch_size);
                        same_as_reference::<30>(&TrainConfig {
                            hidden: 30,
                            ..c.clone()
                        });
                        same_as_reference::<10>(&TrainConfig { hidden: 10, ..c });
                    }
                }
            }
        }
    }
}

/// The other widths the command line offers, and one that is not padded.
#[test]
fn every_width_matches_the_plain_loop() {
    let c = config(Cost::CrossEntropy, Activation::Sigmoid, 5.0, 1, 10);
    same_as_reference::<16>(&TrainConfig {
        hidden: 16,
        ..c.clone()
    });
    same_as_reference::<20>(&TrainConfig {
        hidden: 20,
        ..c.clone()
    });
    same_as_reference::<50>(&TrainConfig {
        hidden: 50,
        ..c.clone()
    });
    same_as_reference::<64>(&TrainConfig {
        hidden: 64,
        ..c.clone()
    });
    same_as_reference::<100>(&TrainConfig {
        hidden: 100,
        ..c.clone()
    });
    same_as_reference::<128>(&TrainConfig {
        hidden: 128,
        ..c.clone()
    });
    let relu = config(Cost::LogLikelihood, Activation::Relu, 5.0, 1, 10);
    same_as_reference::<100>(&TrainConfig {
        hidden: 100,
        schedule: digitnet::model::Schedule::Cosine,
        ..relu
    });
}

/// Any thread count gives the same bits, including counts that do not
/// divide the eight lanes and more threads than lanes or examples.
#[test]
fn every_thread_count_matches_the_plain_loop() {
    let cases = [(10, 0, 0.0), (1, 1, 5.0), (TRAIN, 0, 5.0), (7, 2, 0.0)];
    for threads in [2, 3] {
        for (batch_size, shift, lambda) in cases {
            let c = config(
                Cost::Quadratic,
                Activation::Sigmoid,
                lambda,
                shift,
                batch_size,
            );
            same_as_reference::<30>(&TrainConfig {
                threads,
                hidden: 30,
                ..c
            });
            let c = config(
                Cost::LogLikelihood,
                Activation::Relu,
                lambda,
                shift,
                batch_size,
            );
            same_as_reference::<100>(&TrainConfig {
                threads,
                hidden: 100,
                ..c
            });
        }
    }
    // One per core, switching to one thread and back as the epochs' timings
    // say (epochs 2 and 8 run on one thread at least).
    let c = config(Cost::CrossEntropy, Activation::Sigmoid, 5.0, 1, 10);
    let reports = same_as_reference::<30>(&TrainConfig {
        threads: 0,
        epochs: 9,
        hidden: 30,
        ..c
    });
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let used: Vec<usize> = reports.iter().map(|r| r.threads).collect();
    if cores > 1 {
        // Epoch 1 on every core, epoch 2 on one, to compare their times.
        assert_eq!(used[..2], [cores, 1], "threads per epoch: {used:?}");
    } else {
        eprintln!("one core: no switching between thread counts to check ({used:?})");
        assert!(used.iter().all(|&t| t == 1), "{used:?}");
    }
    // More threads than cores, than lanes, than examples per round: few
    // rounds, as each waits for every thread to be scheduled.
    for threads in [5, 8, 12] {
        let c = config(Cost::CrossEntropy, Activation::Sigmoid, 5.0, 1, 100);
        same_as_reference::<30>(&TrainConfig {
            threads,
            hidden: 30,
            ..c
        });
    }
}

/// Each instruction set this processor has gives the same bits (the others
/// are reported, not silently passed).
#[test]
fn every_instruction_set_matches_the_plain_loop() {
    for simd in Simd::ALL {
        if !simd.available() {
            eprintln!("skipping --simd {}: this processor lacks it", simd.name());
            continue;
        }
        for threads in [1, 2] {
            let c = config(Cost::CrossEntropy, Activation::Sigmoid, 5.0, 1, 10);
            same_as_reference::<30>(&TrainConfig {
                threads,
                simd,
                hidden: 30,
                ..c
            });
            let c = config(Cost::LogLikelihood, Activation::Relu, 0.0, 0, 10);
            same_as_reference::<100>(&TrainConfig {
                threads,
                simd,
                hidden: 100,
                ..c
            });
        }
    }
}

/// Timing the parts of each round (`digitnet bench --phases`) changes no
/// bit, and reports every thread's time in each part: work in every thread,
/// and never more than the epoch took.
#[test]
fn timing_the_phases_changes_no_bit() {
    for threads in [1, 2, 3] {
        let c = config(Cost::Quadratic, Activation::Sigmoid, 0.0, 0, 10);
        let reports = same_as_reference::<30>(&TrainConfig {
            threads,
            hidden: 30,
            phases: true,
            ..c
        });
        for r in &reports {
            assert_eq!(r.phases.len(), threads, "{r:?}");
            for p in &r.phases {
                assert!(
                    p.absorb > 0.0 && p.forward > 0.0 && p.backprop > 0.0,
                    "{p:?}"
                );
                assert!(p.total() <= r.train_seconds, "{p:?} in {r:?}");
                let waits = p.wait_sums + p.wait_gradients;
                assert!(waits >= 0.0 && waits < p.total(), "{p:?}");
            }
        }
    }
    let c = config(Cost::Quadratic, Activation::Sigmoid, 0.0, 0, 10);
    let reports = same_as_reference::<30>(&TrainConfig {
        threads: 2,
        hidden: 30,
        ..c
    });
    assert!(
        reports.iter().all(|r| r.phases.is_empty()),
        "timed without asking"
    );
}
