//! Watching `digitnet train`: the `--plot` chart, and the progress bar drawn
//! only when standard error is a terminal.

mod common;

use common::{digitnet, digitnet_ok, harness, s, text};
use std::process::Command;

/// `script` (util-linux), which gives the program a terminal;
/// `DIGITNET_REQUIRE_TERMINAL` (as `.ci/run` sets it) turns its absence into
/// a failure.
static TERMINAL: harness::Tool =
    harness::Tool::new("needs script", "DIGITNET_REQUIRE_TERMINAL", missing_script);

fn main() {
    harness::run(vec![
        harness::test(
            "plot_draws_test_and_validation_accuracy",
            plot_draws_test_and_validation_accuracy,
        ),
        harness::test(
            "a_plot_name_without_svg_or_png_fails_before_training",
            a_plot_name_without_svg_or_png_fails_before_training,
        ),
        harness::test(
            "without_a_terminal_there_is_no_bar",
            without_a_terminal_there_is_no_bar,
        ),
        TERMINAL.test(
            "on_a_terminal_the_bar_shows_examples_per_second",
            on_a_terminal_the_bar_shows_examples_per_second,
        ),
    ]);
}

/// Why no terminal can be made here, if none can.
fn missing_script() -> Option<String> {
    match Command::new("script").arg("--version").output() {
        Err(_) => {
            Some("`script` (util-linux) is not installed, so no terminal can be made".to_owned())
        }
        Ok(_) => None,
    }
}

fn plot_draws_test_and_validation_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let svg = dir.path().join("acc.svg");
    let out = digitnet(&[
        "train",
        "--epochs",
        "3",
        "--train-images",
        "3000",
        "--validation",
        "--out",
        s(&model),
        "--plot",
        s(&svg),
    ]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains(&format!("plot: {}", s(&svg))), "{stdout}");
    let chart = std::fs::read_to_string(&svg).unwrap();
    for t in [
        "Accuracy per epoch: [784, 30, 10] sigmoid network, quadratic cost",
        "epoch",
        "accuracy (%)",
        "test",
        "validation",
    ] {
        assert!(chart.contains(t), "{t} not in the chart");
    }
    // One marker per epoch and series: 3 test + 3 validation (+ none in the legend).
    assert_eq!(chart.matches("<circle").count(), 6, "{chart}");

    let png = dir.path().join("acc.png");
    digitnet_ok(&[
        "train",
        "--epochs",
        "2",
        "--train-images",
        "2000",
        "--out",
        s(&model),
        "--plot",
        s(&png),
    ]);
    let img = image::open(&png).unwrap();
    assert_eq!((img.width(), img.height()), (800, 500));
}

fn a_plot_name_without_svg_or_png_fails_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let out = digitnet(&[
        "train",
        "--out",
        s(&model),
        "--plot",
        s(&dir.path().join("acc.gif")),
    ]);
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("acc.gif: a picture's name must end in .svg or .png"),
        "{stderr}"
    );
    assert!(text(&out.stdout).is_empty(), "training started");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Without a terminal (as here, and in CI) the output is the plain lines,
/// and nothing at all goes to standard error.
fn without_a_terminal_there_is_no_bar() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let out = digitnet(&[
        "train",
        "--epochs",
        "2",
        "--train-images",
        "2000",
        "--out",
        s(&model),
    ]);
    assert!(out.status.success());
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let epochs: Vec<&str> = stdout.lines().filter(|l| l.starts_with("Epoch ")).collect();
    assert_eq!(epochs.len(), 2, "{stdout}");
    assert!(!stdout.contains("examples/s"), "{stdout}");
}

/// On a terminal the bar counts the examples of each epoch and their rate.
/// Needs `script` (util-linux) to give the program a terminal; ignored
/// without it, unless `DIGITNET_REQUIRE_TERMINAL` is set (as `.ci/run` does).
fn on_a_terminal_the_bar_shows_examples_per_second() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.safetensors");
    let command = format!(
        "{} train --epochs 2 --train-images 20000 --out {}",
        env!("CARGO_BIN_EXE_digitnet"),
        s(&model)
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(common::repo())
        .output()
        .unwrap();
    let screen = text(&out.stdout);
    assert!(out.status.success(), "{screen}");
    assert!(screen.contains("epoch 1/2 ["), "{screen}");
    assert!(screen.contains("/20,000 examples, "), "{screen}");
    assert!(screen.contains(" examples/s"), "{screen}");
    assert!(screen.contains("Epoch 2: "), "{screen}");
    assert!(model.exists());
}
