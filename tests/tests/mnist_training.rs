//! Training on the bundled MNIST files through the host's loop.

use digitnet::data::idx::{self, MnistFiles};
use digitnet::training::{self, Splits, TrainConfig};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../data/mnist")
}

#[test]
fn one_epoch_reaches_85_percent() {
    let files = MnistFiles::in_dir(&data_dir()).unwrap();
    let train_set = idx::read_dataset(&files.train_images, &files.train_labels).unwrap();
    let test_set = idx::read_dataset(&files.test_images, &files.test_labels).unwrap();
    let config = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let splits = Splits {
        train: &train_set,
        test: &test_set,
        validation: None,
    };
    let (_, reports) = training::run(
        splits,
        &config,
        &mut |r| {
            eprintln!(
                "epoch {}: {} / {} in {:.2} s",
                r.epoch, r.correct, r.total, r.train_seconds
            );
            Ok(())
        },
        &|_| {},
    )
    .unwrap();
    let last = &reports[0];
    assert_eq!(last.total, 10_000);
    assert!(
        last.correct >= 8_500,
        "only {} / 10000 after one epoch",
        last.correct
    );
}
