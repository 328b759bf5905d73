//! The entry points of the fuzz targets: every parser of outside input, fed
//! arbitrary bytes.
//!
//! `fuzz/fuzz_targets/<target>.rs` calls [`run`] with its own name under
//! `cargo fuzz` (nightly, libFuzzer), and `host/tests/fuzz_regressions.rs`
//! calls it on stable with every committed corpus and regression input, so
//! both drive the same code. Each entry point must return for every input:
//! a parser may refuse the bytes with an error (whose message is formatted,
//! cause chain and all, since printing it is part of reporting it), but a
//! panic, an abort, a hang or an allocation beyond the parser's documented
//! limits is a bug. Where a parser accepts the bytes, what it returns is
//! checked against what it promises (re-encoded and read back the same, the
//! prepared digit inside its field); a broken promise panics, which is what
//! the fuzzer reports.

use std::error::Error;
use std::io::Write;
use std::path::Path;

use digitnet_core::prepare::{self, Grey, BOX, SIDE};

use crate::data::{csv_file, idx, picture};
use crate::model;

/// The fuzz targets, by name: the names of `fuzz/fuzz_targets/*.rs` and of
/// the folders under `fuzz/corpus/` and `fuzz/regressions/`.
pub const TARGETS: [&str; 6] = ["idx", "idx_gzip", "csv", "model", "picture", "prepare"];

/// Runs the entry point of `target` (one of [`TARGETS`]) on `data`: how
/// many of its reads accepted the bytes (0 when every one refused them), or
/// `None` for an unknown target. A corpus should reach both outcomes.
pub fn run(target: &str, data: &[u8]) -> Option<usize> {
    Some(match target {
        "idx" => idx_file(data),
        "idx_gzip" => idx_gzip(data),
        "csv" => csv(data),
        "model" => model_file(data),
        "picture" => picture_file(data),
        "prepare" => prepare_grey(data),
        _ => return None,
    })
}

/// 1 for a read that accepted its input (after its promises were checked), 0
/// for one that refused it (after its message was formatted).
fn accepted<T, E: Error>(read: Result<T, E>, check: impl FnOnce(T)) -> usize {
    match read {
        Ok(value) => {
            check(value);
            1
        }
        Err(e) => {
            drop(report(&e));
            0
        }
    }
}

/// Formats an error and its causes, as `main` prints them.
fn report(err: &dyn Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    assert!(out.starts_with("fuzz"), "the message names the file: {out}");
    out
}

/// `data` as an IDX images file and as an IDX labels file (raw or gzip, told
/// apart by the content). A raw file that reads is its own encoding.
pub(crate) fn idx_file(data: &[u8]) -> usize {
    let path = Path::new("fuzz-input");
    let gzip = data.starts_with(&[0x1f, 0x8b]);
    let images = accepted(idx::parse_images(data, path), |images| {
        assert!(gzip || idx::encode_images(&images) == data)
    });
    let labels = accepted(idx::parse_labels(data, path), |labels| {
        assert!(labels.iter().all(|&l| l <= 9));
        assert!(gzip || idx::encode_labels(&labels) == data);
    });
    images + labels
}

/// `data` gzipped, then read as `idx_file` reads it: the gunzipping
/// reader's bounds, on any content.
pub fn idx_gzip(data: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let gzipped = encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    let path = Path::new("fuzz-input.gz");
    let images = accepted(idx::parse_images(&gzipped, path), |images| {
        assert!(idx::encode_images(&images) == data)
    });
    let labels = accepted(idx::parse_labels(&gzipped, path), |labels| {
        assert!(idx::encode_labels(&labels) == data)
    });
    images + labels
}

/// `data` as a CSV file of labelled digits; what reads, re-encoded, reads the same.
pub fn csv(data: &[u8]) -> usize {
    let path = Path::new("fuzz-input.csv");
    accepted(csv_file::parse(data, path), |set| {
        assert!(!set.is_empty() && set.images.len() == set.labels.len());
        let again = csv_file::parse(csv_file::encode(&set).as_bytes(), path);
        assert!(
            again.is_ok_and(|a| a == set),
            "re-encoded CSV reads differently"
        );
        accepted(csv_file::split(set, path), |(train, test)| {
            assert!(!train.is_empty() && !test.is_empty())
        });
    })
}

/// `data` as a model file, of any supported width and as a tiny `[3, 2, 2]`
/// network (which small inputs can reach); what loads, saved again, loads
/// to the same bytes.
pub(crate) fn model_file(data: &[u8]) -> usize {
    let path = Path::new("fuzz-input.safetensors");
    let any = accepted(model::from_bytes_any(data, path), |loaded| {
        let bytes = model::to_bytes_any(&loaded.net, loaded.info.as_ref());
        let again = model::from_bytes_any(&bytes, path).map(|a| {
            assert_eq!(a.net, loaded.net);
            model::to_bytes_any(&a.net, a.info.as_ref())
        });
        assert!(
            again.is_ok_and(|a| a == bytes),
            "saved again, reads differently"
        );
    });
    let tiny = accepted(model::from_bytes::<3, 2, 2>(data, path), |loaded| {
        let bytes = model::to_bytes(&loaded.net, loaded.info.as_ref());
        let again = model::from_bytes::<3, 2, 2>(&bytes, path)
            .map(|a| model::to_bytes(&a.net, a.info.as_ref()));
        assert!(
            again.is_ok_and(|a| a == bytes),
            "saved again, reads differently"
        );
    });
    any + tiny
}

/// `data` as a picture file, decoded and prepared as `digitnet predict` does.
pub(crate) fn picture_file(data: &[u8]) -> usize {
    let path = Path::new("fuzz-input.png");
    let mut prepared = 0;
    let decoded = accepted(picture::decode(data, path), |grey| {
        assert_eq!(grey.pixels.len(), grey.width * grey.height);
        prepared = accepted(picture::prepare_grey(&grey, path), |digit| {
            check_prepared(&digit)
        });
    });
    decoded + prepared
}

/// `data` as raw grey pixels, straight into the core's preparation: the
/// first byte (plus one) is the width, the rest the rows (a partial last row
/// is dropped). Reaches the preparation's corners far faster than decoding does.
pub fn prepare_grey(data: &[u8]) -> usize {
    let Some((&w, pixels)) = data.split_first() else {
        return 0;
    };
    let width = usize::from(w) + 1;
    let height = pixels.len() / width;
    match Grey::new(pixels, width, height).and_then(prepare::prepare) {
        Ok(digit) => {
            let (x, y, bw, bh) = digit.ink_box;
            assert!(bw >= 1 && bh >= 1 && x + bw <= width && y + bh <= height);
            check_prepared(&digit);
            1
        }
        Err(e) => {
            assert!(!e.to_string().is_empty());
            0
        }
    }
}

/// What [`prepare::prepare`] promises of a digit it returns.
fn check_prepared(digit: &prepare::Prepared) {
    let (sw, sh) = digit.scaled;
    let (ox, oy) = digit.offset;
    assert_eq!(sw.max(sh), BOX, "the longer side is scaled to 20");
    assert!(sw.min(sh) >= 1);
    assert!(ox + sw <= SIDE && oy + sh <= SIDE, "ink stays in the field");
    assert_eq!(digit.pixels.iter().max(), Some(&255), "stretched to 255");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_runs_on_empty_and_small_inputs() {
        for target in TARGETS {
            for data in [&b""[..], b"\x1f\x8b", b"\0\0\x08\x01\0\0\0\0", b"label"] {
                assert!(run(target, data).is_some(), "{target}");
            }
        }
        assert_eq!(run("no-such-target", b""), None);
    }

    #[test]
    #[should_panic(expected = "names the file")]
    fn a_message_without_the_file_name_is_caught() {
        report(&std::io::Error::other("no file named"));
    }
}
