use super::*;
use crate::data::idx::Image;

/// One epoch on a few synthetic images gives the same weights on one,
/// two and three threads. With several threads it runs the board's
/// phase rule for real; under Miri, whose race detector checks it:
/// `cargo +nightly miri test -p digitnet --lib fast::tests::threads`.
#[test]
fn threads_train_the_same_bits() {
    let images: Vec<Image> = (0..7u32)
        .map(|i| {
            let mut img = [0u8; PIXELS];
            for (k, p) in img.iter_mut().enumerate() {
                let v = ((k as u32).wrapping_mul(2_654_435_761) ^ (i * 97)) >> 26;
                *p = if v < 50 { 0 } else { (v * 4) as u8 };
            }
            img
        })
        .collect();
    let set = SparseSet::new(&images);
    let labels: Vec<u8> = (0..7).map(|i| (i * 3 % 10) as u8).collect();
    let order: Vec<usize> = vec![3, 1, 4, 0, 5, 2, 6];
    // Weights from a formula (Miri cannot run libm's square root).
    let mut net: Box<DigitNet<20>> = Box::default();
    let values = net.hidden.weights.iter_mut().flatten();
    let values = values.chain(net.output.weights.iter_mut().flatten());
    for (i, w) in values.enumerate() {
        *w = ((i * 7919) % 2001) as f32 / 1000.0 - 1.0;
    }
    let trained = |threads: usize| {
        let mut t = Trainer::<20, 32>::new(&net, threads, Simd::Baseline);
        t.epoch(EpochPlan {
            order: &order,
            batch_size: 3,
            source: Source::Cached(&set),
            labels: &labels,
            decay: 1.0,
            eta: 3.0,
        });
        let mut out = net.clone();
        t.write_to(&mut out);
        out
    };
    let one = trained(1);
    assert_ne!(one.hidden, net.hidden, "training moved the weights");
    for threads in [2, 3] {
        let many = trained(threads);
        assert_eq!(many.hidden, one.hidden, "{threads} threads");
        assert_eq!(many.output, one.output, "{threads} threads");
    }
}

#[test]
fn rounds_cover_batches_in_order() {
    let r = rounds(25, 10);
    let spans: Vec<_> = r.iter().map(|s| (s.start, s.end, s.batch_end)).collect();
    assert_eq!(
        spans,
        [(0, 10, Some(10)), (10, 20, Some(10)), (20, 25, Some(5))]
    );
    let big = rounds(150, 150);
    assert_eq!(big.len(), 3);
    assert_eq!(big[2].batch_end, Some(150));
    assert_eq!(big[0].batch_end, None);
}

#[test]
fn merged_tallies_keep_every_count_and_any_variation() {
    let (a, b) = ([0.1f32; CLASSES], [0.2f32; CLASSES]);
    let of = |outputs: &[[f32; CLASSES]]| {
        let mut t = Tally::default();
        for o in outputs {
            t.add(o, Some(0));
        }
        t
    };
    // Variation inside either part, or between their first images, survives.
    assert!(!of(&[a, b]).merge(of(&[a])).constant());
    assert!(!of(&[a]).merge(of(&[a, b])).constant());
    assert!(!of(&[a]).merge(of(&[b])).constant());
    assert!(of(&[a, a]).merge(of(&[a])).constant());
    assert!(of(&[]).merge(of(&[a])).constant());
    let mut nan = a;
    nan[3] = f32::NAN;
    let merged = of(&[a, nan]).merge(of(&[b, b]));
    assert_eq!(merged.images, 4);
    assert_eq!(merged.correct, 3, "argmax of equal outputs is 0, the label");
    assert_eq!(merged.non_finite, 1);
    assert_eq!(merged.unanswered(), 1);
    assert_eq!(merged.distinct_answers(), 1);
}

#[test]
fn lane_blocks_follow_the_pairwise_tree() {
    assert_eq!(blocks(0..8), [(3, 0)]);
    assert_eq!(blocks(0..4), [(2, 0)]);
    assert_eq!(blocks(4..8), [(2, 1)]);
    assert_eq!(blocks(0..2), [(1, 0)]);
    assert_eq!(blocks(2..5), [(1, 1), (0, 4)]);
    assert_eq!(blocks(5..8), [(0, 5), (1, 3)]);
    for threads in 1..=10 {
        let covered: Vec<usize> = (0..threads).flat_map(|t| lanes_of(t, threads)).collect();
        assert_eq!(covered, (0..8).collect::<Vec<_>>(), "{threads}");
    }
}
