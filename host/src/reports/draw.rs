//! Pictures as SVG or PNG files, drawn with `plotters`.
//!
//! Text is laid out and rasterised with the DejaVu Sans font compiled into
//! the binary (the `dejavu` crate, through plotters' `ab_glyph` feature), so
//! drawing needs no fonts installed on the machine. PNG files are drawn into
//! an RGB buffer and encoded by the `image` crate; SVG files are text.

use std::path::{Path, PathBuf};
use std::sync::Once;

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::atomic::write_atomic;

/// The font family registered for all text.
pub(crate) const FONT: &str = "sans-serif";

/// A picture's file format, from its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Scalable vector graphics, `.svg`.
    Svg,
    /// Portable network graphics, `.png`.
    Png,
}

/// Drawing or writing a picture failed; every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DrawError {
    /// The file name ends in neither `.svg` nor `.png`.
    #[error("{}: a picture's name must end in .svg or .png", .path.display())]
    Extension {
        /// The file.
        path: PathBuf,
    },
    /// `plotters` failed while drawing.
    #[error("{}: cannot draw the picture: {message}", .path.display())]
    Draw {
        /// The file.
        path: PathBuf,
        /// What plotters reported.
        message: String,
    },
    /// The picture could not be written.
    #[error("{}: cannot write file", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl Format {
    /// The format named by `path`'s extension (either case).
    pub fn of(path: &Path) -> Result<Format, DrawError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("svg") => Ok(Format::Svg),
            Some("png") => Ok(Format::Png),
            _ => Err(DrawError::Extension {
                path: path.to_path_buf(),
            }),
        }
    }
}

/// Registers the built-in font (once per process).
pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // DejaVu Sans is a valid TrueType font; should registration ever fail,
        // drawing text reports a font error naming the file.
        let _ = plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Something that can draw itself on any plotters backend.
pub trait Picture {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draws on `area`, which is [`Picture::size`] large and filled white.
    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>>;
}

/// The bytes of `picture` in `format`.
pub fn render(picture: &impl Picture, format: Format, path: &Path) -> Result<Vec<u8>, DrawError> {
    register_font();
    let draw_err = |e: &dyn std::fmt::Display| DrawError::Draw {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let (w, h) = picture.size();
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let area = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
                area.fill(&WHITE).map_err(|e| draw_err(&e))?;
                picture.draw(&area).map_err(|e| draw_err(&e))?;
                area.present().map_err(|e| draw_err(&e))?;
            }
            Ok(text.into_bytes())
        }
        Format::Png => {
            let mut rgb = vec![0u8; w as usize * h as usize * 3];
            {
                let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
                area.fill(&WHITE).map_err(|e| draw_err(&e))?;
                picture.draw(&area).map_err(|e| draw_err(&e))?;
                area.present().map_err(|e| draw_err(&e))?;
            }
            let mut png = Vec::new();
            image::codecs::png::PngEncoder::new(&mut png)
                .write_image(&rgb, w, h, image::ExtendedColorType::Rgb8)
                .map_err(|e| draw_err(&e))?;
            Ok(png)
        }
    }
}

/// Draws `picture` into `path` (SVG or PNG by its extension), atomically.
pub fn save(picture: &impl Picture, path: &Path) -> Result<(), DrawError> {
    let bytes = render(picture, Format::of(path)?, path)?;
    write_atomic(path, &bytes).map_err(|source| DrawError::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// A text style in the built-in font.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&BLACK)
}

/// A text style centred on its position.
pub fn centred(size: f64) -> TextStyle<'static> {
    font(size).pos(plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Center,
    ))
}

/// Draws a `28 × 28` grey digit (0 background) at `(x, y)`, `scale` pixels per
/// pixel, dark ink on white.
pub fn digit<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    pixels: &[u8; 784],
    (x, y): (i32, i32),
    scale: i32,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    for (i, &v) in pixels.iter().enumerate() {
        if v == 0 {
            continue;
        }
        let (px, py) = ((i % 28) as i32, (i / 28) as i32);
        let g = 255 - v;
        let top_left = (x + px * scale, y + py * scale);
        let bottom_right = (top_left.0 + scale, top_left.1 + scale);
        area.draw(&Rectangle::new(
            [top_left, bottom_right],
            RGBColor(g, g, g).filled(),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Square;

    impl Picture for Square {
        fn size(&self) -> (u32, u32) {
            (40, 30)
        }
        fn draw<DB: DrawingBackend>(
            &self,
            area: &DrawingArea<DB, Shift>,
        ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
            area.draw(&Rectangle::new([(0, 0), (10, 10)], BLACK.filled()))?;
            area.draw(&Text::new("7 → 2", (12, 2), font(12.0)))
        }
    }

    /// One ink pixel, at column 3 and row 5 of a digit drawn at (4, 2), scale 2.
    struct OnePixel;

    impl Picture for OnePixel {
        fn size(&self) -> (u32, u32) {
            (70, 70)
        }
        fn draw<DB: DrawingBackend>(
            &self,
            area: &DrawingArea<DB, Shift>,
        ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
            let mut pixels = [0u8; 784];
            pixels[5 * 28 + 3] = 55;
            digit(area, &pixels, (4, 2), 2)
        }
    }

    #[test]
    fn a_digit_pixel_lands_at_its_place_and_scale() {
        let png = render(&OnePixel, Format::Png, Path::new("d.png")).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        // Grey 255 − 55 = 200 over x 4 + 3·2 = 10..12, y 2 + 5·2 = 12..14.
        let grey: Vec<(u32, u32)> = (0..70)
            .flat_map(|x| (0..70).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0 != [255, 255, 255])
            .collect();
        assert_eq!(grey, [(10, 12), (10, 13), (11, 12), (11, 13)]);
        assert_eq!(img.get_pixel(10, 12).0, [200, 200, 200]);
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of(Path::new("a.svg")).unwrap(), Format::Svg);
        assert_eq!(Format::of(Path::new("a.PNG")).unwrap(), Format::Png);
        let e = Format::of(Path::new("plot.jpg")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "plot.jpg: a picture's name must end in .svg or .png"
        );
        assert!(Format::of(Path::new("png")).is_err());
    }

    #[test]
    fn png_and_svg_render_with_the_built_in_font() {
        let png = render(&Square, Format::Png, Path::new("t.png")).unwrap();
        let img = image::load_from_memory(&png).unwrap().to_rgb8();
        assert_eq!(img.dimensions(), (40, 30));
        assert_eq!(img.get_pixel(5, 5).0, [0, 0, 0]);
        assert_eq!(img.get_pixel(39, 29).0, [255, 255, 255]);
        // The text put dark pixels right of the square.
        let inked = (12..40)
            .flat_map(|x| (0..16).map(move |y| (x, y)))
            .filter(|&(x, y)| img.get_pixel(x, y).0[0] < 128)
            .count();
        assert!(inked > 10, "{inked} text pixels");
        let svg =
            String::from_utf8(render(&Square, Format::Svg, Path::new("t.svg")).unwrap()).unwrap();
        assert!(svg.starts_with("<svg"), "{svg:.80}");
        assert!(svg.contains("7 → 2"), "{svg}");
    }

    #[test]
    fn save_refuses_other_extensions_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.gif");
        assert!(save(&Square, &path).is_err());
        assert!(!path.exists());
        let path = dir.path().join("x.png");
        save(&Square, &path).unwrap();
        assert!(std::fs::read(&path).unwrap().starts_with(b"\x89PNG"));
    }
}
