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

use core::fmt;

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

/// A borrowed greyscale picture, `0` black to `255` white: row `y` is the
/// `width` bytes from `pixels[y * stride]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grey<'a> {
    pixels: &'a [u8],
    width: usize,
    height: usize,
    stride: usize,
}

/// Why a picture cannot be prepared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrepareError {
    /// The width or the height is zero.
    Empty,
    /// The width or the height is above [`MAX_SIDE`].
    TooLarge {
        /// The width given.
        width: usize,
        /// The height given.
        height: usize,
    },
    /// The row stride is shorter than a row.
    BadStride {
        /// The width given.
        width: usize,
        /// The stride given.
        stride: usize,
    },
    /// The pixel buffer is shorter than the width, height and stride say.
    ShortBuffer {
        /// Bytes needed: `(height − 1) · stride + width`.
        expected: usize,
        /// Bytes given.
        found: usize,
    },
    /// Nothing stands out from the background by [`MIN_CONTRAST`] grey levels.
    NoInk,
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::Empty => f.write_str("the picture has no pixels"),
            PrepareError::TooLarge { width, height } => write!(
                f,
                "the picture is {width}x{height} pixels; at most {MAX_SIDE} per side"
            ),
            PrepareError::BadStride { width, stride } => {
                write!(f, "row stride {stride} is shorter than the width {width}")
            }
            PrepareError::ShortBuffer { expected, found } => write!(
                f,
                "the pixel buffer holds {found} bytes, the picture needs {expected}"
            ),
            PrepareError::NoInk => write!(
                f,
                "no ink: nothing stands out from the background by {MIN_CONTRAST} grey levels"
            ),
        }
    }
}

impl core::error::Error for PrepareError {}

impl<'a> Grey<'a> {
    /// A picture whose rows follow each other with no gap (`stride = width`).
    pub fn new(pixels: &'a [u8], width: usize, height: usize) -> Result<Self, PrepareError> {
        Self::with_stride(pixels, width, height, width)
    }

    /// A picture whose rows start `stride` bytes apart (a window into a
    /// larger buffer, or a frame buffer with padding).
    pub fn with_stride(
        pixels: &'a [u8],
        width: usize,
        height: usize,
        stride: usize,
    ) -> Result<Self, PrepareError> {
        if width == 0 || height == 0 {
            return Err(PrepareError::Empty);
        }
        if width > MAX_SIDE || height > MAX_SIDE {
            return Err(PrepareError::TooLarge { width, height });
        }
        if stride < width {
            return Err(PrepareError::BadStride { width, stride });
        }
        let expected = (height - 1)
            .checked_mul(stride)
            .and_then(|n| n.checked_add(width));
        match expected {
            Some(expected) if expected <= pixels.len() => Ok(Self {
                pixels,
                width,
                height,
                stride,
            }),
            _ => Err(PrepareError::ShortBuffer {
                expected: expected.unwrap_or(usize::MAX),
                found: pixels.len(),
            }),
        }
    }

    /// Width in pixels.
    pub const fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub const fn height(&self) -> usize {
        self.height
    }

    /// Row `y` (empty past the last row).
    fn row(&self, y: usize) -> &'a [u8] {
        // `with_stride` checked that every row lies inside `pixels`.
        let start = y.saturating_mul(self.stride);
        self.pixels
            .get(start..start.saturating_add(self.width))
            .unwrap_or(&[])
    }

    /// The rows from `y0` on, `height − y0` of them.
    fn rows(&self, y0: usize) -> impl Iterator<Item = &'a [u8]> + '_ {
        (y0..self.height).map(|y| self.row(y))
    }
}

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

/// How one pixel reads as ink: inverted if need be, less the background.
#[derive(Clone, Copy, Debug)]
struct InkLevel {
    inverted: bool,
    background: u8,
}

impl InkLevel {
    #[inline]
    fn ink(self, p: u8) -> u8 {
        let v = if self.inverted { 255 - p } else { p };
        v.saturating_sub(self.background)
    }
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

/// The polarity and background level, from the mean of the picture's frame.
fn ink_level(picture: &Grey<'_>) -> InkLevel {
    let (w, h) = (picture.width, picture.height);
    let mut sum: u64 = 0;
    let mut n: u64 = 0;
    let mut add = |p: u8| {
        sum += u64::from(p);
        n += 1;
    };
    for (y, row) in picture.rows(0).enumerate() {
        if y == 0 || y + 1 == h {
            row.iter().for_each(|&p| add(p));
        } else {
            row.first().into_iter().for_each(|&p| add(p));
            if w > 1 {
                row.last().into_iter().for_each(|&p| add(p));
            }
        }
    }
    let inverted = 2 * sum > 255 * n;
    let mean = div_round(sum, n);
    let mean = u8::try_from(mean).unwrap_or(u8::MAX);
    InkLevel {
        inverted,
        background: if inverted { 255 - mean } else { mean },
    }
}

/// The bounding box `(x, y, width, height)` of the pixels whose ink is at
/// least [`INK_THRESHOLD`]/255 of `peak`; `None` if there are none.
fn ink_box(picture: &Grey<'_>, level: InkLevel, peak: u8) -> Option<(usize, usize, usize, usize)> {
    // i / peak >= T / 255, in integers.
    let min_ink = u32::from(peak) * u32::from(INK_THRESHOLD);
    let is_ink = |p: u8| u32::from(level.ink(p)) * 255 >= min_ink;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, row) in picture.rows(0).enumerate() {
        let first = row.iter().position(|&p| is_ink(p));
        let last = row.iter().rposition(|&p| is_ink(p));
        if let (Some(first), Some(last)) = (first, last) {
            x0 = x0.min(first);
            x1 = x1.max(last + 1);
            y0 = y0.min(y);
            y1 = y + 1;
        }
    }
    (x1 > x0 && y1 > y0).then(|| (x0, y0, x1 - x0, y1 - y0))
}

/// The scaled box: the longer side [`BOX`], the shorter `round(BOX · short / long)`, at least 1.
fn scaled_size(bw: usize, bh: usize) -> (usize, usize) {
    let short = |s: usize, l: usize| {
        let v = div_round(s as u64 * BOX as u64, l as u64);
        usize::try_from(v).unwrap_or(BOX).clamp(1, BOX)
    };
    if bw >= bh {
        (BOX, short(bh, bw))
    } else {
        (short(bw, bh), BOX)
    }
}

/// `round(n / d)` with halves up; 0 when `d` is 0.
fn div_round(n: u64, d: u64) -> u64 {
    match n.checked_add(d / 2) {
        Some(m) => m.checked_div(d).unwrap_or(0),
        None => n.checked_div(d).unwrap_or(0),
    }
}

/// Area-averaging from the ink box to the scaled box.
///
/// Coordinates are counted in units of `1 / tw` source pixels along x (so a
/// source pixel spans `tw` units and an output pixel `bw` units), and likewise
/// `1 / th` along y; every overlap is then a whole number of units.
struct Resampler<'a> {
    picture: Grey<'a>,
    level: InkLevel,
    ink_box: (usize, usize, usize, usize),
    target: (usize, usize),
}

/// The source pixels that output pixel `o` overlaps along one axis, with the
/// overlap of each in units: `(first source index, weights)`.
fn overlaps(o: usize, src: usize, dst: usize) -> impl Iterator<Item = (usize, u64)> {
    let (src, dst, o) = (src as u64, dst as u64, o as u64);
    let lo = o * src;
    let hi = lo + src;
    let first = lo.checked_div(dst).unwrap_or(0);
    let last = hi.saturating_sub(1).checked_div(dst).unwrap_or(0);
    (first..=last).map(move |s| {
        let a = (s * dst).max(lo);
        let b = ((s + 1) * dst).min(hi);
        // Source indices are below `src` <= MAX_SIDE, so they fit a usize.
        (s as usize, b.saturating_sub(a))
    })
}

impl Resampler<'_> {
    /// The weighted ink sum of output pixel `(ox, oy)`.
    fn sum(&self, ox: usize, oy: usize) -> u64 {
        let (x0, y0, bw, bh) = self.ink_box;
        let (tw, th) = self.target;
        let mut total = 0u64;
        for (sy, wy) in overlaps(oy, bh, th) {
            let row = self.picture.row(y0 + sy);
            let mut row_sum = 0u64;
            for (sx, wx) in overlaps(ox, bw, tw) {
                let p = row.get(x0 + sx).copied().unwrap_or(0);
                row_sum += u64::from(self.level.ink(p)) * wx;
            }
            total += row_sum * wy;
        }
        total
    }

    /// Writes the scaled ink, stretched to a peak of 255, into the top-left
    /// `tw × th` corner of `out` (rows of [`BOX`]).
    fn fill(&self, out: &mut [u8; BOX * BOX]) {
        let (tw, th) = self.target;
        let cells = || (0..th).flat_map(move |oy| (0..tw).map(move |ox| (ox, oy)));
        let max = cells().map(|(ox, oy)| self.sum(ox, oy)).max().unwrap_or(0);
        for (ox, oy) in cells() {
            let v = div_round(self.sum(ox, oy) * 255, max);
            if let Some(cell) = out.get_mut(oy * BOX + ox) {
                *cell = u8::try_from(v).unwrap_or(u8::MAX);
            }
        }
    }
}

/// Where to put the `tw × th` scaled box (rows of [`BOX`] in `scaled`) in the
/// field so its centre of mass is nearest the centre; `None` if it is all zero.
fn centre(scaled: &[u8; BOX * BOX], tw: usize, th: usize) -> Option<(usize, usize)> {
    let (mut mass, mut mx, mut my) = (0i64, 0i64, 0i64);
    for (y, row) in scaled.chunks_exact(BOX).take(th).enumerate() {
        for (x, &v) in row.iter().take(tw).enumerate() {
            let v = i64::from(v);
            mass += v;
            // Twice the pixel centre, 2x + 1, keeps the halves whole.
            mx += v * (2 * x as i64 + 1);
            my += v * (2 * y as i64 + 1);
        }
    }
    if mass == 0 {
        return None;
    }
    // With pixel x's centre at x, the centre of mass is c = m / (2·mass) − 1/2,
    // and offset = floor(14 − c + 1/2) = floor((30·mass − m) / (2·mass)).
    let place = |m: i64, size: usize| {
        let target = CENTRE as i64;
        let off = ((2 * target + 2) * mass - m).div_euclid(2 * mass);
        let max = (SIDE - size) as i64;
        // Clamped so no ink leaves the field; fits a usize after the clamp.
        off.clamp(0, max) as usize
    };
    Some((place(mx, tw), place(my, th)))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::string::ToString;

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
    fn a_picture_knows_its_size() {
        let pixels = [0u8; 2 * 7 + 3];
        let grey = Grey::with_stride(&pixels, 3, 3, 7).unwrap();
        assert_eq!((grey.width(), grey.height()), (3, 3));
        let grey = Grey::new(&pixels[..12], 4, 3).unwrap();
        assert_eq!((grey.width(), grey.height()), (4, 3));
    }

    #[test]
    fn the_background_is_the_mean_of_the_whole_frame() {
        // 5 × 4: top and bottom rows 200, the left and right edges of the
        // middle rows 0, the inside 100 (not part of the frame). The frame
        // is 14 pixels summing to 2000: mean 143, light, so inverted.
        #[rustfmt::skip]
        let pixels = [
            200, 200, 200, 200, 200,
              0, 100, 100, 100,   0,
              0, 100, 100, 100,   0,
            200, 200, 200, 200, 200,
        ];
        let level = ink_level(&Grey::new(&pixels, 5, 4).unwrap());
        assert!(level.inverted);
        assert_eq!(level.background, 255 - 143);
        // One column: each pixel of it counts once (mean of 0, 90, 30).
        let level = ink_level(&Grey::new(&[0, 90, 30], 1, 3).unwrap());
        assert!(!level.inverted);
        assert_eq!(level.background, 40);
        // A frame exactly half way (mean 127.5) reads as dark: not inverted.
        let level = ink_level(&Grey::new(&[0, 255], 2, 1).unwrap());
        assert!(!level.inverted);
        assert_eq!(level.background, 128);
    }

    #[test]
    fn ink_starts_at_the_threshold_share_of_the_peak() {
        // Peak 200 over a black background: ink is at least 200·32/255 =
        // 25.1, so 26 is ink and 25 is not.
        let level = InkLevel {
            inverted: false,
            background: 0,
        };
        #[rustfmt::skip]
        let pixels = [
            0, 25,  0, 0,
            0, 200, 0, 0,
            0,  0,  0, 26,
        ];
        let grey = Grey::new(&pixels, 4, 3).unwrap();
        assert_eq!(ink_box(&grey, level, 200), Some((1, 1, 3, 2)));
        assert_eq!(
            ink_box(&Grey::new(&[0; 6], 3, 2).unwrap(), level, 200),
            None
        );
    }

    #[test]
    fn centre_puts_the_centre_of_mass_in_the_middle_pixel() {
        // One pixel: its centre goes to pixel 14 of 0..28.
        let mut scaled = [0u8; BOX * BOX];
        scaled[0] = 255;
        assert_eq!(centre(&scaled, 1, 1), Some((CENTRE, CENTRE)));
        // A 3 × 3 square: its middle pixel (1, 1) goes to 14.
        let mut scaled = [0u8; BOX * BOX];
        for y in 0..3 {
            for x in 0..3 {
                scaled[y * BOX + x] = 90;
            }
        }
        assert_eq!(centre(&scaled, 3, 3), Some((CENTRE - 1, CENTRE - 1)));
        assert_eq!(centre(&[0; BOX * BOX], 3, 3), None);
    }

    #[test]
    fn degenerate_and_huge_sizes_are_refused_before_reading() {
        assert_eq!(Grey::new(&[], 0, 5), Err(PrepareError::Empty));
        assert_eq!(Grey::new(&[1, 2], 2, 0), Err(PrepareError::Empty));
        assert_eq!(
            Grey::new(&[0; 10], MAX_SIDE + 1, 1),
            Err(PrepareError::TooLarge {
                width: MAX_SIDE + 1,
                height: 1
            })
        );
        assert_eq!(
            Grey::new(&[0; 10], 1, usize::MAX),
            Err(PrepareError::TooLarge {
                width: 1,
                height: usize::MAX
            })
        );
        assert_eq!(
            Grey::with_stride(&[0; 10], 4, 2, 3),
            Err(PrepareError::BadStride {
                width: 4,
                stride: 3
            })
        );
        assert_eq!(
            Grey::new(&[0; 10], 4, 3),
            Err(PrepareError::ShortBuffer {
                expected: 12,
                found: 10
            })
        );
        // The largest sides are accepted when the buffer is there (it is not
        // here), and the stride arithmetic does not overflow.
        assert_eq!(
            Grey::with_stride(&[0; 10], MAX_SIDE, MAX_SIDE, usize::MAX / 2),
            Err(PrepareError::ShortBuffer {
                expected: usize::MAX,
                found: 10
            })
        );
        assert!(PrepareError::TooLarge {
            width: 100_000,
            height: 3
        }
        .to_string()
        .contains("100000x3"));
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

    #[test]
    fn errors_display() {
        assert_eq!(PrepareError::Empty.to_string(), "the picture has no pixels");
        assert!(PrepareError::NoInk.to_string().starts_with("no ink"));
        assert!(PrepareError::ShortBuffer {
            expected: 12,
            found: 10
        }
        .to_string()
        .contains("holds 10 bytes"));
    }
}
