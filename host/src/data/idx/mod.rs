//! MNIST IDX files: reading (raw or gzip), checking, encoding and hashing.
//!
//! An IDX file is a big-endian header (magic number, then one `u32` per
//! dimension) followed by the raw bytes. Images use magic 2051 with dimensions
//! count × rows × cols; labels use magic 2049 with one dimension, the count.
//! Gzip is detected by its magic bytes (`1f 8b`), not by the file name.
//!
//! Reading is bounded by the header, not by the input: the header is read
//! first (from the decompressed stream for gzip), a count above
//! [`MAX_EXAMPLES`] is refused, a raw file whose size disagrees with its
//! header is refused before its body is read, and a gzip stream is
//! decompressed only as far as the header describes — a few more bytes are
//! counted (never stored) to report trailing data, so a gzip bomb costs no
//! more memory than an honest file of the size its header claims.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use crate::data::file::FileError;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// Rows of an MNIST image.
pub(crate) const ROWS: usize = 28;
/// Columns of an MNIST image.
pub(crate) const COLS: usize = 28;
/// Pixels of an MNIST image (row-major, one byte each, 0 = background).
pub const PIXELS: usize = ROWS * COLS;

/// One MNIST image, row-major.
pub type Image = [u8; PIXELS];

/// Magic number of an images file (0x00000803).
const IMAGES_MAGIC: u32 = 2051;
/// Magic number of a labels file (0x00000801).
const LABELS_MAGIC: u32 = 2049;
/// First two bytes of every gzip member.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Largest label (the digits 0–9).
const MAX_LABEL: u8 = 9;
/// Most examples read from one IDX or CSV file: 2^20 = 1,048,576 (822 MB of
/// 28×28 images). MNIST has 70,000 and EMNIST's largest split 697,932; a
/// header claiming more is refused before anything is allocated for it.
pub const MAX_EXAMPLES: usize = 1 << 20;
/// Trailing bytes past the header's size that are counted for the error
/// message (64 MiB); past that the count reads "or more".
const MAX_TRAILING_COUNTED: u64 = 64 << 20;
/// Deflate's best compression ratio is about 1032:1, so `n` gzip bytes
/// decompress to at most `n × GZIP_MAX_RATIO`: a bound for the first allocation.
const GZIP_MAX_RATIO: u64 = 1032;

/// Known SHA-256 of the decompressed canonical MNIST files, by base file name without `.gz`.
pub const MNIST_SHA256: [(&str, &str); 4] = [
    (
        "t10k-images-idx3-ubyte",
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    (
        "t10k-labels-idx1-ubyte",
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
    (
        "train-images-idx3-ubyte",
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    (
        "train-labels-idx1-ubyte",
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
];

/// What went wrong reading an IDX file; every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdxError {
    /// The data directory does not exist or is not a directory.
    #[error("{}: directory not found", .path.display())]
    MissingDir {
        /// The directory looked for.
        path: PathBuf,
    },
    /// The file is missing or cannot be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file starts like gzip but its stream is corrupt or cut short.
    #[error("{}: corrupt gzip stream", .path.display())]
    Gzip {
        /// The file.
        path: PathBuf,
        /// The decoder's error.
        #[source]
        source: io::Error,
    },
    /// The header's magic number is not the one for this kind of file.
    #[error(
        "{}: bad magic number {found}{}, expected {expected} ({})",
        .path.display(),
        found_kind(.found),
        magic_kind(.expected)
    )]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The magic number for this kind of file (2051 images, 2049 labels).
        expected: u32,
        /// The magic number in the file.
        found: u32,
    },
    /// The (decompressed) content is shorter than its header, or than the header's dimensions promise.
    #[error(
        "{}: truncated: expected {expected} bytes, found {found}",
        .path.display()
    )]
    Truncated {
        /// The file.
        path: PathBuf,
        /// Bytes needed (saturated at `usize::MAX` if the header asks for more than that).
        expected: usize,
        /// Bytes present.
        found: usize,
    },
    /// The (decompressed) content is longer than the header's dimensions say.
    #[error(
        "{}: trailing bytes: the header describes {expected} bytes, found {found}{}",
        .path.display(),
        if *.at_least { " or more" } else { "" }
    )]
    TrailingBytes {
        /// The file.
        path: PathBuf,
        /// Bytes the header describes.
        expected: usize,
        /// Bytes present (or counted, when `at_least`).
        found: usize,
        /// Counting stopped at 64 MiB of extra bytes: there are `found` or more.
        at_least: bool,
    },
    /// The header claims more examples than [`MAX_EXAMPLES`].
    #[error(
        "{}: the header claims {count} examples, more than the {MAX_EXAMPLES} digitnet reads from one file",
        .path.display()
    )]
    TooMany {
        /// The file.
        path: PathBuf,
        /// The count in the header.
        count: u32,
    },
    /// The images are not 28×28.
    #[error(
        "{}: images are {rows}x{cols}, expected {ROWS}x{COLS}",
        .path.display()
    )]
    ImageSize {
        /// The file.
        path: PathBuf,
        /// Rows in the header.
        rows: u32,
        /// Columns in the header.
        cols: u32,
    },
    /// The images and labels files hold different numbers of examples.
    #[error(
        "{}: {image_count} images, but {} has {label_count} labels",
        .images.display(),
        .labels.display()
    )]
    CountMismatch {
        /// The images file.
        images: PathBuf,
        /// The labels file.
        labels: PathBuf,
        /// Images in the images file.
        image_count: usize,
        /// Labels in the labels file.
        label_count: usize,
    },
    /// A label is not a digit.
    #[error(
        "{}: label {label} at index {index} is above {MAX_LABEL}",
        .path.display()
    )]
    LabelRange {
        /// The file.
        path: PathBuf,
        /// Position of the first bad label.
        index: usize,
        /// Its value.
        label: u8,
    },
    /// The decompressed content does not have the known SHA-256.
    #[error(
        "{}: sha-256 mismatch: expected {expected}, found {found}",
        .path.display()
    )]
    Checksum {
        /// The file.
        path: PathBuf,
        /// The known hash, lowercase hex.
        expected: String,
        /// The file's hash, lowercase hex.
        found: String,
    },
}

/// Names the kind of file a magic number is for, in `BadMagic` messages.
fn magic_kind(magic: &u32) -> &'static str {
    match *magic {
        IMAGES_MAGIC => "images",
        LABELS_MAGIC => "labels",
        _ => "unknown",
    }
}

/// Notes the kind of a found magic number, if it is a known one.
fn found_kind(magic: &u32) -> &'static str {
    match *magic {
        IMAGES_MAGIC => " (images)",
        LABELS_MAGIC => " (labels)",
        _ => "",
    }
}

/// Images and labels of one split.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    /// The images, row-major bytes.
    pub images: Vec<Image>,
    /// The label (0–9) of each image.
    pub labels: Vec<u8>,
}

impl Dataset {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.images.len()
    }

    /// Whether there are no examples.
    pub fn is_empty(&self) -> bool {
        self.images.is_empty()
    }

    /// Up to `n` examples from index `start` on (fewer at the end, none past it).
    pub fn slice(&self, start: usize, n: usize) -> Dataset {
        Dataset {
            images: self.images.iter().skip(start).take(n).copied().collect(),
            labels: self.labels.iter().skip(start).take(n).copied().collect(),
        }
    }

    /// The first `n` examples (or all if fewer).
    pub fn take(&self, n: usize) -> Dataset {
        Dataset {
            images: self.images.iter().take(n).copied().collect(),
            labels: self.labels.iter().take(n).copied().collect(),
        }
    }
}

/// The MNIST files in a directory, by their standard names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MnistFiles {
    /// `train-images-idx3-ubyte[.gz]`.
    pub train_images: PathBuf,
    /// `train-labels-idx1-ubyte[.gz]`.
    pub train_labels: PathBuf,
    /// `t10k-images-idx3-ubyte[.gz]`.
    pub test_images: PathBuf,
    /// `t10k-labels-idx1-ubyte[.gz]`.
    pub test_labels: PathBuf,
}

impl MnistFiles {
    /// Looks for `train-images-idx3-ubyte.gz` etc, falling back to the raw (un-gzipped) name if the `.gz` is absent.
    ///
    /// A file missing under both names is reported by its `.gz` name.
    pub fn in_dir(dir: &Path) -> Result<MnistFiles, IdxError> {
        if !dir.is_dir() {
            return Err(IdxError::MissingDir {
                path: dir.to_path_buf(),
            });
        }
        let find = |base: &str| -> Result<PathBuf, IdxError> {
            let gz = dir.join(format!("{base}.gz"));
            if gz.is_file() {
                return Ok(gz);
            }
            let raw = dir.join(base);
            if raw.is_file() {
                Ok(raw)
            } else {
                Err(IdxError::File(FileError::Missing { path: gz }))
            }
        };
        Ok(MnistFiles {
            train_images: find("train-images-idx3-ubyte")?,
            train_labels: find("train-labels-idx1-ubyte")?,
            test_images: find("t10k-images-idx3-ubyte")?,
            test_labels: find("t10k-labels-idx1-ubyte")?,
        })
    }
}

/// Reads an images file (raw or gzip).
pub(crate) fn read_images(path: &Path) -> Result<Vec<Image>, IdxError> {
    let (file, len) = open(path)?;
    images_from(file, len, path)
}

/// Reads a labels file (raw or gzip).
pub fn read_labels(path: &Path) -> Result<Vec<u8>, IdxError> {
    let (file, len) = open(path)?;
    labels_from(file, len, path)
}

/// Reads both files and checks the counts agree.
pub fn read_dataset(images: &Path, labels: &Path) -> Result<Dataset, IdxError> {
    let image_data = read_images(images)?;
    let label_data = read_labels(labels)?;
    if image_data.len() != label_data.len() {
        return Err(IdxError::CountMismatch {
            images: images.to_path_buf(),
            labels: labels.to_path_buf(),
            image_count: image_data.len(),
            label_count: label_data.len(),
        });
    }
    Ok(Dataset {
        images: image_data,
        labels: label_data,
    })
}

/// Parses already-read images bytes (raw or gzip); `path` is only used in errors.
pub fn parse_images(bytes: &[u8], path: &Path) -> Result<Vec<Image>, IdxError> {
    images_from(bytes, Some(len_u64(bytes.len())), path)
}

/// Parses already-read labels bytes (raw or gzip); `path` is only used in errors.
pub fn parse_labels(bytes: &[u8], path: &Path) -> Result<Vec<u8>, IdxError> {
    labels_from(bytes, Some(len_u64(bytes.len())), path)
}

/// Images from `input`, `len` bytes long if known (raw or gzip).
fn images_from<R: Read>(input: R, len: Option<u64>, path: &Path) -> Result<Vec<Image>, IdxError> {
    let mut content = Content::new(input, len, path)?;
    let [count, rows, cols] = content.header::<3>(IMAGES_MAGIC)?;
    if usize::try_from(rows).ok() != Some(ROWS) || usize::try_from(cols).ok() != Some(COLS) {
        return Err(IdxError::ImageSize {
            path: path.to_path_buf(),
            rows,
            cols,
        });
    }
    let count = content.check_size::<3>(count, PIXELS)?;
    let images = content.body::<3, PIXELS>(count)?;
    content.finish::<3>(count, PIXELS)?;
    Ok(images)
}

/// Labels from `input`, `len` bytes long if known (raw or gzip).
fn labels_from<R: Read>(input: R, len: Option<u64>, path: &Path) -> Result<Vec<u8>, IdxError> {
    let mut content = Content::new(input, len, path)?;
    let [count] = content.header::<1>(LABELS_MAGIC)?;
    let count = content.check_size::<1>(count, 1)?;
    let labels = content.body::<1, 1>(count)?.as_flattened().to_vec();
    content.finish::<1>(count, 1)?;
    if let Some((index, &label)) = labels.iter().enumerate().find(|(_, &l)| l > MAX_LABEL) {
        return Err(IdxError::LabelRange {
            path: path.to_path_buf(),
            index,
            label,
        });
    }
    Ok(labels)
}

/// Raw IDX bytes of an images file.
pub fn encode_images(images: &[Image]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_len(3) + images.len() * PIXELS);
    out.extend_from_slice(&IMAGES_MAGIC.to_be_bytes());
    out.extend_from_slice(&len_u32(images.len()).to_be_bytes());
    out.extend_from_slice(&len_u32(ROWS).to_be_bytes());
    out.extend_from_slice(&len_u32(COLS).to_be_bytes());
    out.extend_from_slice(images.as_flattened());
    out
}

/// Raw IDX bytes of a labels file.
pub fn encode_labels(labels: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_len(1) + labels.len());
    out.extend_from_slice(&LABELS_MAGIC.to_be_bytes());
    out.extend_from_slice(&len_u32(labels.len()).to_be_bytes());
    out.extend_from_slice(labels);
    out
}

/// SHA-256 of the decompressed content, lowercase hex (streamed: the
/// content is never held in memory whole).
pub fn content_sha256(path: &Path) -> Result<String, IdxError> {
    let (file, len) = open(path)?;
    let mut content = Content::new(file, len, path)?;
    let mut hasher = Sha256::new();
    let mut buf = [0u8; 1 << 16];
    loop {
        let got = content.fill(&mut buf)?;
        hasher.update(buf.get(..got).unwrap_or_default());
        if got < buf.len() {
            return Ok(hex(&hasher.finalize()));
        }
    }
}

/// Checks that each of the four files has its known SHA-256; the error names the file.
pub fn verify_mnist(files: &MnistFiles) -> Result<(), IdxError> {
    // Same order as `MNIST_SHA256`.
    let paths = [
        &files.test_images,
        &files.test_labels,
        &files.train_images,
        &files.train_labels,
    ];
    for (&(_, expected), path) in MNIST_SHA256.iter().zip(paths) {
        let found = content_sha256(path)?;
        if found != expected {
            return Err(IdxError::Checksum {
                path: path.clone(),
                expected: expected.to_owned(),
                found,
            });
        }
    }
    Ok(())
}

/// Opens a file for reading and finds its size (if it is a regular file),
/// telling a missing file from other failures.
fn open(path: &Path) -> Result<(io::BufReader<std::fs::File>, Option<u64>), IdxError> {
    let (file, len) = crate::data::file::open(path)?;
    Ok((io::BufReader::with_capacity(1 << 16, file), len))
}

/// Header length of an IDX file with `dims` dimensions.
const fn header_len(dims: usize) -> usize {
    4 + 4 * dims
}

/// The content of an IDX input, gunzipped on the fly (all members) if it
/// starts with the gzip magic, and what is known of its size.
struct Content<'p, R: Read> {
    /// The (decompressed) bytes.
    reader: ContentReader<R>,
    /// Size of the input in bytes (compressed, for gzip), if known.
    input_len: Option<u64>,
    /// The file, for errors.
    path: &'p Path,
}

/// A raw or a gunzipping reader over the input, whose first two bytes were
/// read to tell them apart and are given back first.
enum ContentReader<R: Read> {
    Raw(io::Chain<io::Cursor<Vec<u8>>, R>),
    Gzip(Box<MultiGzDecoder<io::Chain<io::Cursor<Vec<u8>>, R>>>),
}

impl<'p, R: Read> Content<'p, R> {
    /// Looks at the first two bytes of `input` (`input_len` bytes long, if
    /// known) to tell gzip from raw.
    fn new(mut input: R, input_len: Option<u64>, path: &'p Path) -> Result<Self, IdxError> {
        let mut magic = [0u8; 2];
        let got = read_full(&mut input, &mut magic).map_err(|source| {
            IdxError::File(FileError::Io {
                path: path.to_path_buf(),
                source,
            })
        })?;
        let first = magic.get(..got).unwrap_or_default().to_vec();
        let gzip = first == GZIP_MAGIC;
        let stream = io::Cursor::new(first).chain(input);
        let reader = if gzip {
            ContentReader::Gzip(Box::new(MultiGzDecoder::new(stream)))
        } else {
            ContentReader::Raw(stream)
        };
        Ok(Self {
            reader,
            input_len,
            path,
        })
    }

    /// Reads until `buf` is full or the content ends; the bytes read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, IdxError> {
        let path = self.path;
        match &mut self.reader {
            ContentReader::Raw(r) => read_full(r, buf).map_err(|source| {
                IdxError::File(FileError::Io {
                    path: path.to_path_buf(),
                    source,
                })
            }),
            ContentReader::Gzip(r) => read_full(r, buf).map_err(|source| IdxError::Gzip {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// Reads the header, checks the magic number and returns the `D` dimensions.
    fn header<const D: usize>(&mut self, magic: u32) -> Result<[u32; D], IdxError> {
        let mut head = [0u8; 16];
        let head = head.get_mut(..header_len(D)).unwrap_or_default();
        let got = self.fill(head)?;
        let truncated = || IdxError::Truncated {
            path: self.path.to_path_buf(),
            expected: header_len(D),
            found: got,
        };
        let (&magic_bytes, rest) = head.split_first_chunk::<4>().ok_or_else(truncated)?;
        let found = u32::from_be_bytes(magic_bytes);
        if got >= 4 && found != magic {
            return Err(IdxError::BadMagic {
                path: self.path.to_path_buf(),
                expected: magic,
                found,
            });
        }
        if got < header_len(D) {
            return Err(truncated());
        }
        let mut dims = [0u32; D];
        for (dim, word) in dims.iter_mut().zip(rest.as_chunks::<4>().0) {
            *dim = u32::from_be_bytes(*word);
        }
        Ok(dims)
    }

    /// Bytes of content the header describes: header, then `count` items of `item` bytes.
    fn expected<const D: usize>(count: usize, item: usize) -> usize {
        count.saturating_mul(item).saturating_add(header_len(D))
    }

    /// Checks `count` against [`MAX_EXAMPLES`] and, for a raw input, the
    /// input's size against the header's, before the body is read.
    fn check_size<const D: usize>(&self, count: u32, item: usize) -> Result<usize, IdxError> {
        let Some(n) = usize::try_from(count).ok().filter(|&n| n <= MAX_EXAMPLES) else {
            return Err(IdxError::TooMany {
                path: self.path.to_path_buf(),
                count,
            });
        };
        if let (ContentReader::Raw(_), Some(len)) = (&self.reader, self.input_len) {
            let expected = Self::expected::<D>(n, item);
            let found = usize::try_from(len).unwrap_or(usize::MAX);
            if found < expected {
                return Err(self.truncated::<D>(n, item, found.saturating_sub(header_len(D))));
            }
            if found > expected {
                return Err(IdxError::TrailingBytes {
                    path: self.path.to_path_buf(),
                    expected,
                    found,
                    at_least: false,
                });
            }
        }
        Ok(n)
    }

    /// The `count` items of `N` bytes after the header, read a chunk at a
    /// time so that memory grows only as data actually arrives. Room for all
    /// of them is made at once when the input's size vouches for them (a raw
    /// input, checked by [`Content::check_size`], or a gzip input that could
    /// decompress to that much: deflate's ratio is at most 1032:1).
    fn body<const D: usize, const N: usize>(
        &mut self,
        count: usize,
    ) -> Result<Vec<[u8; N]>, IdxError> {
        const CHUNK_BYTES: usize = 1 << 20;
        let chunk = (CHUNK_BYTES / N).max(1);
        let vouched = match (&self.reader, self.input_len) {
            (ContentReader::Raw(_), Some(_)) => count,
            (ContentReader::Gzip(_), Some(len)) => {
                let most = len.saturating_mul(GZIP_MAX_RATIO) / len_u64(N);
                usize::try_from(most).unwrap_or(usize::MAX)
            }
            (_, None) => chunk,
        };
        let mut items: Vec<[u8; N]> = Vec::with_capacity(count.min(vouched));
        while items.len() < count {
            let start = items.len();
            items.resize(start + (count - start).min(chunk), [0; N]);
            let buf = items
                .get_mut(start..)
                .unwrap_or_default()
                .as_flattened_mut();
            let got = self.fill(buf)?;
            if got < buf.len() {
                let body = start.saturating_mul(N).saturating_add(got);
                return Err(self.truncated::<D>(count, N, body));
            }
        }
        Ok(items)
    }

    /// The error for a body that ended after `body` bytes.
    fn truncated<const D: usize>(&self, count: usize, item: usize, body: usize) -> IdxError {
        IdxError::Truncated {
            path: self.path.to_path_buf(),
            expected: Self::expected::<D>(count, item),
            found: body.saturating_add(header_len(D)),
        }
    }

    /// Checks that nothing follows the body: extra bytes are counted (up to
    /// [`MAX_TRAILING_COUNTED`]), not stored. For gzip this also reads each
    /// member to its end, so its checksum is verified.
    fn finish<const D: usize>(mut self, count: usize, item: usize) -> Result<(), IdxError> {
        let mut extra = 0u64;
        let mut buf = [0u8; 1 << 13];
        while extra <= MAX_TRAILING_COUNTED {
            let got = self.fill(&mut buf)?;
            extra += len_u64(got);
            if got < buf.len() {
                break;
            }
        }
        if extra == 0 {
            return Ok(());
        }
        let expected = Self::expected::<D>(count, item);
        Err(IdxError::TrailingBytes {
            path: self.path.to_path_buf(),
            expected,
            found: expected.saturating_add(usize::try_from(extra).unwrap_or(usize::MAX)),
            at_least: extra > MAX_TRAILING_COUNTED,
        })
    }
}

/// Reads from `reader` until `buf` is full or the input ends; the bytes read.
fn read_full<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while let Some(rest) = buf.get_mut(got..).filter(|r| !r.is_empty()) {
        match reader.read(rest) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// A length as a `u64` (lossless on every platform Rust supports).
fn len_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A length as a header `u32`, saturating (real IDX files are far smaller).
fn len_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

#[cfg(test)]
mod tests;
