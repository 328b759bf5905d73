//! The int8 version of a trained network (see `digitnet_core::quant`), as
//! `export --quantize int8` writes it and `eval --quantize int8` scores it.

use crate::data::idx::{Dataset, Image, PIXELS};
use crate::data::{DataError, DataSource};
use crate::model::net::AnyNet;
use crate::model::net::DigitNet;
use crate::model::net::CLASSES;
use digitnet_core::quant::{Pairs, QuantNet, SIGMOID_TABLE_LEN};

/// Training images whose hidden weighted inputs calibrate the ReLU
/// activation scales: the first 10,000 (never test images).
pub(crate) const CALIBRATION_IMAGES: usize = 10_000;

/// An int8 `[784, H, 10]` network on the host (the sigmoid table is kept
/// for either activation; a ReLU network never reads it).
pub(crate) type Int8Net<const H: usize> = QuantNet<PIXELS, H, CLASSES, SIGMOID_TABLE_LEN>;

/// The kernel the host computes the int8 sums with: every kernel gives the
/// same exact logits, so the host's are the device's whichever it uses.
pub type Kernel = Pairs;

/// `net` quantised, calibrated on `calibration` (the first
/// `CALIBRATION_IMAGES` of it are used).
pub fn quantize<const H: usize>(net: &DigitNet<H>, calibration: &[Image]) -> Box<Int8Net<H>> {
    let mut q: Box<Int8Net<H>> = Box::default();
    let n = calibration.len().min(CALIBRATION_IMAGES);
    q.quantize(net, calibration.iter().take(n));
    q
}

/// The calibration images from the training set in `files`.
pub fn calibration_images(data: &DataSource) -> Result<(Vec<Image>, String), DataError> {
    let train = data.load_train()?;
    let mut images = train.data.images;
    images.truncate(CALIBRATION_IMAGES);
    Ok((images, train.origin))
}

/// The int8 network's predicted digit for every image of `data`, for a
/// network of any width.
pub fn predictions(net: &AnyNet, calibration: &[Image], data: &Dataset) -> Vec<usize> {
    crate::with_net!(net, n => {
        let q = quantize(&**n, calibration);
        data.images.iter().map(|x| predict(&q, x)).collect()
    })
}

/// The predicted digit of the int8 network (the largest logit).
pub fn predict<const H: usize>(q: &Int8Net<H>, image: &Image) -> usize {
    q.predict::<Kernel>(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use digitnet_core::{random::seeded, Activation, Cost, Init, Network};

    #[test]
    fn quantize_uses_at_most_the_calibration_images() {
        let mut net: Box<DigitNet<10>> =
            Box::new(Network::zeroed().with_neurons(Activation::Relu, Cost::LogLikelihood));
        net.init_with(Init::Scaled, &mut seeded(2));
        let bright = [200u8; PIXELS];
        let mut images = vec![[1u8; PIXELS]; CALIBRATION_IMAGES];
        // An image past the first 10,000 must not change the scales.
        images.push(bright);
        let a = quantize(&net, &images);
        let b = quantize(&net, &images[..CALIBRATION_IMAGES]);
        assert_eq!(a, b);
        let c = quantize(&net, &[bright]);
        assert_ne!(a.hidden_multipliers, c.hidden_multipliers);
    }
}
