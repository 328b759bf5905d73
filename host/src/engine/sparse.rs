//! MNIST images as lists of their non-zero pixels, made once and reused by
//! every epoch (see `digitnet_core::pixel_major`).

use crate::data::idx::{Image, PIXELS};
use digitnet_core::pixel_major::{sparsify, LaneIndex, SparseImage};

/// Many images' non-zero pixels, lane by lane, in one buffer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SparseSet {
    /// `[c, p]` entries of every image, one image after the other.
    pixels: Vec<[u8; 2]>,
    /// Where each image's entries start in `pixels`, and (last) where the last ends.
    starts: Vec<usize>,
    /// Each image's lane index (lane ends relative to its start, rows touched).
    ends: Vec<LaneIndex>,
}

impl SparseSet {
    /// The sparse form of every image in `images`.
    pub fn new(images: &[Image]) -> Self {
        let mut set = Self::default();
        // About a fifth of MNIST's pixels are ink.
        set.pixels.reserve(images.len() * PIXELS / 4);
        set.starts.reserve(images.len() + 1);
        set.ends.reserve(images.len());
        for image in images {
            set.push(image);
        }
        set
    }

    /// Appends one image.
    pub fn push(&mut self, image: &Image) {
        let mut buf = [[0u8; 2]; PIXELS];
        let (n, index) = sparsify(image, &mut buf);
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.pixels.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        self.starts.push(self.pixels.len());
        self.ends.push(index);
    }

    /// Removes every image (keeping the memory).
    pub fn clear(&mut self) {
        self.pixels.clear();
        self.starts.clear();
        self.ends.clear();
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no images.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Starts loading image `i`'s place in the index into the cache.
    #[inline(always)]
    pub(crate) fn prefetch_index(&self, i: usize) {
        if let (Some(start), Some(index)) = (self.starts.get(i), self.ends.get(i)) {
            crate::engine::cpu::prefetch(start);
            crate::engine::cpu::prefetch(&index.ends);
            for rows in index.rows.iter().step_by(4) {
                crate::engine::cpu::prefetch(rows);
            }
        }
    }

    /// Starts loading image `i`'s pixels into the cache.
    #[inline(always)]
    pub(crate) fn prefetch_pixels(&self, i: usize) {
        let image = self.get(i);
        // One prefetch per 64-byte line (32 entries).
        for entry in image.pixels.iter().step_by(32) {
            crate::engine::cpu::prefetch(entry);
        }
        if let Some(last) = image.pixels.last() {
            crate::engine::cpu::prefetch(last);
        }
    }

    /// Image `i` (an empty image if out of range).
    #[inline(always)]
    pub fn get(&self, i: usize) -> SparseImage<'_> {
        let range =
            self.starts.get(i).copied().unwrap_or(0)..self.starts.get(i + 1).copied().unwrap_or(0);
        SparseImage {
            pixels: self.pixels.get(range).unwrap_or(&[]),
            index: self.ends.get(i).unwrap_or(&LaneIndex::EMPTY),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_round_trip_through_the_lists() {
        let mut a = [0u8; PIXELS];
        a[0] = 1;
        a[783] = 255;
        a[9] = 3;
        let b = [0u8; PIXELS];
        let set = SparseSet::new(&[a, b, a]);
        assert_eq!(set.len(), 3);
        for i in [0, 2] {
            let img = set.get(i);
            let mut dense = [0u8; PIXELS];
            for l in 0..8 {
                for &[c, p] in img.lane(l) {
                    dense[8 * usize::from(c) + l] = p;
                }
            }
            assert_eq!(dense, a);
        }
        assert!(set.get(1).pixels.is_empty());
        assert!(set.get(3).pixels.is_empty());
    }
}
