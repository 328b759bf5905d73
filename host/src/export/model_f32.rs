//! The f32 model as Rust source (`model.rs`): the device's layout of the weights.

use super::*;

/// The text of `model.rs`: `pub static MODEL`, `net` in the device layout
/// ([`DeviceNet`], order [`device::ORDER`]), with the block size `BLOCK` the
/// firmware runs it with.
///
/// `model_label` is the model path as it should appear in the header,
/// `sha256` the hash of the model file.
pub(crate) fn render_model<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    model_label: &str,
    sha256: &str,
    info: Option<&TrainingInfo>,
) -> String {
    let mut dev: Box<DeviceNet<I, H, O>> = Box::default();
    dev.copy_from(net);
    let mut out = String::new();
    let neurons = (net.activation, net.cost);
    push_generated(
        &mut out,
        "digitnet export",
        &format!("{model_label} (sha256 {sha256})"),
    );
    push_network(&mut out, [I, H, O], neurons, info);
    out.push_str(&format!(
        "// Device layout, order = \"{}\": both layers input-stationary, w[k][j] = weight from input k into neuron j.\n",
        device::ORDER
    ));
    out.push_str(
        "use digitnet_core::device::DeviceNet;\nuse digitnet_core::{Activation, Cost};\n\n",
    );
    push_model_consts(
        &mut out,
        &format!("[{I}, {H}, {O}] {}", describe_neurons(neurons.0, neurons.1)),
        (
            "summation order of `MODEL`'s outputs",
            device::ORDER,
            "device",
        ),
        H,
    );
    out.push_str("/// The trained network, in flash (`static`, so it is never copied to RAM).\n");
    out.push_str("#[rustfmt::skip]\n");
    // A weight may look like π or ln 2 to clippy, and long literals have no `_`.
    out.push_str("#[allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]\n");
    out.push_str(&format!(
        "pub static MODEL: DeviceNet<{I}, {H}, {O}> = DeviceNet::new(\n"
    ));
    out.push_str(&format!(
        "    // hidden weights: {I} rows (one per pixel k) of {H}\n"
    ));
    push_rows(&mut out, &dev.hidden_weights, |k| format!("pixel {k}"));
    out.push_str("    // hidden biases\n");
    push_values(&mut out, &dev.hidden_biases);
    out.push_str(&format!(
        "    // output weights: {H} rows (one per hidden neuron k) of {O}\n"
    ));
    push_rows(&mut out, &dev.output_weights, |k| format!("hidden {k}"));
    out.push_str("    // output biases\n");
    push_values(&mut out, &dev.output_biases);
    out.push_str(&format!(
        "    Activation::{:?},\n    Cost::{:?},\n);\n",
        net.activation, net.cost
    ));
    out
}
