//! Rust source text: exact float literals and arrays wrapped at a fixed width,
//! shared by every generated file.

use super::*;

/// A path as written in generated headers: as given, with forward slashes.
pub(super) fn display_path(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// An `f32` as a Rust expression that evaluates to exactly that value.
///
/// Finite values use `{:?}`, the shortest decimal that parses back to the same
/// bits (Rust's float literals are correctly rounded), e.g. `-0.44726625`,
/// `1e-7`, `-0.0`, `1e-45`; it always has a `.` or an exponent, so it is a
/// float literal. Non-finite values (never in a loaded model) become
/// `f32::NAN` / `f32::INFINITY` / `f32::NEG_INFINITY`.
pub(crate) fn format_f32(v: f32) -> String {
    if v.is_nan() {
        "f32::NAN".to_owned()
    } else if v == f32::INFINITY {
        "f32::INFINITY".to_owned()
    } else if v == f32::NEG_INFINITY {
        "f32::NEG_INFINITY".to_owned()
    } else {
        format!("{v:?}")
    }
}

/// Appends `items` as an array literal: on one line if at most `per_line`,
/// else `per_line` to a line, indented by `indent` (closing bracket by `indent - 4`).
pub(super) fn push_array<T: Display>(
    out: &mut String,
    items: &[T],
    per_line: usize,
    indent: usize,
) {
    let join = |chunk: &[T]| {
        chunk
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if items.len() <= per_line {
        out.push('[');
        out.push_str(&join(items));
        out.push(']');
        return;
    }
    out.push_str("[\n");
    for chunk in items.chunks(per_line.max(1)) {
        out.push_str(&" ".repeat(indent));
        out.push_str(&join(chunk));
        out.push_str(",\n");
    }
    out.push_str(&" ".repeat(indent.saturating_sub(4)));
    out.push(']');
}

/// Appends `[[f32; N]; M]` as nested array literals, one row per `row_label(k)`
/// comment, indented by 4.
pub(super) fn push_rows<const N: usize>(
    out: &mut String,
    rows: &[[f32; N]],
    row_label: impl Fn(usize) -> String,
) {
    out.push_str("    [\n");
    for (k, row) in rows.iter().enumerate() {
        let values: Vec<String> = row.iter().map(|&v| format_f32(v)).collect();
        out.push_str(&format!("        // {}\n        ", row_label(k)));
        push_array(out, &values, FLOATS_PER_LINE, 12);
        out.push_str(",\n");
    }
    out.push_str("    ],\n");
}

/// Appends a flat `[f32; N]` literal, indented by 4.
pub(super) fn push_values(out: &mut String, values: &[f32]) {
    let values: Vec<String> = values.iter().map(|&v| format_f32(v)).collect();
    out.push_str("    ");
    push_array(out, &values, FLOATS_PER_LINE, 8);
    out.push_str(",\n");
}

/// Appends `[[i8; N]; M]` or similar integer rows, one per `row_label(k)`
/// comment, indented by 4.
pub(super) fn push_int_rows<T: Display, const N: usize>(
    out: &mut String,
    rows: &[[T; N]],
    per_line: usize,
    row_label: impl Fn(usize) -> String,
) {
    out.push_str("    [\n");
    for (k, row) in rows.iter().enumerate() {
        out.push_str(&format!("        // {}\n        ", row_label(k)));
        push_array(out, row, per_line, 12);
        out.push_str(",\n");
    }
    out.push_str("    ],\n");
}

/// Floats per line in `model.rs`.
pub(super) const FLOATS_PER_LINE: usize = 8;

/// Indices or labels per line in `samples.rs`.
pub(super) const INTS_PER_LINE: usize = 20;

/// Pixels per line in `samples.rs`: one image row.
pub(super) const PIXELS_PER_LINE: usize = idx::COLS;

/// Integers per line in `model_int8.rs`.
pub(super) const INTS_PER_LINE_INT8: usize = 16;

/// `; trained with seed …, … epochs, …, test accuracy …` for the model header.
pub(super) fn describe_training(info: &TrainingInfo) -> String {
    let accuracy = info
        .accuracy()
        .map(|a| {
            format!(
                ", test accuracy {:.2}% ({}/{})",
                100.0 * a,
                info.correct,
                info.total
            )
        })
        .unwrap_or_default();
    format!(
        "; trained with {}{accuracy}",
        model::describe_training(info)
    )
}
