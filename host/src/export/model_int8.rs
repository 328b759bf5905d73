//! The int8 model as Rust source (`model_int8.rs`): weights, scales, requantisation and the sigmoid table.

use super::*;

/// Appends a layer's multipliers and shift, indented by 4.
pub(super) fn push_requant(out: &mut String, multipliers: &[i32], shift: u8) {
    out.push_str("    ");
    push_array(out, multipliers, 8, 8);
    out.push_str(&format!(",\n    {shift},\n"));
}

/// The text of `model_int8.rs`: `pub static MODEL`, the int8 network
/// ([`QuantNet`], order [`quant::ORDER`]) with its sigmoid table (empty for
/// a ReLU hidden layer, which never reads it).
///
/// `calibration_label` names the images that calibrated the ReLU scales.
pub(crate) fn render_model_int8<const I: usize, const H: usize, const O: usize>(
    net: &QuantNet<I, H, O, SIGMOID_TABLE_LEN>,
    model_label: &str,
    sha256: &str,
    info: Option<&TrainingInfo>,
    calibration_label: &str,
) -> String {
    let sigmoid = net.activation == Activation::Sigmoid;
    let table_len = if sigmoid { SIGMOID_TABLE_LEN } else { 0 };
    let mut out = String::new();
    let neurons = (net.activation, net.cost);
    push_generated(
        &mut out,
        "digitnet export --quantize int8",
        &format!("{model_label} (sha256 {sha256})"),
    );
    push_network(&mut out, [I, H, O], neurons, info);
    out.push_str(&format!(
        "// int8, order = \"{}\": i8 weights with one scale per neuron, u8 inputs and activations, i32 sums,\n// requantised as (acc · m + 2^(shift−1)) >> shift; both layers input-stationary, u[k][j] = q + 128 (offset binary)\n// for the weight q from input k into neuron j.\n",
        quant::ORDER
    ));
    if sigmoid {
        out.push_str(&format!(
            "// Sigmoid table: round(255 · σ((i − 512) / 64)) for i in 0..{SIGMOID_TABLE_LEN}, from digitnet_core::quant::sigmoid_table_entry.\n"
        ));
    } else {
        out.push_str(&format!(
            "// ReLU activation scales calibrated on {calibration_label}.\n"
        ));
    }
    out.push_str("use digitnet_core::quant::QuantNet;\nuse digitnet_core::{Activation, Cost};\n\n");
    push_model_consts(
        &mut out,
        &format!(
            "[{I}, {H}, {O}] {}, int8",
            describe_neurons(neurons.0, neurons.1)
        ),
        ("inference order of `MODEL`'s logits", quant::ORDER, "quant"),
        H,
    );
    out.push_str(
        "/// The int8 network, in flash.\n#[rustfmt::skip]\n#[allow(clippy::unreadable_literal)]\n",
    );
    out.push_str(&format!(
        "pub static MODEL: QuantNet<{I}, {H}, {O}, {table_len}> = QuantNet::new(\n"
    ));
    out.push_str(&format!(
        "    // hidden weights u = q + 128: {I} rows (one per pixel k) of {H}\n"
    ));
    push_int_rows(&mut out, &net.hidden_weights, INTS_PER_LINE_INT8, |k| {
        format!("pixel {k}")
    });
    out.push_str("    // hidden biases (on the scale of the sums)\n    ");
    push_array(&mut out, &net.hidden_biases, INTS_PER_LINE_INT8, 8);
    out.push_str(",\n    // hidden requantisation: sum → ");
    out.push_str(if sigmoid {
        "table index − 512 (z · 64)"
    } else {
        "activation (z / r_j)"
    });
    out.push_str(": multipliers m_j, then the shift\n");
    push_requant(&mut out, &net.hidden_multipliers, net.hidden_shift);
    out.push_str(&format!(
        "    // output weights u = q + 128: {H} rows (one per hidden neuron k) of {O}\n"
    ));
    push_int_rows(&mut out, &net.output_weights, INTS_PER_LINE_INT8, |k| {
        format!("hidden {k}")
    });
    out.push_str("    // output biases\n    ");
    push_array(&mut out, &net.output_biases, INTS_PER_LINE_INT8, 8);
    out.push_str(
        ",\n    // output requantisation: sum → logit z · 65536: multipliers m_j, then the shift\n",
    );
    push_requant(&mut out, &net.output_multipliers, net.output_shift);
    out.push_str("    // sigmoid table\n    ");
    let table: &[u8] = if sigmoid { &net.sigmoid_table } else { &[] };
    push_array(&mut out, table, 24, 8);
    out.push_str(&format!(
        ",\n    Activation::{:?},\n    Cost::{:?},\n);\n",
        net.activation, net.cost
    ));
    out
}
