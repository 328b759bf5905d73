//! Draws the ten digits as pen strokes on paper, the way someone would with a
//! mouse or a stylus, and saves them as pictures for `digitnet predict` to
//! read: `cargo run --release -p digitnet --example draw_digits -- DIR`.
//!
//! The strokes are written here by hand as lists of points (arcs as sampled
//! circles), so the pictures are not MNIST digits: dark ink on light paper,
//! any size, off-centre, some as JPEG.

use image::{ImageFormat, RgbImage};
use plotters::prelude::*;
use std::f64::consts::PI;
use std::path::Path;

type Stroke = Vec<(f64, f64)>;

/// Points of an arc of the ellipse centred at `(cx, cy)` with radii `(rx, ry)`,
/// from angle `a0` to `a1` (degrees, 0 = right, counter-clockwise as on paper).
fn arc(cx: f64, cy: f64, rx: f64, ry: f64, a0: f64, a1: f64) -> Stroke {
    (0..=40)
        .map(|i| {
            let a = (a0 + (a1 - a0) * f64::from(i) / 40.0) * PI / 180.0;
            (cx + rx * a.cos(), cy - ry * a.sin())
        })
        .collect()
}

fn line(points: &[(f64, f64)]) -> Stroke {
    points.to_vec()
}

/// The strokes of each digit in a box 100 wide and 140 tall.
fn strokes(digit: u8) -> Vec<Stroke> {
    match digit {
        0 => vec![arc(50.0, 70.0, 38.0, 62.0, 0.0, 360.0)],
        1 => vec![line(&[(35.0, 30.0), (58.0, 8.0), (58.0, 135.0)])],
        2 => {
            let mut s = arc(50.0, 42.0, 36.0, 34.0, 160.0, -40.0);
            s.extend([(14.0, 134.0), (90.0, 134.0)]);
            vec![s]
        }
        3 => {
            let mut s = arc(48.0, 38.0, 34.0, 30.0, 150.0, -90.0);
            s.extend(arc(48.0, 102.0, 38.0, 34.0, 90.0, -150.0));
            vec![s]
        }
        4 => vec![
            line(&[(62.0, 8.0), (12.0, 96.0), (94.0, 96.0)]),
            line(&[(68.0, 48.0), (68.0, 138.0)]),
        ],
        5 => {
            let mut s = line(&[(86.0, 10.0), (30.0, 10.0), (24.0, 64.0)]);
            s.extend(arc(50.0, 96.0, 38.0, 38.0, 135.0, -140.0));
            vec![s]
        }
        6 => {
            let mut s = arc(88.0, 70.0, 70.0, 66.0, 75.0, 180.0);
            s.extend(arc(52.0, 100.0, 34.0, 34.0, 180.0, 540.0));
            vec![s]
        }
        7 => vec![
            line(&[(12.0, 12.0), (90.0, 12.0), (40.0, 138.0)]),
            line(&[(36.0, 74.0), (78.0, 74.0)]),
        ],
        8 => vec![
            arc(50.0, 38.0, 30.0, 30.0, -90.0, 270.0),
            arc(50.0, 102.0, 38.0, 34.0, 90.0, 450.0),
        ],
        _ => {
            let mut s = arc(48.0, 42.0, 34.0, 34.0, -20.0, 340.0);
            s.extend([(82.0, 30.0), (76.0, 138.0)]);
            vec![s]
        }
    }
}

/// One picture: `(width, height)` of paper, where the digit's box goes, its
/// scale, the pen's width, the file type.
struct Sheet {
    size: (u32, u32),
    at: (f64, f64),
    scale: f64,
    pen: u32,
    format: ImageFormat,
}

fn sheet(digit: u8) -> Sheet {
    let formats = [ImageFormat::Png, ImageFormat::Jpeg];
    Sheet {
        size: (
            240 + 40 * u32::from(digit % 3),
            260 + 30 * u32::from(digit % 4),
        ),
        at: (
            30.0 + 12.0 * f64::from(digit % 5),
            30.0 + 9.0 * f64::from(digit % 3),
        ),
        scale: 1.1 + 0.1 * f64::from(digit % 4),
        pen: 12 + 2 * u32::from(digit % 3),
        format: formats[usize::from(digit % 5 == 2)],
    }
}

fn draw(digit: u8, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let s = sheet(digit);
    let (w, h) = s.size;
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let area = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        area.fill(&RGBColor(246, 243, 235))?; // paper
        let ink = RGBColor(24, 32, 72).stroke_width(s.pen);
        for stroke in strokes(digit) {
            let points: Vec<(i32, i32)> = stroke
                .iter()
                .map(|&(x, y)| ((s.at.0 + s.scale * x) as i32, (s.at.1 + s.scale * y) as i32))
                .collect();
            area.draw(&PathElement::new(points.clone(), ink))?;
            // Round pen tips and joints.
            for p in points {
                area.draw(&Circle::new(p, s.pen / 2, ink.color.filled()))?;
            }
        }
        area.present()?;
    }
    let image = RgbImage::from_raw(w, h, rgb).ok_or("buffer size")?;
    image.save_with_format(path, s.format)?;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "docs/digits".to_owned());
    std::fs::create_dir_all(&dir)?;
    for digit in 0..10 {
        let ext = if sheet(digit).format == ImageFormat::Jpeg {
            "jpg"
        } else {
            "png"
        };
        let path = Path::new(&dir).join(format!("drawn-{digit}.{ext}"));
        draw(digit, &path)?;
        println!("{}", path.display());
    }
    Ok(())
}
