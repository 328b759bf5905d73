//! Reading a picture file (PNG, JPEG, PGM/PPM) of one digit and preparing it
//! as an MNIST digit.
//!
//! Decoding is the `image` crate's; the preparation — invert, crop, scale,
//! centre — is the core's [`digitnet_core::prepare`], the same code a device
//! would run. Between them: the file is checked before anything large is
//! allocated (its size on disk, then the width and height in its header, then
//! the decoder's own allocation limit), and the decoded pixels become 8-bit
//! grey (transparent pixels over white paper).

use std::io::Cursor;
use std::path::{Path, PathBuf};

use digitnet_core::prepare::{prepare, Grey, PrepareError, Prepared};
use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use crate::data::file::{read_bounded, FileError, Unread};

/// Largest picture file read, in bytes (64 MiB).
pub(crate) const MAX_FILE_BYTES: u64 = 64 << 20;
/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Most memory the decoder may allocate, in bytes (256 MiB).
pub(crate) const MAX_DECODE_BYTES: u64 = 256 << 20;

/// Why a picture could not be read or prepared; every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PictureError {
    /// The file is missing or cannot be read.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is empty.
    #[error("{}: empty file", .path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The file is larger than `MAX_FILE_BYTES`.
    #[error("{}: {bytes} bytes is too large for a picture of a digit (at most {MAX_FILE_BYTES})", .path.display())]
    FileTooLarge {
        /// The file.
        path: PathBuf,
        /// Its size.
        bytes: u64,
    },
    /// The file does not start like a PNG, JPEG or PGM/PPM image.
    #[error("{}: not a PNG, JPEG or PGM/PPM image", .path.display())]
    NotAnImage {
        /// The file.
        path: PathBuf,
    },
    /// The header's width or height is above [`MAX_SIDE`].
    #[error("{}: {width}x{height} pixels is too large (at most {MAX_SIDE} per side)", .path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Width in the header.
        width: u32,
        /// Height in the header.
        height: u32,
    },
    /// The decoder failed (corrupt or truncated data, an unsupported variant, a limit).
    #[error("{}: cannot decode the {format} image", .path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The format its header announced.
        format: &'static str,
        /// The decoder's error.
        #[source]
        source: image::ImageError,
    },
    /// The picture decoded but cannot be prepared (no ink, most often).
    #[error("{}: {problem}", .path.display())]
    Prepare {
        /// The file.
        path: PathBuf,
        /// What the preparation found.
        problem: PrepareError,
    },
}

/// A decoded picture as 8-bit grey, row-major, `0` black.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GreyPicture {
    /// The pixels, `width × height` of them.
    pub pixels: Vec<u8>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
}

/// The name of an accepted format, for messages.
fn format_name(format: ImageFormat) -> Option<&'static str> {
    match format {
        ImageFormat::Png => Some("PNG"),
        ImageFormat::Jpeg => Some("JPEG"),
        ImageFormat::Pnm => Some("PNM"),
        _ => None,
    }
}

/// Reads and decodes a picture file to grey, refusing oversized files and
/// pictures before decoding them.
pub fn read(path: &Path) -> Result<GreyPicture, PictureError> {
    let data = read_bounded(path, MAX_FILE_BYTES).map_err(|e| match e {
        Unread::File(e) => PictureError::File(e),
        Unread::TooLarge(bytes) => PictureError::FileTooLarge {
            path: path.to_path_buf(),
            bytes,
        },
    })?;
    decode(&data, path)
}

/// Decodes picture bytes to grey; `path` is only used in errors.
pub fn decode(data: &[u8], path: &Path) -> Result<GreyPicture, PictureError> {
    if data.is_empty() {
        return Err(PictureError::Empty {
            path: path.to_path_buf(),
        });
    }
    let reader = || {
        ImageReader::new(Cursor::new(data))
            .with_guessed_format()
            .map_err(|source| FileError::Io {
                path: path.to_path_buf(),
                source,
            })
    };
    let first = reader()?;
    let Some(format) = first.format().and_then(format_name) else {
        return Err(PictureError::NotAnImage {
            path: path.to_path_buf(),
        });
    };
    let decode_err = |source| PictureError::Decode {
        path: path.to_path_buf(),
        format,
        source,
    };
    // The header alone: nothing is allocated for the pixels yet.
    let (width, height) = first.into_dimensions().map_err(decode_err)?;
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(PictureError::TooLarge {
            path: path.to_path_buf(),
            width,
            height,
        });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    let mut decoder = reader()?;
    decoder.limits(limits);
    let image = decoder.decode().map_err(decode_err)?;
    Ok(to_grey(image))
}

/// 8-bit grey, with any transparency composited over white. Takes the
/// decoded picture by value: an 8-bit grey picture becomes the result
/// without a copy, and any other is dropped as soon as it is converted.
fn to_grey(image: DynamicImage) -> GreyPicture {
    let (width, height) = (image.width() as usize, image.height() as usize);
    let pixels = if image.color().has_alpha() {
        let luma_alpha = image.to_luma_alpha8();
        drop(image);
        luma_alpha
            .pixels()
            .map(|p| {
                let [g, a] = p.0;
                let (g, a) = (u32::from(g), u32::from(a));
                // g·a + 255·(255 − a), over 255, rounded: at most 255.
                ((g * a + 255 * (255 - a) + 127) / 255) as u8
            })
            .collect()
    } else {
        image.into_luma8().into_raw()
    };
    GreyPicture {
        pixels,
        width,
        height,
    }
}

/// Reads a picture file and prepares it as an MNIST digit.
pub(crate) fn read_digit(path: &Path) -> Result<Prepared, PictureError> {
    let grey = read(path)?;
    prepare_grey(&grey, path)
}

/// Prepares a grey picture as an MNIST digit; `path` is only used in errors.
pub fn prepare_grey(grey: &GreyPicture, path: &Path) -> Result<Prepared, PictureError> {
    let prepare_err = |problem| PictureError::Prepare {
        path: path.to_path_buf(),
        problem,
    };
    let view = Grey::new(&grey.pixels, grey.width, grey.height).map_err(prepare_err)?;
    prepare(view).map_err(prepare_err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::{self, MnistFiles};
    use image::{GrayImage, ImageEncoder, Luma, Rgba, RgbaImage};

    fn png(image: &GrayImage) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(
                image.as_raw(),
                image.width(),
                image.height(),
                image::ExtendedColorType::L8,
            )
            .unwrap();
        out
    }

    /// A PNG signature, an IHDR chunk for a `w × h` 8-bit grey image and an
    /// empty IDAT chunk (each with its CRC): a header and no pixel data.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend_from_slice(&w.to_be_bytes());
        ihdr.extend_from_slice(&h.to_be_bytes());
        ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        for chunk in [ihdr, b"IDAT".to_vec()] {
            out.extend_from_slice(&(chunk.len() as u32 - 4).to_be_bytes());
            out.extend_from_slice(&chunk);
            out.extend_from_slice(&crc32(&chunk).to_be_bytes());
        }
        out
    }

    /// CRC-32 (IEEE), bit by bit: only for building test headers.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn p(name: &str) -> &Path {
        Path::new(name)
    }

    #[test]
    fn a_png_pgm_and_jpeg_decode_to_the_same_grey() {
        let mut img = GrayImage::from_pixel(40, 30, Luma([230]));
        for y in 5..25 {
            for x in 18..22 {
                img.put_pixel(x, y, Luma([20]));
            }
        }
        let from_png = decode(&png(&img), p("a.png")).unwrap();
        assert_eq!((from_png.width, from_png.height), (40, 30));
        assert_eq!(from_png.pixels, img.as_raw().clone());
        let mut pgm = b"P5\n40 30\n255\n".to_vec();
        pgm.extend_from_slice(img.as_raw());
        assert_eq!(decode(&pgm, p("a.pgm")).unwrap(), from_png);
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .write_image(img.as_raw(), 40, 30, image::ExtendedColorType::L8)
            .unwrap();
        let from_jpeg = decode(&jpeg, p("a.jpg")).unwrap();
        // Lossy, but the same digit once prepared.
        let a = prepare_grey(&from_png, p("a.png")).unwrap();
        let b = prepare_grey(&from_jpeg, p("a.jpg")).unwrap();
        assert_eq!(a.ink_box, b.ink_box);
        assert!(a.inverted && b.inverted);
    }

    #[test]
    fn transparency_is_paper() {
        // Black strokes on a fully transparent (black, alpha 0) canvas, as a
        // drawing program saves them: read as black ink on white paper.
        let mut img = RgbaImage::from_pixel(20, 20, Rgba([0, 0, 0, 0]));
        for y in 4..16 {
            img.put_pixel(10, y, Rgba([0, 0, 0, 255]));
        }
        let grey = to_grey(DynamicImage::ImageRgba8(img));
        assert_eq!(grey.pixels[0], 255);
        assert_eq!(grey.pixels[4 * 20 + 10], 0);
        let d = prepare_grey(&grey, p("t.png")).unwrap();
        assert!(d.inverted);
        assert_eq!(d.ink_box, (10, 4, 1, 12));
    }

    #[test]
    fn bad_files_are_named_errors() {
        let e = decode(b"", p("empty.png")).unwrap_err();
        assert_eq!(e.to_string(), "empty.png: empty file");
        let e = decode(b"hello, this is text", p("notes.png")).unwrap_err();
        assert_eq!(e.to_string(), "notes.png: not a PNG, JPEG or PGM/PPM image");
        // A GIF is recognised but not accepted.
        let e = decode(b"GIF89a\x01\x00\x01\x00\x00\x00\x00", p("a.gif")).unwrap_err();
        assert!(matches!(e, PictureError::NotAnImage { .. }), "{e}");
        // A PNG cut short after its header.
        let mut img = GrayImage::from_pixel(30, 30, Luma([0]));
        img.put_pixel(3, 3, Luma([255]));
        let mut cut = png(&img);
        cut.truncate(cut.len() - 20);
        let e = decode(&cut, p("cut.png")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cut.png: cannot decode the PNG image"),
            "{e}"
        );
        // No ink.
        let blank = png(&GrayImage::from_pixel(30, 30, Luma([255])));
        let grey = decode(&blank, p("blank.png")).unwrap();
        let e = prepare_grey(&grey, p("blank.png")).unwrap_err();
        assert!(e.to_string().starts_with("blank.png: no ink"), "{e}");
        let e = read(p("/no/such/file.png")).unwrap_err();
        assert_eq!(e.to_string(), "/no/such/file.png: file not found");
    }

    #[test]
    fn huge_headers_are_refused_before_decoding() {
        // 100,000 × 100,000 grey would be 10 GB: the header alone is refused.
        let e = decode(&png_header(100_000, 100_000), p("huge.png")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "huge.png: 100000x100000 pixels is too large (at most 16384 per side)"
        );
        let e = decode(b"P5\n100000 100000\n255\n", p("huge.pgm")).unwrap_err();
        assert!(
            matches!(e, PictureError::TooLarge { width: 100_000, .. }),
            "{e}"
        );
        // JPEG's largest, 65,535 × 65,535: a small JPEG whose start-of-frame
        // segment (FF C0, length, precision, height, width) is patched.
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
            .write_image(&[0; 64], 8, 8, image::ExtendedColorType::L8)
            .unwrap();
        let sof = jpeg.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
        jpeg[sof + 5..sof + 9].copy_from_slice(&[0xff; 4]);
        let e = decode(&jpeg, p("huge.jpg")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "huge.jpg: 65535x65535 pixels is too large (at most 16384 per side)"
        );
        // Inside the side limit but over the decoder's memory limit: 16,384²
        // RGB is 805 MB, refused by the limit before allocating.
        let e = decode(b"P6\n16384 16384\n255\n", p("big.ppm")).unwrap_err();
        assert!(matches!(e, PictureError::Decode { .. }), "{e}");
        // Degenerate: zero width.
        let e = decode(b"P5\n0 10\n255\n", p("zero.pgm"))
            .and_then(|g| prepare_grey(&g, p("zero.pgm")))
            .unwrap_err();
        assert_eq!(e.to_string(), "zero.pgm: the picture has no pixels");
    }

    /// Real MNIST digits, already prepared, come back (almost) as they were.
    #[test]
    fn mnist_digits_prepare_to_themselves() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/mnist");
        let files = MnistFiles::in_dir(&dir).unwrap();
        let test = idx::read_dataset(&files.test_images, &files.test_labels).unwrap();
        let net = crate::model::load_any(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/mnist-784-30-10.safetensors"),
        )
        .unwrap()
        .net;
        let (mut same_bytes, mut same_digit, mut diff) = (0, 0, 0u64);
        let n = 2_000;
        for image in test.images.iter().take(n) {
            let d = prepare(Grey::new(image, 28, 28).unwrap()).unwrap();
            assert!(!d.inverted);
            same_bytes += usize::from(d.pixels == *image);
            same_digit += usize::from(net.predict(&d.pixels) == net.predict(image));
            diff += image
                .iter()
                .zip(&d.pixels)
                .map(|(a, b)| u64::from(a.abs_diff(*b)))
                .sum::<u64>();
        }
        let mean = diff as f64 / (n * 784) as f64;
        assert!(
            same_bytes * 100 >= n * 65,
            "{same_bytes} of {n} byte for byte"
        );
        assert!(
            same_digit * 1000 >= n * 999,
            "{same_digit} of {n} read alike"
        );
        assert!(mean < 0.25, "mean difference {mean} grey levels per pixel");
    }
}
