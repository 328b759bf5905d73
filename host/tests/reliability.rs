//! A closed standard output, a diverging run: the work is kept, or nothing
//! is written, and never a panic.

mod common;

use common::{repo, s, text};
use std::process::{Command, Stdio};

fn data() -> String {
    repo().join("data/mnist").display().to_string()
}

/// `digitnet train | head -1`: the pipe closes early; the run
/// goes on and saves the same model as a run whose output is read.
#[test]
fn train_into_a_closed_pipe_still_saves_its_model() {
    let dir = tempfile::tempdir().unwrap();
    let (piped, read) = (
        dir.path().join("piped.safetensors"),
        dir.path().join("read.safetensors"),
    );
    let args = |out: &std::path::Path| {
        vec![
            "train".to_owned(),
            "--epochs".into(),
            "3".into(),
            "--train-images".into(),
            "3000".into(),
            "--data".into(),
            data(),
            "--out".into(),
            s(out).to_owned(),
        ]
    };
    // The reading end is closed at once (as `head -1` closes it after a
    // line), before the first epoch: every line after this one fails.
    finishes_into_a_closed_pipe(Command::new(env!("CARGO_BIN_EXE_digitnet")).args(args(&piped)));
    let whole = Command::new(env!("CARGO_BIN_EXE_digitnet"))
        .args(args(&read))
        .output()
        .unwrap();
    assert!(whole.status.success());
    assert!(text(&whole.stdout).contains("Epoch 3: "));
    assert_eq!(
        std::fs::read(&piped).unwrap(),
        std::fs::read(&read).unwrap()
    );
}

/// `digitnet eval | head -2`: no panic, and the exit status of a finished run.
#[test]
fn eval_into_a_closed_pipe_finishes_quietly() {
    finishes_into_a_closed_pipe(
        Command::new(env!("CARGO_BIN_EXE_digitnet"))
            .args(["eval", "--data", &data()])
            .current_dir(repo()),
    );
}

/// A real run at eta 1e6 (and 1e30) is stopped in epoch 1: exit status 1,
/// no model, no sources; the metrics and plot show the epoch and why.
#[test]
fn a_diverging_run_writes_no_model_and_says_why_in_the_metrics() {
    for eta in ["1e6", "1e30"] {
        let dir = tempfile::tempdir().unwrap();
        let fw = dir.path().join("fw");
        std::fs::create_dir(&fw).unwrap();
        let (model, metrics, plot) = (
            dir.path().join("m.safetensors"),
            dir.path().join("metrics.jsonl"),
            dir.path().join("plot.svg"),
        );
        let out = Command::new(env!("CARGO_BIN_EXE_digitnet"))
            .args([
                "train",
                "--eta",
                eta,
                "--data",
                &data(),
                "--out",
                s(&model),
                "--metrics",
                s(&metrics),
                "--plot",
                s(&plot),
                "--export",
                "--export-dir",
                s(&fw),
            ])
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("training stopped in epoch 1"), "{stderr}");
        assert!(stderr.contains("try a smaller --eta"), "{stderr}");
        assert!(!model.exists());
        assert_eq!(std::fs::read_dir(&fw).unwrap().count(), 0);
        let lines: Vec<serde_json::Value> = std::fs::read_to_string(&metrics)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["epoch"], 1);
        assert_eq!(lines[0]["stopped"], "same outputs for every image");
        assert!(std::fs::read_to_string(&plot).unwrap().contains("<svg"));
    }
}

/// Runs `cmd` with its standard output a pipe whose reading end is closed at
/// once: it must finish successfully, without a panic.
fn finishes_into_a_closed_pipe(cmd: &mut Command) {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
