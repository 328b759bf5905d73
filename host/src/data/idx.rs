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

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// Rows of an MNIST image.
pub const ROWS: usize = 28;
/// Columns of an MNIST image.
pub const COLS: usize = 28;
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
    /// The file does not exist.
    #[error("{}: file not found", .path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The file exists but could not be read.
    #[error("{}: cannot read file", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
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
        let find = |base: &str| {
            let gz = dir.join(format!("{base}.gz"));
            if gz.is_file() {
                return Ok(gz);
            }
            let raw = dir.join(base);
            if raw.is_file() {
                Ok(raw)
            } else {
                Err(IdxError::Missing { path: gz })
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
pub fn read_images(path: &Path) -> Result<Vec<Image>, IdxError> {
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
    let io_err = |source: io::Error| {
        if source.kind() == io::ErrorKind::NotFound {
            IdxError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            IdxError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::other("is a directory")));
    }
    let len = meta.is_file().then_some(meta.len());
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
        let got = read_full(&mut input, &mut magic).map_err(|source| IdxError::Io {
            path: path.to_path_buf(),
            source,
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
            ContentReader::Raw(r) => read_full(r, buf).map_err(|source| IdxError::Io {
                path: path.to_path_buf(),
                source,
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
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    /// `n` distinct images: pixel `p` of image `i` is `(i * 7 + p) % 256`.
    fn images(n: usize) -> Vec<Image> {
        (0..n)
            .map(|i| std::array::from_fn(|p| ((i * 7 + p) % 256) as u8))
            .collect()
    }

    /// `n` labels cycling through the digits.
    fn labels(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 10) as u8).collect()
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Images header with the given fields, and `data` after it.
    fn images_with(magic: u32, count: u32, rows: u32, cols: u32, data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for word in [magic, count, rows, cols] {
            out.extend_from_slice(&word.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    /// Asserts that the error's message names the file.
    fn assert_names(err: &IdxError, name: &str) {
        let msg = err.to_string();
        assert!(msg.contains(name), "{msg:?} does not name {name}");
    }

    #[test]
    fn round_trip_raw_and_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let (imgs, labs) = (images(23), labels(23));
        let expected = Dataset {
            images: imgs.clone(),
            labels: labs.clone(),
        };
        let ri = write(dir.path(), "i-raw", &encode_images(&imgs));
        let rl = write(dir.path(), "l-raw", &encode_labels(&labs));
        let gi = write(dir.path(), "i.gz", &gzip(&encode_images(&imgs)));
        let gl = write(dir.path(), "l.gz", &gzip(&encode_labels(&labs)));
        assert_eq!(read_dataset(&ri, &rl).unwrap(), expected);
        assert_eq!(read_dataset(&gi, &gl).unwrap(), expected);
        assert_eq!(read_images(&gi).unwrap(), imgs);
        assert_eq!(read_labels(&rl).unwrap(), labs);
    }

    #[test]
    fn gzip_detected_by_content_not_name() {
        let dir = tempfile::tempdir().unwrap();
        let labs = labels(11);
        let gz_no_ext = write(dir.path(), "labels", &gzip(&encode_labels(&labs)));
        let raw_gz_ext = write(dir.path(), "labels.gz", &encode_labels(&labs));
        assert_eq!(read_labels(&gz_no_ext).unwrap(), labs);
        assert_eq!(read_labels(&raw_gz_ext).unwrap(), labs);
    }

    #[test]
    fn multi_member_gzip_reads_all_members() {
        let bytes = encode_labels(&labels(30));
        let (a, b) = bytes.split_at(13);
        let mut joined = gzip(a);
        joined.extend_from_slice(&gzip(b));
        assert_eq!(parse_labels(&joined, Path::new("x")).unwrap(), labels(30));
    }

    #[test]
    fn empty_files_are_empty_datasets() {
        let p = Path::new("empty");
        assert!(parse_images(&encode_images(&[]), p).unwrap().is_empty());
        assert!(parse_labels(&encode_labels(&[]), p).unwrap().is_empty());
    }

    #[test]
    fn encoders_write_the_idx_header() {
        let bytes = encode_labels(&[3, 1]);
        assert_eq!(bytes, [0, 0, 8, 1, 0, 0, 0, 2, 3, 1]);
        let bytes = encode_images(&images(2));
        assert_eq!(
            &bytes[..16],
            &[0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28]
        );
        assert_eq!(bytes.len(), 16 + 2 * PIXELS);
    }

    #[test]
    fn dataset_take_len_is_empty() {
        let d = Dataset {
            images: images(5),
            labels: labels(5),
        };
        assert_eq!(d.len(), 5);
        assert!(!d.is_empty());
        let t = d.take(3);
        assert_eq!(t.images, images(3));
        assert_eq!(t.labels, labels(3));
        assert_eq!(d.take(99), d);
        assert!(d.take(0).is_empty());
    }

    #[test]
    fn bad_magic_images() {
        let dir = tempfile::tempdir().unwrap();
        // A labels file where an images file is expected.
        let p = write(dir.path(), "swapped-images", &encode_labels(&labels(3)));
        let err = read_images(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::BadMagic {
                expected: 2051,
                found: 2049,
                ..
            }
        ));
        assert_names(&err, "swapped-images");
        assert!(err.to_string().contains("expected 2051 (images)"), "{err}");
    }

    #[test]
    fn bad_magic_labels() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            dir.path(),
            "swapped-labels.gz",
            &gzip(&encode_images(&images(1))),
        );
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::BadMagic {
                expected: 2049,
                found: 2051,
                ..
            }
        ));
        assert_names(&err, "swapped-labels.gz");
        assert!(err.to_string().contains("expected 2049 (labels)"), "{err}");
    }

    #[test]
    fn truncated_header() {
        let dir = tempfile::tempdir().unwrap();
        let full = encode_images(&images(1));
        let p = write(dir.path(), "short-header", &full[..10]);
        let err = read_images(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::Truncated {
                expected: 16,
                found: 10,
                ..
            }
        ));
        assert_names(&err, "short-header");
        // Too short even for the magic number.
        let p = write(dir.path(), "tiny", &[0, 0]);
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::Truncated {
                expected: 8,
                found: 2,
                ..
            }
        ));
        assert_names(&err, "tiny");
    }

    #[test]
    fn truncated_data() {
        let dir = tempfile::tempdir().unwrap();
        let full = encode_images(&images(4));
        let p = write(dir.path(), "short-data.gz", &gzip(&full[..full.len() - 1]));
        let err = read_images(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::Truncated { expected, found, .. }
                if expected == 16 + 4 * PIXELS && found == expected - 1
        ));
        assert_names(&err, "short-data.gz");
        let full = encode_labels(&labels(4));
        let p = write(dir.path(), "short-labels", &full[..full.len() - 2]);
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::Truncated {
                expected: 12,
                found: 10,
                ..
            }
        ));
    }

    #[test]
    fn huge_header_count_is_refused_before_reading() {
        let p = Path::new("huge");
        let err = parse_images(&images_with(2051, u32::MAX, 28, 28, &[]), p).unwrap_err();
        assert!(
            matches!(
                err,
                IdxError::TooMany {
                    count: u32::MAX,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "huge: the header claims 4294967295 examples, more than the 1048576 digitnet reads from one file"
        );
        let mut bytes = encode_labels(&[]);
        bytes[4..8].copy_from_slice(&(MAX_EXAMPLES as u32 + 1).to_be_bytes());
        let err = parse_labels(&gzip(&bytes), p).unwrap_err();
        assert!(matches!(err, IdxError::TooMany { .. }), "{err:?}");
        // At the limit the count is allowed, and the missing data is reported.
        bytes[4..8].copy_from_slice(&(MAX_EXAMPLES as u32).to_be_bytes());
        let err = parse_labels(&bytes, p).unwrap_err();
        assert!(
            matches!(err, IdxError::Truncated { expected, found: 8, .. } if expected == 8 + MAX_EXAMPLES),
            "{err:?}"
        );
    }

    #[test]
    fn raw_file_larger_than_its_header_is_refused_unread() {
        // A sparse 10 GB file whose header describes one label: refused by
        // its size alone (reading it would take minutes).
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "huge-labels", &encode_labels(&[3]));
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(10 << 30)
            .unwrap();
        let err = read_labels(&path).unwrap_err();
        assert!(
            matches!(err, IdxError::TrailingBytes { expected: 9, found, at_least: false, .. }
                if found == 10 << 30),
            "{err:?}"
        );
    }

    #[test]
    fn gzip_bomb_is_cut_off_after_the_header_size() {
        // Two labels, then 1 GiB of zeros as 64 gzip members of 16 MiB each
        // (about 1 MB compressed): reading stops counting at 64 MiB extra.
        let mut bytes = gzip(&encode_labels(&[1, 2]));
        let zeros = gzip(&vec![0u8; 16 << 20]);
        for _ in 0..64 {
            bytes.extend_from_slice(&zeros);
        }
        let err = parse_labels(&bytes, Path::new("bomb.gz")).unwrap_err();
        assert!(
            matches!(err, IdxError::TrailingBytes { expected: 10, at_least: true, found, .. }
                if found > 10 + (64 << 20) && found < 10 + (65 << 20)),
            "{err:?}"
        );
        assert!(err.to_string().ends_with(" or more"), "{err}");
    }

    #[test]
    fn trailing_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = encode_images(&images(2));
        bytes.push(0);
        let p = write(dir.path(), "long-images", &bytes);
        let err = read_images(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::TrailingBytes { expected, found, .. }
                if expected == 16 + 2 * PIXELS && found == expected + 1
        ));
        assert_names(&err, "long-images");
        let mut bytes = encode_labels(&labels(2));
        bytes.extend_from_slice(&[1, 2, 3]);
        let p = write(dir.path(), "long-labels.gz", &gzip(&bytes));
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::TrailingBytes {
                expected: 10,
                found: 13,
                ..
            }
        ));
        assert_names(&err, "long-labels.gz");
    }

    #[test]
    fn image_size_27x28() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = images_with(2051, 2, 27, 28, &[0; 2 * 27 * 28]);
        let p = write(dir.path(), "small-images", &bytes);
        let err = read_images(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::ImageSize {
                rows: 27,
                cols: 28,
                ..
            }
        ));
        assert_names(&err, "small-images");
        assert!(err.to_string().contains("27x28"), "{err}");
    }

    #[test]
    fn label_count_mismatch() {
        let dir = tempfile::tempdir().unwrap();
        let i = write(dir.path(), "imgs", &encode_images(&images(3)));
        let l = write(dir.path(), "labs", &encode_labels(&labels(4)));
        let err = read_dataset(&i, &l).unwrap_err();
        assert!(matches!(
            err,
            IdxError::CountMismatch {
                image_count: 3,
                label_count: 4,
                ..
            }
        ));
        assert_names(&err, "imgs");
        assert_names(&err, "labs");
    }

    #[test]
    fn label_above_9() {
        let mut labs = labels(8);
        labs[5] = 12;
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "bad-labels.gz", &gzip(&encode_labels(&labs)));
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(
            err,
            IdxError::LabelRange {
                index: 5,
                label: 12,
                ..
            }
        ));
        assert_eq!(
            err.to_string(),
            format!("{}: label 12 at index 5 is above 9", p.display())
        );
    }

    #[test]
    fn corrupt_gzip() {
        let dir = tempfile::tempdir().unwrap();
        // A valid gzip header, then garbage.
        let mut bytes = gzip(&encode_labels(&labels(5)))[..10].to_vec();
        bytes.extend_from_slice(&[0xff; 32]);
        let p = write(dir.path(), "garbage.gz", &bytes);
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(err, IdxError::Gzip { .. }), "{err:?}");
        assert_names(&err, "garbage.gz");
        // A gzip file cut short.
        let full = gzip(&encode_images(&images(20)));
        let p = write(dir.path(), "cut.gz", &full[..full.len() / 2]);
        let err = read_images(&p).unwrap_err();
        assert!(matches!(err, IdxError::Gzip { .. }), "{err:?}");
        assert_names(&err, "cut.gz");
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nope-idx1-ubyte");
        let err = read_labels(&p).unwrap_err();
        assert!(matches!(err, IdxError::Missing { .. }), "{err:?}");
        assert_names(&err, "nope-idx1-ubyte");
        let err = content_sha256(&p).unwrap_err();
        assert!(matches!(err, IdxError::Missing { .. }), "{err:?}");
    }

    #[test]
    fn unreadable_path_is_io() {
        // Reading a directory as a file fails with an error other than not-found.
        let dir = tempfile::tempdir().unwrap();
        let err = read_labels(dir.path()).unwrap_err();
        assert!(matches!(err, IdxError::Io { .. }), "{err:?}");
    }

    #[test]
    fn missing_dir() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("no-such-dir");
        let err = MnistFiles::in_dir(&p).unwrap_err();
        assert!(matches!(err, IdxError::MissingDir { .. }), "{err:?}");
        assert_names(&err, "no-such-dir");
        // A file is not a directory.
        let f = write(dir.path(), "a-file", b"x");
        let err = MnistFiles::in_dir(&f).unwrap_err();
        assert!(matches!(err, IdxError::MissingDir { .. }), "{err:?}");
    }

    #[test]
    fn in_dir_prefers_gz_and_falls_back_to_raw() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for name in [
            "train-images-idx3-ubyte.gz",
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte.gz",
        ] {
            write(d, name, b"");
        }
        let err = MnistFiles::in_dir(d).unwrap_err();
        assert!(matches!(err, IdxError::Missing { .. }), "{err:?}");
        assert_names(&err, "t10k-labels-idx1-ubyte.gz");
        write(d, "t10k-labels-idx1-ubyte", b"");
        let files = MnistFiles::in_dir(d).unwrap();
        assert_eq!(
            files,
            MnistFiles {
                train_images: d.join("train-images-idx3-ubyte.gz"),
                train_labels: d.join("train-labels-idx1-ubyte"),
                test_images: d.join("t10k-images-idx3-ubyte.gz"),
                test_labels: d.join("t10k-labels-idx1-ubyte"),
            }
        );
    }

    #[test]
    fn content_sha256_of_raw_and_gzip_agree() {
        let dir = tempfile::tempdir().unwrap();
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let raw = write(dir.path(), "abc", b"abc");
        let gz = write(dir.path(), "abc.gz", &gzip(b"abc"));
        assert_eq!(content_sha256(&raw).unwrap(), abc);
        assert_eq!(content_sha256(&gz).unwrap(), abc);
    }

    #[test]
    fn verify_mnist_names_the_mismatching_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for (name, _) in MNIST_SHA256 {
            write(d, name, b"not mnist");
        }
        let files = MnistFiles::in_dir(d).unwrap();
        let err = verify_mnist(&files).unwrap_err();
        assert!(matches!(err, IdxError::Checksum { .. }), "{err:?}");
        assert_names(&err, "t10k-images-idx3-ubyte");
        assert_names(&err, MNIST_SHA256[0].1);
    }

    fn mnist_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist")
    }

    #[test]
    fn real_test_labels_class_counts_and_hash() {
        let path = mnist_dir().join("t10k-labels-idx1-ubyte.gz");
        let labs = read_labels(&path).unwrap();
        let mut counts = [0usize; 10];
        for &l in &labs {
            counts[usize::from(l)] += 1;
        }
        assert_eq!(
            counts,
            [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
        );
        assert_eq!(content_sha256(&path).unwrap(), MNIST_SHA256[1].1);
    }

    #[test]
    fn real_mnist_files_read_and_verify() {
        let files = MnistFiles::in_dir(&mnist_dir()).unwrap();
        verify_mnist(&files).unwrap();
        let test = read_dataset(&files.test_images, &files.test_labels).unwrap();
        assert_eq!(test.len(), 10_000);
        assert_eq!(test.labels[..3], [7, 2, 1]);
        let train = read_dataset(&files.train_images, &files.train_labels).unwrap();
        assert_eq!(train.len(), 60_000);
        assert_eq!(train.labels[..3], [5, 0, 4]);
    }
}
