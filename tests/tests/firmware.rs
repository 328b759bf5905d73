//! The firmware example, built and run in QEMU in each of its variants —
//! f32 on the Cortex-M4F (`netduinoplus2`), int8 on the Cortex-M4F, int8 on
//! the Cortex-M0 (`microbit`) — for the committed model and for networks of
//! other widths and neurons trained here: every output must match the host's
//! bit for bit, the assembly kernel its plain-Rust twin, and one inference
//! must fit the stack budget (the M0's whole run its 4 KiB of RAM).
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` and
//! `thumbv6m-none-eabi` targets. Without them the test says why on stderr
//! and passes, unless `DIGITNET_REQUIRE_FIRMWARE=1` is set (as in CI), where
//! a missing tool fails.

use digitnet::data::idx::{self, MnistFiles};
use digitnet::export::{self, ExportOptions, Quantize};
use digitnet::model;
use digitnet::training::{self, Splits, TrainConfig};
use digitnet_core::{Activation, Cost, Init};
use std::env;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// Set to `1` to turn a missing tool into a failure rather than a skip.
const REQUIRE_VAR: &str = "DIGITNET_REQUIRE_FIRMWARE";
/// The firmware's targets: the Cortex-M4F (default) and the Cortex-M0.
const TARGETS: [&str; 2] = ["thumbv7em-none-eabihf", M0];
/// The Cortex-M0 target (int8 only).
const M0: &str = "thumbv6m-none-eabi";
/// Build plus run, including a first download of the firmware's dependencies.
const TIMEOUT: Duration = Duration::from_secs(600);
/// The most stack one inference of the committed `[784, 30, 10]` network may
/// use, in bytes (wider networks get 8 bytes more per hidden neuron).
const STACK_LIMIT: usize = 1024;
/// Tells the firmware's build script where other generated sources are.
const SOURCES_VAR: &str = "DIGITNET_FIRMWARE_SOURCES";

/// One way to build the firmware.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    /// `cargo run --release`: f32 on the Cortex-M4F.
    F32,
    /// `cargo run --release --features int8`: int8 on the Cortex-M4F.
    Int8,
    /// `cargo run --release --target thumbv6m-none-eabi`: int8 on the Cortex-M0.
    Int8M0,
}

impl Variant {
    const ALL: [Variant; 3] = [Variant::F32, Variant::Int8, Variant::Int8M0];

    /// The arguments after `cargo run --release`.
    fn args(self) -> &'static [&'static str] {
        match self {
            Variant::F32 => &[],
            Variant::Int8 => &["--features", "int8"],
            Variant::Int8M0 => &["--target", M0],
        }
    }

    /// What the firmware's report says about the variant.
    fn report(self) -> &'static str {
        match self {
            Variant::F32 => "variant: f32, order pixel-major-v1",
            Variant::Int8 | Variant::Int8M0 => "variant: int8, order int8-pixel-major-v2",
        }
    }
}

#[test]
fn firmware_runs_bit_exact_in_qemu() {
    if skip("firmware_runs_bit_exact_in_qemu") {
        return;
    }
    check_firmware(None, Variant::F32);
}

#[test]
fn int8_firmware_runs_bit_exact_on_the_cortex_m4f() {
    if skip("int8_firmware_runs_bit_exact_on_the_cortex_m4f") {
        return;
    }
    check_firmware(None, Variant::Int8);
}

#[test]
fn int8_firmware_runs_bit_exact_on_the_cortex_m0_in_4_kib() {
    if skip("int8_firmware_runs_bit_exact_on_the_cortex_m0_in_4_kib") {
        return;
    }
    let stdout = check_firmware(None, Variant::Int8M0);
    let (used, size) = ram(&stdout).unwrap_or_else(|| panic!("no RAM figure\n{stdout}"));
    assert_eq!(size, 4096, "{stdout}");
    assert!(used <= size, "{stdout}");
}

/// Chapter 3's other network — 100 ReLU hidden neurons, a softmax output — on
/// the device: trained briefly here, exported to a temporary folder (f32 and
/// int8), built with `DIGITNET_FIRMWARE_SOURCES` pointing there, and
/// bit-exact. (At 100 hidden neurons the int8 weights alone are 79 KB, more
/// than the Cortex-M0 variant's 64 KiB of flash.)
#[test]
fn relu_softmax_100_hidden_model_runs_bit_exact_in_qemu() {
    if skip("relu_softmax_100_hidden_model_runs_bit_exact_in_qemu") {
        return;
    }
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
    let dir = train_and_export(&config);
    for variant in [Variant::F32, Variant::Int8] {
        let stdout = check_firmware(Some((dir.path(), "relu-softmax-100")), variant);
        assert!(
            stdout
                .contains("[784, 100, 10] relu hidden layer, softmax output, log-likelihood cost"),
            "{stdout}"
        );
    }
}

/// The other kernel block sizes and the cross-entropy cost: 16 sigmoid hidden
/// neurons (one block of 16) and 10 (one block of 10), on every variant.
#[test]
fn sigmoid_cross_entropy_16_and_10_hidden_models_run_bit_exact_in_qemu() {
    if skip("sigmoid_cross_entropy_16_and_10_hidden_models_run_bit_exact_in_qemu") {
        return;
    }
    for hidden in [16, 10] {
        let config = TrainConfig {
            hidden,
            cost: Cost::CrossEntropy,
            init: Init::Scaled,
            eta: 0.5,
            epochs: 1,
            train_images: 5_000,
            ..TrainConfig::default()
        };
        let dir = train_and_export(&config);
        for variant in Variant::ALL {
            let stdout = check_firmware(Some((dir.path(), "sigmoid-cross-entropy")), variant);
            let want = format!("[784, {hidden}, 10] sigmoid network, cross-entropy cost");
            assert!(stdout.contains(&want), "{stdout}");
        }
    }
}

/// Trains `config` on the bundled MNIST and exports the model, f32 and int8,
/// into a new temporary folder.
fn train_and_export(config: &TrainConfig) -> tempfile::TempDir {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let data = repo.join("data/mnist");
    let files = MnistFiles::in_dir(&data).unwrap();
    let train_set = idx::read_dataset(&files.train_images, &files.train_labels).unwrap();
    let test_set = idx::read_dataset(&files.test_images, &files.test_labels).unwrap();
    let splits = Splits {
        train: &train_set,
        test: &test_set,
        validation: None,
    };
    let (net, _) = training::run(splits, config, &mut |_| Ok(()), &|_| {}).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("model.safetensors");
    model::save_any(&model_path, &net, None).unwrap();
    for quantize in [None, Some(Quantize::Int8)] {
        let opts = ExportOptions {
            model: model_path.clone(),
            data: digitnet::data::DataSource::Dir(data.clone()),
            out_dir: dir.path().to_path_buf(),
            samples: 20,
            quantize,
        };
        export::write(&export::render(&opts).unwrap()).unwrap();
    }
    dir
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
/// `sources` (built in a target folder of that name), or the committed
/// ones — as `variant`, and checks that every
/// sample is bit-exact, the kernel agrees with its twin and the stack fits.
/// Returns the firmware's output.
fn check_firmware(sources: Option<(&Path, &str)>, variant: Variant) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-example");
    // `cargo` from PATH (rustup's proxy, where there is one), so that the
    // firmware's pinned toolchain (`rust-toolchain.toml`) is the one used.
    let mut cmd = Command::new("cargo");
    cmd.args(["run", "--release"])
        .args(variant.args())
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
            "RUSTUP_TOOLCHAIN",
            "RUSTC",
            "RUSTDOC",
            "RUSTC_WRAPPER",
            SOURCES_VAR,
        ]
        .contains(&key.as_ref())
            || ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"].contains(&key.as_ref())
            || key.starts_with("CARGO_PROFILE_");
        if outer {
            cmd.env_remove(key.as_ref());
        }
    }
    if let Some((sources, name)) = sources {
        // A target folder of its own, so the committed model's build stays
        // cached; one per test, so tests running at once do not share one.
        cmd.env(SOURCES_VAR, sources).env(
            "CARGO_TARGET_DIR",
            dir.join("target/other-model").join(name),
        );
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
    assert!(run.stdout.contains(variant.report()), "{log}");
    let twins = format!("kernel and plain-Rust twin agree bit for bit on {count}/{count} samples");
    assert!(run.stdout.contains(&twins), "{log}");

    let (stack, limit) = stack_high_water(&run.stdout)
        .unwrap_or_else(|| panic!("no stack high-water figure\n{log}"));
    assert!(
        stack <= limit,
        "one inference used {stack} bytes of stack, over {limit}\n{log}"
    );
    if sources.is_none() {
        assert_eq!(limit, STACK_LIMIT, "{log}");
    }
    run.stdout
}

/// Why the firmware cannot be built and run here, if it cannot.
///
/// The targets are looked for in the firmware's own toolchain (pinned by
/// its `rust-toolchain.toml`), as `cargo run` in its folder sees it.
fn missing_tool() -> Option<String> {
    if !on_path("qemu-system-arm") {
        return Some("qemu-system-arm is not on PATH (apt-get install qemu-system-arm)".into());
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-example");
    let mut rustc = Command::new("rustc");
    rustc.args(["--print", "sysroot"]).current_dir(&dir);
    for key in ["RUSTC", "RUSTUP_TOOLCHAIN", "RUSTC_WRAPPER"] {
        rustc.env_remove(key);
    }
    let sysroot = match rustc.output() {
        Ok(out) if out.status.success() => {
            PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
        }
        _ => return Some("`rustc --print sysroot` failed in firmware-example/".into()),
    };
    for target in TARGETS {
        if !sysroot.join("lib/rustlib").join(target).is_dir() {
            return Some(format!(
                "the {target} target is not installed for the firmware's toolchain (rustup target add {target})"
            ));
        }
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

/// `(N, L)` from `stack high-water during inference: N bytes (limit L)`.
fn stack_high_water(stdout: &str) -> Option<(usize, usize)> {
    stdout.lines().find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix("stack high-water during inference: ")?;
        let (n, rest) = rest.split_once(" bytes (limit ")?;
        Some((n.parse().ok()?, rest.strip_suffix(')')?.parse().ok()?))
    })
}

/// `(used, size)` from `RAM: … = USED of SIZE bytes`.
fn ram(stdout: &str) -> Option<(usize, usize)> {
    stdout.lines().find_map(|line| {
        let rest = line.trim().strip_prefix("RAM: ")?;
        let (_, tail) = rest.rsplit_once(" = ")?;
        let (used, size) = tail.strip_suffix(" bytes")?.split_once(" of ")?;
        Some((used.parse().ok()?, size.parse().ok()?))
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
    assert_eq!(stack_high_water(out), Some((360, 2048)));
    assert_eq!(summary("sample 0: outputs bit-exact\n"), None);
    let over = "stack high-water during inference: more than the painted area";
    assert_eq!(stack_high_water(over), None);
    let ram_line =
        "RAM: 8 bytes of statics + 1140 bytes of stack at most (whole run) = 1148 of 4096 bytes";
    assert_eq!(ram(ram_line), Some((1148, 4096)));
    assert_eq!(ram("RAM: 8 bytes"), None);
}
