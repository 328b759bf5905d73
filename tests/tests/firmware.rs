//! The firmware example, built and run in QEMU: every output must match the
//! host's bit for bit, and one inference must fit the stack budget.
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` target. Without
//! them the test says why on stderr and passes, unless
//! `DIGITNET_REQUIRE_FIRMWARE=1` is set (as in CI), where a missing tool fails.

use digitnet::export::{self, ExportOptions};
use digitnet::idx::{self, MnistFiles};
use digitnet::model;
use digitnet::train::{self, Splits, TrainConfig};
use digitnet_core::{Activation, Cost, Init};
use std::env;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Set to `1` to turn a missing tool into a failure rather than a skip.
const REQUIRE_VAR: &str = "DIGITNET_REQUIRE_FIRMWARE";
/// The firmware's target.
const TARGET: &str = "thumbv7em-none-eabihf";
/// Build plus run, including a first download of the firmware's dependencies.
const TIMEOUT: Duration = Duration::from_secs(300);
/// The most stack one inference may use, in bytes.
const STACK_LIMIT: usize = 2048;
/// Tells the firmware's build script where other generated sources are.
const SOURCES_VAR: &str = "DIGITNET_FIRMWARE_SOURCES";

#[test]
fn firmware_runs_bit_exact_in_qemu() {
    if skip("firmware_runs_bit_exact_in_qemu") {
        return;
    }
    check_firmware(None);
}

/// Chapter 3's other network — 100 ReLU hidden neurons, a softmax output — on
/// the device: trained briefly here, exported to a temporary folder, built
/// with `DIGITNET_FIRMWARE_SOURCES` pointing there, and bit-exact.
#[test]
fn relu_softmax_100_hidden_model_runs_bit_exact_in_qemu() {
    if skip("relu_softmax_100_hidden_model_runs_bit_exact_in_qemu") {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data = repo.join("data/mnist");
    let files = MnistFiles::in_dir(&data).unwrap();
    let train_set = idx::read_dataset(&files.train_images, &files.train_labels).unwrap();
    let test_set = idx::read_dataset(&files.test_images, &files.test_labels).unwrap();
    let config = TrainConfig {
        hidden: 100,
        activation: Activation::Relu,
        cost: Cost::LogLikelihood,
        init: Init::Scaled,
        eta: 0.1,
        epochs: 1,
        train_images: 5_000,
        ..TrainConfig::default()
    };
    let splits = Splits {
        train: &train_set,
        test: &test_set,
        validation: None,
    };
    let (net, _) = train::run_any(splits, &config, &mut |_| Ok(())).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("relu-softmax.safetensors");
    model::save_any(&model_path, &net, None).unwrap();
    let opts = ExportOptions {
        model: model_path,
        data: digitnet::data::DataSource::Dir(data),
        out_dir: dir.path().to_path_buf(),
        samples: 20,
    };
    export::write(&export::render(&opts).unwrap()).unwrap();
    let stdout = check_firmware(Some(dir.path()));
    assert!(
        stdout.contains("[784, 100, 10] relu hidden layer, softmax output, log-likelihood cost"),
        "{stdout}"
    );
}

/// Whether to skip a firmware test for want of a tool (said on stderr); fails
/// instead when `DIGITNET_REQUIRE_FIRMWARE` is set.
fn skip(test: &str) -> bool {
    let Some(why) = missing_tool() else {
        return false;
    };
    let required = env::var(REQUIRE_VAR).is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(!required, "{REQUIRE_VAR} is set but {why}");
    eprintln!("skipping {test}: {why} (set {REQUIRE_VAR}=1 to fail instead)");
    true
}

/// Builds and runs the firmware in QEMU — with the generated sources in
/// `sources`, or the committed ones — and checks that every sample is
/// bit-exact and the stack fits. Returns the firmware's output.
fn check_firmware(sources: Option<&Path>) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-example");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--release"])
        .current_dir(&dir)
        .env("CARGO_TERM_COLOR", "never");
    // What the outer `cargo test` set must not leak into the firmware's build:
    // it has its own target, flags, profile and target directory.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        let outer = [
            "RUSTFLAGS",
            "CARGO_ENCODED_RUSTFLAGS",
            "CARGO_BUILD_RUSTFLAGS",
            "CARGO_BUILD_TARGET",
            SOURCES_VAR,
        ]
        .contains(&key.as_ref())
            || ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"].contains(&key.as_ref())
            || key.starts_with("CARGO_PROFILE_");
        if outer {
            cmd.env_remove(key.as_ref());
        }
    }
    if let Some(sources) = sources {
        // A target folder of its own, so the committed model's build stays cached.
        cmd.env(SOURCES_VAR, sources)
            .env("CARGO_TARGET_DIR", dir.join("target/other-model"));
    }

    let run = run_with_timeout(cmd, TIMEOUT);
    let log = format!(
        "--- stdout\n{}\n--- stderr\n{}",
        run.stdout,
        tail(&run.stderr, 40)
    );
    assert!(
        !run.timed_out,
        "firmware did not finish within {TIMEOUT:?}\n{log}"
    );
    assert!(
        run.success,
        "`cargo run --release` in {} failed\n{log}",
        dir.display()
    );

    let (exact, count) = summary(&run.stdout)
        .unwrap_or_else(|| panic!("no `k/N correct, m/N bit-exact` summary\n{log}"));
    assert!(count > 0, "the firmware checked no samples\n{log}");
    assert_eq!(
        exact, count,
        "only {exact}/{count} samples bit-exact\n{log}"
    );

    let stack = stack_high_water(&run.stdout)
        .unwrap_or_else(|| panic!("no stack high-water figure\n{log}"));
    assert!(
        stack <= STACK_LIMIT,
        "one inference used {stack} bytes of stack, over {STACK_LIMIT}\n{log}"
    );
    run.stdout
}

/// Why the firmware cannot be built and run here, if it cannot.
fn missing_tool() -> Option<String> {
    if !on_path("qemu-system-arm") {
        return Some("qemu-system-arm is not on PATH (apt-get install qemu-system-arm)".into());
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let sysroot = Command::new(&rustc).args(["--print", "sysroot"]).output();
    let installed = match sysroot {
        Ok(out) if out.status.success() => {
            let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            root.join("lib/rustlib").join(TARGET).is_dir()
        }
        _ => {
            return Some(format!(
                "`{} --print sysroot` failed",
                rustc.to_string_lossy()
            ))
        }
    };
    if !installed {
        return Some(format!(
            "the {TARGET} target is not installed (rustup target add {TARGET})"
        ));
    }
    None
}

/// Whether an executable file `name` is in one of `PATH`'s directories.
fn on_path(name: &str) -> bool {
    let path = env::var_os("PATH").unwrap_or_default();
    env::split_paths(&path).any(|dir| dir.join(name).is_file())
}

/// What a finished (or stopped) command left behind.
struct Run {
    success: bool,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

/// Runs `cmd` with its output captured, killing it after `timeout`.
fn run_with_timeout(mut cmd: Command, timeout: Duration) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // A group of its own, so a timeout also stops the QEMU that cargo started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd.spawn().expect("start cargo");
    // Drain both pipes on threads, so a chatty build cannot fill one and stall.
    let out = drain(child.stdout.take());
    let err = drain(child.stderr.take());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for cargo") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            kill_group(&mut child);
            break None;
        }
        thread::sleep(Duration::from_millis(100));
    };
    let join = |h: thread::JoinHandle<String>| h.join().unwrap_or_default();
    Run {
        success: status.is_some_and(|s| s.success()),
        timed_out: status.is_none(),
        stdout: join(out),
        stderr: join(err),
    }
}

/// Reads a pipe to its end on a new thread.
fn drain<R: Read + Send + 'static>(pipe: Option<R>) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// Kills the child and, on Unix, every process in its group (cargo's QEMU).
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", group.as_str()])
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// `(m, N)` from the summary line `k/N correct, m/N bit-exact`.
fn summary(stdout: &str) -> Option<(usize, usize)> {
    stdout.lines().rev().find_map(|line| {
        let exact = line.trim().split(", ").nth(1)?.strip_suffix(" bit-exact")?;
        let (m, n) = exact.split_once('/')?;
        Some((m.parse().ok()?, n.parse().ok()?))
    })
}

/// `N` from `stack high-water during inference: N bytes ...`.
fn stack_high_water(stdout: &str) -> Option<usize> {
    stdout.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("stack high-water during inference: ")?;
        rest.split_once(" bytes")?.0.parse().ok()
    })
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[test]
fn parses_the_firmware_report() {
    let out = "stack high-water during inference: 360 bytes (limit 2048)\n\
               sample  0 (test #    3): label 0, predicted 6, outputs bit-exact\n\
               3/20 correct, 19/20 bit-exact\n";
    assert_eq!(summary(out), Some((19, 20)));
    assert_eq!(stack_high_water(out), Some(360));
    assert_eq!(summary("sample 0: outputs bit-exact\n"), None);
    let over = "stack high-water during inference: more than 16384 bytes (painted area exhausted)";
    assert_eq!(stack_high_water(over), None);
}
