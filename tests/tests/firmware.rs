//! The firmware example, built and run in QEMU in each of its variants —
//! f32 on the Cortex-M4F (`netduinoplus2`), int8 on the Cortex-M4F, int8 on
//! the Cortex-M0 (`microbit`) — for the committed model and for networks of
//! other widths and neurons trained here: every output must match the host's
//! bit for bit, the assembly kernel its plain-Rust twin, and one inference
//! must fit the stack budget (the M0's whole run its 4 KiB of RAM).
//!
//! Needs `qemu-system-arm` and the `thumbv7em-none-eabihf` and
//! `thumbv6m-none-eabi` targets. Without them the cases that run the
//! firmware are reported as ignored, saying why, unless
//! `DIGITNET_REQUIRE_FIRMWARE=1` is set (as in CI), where a missing tool
//! fails. (The harness: `host/tests/common/harness.rs`, shared with `host`'s
//! test binaries by path, as it needs nothing from either crate.)
//!
//! The networks trained here are exported into a folder of their own under
//! `firmware-example/target/other-model/`, rewriting only the files whose
//! contents changed (training and export are deterministic), so a second run
//! finds the firmware built for them and only runs it.

#[path = "../../host/tests/common/harness.rs"]
mod harness;
mod support;

use digitnet::export::{self, ExportOptions, Quantize};
use digitnet::model;
use digitnet::training::TrainConfig;
use digitnet_core::{Cost, Init};
use std::env;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

/// QEMU and the firmware's targets; `DIGITNET_REQUIRE_FIRMWARE=1` turns
/// their absence into a failure.
static QEMU: harness::Tool =
    harness::Tool::new("needs QEMU", "DIGITNET_REQUIRE_FIRMWARE", missing_tool);
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

fn main() {
    harness::run(vec![
        QEMU.test(
            "firmware_runs_bit_exact_in_qemu",
            firmware_runs_bit_exact_in_qemu,
        ),
        QEMU.test(
            "int8_firmware_runs_bit_exact_on_the_cortex_m4f",
            int8_firmware_runs_bit_exact_on_the_cortex_m4f,
        ),
        QEMU.test(
            "int8_firmware_runs_bit_exact_on_the_cortex_m0_in_4_kib",
            int8_firmware_runs_bit_exact_on_the_cortex_m0_in_4_kib,
        ),
        QEMU.test(
            "relu_softmax_100_hidden_model_runs_bit_exact_in_qemu",
            relu_softmax_100_hidden_model_runs_bit_exact_in_qemu,
        ),
        QEMU.test(
            "sigmoid_cross_entropy_16_and_10_hidden_models_run_bit_exact_in_qemu",
            sigmoid_cross_entropy_16_and_10_hidden_models_run_bit_exact_in_qemu,
        ),
        harness::test("parses_the_firmware_report", parses_the_firmware_report),
    ]);
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

fn firmware_runs_bit_exact_in_qemu() {
    check_firmware(None, Variant::F32);
}

fn int8_firmware_runs_bit_exact_on_the_cortex_m4f() {
    check_firmware(None, Variant::Int8);
}

fn int8_firmware_runs_bit_exact_on_the_cortex_m0_in_4_kib() {
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
fn relu_softmax_100_hidden_model_runs_bit_exact_in_qemu() {
    let config = TrainConfig {
        epochs: 1,
        train_images: 5_000,
        ..support::relu_softmax(100)
    };
    let name = "relu-softmax-100";
    let sources = train_and_export(&config, name);
    for variant in [Variant::F32, Variant::Int8] {
        let stdout = check_firmware(Some((&sources, name)), variant);
        assert!(
            stdout
                .contains("[784, 100, 10] relu hidden layer, softmax output, log-likelihood cost"),
            "{stdout}"
        );
    }
}

/// The other kernel block sizes and the cross-entropy cost: 16 sigmoid hidden
/// neurons (one block of 16) and 10 (one block of 10), on every variant.
fn sigmoid_cross_entropy_16_and_10_hidden_models_run_bit_exact_in_qemu() {
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
        // A folder per width, so that both builds stay cached.
        let name = format!("sigmoid-cross-entropy-{hidden}");
        let sources = train_and_export(&config, &name);
        for variant in Variant::ALL {
            let stdout = check_firmware(Some((&sources, &name)), variant);
            let want = format!("[784, {hidden}, 10] sigmoid network, cross-entropy cost");
            assert!(stdout.contains(&want), "{stdout}");
        }
    }
}

/// Trains `config` on the bundled MNIST and exports the model, f32 and int8,
/// into `firmware-example/target/other-model/NAME/sources` (returned),
/// writing only the files whose contents changed, so that the firmware's
/// build script, which watches that folder's files, reruns only then.
fn train_and_export(config: &TrainConfig, name: &str) -> PathBuf {
    let mnist = support::mnist();
    let net = support::train(config, mnist);
    let sources = firmware_dir()
        .join("target/other-model")
        .join(name)
        .join("sources");
    fs::create_dir_all(&sources).unwrap();
    // Written first into a new folder, then copied where they differ.
    let staging = tempfile::tempdir().unwrap();
    let staged_model = staging.path().join("model.safetensors");
    model::save_any(&staged_model, &net, None).unwrap();
    let model_path = sources.join("model.safetensors");
    update(&staged_model, &model_path);
    for quantize in [None, Some(Quantize::Int8)] {
        let opts = ExportOptions {
            // The model's path is named in the generated headers: the stable one.
            model: model_path.clone(),
            data: digitnet::data::DataSource::Dir(support::data_dir()),
            out_dir: staging.path().to_path_buf(),
            samples: 20,
            quantize,
        };
        export::write(&export::render(&opts).unwrap()).unwrap();
    }
    for file in ["model.rs", "samples.rs", "model_int8.rs", "samples_int8.rs"] {
        update(&staging.path().join(file), &sources.join(file));
    }
    sources
}

/// Copies `from` over `to` unless `to` already holds the same bytes.
fn update(from: &Path, to: &Path) {
    let new = fs::read(from).unwrap();
    if fs::read(to).ok().as_deref() != Some(&new[..]) {
        fs::write(to, new).unwrap();
    }
}

/// The firmware example's folder.
fn firmware_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../firmware-example")
}

/// Builds and runs the firmware in QEMU — with the generated sources in
/// `sources` (built in a target folder of that name), or the committed
/// ones — as `variant`, and checks that every
/// sample is bit-exact, the kernel agrees with its twin and the stack fits.
/// Returns the firmware's output.
fn check_firmware(sources: Option<(&Path, &str)>, variant: Variant) -> String {
    let dir = firmware_dir();
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
        // cached; one per model, so tests running at once do not share one
        // and each model's build stays cached too.
        cmd.env(SOURCES_VAR, sources).env(
            "CARGO_TARGET_DIR",
            dir.join("target/other-model").join(name),
        );
    }

    let run = if sources.is_none() {
        // The f32 and int8 builds for the Cortex-M4F leave their binary at
        // the same path of the shared target folder: one `cargo run` there
        // at a time, so that none runs the other's binary.
        static COMMITTED: Mutex<()> = Mutex::new(());
        let _one_at_a_time = COMMITTED.lock().unwrap_or_else(PoisonError::into_inner);
        run_with_timeout(cmd, TIMEOUT)
    } else {
        run_with_timeout(cmd, TIMEOUT)
    };
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
    let dir = firmware_dir();
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
