//! Classifying a data set on the fast path's layout (the hidden weights pixel-major), on every thread:
//! counts of correct answers and the tallies the divergence checks read.

use super::*;

/// The number of images of `images` that `net` classifies as `labels` say,
/// on the fast path with the hidden weights' rows `W ≥ H` floats wide, as in
/// training (the same predictions as `Network::predict`).
pub(crate) fn count_correct_net<const H: usize, const W: usize>(
    net: &DigitNet<H>,
    images: &SparseSet,
    labels: &[u8],
    threads: usize,
    simd: Simd,
) -> usize {
    let mut hidden = boxed_hidden::<W>();
    from_layer(&net.hidden, &mut hidden);
    count_correct(&hidden, &Head::of(net), images, labels, threads, simd)
}

/// Counts the images whose prediction equals their label, classifying with
/// the pixel-major hidden layer (the same bits as `Network::predict`).
pub(crate) fn count_correct<const H: usize, const W: usize>(
    hidden: &Hidden<W>,
    head: &Head<H, W, CLASSES>,
    images: &SparseSet,
    labels: &[u8],
    threads: usize,
    simd: Simd,
) -> usize {
    tally(hidden, head, images, labels, threads, simd).correct
}

/// What classifying a labelled set found: how many answers were right, how
/// often each digit was answered, how many images got no answer (a NaN
/// output), and whether the outputs depend on the input at all.
///
/// Training reads it after every epoch to tell a network that can still
/// learn from one that cannot ([`crate::training`]'s divergence checks).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Tally {
    /// Images whose answer equals their label.
    pub correct: usize,
    /// `answers[d]`: images answered `d`.
    pub answers: [usize; CLASSES],
    /// Images tallied.
    pub images: usize,
    /// Images with a NaN or infinite output.
    pub non_finite: usize,
    /// The bit patterns of the first image's outputs.
    first: Option<[u32; CLASSES]>,
    /// Whether some image's outputs differ, in some bit, from the first's.
    varied: bool,
}

impl Tally {
    /// Adds one image's outputs and label.
    #[inline(always)]
    pub fn add(&mut self, outputs: &[f32; CLASSES], label: Option<usize>) {
        self.images += 1;
        let bits = outputs.map(f32::to_bits);
        match self.first {
            None => self.first = Some(bits),
            Some(first) => self.varied |= first != bits,
        }
        if outputs.iter().any(|v| !v.is_finite()) {
            self.non_finite += 1;
        }
        let answer = digitnet_core::network::argmax(outputs);
        if let Some(slot) = answer.and_then(|d| self.answers.get_mut(d)) {
            *slot += 1;
        }
        if answer.is_some() && answer == label {
            self.correct += 1;
        }
    }

    /// The tally of two parts of a set, this one first.
    pub(crate) fn merge(self, other: Tally) -> Tally {
        let varied = self.varied
            || other.varied
            || matches!((self.first, other.first), (Some(a), Some(b)) if a != b);
        let mut answers = self.answers;
        for (a, b) in answers.iter_mut().zip(other.answers) {
            *a += b;
        }
        Tally {
            correct: self.correct + other.correct,
            answers,
            images: self.images + other.images,
            non_finite: self.non_finite + other.non_finite,
            first: self.first.or(other.first),
            varied,
        }
    }

    #[cfg(test)]
    /// Images with no answer (a NaN among their outputs).
    pub fn unanswered(&self) -> usize {
        self.images - self.answers.iter().sum::<usize>()
    }

    /// How many different digits were answered.
    pub(crate) fn distinct_answers(&self) -> usize {
        self.answers.iter().filter(|&&n| n > 0).count()
    }

    /// Whether every image got bit for bit the same outputs: the network
    /// ignores its input (only meaningful for a set of different images).
    pub fn constant(&self) -> bool {
        self.first.is_some() && !self.varied
    }
}

/// The [`Tally`] of `images` and `labels`, classifying with the pixel-major
/// hidden layer (the same outputs, bit for bit, as `Network::feedforward`).
pub(crate) fn tally<const H: usize, const W: usize>(
    hidden: &Hidden<W>,
    head: &Head<H, W, CLASSES>,
    images: &SparseSet,
    labels: &[u8],
    threads: usize,
    simd: Simd,
) -> Tally {
    let n = images.len().min(labels.len());
    let threads = threads.clamp(1, n.max(1));
    let task = |range: Range<usize>| Classify {
        hidden,
        head,
        images,
        labels,
        range,
    };
    if threads == 1 {
        return cpu::dispatch(simd, task(0..n));
    }
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads)
            .map(|t| {
                let task = task((n * t / threads)..(n * (t + 1) / threads));
                s.spawn(move || cpu::dispatch(simd, task))
            })
            .collect();
        let mine = cpu::dispatch(simd, task(0..n / threads));
        handles
            .into_iter()
            .fold(mine, |acc, h| acc.merge(h.join().unwrap_or_default()))
    })
}

/// The outputs of a range of images, as a [`Task`].
pub(super) struct Classify<'a, const H: usize, const W: usize> {
    hidden: &'a Hidden<W>,
    head: &'a Head<H, W, CLASSES>,
    images: &'a SparseSet,
    labels: &'a [u8],
    range: Range<usize>,
}

impl<const H: usize, const W: usize> Task for Classify<'_, H, W> {
    type Output = Tally;
    #[inline(always)]
    fn run(self) -> Tally {
        // A plain loop, not an iterator adapter with a closure: a closure is
        // a function of its own, compiled for the baseline unless inlined.
        let mut tally = Tally::default();
        let mut a = Row::ZERO;
        let mut out = [0.0; CLASSES];
        for i in self.range {
            let sums = weighted_sums(self.hidden, &self.images.get(i));
            self.head.hidden_activations(&sums, &mut a);
            self.head.outputs(&a, &mut out);
            let label = self.labels.get(i).copied().map(usize::from);
            tally.add(&out, label);
        }
        tally
    }
}
