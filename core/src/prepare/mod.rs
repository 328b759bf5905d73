//! Preparing a picture of one handwritten digit the way MNIST's digits were
//! prepared, so a network trained on MNIST can read it.
//!
//! MNIST's digits are white ink on black, the ink's bounding box scaled
//! (anti-aliased, keeping the aspect ratio) so its longer side is 20 pixels,
//! then placed in a 28×28 field so that the centre of mass of the ink is at
//! the field's centre. [`prepare`] does the same to any greyscale picture
//! (`0` black, `255` white), in these steps:
//!
//! 1. **Background and polarity.** The background level `bg` is the mean of
//!    the picture's outermost rows and columns (its frame). If that mean is
//!    above 127.5 the picture is dark ink on a light background, and every
//!    pixel `p` is read as `255 − p` from here on (so is `bg`).
//! 2. **Ink.** Each pixel's ink is how far it stands above the background,
//!    `i = max(0, v − bg)`; the peak is the largest `i`. A picture whose peak
//!    is below [`MIN_CONTRAST`] grey levels has no ink ([`PrepareError::NoInk`]).
//! 3. **Crop.** The bounding box of the pixels whose ink is at least
//!    [`INK_THRESHOLD`] 255ths of the peak (fainter pixels, such as paper
//!    texture or compression noise, do not stretch the box; inside the box
//!    they are kept).
//! 4. **Scale.** The box is resampled so its longer side is [`BOX`] = 20
//!    pixels and its shorter side `round(20 · short / long)` (at least 1),
//!    by area averaging: each output pixel is the mean of the ink over the
//!    part of the box it covers, with partly covered source pixels weighted
//!    by the covered fraction (exact integer arithmetic). The result is then
//!    stretched so its brightest pixel is 255: `out = round(255 · s / max s)`.
//! 5. **Centre.** The scaled digit is placed in a [`SIDE`]×[`SIDE`] field of
//!    zeros so that its centre of mass (weighted by grey level, pixel `x`'s
//!    centre at `x`) lands on pixel [`CENTRE`] = `(14, 14)`, as in MNIST,
//!    shifted by whole pixels (the shift rounded, halves up) — but never so
//!    far that ink leaves the field.
//!
//! A digit already prepared this way comes back nearly unchanged: of the
//! 10,000 MNIST test images, 71% come back byte for byte, the rest differ by
//! 0.1 grey levels per pixel on average (a peak of 254 stretched to 255, a
//! faint edge cropped), and the chapter-1 network classifies all but two of
//! them as it classifies the originals. Everything is integer arithmetic in a fixed order:
//! no heap, no floating point, no panics, the same bytes on every machine, so
//! a device reading a touch panel and a desktop reading a PNG agree exactly.
//!
//! The files, by job: `grey` (the picture, checked once), `ink` (steps 1
//! to 3), `scale` (step 4), `centre` (step 5) and `error`; this file holds
//! the steps in order ([`prepare`]) and their result ([`Prepared`]).
//!
//! ```
//! use digitnet_core::prepare::{prepare, Grey, SIDE};
//!
//! // A 30×60 picture: white paper with a black vertical bar (a "1").
//! let (w, h) = (30, 60);
//! let mut paper = [255u8; 30 * 60];
//! for y in 10..50 {
//!     for x in 12..18 {
//!         paper[y * w + x] = 0;
//!     }
//! }
//! let digit = prepare(Grey::new(&paper, w, h)?)?;
//! assert!(digit.inverted);
//! assert_eq!(digit.scaled, (3, 20)); // 6×40 ink, longer side to 20
//! assert_eq!(digit.pixels[14 * SIDE + 14], 255); // ink on the centre pixel
//! assert_eq!(digit.pixels[0], 0); // background is black
//! # Ok::<(), digitnet_core::prepare::PrepareError>(())
//! ```

mod centre;
mod error;
mod grey;
mod ink;
mod scale;

pub use error::PrepareError;
pub use grey::Grey;

use centre::centre;
use ink::{ink_box, ink_level};
use scale::{scaled_size, Resampler};

/// Side of the prepared field: 28 pixels, as MNIST's.
pub const SIDE: usize = 28;
/// Pixels of the prepared field.
pub const PIXELS: usize = SIDE * SIDE;
/// The longer side of the scaled ink box: 20 pixels, as MNIST's.
pub const BOX: usize = 20;
/// The largest width or height accepted (65,536), which keeps every sum in a `u64`.
pub const MAX_SIDE: usize = 1 << 16;
/// The pixel that the centre of mass is placed on, `(14, 14)`: MNIST's
/// centre of mass lies within half a pixel of it (pixel `x`'s centre at `x`).
pub const CENTRE: usize = SIDE / 2;
/// Least difference between the peak ink and the background, in grey levels,
/// for a picture to count as having ink at all.
pub const MIN_CONTRAST: u8 = 32;
/// A pixel counts towards the bounding box when its ink is at least this many
/// 255ths of the peak ink.
pub const INK_THRESHOLD: u8 = 32;

/// A prepared digit and what was done to get it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepared {
    /// The 28×28 field, row-major, `0` background to `255` ink, as an MNIST image.
    pub pixels: [u8; PIXELS],
    /// Whether the picture was read as dark ink on a light background (and so inverted).
    pub inverted: bool,
    /// The background level, after inversion.
    pub background: u8,
    /// The ink's bounding box in the picture: `(x, y, width, height)`.
    pub ink_box: (usize, usize, usize, usize),
    /// The size of the scaled ink box in the field: `(width, height)`, the longer side 20.
    pub scaled: (usize, usize),
    /// Where the scaled box's top-left corner went in the field: `(x, y)`.
    pub offset: (usize, usize),
}

/// Prepares `picture` as MNIST's digits were prepared (see the module docs).
pub fn prepare(picture: Grey<'_>) -> Result<Prepared, PrepareError> {
    let level = ink_level(&picture);
    let peak = picture
        .rows(0)
        .flat_map(|row| row.iter())
        .map(|&p| level.ink(p))
        .max()
        .unwrap_or(0);
    if peak < MIN_CONTRAST {
        return Err(PrepareError::NoInk);
    }
    let ink_box = ink_box(&picture, level, peak).ok_or(PrepareError::NoInk)?;
    let (_, _, bw, bh) = ink_box;
    let (tw, th) = scaled_size(bw, bh);
    let resampler = Resampler {
        picture,
        level,
        ink_box,
        target: (tw, th),
    };
    let mut scaled = [0u8; BOX * BOX];
    resampler.fill(&mut scaled);
    let offset = centre(&scaled, tw, th).ok_or(PrepareError::NoInk)?;
    let mut pixels = [0u8; PIXELS];
    for (row, field_row) in scaled
        .chunks_exact(BOX)
        .take(th)
        .zip(pixels.chunks_exact_mut(SIDE).skip(offset.1))
    {
        let dst = field_row.iter_mut().skip(offset.0);
        for (d, s) in dst.zip(row.iter().take(tw)) {
            *d = *s;
        }
    }
    Ok(Prepared {
        pixels,
        inverted: level.inverted,
        background: level.background,
        ink_box,
        scaled: (tw, th),
        offset,
    })
}

/// `round(n / d)` with halves up; 0 when `d` is 0.
fn div_round(n: u64, d: u64) -> u64 {
    match n.checked_add(d / 2) {
        Some(m) => m.checked_div(d).unwrap_or(0),
        None => n.checked_div(d).unwrap_or(0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w × h` picture of `background` with `ink` in the rectangle `(x, y, rw, rh)`.
    fn rect<const N: usize>(
        w: usize,
        h: usize,
        background: u8,
        ink: u8,
        (x, y, rw, rh): (usize, usize, usize, usize),
    ) -> [u8; N] {
        let mut p = [background; N];
        for yy in y..y + rh {
            for xx in x..x + rw {
                p[yy * w + xx] = ink;
            }
        }
        assert_eq!(N, w * h);
        p
    }

    /// Centre of mass of a prepared field, pixel `x`'s centre at `x`.
    fn centre_of_mass(p: &[u8; PIXELS]) -> (f64, f64) {
        let (mut m, mut x, mut y) = (0.0, 0.0, 0.0);
        for (i, &v) in p.iter().enumerate() {
            let v = f64::from(v);
            m += v;
            x += v * (i % SIDE) as f64;
            y += v * (i / SIDE) as f64;
        }
        (x / m, y / m)
    }

    /// The bounding box of the non-zero pixels of a field: `(x, y, w, h)`.
    fn field_box(p: &[u8; PIXELS]) -> (usize, usize, usize, usize) {
        let (mut x0, mut y0, mut x1, mut y1) = (SIDE, SIDE, 0, 0);
        for (i, &v) in p.iter().enumerate() {
            if v > 0 {
                let (x, y) = (i % SIDE, i / SIDE);
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
        (x0, y0, x1 - x0, y1 - y0)
    }

    #[test]
    fn a_white_square_on_black_fills_the_box_at_the_centre() {
        // 10×10 picture, a 4×4 white square at (1, 2): scaled ×5 to 20×20,
        // its centre of mass 9.5 pixels in, so placed 14 − 9.5 = 4.5, rounded
        // up to 5 pixels from the top left: rows and columns 5..25 are 255.
        let pic: [u8; 100] = rect(10, 10, 0, 255, (1, 2, 4, 4));
        let d = prepare(Grey::new(&pic, 10, 10).unwrap()).unwrap();
        assert!(!d.inverted);
        assert_eq!(d.background, 0);
        assert_eq!(d.ink_box, (1, 2, 4, 4));
        assert_eq!(d.scaled, (20, 20));
        assert_eq!(d.offset, (5, 5));
        for (i, &v) in d.pixels.iter().enumerate() {
            let (x, y) = (i % SIDE, i / SIDE);
            let inside = (5..25).contains(&x) && (5..25).contains(&y);
            assert_eq!(v, if inside { 255 } else { 0 }, "pixel ({x}, {y})");
        }
    }

    #[test]
    fn dark_ink_on_light_paper_is_inverted() {
        let light: [u8; 100] = rect(10, 10, 250, 10, (3, 3, 2, 4));
        let dark: [u8; 100] = rect(10, 10, 5, 245, (3, 3, 2, 4));
        let a = prepare(Grey::new(&light, 10, 10).unwrap()).unwrap();
        let b = prepare(Grey::new(&dark, 10, 10).unwrap()).unwrap();
        assert!(a.inverted);
        assert!(!b.inverted);
        assert_eq!(a.background, 5);
        assert_eq!(a.pixels, b.pixels);
        // Grey paper is background, not ink: only the bar is drawn, at full strength.
        assert_eq!(a.pixels.iter().filter(|&&v| v == 255).count(), 10 * 20);
        assert_eq!(a.pixels.iter().filter(|&&v| v == 0).count(), PIXELS - 200);
    }

    #[test]
    fn aspect_ratio_is_kept() {
        // 6 wide, 40 tall: 20 tall, round(20·6/40) = 3 wide.
        let tall: [u8; 60 * 50] = rect(60, 50, 0, 200, (7, 5, 6, 40));
        let d = prepare(Grey::new(&tall, 60, 50).unwrap()).unwrap();
        assert_eq!(d.ink_box, (7, 5, 6, 40));
        assert_eq!(d.scaled, (3, 20));
        assert_eq!(field_box(&d.pixels).2..=field_box(&d.pixels).3, 3..=20);
        // 33 wide, 10 tall: 20 wide, round(200/33) = 6 tall.
        let wide: [u8; 40 * 40] = rect(40, 40, 0, 255, (2, 20, 33, 10));
        let d = prepare(Grey::new(&wide, 40, 40).unwrap()).unwrap();
        assert_eq!(d.scaled, (20, 6));
        let (_, _, w, h) = field_box(&d.pixels);
        assert_eq!((w, h), (20, 6));
        // A one-pixel line stays at least one pixel wide.
        let line: [u8; 100 * 100] = rect(100, 100, 0, 255, (50, 0, 1, 100));
        let d = prepare(Grey::new(&line, 100, 100).unwrap()).unwrap();
        assert_eq!(d.scaled, (1, 20));
    }

    #[test]
    fn centre_of_mass_lands_at_the_centre() {
        // An L shape: its mass is off the box's centre, so the box is shifted.
        let mut pic = [0u8; 30 * 30];
        for y in 2..22 {
            for x in 3..7 {
                pic[y * 30 + x] = 255;
            }
        }
        for y in 18..22 {
            for x in 3..23 {
                pic[y * 30 + x] = 255;
            }
        }
        let d = prepare(Grey::new(&pic, 30, 30).unwrap()).unwrap();
        let (cx, cy) = centre_of_mass(&d.pixels);
        assert!((cx - 14.0).abs() <= 0.5, "{cx}");
        assert!((cy - 14.0).abs() <= 0.5, "{cy}");
        // The box is not at (5, 5), where a square's would be: the mass
        // pulled it right and up.
        assert_ne!(d.offset, (5, 5));
    }

    #[test]
    fn a_lopsided_digit_is_shifted_only_as_far_as_the_field_allows() {
        // A heavy bar on top of a faint one-pixel stem: the mass is near the
        // top, so centring it would push the stem's end out of the field.
        let mut pic = [0u8; 50 * 50];
        for y in 5..45 {
            pic[y * 50 + 25] = 60;
        }
        for y in 5..9 {
            for x in 5..45 {
                pic[y * 50 + x] = 255;
            }
        }
        let d = prepare(Grey::new(&pic, 50, 50).unwrap()).unwrap();
        assert_eq!(d.scaled, (20, 20));
        assert_eq!(d.offset.1, SIDE - 20, "clamped to the bottom edge");
        let last_row = &d.pixels[(SIDE - 1) * SIDE..];
        assert!(last_row.iter().any(|&v| v > 0), "the stem's end is kept");
    }

    #[test]
    fn no_ink_is_an_error() {
        for level in [0u8, 17, 128, 200, 255] {
            let flat = [level; 64];
            assert_eq!(
                prepare(Grey::new(&flat, 8, 8).unwrap()),
                Err(PrepareError::NoInk),
                "{level}"
            );
        }
        // A faint mark below the contrast threshold is not ink either.
        let faint: [u8; 100] = rect(10, 10, 200, 200 - MIN_CONTRAST + 1, (4, 4, 2, 2));
        assert_eq!(
            prepare(Grey::new(&faint, 10, 10).unwrap()),
            Err(PrepareError::NoInk)
        );
        let just: [u8; 100] = rect(10, 10, 200, 200 - MIN_CONTRAST, (4, 4, 2, 2));
        assert!(prepare(Grey::new(&just, 10, 10).unwrap()).is_ok());
    }

    #[test]
    fn one_pixel_and_one_row_pictures() {
        // One ink pixel: its box is 1×1, scaled to a full 20×20 block.
        let mut dot = [0u8; 25];
        dot[12] = 90;
        let d = prepare(Grey::new(&dot, 5, 5).unwrap()).unwrap();
        assert_eq!(d.scaled, (20, 20));
        assert_eq!(d.pixels.iter().filter(|&&v| v == 255).count(), 400);
        // A 1×1 picture is all frame: no ink.
        assert_eq!(
            prepare(Grey::new(&[255], 1, 1).unwrap()),
            Err(PrepareError::NoInk)
        );
        // A single row whose middle is ink.
        let row = [0, 0, 255, 255, 255, 0, 0];
        let d = prepare(Grey::new(&row, 7, 1).unwrap()).unwrap();
        assert_eq!(d.scaled, (20, 7));
    }

    #[test]
    fn stride_reads_a_window_of_a_larger_buffer() {
        // The same 10×10 picture, alone and as the left half of 20-wide rows
        // whose right half is noise that must be ignored.
        let pic: [u8; 100] = rect(10, 10, 0, 255, (2, 1, 3, 7));
        let mut wide = [0u8; 200];
        for y in 0..10 {
            wide[y * 20..y * 20 + 10].copy_from_slice(&pic[y * 10..y * 10 + 10]);
            for x in 10..20 {
                wide[y * 20 + x] = ((x * 37 + y * 11) % 256) as u8;
            }
        }
        let a = prepare(Grey::new(&pic, 10, 10).unwrap()).unwrap();
        let b = prepare(Grey::with_stride(&wide, 10, 10, 20).unwrap()).unwrap();
        assert_eq!(a, b);
        // The last row needs only `width` bytes, not a whole stride.
        let b = prepare(Grey::with_stride(&wide[..190], 10, 10, 20).unwrap()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn scaling_averages_the_area() {
        // A 40×40 checkerboard of 1-pixel squares inside a 40×40 box framed
        // by black: each output pixel covers 2×2 source pixels, half ink, so
        // every output pixel is the same grey and the stretch makes it 255.
        let mut pic = [0u8; 44 * 44];
        for y in 2..42 {
            for x in 2..42 {
                pic[y * 44 + x] = if (x + y) % 2 == 0 { 255 } else { 0 };
            }
        }
        let d = prepare(Grey::new(&pic, 44, 44).unwrap()).unwrap();
        assert_eq!(d.ink_box, (2, 2, 40, 40));
        assert_eq!(d.pixels.iter().filter(|&&v| v == 255).count(), 400);
        // A bar 3 source pixels wide scaled by 1/2 covers output pixels
        // 1.5 wide: one full (255) and one half (128) column.
        let mut bar = [0u8; 40 * 40];
        for y in 0..40 {
            for x in 10..13 {
                bar[y * 40 + x] = 255;
            }
        }
        // Box 3×40 → 2×20 (round(1.5)=2): columns cover 1.5 source pixels each.
        let d = prepare(Grey::new(&bar, 40, 40).unwrap()).unwrap();
        assert_eq!(d.scaled, (2, 20));
        let row: [u8; 2] = [
            d.pixels[14 * SIDE + d.offset.0],
            d.pixels[14 * SIDE + d.offset.0 + 1],
        ];
        assert_eq!(row, [255, 255]);
    }

    #[test]
    fn a_prepared_field_prepares_to_itself() {
        // Preparing twice changes nothing: the box is already 20 on its
        // longer side and centred.
        let mut pic = [0u8; 50 * 70];
        for y in 5..60 {
            for x in 10..14 {
                pic[y * 50 + x + (y / 8)] = 255;
            }
        }
        for x in 8..30 {
            pic[30 * 50 + x] = 160;
        }
        let once = prepare(Grey::new(&pic, 50, 70).unwrap()).unwrap();
        let twice = prepare(Grey::new(&once.pixels, SIDE, SIDE).unwrap()).unwrap();
        assert_eq!(once.pixels, twice.pixels);
    }
}
