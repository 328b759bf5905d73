//! `digitnet train`: its flags, the run, and what it prints and writes.

use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Flags of `digitnet train`.
///
/// Every training setting is optional: a setting not given comes from the
/// preset (chapter 1's network unless `--preset` says otherwise), so
/// `--preset best --epochs 5` is the best recipe, shortened.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// The recipe: a preset and the settings given over it.
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// Passes over the training images [default: 30].
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Also evaluate on the validation set (training images 50,000-59,999) after every epoch.
    #[arg(long)]
    pub validation: bool,
    /// Threads and instruction set.
    #[command(flatten)]
    pub machine: MachineArgs,
    /// Not a flag of digitnet: other tools' name for `--eta`, answered with it.
    #[arg(
        long = "lr",
        alias = "learning-rate",
        hide = true,
        allow_negative_numbers = true
    )]
    pub lr: Option<String>,
    /// Not a flag of digitnet: PyTorch's name for what `--lambda` sets, answered with it.
    #[arg(long, hide = true, allow_negative_numbers = true)]
    pub weight_decay: Option<String>,
    /// Model file to write (safetensors) [default: models/mnist-784-30-10.safetensors for
    /// chapter 1's run on MNIST; any other run is named after its data and every setting that
    /// differs, e.g. mnist-784-30-10-cross-entropy-epochs2.safetensors; in models/ if that
    /// folder is here, else here].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write one JSON object per epoch to this file.
    #[arg(long)]
    pub metrics: Option<PathBuf>,
    /// Also draw test (and validation) accuracy per epoch to this file (.svg or .png),
    /// redrawn after every epoch.
    #[arg(long, value_name = "FILE")]
    pub plot: Option<PathBuf>,
    /// Then export the model to the firmware's sources, f32 and int8 (see `digitnet export`).
    #[arg(long)]
    pub export: bool,
    /// Folder for the exported sources, with --export [default: firmware-example/src].
    #[arg(long, requires = "export")]
    pub export_dir: Option<PathBuf>,
    /// Test digits to export, with --export.
    #[arg(long, default_value_t = crate::export::DEFAULT_SAMPLES, requires = "export")]
    pub samples: usize,
}

impl TrainArgs {
    /// The preset's settings with every flag given on the command line applied over them.
    pub fn config(&self) -> TrainConfig {
        let base = self.recipe.config(&self.machine);
        TrainConfig {
            epochs: self.epochs.unwrap_or(base.epochs),
            ..base
        }
    }
}

/// Ctrl-C presses seen during training: the first stops the run after the
/// epoch under way, the second ends the process at once.
static INTERRUPTS: AtomicUsize = AtomicUsize::new(0);

/// The epoch callback's error after a Ctrl-C.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
struct Interrupted;

/// Counts Ctrl-C presses instead of ending the process on the first. Files
/// are written whole or not at all, so ending at once leaves none half-written.
fn watch_interrupts() {
    // A handler set earlier in this process (a second run in one test) stays.
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTS.fetch_add(1, Ordering::SeqCst) > 0 {
            eprintln!("\ndigitnet: interrupted again: stopped at once; nothing was written");
            std::process::exit(INTERRUPTED_STATUS);
        }
        eprintln!(
            "\ndigitnet: interrupted: stopping after this epoch (Ctrl-C again to stop at once)"
        );
    });
}

/// The exit status after Ctrl-C: 128 + SIGINT, as shells report it.
pub const INTERRUPTED_STATUS: i32 = 130;

impl TrainArgs {
    /// The model file to write: `--out`, or a name that follows from the
    /// settings ([`model_name`]) in `models/` or here.
    pub(super) fn out_file(&self) -> PathBuf {
        match &self.out {
            Some(path) => path.clone(),
            None => {
                let source = defaults::data(self.data.as_deref());
                defaults::train_out(&model_name(&self.config(), &source, self.validation))
            }
        }
    }
}

pub(super) fn run_train(args: &TrainArgs) -> Result<(), CliError> {
    if let Some(value) = &args.lr {
        return Err(CliError::OtherName {
            given: format!("--lr {value}"),
            answer: format!(
                "digitnet calls the learning rate --eta, as the book does (η; chapter 1's is 3.0): --eta {value}"
            ),
        });
    }
    if let Some(value) = &args.weight_decay {
        return Err(CliError::OtherName {
            given: format!("--weight-decay {value}"),
            answer: "digitnet's L2 regularisation is the book's --lambda: each step scales the weights by \
                1 − eta·lambda/n, n the training images (50000), where PyTorch's SGD weight_decay wd \
                scales them by 1 − lr·wd; so --lambda = wd · n (weight_decay 0.0001 is --lambda 5)"
                .to_owned(),
        });
    }
    let mut config = args.config();
    config.validate()?;
    // Every argument is checked before the data is read and long before
    // anything is trained or written: a run must not fail after the work.
    if args.export && !(1..=crate::export::MAX_SAMPLES).contains(&args.samples) {
        return Err(ExportError::BadSampleCount {
            requested: args.samples,
            available: crate::export::MAX_SAMPLES,
        }
        .into());
    }
    if args.validation && config.train_images > training::BOOK_TRAIN_IMAGES {
        return Err(ConfigError::ValidationOverlap {
            train_images: config.train_images,
        }
        .into());
    }
    if let Some(plot) = &args.plot {
        Format::of(plot)?;
    }
    let export_dir = if args.export {
        let dir = defaults::firmware_dir(args.export_dir.as_deref())
            .map_err(|path| CliError::NoFirmwareDir { path })?;
        Some(dir)
    } else {
        None
    };
    let source = defaults::data(args.data.as_deref());
    let out = args.out_file();
    not_a_folder(&out, "--out")?;
    for (path, flag) in [(&args.metrics, "--metrics"), (&args.plot, "--plot")] {
        if let Some(path) = path {
            not_a_folder(path, flag)?;
        }
    }
    let data = source.load()?;
    let (train_set, test_set) = (&data.train, &data.test);
    if args.export {
        // The test digits to export must exist before training starts.
        crate::export::select_samples(&test_set.labels, args.samples)?;
    }
    if args.recipe.train_images.is_none() && train_set.len() < config.train_images {
        // A smaller data set than MNIST's: train on all of it.
        config.train_images = train_set.len();
        config.validate()?;
    }
    if config.train_images > train_set.len() {
        return Err(ConfigError::TrainImages {
            requested: config.train_images,
            available: train_set.len(),
        }
        .into());
    }
    let validation_set = args
        .validation
        .then(|| train_set.slice(training::BOOK_TRAIN_IMAGES, VALIDATION_IMAGES));
    if let Some(v) = &validation_set {
        if v.is_empty() {
            return Err(ConfigError::NoValidationImages {
                available: train_set.len(),
            }
            .into());
        }
    }
    crate::say!(
        "digitnet train: {}",
        training::describe_run(&config, args.recipe.preset)
    );
    let validation_note = validation_set
        .as_ref()
        .map(|v| format!(", {} validation images", v.len()))
        .unwrap_or_default();
    crate::say!(
        "data: {} training images (of {}), {} test images{validation_note}, from {}",
        config.train_images,
        train_set.len(),
        test_set.len(),
        source.describe()
    );

    let mut metrics = String::new();
    let mut so_far: Vec<EpochReport> = Vec::new();
    let title = net::describe(config.hidden, config.activation, config.cost);
    let splits = Splits {
        train: train_set,
        test: test_set,
        validation: validation_set.as_ref(),
    };
    let progress = TrainProgress::new(config.epochs, config.train_images);
    watch_interrupts();
    let trained = training::run(
        splits,
        &config,
        &mut |r| {
            let line = match r.validation {
                None => format!(
                    "Epoch {}: {} / {} ({:.2} s)",
                    r.epoch, r.correct, r.total, r.train_seconds
                ),
                Some((vc, vt)) => format!(
                    "Epoch {}: {} / {}, validation {} / {} ({:.2} s)",
                    r.epoch, r.correct, r.total, vc, vt, r.train_seconds
                ),
            };
            progress.epoch_done(r.epoch, &line);
            if let Some(path) = &args.metrics {
                metrics.push_str(&r.to_json());
                metrics.push('\n');
                write_atomic(path, metrics.as_bytes()).map_err(|source| CliError::Metrics {
                    path: path.clone(),
                    source,
                })?;
            }
            if let Some(path) = &args.plot {
                so_far.push(r.clone());
                let chart = AccuracyChart {
                    title: title.clone(),
                    reports: &so_far,
                };
                draw::save(&chart, path)?;
            }
            if INTERRUPTS.load(Ordering::SeqCst) > 0 {
                return Err(Box::new(Interrupted));
            }
            Ok(())
        },
        &|n| progress.advance(n),
    );
    progress.finish();
    let (net, reports) = trained.map_err(|e| match e {
        TrainError::Callback { epoch, source } if source.is::<Interrupted>() => {
            CliError::Interrupted {
                epoch,
                epochs: config.epochs,
            }
        }
        e => e.into(),
    })?;
    print_summary(&reports);

    let last = reports.last();
    let info = TrainingInfo {
        seed: config.seed,
        epochs: config.epochs,
        batch_size: config.batch_size,
        eta: config.eta,
        lambda: config.lambda,
        init: config.init,
        schedule: config.schedule,
        shift: config.shift,
        train_images: config.train_images,
        correct: last.map_or(0, |r| r.correct),
        total: last.map_or(0, |r| r.total),
        validation: last.and_then(|r| r.validation),
    };
    match export_dir {
        None => {
            model::save_any(&out, &net, Some(&info))?;
            crate::say!("model: {}", out.display());
        }
        Some(dir) => {
            // The model and the four sources generated from it are rendered
            // first, then written together: all new, or (after a failure, or a
            // kill and the next run) all as they were.
            let bytes = model::to_bytes_any(&net, Some(&info));
            let loaded = model::from_bytes_any(&bytes, &out)?;
            let mut sources = Vec::new();
            for quantize in [None, Some(Quantize::Int8)] {
                let opts = ExportOptions {
                    model: out.clone(),
                    data: defaults::data(args.data.as_deref()),
                    out_dir: dir.clone(),
                    samples: args.samples,
                    quantize,
                };
                sources.extend(crate::export::render_loaded(&opts, &loaded)?);
            }
            let mut group: Vec<(&std::path::Path, &[u8])> = vec![(&out, &bytes)];
            group.extend(
                sources
                    .iter()
                    .map(|f| (f.path.as_path(), f.contents.as_bytes())),
            );
            write_group(&group).map_err(|source| CliError::Write {
                paths: group.iter().map(|(p, _)| p.to_path_buf()).collect(),
                source,
            })?;
            crate::say!("model: {}", out.display());
            for f in &sources {
                crate::say!("exported: {}", f.path.display());
            }
        }
    }
    if let Some(path) = &args.plot {
        crate::say!("plot: {}", path.display());
    }
    Ok(())
}

/// The file name `train` writes when `--out` is not given: it follows from
/// the settings, so that only chapter 1's run on MNIST writes the committed
/// `mnist-784-30-10.safetensors`, and no other run overwrites it.
///
/// `<data>-784-<H>-10` (the data: `mnist`, or the folder's or CSV file's
/// name), then `-best` for the best preset as it is, or else each setting
/// that differs from chapter 1's, in the order of `digitnet train --help`:
/// e.g. `mnist-784-30-10-cross-entropy-epochs2.safetensors`.
pub(super) fn model_name(config: &TrainConfig, source: &DataSource, validation: bool) -> String {
    let data = match source {
        DataSource::Dir(path) | DataSource::Csv(path) => path
            .file_stem()
            .map_or("data".into(), |s| s.to_string_lossy().into_owned()),
        #[cfg(feature = "bundled")]
        DataSource::Bundled => "mnist".to_owned(),
    };
    let mut name = format!("{data}-784-{}-10", config.hidden);
    let as_run = |c: &TrainConfig| TrainConfig {
        threads: config.threads,
        simd: config.simd,
        phases: config.phases,
        ..c.clone()
    };
    let best = Preset::Best.config();
    if *config == as_run(&best) {
        name.push_str("-best");
    } else {
        let d = TrainConfig::default();
        let mut differs = |same: bool, part: String| {
            if !same {
                name.push('-');
                name.push_str(&part);
            }
        };
        differs(
            config.activation == d.activation,
            config.activation.name().into(),
        );
        differs(config.cost == d.cost, config.cost.name().into());
        differs(config.init == d.init, config.init.name().into());
        differs(
            config.epochs == d.epochs,
            format!("epochs{}", config.epochs),
        );
        differs(
            config.batch_size == d.batch_size,
            format!("batch{}", config.batch_size),
        );
        differs(config.eta == d.eta, format!("eta{}", config.eta));
        differs(
            config.lambda == d.lambda,
            format!("lambda{}", config.lambda),
        );
        differs(config.schedule == d.schedule, config.schedule.name().into());
        differs(config.shift == d.shift, format!("shift{}", config.shift));
        differs(config.seed == d.seed, format!("seed{}", config.seed));
        differs(
            config.train_images == d.train_images,
            format!("images{}", config.train_images),
        );
    }
    if validation {
        name.push_str("-validation");
    }
    name + ".safetensors"
}

/// Refuses an output path that is an existing folder (`flag` names it), so
/// that a run does not train for minutes and then fail to save.
pub(super) fn not_a_folder(path: &std::path::Path, flag: &'static str) -> Result<(), CliError> {
    if path.is_dir() {
        return Err(CliError::OutputIsFolder {
            path: path.to_path_buf(),
            flag,
        });
    }
    Ok(())
}

/// Validation images: the 10,000 training images after the book's first 50,000.
pub(super) const VALIDATION_IMAGES: usize = 10_000;

/// Prints total and median epoch time, the final and the best accuracy.
pub(super) fn print_summary(reports: &[EpochReport]) {
    let (Some(last), Some(best)) = (
        reports.last(),
        reports
            .iter()
            .max_by(|a, b| a.correct.cmp(&b.correct).then(b.epoch.cmp(&a.epoch))),
    ) else {
        return;
    };
    let mut times: Vec<f64> = reports.iter().map(|r| r.train_seconds).collect();
    times.sort_by(f64::total_cmp);
    let total: f64 = times.iter().sum();
    let median = times.get(times.len() / 2).copied().unwrap_or(0.0);
    crate::say!(
        "trained {} in {:.1} s (median {:.2} s per epoch); test accuracy {:.2}% after the last epoch, best {:.2}% after epoch {}",
        crate::say::count(reports.len(), "epoch"),
        total,
        median,
        100.0 * last.accuracy(),
        100.0 * best.accuracy(),
        best.epoch
    );
}
