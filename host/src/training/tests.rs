use super::*;
use crate::data::idx::{Image, PIXELS};
use digitnet_core::random::seeded;

/// Images whose only ink is a block at a position set by the label.
fn synthetic(n: usize) -> Dataset {
    let mut images = Vec::new();
    let mut labels = Vec::new();
    for i in 0..n {
        let label = (i % CLASSES) as u8;
        let mut img: Image = [0; PIXELS];
        let start = usize::from(label) * 78;
        img[start..start + 40].fill(200 + (i % 50) as u8);
        images.push(img);
        labels.push(label);
    }
    Dataset { images, labels }
}

#[test]
fn validate_rejects_each_bad_setting() {
    let ok = TrainConfig::default();
    assert_eq!(ok.validate(), Ok(()));
    let cases = [
        (
            TrainConfig {
                train_images: 0,
                ..ok.clone()
            },
            ConfigError::NoTrainImages,
        ),
        (
            TrainConfig {
                epochs: 0,
                ..ok.clone()
            },
            ConfigError::NoEpochs,
        ),
        (
            TrainConfig {
                batch_size: 0,
                ..ok.clone()
            },
            ConfigError::EmptyBatch,
        ),
        (
            TrainConfig {
                eta: -1.0,
                ..ok.clone()
            },
            ConfigError::BadEta(-1.0),
        ),
        (
            TrainConfig {
                eta: 0.0,
                ..ok.clone()
            },
            ConfigError::BadEta(0.0),
        ),
        (
            TrainConfig {
                eta: f32::INFINITY,
                ..ok.clone()
            },
            ConfigError::BadEta(f32::INFINITY),
        ),
    ];
    for (config, want) in cases {
        assert_eq!(config.validate(), Err(want));
    }
    let more = [
        (
            TrainConfig {
                lambda: -0.5,
                ..ok.clone()
            },
            ConfigError::BadLambda(-0.5),
        ),
        (
            TrainConfig {
                lambda: f32::INFINITY,
                ..ok.clone()
            },
            ConfigError::BadLambda(f32::INFINITY),
        ),
        (
            TrainConfig {
                hidden: 31,
                ..ok.clone()
            },
            ConfigError::UnsupportedWidth(31),
        ),
        (
            TrainConfig {
                batch_size: 50_001,
                ..ok.clone()
            },
            ConfigError::BatchTooLarge {
                batch_size: 50_001,
                train_images: 50_000,
            },
        ),
    ];
    for (config, want) in more {
        assert_eq!(config.validate(), Err(want));
    }
    for (config, want) in [
        (
            TrainConfig {
                epochs: usize::MAX,
                ..ok.clone()
            },
            ConfigError::TooManyEpochs(usize::MAX),
        ),
        (
            TrainConfig {
                epochs: MAX_EPOCHS + 1,
                ..ok.clone()
            },
            ConfigError::TooManyEpochs(MAX_EPOCHS + 1),
        ),
        (
            TrainConfig {
                threads: MAX_THREADS + 1,
                ..ok.clone()
            },
            ConfigError::TooManyThreads(MAX_THREADS + 1),
        ),
    ] {
        assert_eq!(config.validate(), Err(want));
    }
    for fine in [
        TrainConfig {
            epochs: MAX_EPOCHS,
            ..ok.clone()
        },
        TrainConfig {
            threads: MAX_THREADS,
            ..ok.clone()
        },
    ] {
        assert_eq!(fine.validate(), Ok(()));
    }
    let full_batch = TrainConfig {
        batch_size: 50_000,
        lambda: 5.0,
        hidden: 100,
        ..ok.clone()
    };
    assert_eq!(full_batch.validate(), Ok(()));
    assert!(ConfigError::UnsupportedWidth(31)
        .to_string()
        .contains("10, 16, 20, 30, 50, 64, 100, 128"));
    let nan = TrainConfig {
        eta: f32::NAN,
        ..ok
    };
    assert!(matches!(nan.validate(), Err(ConfigError::BadEta(v)) if v.is_nan()));
    // Settings are named by their fields here; the command line names flags.
    let message = nan.validate().unwrap_err().to_string();
    assert!(
        message.starts_with("eta must be a finite number"),
        "{message}"
    );
    let validation = ConfigError::ValidationOverlap { train_images: 60 };
    assert_eq!(
        validation.describe(|s| match s {
            Setting::Validation => "V",
            Setting::TrainImages => "T",
            _ => "?",
        }),
        "V evaluates on training images 50000-59999, so T must be at most 50000, got 60"
    );
}

#[test]
fn learns_synthetic_digits_and_is_reproducible() {
    let train = synthetic(200);
    let test = synthetic(50);
    let config = TrainConfig {
        seed: 4,
        train_images: 200,
        hidden: 16,
        ..TrainConfig::default()
    };
    let splits = Splits {
        train: &train,
        test: &test,
        validation: Some(&test),
    };
    let run = || {
        let mut seen = 0;
        run(
            splits,
            &config,
            &mut |r| {
                seen += 1;
                assert_eq!(r.epoch, seen);
                Ok(())
            },
            &|_| {},
        )
        .unwrap()
    };
    let (a, ra) = run();
    let (b, rb) = run();
    assert_eq!(a, b);
    assert_eq!(ra.len(), 30);
    assert_eq!(ra.last().unwrap().correct, 50, "{ra:?}");
    assert_eq!(ra.last().unwrap().validation, Some((50, 50)), "{ra:?}");
    assert_eq!(
        ra.iter().map(|r| r.correct).collect::<Vec<_>>(),
        rb.iter().map(|r| r.correct).collect::<Vec<_>>()
    );
}

#[test]
fn cosine_schedule_by_hand() {
    let s = Schedule::Cosine;
    assert_eq!(s.eta(0.1, 1, 30), 0.1);
    // Halfway (epoch 16 of 30: t = 1/2): cos(π/2) ≈ 0, so eta/2.
    assert!((s.eta(0.1, 16, 30) - 0.05).abs() < 1e-8);
    // Epoch 11 of 20: also halfway; epoch 21 of 20 would be the end, 0.
    assert!((s.eta(2.0, 11, 20) - 1.0).abs() < 1e-7);
    let last = s.eta(0.1, 30, 30);
    assert!(last > 0.0 && last < 0.001, "{last}");
    let etas: Vec<f32> = (1..=30).map(|e| s.eta(0.1, e, 30)).collect();
    assert!(etas.windows(2).all(|w| w[1] < w[0]), "{etas:?}");
    assert_eq!(Schedule::Constant.eta(0.1, 30, 30), 0.1);
    for sched in Schedule::ALL {
        assert_eq!(Schedule::from_name(sched.name()), Some(sched));
    }
    // The step of each epoch uses the scheduled eta.
    let config = TrainConfig {
        schedule: Schedule::Cosine,
        epochs: 2,
        eta: 1.0,
        ..TrainConfig::default()
    };
    assert_eq!(config.step(1).eta, 1.0);
    assert_eq!(config.step(2).eta, 0.5);
}

#[test]
fn shifted_training_is_seeded_and_differs() {
    let train = synthetic(100);
    let splits = Splits {
        train: &train,
        test: &train,
        validation: None,
    };
    let config = |shift| TrainConfig {
        epochs: 2,
        train_images: 100,
        hidden: 10,
        shift,
        ..TrainConfig::default()
    };
    let run = |c: &TrainConfig| run(splits, c, &mut |_| Ok(()), &|_| {}).unwrap().0;
    let (a, b, plain) = (run(&config(2)), run(&config(2)), run(&config(0)));
    assert_eq!(a, b);
    assert_ne!(a, plain);
    // Shifted by the offsets drawn after each shuffle, in batch order: the
    // same result as training on the translated images themselves.
    let mut rng = seeded(config(2).seed);
    let mut net: Box<DigitNet<10>> = Box::default();
    net.init(&mut rng);
    let mut nabla = Box::default();
    let mut order: Vec<usize> = (0..100).collect();
    for epoch in 1..=2 {
        digitnet_core::random::shuffle(&mut rng, &mut order);
        for batch in order.chunks(10) {
            let moved: Vec<(Image, u8)> = batch
                .iter()
                .map(|&i| {
                    let (dx, dy) = augment::draw_offset(&mut rng, 2);
                    (
                        augment::translate(&train.images[i], dx, dy),
                        train.labels[i],
                    )
                })
                .collect();
            let step = config(2).step(epoch);
            net.update_mini_batch(moved.iter().map(|(x, y)| (x, *y)), step, &mut nabla)
                .unwrap();
        }
    }
    assert_eq!(AnyNet::H10(net), a);
    assert!(matches!(
        config(5).validate(),
        Err(ConfigError::BadShift(5))
    ));
}

#[test]
fn on_batch_sees_every_example_of_every_epoch() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let data = synthetic(25);
    let config = TrainConfig {
        epochs: 3,
        train_images: 25,
        hidden: 10,
        ..TrainConfig::default()
    };
    let splits = Splits {
        train: &data,
        test: &data,
        validation: None,
    };
    let (examples, batches) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let mut at_epoch_end = Vec::new();
    let observed = run(
        splits,
        &config,
        &mut |_| {
            at_epoch_end.push(examples.load(Ordering::Relaxed));
            Ok(())
        },
        &|n| {
            examples.fetch_add(n, Ordering::Relaxed);
            batches.fetch_add(1, Ordering::Relaxed);
        },
    )
    .unwrap();
    assert_eq!(at_epoch_end, [25, 50, 75]);
    assert_eq!(
        batches.load(Ordering::Relaxed),
        3 * 3,
        "batches of 10, 10, 5"
    );
    // Observing changes nothing.
    let plain = run(splits, &config, &mut |_| Ok(()), &|_| {}).unwrap();
    assert_eq!(observed.0, plain.0);
}

#[test]
fn too_many_train_images_is_an_error() {
    let data = synthetic(10);
    let config = TrainConfig {
        train_images: 11,
        ..TrainConfig::default()
    };
    let mut net: Box<DigitNet<2>> = Box::default();
    let splits = Splits {
        train: &data,
        test: &data,
        validation: None,
    };
    let err = sgd::<2, 2, _>(
        &mut net,
        &mut seeded(1),
        splits,
        &config,
        &mut |_| Ok(()),
        &|_| {},
    );
    assert!(matches!(
        err,
        Err(TrainError::Config(ConfigError::TrainImages {
            requested: 11,
            available: 10
        }))
    ));
}

#[test]
fn non_finite_weights_stop_training() {
    // An infinite weight times a zero pixel is NaN, which spreads through
    // the next update: the run must stop with an error, not go on.
    let data = synthetic(20);
    let config = TrainConfig {
        epochs: 3,
        train_images: 20,
        ..TrainConfig::default()
    };
    let mut net: Box<DigitNet<4>> = Box::default();
    net.init(&mut seeded(2));
    net.hidden.weights[0][0] = f32::INFINITY;
    let splits = Splits {
        train: &data,
        test: &data,
        validation: None,
    };
    let r = sgd::<4, 4, _>(
        &mut net,
        &mut seeded(2),
        splits,
        &config,
        &mut |_| Ok(()),
        &|_| {},
    );
    assert!(
        matches!(
            r,
            Err(TrainError::Diverged {
                epoch: 1,
                reason: Divergence::Weights,
                ..
            })
        ),
        "{r:?}"
    );
}

#[test]
fn report_json_has_the_fields() {
    let mut r = EpochReport {
        epoch: 3,
        correct: 9500,
        total: 10000,
        validation: None,
        train_seconds: 0.5,
        threads: 2,
        stopped: None,
        phases: Vec::new(),
    };
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["epoch"], 3);
    assert_eq!(v["correct"], 9500);
    assert_eq!(v["total"], 10000);
    assert_eq!(v["accuracy"], 0.95);
    assert_eq!(v["train_seconds"], 0.5);
    assert_eq!(v["threads"], 2);
    assert!(v.get("validation_correct").is_none(), "{v}");
    r.validation = Some((9600, 10000));
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["validation_correct"], 9600);
    assert_eq!(v["validation_total"], 10000);
    assert_eq!(v["validation_accuracy"], 0.96);
    assert!(v.get("stopped").is_none(), "{v}");
    r.stopped = Some(Divergence::Blind);
    let v: serde_json::Value = serde_json::from_str(&r.to_json()).unwrap();
    assert_eq!(v["stopped"], "same outputs for every image");
}
