//! Opening a file to read, for every reader (MNIST's IDX files, CSV files,
//! model files, pictures): the two ways it fails, said once, and a read whose
//! size is bounded before it starts.

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FileError {
    /// The file does not exist.
    #[error("{}: file not found", .path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The file exists but could not be read (a folder, no permission, a
    /// failing disk).
    #[error("{}: cannot read file", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
}

impl FileError {
    /// `source`, met reading `path`: [`FileError::Missing`] for a file that is not there.
    pub fn at(path: &Path, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::NotFound {
            FileError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            FileError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Opens `path` to read, with its size when it is a regular file (not for a
/// pipe or a device); a folder is refused.
pub(crate) fn open(path: &Path) -> Result<(File, Option<u64>), FileError> {
    let file = File::open(path).map_err(|e| FileError::at(path, e))?;
    let meta = file.metadata().map_err(|e| FileError::at(path, e))?;
    if meta.is_dir() {
        return Err(FileError::at(path, io::Error::other("is a directory")));
    }
    Ok((file, meta.is_file().then_some(meta.len())))
}

/// Why [`read_bounded`] read nothing.
#[derive(Debug)]
pub(crate) enum Unread {
    /// The file could not be read.
    File(FileError),
    /// The file holds more than the limit: its size, or the bytes read
    /// before stopping (one more than the limit).
    TooLarge(u64),
}

/// The bytes of `path`, at most `limit` of them: a larger file is refused
/// by its size before anything is read, and one whose size is unknown or
/// changes (a pipe, a growing file) by reading one byte past the limit.
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, Unread> {
    let (file, size) = open(path).map_err(Unread::File)?;
    if let Some(size) = size.filter(|&s| s > limit) {
        return Err(Unread::TooLarge(size));
    }
    let mut bytes = Vec::with_capacity(size.and_then(|s| usize::try_from(s).ok()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Unread::File(FileError::at(path, e)))?;
    let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    if len > limit {
        return Err(Unread::TooLarge(len));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_folder_and_limits() {
        let dir = tempfile::tempdir().unwrap();
        let nope = dir.path().join("nope");
        assert!(matches!(open(&nope), Err(FileError::Missing { .. })));
        assert_eq!(
            FileError::at(&nope, io::ErrorKind::NotFound.into()).to_string(),
            format!("{}: file not found", nope.display())
        );
        let err = open(dir.path()).unwrap_err();
        assert!(matches!(err, FileError::Io { .. }), "{err:?}");
        assert!(err.to_string().ends_with(": cannot read file"), "{err}");
        let file = dir.path().join("five");
        std::fs::write(&file, b"12345").unwrap();
        assert_eq!(open(&file).unwrap().1, Some(5));
        assert_eq!(read_bounded(&file, 5).unwrap(), b"12345");
        assert!(matches!(read_bounded(&file, 4), Err(Unread::TooLarge(5))));
        assert!(matches!(
            read_bounded(&nope, 4),
            Err(Unread::File(FileError::Missing { .. }))
        ));
    }

    #[test]
    #[cfg(unix)]
    fn a_stream_of_unknown_size_is_cut_one_byte_past_the_limit() {
        let dev_zero = Path::new("/dev/zero");
        assert_eq!(open(dev_zero).unwrap().1, None);
        assert!(matches!(
            read_bounded(dev_zero, 1000),
            Err(Unread::TooLarge(1001))
        ));
    }
}
