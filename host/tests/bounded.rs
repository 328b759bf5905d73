//! Hostile inputs are refused before anything large is allocated: a header
//! claiming 2^32 images, a tensor of 2^40 bytes, a picture of
//! 100,000 × 100,000 pixels, a gzip bomb, an endless CSV line, 10 GB files.
//!
//! A counting global allocator records the most heap in use while each
//! input is read; every case must stay under a few megabytes, where
//! allocating what the input claims would take gigabytes to terabytes.
#![allow(unsafe_code)] // the counting allocator below, and only it

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};

use digitnet::data::{csv_file, idx, picture};
use digitnet::model;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = IN_USE.fetch_add(bytes, Ordering::SeqCst) + bytes;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

// SAFETY: every call is passed on to `System` unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::SeqCst);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            IN_USE.fetch_sub(layout.size(), Ordering::SeqCst);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time (tests run on several threads, and the counter is
/// the whole process's): every test holds this for its whole body.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Most bytes any case may allocate while reading its input.
const BOUND: usize = 4 << 20;

/// Runs `f` and returns its result with the most heap it had in use at
/// once, above what was in use before.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = IN_USE.load(Ordering::SeqCst);
    PEAK.store(before, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst).saturating_sub(before))
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn the_counter_sees_a_large_allocation() {
    let _serial = serial();
    // The measurement itself: 64 MB really allocated is seen as such. The
    // counter is the process's, and the test harness's own threads may free
    // a few bytes meanwhile, so the peak may read a little under 64 MB.
    let (v, peak) = peak_of(|| vec![1u8; 64 << 20]);
    assert_eq!(v.len(), 64 << 20);
    assert!(peak >= (64 << 20) - (64 << 10), "{peak}");
}

#[test]
fn an_idx_header_claiming_2_pow_32_images() {
    let _serial = serial();
    let mut bytes = Vec::new();
    for word in [2051u32, u32::MAX, 28, 28] {
        bytes.extend_from_slice(&word.to_be_bytes());
    }
    bytes.extend_from_slice(&[0; 784]);
    let gz = gzip(&bytes);
    for (input, name) in [(&bytes, "raw"), (&gz, "gzip")] {
        let (out, peak) = peak_of(|| idx::parse_images(input, Path::new(name)));
        let err = out.unwrap_err();
        assert!(matches!(err, idx::IdxError::TooMany { .. }), "{err:?}");
        assert!(peak < BOUND, "{name}: {peak} bytes");
    }
    // A count within the limit but far beyond the data: not allocated up front.
    bytes[4..8].copy_from_slice(&(idx::MAX_EXAMPLES as u32).to_be_bytes());
    let gz = gzip(&bytes);
    let (out, peak) = peak_of(|| idx::parse_images(&gz, Path::new("claims-1m.gz")));
    assert!(
        matches!(out, Err(idx::IdxError::Truncated { .. })),
        "{out:?}"
    );
    assert!(peak < BOUND, "{peak} bytes");
}

#[test]
fn a_gzip_bomb_is_cut_off_at_the_header_size() {
    let _serial = serial();
    // Ten labels, then 1 GiB of zeros (64 members of 16 MiB, 1 MB compressed).
    let mut labels = Vec::new();
    for word in [2049u32, 10] {
        labels.extend_from_slice(&word.to_be_bytes());
    }
    labels.extend_from_slice(&[3; 10]);
    let mut bomb = gzip(&labels);
    let zeros = gzip(&vec![0u8; 16 << 20]);
    for _ in 0..64 {
        bomb.extend_from_slice(&zeros);
    }
    let (out, peak) = peak_of(|| idx::parse_labels(&bomb, Path::new("bomb.gz")));
    assert!(
        matches!(
            out,
            Err(idx::IdxError::TrailingBytes { at_least: true, .. })
        ),
        "{out:?}"
    );
    assert!(peak < BOUND, "{peak} bytes");
}

#[test]
fn a_tensor_of_2_pow_40_bytes() {
    let _serial = serial();
    let header = r#"{"hidden.weight":{"dtype":"F32","shape":[1024,268435456],"data_offsets":[0,1099511627776]}}"#;
    let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(&[0; 64]);
    let (out, peak) = peak_of(|| model::from_bytes_any(&bytes, Path::new("huge.safetensors")));
    let err = out.unwrap_err();
    assert!(matches!(err, model::ModelError::Format { .. }), "{err:?}");
    assert!(peak < BOUND, "{peak} bytes");
}

#[test]
fn a_picture_of_100000_by_100000_pixels() {
    let _serial = serial();
    for (data, name) in [
        (&b"P5\n100000 100000\n255\n"[..], "huge.pgm"),
        (&b"P6\n16384 16384\n255\n"[..], "big.ppm"), // within the side limit, over the decoder's
    ] {
        let (out, peak) = peak_of(|| picture::decode(data, Path::new(name)));
        assert!(out.is_err(), "{name}");
        assert!(peak < BOUND, "{name}: {peak} bytes");
    }
}

#[test]
fn an_endless_csv_line() {
    let _serial = serial();
    let (out, peak) = peak_of(|| {
        let endless = std::io::repeat(b'1').take(1 << 30);
        csv_file::parse(endless, Path::new("endless.csv"))
    });
    assert!(
        matches!(out, Err(csv_file::CsvError::LineTooLong { .. })),
        "{out:?}"
    );
    assert!(peak < BOUND, "{peak} bytes");
}

#[test]
fn files_of_10_gb() {
    let _serial = serial();
    // Sparse files: 10 GB long, no disk used. A "model" is refused by its
    // size, an IDX file by its size against its header; neither is read.
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("huge.safetensors");
    let idx_path = dir.path().join("huge-labels-idx1-ubyte");
    let mut labels = Vec::new();
    for word in [2049u32, 5] {
        labels.extend_from_slice(&word.to_be_bytes());
    }
    std::fs::write(&idx_path, &labels).unwrap();
    for path in [&model_path, &idx_path] {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .unwrap();
        file.set_len(10 << 30).unwrap();
    }
    let (out, peak) = peak_of(|| model::load_any(&model_path));
    assert!(
        matches!(out, Err(model::ModelError::TooLarge { .. })),
        "{out:?}"
    );
    assert!(peak < BOUND, "model: {peak} bytes");
    let (out, peak) = peak_of(|| idx::read_labels(&idx_path));
    assert!(
        matches!(out, Err(idx::IdxError::TrailingBytes { .. })),
        "{out:?}"
    );
    assert!(peak < BOUND, "idx: {peak} bytes");
    let picture_path = dir.path().join("huge.png");
    std::fs::File::create(&picture_path)
        .unwrap()
        .set_len(10 << 30)
        .unwrap();
    let (out, peak) = peak_of(|| picture::read(&picture_path));
    assert!(
        matches!(out, Err(picture::PictureError::FileTooLarge { .. })),
        "{out:?}"
    );
    assert!(peak < BOUND, "picture: {peak} bytes");
}
