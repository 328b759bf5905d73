//! Where labelled digits come from, for `train`, `eval`, `export`, `inspect`
//! and `predict --index`: a folder of MNIST IDX files, a CSV file in the
//! Kaggle layout, or the MNIST files built into the binary.
//!
//! `--data PATH` names a folder or a file: a folder holds the four IDX files
//! (raw or gzipped, as [`MnistFiles::in_dir`] finds them) — MNIST itself or
//! any 28×28 labelled set in its layout, such as Fashion-MNIST — or, failing
//! that, a `train.csv` and a `test.csv`; a file is one CSV, split into
//! training and test digits as [`csv_file::split`] documents.

pub mod augment;
#[cfg(feature = "bundled")]
pub mod bundled;
pub mod csv_file;
pub mod file;
pub mod idx;
pub mod picture;

use std::path::{Path, PathBuf};

use csv_file::CsvError;
use idx::{Dataset, IdxError, MnistFiles};

/// A source of training and test digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataSource {
    /// A folder of the four MNIST IDX files, or of `train.csv` and `test.csv`.
    Dir(PathBuf),
    /// One CSV file, split into training and test digits.
    Csv(PathBuf),
    /// The MNIST files built into the binary (see [`crate::data::bundled`]).
    #[cfg(feature = "bundled")]
    Bundled,
}

/// Reading the data failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DataError {
    /// An IDX file is missing or malformed.
    #[error(transparent)]
    Idx(#[from] IdxError),
    /// A CSV file is missing or malformed.
    #[error(transparent)]
    Csv(#[from] CsvError),
}

/// The training and test digits of a source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Data {
    /// Training digits, in the source's order.
    pub train: Dataset,
    /// Test digits, in the source's order.
    pub test: Dataset,
}

/// The test digits of a source, and which file they came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TestSet {
    /// The digits.
    pub data: Dataset,
    /// The file they came from, as written in generated headers
    /// (`data/mnist/t10k-images-idx3-ubyte.gz`, with forward slashes).
    pub origin: String,
}

/// Where the files of a [`DataSource::Dir`] are.
enum DirLayout {
    Idx(MnistFiles),
    Csv { train: PathBuf, test: PathBuf },
}

/// A path as written in output: as given, with forward slashes.
fn shown(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

impl DataSource {
    /// The source at `path`: a CSV file if it is a file, else a folder (which
    /// may not exist: reading it then says so).
    pub fn at(path: &Path) -> Self {
        if path.is_file() {
            DataSource::Csv(path.to_path_buf())
        } else {
            DataSource::Dir(path.to_path_buf())
        }
    }

    /// How the source is named in `train`'s and `eval`'s output.
    pub fn describe(&self) -> String {
        match self {
            DataSource::Dir(dir) => shown(dir),
            DataSource::Csv(path) => format!(
                "{} (every {}th row held out for testing)",
                shown(path),
                csv_file::TEST_EVERY
            ),
            #[cfg(feature = "bundled")]
            DataSource::Bundled => "the MNIST files built into digitnet".to_owned(),
        }
    }

    /// Reads the training and the test digits.
    pub fn load(&self) -> Result<Data, DataError> {
        match self {
            DataSource::Dir(dir) => match layout(dir)? {
                DirLayout::Idx(files) => Ok(Data {
                    train: idx::read_dataset(&files.train_images, &files.train_labels)?,
                    test: idx::read_dataset(&files.test_images, &files.test_labels)?,
                }),
                DirLayout::Csv { train, test } => Ok(Data {
                    train: csv_file::read(&train)?,
                    test: csv_file::read(&test)?,
                }),
            },
            DataSource::Csv(path) => {
                let (train, test) = csv_file::split(csv_file::read(path)?, path)?;
                Ok(Data { train, test })
            }
            #[cfg(feature = "bundled")]
            DataSource::Bundled => Ok(Data {
                train: bundled_set(
                    crate::data::bundled::TRAIN_IMAGES,
                    crate::data::bundled::TRAIN_LABELS,
                )?,
                test: bundled_set(
                    crate::data::bundled::TEST_IMAGES,
                    crate::data::bundled::TEST_LABELS,
                )?,
            }),
        }
    }

    /// Reads the training digits only, with the file they came from (as
    /// [`TestSet::origin`] names the test file).
    pub(crate) fn load_train(&self) -> Result<TestSet, DataError> {
        match self {
            DataSource::Dir(dir) => match layout(dir)? {
                DirLayout::Idx(files) => Ok(TestSet {
                    data: idx::read_dataset(&files.train_images, &files.train_labels)?,
                    origin: shown(&files.train_images),
                }),
                DirLayout::Csv { train, .. } => Ok(TestSet {
                    data: csv_file::read(&train)?,
                    origin: shown(&train),
                }),
            },
            DataSource::Csv(path) => {
                let (train, _) = csv_file::split(csv_file::read(path)?, path)?;
                Ok(TestSet {
                    data: train,
                    origin: format!(
                        "{} (all but every {}th row)",
                        shown(path),
                        csv_file::TEST_EVERY
                    ),
                })
            }
            #[cfg(feature = "bundled")]
            DataSource::Bundled => Ok(TestSet {
                data: bundled_set(
                    crate::data::bundled::TRAIN_IMAGES,
                    crate::data::bundled::TRAIN_LABELS,
                )?,
                origin: format!("the built-in {}", crate::data::bundled::TRAIN_IMAGES.name),
            }),
        }
    }

    /// Reads the test digits only (for an IDX folder, without reading the training files).
    pub(crate) fn load_test(&self) -> Result<TestSet, DataError> {
        match self {
            DataSource::Dir(dir) => match layout(dir)? {
                DirLayout::Idx(files) => Ok(TestSet {
                    data: idx::read_dataset(&files.test_images, &files.test_labels)?,
                    origin: shown(&files.test_images),
                }),
                DirLayout::Csv { test, .. } => Ok(TestSet {
                    data: csv_file::read(&test)?,
                    origin: shown(&test),
                }),
            },
            DataSource::Csv(path) => {
                let (_, test) = csv_file::split(csv_file::read(path)?, path)?;
                Ok(TestSet {
                    data: test,
                    origin: format!("{} (every {}th row)", shown(path), csv_file::TEST_EVERY),
                })
            }
            #[cfg(feature = "bundled")]
            DataSource::Bundled => Ok(TestSet {
                data: bundled_set(
                    crate::data::bundled::TEST_IMAGES,
                    crate::data::bundled::TEST_LABELS,
                )?,
                origin: format!("the built-in {}", crate::data::bundled::TEST_IMAGES.name),
            }),
        }
    }
}

/// The IDX files of `dir`, or else its `train.csv` and `test.csv`; if neither
/// is complete, the IDX lookup's error (it names the first missing file).
fn layout(dir: &Path) -> Result<DirLayout, IdxError> {
    match MnistFiles::in_dir(dir) {
        Ok(files) => Ok(DirLayout::Idx(files)),
        Err(err @ IdxError::File(crate::data::file::FileError::Missing { .. })) => {
            let (train, test) = (dir.join("train.csv"), dir.join("test.csv"));
            if train.is_file() && test.is_file() {
                Ok(DirLayout::Csv { train, test })
            } else {
                Err(err)
            }
        }
        Err(err) => Err(err),
    }
}

/// One built-in split, parsed as the files on disk would be.
#[cfg(feature = "bundled")]
fn bundled_set(
    images: crate::data::bundled::BundledFile,
    labels: crate::data::bundled::BundledFile,
) -> Result<Dataset, IdxError> {
    let name =
        |f: crate::data::bundled::BundledFile| PathBuf::from(format!("(built-in) {}", f.name));
    Ok(Dataset {
        images: idx::parse_images(images.bytes, &name(images))?,
        labels: idx::parse_labels(labels.bytes, &name(labels))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(n: usize) -> Dataset {
        Dataset {
            images: (0..n).map(|i| [i as u8; 784]).collect(),
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
        }
    }

    #[test]
    fn a_file_is_csv_and_a_folder_or_missing_path_is_idx() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("d.csv");
        std::fs::write(&csv, csv_file::encode(&digits(14))).unwrap();
        assert_eq!(DataSource::at(&csv), DataSource::Csv(csv.clone()));
        assert_eq!(
            DataSource::at(dir.path()),
            DataSource::Dir(dir.path().to_path_buf())
        );
        let missing = dir.path().join("nope");
        assert_eq!(DataSource::at(&missing), DataSource::Dir(missing.clone()));
        let err = DataSource::at(&missing).load().unwrap_err();
        assert!(
            matches!(err, DataError::Idx(IdxError::MissingDir { .. })),
            "{err}"
        );
        assert!(err.to_string().ends_with("nope: directory not found"));

        let data = DataSource::at(&csv).load().unwrap();
        assert_eq!((data.train.len(), data.test.len()), (12, 2));
        let test = DataSource::at(&csv).load_test().unwrap();
        assert_eq!(test.data, data.test);
        assert!(
            test.origin.ends_with("d.csv (every 7th row)"),
            "{}",
            test.origin
        );
    }

    #[test]
    fn a_folder_of_train_and_test_csv_is_not_split() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("train.csv"), csv_file::encode(&digits(5))).unwrap();
        // Without test.csv the IDX lookup's error stands.
        let err = DataSource::at(dir.path()).load().unwrap_err().to_string();
        assert!(
            err.contains("train-images-idx3-ubyte.gz: file not found"),
            "{err}"
        );
        std::fs::write(dir.path().join("test.csv"), csv_file::encode(&digits(3))).unwrap();
        let data = DataSource::at(dir.path()).load().unwrap();
        assert_eq!((data.train.len(), data.test.len()), (5, 3));
        assert_eq!(
            DataSource::at(dir.path()).load_test().unwrap().data.len(),
            3
        );
    }

    #[cfg(feature = "bundled")]
    #[test]
    fn the_built_in_mnist_is_the_bundled_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
        let on_disk = DataSource::Dir(root.clone()).load_test().unwrap();
        let built_in = DataSource::Bundled.load_test().unwrap();
        assert_eq!(on_disk.data, built_in.data);
        assert_eq!(built_in.origin, "the built-in t10k-images-idx3-ubyte.gz");
        assert!(on_disk
            .origin
            .ends_with("data/mnist/t10k-images-idx3-ubyte.gz"));
    }
}
