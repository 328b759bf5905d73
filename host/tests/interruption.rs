//! Killing `digitnet train --export` or `digitnet export` at any moment
//! leaves every file whole, old or new, and after the next run the model and
//! its generated sources all from the same run (`host/src/atomic.rs`).

mod common;

use common::text;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The files a `train --export` writes, relative to its folder.
const TRAIN_FILES: [&str; 5] = [
    "m.safetensors",
    "fw/model.rs",
    "fw/samples.rs",
    "fw/model_int8.rs",
    "fw/samples_int8.rs",
];

/// How many random kills each scenario gets.
const KILLS: u64 = 24;

/// The files an `export` (f32) writes.
const EXPORT_FILES: [&str; 2] = ["fw/model.rs", "fw/samples.rs"];

/// A small MNIST in raw IDX files: 600 training and 200 test digits (both
/// from MNIST's test set), so that each of the many runs here loads its data
/// in a millisecond rather than gunzipping the whole of MNIST.
fn data() -> String {
    use digitnet::data::idx::{encode_images, encode_labels};
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let mnist = common::mnist_test();
        let (train, test) = (0..600, 600..800);
        let write =
            |name: &str, bytes: Vec<u8>| std::fs::write(dir.path().join(name), bytes).unwrap();
        write(
            "train-images-idx3-ubyte",
            encode_images(&mnist.images[train.clone()]),
        );
        write(
            "train-labels-idx1-ubyte",
            encode_labels(&mnist.labels[train]),
        );
        write(
            "t10k-images-idx3-ubyte",
            encode_images(&mnist.images[test.clone()]),
        );
        write("t10k-labels-idx1-ubyte", encode_labels(&mnist.labels[test]));
        dir
    });
    dir.path().display().to_string()
}

/// `digitnet ARGS` run in `dir`, not yet started.
fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_digitnet"));
    c.args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

fn run_ok(dir: &Path, args: &[&str]) {
    let out = command(dir, args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
}

/// A short training run with seed `seed`, exported.
fn train_args(seed: &str) -> Vec<String> {
    [
        "train",
        "--epochs",
        "1",
        "--train-images",
        "500",
        "--seed",
        seed,
        "--data",
        &data(),
        "--out",
        "m.safetensors",
        "--export",
        "--export-dir",
        "fw",
    ]
    .map(String::from)
    .to_vec()
}

fn export_args() -> Vec<String> {
    [
        "export",
        "--model",
        "m.safetensors",
        "--out",
        "fw",
        "--data",
        &data(),
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

/// The contents of `files` in `dir` (`None` for a missing file).
fn snapshot(dir: &Path, files: &[&str]) -> Vec<Option<Vec<u8>>> {
    files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).ok())
        .collect()
}

fn restore(dir: &Path, files: &[&str], state: &[Option<Vec<u8>>]) {
    for (f, bytes) in files.iter().zip(state) {
        let path = dir.join(f);
        match bytes {
            Some(b) => std::fs::write(&path, b).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    // Stray temporary files of a killed run are harmless, but start clean.
    for d in [dir.to_path_buf(), dir.join("fw")] {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with(".digitnet-") {
                std::fs::remove_file(&p).unwrap();
            }
        }
    }
}

/// Which of the two states each file is in: `Some(false)` old, `Some(true)`
/// new; panics on a file that is neither (truncated, mixed, missing).
fn classify(
    dir: &Path,
    files: &[&str],
    old: &[Option<Vec<u8>>],
    new: &[Option<Vec<u8>>],
    when: &str,
) -> Vec<bool> {
    let now = snapshot(dir, files);
    files
        .iter()
        .zip(&now)
        .zip(old.iter().zip(new))
        .map(|((f, got), (o, n))| {
            if got == n {
                true
            } else if got == o {
                false
            } else {
                panic!(
                    "{when}: {f} is neither the old nor the new file ({:?} bytes)",
                    got.as_ref().map(Vec::len)
                )
            }
        })
        .collect()
}

/// A folder holding the old files of a scenario, and the new files' contents.
struct Scenario {
    dir: tempfile::TempDir,
    files: &'static [&'static str],
    old: Vec<Option<Vec<u8>>>,
    new: Vec<Option<Vec<u8>>>,
    args: Vec<String>,
    /// Commands that touch the group's folders, so they finish a journal.
    recover: Vec<Vec<String>>,
}

impl Scenario {
    /// `train --export` from seed 1's files to seed 2's.
    fn train() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fw")).unwrap();
        run_ok(dir.path(), &strs(&train_args("2")));
        let new = snapshot(dir.path(), &TRAIN_FILES);
        run_ok(dir.path(), &strs(&train_args("1")));
        let old = snapshot(dir.path(), &TRAIN_FILES);
        assert!(old.iter().zip(&new).all(|(o, n)| o.is_some() && o != n));
        // The model's folder (a journal there finishes the whole group), then
        // the sources' folder: a kill between removing the two journals
        // leaves one, of a finished group, which the next run there removes.
        let mut check = export_args();
        check.push("--check".into());
        let recover = vec![
            ["eval", "--model", "m.safetensors", "--data", &data()]
                .map(String::from)
                .to_vec(),
            check,
        ];
        Self {
            dir,
            files: &TRAIN_FILES,
            old,
            new,
            args: train_args("2"),
            recover,
        }
    }

    /// `export` of a model over the sources of another.
    fn export() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fw")).unwrap();
        run_ok(dir.path(), &strs(&train_args("3")));
        // The sources of seed 3's model, then seed 4's model in its place.
        let old = snapshot(dir.path(), &EXPORT_FILES);
        let mut args = train_args("4");
        args.truncate(args.len() - 3);
        run_ok(dir.path(), &strs(&args));
        run_ok(dir.path(), &strs(&export_args()));
        let new = snapshot(dir.path(), &EXPORT_FILES);
        assert!(old.iter().zip(&new).all(|(o, n)| o.is_some() && o != n));
        let mut check = export_args();
        check.push("--check".into());
        let recover = vec![check];
        Self {
            dir,
            files: &EXPORT_FILES,
            old,
            new,
            args: export_args(),
            recover,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn reset(&self) {
        restore(self.path(), self.files, &self.old);
    }

    /// Checks the files after an interruption, then after the recovery
    /// run; returns (each file new, before recovery) and whether all are new after.
    fn check(&self, when: &str) -> (Vec<bool>, bool) {
        let before = classify(self.path(), self.files, &self.old, &self.new, when);
        // `export --check` fails on stale files; only its recovery matters here.
        for args in &self.recover {
            let out = command(self.path(), &strs(args)).output().unwrap();
            assert!(
                !text(&out.stderr).contains("panicked"),
                "{when}: {}",
                text(&out.stderr)
            );
        }
        let after = classify(
            self.path(),
            self.files,
            &self.old,
            &self.new,
            &format!("{when}, after recovery"),
        );
        assert!(
            after.iter().all(|&n| n) || after.iter().all(|&n| !n),
            "{when}: a mixed group after recovery: {:?} (new = true)",
            self.files.iter().zip(&after).collect::<Vec<_>>()
        );
        let leftovers: Vec<PathBuf> = [self.path().to_path_buf(), self.path().join("fw")]
            .iter()
            .flat_map(|d| std::fs::read_dir(d).unwrap())
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().ends_with(".journal"))
            .collect();
        assert!(leftovers.is_empty(), "{when}: {leftovers:?}");
        (before, after[0])
    }
}

/// The process stops itself (no clean-up, as a kill) after each step of the
/// group write in turn: five temporary files, two journals, five renames,
/// two journals removed. Before the journals the old files stay; from the
/// first journal on the recovery run completes the new ones.
#[test]
fn train_export_stopped_after_every_step_of_the_write() {
    let sc = Scenario::train();
    let mut mixed_before_recovery = 0;
    for step in 1..=15 {
        sc.reset();
        let out = command(sc.path(), &strs(&sc.args))
            .env(digitnet::atomic::FAILPOINT_ENV, step.to_string())
            .output()
            .unwrap();
        let when = format!("stopped after step {step}");
        assert_eq!(out.status.success(), step == 15, "{when}: {:?}", out.status);
        let (before, all_new) = sc.check(&when);
        assert_eq!(all_new, step > 5, "{when}: {before:?}");
        if before.iter().any(|&n| n) && before.iter().any(|&n| !n) {
            mixed_before_recovery += 1;
        }
    }
    // The renames left the group half old, half new, four times (after
    // renames 1 to 4), and the next run made it whole.
    assert_eq!(mixed_before_recovery, 4);
}

/// Kills (SIGKILL) after pseudo-random delays spread from 40 % of an
/// uninterrupted run's time to 120 %. The files are written only at the end
/// of a run, so a kill earlier finds nothing begun (as one at 40 % does);
/// the kills go where the writing is, about as densely as 40 spread over the
/// whole run did (and the failpoint tests stop after every step of it).
fn kill_at_random(sc: &Scenario, iterations: u64) -> [usize; 2] {
    // How long an uninterrupted run takes here, to spread the kills over it.
    sc.reset();
    let start = Instant::now();
    run_ok(sc.path(), &strs(&sc.args));
    let whole = start.elapsed();
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut outcomes = [0; 2];
    for i in 0..iterations {
        sc.reset();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let delay = whole.mul_f64(0.4 + 0.8 * (x % 10_000) as f64 / 10_000.0);
        let mut child = command(sc.path(), &strs(&sc.args)).spawn().unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let (_, all_new) = sc.check(&format!("kill {i} after {delay:?}"));
        outcomes[usize::from(all_new)] += 1;
    }
    outcomes
}

#[test]
fn train_export_killed_at_random_moments() {
    let sc = Scenario::train();
    let [old, new] = kill_at_random(&sc, KILLS);
    eprintln!("train --export killed {KILLS} times: {old} left the old files, {new} the new ones");
}

#[test]
fn export_killed_at_random_moments_and_stopped_after_every_step() {
    let sc = Scenario::export();
    let [old, new] = kill_at_random(&sc, KILLS);
    eprintln!("export killed {KILLS} times: {old} left the old files, {new} the new ones");
    // Two temporary files, one journal (one folder), two renames, one removal.
    for step in 1..=7 {
        sc.reset();
        let out = command(sc.path(), &strs(&sc.args))
            .env(digitnet::atomic::FAILPOINT_ENV, step.to_string())
            .output()
            .unwrap();
        let when = format!("export stopped after step {step}");
        assert_eq!(out.status.success(), step == 7, "{when}");
        let (_, all_new) = sc.check(&when);
        assert_eq!(all_new, step > 2, "{when}");
    }
}
