//! `digitnet predict`: classify pictures of digits (or test digits by index)
//! and print the best three digits with their scores.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::data::idx::{Image, COLS};
use crate::data::picture;
use crate::data::DataError;
use crate::model::defaults::{self, DATA_HELP, MODEL_HELP};
use crate::model::net::describe_scores;
use crate::model::ModelError;

/// Digits listed per input.
pub(crate) const TOP: usize = 3;

/// Flags of `digitnet predict`.
#[derive(Debug, Args)]
pub struct PredictArgs {
    /// Picture files (PNG, JPEG, PGM/PPM) of one digit each, any size and colour depth.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The model to read (the help text is `MODEL_HELP`).
    #[arg(long, help = MODEL_HELP)]
    pub model: Option<PathBuf>,
    /// Classify test digit N of --data (from 0) instead of a file; may be repeated.
    #[arg(long, value_name = "N")]
    pub index: Vec<usize>,
    /// Where the digits come from (the help text is `DATA_HELP`).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Draw the 28x28 input the network saw, in the terminal.
    #[arg(long, conflicts_with = "json")]
    pub show: bool,
    /// Print one JSON array of {"file", "digit", "top": [{"digit", "score"}, ...]}
    /// objects (with "index" and "label" for --index, "error" for an input that failed).
    #[arg(long)]
    pub json: bool,
}

/// Why `predict` failed as a whole.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PredictError {
    /// The model could not be read.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The test digits for `--index` could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// Neither a picture nor `--index` was given.
    #[error("nothing to classify: name picture files (digitnet predict digit.png), or test digits with --index N (digitnet predict --index 8)")]
    NoInput,
    /// Some inputs failed (each was reported as it happened).
    #[error("{failed} of {total} inputs could not be classified")]
    Failed {
        /// Inputs that failed.
        failed: usize,
        /// Inputs given.
        total: usize,
    },
    /// Writing to standard output failed.
    #[error("cannot write the output")]
    Output(#[source] io::Error),
}

/// The message for an input whose outputs hold a NaN.
pub const NO_ANSWER: &str =
    "no answer: the network's outputs are not numbers (NaN); the model overflows on this input";

/// One digit and its score.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Score {
    /// The digit, 0–9.
    pub digit: usize,
    /// Its output neuron's activation.
    pub score: f32,
}

/// The `TOP` highest-scoring digits, best first (ties: the lower digit first).
pub fn top(outputs: &[f32; 10]) -> [Score; TOP] {
    let mut order: [usize; 10] = std::array::from_fn(|d| d);
    order.sort_by(|&a, &b| outputs[b].total_cmp(&outputs[a]).then(a.cmp(&b)));
    std::array::from_fn(|i| Score {
        digit: order[i],
        score: outputs[order[i]],
    })
}

/// One input's result in `--json`.
#[derive(Debug, Serialize)]
struct JsonResult {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    digit: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top: Option<[Score; TOP]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// One input to classify.
enum Input {
    Index(usize),
    File(PathBuf),
}

/// An error with its causes, joined by `: `.
fn chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        out.push_str(": ");
        out.push_str(&cause.to_string());
        source = cause.source();
    }
    out
}

/// The 28×28 input drawn with characters, two per pixel, in a frame.
pub(crate) fn render_digit(pixels: &Image) -> String {
    const RAMP: &[u8] = b" .:-=+*#%@";
    let mut out = String::new();
    let rule = format!("  +{}+\n", "-".repeat(2 * COLS));
    out.push_str(&rule);
    for row in pixels.chunks(COLS) {
        out.push_str("  |");
        for &v in row {
            let c = char::from(RAMP[usize::from(v) * RAMP.len() / 256]);
            out.push(c);
            out.push(c);
        }
        out.push_str("|\n");
    }
    out.push_str(&rule);
    out
}

/// Runs `digitnet predict`; stops quietly if standard output is closed
/// (e.g. piped into `head`).
pub fn run(args: &PredictArgs) -> Result<(), PredictError> {
    match run_inner(args) {
        Err(PredictError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

fn run_inner(args: &PredictArgs) -> Result<(), PredictError> {
    if args.files.is_empty() && args.index.is_empty() {
        return Err(PredictError::NoInput);
    }
    let source = defaults::model(args.model.as_deref());
    let loaded = source.load()?;
    let net = &loaded.net;
    let test = if args.index.is_empty() {
        None
    } else {
        Some(defaults::data(args.data.as_deref()).load_test()?.data)
    };
    let inputs: Vec<Input> = args
        .index
        .iter()
        .map(|&i| Input::Index(i))
        .chain(args.files.iter().cloned().map(Input::File))
        .collect();

    let stdout = io::stdout();
    let mut out = stdout.lock();
    let out_err = PredictError::Output;
    if !args.json {
        writeln!(out, "model: {} ({})", source.label(), net.describe()).map_err(out_err)?;
        writeln!(out, "scores: {}", describe_scores(net.cost())).map_err(out_err)?;
    }
    let mut results = Vec::new();
    let mut failed = 0;
    for input in &inputs {
        let (name, index, label, pixels) = match input {
            Input::Index(i) => {
                let set = test.as_ref();
                let found = set.and_then(|t| Some((*t.images.get(*i)?, *t.labels.get(*i)?)));
                match found {
                    Some((image, label)) => {
                        (format!("test #{i}"), Some(*i), Some(label), Ok(image))
                    }
                    None => {
                        let n = set.map_or(0, |t| t.len());
                        let msg = format!(
                            "--index {i}: the test set has {n} digits (0 to {})",
                            n.saturating_sub(1)
                        );
                        (format!("test #{i}"), Some(*i), None, Err(msg))
                    }
                }
            }
            Input::File(path) => {
                let r = picture::read_digit(path)
                    .map(|d| d.pixels)
                    .map_err(|e| chain(&e));
                (path.display().to_string(), None, None, r)
            }
        };
        let file = index.is_none().then(|| name.clone());
        // A NaN output (a model whose sums overflow) is no answer, not a digit.
        let classified = pixels.and_then(|pixels| {
            let outputs = net.feedforward(&pixels);
            match digitnet_core::network::argmax(&outputs) {
                Some(_) => Ok((pixels, outputs)),
                None => Err(format!("{name}: {NO_ANSWER}")),
            }
        });
        match classified {
            Ok((pixels, outputs)) => {
                let best = top(&outputs);
                if args.json {
                    results.push(JsonResult {
                        file,
                        index,
                        label,
                        digit: Some(best[0].digit),
                        top: Some(best),
                        error: None,
                    });
                } else {
                    write_line(&mut out, &name, label, &best).map_err(out_err)?;
                    if args.show {
                        write!(out, "{}", render_digit(&pixels)).map_err(out_err)?;
                    }
                }
            }
            Err(message) => {
                failed += 1;
                out.flush().map_err(out_err)?;
                eprintln!("digitnet: error: {message}");
                if args.json {
                    results.push(JsonResult {
                        file,
                        index,
                        label,
                        digit: None,
                        top: None,
                        error: Some(message),
                    });
                }
            }
        }
    }
    if args.json {
        let text = serde_json::to_string_pretty(&results).unwrap_or_default();
        writeln!(out, "{text}").map_err(out_err)?;
    }
    out.flush().map_err(out_err)?;
    if failed > 0 {
        return Err(PredictError::Failed {
            failed,
            total: inputs.len(),
        });
    }
    Ok(())
}

/// A score for people: three decimals, or two significant digits below 0.001.
pub(crate) fn format_score(score: f32) -> String {
    if score >= 0.001 || score == 0.0 {
        format!("{score:.3}")
    } else {
        format!("{score:.1e}")
    }
}

/// `name: 7   (7 0.981, 9 0.012, 3 4.1e-5)`, with the label for a test digit.
fn write_line(
    out: &mut impl Write,
    name: &str,
    label: Option<u8>,
    best: &[Score; TOP],
) -> io::Result<()> {
    let label = label.map(|l| format!(" (label {l})")).unwrap_or_default();
    let scores: Vec<String> = best
        .iter()
        .map(|s| format!("{} {}", s.digit, format_score(s.score)))
        .collect();
    writeln!(
        out,
        "{name}{label}: {}   ({})",
        best[0].digit,
        scores.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::idx::PIXELS;

    #[test]
    fn top_three_best_first_ties_to_the_lower_digit() {
        let outputs = [0.1, 0.7, 0.05, 0.7, 0.0, 0.9, 0.2, 0.0, f32::NAN, 0.3];
        let t = top(&outputs);
        // NaN sorts above every number in total order; a model with a NaN
        // weight is refused on loading, so it cannot reach here.
        assert_eq!(t.map(|s| s.digit), [8, 5, 1]);
        let outputs = [0.1, 0.7, 0.05, 0.7, 0.0, 0.9, 0.2, 0.0, 0.0, 0.3];
        assert_eq!(top(&outputs).map(|s| s.digit), [5, 1, 3]);
        assert_eq!(top(&outputs)[0].score, 0.9);
    }

    #[test]
    fn scores_keep_small_values_readable() {
        assert_eq!(format_score(0.98765), "0.988");
        assert_eq!(format_score(0.001), "0.001");
        assert_eq!(format_score(0.000_041_2), "4.1e-5");
        assert_eq!(format_score(0.0), "0.000");
    }

    #[test]
    fn digits_are_drawn_two_characters_a_pixel() {
        let mut image = [0u8; PIXELS];
        image[0] = 255;
        image[29] = 128;
        let text = render_digit(&image);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 30);
        assert!(lines[1].starts_with("  |@@  "), "{:?}", lines[1]);
        assert!(lines[2].starts_with("  |  ++"), "{:?}", lines[2]);
        assert_eq!(lines[1].chars().count(), 3 + 56 + 1);
    }

    #[test]
    fn json_leaves_out_what_does_not_apply() {
        let r = JsonResult {
            file: Some("a.png".into()),
            index: None,
            label: None,
            digit: Some(7),
            top: Some([
                Score {
                    digit: 7,
                    score: 0.5,
                },
                Score {
                    digit: 1,
                    score: 0.25,
                },
                Score {
                    digit: 2,
                    score: 0.125,
                },
            ]),
            error: None,
        };
        assert_eq!(
            serde_json::to_string(&r).unwrap(),
            r#"{"file":"a.png","digit":7,"top":[{"digit":7,"score":0.5},{"digit":1,"score":0.25},{"digit":2,"score":0.125}]}"#
        );
    }
}
