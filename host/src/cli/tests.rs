use super::*;
use crate::model::defaults::{DEFAULT_DATA, DEFAULT_FIRMWARE_SRC, DEFAULT_MODEL};
use clap::CommandFactory;

/// The `[default: …]` text of each flag's help, by flag name.
fn stated_defaults(command: &str) -> Vec<(String, String)> {
    let cli = Cli::command();
    let sub = cli.find_subcommand(command).unwrap();
    sub.get_arguments()
        .filter_map(|arg| {
            let help = arg.get_help()?.to_string();
            let start = help.find("[default: ")? + "[default: ".len();
            let rest = &help[start..];
            let end = rest.find([',', ']', ' '])?;
            Some((arg.get_id().to_string(), rest[..end].to_owned()))
        })
        .collect()
}

/// Train's flags are `Option`s (so a preset can fill them in), so clap
/// cannot show their defaults: the help text states them, and this test
/// keeps the stated values equal to `TrainConfig::default()`.
#[test]
fn train_help_states_the_defaults_of_train_config() {
    let d = TrainConfig::default();
    let want = [
        ("hidden", d.hidden.to_string()),
        ("activation", d.activation.name().to_owned()),
        ("cost", d.cost.name().to_owned()),
        ("init", d.init.name().to_owned()),
        ("epochs", d.epochs.to_string()),
        ("batch_size", d.batch_size.to_string()),
        ("eta", format!("{:?}", d.eta)),
        ("lambda", format!("{:?}", d.lambda)),
        ("schedule", d.schedule.name().to_owned()),
        ("shift", d.shift.to_string()),
        ("seed", d.seed.to_string()),
        ("train_images", d.train_images.to_string()),
        ("data", DEFAULT_DATA.to_owned()),
        ("out", DEFAULT_MODEL.to_owned()),
        ("export_dir", DEFAULT_FIRMWARE_SRC.to_owned()),
    ];
    let stated = stated_defaults("train");
    for (id, value) in &want {
        let found = stated.iter().find(|(i, _)| i == id).map(|(_, v)| v);
        assert_eq!(found, Some(value), "--{id}");
    }
    // Every flag that states a default is checked above.
    for (id, _) in &stated {
        assert!(want.iter().any(|(w, _)| w == id), "--{id} is not checked");
    }
    // A flag with no value of its own follows the preset.
    let args = Cli::parse_from(["digitnet", "train"]);
    let Command::Train(args) = args.command else {
        panic!("not train")
    };
    assert_eq!(args.config(), d);
}

/// `bench`'s flags override its preset one by one; the rest is the preset's.
#[test]
fn bench_flags_override_the_preset() {
    let args = Cli::parse_from(["digitnet", "bench", "--preset", "best"]);
    let Command::Bench(args) = args.command else {
        panic!("not bench")
    };
    let best = Preset::Best.config();
    assert_eq!(
        args.config(),
        TrainConfig {
            epochs: 5,
            threads: 0,
            ..best
        }
    );
    let args = Cli::parse_from([
        "digitnet",
        "bench",
        "--preset",
        "best",
        "--hidden",
        "20",
        "--activation",
        "sigmoid",
        "--cost",
        "quadratic",
        "--eta",
        "0.5",
        "--epochs",
        "2",
        "--threads",
        "3",
        "--simd",
        "baseline",
        "--phases",
    ]);
    let Command::Bench(args) = args.command else {
        panic!("not bench")
    };
    assert_eq!(
        args.config(),
        TrainConfig {
            hidden: 20,
            activation: Activation::Sigmoid,
            cost: Cost::Quadratic,
            eta: 0.5,
            epochs: 2,
            threads: 3,
            simd: Simd::Baseline,
            phases: true,
            ..best
        }
    );
}

/// `train` and `bench` read a recipe from the same flags (defined once, in
/// `RecipeArgs`): the same settings give the same configuration.
#[test]
fn train_and_bench_share_the_recipe_flags() {
    let recipe = [
        "--preset",
        "best",
        "--hidden",
        "50",
        "--activation",
        "sigmoid",
        "--cost",
        "cross-entropy",
        "--init",
        "uniform",
        "--batch-size",
        "20",
        "--eta",
        "0.25",
        "--lambda",
        "1.5",
        "--schedule",
        "constant",
        "--shift",
        "2",
        "--seed",
        "7",
        "--train-images",
        "1000",
        "--threads",
        "2",
        "--simd",
        "baseline",
        "--epochs",
        "3",
    ];
    let parse = |command: &str| {
        let mut argv = vec!["digitnet", command];
        argv.extend(recipe);
        match Cli::parse_from(argv).command {
            Command::Train(a) => a.config(),
            Command::Bench(a) => a.config(),
            _ => unreachable!(),
        }
    };
    let train = parse("train");
    assert_eq!(train, parse("bench"));
    assert_eq!(
        train,
        TrainConfig {
            hidden: 50,
            activation: Activation::Sigmoid,
            cost: Cost::CrossEntropy,
            init: Init::Uniform,
            epochs: 3,
            batch_size: 20,
            eta: 0.25,
            lambda: 1.5,
            schedule: Schedule::Constant,
            shift: 2,
            seed: 7,
            train_images: 1000,
            threads: 2,
            simd: Simd::Baseline,
            phases: false,
        }
    );
}

/// Every command documents the defaults of the flags that have one.
#[test]
fn every_command_shows_its_defaults() {
    let mut cli = Cli::command();
    for (command, defaults) in [
        (
            "eval",
            &[
                "data/mnist if present",
                "models/mnist-784-30-10.safetensors",
            ][..],
        ),
        (
            "export",
            &[
                "firmware-example/src",
                "models/mnist-784-30-10.safetensors",
                "20]",
            ],
        ),
        (
            "predict",
            &[
                "data/mnist if present",
                "models/mnist-784-30-10.safetensors",
            ],
        ),
        ("inspect", &["data/mnist if present", "[default: 100]"]),
        (
            "web",
            &[
                "[default: digitnet-page]",
                "models/mnist-784-30-10.safetensors",
                "data/mnist if present",
                "[default: 100]",
            ],
        ),
        ("train", &["[default: chapter1]", "[default: 20]"]),
    ] {
        let help = cli
            .find_subcommand_mut(command)
            .unwrap()
            .render_long_help()
            .to_string();
        for d in defaults {
            assert!(help.contains(d), "{command}: {d:?} not in\n{help}");
        }
    }
}

#[test]
fn training_errors_name_the_flags() {
    let config = CliError::from(ConfigError::BadEta(0.0));
    assert_eq!(
        config.to_string(),
        "--eta must be a finite number above 0, got 0"
    );
    let overlap = CliError::from(ConfigError::ValidationOverlap {
        train_images: 60_000,
    });
    assert_eq!(
        overlap.to_string(),
        "--validation evaluates on training images 50000-59999, so --train-images must be at most 50000, got 60000"
    );
    let diverged = CliError::from(TrainError::Diverged {
        epoch: 3,
        reason: crate::training::divergence::Divergence::Weights,
        eta: 30.0,
    });
    let text = diverged.to_string();
    assert!(
        text.starts_with("training stopped in epoch 3: ")
            && text.ends_with("try a smaller --eta (this run's was 30)"),
        "{text}"
    );
    // A training error's own causes stay in the chain.
    let step = CliError::from(TrainError::Step {
        epoch: 1,
        source: digitnet_core::Error::LabelOutOfRange {
            label: 12,
            classes: 10,
        },
    });
    assert_eq!(step.to_string(), "training step failed in epoch 1");
    assert!(std::error::Error::source(&step).is_some());
}

#[test]
fn only_chapter_one_on_mnist_is_named_as_the_committed_model() {
    let mnist = DataSource::Dir(PathBuf::from("data/mnist"));
    let d = TrainConfig::default();
    let name = |c: &TrainConfig| model_name(c, &mnist, false);
    assert_eq!(name(&d), "mnist-784-30-10.safetensors");
    // Threads and instruction sets change no bit, so no name.
    let threads = TrainConfig {
        threads: 1,
        simd: Simd::Baseline,
        ..d.clone()
    };
    assert_eq!(name(&threads), "mnist-784-30-10.safetensors");
    let variant = TrainConfig {
        cost: Cost::CrossEntropy,
        epochs: 2,
        ..d.clone()
    };
    assert_eq!(
        name(&variant),
        "mnist-784-30-10-cross-entropy-epochs2.safetensors"
    );
    assert_eq!(
        name(&Preset::Best.config()),
        "mnist-784-100-10-best.safetensors"
    );
    let shorter_best = TrainConfig {
        epochs: 5,
        ..Preset::Best.config()
    };
    assert_eq!(
        name(&shorter_best),
        "mnist-784-100-10-relu-log-likelihood-scaled-epochs5-eta0.1-lambda5-cosine-shift1.safetensors"
    );
    let csv = DataSource::Csv(PathBuf::from("some/digits.csv"));
    assert_eq!(model_name(&d, &csv, false), "digits-784-30-10.safetensors");
    assert_eq!(
        model_name(&d, &mnist, true),
        "mnist-784-30-10-validation.safetensors"
    );
    // Every setting that changes the trained bits changes the name.
    let changes = [
        TrainConfig {
            hidden: 100,
            ..d.clone()
        },
        TrainConfig {
            activation: Activation::Relu,
            ..d.clone()
        },
        TrainConfig {
            cost: Cost::LogLikelihood,
            ..d.clone()
        },
        TrainConfig {
            init: Init::Scaled,
            ..d.clone()
        },
        TrainConfig {
            epochs: 29,
            ..d.clone()
        },
        TrainConfig {
            batch_size: 11,
            ..d.clone()
        },
        TrainConfig {
            eta: 2.5,
            ..d.clone()
        },
        TrainConfig {
            lambda: 0.1,
            ..d.clone()
        },
        TrainConfig {
            schedule: Schedule::Cosine,
            ..d.clone()
        },
        TrainConfig {
            shift: 1,
            ..d.clone()
        },
        TrainConfig {
            seed: 1,
            ..d.clone()
        },
        TrainConfig {
            train_images: 1000,
            ..d.clone()
        },
    ];
    let mut names: Vec<String> = changes.iter().map(name).collect();
    assert!(
        names.iter().all(|n| n != "mnist-784-30-10.safetensors"),
        "{names:?}"
    );
    names.sort();
    names.dedup();
    assert_eq!(names.len(), changes.len(), "{names:?}");
}

#[test]
fn counts_agree_with_their_nouns() {
    use crate::say::count;
    assert_eq!(count(1, "epoch"), "1 epoch");
    assert_eq!(count(2, "epoch"), "2 epochs");
    assert_eq!(count(0, "epoch"), "0 epochs");
    let one = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let run = crate::training::describe_run(&one, Preset::Chapter1);
    assert!(run.contains(", 1 epoch, mini-batch 10"), "{run}");
}
