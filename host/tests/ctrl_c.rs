//! Ctrl-C during `digitnet train`: the first stops the run after the epoch
//! under way and says so, the second ends it at once; either way the exit
//! status is 130 and no model (nor a temporary file) is left behind.

mod common;

use common::{repo, s, text};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Starts a long training run writing `out` and waits until `epochs` epochs
/// have finished.
fn start(out: &Path, epochs: usize) -> (Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_digitnet"))
        // About 0.1 s an epoch: time for a Ctrl-C to land inside one.
        .args([
            "train",
            "--preset",
            "best",
            "--epochs",
            "1000",
            "--train-images",
            "20000",
        ])
        .args(["--threads", "1", "--out", s(out)])
        .current_dir(repo())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run digitnet");
    let mut lines = Vec::new();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        let line = line.unwrap();
        let done = line.starts_with(&format!("Epoch {epochs}:"));
        lines.push(line);
        if done {
            break;
        }
    }
    (child, lines)
}

/// Sends SIGINT, as Ctrl-C in a terminal does.
fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Nothing in `dir` but what the test put there.
fn assert_nothing_written(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_after_the_epoch_says_so_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let (child, _) = start(&out, 2);
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: stopping after this epoch (Ctrl-C again to stop at once)"),
        "{stderr}"
    );
    let said = stderr
        .lines()
        .find(|l| l.starts_with("digitnet: error: interrupted in epoch "))
        .unwrap_or_else(|| panic!("{stderr}"));
    // The epoch under way when Ctrl-C came: the third, or one just after.
    let epoch: usize = said["digitnet: error: interrupted in epoch ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!((3..=20).contains(&epoch), "{said}");
    assert!(said.contains(" of 1000; no model was written"), "{said}");
    assert_nothing_written(dir.path());
}

#[cfg(unix)]
#[test]
fn a_second_ctrl_c_stops_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.safetensors");
    let (child, _) = start(&out, 1);
    interrupt(&child);
    // The second press before the epoch under way can finish.
    std::thread::sleep(Duration::from_millis(20));
    let sent = Instant::now();
    interrupt(&child);
    let output = child.wait_with_output().unwrap();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(sent.elapsed() < Duration::from_secs(5), "{stderr}");
    assert!(
        stderr.contains("interrupted again: stopped at once; nothing was written"),
        "{stderr}"
    );
    assert!(!stderr.contains("interrupted in epoch"), "{stderr}");
    assert_nothing_written(dir.path());
}
