//! Accuracy, per-class accuracy and the confusion matrix on a labelled set.

use crate::idx::Dataset;
use crate::train::{DigitNet, CLASSES};
use std::fmt;

/// How a network did on a labelled set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// `confusion[actual][predicted]`: how often digit `actual` was read as `predicted`.
    pub confusion: [[usize; CLASSES]; CLASSES],
}

impl Evaluation {
    /// Classifies every image of `data` with `net`.
    pub fn run<const H: usize>(net: &DigitNet<H>, data: &Dataset) -> Self {
        let mut confusion = [[0; CLASSES]; CLASSES];
        for (image, label) in data.images.iter().zip(&data.labels) {
            let predicted = net.predict(image);
            if let Some(cell) = confusion
                .get_mut(usize::from(*label))
                .and_then(|row| row.get_mut(predicted))
            {
                *cell += 1;
            }
        }
        Self { confusion }
    }

    /// The evaluation of `predictions`, one predicted digit per image of `data`.
    pub fn from_predictions(data: &Dataset, predictions: &[usize]) -> Self {
        let mut confusion = [[0; CLASSES]; CLASSES];
        for (label, predicted) in data.labels.iter().zip(predictions) {
            if let Some(cell) = confusion
                .get_mut(usize::from(*label))
                .and_then(|row| row.get_mut(*predicted))
            {
                *cell += 1;
            }
        }
        Self { confusion }
    }

    /// Classifies every image of `data` with a network of any width.
    pub fn run_any(net: &crate::net::AnyNet, data: &Dataset) -> Self {
        crate::with_net!(net, n => Self::run(&**n, data))
    }

    /// Images classified correctly (the diagonal).
    pub fn correct(&self) -> usize {
        (0..CLASSES).map(|d| self.confusion[d][d]).sum()
    }

    /// Images evaluated.
    pub fn total(&self) -> usize {
        self.confusion.iter().flatten().sum()
    }

    /// Correct / total for each actual digit (`None` when the digit never occurs).
    pub fn per_class(&self) -> [Option<f64>; CLASSES] {
        std::array::from_fn(|d| {
            let n: usize = self.confusion[d].iter().sum();
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
        for (d, acc) in self.per_class().iter().enumerate() {
            let n: usize = self.confusion[d].iter().sum();
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
    }
}
