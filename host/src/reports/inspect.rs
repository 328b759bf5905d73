//! `digitnet inspect`: pictures of a model — the test digits it gets wrong,
//! what each hidden neuron looks for, and its confusion matrix.

use std::path::PathBuf;

use clap::Args;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::data::idx::{Dataset, Image, PIXELS};
use crate::data::DataError;
use crate::model::defaults::{self, DATA_HELP, MODEL_HELP};
use crate::model::net::AnyNet;
use crate::model::net::CLASSES;
use crate::model::ModelError;
use crate::reports::draw::{self, centred, font, DrawError, Format, Picture};
use crate::reports::eval::Evaluation;
/// Default number of digits in the `--misclassified` grid.
pub(crate) const DEFAULT_LIMIT: usize = 100;

/// Flags of `digitnet inspect`.
#[derive(Debug, Args)]
#[command(group(
    clap::ArgGroup::new("pictures")
        .required(true)
        .multiple(true)
        .args(["misclassified", "weights", "confusion"])
))]
pub struct InspectArgs {
    /// The model to read (the help text is `MODEL_HELP`).
    #[arg(long, help = MODEL_HELP)]
    pub model: Option<PathBuf>,
    /// Where the digits come from (the help text is `DATA_HELP`).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Write a grid of the misclassified test digits, each labelled true → predicted (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub misclassified: Option<PathBuf>,
    /// Most digits in the --misclassified grid, the first in test-set order.
    #[arg(long, default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,
    /// Write each hidden neuron's 784 input weights as a 28x28 tile, in a grid (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    /// Write the confusion matrix on the test digits as a heat map (.png or .svg).
    #[arg(long, value_name = "FILE")]
    pub confusion: Option<PathBuf>,
}

/// Why `inspect` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectError {
    /// The model could not be read.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The test digits could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A picture could not be drawn or written.
    #[error(transparent)]
    Draw(#[from] DrawError),
    /// `--limit 0`.
    #[error("--limit must be at least 1, got 0")]
    NoLimit,
}

/// One misclassified test digit.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mistake {
    /// Index in the test set.
    pub index: usize,
    /// Its label.
    pub label: u8,
    /// What the network said (`None`: no answer, a NaN output).
    pub predicted: Option<usize>,
    /// Its pixels.
    pub image: Image,
}

/// The test digits `net` gets wrong, in test-set order.
pub(crate) fn mistakes(net: &AnyNet, test: &Dataset) -> Vec<Mistake> {
    test.images
        .iter()
        .zip(&test.labels)
        .enumerate()
        .filter_map(|(index, (image, &label))| {
            let predicted = net.predict(image);
            (predicted != Some(usize::from(label))).then_some(Mistake {
                index,
                label,
                predicted,
                image: *image,
            })
        })
        .collect()
}

/// Pixels per MNIST pixel in the grids.
const DIGIT_SCALE: i32 = 3;
/// Side of a drawn digit.
const DIGIT: i32 = 28 * DIGIT_SCALE;
/// Height of a title band.
const TITLE: i32 = 44;
/// Outer margin.
const MARGIN: i32 = 12;

/// The `--misclassified` grid.
#[derive(Clone, Debug)]
pub(crate) struct MistakeGrid<'a> {
    /// The digits to draw.
    pub shown: &'a [Mistake],
    /// All misclassified digits.
    pub wrong: usize,
    /// Test digits evaluated.
    pub total: usize,
}

impl MistakeGrid<'_> {
    const COLUMNS: i32 = 10;
    const CELL_W: i32 = DIGIT + 10;
    const CELL_H: i32 = DIGIT + 26;

    fn rows(&self) -> i32 {
        (self.shown.len() as i32 + Self::COLUMNS - 1) / Self::COLUMNS
    }
}

impl Picture for MistakeGrid<'_> {
    fn size(&self) -> (u32, u32) {
        let w = 2 * MARGIN + Self::COLUMNS * Self::CELL_W;
        let h = TITLE + MARGIN + self.rows().max(1) * Self::CELL_H;
        (w as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = self.size();
        let title = format!(
            "{} of {} test digits misclassified{}: true → predicted",
            self.wrong,
            self.total,
            if self.shown.len() < self.wrong {
                format!(" (the first {})", self.shown.len())
            } else {
                String::new()
            }
        );
        area.draw(&Text::new(title, (w as i32 / 2, TITLE / 2), centred(18.0)))?;
        for (i, m) in self.shown.iter().enumerate() {
            let (col, row) = (i as i32 % Self::COLUMNS, i as i32 / Self::COLUMNS);
            let x = MARGIN + col * Self::CELL_W + 5;
            let y = TITLE + row * Self::CELL_H;
            area.draw(&Rectangle::new(
                [(x - 1, y - 1), (x + DIGIT, y + DIGIT)],
                RGBColor(200, 200, 200),
            ))?;
            draw::digit(area, &m.image, (x, y), DIGIT_SCALE)?;
            let label = match m.predicted {
                Some(p) => format!("{} → {p}", m.label),
                None => format!("{} → ?", m.label),
            };
            area.draw(&Text::new(
                label,
                (x + DIGIT / 2, y + DIGIT + 12),
                centred(15.0),
            ))?;
        }
        Ok(())
    }
}

/// Each hidden neuron's input weights as a 28×28 tile.
#[derive(Clone, Debug)]
pub(crate) struct WeightGrid {
    /// Row `j`: the 784 weights into hidden neuron `j`.
    pub weights: Vec<[f32; PIXELS]>,
    /// What the network is, for the title.
    pub description: String,
}

impl WeightGrid {
    const SCALE: i32 = 4;
    const TILE: i32 = 28 * Self::SCALE;
    const CELL_W: i32 = Self::TILE + 10;
    const CELL_H: i32 = Self::TILE + 24;

    /// The weights of `net`'s hidden layer.
    pub fn of(net: &AnyNet) -> Self {
        let weights = crate::with_net!(net, n => n.hidden.weights.to_vec());
        Self {
            weights,
            description: net.describe(),
        }
    }

    fn columns(&self) -> i32 {
        if self.weights.len() > 100 {
            16
        } else {
            10.min(self.weights.len().max(1) as i32)
        }
    }

    fn rows(&self) -> i32 {
        (self.weights.len() as i32 + self.columns() - 1) / self.columns()
    }
}

/// A weight as a colour: red for positive, blue for negative, white for 0,
/// full strength at `±max`.
pub(crate) fn weight_colour(w: f32, max: f32) -> RGBColor {
    let t = if max > 0.0 {
        (w / max).clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let fade = |t: f32| (255.0 * (1.0 - t.abs())).round() as u8;
    if t >= 0.0 {
        RGBColor(255, fade(t), fade(t))
    } else {
        RGBColor(fade(t), fade(t), 255)
    }
}

impl Picture for WeightGrid {
    fn size(&self) -> (u32, u32) {
        let w = 2 * MARGIN + self.columns() * Self::CELL_W;
        let h = TITLE + 20 + MARGIN + self.rows() * Self::CELL_H;
        (w.max(640) as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let (w, _) = self.size();
        let mid = w as i32 / 2;
        area.draw(&Text::new(
            format!("Input weights of the hidden neurons: {}", self.description),
            (mid, TITLE / 2),
            centred(17.0),
        ))?;
        area.draw(&Text::new(
            "one tile per neuron, pixel k = weight w_jk; red positive, blue negative, each tile scaled to its largest |w|",
            (mid, TITLE / 2 + 20),
            centred(13.0),
        ))?;
        let left = (w as i32 - self.columns() * Self::CELL_W) / 2;
        for (j, row) in self.weights.iter().enumerate() {
            let (col, r) = (j as i32 % self.columns(), j as i32 / self.columns());
            let x = left + col * Self::CELL_W + 5;
            let y = TITLE + 20 + r * Self::CELL_H;
            let max = row.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            for (k, &wk) in row.iter().enumerate() {
                let (px, py) = ((k % 28) as i32, (k / 28) as i32);
                let tl = (x + px * Self::SCALE, y + py * Self::SCALE);
                area.draw(&Rectangle::new(
                    [tl, (tl.0 + Self::SCALE, tl.1 + Self::SCALE)],
                    weight_colour(wk, max).filled(),
                ))?;
            }
            area.draw(&Text::new(
                format!("{j}"),
                (x + Self::TILE / 2, y + Self::TILE + 11),
                centred(13.0),
            ))?;
        }
        Ok(())
    }
}

/// The confusion matrix as a heat map.
#[derive(Clone, Debug)]
pub(crate) struct ConfusionMap<'a> {
    /// The evaluation to draw.
    pub evaluation: &'a Evaluation,
}

impl ConfusionMap<'_> {
    const CELL: i32 = 54;
    const LEFT: i32 = 90;
    const TOP: i32 = TITLE + 56;
}

/// A cell's colour: white to dark blue by `share` (0–1) of its row, on a
/// square-root scale so that small confusions show.
pub(crate) fn share_colour(share: f64) -> RGBColor {
    let t = share.clamp(0.0, 1.0).sqrt();
    let mix = |from: f64, to: f64| (from + (to - from) * t).round() as u8;
    RGBColor(mix(255.0, 8.0), mix(255.0, 48.0), mix(255.0, 107.0))
}

impl Picture for ConfusionMap<'_> {
    fn size(&self) -> (u32, u32) {
        let side = CLASSES as i32 * Self::CELL;
        (
            (Self::LEFT + side + 40) as u32,
            (Self::TOP + side + 30) as u32,
        )
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let e = self.evaluation;
        let (w, _) = self.size();
        let (correct, total) = (e.correct(), e.total());
        let pct = if total == 0 {
            0.0
        } else {
            100.0 * correct as f64 / total as f64
        };
        area.draw(&Text::new(
            format!("Confusion matrix: {correct} of {total} test digits right ({pct:.2}%)"),
            (w as i32 / 2, TITLE / 2),
            centred(18.0),
        ))?;
        let side = CLASSES as i32 * Self::CELL;
        area.draw(&Text::new(
            "predicted digit",
            (Self::LEFT + side / 2, TITLE + 12),
            centred(15.0),
        ))?;
        area.draw(&Text::new(
            "true digit",
            (14, Self::TOP + side / 2),
            font(15.0).transform(FontTransform::Rotate270).pos(
                plotters::style::text_anchor::Pos::new(
                    plotters::style::text_anchor::HPos::Center,
                    plotters::style::text_anchor::VPos::Center,
                ),
            ),
        ))?;
        for d in 0..CLASSES as i32 {
            let c = Self::LEFT + d * Self::CELL + Self::CELL / 2;
            area.draw(&Text::new(
                format!("{d}"),
                (c, Self::TOP - 14),
                centred(15.0),
            ))?;
            let r = Self::TOP + d * Self::CELL + Self::CELL / 2;
            area.draw(&Text::new(
                format!("{d}"),
                (Self::LEFT - 16, r),
                centred(15.0),
            ))?;
        }
        for (actual, row) in e.confusion.iter().enumerate() {
            let row_total: usize = row.iter().sum();
            for (predicted, &n) in row.iter().enumerate() {
                let share = if row_total == 0 {
                    0.0
                } else {
                    n as f64 / row_total as f64
                };
                let x = Self::LEFT + predicted as i32 * Self::CELL;
                let y = Self::TOP + actual as i32 * Self::CELL;
                let colour = share_colour(share);
                area.draw(&Rectangle::new(
                    [(x, y), (x + Self::CELL, y + Self::CELL)],
                    colour.filled(),
                ))?;
                area.draw(&Rectangle::new(
                    [(x, y), (x + Self::CELL, y + Self::CELL)],
                    RGBColor(220, 220, 220),
                ))?;
                if n > 0 {
                    let ink = if share.sqrt() > 0.5 { WHITE } else { BLACK };
                    area.draw(&Text::new(
                        format!("{n}"),
                        (x + Self::CELL / 2, y + Self::CELL / 2),
                        centred(14.0).color(&ink),
                    ))?;
                }
            }
        }
        Ok(())
    }
}

/// Runs `digitnet inspect`.
pub fn run(args: &InspectArgs) -> Result<(), InspectError> {
    if args.limit == 0 {
        return Err(InspectError::NoLimit);
    }
    // Check every output name before reading or drawing anything.
    for path in [&args.misclassified, &args.weights, &args.confusion]
        .into_iter()
        .flatten()
    {
        Format::of(path)?;
    }
    let source = defaults::model(args.model.as_deref());
    let loaded = source.load()?;
    let net = &loaded.net;
    crate::say!("model: {} ({})", source.label(), net.describe());
    let data = defaults::data(args.data.as_deref());

    let mut pictures: Vec<(PathBuf, Vec<u8>, String)> = Vec::new();
    let needs_test = args.misclassified.is_some() || args.confusion.is_some();
    let test = if needs_test {
        let test = data.load_test()?.data;
        crate::say!("test set: {} digits from {}", test.len(), data.describe());
        Some(test)
    } else {
        None
    };
    if let (Some(path), Some(test)) = (&args.misclassified, &test) {
        let wrong = mistakes(net, test);
        let shown = &wrong[..wrong.len().min(args.limit)];
        let grid = MistakeGrid {
            shown,
            wrong: wrong.len(),
            total: test.len(),
        };
        let bytes = draw::render(&grid, Format::of(path)?, path)?;
        let note = format!(
            "{} of {} test digits misclassified; drew {}",
            wrong.len(),
            test.len(),
            shown.len()
        );
        pictures.push((path.clone(), bytes, note));
    }
    if let Some(path) = &args.weights {
        let grid = WeightGrid::of(net);
        let bytes = draw::render(&grid, Format::of(path)?, path)?;
        let note = format!("{} hidden neurons' input weights", grid.weights.len());
        pictures.push((path.clone(), bytes, note));
    }
    if let (Some(path), Some(test)) = (&args.confusion, &test) {
        let evaluation = Evaluation::run_any(net, test);
        let map = ConfusionMap {
            evaluation: &evaluation,
        };
        let bytes = draw::render(&map, Format::of(path)?, path)?;
        let note = format!(
            "confusion matrix, {} of {} right",
            evaluation.correct(),
            evaluation.total()
        );
        pictures.push((path.clone(), bytes, note));
    }
    // Everything is drawn; now write, each file whole.
    for (path, bytes, note) in &pictures {
        crate::atomic::write_atomic(path, bytes).map_err(|source| DrawError::Write {
            path: path.clone(),
            source,
        })?;
        crate::say!("wrote {}: {note}", path.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::net::DigitNet;
    use crate::reports::draw::render;
    use digitnet_core::Layer;
    use std::path::Path;

    /// A network that always says 3.
    fn always_three() -> AnyNet {
        let mut net: Box<DigitNet<10>> = Box::default();
        net.output = Layer::new(
            [[0.0; 10]; CLASSES],
            std::array::from_fn(|j| if j == 3 { 5.0 } else { 0.0 }),
        );
        net.hidden.weights[2][0] = 1.0;
        net.hidden.weights[2][1] = -0.5;
        crate::model::net::IntoAny::into_any(net)
    }

    fn data() -> Dataset {
        Dataset {
            images: (0..12).map(|i| [i as u8 * 20; PIXELS]).collect(),
            labels: (0..12).map(|i| (i % 10) as u8).collect(),
        }
    }

    /// `picture` rendered as a PNG and decoded again.
    fn png_of(picture: &impl Picture) -> image::RgbImage {
        let png = render(picture, Format::Png, Path::new("p.png")).unwrap();
        image::load_from_memory(&png).unwrap().to_rgb8()
    }

    /// Whether some pixel within `half` (x, y) of `centre` satisfies `ink`.
    fn any_near(
        img: &image::RgbImage,
        centre: (i32, i32),
        half: (i32, i32),
        ink: impl Fn([u8; 3]) -> bool,
    ) -> bool {
        let (cx, cy) = centre;
        (cx - half.0..=cx + half.0)
            .any(|x| (cy - half.1..=cy + half.1).any(|y| ink(img.get_pixel(x as u32, y as u32).0)))
    }

    #[test]
    fn mistakes_are_the_wrong_ones_in_order() {
        let m = mistakes(&always_three(), &data());
        assert_eq!(m.len(), 11);
        assert_eq!(m[0].index, 0);
        assert_eq!(m[3].index, 4, "index 3 is a 3, classified right");
        assert!(m.iter().all(|m| m.predicted == Some(3) && m.label != 3));
        assert_eq!(m[5].image, [120; PIXELS]);
    }

    #[test]
    fn mistake_grid_labels_true_and_predicted() {
        let m = mistakes(&always_three(), &data());
        let grid = MistakeGrid {
            shown: &m[..4],
            wrong: m.len(),
            total: 12,
        };
        assert_eq!(grid.size(), (2 * 12 + 10 * 94, 44 + 12 + 110));
        let svg =
            String::from_utf8(render(&grid, Format::Svg, Path::new("m.svg")).unwrap()).unwrap();
        assert!(
            svg.contains("11 of 12 test digits misclassified (the first 4)"),
            "{svg:.300}"
        );
        for label in ["0 → 3", "1 → 3", "2 → 3", "4 → 3"] {
            assert!(svg.contains(label), "{label}");
        }
        assert!(!svg.contains("5 → 3"));
    }

    #[test]
    fn mistake_grid_puts_each_digit_in_its_framed_cell() {
        let data = data();
        let m = mistakes(&always_three(), &data);
        let shown = &m[..12.min(m.len())];
        let grid = MistakeGrid {
            shown,
            wrong: m.len(),
            total: 12,
        };
        let img = png_of(&grid);
        let at = |x: i32, y: i32| img.get_pixel(x as u32, y as u32).0;
        // Mistake i is cell (i mod 10, i div 10); its uniform grey image fills
        // the cell's digit square, inside a light grey frame.
        for (i, mistake) in shown.iter().enumerate().skip(1) {
            let (col, row) = (i as i32 % 10, i as i32 / 10);
            let x = MARGIN + col * MistakeGrid::CELL_W + 5;
            let y = TITLE + row * MistakeGrid::CELL_H;
            let g = 255 - mistake.image[0];
            assert_eq!(at(x, y), [g; 3], "mistake {i}");
            assert_eq!(at(x + DIGIT - 1, y + DIGIT - 1), [g; 3], "mistake {i}");
            assert_eq!(at(x - 1, y + DIGIT / 2), [200; 3], "mistake {i}'s frame");
            assert_eq!(
                at(x + DIGIT, y + DIGIT / 2),
                [200; 3],
                "mistake {i}'s frame"
            );
            assert_eq!(at(x - 3, y + DIGIT / 2), [255; 3], "mistake {i}");
            // Its label "true → predicted" centred below it.
            let label = (x + DIGIT / 2, y + DIGIT + 12);
            assert!(
                any_near(&img, label, (6, 5), |p| p[0] < 128),
                "mistake {i}'s label"
            );
        }
    }

    #[test]
    fn weight_tiles_and_colours() {
        assert_eq!(weight_colour(1.0, 1.0), RGBColor(255, 0, 0));
        assert_eq!(weight_colour(-2.0, 2.0), RGBColor(0, 0, 255));
        assert_eq!(weight_colour(0.0, 1.0), RGBColor(255, 255, 255));
        assert_eq!(weight_colour(0.5, 1.0), RGBColor(255, 128, 128));
        assert_eq!(weight_colour(0.3, 0.0), RGBColor(255, 255, 255));
        // Scaled by the tile's largest |w|: a quarter of the way to red or blue.
        assert_eq!(weight_colour(0.5, 2.0), RGBColor(255, 191, 191));
        assert_eq!(weight_colour(-0.5, 2.0), RGBColor(191, 191, 255));
        let grid = WeightGrid::of(&always_three());
        assert_eq!(grid.weights.len(), 10);
        assert_eq!(grid.weights[2][1], -0.5);
        let img = png_of(&grid);
        // Tile 2's first two pixels: full red, then full blue (its max |w| is 1).
        let left = (img.width() as i32 - 10 * WeightGrid::CELL_W) / 2;
        let (x, y) = (left + 2 * WeightGrid::CELL_W + 5, TITLE + 20);
        assert_eq!(img.get_pixel(x as u32 + 1, y as u32 + 1).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(x as u32 + 5, y as u32 + 1).0, [128, 128, 255]);
    }

    #[test]
    fn weight_tiles_go_row_by_row() {
        // Twelve tiles: the first pixel of tile 11 (second row) red, of the others blue.
        let weights = (0..12)
            .map(|j| {
                let mut row = [0.0f32; PIXELS];
                row[0] = if j == 11 { 1.0 } else { -1.0 };
                row
            })
            .collect();
        let grid = WeightGrid {
            weights,
            description: String::from("twelve tiles"),
        };
        let img = png_of(&grid);
        let columns = grid.columns();
        let left = (img.width() as i32 - columns * WeightGrid::CELL_W) / 2;
        for j in 0..12 {
            let (col, row) = (j % columns, j / columns);
            let x = left + col * WeightGrid::CELL_W + 5;
            let y = TITLE + 20 + row * WeightGrid::CELL_H;
            let want = if j == 11 { [255, 0, 0] } else { [0, 0, 255] };
            assert_eq!(
                img.get_pixel(x as u32 + 1, y as u32 + 1).0,
                want,
                "tile {j}"
            );
            // Its number centred below it.
            let number = (x + WeightGrid::TILE / 2, y + WeightGrid::TILE + 11);
            assert!(
                any_near(&img, number, (5, 5), |p| p[0] < 128),
                "tile {j}'s number"
            );
            // The tile's second pixel is 0: white.
            assert_eq!(
                img.get_pixel(x as u32 + 5, y as u32 + 1).0,
                [255; 3],
                "tile {j}"
            );
        }
    }

    #[test]
    fn confusion_map_cells_and_labels_in_place() {
        let evaluation = Evaluation::run_any(&always_three(), &data());
        let map = ConfusionMap {
            evaluation: &evaluation,
        };
        let img = png_of(&map);
        assert_eq!(img.dimensions(), map.size());
        let side = CLASSES as i32 * ConfusionMap::CELL;
        assert_eq!(
            map.size(),
            (
                (ConfusionMap::LEFT + side + 40) as u32,
                (ConfusionMap::TOP + side + 30) as u32
            )
        );
        let at = |x: i32, y: i32| img.get_pixel(x as u32, y as u32).0;
        let inked = |centre| any_near(&img, centre, (8, 8), |p| p[0] < 128);
        let cell = ConfusionMap::CELL;
        // Every digit is answered 3: column 3 full (dark, its count in white), the rest empty.
        for actual in 0..CLASSES as i32 {
            for predicted in 0..CLASSES as i32 {
                let x = ConfusionMap::LEFT + predicted * cell;
                let y = ConfusionMap::TOP + actual * cell;
                let fill = share_colour(if predicted == 3 { 1.0 } else { 0.0 });
                let fill = [fill.0, fill.1, fill.2];
                assert_eq!(at(x + 3, y + 3), fill, "cell {actual}, {predicted}");
                assert_eq!(
                    at(x + cell - 3, y + cell - 3),
                    fill,
                    "cell {actual}, {predicted}"
                );
                assert_eq!(
                    at(x, y + cell / 3),
                    [220; 3],
                    "cell {actual}, {predicted}'s edge"
                );
                let centre = (x + cell / 2, y + cell / 2);
                let text = any_near(&img, centre, (8, 8), |p| p != fill);
                assert_eq!(text, predicted == 3, "cell {actual}, {predicted}'s count");
            }
            // The digit labels: above each column, left of each row.
            let mid = ConfusionMap::LEFT + actual * cell + cell / 2;
            assert!(inked((mid, ConfusionMap::TOP - 14)), "column {actual}");
            let mid = ConfusionMap::TOP + actual * cell + cell / 2;
            assert!(inked((ConfusionMap::LEFT - 16, mid)), "row {actual}");
        }
    }

    #[test]
    fn confusion_map_counts_and_shades() {
        let evaluation = Evaluation::run_any(&always_three(), &data());
        let map = ConfusionMap {
            evaluation: &evaluation,
        };
        let svg =
            String::from_utf8(render(&map, Format::Svg, Path::new("c.svg")).unwrap()).unwrap();
        assert!(
            svg.contains("Confusion matrix: 1 of 12 test digits right (8.33%)"),
            "{svg:.400}"
        );
        assert!(svg.contains("predicted digit") && svg.contains("true digit"));
        assert_eq!(share_colour(0.0), RGBColor(255, 255, 255));
        assert_eq!(share_colour(1.0), RGBColor(8, 48, 107));
        let quarter = share_colour(0.25);
        assert!(quarter.0 < 255 && quarter.0 > 8, "{quarter:?}");
    }
}
