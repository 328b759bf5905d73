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

#[test]
fn eval_json_says_what_the_text_says() {
    let text_report = text(&digitnet_ok(&["eval"]).stdout);
    let json: serde_json::Value =
        serde_json::from_slice(&digitnet_ok(&["eval", "--json"]).stdout).unwrap();
    let correct = json["correct"].as_u64().unwrap();
    let total = json["total"].as_u64().unwrap();
    assert!(
        text_report.contains(&format!("\naccuracy: {correct} / {total} (")),
        "{json}\n{text_report}"
    );
    let device = json["device"]["correct"].as_u64().unwrap();
    assert!(
        text_report.contains(&format!("): {device} / {total} correct")),
        "{json}"
    );
    let confusion = json["confusion"].as_array().unwrap();
    assert_eq!(confusion.len(), 10);
    let diagonal: u64 = (0..10).map(|d| confusion[d][d].as_u64().unwrap()).sum();
    assert_eq!(diagonal, correct);
    assert_eq!(json["per_class"].as_array().unwrap().len(), 10);
    assert_eq!(json["test_images"], total);
    let int8: serde_json::Value =
        serde_json::from_slice(&digitnet_ok(&["eval", "--json", "--quantize", "int8"]).stdout)
            .unwrap();
    assert_eq!(int8["quantize"], "int8");
    assert_eq!(int8["f32_correct"], correct);
    assert!(int8.get("device").is_none(), "{int8}");
}
