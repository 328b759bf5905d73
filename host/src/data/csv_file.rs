//! Labelled digits in a CSV file, in the layout of Kaggle's "Digit Recognizer"
//! `train.csv`: a header row (`label,pixel0,…,pixel783`), then one digit per
//! line, its label (0–9) and its 784 pixels (0–255, row by row, 0 = background).
//!
//! A single file holds no test split, so [`split`] sets every seventh digit
//! aside for testing (data rows 7, 14, 21, …, counted from 1 below the header),
//! the other six of each seven for training: 42,000 rows give 36,000 training
//! and 6,000 test digits. Taking every seventh row rather than the last
//! seventh keeps both parts alike even when the file is sorted by label; the
//! fraction, one in seven, is MNIST's own (10,000 test digits of 70,000).
//!
//! Memory is bounded whatever the file holds: a line longer than
//! `MAX_LINE_BYTES` or more than [`MAX_EXAMPLES`] rows are refused as they
//! are met, and fields are never quoted (a `"` is just a character, so no
//! quoted field can run on over many lines).

use std::io;
use std::path::{Path, PathBuf};

use crate::data::idx::{Dataset, Image, MAX_EXAMPLES, PIXELS};

/// Columns per row: the label, then the pixels.
pub(crate) const COLUMNS: usize = 1 + PIXELS;
/// Every `TEST_EVERY`-th data row is a test digit when a file is split.
pub(crate) const TEST_EVERY: usize = 7;
/// Longest line read, in bytes (64 KiB; the header is 7.8 KB and a row at
/// most 3.1 KB, so there is room for spaces around every value).
pub(crate) const MAX_LINE_BYTES: usize = 64 << 10;

/// What is wrong with a CSV file; every variant names the file, and the line where there is one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CsvError {
    /// The file does not exist.
    #[error("{}: file not found", .path.display())]
    Missing {
        /// The file looked for.
        path: PathBuf,
    },
    /// The file could not be read, or is not CSV at all.
    #[error("{}: cannot read CSV", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The reader's error.
        #[source]
        source: csv::Error,
    },
    /// The first line is not the header `label,pixel0,…,pixel783`.
    #[error(
        "{}: line 1: expected the header `label,pixel0,...,pixel783` ({COLUMNS} columns), found {found:?}{}",
        .path.display(),
        header_hint(found)
    )]
    Header {
        /// The file.
        path: PathBuf,
        /// The start of the first line as read.
        found: String,
    },
    /// A row does not have `COLUMNS` columns.
    #[error(
        "{}: line {line}: {found} columns, expected {COLUMNS} (a label and {PIXELS} pixels)",
        .path.display()
    )]
    Columns {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// Columns on that line.
        found: usize,
    },
    /// A label that is not a digit 0–9.
    #[error("{}: line {line}: label {value:?} is not a digit from 0 to 9", .path.display())]
    Label {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// The value as written.
        value: String,
    },
    /// A pixel that is not a whole number from 0 to 255.
    #[error(
        "{}: line {line}: pixel{pixel} = {value:?} is not a whole number from 0 to 255",
        .path.display()
    )]
    Pixel {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
        /// The pixel's index, 0–783 (column `pixel<index>`).
        pixel: usize,
        /// The value as written.
        value: String,
    },
    /// A line is longer than `MAX_LINE_BYTES`.
    #[error(
        "{}: line {line}: longer than {MAX_LINE_BYTES} bytes (is this a CSV file of digits?)",
        .path.display()
    )]
    LineTooLong {
        /// The file.
        path: PathBuf,
        /// Line number, from 1.
        line: u64,
    },
    /// More data rows than [`MAX_EXAMPLES`].
    #[error(
        "{}: more than {MAX_EXAMPLES} rows of data, the most digitnet reads from one file",
        .path.display()
    )]
    TooManyRows {
        /// The file.
        path: PathBuf,
    },
    /// A header and no data rows.
    #[error("{}: no rows of data below the header", .path.display())]
    NoRows {
        /// The file.
        path: PathBuf,
    },
    /// Too few rows to set every seventh aside for testing.
    #[error(
        "{}: {rows} rows of data; at least {TEST_EVERY} are needed to set every {TEST_EVERY}th aside for testing",
        .path.display()
    )]
    TooFewRows {
        /// The file.
        path: PathBuf,
        /// Data rows in the file.
        rows: usize,
    },
}

/// A hint for a header that names pixels but no label (Kaggle's `test.csv`).
fn header_hint(found: &str) -> &'static str {
    if found.trim_start_matches('\u{feff}').starts_with("pixel") {
        " (a file without labels, such as Kaggle's test.csv, can be neither trained nor tested on)"
    } else {
        ""
    }
}

/// Reads every row of a CSV file.
pub fn read(path: &Path) -> Result<Dataset, CsvError> {
    let file = std::fs::File::open(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            CsvError::Missing {
                path: path.to_path_buf(),
            }
        } else {
            CsvError::Read {
                path: path.to_path_buf(),
                source: source.into(),
            }
        }
    })?;
    parse(io::BufReader::new(file), path)
}

/// Parses CSV text (header, then rows); `path` is only used in errors.
pub fn parse<R: io::Read>(reader: R, path: &Path) -> Result<Dataset, CsvError> {
    parse_limited(reader, path, MAX_EXAMPLES)
}

/// [`parse`], refusing more than `max_rows` data rows.
fn parse_limited<R: io::Read>(
    reader: R,
    path: &Path,
    max_rows: usize,
) -> Result<Dataset, CsvError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .quoting(false)
        .from_reader(LineLimit::new(reader));
    let read_err = |source: csv::Error| match source.kind() {
        csv::ErrorKind::Io(e) => match e.get_ref().and_then(|e| e.downcast_ref::<LongLine>()) {
            Some(&LongLine { line }) => CsvError::LineTooLong {
                path: path.to_path_buf(),
                line,
            },
            None => CsvError::Read {
                path: path.to_path_buf(),
                source,
            },
        },
        _ => CsvError::Read {
            path: path.to_path_buf(),
            source,
        },
    };
    let mut record = csv::ByteRecord::new();
    let header_ok = csv.read_byte_record(&mut record).map_err(read_err)?;
    let first = record
        .get(0)
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .unwrap_or_default();
    let label = first.trim().trim_start_matches('\u{feff}');
    if !header_ok || record.len() != COLUMNS || !label.eq_ignore_ascii_case("label") {
        let line = String::from_utf8_lossy(record.as_slice());
        let mut found: String = line.chars().take(40).collect();
        if header_ok && record.len() > 1 {
            let fields: Vec<String> = record
                .iter()
                .take(3)
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            found = format!("{},... ({} columns)", fields.join(","), record.len());
        }
        return Err(CsvError::Header {
            path: path.to_path_buf(),
            found,
        });
    }
    let mut images = Vec::new();
    let mut labels = Vec::new();
    while csv.read_byte_record(&mut record).map_err(read_err)? {
        let line = record.position().map_or(0, csv::Position::line);
        if images.len() >= max_rows {
            return Err(CsvError::TooManyRows {
                path: path.to_path_buf(),
            });
        }
        if record.len() != COLUMNS {
            return Err(CsvError::Columns {
                path: path.to_path_buf(),
                line,
                found: record.len(),
            });
        }
        let mut fields = record.iter();
        let label_field = fields.next().unwrap_or_default();
        let label = match parse_u8(label_field) {
            Some(l) if l <= 9 => l,
            _ => {
                return Err(CsvError::Label {
                    path: path.to_path_buf(),
                    line,
                    value: String::from_utf8_lossy(label_field).into_owned(),
                })
            }
        };
        let mut image: Image = [0; PIXELS];
        for (pixel, (out, field)) in image.iter_mut().zip(fields).enumerate() {
            *out = parse_u8(field).ok_or_else(|| CsvError::Pixel {
                path: path.to_path_buf(),
                line,
                pixel,
                value: String::from_utf8_lossy(field).into_owned(),
            })?;
        }
        images.push(image);
        labels.push(label);
    }
    if images.is_empty() {
        return Err(CsvError::NoRows {
            path: path.to_path_buf(),
        });
    }
    Ok(Dataset { images, labels })
}

/// The error a [`LineLimit`] reader returns for an overlong line.
#[derive(Debug)]
struct LongLine {
    /// Line number, from 1.
    line: u64,
}

impl std::fmt::Display for LongLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {} is longer than {MAX_LINE_BYTES} bytes",
            self.line
        )
    }
}

impl std::error::Error for LongLine {}

/// A reader that fails (with a [`LongLine`] error) once a line runs past
/// [`MAX_LINE_BYTES`], so the CSV reader never buffers an unbounded record.
struct LineLimit<R> {
    inner: R,
    /// Bytes since the last line feed.
    run: usize,
    /// The current line's number, from 1.
    line: u64,
}

impl<R> LineLimit<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            run: 0,
            line: 1,
        }
    }
}

impl<R: io::Read> io::Read for LineLimit<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &byte in buf.get(..n).unwrap_or_default() {
            if byte == b'\n' {
                self.run = 0;
                self.line += 1;
            } else {
                self.run += 1;
                if self.run > MAX_LINE_BYTES {
                    let line = self.line;
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        LongLine { line },
                    ));
                }
            }
        }
        Ok(n)
    }
}

/// A whole number 0–255 written in decimal, spaces around allowed.
fn parse_u8(field: &[u8]) -> Option<u8> {
    let digits = field.trim_ascii();
    if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let value = digits
        .iter()
        .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    u8::try_from(value).ok()
}

/// Splits one file's rows into (training, test): data row `i` (from 0) is a
/// test digit when `i % 7 == 6`. Errors if that leaves no test digit.
pub fn split(all: Dataset, path: &Path) -> Result<(Dataset, Dataset), CsvError> {
    if all.len() < TEST_EVERY {
        return Err(CsvError::TooFewRows {
            path: path.to_path_buf(),
            rows: all.len(),
        });
    }
    let mut train = Dataset {
        images: Vec::with_capacity(all.len()),
        labels: Vec::with_capacity(all.len()),
    };
    let mut test = Dataset {
        images: Vec::with_capacity(all.len() / TEST_EVERY),
        labels: Vec::with_capacity(all.len() / TEST_EVERY),
    };
    for (i, (image, label)) in all.images.into_iter().zip(all.labels).enumerate() {
        let part = if i % TEST_EVERY == TEST_EVERY - 1 {
            &mut test
        } else {
            &mut train
        };
        part.images.push(image);
        part.labels.push(label);
    }
    Ok((train, test))
}

/// The CSV text of a labelled set, header first (the layout [`parse`] reads).
pub fn encode(data: &Dataset) -> String {
    let mut out = String::from("label");
    for p in 0..PIXELS {
        out.push_str(&format!(",pixel{p}"));
    }
    out.push('\n');
    for (image, label) in data.images.iter().zip(&data.labels) {
        out.push_str(&label.to_string());
        for p in image {
            out.push(',');
            out.push_str(&p.to_string());
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    /// `n` digits: image `i` has pixel `p` = `(i * 13 + p) % 256`, label `i % 10`.
    fn digits(n: usize) -> Dataset {
        Dataset {
            images: (0..n)
                .map(|i| std::array::from_fn(|p| ((i * 13 + p) % 256) as u8))
                .collect(),
            labels: (0..n).map(|i| (i % 10) as u8).collect(),
        }
    }

    fn parse_str(text: &str) -> Result<Dataset, CsvError> {
        parse(text.as_bytes(), Path::new("digits.csv"))
    }

    /// The CSV of `digits(n)` with line `line` (from 1) replaced by `f(line)`.
    fn edited(n: usize, line: usize, f: impl Fn(&str) -> String) -> String {
        let text = encode(&digits(n));
        let lines: Vec<String> = text
            .lines()
            .enumerate()
            .map(|(i, l)| if i + 1 == line { f(l) } else { l.to_owned() })
            .collect();
        lines.join("\n") + "\n"
    }

    #[test]
    fn round_trip() {
        let data = digits(12);
        assert_eq!(parse_str(&encode(&data)).unwrap(), data);
        // CRLF line ends, spaces around values, a byte-order mark and no final newline.
        let text = encode(&data).replace('\n', "\r\n").replace(",1,", ", 1 ,");
        let text = format!("\u{feff}{}", text.trim_end());
        assert_eq!(parse_str(&text).unwrap(), data);
    }

    #[test]
    fn split_takes_every_seventh_row() {
        let (train, test) = split(digits(42), Path::new("d.csv")).unwrap();
        assert_eq!((train.len(), test.len()), (36, 6));
        let all = digits(42);
        assert_eq!(test.images[0], all.images[6]);
        assert_eq!(test.images[5], all.images[41]);
        assert_eq!(train.images[6], all.images[7]);
        assert_eq!(test.labels, vec![6, 3, 0, 7, 4, 1]);
        let err = split(digits(6), Path::new("d.csv")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "d.csv: 6 rows of data; at least 7 are needed to set every 7th aside for testing"
        );
    }

    #[test]
    fn each_kind_of_bad_row_names_its_line() {
        let cases: [(String, &str); 7] = [
            (
                edited(5, 3, |l| l.rsplit_once(',').unwrap().0.to_owned()),
                "digits.csv: line 3: 784 columns, expected 785 (a label and 784 pixels)",
            ),
            (
                edited(5, 4, |l| format!("{l},0")),
                "digits.csv: line 4: 786 columns, expected 785",
            ),
            (
                edited(5, 2, |l| l.replacen("0,", "10,", 1)),
                "digits.csv: line 2: label \"10\" is not a digit from 0 to 9",
            ),
            (
                edited(5, 5, |l| l.replacen("3,", "x,", 1)),
                "digits.csv: line 5: label \"x\" is not a digit from 0 to 9",
            ),
            (
                edited(5, 6, |l| {
                    let (head, _) = l.rsplit_once(',').unwrap();
                    format!("{head},256")
                }),
                "digits.csv: line 6: pixel783 = \"256\" is not a whole number from 0 to 255",
            ),
            (
                edited(5, 2, |l| l.replacen(",0,", ",-1,", 1)),
                "is not a whole number from 0 to 255",
            ),
            (
                edited(5, 3, |l| l.replacen(",13,", ",1.5,", 1)),
                "digits.csv: line 3: pixel0 = \"1.5\"",
            ),
        ];
        for (text, message) in cases {
            let err = parse_str(&text).unwrap_err().to_string();
            assert!(err.contains(message), "expected {message:?} in {err:?}");
        }
    }

    #[test]
    fn header_and_empty_files() {
        let err = parse_str("").unwrap_err().to_string();
        assert!(
            err.starts_with("digits.csv: line 1: expected the header"),
            "{err}"
        );
        let err = parse_str(&encode(&digits(0))).unwrap_err().to_string();
        assert_eq!(err, "digits.csv: no rows of data below the header");
        // Rows without a header: the first row is taken for one and refused.
        let text = encode(&digits(3));
        let no_header = text.split_once('\n').unwrap().1;
        let err = parse_str(no_header).unwrap_err().to_string();
        assert!(err.contains("line 1: expected the header"), "{err}");
        assert!(err.contains("found \"0,0,1,... (785 columns)\""), "{err}");
        // Kaggle's test.csv: pixels only.
        let unlabelled: String = (0..PIXELS)
            .map(|p| format!("pixel{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let err = parse_str(&format!("{unlabelled}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("without labels"), "{err}");
    }

    #[test]
    fn parse_u8_bounds() {
        assert_eq!(parse_u8(b"0"), Some(0));
        assert_eq!(parse_u8(b" 255 "), Some(255));
        assert_eq!(parse_u8(b"007"), Some(7));
        for bad in [
            &b""[..],
            b"256",
            b"1000",
            b"-1",
            b"+1",
            b"1e2",
            b"12a",
            b" ",
        ] {
            assert_eq!(parse_u8(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn an_endless_line_is_refused_at_the_limit() {
        // 1 GB with no line feed would be one record; the reader stops after 64 KiB.
        let endless = io::repeat(b'7').take(1 << 30);
        let err = parse(endless, Path::new("one-line.csv")).unwrap_err();
        assert!(
            matches!(err, CsvError::LineTooLong { line: 1, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "one-line.csv: line 1: longer than 65536 bytes (is this a CSV file of digits?)"
        );
        // After a good header and row, on line 3.
        let mut text = encode(&digits(1)).into_bytes();
        text.extend(std::iter::repeat_n(b' ', MAX_LINE_BYTES + 1));
        let err = parse(&text[..], Path::new("d.csv")).unwrap_err();
        assert!(
            matches!(err, CsvError::LineTooLong { line: 3, .. }),
            "{err:?}"
        );
        // A line of exactly the limit is read (and refused for its content).
        let mut text = encode(&digits(1)).into_bytes();
        text.extend(std::iter::repeat_n(b' ', MAX_LINE_BYTES));
        let err = parse(&text[..], Path::new("d.csv")).unwrap_err();
        assert!(matches!(err, CsvError::Columns { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn a_quote_is_an_ordinary_character() {
        // An open quote would otherwise swallow every line after it into one field.
        let text = edited(3, 2, |l| format!("\"{l}"));
        let err = parse_str(&text).unwrap_err();
        assert!(
            err.to_string()
                .contains("line 2: label \"\\\"0\" is not a digit"),
            "{err}"
        );
    }

    #[test]
    fn more_rows_than_the_limit_are_refused() {
        let text = encode(&digits(4));
        let path = Path::new("many.csv");
        assert_eq!(parse_limited(text.as_bytes(), path, 4).unwrap().len(), 4);
        let err = parse_limited(text.as_bytes(), path, 3).unwrap_err();
        assert!(matches!(err, CsvError::TooManyRows { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "many.csv: more than 1048576 rows of data, the most digitnet reads from one file"
        );
    }

    #[test]
    fn missing_file() {
        let err = read(Path::new("no/such.csv")).unwrap_err();
        assert_eq!(err.to_string(), "no/such.csv: file not found");
    }
}
