//! Test digits with the host's outputs as Rust source (`samples.rs`, `samples_int8.rs`):
//! which digits, and what the device must answer for each.

use super::*;

/// One exported test digit with the host's output for it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sample<T, const O: usize> {
    /// Index in the test set.
    pub index: usize,
    /// Its label.
    pub label: u8,
    /// Its pixels.
    pub image: Image,
    /// The host's outputs on the `u8` pixels, as the device computes them:
    /// `f32` activations ([`DeviceNet::feedforward`]) or int8 logits
    /// ([`QuantNet::logits`]).
    pub expected: [T; O],
}

/// An output value as `samples.rs` holds it.
pub(crate) trait Expected: Copy {
    /// The Rust type of one value in the generated array.
    const TYPE: &'static str;
    /// What the values are, for the header.
    const WHAT: &'static str;
    /// The value as a Rust literal of [`Expected::TYPE`].
    fn literal(&self) -> String;
}

impl Expected for f32 {
    const TYPE: &'static str = "u32";
    const WHAT: &'static str = "the host's output activations as f32 bit patterns";
    fn literal(&self) -> String {
        format!("{:#010x}", self.to_bits())
    }
}

impl Expected for i32 {
    const TYPE: &'static str = "i32";
    const WHAT: &'static str = "the host's int8 logits (z · 65536) as i32";
    fn literal(&self) -> String {
        self.to_string()
    }
}

/// Indices of the test images to export, in test-set order.
///
/// Goes through the test set in order and takes an image if fewer than
/// `ceil(count / 10)` of its digit are taken so far, until `count` are taken;
/// so 20 gives the first two of each digit. Should some digit run out first,
/// the earliest images not yet taken fill the rest.
pub(crate) fn select_samples(labels: &[u8], count: usize) -> Result<Vec<usize>, ExportError> {
    let available = labels.len().min(MAX_SAMPLES);
    if count == 0 || count > available {
        return Err(ExportError::BadSampleCount {
            requested: count,
            available,
        });
    }
    let per_digit = count.div_ceil(10);
    let mut taken_of = [0usize; 256];
    let mut taken = vec![false; labels.len()];
    let mut n = 0;
    for (t, &label) in taken.iter_mut().zip(labels) {
        if n == count {
            break;
        }
        let c = &mut taken_of[usize::from(label)];
        if *c < per_digit {
            *c += 1;
            *t = true;
            n += 1;
        }
    }
    for t in taken.iter_mut() {
        if n == count {
            break;
        }
        if !*t {
            *t = true;
            n += 1;
        }
    }
    Ok(taken
        .iter()
        .enumerate()
        .filter_map(|(i, &t)| t.then_some(i))
        .collect())
}

/// The samples at `indices` of `test`, with `net`'s outputs on their `u8`
/// pixels as the device computes them ([`DeviceNet`], order [`device::ORDER`]).
/// Indices outside the test set are skipped.
pub(crate) fn collect_samples<const H: usize, const O: usize>(
    net: &Network<PIXELS, H, O>,
    test: &Dataset,
    indices: &[usize],
) -> Vec<Sample<f32, O>> {
    let mut dev: Box<DeviceNet<PIXELS, H, O>> = Box::default();
    dev.copy_from(net);
    indices
        .iter()
        .filter_map(|&index| {
            let image = *test.images.get(index)?;
            let label = *test.labels.get(index)?;
            Some(Sample {
                index,
                label,
                image,
                expected: dev.feedforward::<H>(&image),
            })
        })
        .collect()
}

/// The digit the device's `f32` network ([`DeviceNet`], order
/// [`device::ORDER`]) predicts for every image of `data`.
pub fn device_predictions(net: &crate::model::net::AnyNet, data: &Dataset) -> Vec<Option<usize>> {
    crate::with_net!(net, n => {
        let mut dev: Box<DeviceNet<PIXELS, _, 10>> = Box::default();
        dev.copy_from(n);
        data.images.iter().map(|x| predict_device(&dev, x)).collect()
    })
}

/// One image through the device's `f32` network.
pub(super) fn predict_device<const H: usize>(
    dev: &DeviceNet<PIXELS, H, 10>,
    image: &Image,
) -> Option<usize> {
    dev.predict::<H>(image)
}

/// The samples at `indices` of `test`, with the int8 network's logits on
/// their pixels ([`QuantNet::logits`], order [`quant::ORDER`]).
pub(crate) fn collect_samples_int8<const H: usize, const O: usize, const T: usize>(
    net: &QuantNet<PIXELS, H, O, T>,
    test: &Dataset,
    indices: &[usize],
) -> Vec<Sample<i32, O>> {
    indices
        .iter()
        .filter_map(|&index| {
            let image = *test.images.get(index)?;
            let label = *test.labels.get(index)?;
            Some(Sample {
                index,
                label,
                image,
                expected: net.logits::<crate::model::int8::Kernel>(&image),
            })
        })
        .collect()
}

/// The text of `samples.rs`: `COUNT`, `INDICES`, `LABELS`, `EXPECTED`, `IMAGES`.
///
/// `model_label` and `sha256` name the model that computed `expected`,
/// `images_label` the test images file.
pub(crate) fn render_samples<T: Expected, const O: usize>(
    samples: &[Sample<T, O>],
    model_label: &str,
    sha256: &str,
    images_label: &str,
) -> String {
    let count = samples.len();
    let mut out = String::new();
    push_generated(
        &mut out,
        "digitnet export",
        &format!("{model_label} (sha256 {sha256}) and {images_label}"),
    );
    out.push_str(&format!(
        "// {count} MNIST test images: {}, in test-set order; {}.\n\n",
        describe_selection(samples),
        T::WHAT
    ));
    out.push_str("/// Number of samples.\n");
    out.push_str(&format!("pub const COUNT: usize = {count};\n"));

    out.push_str("/// Index of each sample in the MNIST test set.\n#[rustfmt::skip]\n");
    out.push_str("pub static INDICES: [u32; COUNT] = ");
    let indices: Vec<usize> = samples.iter().map(|s| s.index).collect();
    push_array(&mut out, &indices, INTS_PER_LINE, 4);
    out.push_str(";\n");

    out.push_str("/// Label of each sample.\n#[rustfmt::skip]\n");
    out.push_str("pub static LABELS: [u8; COUNT] = ");
    let labels: Vec<u8> = samples.iter().map(|s| s.label).collect();
    push_array(&mut out, &labels, INTS_PER_LINE, 4);
    out.push_str(";\n");

    out.push_str(&format!(
        "/// The host's {O} outputs for each sample ({}).\n#[rustfmt::skip]\n#[allow(clippy::unreadable_literal)]\n",
        T::WHAT.trim_start_matches("the host's ")
    ));
    out.push_str(&format!(
        "pub static EXPECTED: [[{}; {O}]; COUNT] = [\n",
        T::TYPE
    ));
    for s in samples {
        let bits: Vec<String> = s.expected.iter().map(Expected::literal).collect();
        out.push_str("    ");
        push_array(&mut out, &bits, usize::MAX, 8);
        out.push_str(&format!(", // test #{}, label {}\n", s.index, s.label));
    }
    out.push_str("];\n");

    out.push_str("/// The pixels, 0 = background, 255 = ink, row by row.\n#[rustfmt::skip]\n");
    out.push_str(&format!("pub static IMAGES: [[u8; {PIXELS}]; COUNT] = [\n"));
    for s in samples {
        let pixels: Vec<String> = s.image.iter().map(|p| format!("{p:3}")).collect();
        out.push_str(&format!(
            "    // test #{}, label {}\n    ",
            s.index, s.label
        ));
        push_array(&mut out, &pixels, PIXELS_PER_LINE, 8);
        out.push_str(",\n");
    }
    out.push_str("];\n");
    out
}

/// How the samples were chosen, for the header: "the first 2 of each digit" when it is so.
pub(super) fn describe_selection<T, const O: usize>(samples: &[Sample<T, O>]) -> String {
    let per_digit = samples.len().div_ceil(10);
    let mut counts = [0usize; 10];
    let mut digits_only = true;
    for s in samples {
        match counts.get_mut(usize::from(s.label)) {
            Some(c) => *c += 1,
            None => digits_only = false,
        }
    }
    if digits_only && counts.iter().all(|&c| c == per_digit) {
        format!("the first {per_digit} of each digit")
    } else {
        format!("the first of each digit, about {per_digit} per digit")
    }
}

/// The message of [`ExportError::BadSampleCount`].
pub(super) fn sample_count_message(requested: usize, available: usize) -> String {
    if requested == 0 {
        "the number of samples must be at least 1".to_owned()
    } else {
        format!("cannot export {requested} samples: at most {available} are available")
    }
}
