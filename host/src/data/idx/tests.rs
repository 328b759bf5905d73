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
    assert!(
        matches!(
            err,
            IdxError::File(crate::data::file::FileError::Missing { .. })
        ),
        "{err:?}"
    );
    assert_names(&err, "nope-idx1-ubyte");
    let err = content_sha256(&p).unwrap_err();
    assert!(
        matches!(
            err,
            IdxError::File(crate::data::file::FileError::Missing { .. })
        ),
        "{err:?}"
    );
}

#[test]
fn unreadable_path_is_io() {
    // Reading a directory as a file fails with an error other than not-found.
    let dir = tempfile::tempdir().unwrap();
    let err = read_labels(dir.path()).unwrap_err();
    assert!(
        matches!(err, IdxError::File(crate::data::file::FileError::Io { .. })),
        "{err:?}"
    );
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
    assert!(
        matches!(
            err,
            IdxError::File(crate::data::file::FileError::Missing { .. })
        ),
        "{err:?}"
    );
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
