//! `digitnet bench`: how fast this machine loads MNIST, trains and classifies.
//!
//! Trains a few epochs on the data given (the bundled MNIST by default) with
//! the settings given and reports the loading time (and, timed apart, how long
//! gunzipping alone takes), the median seconds
//! per training epoch and examples per second, and the time to classify the
//! whole test set (the median of several passes).

use crate::data::idx::{Dataset, MnistFiles};
use crate::data::{DataError, DataSource};
use crate::engine::cpu::Simd;
use crate::engine::fast::PhaseTimes;
use crate::engine::sparse::SparseSet;
use crate::model::net::AnyNet;
use crate::training::preset::Preset;
use crate::training::{self, Splits, TrainConfig, TrainError};
use std::io::Read;
use std::time::Instant;

/// Passes over the test set whose median is reported.
pub(crate) const EVAL_PASSES: usize = 15;

/// What one benchmark run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct BenchReport {
    /// The network and settings, as `train` prints them.
    pub network: String,
    /// Threads asked for.
    pub threads: usize,
    /// Epochs that ran on one thread instead (training times one thread now
    /// and then, and uses it when the machine is too busy for more).
    pub busy_epochs: usize,
    /// The instruction set the training loops ran with.
    pub simd: Simd,
    /// Epochs trained.
    pub epochs: usize,
    /// Training images per epoch.
    pub train_images: usize,
    /// Seconds to read and decode the four MNIST files.
    pub load_seconds: f64,
    /// Of which gunzip alone (decompressing the files already read).
    pub gunzip_seconds: f64,
    /// Median seconds of SGD per epoch.
    pub epoch_seconds: f64,
    /// Seconds of the whole training run: lists of non-zero pixels, every
    /// epoch and every per-epoch evaluation.
    pub train_run_seconds: f64,
    /// Test images classified.
    pub test_images: usize,
    /// Median seconds to classify the whole test set once.
    pub eval_seconds: f64,
    /// Test accuracy after the last epoch.
    pub accuracy: f64,
    /// With `--phases`: for each thread, the median seconds per epoch in
    /// each part of the rounds, over the epochs counted in `epoch_seconds`.
    pub phases: Vec<PhaseTimes>,
}

impl BenchReport {
    /// Training examples per second (one epoch's images over its median time).
    pub(crate) fn examples_per_second(&self) -> f64 {
        self.train_images as f64 / self.epoch_seconds
    }

    /// Test images classified per second.
    pub(crate) fn test_images_per_second(&self) -> f64 {
        self.test_images as f64 / self.eval_seconds
    }

    /// The report as one JSON object.
    pub(crate) fn to_json(&self) -> String {
        serde_json::json!({
            "network": self.network,
            "threads": self.threads,
            "busy_epochs": self.busy_epochs,
            "simd": self.simd.name(),
            "epochs": self.epochs,
            "train_images": self.train_images,
            "load_seconds": self.load_seconds,
            "gunzip_seconds": self.gunzip_seconds,
            "epoch_seconds": self.epoch_seconds,
            "examples_per_second": self.examples_per_second(),
            "train_run_seconds": self.train_run_seconds,
            "test_images": self.test_images,
            "eval_seconds": self.eval_seconds,
            "test_images_per_second": self.test_images_per_second(),
            "accuracy": self.accuracy,
            "phases": self.phases.iter().map(|p| {
                PhaseTimes::NAMES.iter().zip(p.parts()).map(|(name, s)| (name.to_string(), s.into())).collect::<serde_json::Map<_, _>>()
            }).collect::<Vec<_>>(),
        })
        .to_string()
    }
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "digitnet bench: {}", self.network)?;
        writeln!(
            f,
            "threads: {}, instruction set: {}",
            self.threads,
            self.simd.name()
        )?;
        if self.busy_epochs > 0 {
            writeln!(
                f,
                "note: {} of {} epochs ran on one thread (timing it, or because it was faster while other programs held the cores); the median is over the others",
                self.busy_epochs, self.epochs
            )?;
        }
        writeln!(
            f,
            "load: {:.3} s for the training and test digits (gunzipping alone, timed apart: {:.3} s)",
            self.load_seconds, self.gunzip_seconds
        )?;
        writeln!(
            f,
            "train: median {:.4} s per epoch of {} images ({:.0} examples per second); {} epochs with evaluation in {:.2} s",
            self.epoch_seconds,
            self.train_images,
            self.examples_per_second(),
            self.epochs,
            self.train_run_seconds
        )?;
        write!(
            f,
            "test: {} images classified in {:.2} ms ({:.0} images per second, median of {EVAL_PASSES}); accuracy {:.2}%",
            self.test_images,
            1e3 * self.eval_seconds,
            self.test_images_per_second(),
            100.0 * self.accuracy
        )?;
        if !self.phases.is_empty() {
            write!(f, "\nphases, median seconds per epoch (absorb: gradients and update of its lanes; forward: its lane sums; backprop: its examples):")?;
        }
        for (t, p) in self.phases.iter().enumerate() {
            write!(
                f,
                "\n  thread {t}: absorb {:.4}, forward {:.4}, wait {:.4}, backprop {:.4}, wait {:.4}",
                p.absorb, p.forward, p.wait_sums, p.backprop, p.wait_gradients
            )?;
        }
        Ok(())
    }
}

/// Why a benchmark failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BenchError {
    /// Reading the data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Training failed.
    #[error(transparent)]
    Train(#[from] TrainError),
}

/// Loads the digits of `source`, trains with `config` and times it all.
pub fn run(
    source: &DataSource,
    config: &TrainConfig,
    preset: Preset,
) -> Result<BenchReport, BenchError> {
    config.validate().map_err(TrainError::from)?;
    let simd = config
        .simd
        .resolve()
        .map_err(|e| TrainError::from(training::ConfigError::from(e)))?;
    let start = Instant::now();
    let data = source.load()?;
    let (train_set, test_set) = (data.train, data.test);
    let load_seconds = start.elapsed().as_secs_f64();
    let gunzip_seconds = gunzip_seconds(source);
    let config = &TrainConfig {
        // A smaller data set than MNIST's: train on all of it, as `train` does.
        train_images: config.train_images.min(train_set.len()),
        ..config.clone()
    };

    let splits = Splits {
        train: &train_set,
        test: &test_set,
        validation: None,
    };
    let start = Instant::now();
    let (net, reports) = training::run(splits, config, &mut |_| Ok(()), &|_| {})?;
    let train_run_seconds = start.elapsed().as_secs_f64();
    let threads = config.thread_count();
    // The median over the epochs that ran on the threads asked for.
    let mut epochs: Vec<f64> = reports
        .iter()
        .filter(|r| r.threads == threads)
        .map(|r| r.train_seconds)
        .collect();
    let accuracy = reports.last().map_or(0.0, |r| r.accuracy());

    let busy_epochs = reports.iter().filter(|r| r.threads < threads).count();
    let counted: Vec<&[PhaseTimes]> = reports
        .iter()
        .filter(|r| r.threads == threads)
        .map(|r| r.phases.as_slice())
        .collect();
    let phases = median_phases(&counted);
    let eval_seconds = eval_time(&net, &test_set, threads, simd);
    Ok(BenchReport {
        network: crate::training::describe_run(config, preset),
        threads,
        busy_epochs,
        simd,
        epochs: reports.len(),
        train_images: config.train_images,
        load_seconds,
        gunzip_seconds,
        epoch_seconds: median(&mut epochs),
        train_run_seconds,
        test_images: test_set.len(),
        eval_seconds,
        accuracy,
        phases,
    })
}

/// Per thread, the median of each part over the epochs (each epoch gives
/// one [`PhaseTimes`] per thread; none when the epochs were not timed).
fn median_phases(epochs: &[&[PhaseTimes]]) -> Vec<PhaseTimes> {
    let threads = epochs.iter().map(|e| e.len()).max().unwrap_or(0);
    (0..threads)
        .map(|t| {
            PhaseTimes::from_parts(std::array::from_fn(|part| {
                let mut v: Vec<f64> = epochs
                    .iter()
                    .filter_map(|e| e.get(t))
                    .map(|p| p.parts()[part])
                    .collect();
                median(&mut v)
            }))
        })
        .collect()
}

/// Seconds to gunzip the files of `source` once they are in memory (0 for
/// raw and CSV files).
fn gunzip_seconds(source: &DataSource) -> f64 {
    match source {
        DataSource::Dir(dir) => MnistFiles::in_dir(dir).map_or(0.0, |files| {
            [
                &files.train_images,
                &files.train_labels,
                &files.test_images,
                &files.test_labels,
            ]
            .iter()
            .map(|p| std::fs::read(p).map_or(0.0, |bytes| gunzip_time(&bytes)))
            .sum()
        }),
        DataSource::Csv(_) => 0.0,
        #[cfg(feature = "bundled")]
        DataSource::Bundled => {
            use crate::data::bundled::{TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
            [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS]
                .iter()
                .map(|f| gunzip_time(f.bytes))
                .sum()
        }
    }
}

/// Seconds to gunzip `bytes` (0 if they are not gzip).
fn gunzip_time(bytes: &[u8]) -> f64 {
    if !bytes.starts_with(&[0x1f, 0x8b]) {
        return 0.0;
    }
    let start = Instant::now();
    let mut out = Vec::new();
    let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut out);
    start.elapsed().as_secs_f64()
}

/// Median seconds to classify every image of `test` (lists of non-zero
/// pixels made once, as training does; the pixel-major copy of the weights
/// is made in every pass and counted).
fn eval_time(net: &AnyNet, test: &Dataset, threads: usize, simd: Simd) -> f64 {
    let set = SparseSet::new(&test.images);
    let mut times: Vec<f64> = (0..EVAL_PASSES)
        .map(|_| {
            let start = Instant::now();
            let correct = crate::with_net_padded!(net, n, H, W => {
                crate::engine::fast::count_correct_net::<H, W>(n, &set, &test.labels, threads, simd)
            });
            std::hint::black_box(correct);
            start.elapsed().as_secs_f64()
        })
        .collect();
    median(&mut times)
}

/// The median (upper middle of an even count; 0 for none).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gunzip_time_counts_gzip_only() {
        let bytes = vec![7u8; 1 << 20];
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&bytes).unwrap();
        let gz = enc.finish().unwrap();
        // Decompressing a megabyte takes time; raw bytes take none.
        assert!(gunzip_time(&gz) > 0.0);
        assert_eq!(gunzip_time(&bytes), 0.0);
        // The sources: the MNIST files (bundled or in their folder) are gzip, a CSV file is not.
        let mnist = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
        assert!(gunzip_seconds(&DataSource::Dir(mnist)) > 0.0);
        #[cfg(feature = "bundled")]
        assert!(gunzip_seconds(&DataSource::Bundled) > 0.0);
        assert_eq!(gunzip_seconds(&DataSource::Csv("train.csv".into())), 0.0);
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(gunzip_seconds(&DataSource::Dir(empty.path().into())), 0.0);
    }

    #[test]
    fn phases_are_each_threads_median_of_each_part() {
        let p = |absorb: f64, wait: f64| PhaseTimes {
            absorb,
            forward: 2.0 * absorb,
            wait_sums: wait,
            backprop: 3.0 * absorb,
            wait_gradients: wait / 2.0,
        };
        let epochs = [
            vec![p(1.0, 0.5), p(10.0, 0.0)],
            vec![p(3.0, 0.1), p(30.0, 0.2)],
            vec![p(2.0, 0.3), p(20.0, 0.4)],
        ];
        let slices: Vec<&[PhaseTimes]> = epochs.iter().map(Vec::as_slice).collect();
        let got = median_phases(&slices);
        assert_eq!(got, [p(2.0, 0.3), p(20.0, 0.2)]);
        assert!(median_phases(&[&[], &[]]).is_empty());
        let report = BenchReport {
            network: "n".into(),
            threads: 2,
            busy_epochs: 0,
            simd: Simd::Baseline,
            epochs: 3,
            train_images: 10,
            load_seconds: 0.0,
            gunzip_seconds: 0.0,
            epoch_seconds: 1.0,
            train_run_seconds: 1.0,
            test_images: 10,
            eval_seconds: 1.0,
            accuracy: 0.5,
            phases: got,
        };
        let text = report.to_string();
        assert!(text.contains("thread 1: absorb 20.0000, forward 40.0000, wait 0.2000, backprop 60.0000, wait 0.1000"), "{text}");
        let v: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(v["phases"][0]["absorb"], 2.0);
        assert_eq!(v["phases"][1]["wait_sums"], 0.2);
        assert_eq!(v["phases"][1]["wait_gradients"], 0.1);
        assert_eq!(v["phases"][0]["forward"], 4.0);
        assert_eq!(v["phases"][0]["backprop"], 6.0);
        let quiet = BenchReport {
            phases: Vec::new(),
            ..report
        };
        assert!(!quiet.to_string().contains("phases"));
    }

    #[test]
    fn median_is_the_upper_middle() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), 3.0);
        assert_eq!(median(&mut []), 0.0);
    }
}
