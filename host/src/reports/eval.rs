//! Accuracy, per-class accuracy and the confusion matrix on a labelled set.

use crate::data::idx::Dataset;
use crate::model::net::DigitNet;
use crate::model::net::CLASSES;
use std::fmt;

/// How a network did on a labelled set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// `confusion[actual][predicted]`: how often digit `actual` was read as `predicted`.
    pub confusion: [[usize; CLASSES]; CLASSES],
    /// `unanswered[actual]`: images of digit `actual` the network gave no
    /// answer for (a NaN output). Counted in the total, never as right.
    pub unanswered: [usize; CLASSES],
}

impl Evaluation {
    /// Classifies every image of `data` with `net`.
    pub fn run<const H: usize>(net: &DigitNet<H>, data: &Dataset) -> Self {
        let predictions: Vec<Option<usize>> = data.images.iter().map(|x| net.predict(x)).collect();
        Self::from_predictions(data, &predictions)
    }

    /// The evaluation of `predictions`, one predicted digit (or `None`, no
    /// answer) per image of `data`.
    pub fn from_predictions<P: Copy + Into<Option<usize>>>(
        data: &Dataset,
        predictions: &[P],
    ) -> Self {
        let mut confusion = [[0; CLASSES]; CLASSES];
        let mut unanswered = [0; CLASSES];
        for (label, predicted) in data.labels.iter().zip(predictions) {
            let actual = usize::from(*label);
            let cell = match (*predicted).into() {
                Some(p) => confusion.get_mut(actual).and_then(|row| row.get_mut(p)),
                None => unanswered.get_mut(actual),
            };
            if let Some(cell) = cell {
                *cell += 1;
            }
        }
        Self {
            confusion,
            unanswered,
        }
    }

    /// Classifies every image of `data` with a network of any width.
    pub fn run_any(net: &crate::model::net::AnyNet, data: &Dataset) -> Self {
        crate::with_net!(net, n => Self::run(&**n, data))
    }

    /// Images classified correctly (the diagonal).
    pub fn correct(&self) -> usize {
        (0..CLASSES).map(|d| self.confusion[d][d]).sum()
    }

    /// Images evaluated.
    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum::<usize>() + self.unanswered.iter().sum::<usize>()
    }

    /// Images of digit `d` evaluated.
    fn of_digit(&self, d: usize) -> usize {
        self.confusion[d].iter().sum::<usize>() + self.unanswered[d]
    }

    /// Correct / total for each actual digit (`None` when the digit never occurs).
    pub(crate) fn per_class(&self) -> [Option<f64>; CLASSES] {
        std::array::from_fn(|d| {
            let n = self.of_digit(d);
            (n > 0).then(|| self.confusion[d][d] as f64 / n as f64)
        })
    }
}

impl fmt::Display for Evaluation {
    /// The report printed by `digitnet eval`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (correct, total) = (self.correct(), self.total());
        let pct = if total == 0 {
            0.0
        } else {
            100.0 * correct as f64 / total as f64
        };
        writeln!(f, "accuracy: {correct} / {total} ({pct:.2}%)")?;
        writeln!(f)?;
        writeln!(f, "per class:")?;
        let unanswered: usize = self.unanswered.iter().sum();
        if unanswered > 0 {
            writeln!(
                f,
                "no answer: {unanswered} / {total} (a NaN output; counted as wrong)"
            )?;
        }
        for (d, acc) in self.per_class().iter().enumerate() {
            let n = self.of_digit(d);
            match acc {
                Some(a) => writeln!(
                    f,
                    "  {d}: {:>5} / {n:>5} ({:.2}%)",
                    self.confusion[d][d],
                    100.0 * a
                )?,
                None => writeln!(f, "  {d}:     - /     0")?,
            }
        }
        writeln!(f)?;
        writeln!(
            f,
            "confusion matrix (rows: actual digit, columns: predicted):"
        )?;
        write!(f, "     ")?;
        for d in 0..CLASSES {
            write!(f, "{d:>6}")?;
        }
        writeln!(f)?;
        for (d, row) in self.confusion.iter().enumerate() {
            write!(f, "  {d}: ")?;
            for n in row {
                write!(f, "{n:>6}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use digitnet_core::Layer;

    #[test]
    fn confusion_counts_by_hand() {
        // Output neuron j fires for pixel 0's value: a zero-hidden-ish net whose
        // prediction is set by the biases alone: always predicts digit 3.
        let mut net: Box<DigitNet<1>> = Box::default();
        net.output = Layer::new(
            [[0.0]; CLASSES],
            std::array::from_fn(|j| if j == 3 { 5.0 } else { 0.0 }),
        );
        let data = Dataset {
            images: vec![[0; 784]; 4],
            labels: vec![3, 3, 1, 9],
        };
        let e = Evaluation::run(&net, &data);
        assert_eq!(Evaluation::from_predictions(&data, &[3, 3, 3, 3]), e);
        assert_eq!(
            Evaluation::from_predictions(&data, &[3, 3, 1, 9]).correct(),
            4
        );
        assert_eq!(e.correct(), 2);
        assert_eq!(e.total(), 4);
        assert_eq!(e.confusion[3][3], 2);
        assert_eq!(e.confusion[1][3], 1);
        assert_eq!(e.confusion[9][3], 1);
        let pc = e.per_class();
        assert_eq!(pc[3], Some(1.0));
        assert_eq!(pc[1], Some(0.0));
        assert_eq!(pc[0], None);
        let text = e.to_string();
        assert!(text.contains("accuracy: 2 / 4 (50.00%)"), "{text}");
        assert!(text.contains("confusion matrix"));
        assert!(!text.contains("no answer"), "{text}");
    }

    #[test]
    fn no_answer_is_counted_and_never_right() {
        let data = Dataset {
            images: vec![[0; 784]; 4],
            labels: vec![0, 0, 1, 9],
        };
        let e = Evaluation::from_predictions(&data, &[None, Some(0), None, Some(9)]);
        assert_eq!((e.correct(), e.total()), (2, 4));
        assert_eq!(e.unanswered[0], 1);
        assert_eq!(e.unanswered[1], 1);
        assert_eq!(e.per_class()[0], Some(0.5));
        assert_eq!(e.per_class()[1], Some(0.0));
        let text = e.to_string();
        assert!(text.contains("no answer: 2 / 4"), "{text}");
        // A NaN network answers nothing: not "0" for every image.
        let mut net: Box<DigitNet<1>> = Box::default();
        net.output.biases[0] = f32::NAN;
        let e = Evaluation::run(&net, &data);
        assert_eq!(e.correct(), 0);
        assert_eq!(e.unanswered.iter().sum::<usize>(), 4);
        assert_eq!(e.confusion[0][0], 0);
    }
}
