//! What a command reads and writes when a flag is not given, inside a
//! checkout of the repository and outside one.
//!
//! Paths are relative to the current folder, so in the repository's root
//! everything works as it always has: the data in `data/mnist`, the model in
//! `models/`, the firmware's sources in `firmware-example/src`. Elsewhere
//! (say, after `cargo install --path host`):
//!
//! | what | looked for, in order |
//! |---|---|
//! | data (`--data`) | `data/mnist/`, then the MNIST built into the binary |
//! | model read by `predict`, `eval`, `inspect`, `web` (`--model`) | `models/mnist-784-30-10.safetensors`, then `mnist-784-30-10.safetensors`, then the default model built into the binary |
//! | model read by `export` (`--model`) | the same files, but not the built-in model: the generated sources name a file |
//! | model written by `train` (`--out`) | `models/mnist-784-30-10.safetensors` if a `models/` folder is here, else `mnist-784-30-10.safetensors` here |
//! | firmware sources (`export --out`, `train --export-dir`) | `firmware-example/src`, which must exist |
//!
//! So outside a checkout `digitnet train` writes `mnist-784-30-10.safetensors`
//! in the current folder, and `digitnet predict` run there uses it. A build
//! without the `bundled` feature has nothing built in and reports the missing
//! `data/mnist` or model file instead.

use std::path::{Path, PathBuf};

use crate::data::DataSource;
use crate::model::{self, LoadedAny, ModelError};

/// Default folder of the four MNIST files.
pub(crate) const DEFAULT_DATA: &str = "data/mnist";
/// Default model file written by `train` and read by the other commands, in a checkout.
pub(crate) const DEFAULT_MODEL: &str = "models/mnist-784-30-10.safetensors";
/// The default model's file name, used on its own outside a checkout.
pub(crate) const MODEL_NAME: &str = "mnist-784-30-10.safetensors";
/// Default folder of the firmware's generated sources.
pub(crate) const DEFAULT_FIRMWARE_SRC: &str = "firmware-example/src";

/// Help text for `--data`.
pub(crate) const DATA_HELP: &str =
    "Digits to read: a folder of MNIST IDX files (raw or .gz), or a CSV \
    file in the Kaggle layout (label,pixel0,...,pixel783; every 7th row is held out for testing) \
    [default: data/mnist if present, else the MNIST built into digitnet]";
/// Help text for `--model` of the commands that read one.
pub(crate) const MODEL_HELP: &str = "Model file (safetensors) \
    [default: models/mnist-784-30-10.safetensors or ./mnist-784-30-10.safetensors if present, \
    else the default model built into digitnet]";

/// The data for `--data`, or the default.
pub fn data(arg: Option<&Path>) -> DataSource {
    if let Some(path) = arg {
        return DataSource::at(path);
    }
    let dir = Path::new(DEFAULT_DATA);
    #[cfg(feature = "bundled")]
    if !dir.is_dir() {
        return DataSource::Bundled;
    }
    DataSource::Dir(dir.to_path_buf())
}

/// Where a model is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelSource {
    /// A safetensors file.
    File(PathBuf),
    /// The default model built into the binary (see [`crate::data::bundled`]).
    #[cfg(feature = "bundled")]
    Bundled,
}

impl ModelSource {
    /// How the model is named in output: its path, or `the built-in mnist-784-30-10.safetensors`.
    pub fn label(&self) -> String {
        match self {
            ModelSource::File(path) => path.display().to_string(),
            #[cfg(feature = "bundled")]
            ModelSource::Bundled => format!("the built-in {MODEL_NAME}"),
        }
    }

    /// Reads the model.
    pub fn load(&self) -> Result<LoadedAny, ModelError> {
        match self {
            ModelSource::File(path) => model::load_any(path),
            #[cfg(feature = "bundled")]
            ModelSource::Bundled => {
                model::from_bytes_any(crate::data::bundled::MODEL, Path::new(&self.label()))
            }
        }
    }
}

/// The model for `--model`, or the default.
pub fn model(arg: Option<&Path>) -> ModelSource {
    if let Some(path) = arg {
        return ModelSource::File(path.to_path_buf());
    }
    for candidate in [DEFAULT_MODEL, MODEL_NAME] {
        if Path::new(candidate).is_file() {
            return ModelSource::File(PathBuf::from(candidate));
        }
    }
    #[cfg(feature = "bundled")]
    return ModelSource::Bundled;
    #[cfg(not(feature = "bundled"))]
    ModelSource::File(PathBuf::from(DEFAULT_MODEL))
}

/// The model file for commands that need a file (`export`, which names it in
/// the generated headers): `--model`, else the first of
/// `models/mnist-784-30-10.safetensors` and `mnist-784-30-10.safetensors`
/// that exists, else the former (which is then reported missing).
pub(crate) fn model_file(arg: Option<&Path>) -> PathBuf {
    match model(arg) {
        ModelSource::File(path) => path,
        #[cfg(feature = "bundled")]
        ModelSource::Bundled => PathBuf::from(DEFAULT_MODEL),
    }
}

/// Where `train` writes a model called `name` when `--out` is not given:
/// in `models/` if that folder is here (a checkout), else here.
pub(crate) fn train_out(name: &str) -> PathBuf {
    if Path::new("models").is_dir() {
        Path::new("models").join(name)
    } else {
        PathBuf::from(name)
    }
}

/// The firmware sources folder for `--out` / `--export-dir`, or the default
/// if it exists; `Err` with the default's path if it does not.
pub(crate) fn firmware_dir(arg: Option<&Path>) -> Result<PathBuf, PathBuf> {
    match arg {
        Some(path) => Ok(path.to_path_buf()),
        None if Path::new(DEFAULT_FIRMWARE_SRC).is_dir() => Ok(PathBuf::from(DEFAULT_FIRMWARE_SRC)),
        None => Err(PathBuf::from(DEFAULT_FIRMWARE_SRC)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The defaults that depend on the current folder are tested end to end
    // (`host/tests/anywhere.rs`), since a unit test cannot change the folder
    // of the test process without disturbing the tests running beside it.

    #[test]
    fn flags_win() {
        let p = Path::new("some/where.safetensors");
        assert_eq!(model(Some(p)), ModelSource::File(p.to_path_buf()));
        assert_eq!(firmware_dir(Some(p)), Ok(p.to_path_buf()));
        assert_eq!(
            data(Some(Path::new("no/such/dir"))),
            DataSource::Dir(PathBuf::from("no/such/dir"))
        );
    }

    #[cfg(feature = "bundled")]
    #[test]
    fn the_built_in_model_loads() {
        let loaded = ModelSource::Bundled.load().unwrap();
        assert_eq!(loaded.net.hidden(), 30);
        assert_eq!(
            ModelSource::Bundled.label(),
            "the built-in mnist-784-30-10.safetensors"
        );
        let on_disk = model::load_any(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(DEFAULT_MODEL),
        )
        .unwrap();
        assert_eq!(loaded, on_disk);
    }
}
