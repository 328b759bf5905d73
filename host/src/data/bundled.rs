//! The bundled MNIST files and the default model, built into the binary.
//!
//! With the `bundled` feature (on by default) the four gzipped MNIST files of
//! `data/mnist/` (11.4 MB) and `models/mnist-784-30-10.safetensors` (95 KB)
//! are compiled in with `include_bytes!`, so a `digitnet` installed with
//! `cargo install --path host` trains and predicts from any folder, without a
//! checkout. They are used only when `--data` / `--model` are not given and
//! the files are not found in the current folder (see [`crate::model::defaults`]).

/// One bundled MNIST file: its standard name and its gzipped bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct BundledFile {
    /// The file's name in `data/mnist/`, e.g. `t10k-images-idx3-ubyte.gz`.
    pub name: &'static str,
    /// Its bytes, as committed.
    pub bytes: &'static [u8],
}

macro_rules! mnist_file {
    ($name:literal) => {
        BundledFile {
            name: $name,
            bytes: include_bytes!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../data/mnist/",
                $name
            )),
        }
    };
}

/// `train-images-idx3-ubyte.gz`.
pub(crate) const TRAIN_IMAGES: BundledFile = mnist_file!("train-images-idx3-ubyte.gz");
/// `train-labels-idx1-ubyte.gz`.
pub(crate) const TRAIN_LABELS: BundledFile = mnist_file!("train-labels-idx1-ubyte.gz");
/// `t10k-images-idx3-ubyte.gz`.
pub(crate) const TEST_IMAGES: BundledFile = mnist_file!("t10k-images-idx3-ubyte.gz");
/// `t10k-labels-idx1-ubyte.gz`.
pub(crate) const TEST_LABELS: BundledFile = mnist_file!("t10k-labels-idx1-ubyte.gz");

/// The committed default model, `models/mnist-784-30-10.safetensors`.
pub const MODEL: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../models/mnist-784-30-10.safetensors"
));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx;
    use std::path::Path;

    fn repo(rel: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel)
    }

    #[test]
    fn bundled_bytes_are_the_committed_files() {
        for f in [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS] {
            let on_disk = std::fs::read(repo("data/mnist").join(f.name)).unwrap();
            assert!(on_disk == f.bytes, "{}", f.name);
        }
        let model = std::fs::read(repo("models/mnist-784-30-10.safetensors")).unwrap();
        assert!(model == MODEL);
    }

    #[test]
    fn bundled_test_set_parses_and_has_the_known_hash() {
        let labels = idx::parse_labels(TEST_LABELS.bytes, Path::new(TEST_LABELS.name)).unwrap();
        assert_eq!(labels.len(), 10_000);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(TEST_LABELS.name);
        std::fs::write(&path, TEST_LABELS.bytes).unwrap();
        let expected = idx::MNIST_SHA256
            .iter()
            .find(|(n, _)| *n == "t10k-labels-idx1-ubyte")
            .unwrap()
            .1;
        assert_eq!(idx::content_sha256(&path).unwrap(), expected);
    }
}
