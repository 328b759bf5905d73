//! A drawing to the network's answer: grey levels, preparation, forward pass.

use core::fmt;

use digitnet_core::prepare::{prepare, Grey, PrepareError, PIXELS};

use crate::nets::{Nets, OUTPUTS};
use crate::rgba;

/// Why a drawing was not classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClassifyError {
    /// No model is loaded.
    NoModel,
    /// `width × height` pixels do not fit the buffers given.
    TooLarge {
        /// The width given.
        width: usize,
        /// The height given.
        height: usize,
    },
    /// The picture cannot be prepared (most often: it has no ink yet).
    Prepare(PrepareError),
}

impl fmt::Display for ClassifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClassifyError::NoModel => f.write_str("no model is loaded"),
            ClassifyError::TooLarge { width, height } => {
                write!(f, "a {width}x{height} picture does not fit the buffers")
            }
            ClassifyError::Prepare(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for ClassifyError {}

/// Classifies a `width × height` RGBA picture (row-major, four bytes a pixel)
/// as `digitnet predict` classifies a picture file: grey levels by
/// [`rgba::to_grey`] into `grey`, prepared by the core's
/// [`prepare`] into `input` (which then holds the 28×28 pixels the network
/// sees), and the loaded model's outputs. If the picture cannot be prepared,
/// `input` is all zeros.
pub fn classify_rgba(
    nets: &Nets,
    picture: &[u8],
    width: usize,
    height: usize,
    grey: &mut [u8],
    input: &mut [u8; PIXELS],
) -> Result<[f32; OUTPUTS], ClassifyError> {
    input.fill(0);
    let too_large = ClassifyError::TooLarge { width, height };
    let n = width.checked_mul(height).ok_or(too_large)?;
    let bytes = n.checked_mul(4).ok_or(too_large)?;
    let (Some(picture), Some(grey)) = (picture.get(..bytes), grey.get_mut(..n)) else {
        return Err(too_large);
    };
    rgba::to_grey(picture, grey);
    let view = Grey::new(grey, width, height).map_err(ClassifyError::Prepare)?;
    let prepared = prepare(view).map_err(ClassifyError::Prepare)?;
    *input = prepared.pixels;
    nets.feedforward(input).ok_or(ClassifyError::NoModel)
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use digitnet_core::{Activation, Cost};
    use std::boxed::Box;
    use std::string::ToString;
    use std::vec;
    use std::vec::Vec;

    /// A 40×50 white page with a grey ink bar (a "1") as RGBA.
    fn bar() -> Vec<u8> {
        let mut p = vec![255u8; 40 * 50 * 4];
        for y in 8..42 {
            for x in 18..23 {
                let i = 4 * (y * 40 + x);
                p[i..i + 3].copy_from_slice(&[30, 30, 30]);
            }
        }
        p
    }

    #[test]
    fn a_drawing_is_prepared_as_predict_prepares_it() {
        let mut nets = Box::<Nets>::default();
        let params: Vec<f32> = (0..crate::nets::parameters(10))
            .map(|i| (i % 13) as f32 / 100.0 - 0.06)
            .collect();
        nets.load(10, Activation::Sigmoid, Cost::Quadratic, &params)
            .unwrap();
        let picture = bar();
        let mut grey = [0u8; 40 * 50];
        let mut input = [0u8; PIXELS];
        let out = classify_rgba(&nets, &picture, 40, 50, &mut grey, &mut input).unwrap();
        // The same as preparing the grey picture with the core directly.
        let grey_direct: Vec<u8> = picture.chunks(4).map(|p| p[0]).collect();
        let want = prepare(Grey::new(&grey_direct, 40, 50).unwrap()).unwrap();
        assert_eq!(input, want.pixels);
        assert!(want.inverted);
        assert_eq!(out, nets.feedforward(&want.pixels).unwrap());
    }

    #[test]
    fn failures_clear_the_input() {
        let nets = Box::<Nets>::default();
        let picture = bar();
        let mut grey = [0u8; 40 * 50];
        let mut input = [9u8; PIXELS];
        // A drawing but no model: prepared, then refused.
        assert_eq!(
            classify_rgba(&nets, &picture, 40, 50, &mut grey, &mut input),
            Err(ClassifyError::NoModel)
        );
        assert_eq!(input.iter().filter(|&&v| v == 255).count(), 3 * 20);
        // A blank page.
        let blank = vec![255u8; 40 * 50 * 4];
        input = [9; PIXELS];
        assert_eq!(
            classify_rgba(&nets, &blank, 40, 50, &mut grey, &mut input),
            Err(ClassifyError::Prepare(PrepareError::NoInk))
        );
        assert_eq!(input, [0; PIXELS]);
        // Sizes that do not fit, or overflow.
        for (w, h) in [(41, 50), (40, 51), (usize::MAX, 2), (1 << 40, 1 << 40)] {
            assert_eq!(
                classify_rgba(&nets, &picture, w, h, &mut grey, &mut input),
                Err(ClassifyError::TooLarge {
                    width: w,
                    height: h
                })
            );
        }
        assert_eq!(
            classify_rgba(&nets, &picture, 0, 50, &mut grey, &mut input),
            Err(ClassifyError::Prepare(PrepareError::Empty))
        );
        assert!(ClassifyError::Prepare(PrepareError::NoInk)
            .to_string()
            .starts_with("no ink"));
    }
}
