//! `digitnet web`: one self-contained HTML page to draw a digit on and watch
//! the network answer, in any browser, from a `file://` address.
//!
//! The page carries three things as base64: the WebAssembly module
//! (`web/digitnet-web.wasm`, the core's preparation and forward pass compiled
//! by `web/build.sh`, built into this binary), the model's parameters, and a
//! few MNIST test digits with the outputs this program computes for them. On
//! load the page runs those digits through the module twice — as they are (as
//! `digitnet predict --index` does) and drawn black on white and prepared (as
//! `digitnet predict FILE` does) — and says "bit-exact with the desktop" only
//! if all their outputs equal this program's, bit for bit.

use std::io;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use clap::Args;
use digitnet_core::prepare::{prepare, Grey};
use digitnet_core::{Activation, Cost};
use serde::Serialize;

use crate::atomic::write_atomic;
use crate::data::idx::{Dataset, Image};
use crate::data::DataError;
use crate::export::select_samples;
use crate::model::defaults::{self, DATA_HELP, MODEL_HELP};
use crate::model::net::describe_scores;
use crate::model::net::AnyNet;
use crate::model::ModelError;
use crate::with_net;

/// The page's WebAssembly module, as committed (rebuilt by `web/build.sh`).
pub const WASM: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../web/digitnet-web.wasm"
));
/// The page: HTML, CSS and JavaScript, with `{{GENERATED}}` and `{{DATA}}` to fill in.
pub(crate) const TEMPLATE: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../web/page.html"));
/// Default folder of the page.
pub(crate) const DEFAULT_OUT: &str = "digitnet-page";
/// The page's file name in its folder.
pub(crate) const PAGE: &str = "index.html";
/// Test digits embedded by default: the first 10 of each digit.
pub(crate) const DEFAULT_SAMPLES: usize = 100;
/// Most test digits a page embeds.
pub(crate) const MAX_SAMPLES: usize = 1_000;

/// Flags of `digitnet web`.
#[derive(Debug, Args)]
pub struct WebArgs {
    /// The model to read (the help text is `MODEL_HELP`).
    #[arg(long, help = MODEL_HELP)]
    pub model: Option<PathBuf>,
    /// Folder to write the page (index.html) into; created if missing.
    #[arg(long, value_name = "DIR", default_value = DEFAULT_OUT)]
    pub out: PathBuf,
    /// Test digits to embed (1 to 1000): the page checks its outputs for them
    /// against this program's at load time, and shows one at random on request.
    #[arg(long, default_value_t = DEFAULT_SAMPLES)]
    pub samples: usize,
    /// Where the digits come from (the help text is `DATA_HELP`).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
}

/// Why `web` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebError {
    /// The model could not be read.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// The test digits could not be read.
    #[error(transparent)]
    Data(#[from] DataError),
    /// `--samples` is out of range.
    #[error("cannot embed {requested} test digits: {}", if *.requested == 0 {
        "at least 1 is needed".to_owned()
    } else {
        format!("at most {available} are available")
    })]
    BadSampleCount {
        /// The number asked for.
        requested: usize,
        /// The most there are (test digits with ink, at most `MAX_SAMPLES`).
        available: usize,
    },
    /// The page could not be written.
    #[error("{}: cannot write the page", .path.display())]
    Write {
        /// The page's path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
}

/// What the page embeds, as the JSON it reads at load time.
#[derive(Debug, Serialize)]
struct PageData {
    generator: String,
    model: ModelData,
    digits: DigitData,
    /// The WebAssembly module, base64.
    wasm: String,
}

#[derive(Debug, Serialize)]
struct ModelData {
    name: String,
    sha256: String,
    network: String,
    scores: &'static str,
    hidden: usize,
    /// Position in `Activation::ALL`, as the module's `load_model` takes it.
    activation: usize,
    /// Position in `Cost::ALL`.
    cost: usize,
    /// `f32` little endian, base64, in the model file's order.
    parameters: String,
}

#[derive(Debug, Serialize)]
struct DigitData {
    source: String,
    indices: Vec<usize>,
    labels: Vec<u8>,
    /// 784 grey levels per digit, base64.
    pixels: String,
    /// This program's ten outputs per digit as it is, `f32` little endian, base64.
    outputs: String,
    /// The same for the digit drawn black on white and prepared.
    prepared_outputs: String,
}

/// A rendered page and the sizes of its parts, in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page {
    /// The whole HTML file.
    pub html: String,
    /// The WebAssembly module, before base64.
    pub wasm_bytes: usize,
    /// The model's parameters, before base64.
    pub model_bytes: usize,
    /// The test digits with their expected outputs, before base64.
    pub digit_bytes: usize,
    /// Number of test digits.
    pub digits: usize,
}

/// The network's parameters in the model file's order — `hidden.weight`
/// (row-major, row `j` the weights into hidden neuron `j`), `hidden.bias`,
/// `output.weight`, `output.bias` — as the module's `params` buffer takes them.
pub fn parameters(net: &AnyNet) -> Vec<f32> {
    with_net!(net, n => n
        .hidden
        .weights
        .iter()
        .flatten()
        .chain(&n.hidden.biases)
        .chain(n.output.weights.iter().flatten())
        .chain(&n.output.biases)
        .copied()
        .collect())
}

/// The position of `activation` in `Activation::ALL`: the module's code for it.
pub fn activation_code(activation: Activation) -> usize {
    Activation::ALL
        .iter()
        .position(|a| *a == activation)
        .unwrap_or(0)
}

/// The position of `cost` in `Cost::ALL`: the module's code for it.
pub fn cost_code(cost: Cost) -> usize {
    Cost::ALL.iter().position(|c| *c == cost).unwrap_or(0)
}

/// A test digit drawn black on white (`255 − p`), as a picture file of it would read.
pub(crate) fn black_on_white(image: &Image) -> Image {
    image.map(|p| 255 - p)
}

/// What this program answers for `image` drawn black on white, as
/// `digitnet predict` answers for a picture: prepared by the core, then the
/// network's outputs; `None` if it has no ink.
pub fn prepared_outputs(net: &AnyNet, image: &Image) -> Option<[f32; 10]> {
    let paper = black_on_white(image);
    let grey = Grey::new(&paper, 28, 28).ok()?;
    let prepared = prepare(grey).ok()?;
    Some(net.feedforward(&prepared.pixels))
}

fn f32_bytes(values: impl IntoIterator<Item = f32>) -> Vec<u8> {
    values.into_iter().flat_map(f32::to_le_bytes).collect()
}

/// Renders the page for `net` (named `name`, with file hash `sha256`) and
/// `samples` test digits of `test` (which came from `origin`).
pub fn render(
    net: &AnyNet,
    name: &str,
    sha256: &str,
    test: &Dataset,
    origin: &str,
    samples: usize,
) -> Result<Page, WebError> {
    // Digits with ink only: the page checks each both ways.
    let prepared: Vec<Option<[f32; 10]>> = test
        .images
        .iter()
        .map(|image| prepared_outputs(net, image))
        .collect();
    let inked: Vec<usize> = (0..test.len()).filter(|&i| prepared[i].is_some()).collect();
    let available = inked.len().min(MAX_SAMPLES);
    if samples == 0 || samples > available {
        return Err(WebError::BadSampleCount {
            requested: samples,
            available,
        });
    }
    let labels: Vec<u8> = inked.iter().map(|&i| test.labels[i]).collect();
    let chosen: Vec<usize> = select_samples(&labels, samples)
        .map_err(|_| WebError::BadSampleCount {
            requested: samples,
            available,
        })?
        .into_iter()
        .map(|k| inked[k])
        .collect();

    let pixels: Vec<u8> = chosen.iter().flat_map(|&i| test.images[i]).collect();
    let outputs = f32_bytes(
        chosen
            .iter()
            .flat_map(|&i| net.feedforward(&test.images[i])),
    );
    let prepared_outputs = f32_bytes(
        chosen
            .iter()
            .flat_map(|&i| prepared[i].unwrap_or([f32::NAN; 10])),
    );
    let params = f32_bytes(parameters(net));
    let per_digit = samples.div_ceil(10);
    let data = PageData {
        generator: format!("digitnet {} (digitnet web)", env!("CARGO_PKG_VERSION")),
        model: ModelData {
            name: name.to_owned(),
            sha256: sha256.to_owned(),
            network: net.describe(),
            scores: describe_scores(net.cost()),
            hidden: net.hidden(),
            activation: activation_code(net.activation()),
            cost: cost_code(net.cost()),
            parameters: BASE64.encode(&params),
        },
        digits: DigitData {
            source: format!("test digits of {origin}, about the first {per_digit} of each digit"),
            indices: chosen.clone(),
            labels: chosen.iter().map(|&i| test.labels[i]).collect(),
            pixels: BASE64.encode(&pixels),
            outputs: BASE64.encode(&outputs),
            prepared_outputs: BASE64.encode(&prepared_outputs),
        },
        wasm: BASE64.encode(WASM),
    };
    // `<` escaped, so nothing in the data can close the script element.
    let json = serde_json::to_string(&data)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    // The name cannot close the comment it is written in.
    let generated = format!(
        "@generated by digitnet {} (digitnet web) from {} (sha256 {}) \u{2014} do not edit",
        env!("CARGO_PKG_VERSION"),
        name.replace("--", "- -"),
        sha256
    );
    let html = fill(&generated, &json);
    Ok(Page {
        html,
        wasm_bytes: WASM.len(),
        model_bytes: params.len(),
        digit_bytes: pixels.len() + outputs.len() + prepared_outputs.len(),
        digits: chosen.len(),
    })
}

/// The template with its two slots filled (each once, so nothing in what is
/// put in the first slot can be taken for the second).
fn fill(generated: &str, json: &str) -> String {
    let slots = TEMPLATE
        .split_once("{{GENERATED}}")
        .and_then(|(head, rest)| Some((head, rest.split_once("{{DATA}}")?)));
    match slots {
        Some((head, (middle, tail))) => [head, generated, middle, json, tail].concat(),
        // The template is a constant with both slots (a unit test checks).
        None => TEMPLATE.to_owned(),
    }
}

/// Sizes for people: `16.1 KB`.
fn kb(bytes: usize) -> String {
    format!("{:.1} KB", bytes as f64 / 1000.0)
}

/// Runs `digitnet web`.
pub fn run(args: &WebArgs) -> Result<(), WebError> {
    let source = defaults::model(args.model.as_deref());
    let loaded = source.load()?;
    let test = defaults::data(args.data.as_deref()).load_test()?;
    let page = render(
        &loaded.net,
        &source.label(),
        &loaded.sha256,
        &test.data,
        &test.origin,
        args.samples,
    )?;
    let path = args.out.join(PAGE);
    write_atomic(&path, page.html.as_bytes()).map_err(|source| WebError::Write {
        path: path.clone(),
        source,
    })?;
    crate::say!("model: {} ({})", source.label(), loaded.net.describe());
    crate::say!(
        "page: {} ({}: WebAssembly module {}, model {}, {} test digits with the expected outputs {}; base64 inside)",
        path.display(),
        kb(page.html.len()),
        kb(page.wasm_bytes),
        kb(page.model_bytes),
        page.digits,
        kb(page.digit_bytes)
    );
    crate::say!("open it in a browser: {}", file_url(&path));
    Ok(())
}

/// A `file://` address for `path` (made absolute), for printing.
pub(crate) fn file_url(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let shown = absolute.to_string_lossy().replace('\\', "/");
    let shown = shown.replace(' ', "%20");
    if shown.starts_with('/') {
        format!("file://{shown}")
    } else {
        format!("file:///{shown}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_has_each_slot_once() {
        for slot in ["{{GENERATED}}", "{{DATA}}"] {
            assert_eq!(TEMPLATE.matches(slot).count(), 1, "{slot}");
        }
    }

    #[test]
    fn slots_are_filled_once_each() {
        let html = fill("from {{DATA}}.safetensors", "{\"x\":1}");
        assert!(html.contains("<!-- from {{DATA}}.safetensors -->"));
        assert!(html.contains(">{\"x\":1}</script>"));
        assert!(!html.contains("{{GENERATED}}"));
    }

    #[test]
    fn the_module_is_webassembly_with_its_provenance() {
        assert_eq!(&WASM[..8], b"\0asm\x01\0\0\0");
        let text = String::from_utf8_lossy(WASM);
        assert!(text.contains("@generated by web/build.sh"), "no provenance");
    }

    #[test]
    fn the_module_names_no_folder_of_the_building_machine() {
        let text = String::from_utf8_lossy(WASM);
        for folder in [
            "/home/",
            "/root/",
            "/Users/",
            "/tmp/",
            "/work/",
            "registry/src",
            ":\\",
        ] {
            assert!(!text.contains(folder), "{folder}");
        }
    }

    #[test]
    fn codes_are_positions_in_the_cores_lists() {
        assert_eq!(activation_code(Activation::Sigmoid), 0);
        assert_eq!(activation_code(Activation::Relu), 1);
        assert_eq!(cost_code(Cost::Quadratic), 0);
        assert_eq!(cost_code(Cost::CrossEntropy), 1);
        assert_eq!(cost_code(Cost::LogLikelihood), 2);
    }

    #[test]
    fn parameters_are_in_the_model_file_order() {
        let mut net = AnyNet::zeroed(10).unwrap();
        with_net!(&mut net, n => {
            n.hidden.weights[0][1] = 1.0;
            n.hidden.biases[2] = 2.0;
            n.output.weights[3][4] = 3.0;
            n.output.biases[9] = 4.0;
        });
        let p = parameters(&net);
        assert_eq!(p.len(), net.parameters());
        let at = |v: f32| p.iter().position(|&x| x == v).unwrap();
        assert_eq!(at(1.0), 1);
        assert_eq!(at(2.0), 7840 + 2);
        assert_eq!(at(3.0), 7840 + 10 + 3 * 10 + 4);
        assert_eq!(at(4.0), p.len() - 1);
    }

    #[test]
    fn file_urls() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/index.html")),
            "file:///tmp/a%20b/index.html"
        );
        assert!(file_url(Path::new("page/index.html")).ends_with("/page/index.html"));
    }
}
