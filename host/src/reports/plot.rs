//! The chart `digitnet train --plot` draws: test accuracy per epoch, and
//! validation accuracy when the run evaluates on a validation set.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::reports::draw::{font, Picture};
use crate::training::EpochReport;

/// Colour of the test-accuracy line.
const TEST: RGBColor = RGBColor(31, 119, 180);
/// Colour of the validation-accuracy line.
const VALIDATION: RGBColor = RGBColor(255, 127, 14);

/// Accuracy per epoch, as a line chart.
#[derive(Clone, Debug)]
pub(crate) struct AccuracyChart<'a> {
    /// What was trained, for the caption (e.g. `[784, 30, 10] sigmoid network, quadratic cost`).
    pub title: String,
    /// The epochs so far.
    pub reports: &'a [EpochReport],
}

/// Accuracy in percent.
fn percent(fraction: f64) -> f64 {
    100.0 * fraction
}

impl AccuracyChart<'_> {
    /// The y range: every point, widened to whole percent with a little room.
    fn y_range(&self) -> (f64, f64) {
        let values = self.reports.iter().flat_map(|r| {
            std::iter::once(percent(r.accuracy())).chain(r.validation_accuracy().map(percent))
        });
        let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
        if !lo.is_finite() {
            return (0.0, 100.0);
        }
        let lo = (lo - 0.5).floor().max(0.0);
        let hi = (hi + 0.5).ceil().min(100.0);
        if hi - lo < 1.0 {
            (lo, lo + 1.0)
        } else {
            (lo, hi)
        }
    }
}

impl Picture for AccuracyChart<'_> {
    fn size(&self) -> (u32, u32) {
        (800, 500)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let epochs = self.reports.len().max(2) as i32;
        let (lo, hi) = self.y_range();
        let mut chart = ChartBuilder::on(area)
            .caption(format!("Accuracy per epoch: {}", self.title), font(18.0))
            .margin(16)
            .x_label_area_size(44)
            .y_label_area_size(56)
            .build_cartesian_2d(1..epochs, lo..hi)?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("accuracy (%)")
            .x_labels(epochs.min(16) as usize)
            .label_style(font(13.0))
            .axis_desc_style(font(14.0))
            .light_line_style(RGBColor(240, 240, 240))
            .y_label_formatter(&|y| format!("{y:.1}"))
            .draw()?;
        let test: Vec<(i32, f64)> = self
            .reports
            .iter()
            .map(|r| (r.epoch as i32, percent(r.accuracy())))
            .collect();
        chart
            .draw_series(LineSeries::new(test.iter().copied(), TEST.stroke_width(2)))?
            .label("test")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], TEST.stroke_width(2)));
        chart.draw_series(test.iter().map(|&p| Circle::new(p, 3, TEST.filled())))?;
        let validation: Vec<(i32, f64)> = self
            .reports
            .iter()
            .filter_map(|r| Some((r.epoch as i32, percent(r.validation_accuracy()?))))
            .collect();
        if !validation.is_empty() {
            chart
                .draw_series(LineSeries::new(
                    validation.iter().copied(),
                    VALIDATION.stroke_width(2),
                ))?
                .label("validation")
                .legend(|(x, y)| {
                    PathElement::new([(x, y), (x + 20, y)], VALIDATION.stroke_width(2))
                });
            chart.draw_series(
                validation
                    .iter()
                    .map(|&p| Circle::new(p, 3, VALIDATION.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .label_font(font(13.0))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.3))
            .draw()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::draw::{render, Format};
    use std::path::Path;

    fn reports(n: usize, validation: bool) -> Vec<EpochReport> {
        (1..=n)
            .map(|epoch| EpochReport {
                epoch,
                correct: 9000 + 20 * epoch,
                total: 10_000,
                validation: validation.then_some((9100 + 15 * epoch, 10_000)),
                train_seconds: 0.4,
                threads: 1,
                stopped: None,
                phases: Vec::new(),
            })
            .collect()
    }

    #[test]
    fn y_range_covers_every_point_in_whole_percent() {
        let r = reports(5, true);
        let chart = AccuracyChart {
            title: "t".into(),
            reports: &r,
        };
        // 90.2–91.0 test, 91.15–91.75 validation.
        assert_eq!(chart.y_range(), (89.0, 93.0));
        let none = AccuracyChart {
            title: "t".into(),
            reports: &[],
        };
        assert_eq!(none.y_range(), (0.0, 100.0));
    }

    #[test]
    fn svg_has_both_series_and_the_axes() {
        let r = reports(4, true);
        let chart = AccuracyChart {
            title: "[784, 30, 10] sigmoid network".into(),
            reports: &r,
        };
        let svg =
            String::from_utf8(render(&chart, Format::Svg, Path::new("p.svg")).unwrap()).unwrap();
        for text in [
            "[784, 30, 10] sigmoid network",
            "epoch",
            "accuracy (%)",
            "test",
            "validation",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        let test_only = reports(1, false);
        let chart = AccuracyChart {
            title: "one epoch".into(),
            reports: &test_only,
        };
        let svg =
            String::from_utf8(render(&chart, Format::Svg, Path::new("p.svg")).unwrap()).unwrap();
        assert!(!svg.contains("validation"));
        let png = render(&chart, Format::Png, Path::new("p.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
    }
}
