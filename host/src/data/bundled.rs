//! The bundled MNIST files and the default model, built into the binary.
//!
//! With the `bundled` feature (on by default) the four gzipped MNIST files of
//! `data/mnist/` (11.4 MB) and the default model (95 KB, `data/default-model/`, a
//! copy of `models/mnist-784-30-10.safetensors` that no command writes)
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

/// The committed default model: `data/default-model/mnist-784-30-10.safetensors`,
/// a copy of `models/mnist-784-30-10.safetensors` kept where no command writes,
/// so that training never changes what the binary is built from.
pub const MODEL: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../data/default-model/mnist-784-30-10.safetensors"
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
        assert!(
            model == MODEL,
            "models/mnist-784-30-10.safetensors differs from the default model built in \
             (data/default-model/): restore it with `git checkout models/mnist-784-30-10.safetensors`"
        );
    }

    /// What the host's sources build in with `include_bytes!` / `include_str!`:
    /// the paths (relative to the repository) of `concat!(env!("CARGO_MANIFEST_DIR"), "/../…")`,
    /// a folder where the rest of the name is a macro argument.
    fn built_in() -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        let mut stack = vec![src];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                for (at, _) in code.match_indices("env!(\"CARGO_MANIFEST_DIR\")") {
                    let rest = &code[at..];
                    let literal = rest.split('"').nth(3).unwrap_or_default();
                    if let Some(rel) = literal.strip_prefix("/../") {
                        found.push(rel.to_owned());
                    }
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn the_build_reads_no_file_a_command_writes() {
        let built_in = built_in();
        assert_eq!(
            built_in,
            [
                "data/default-model/mnist-784-30-10.safetensors",
                "data/mnist/",
                "web/digitnet-web.wasm",
                "web/page.html"
            ],
            "the host's build reads a new file: is it one a command writes?"
        );
        for rel in &built_in {
            assert!(repo(rel).exists(), "{rel}");
            let written_by_a_command = rel.starts_with("models/")
                || rel.starts_with(crate::model::defaults::DEFAULT_FIRMWARE_SRC)
                || rel.starts_with(crate::export::web::DEFAULT_OUT);
            assert!(
                !written_by_a_command,
                "the host's build reads {rel}, which commands write: every `cargo run` \
                 after them would rebuild"
            );
        }
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
