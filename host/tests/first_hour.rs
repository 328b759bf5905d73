//! Small things a new user meets in the first hour, each checked end to end.

mod common;

use common::{digitnet_ok, text};

#[test]
fn eval_says_the_accuracy_before_the_device_line() {
    let out = digitnet_ok(&["eval"]);
    let report = text(&out.stdout);
    let accuracy = report.find("\naccuracy: ").expect("accuracy line");
    let device = report.find("\non the device (f32").expect("device line");
    assert!(accuracy < device, "{report}");
    // The device line comes last, after the confusion matrix.
    assert!(report
        .trim_end()
        .lines()
        .last()
        .unwrap()
        .starts_with("on the device (f32"));
}
