//! The training record a model file carries in its metadata: seed, epochs,
//! learning rate and schedule, neurons, accuracy.

use super::*;

/// How a network was trained, stored as string metadata in its model file.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainingInfo {
    /// Seed of the RNG that drove initialisation and shuffles.
    pub seed: u64,
    /// Number of epochs trained.
    pub epochs: usize,
    /// Mini-batch size `m`.
    pub batch_size: usize,
    /// Learning rate `eta`.
    pub eta: f32,
    /// L2 regularisation parameter `lambda` (0: none).
    pub lambda: f32,
    /// How the weights and biases were initialised.
    pub init: Init,
    /// The learning-rate schedule.
    pub schedule: Schedule,
    /// The largest random translation of a training image, in pixels.
    pub shift: u8,
    /// Number of training images used.
    pub train_images: usize,
    /// Test images classified correctly after the last epoch.
    pub correct: usize,
    /// Test images evaluated.
    pub total: usize,
    /// Validation images classified correctly and evaluated after the last epoch, if evaluated.
    pub validation: Option<(usize, usize)>,
}

impl TrainingInfo {
    /// Fraction of test images classified correctly, or `None` if none were evaluated.
    pub fn accuracy(&self) -> Option<f64> {
        // Counts of images are far below 2^53, so the conversions are exact.
        (self.total > 0).then(|| self.correct as f64 / self.total as f64)
    }
}

/// How a network was trained, in words: `seed 7, 30 epochs, mini-batch 10,
/// eta 3.0, 50000 training images`, with `lambda` and the initialisation
/// after `eta` when they are not chapter 1's.
pub(crate) fn describe_training(info: &TrainingInfo) -> String {
    let mut out = format!(
        "seed {}, {}, mini-batch {}, eta {:?}",
        info.seed,
        crate::say::count(info.epochs, "epoch"),
        info.batch_size,
        info.eta
    );
    if info.lambda != 0.0 {
        out.push_str(&format!(", lambda {:?}", info.lambda));
    }
    if info.init != Init::default() {
        out.push_str(&format!(", {} init", info.init.name()));
    }
    if info.schedule != Schedule::default() {
        out.push_str(&format!(", {} schedule", info.schedule.name()));
    }
    if info.shift != 0 {
        out.push_str(&format!(", shifts up to {} px", info.shift));
    }
    out.push_str(&format!(", {} training images", info.train_images));
    out
}

/// The string metadata for `net` and, if given, how it was trained; keys sorted.
///
/// Settings at their chapter-1 value are left out (see the module docs).
pub(super) fn metadata<const I: usize, const H: usize, const O: usize>(
    net: &Network<I, H, O>,
    info: Option<&TrainingInfo>,
) -> BTreeMap<&'static str, String> {
    let mut m = BTreeMap::new();
    m.insert("format", FORMAT.to_owned());
    m.insert("layers", format!("{I},{H},{O}"));
    if net.activation != Activation::default() {
        m.insert("activation", net.activation.name().to_owned());
    }
    if info.is_some() || net.cost != Cost::default() {
        m.insert("cost", net.cost.name().to_owned());
    }
    if let Some(info) = info {
        m.insert("seed", info.seed.to_string());
        m.insert("epochs", info.epochs.to_string());
        m.insert("batch_size", info.batch_size.to_string());
        // `{:?}` is the shortest string that parses back to the same f32.
        m.insert("eta", format!("{:?}", info.eta));
        if info.lambda != 0.0 {
            m.insert("lambda", format!("{:?}", info.lambda));
        }
        if info.init != Init::default() {
            m.insert("init", info.init.name().to_owned());
        }
        if info.schedule != Schedule::default() {
            m.insert("schedule", info.schedule.name().to_owned());
        }
        if info.shift != 0 {
            m.insert("shift", info.shift.to_string());
        }
        m.insert("train_images", info.train_images.to_string());
        m.insert("test_correct", info.correct.to_string());
        m.insert("test_total", info.total.to_string());
        let accuracy = info.accuracy().unwrap_or(0.0);
        m.insert("test_accuracy", format!("{accuracy:.4}"));
        if let Some((correct, total)) = info.validation {
            m.insert("validation_correct", correct.to_string());
            m.insert("validation_total", total.to_string());
        }
    }
    m
}

/// The kind of neurons named in the metadata; a missing key is the chapter-1 choice.
pub(super) fn parse_neurons(
    m: Option<&HashMap<String, String>>,
    path: &Path,
) -> Result<(Activation, Cost), ModelError> {
    let get = |key: &str| m.and_then(|m| m.get(key)).map(|v| v.trim());
    let bad = |key: &str, value: &str, allowed: &[&str]| ModelError::BadMetadata {
        path: path.to_path_buf(),
        key: key.to_owned(),
        value: value.to_owned(),
        allowed: allowed.join(", "),
    };
    let activation = match get("activation") {
        None => Activation::default(),
        Some(v) => Activation::from_name(v)
            .ok_or_else(|| bad("activation", v, &Activation::ALL.map(Activation::name)))?,
    };
    let cost = match get("cost") {
        None => Cost::default(),
        Some(v) => Cost::from_name(v).ok_or_else(|| bad("cost", v, &Cost::ALL.map(Cost::name)))?,
    };
    Ok((activation, cost))
}

/// Reads [`TrainingInfo`] back from string metadata; `None` if a required key
/// is absent or a value unparseable. `lambda`, `init` and the validation counts
/// may be absent (chapter-1 values, no validation).
pub(super) fn parse_info(m: &HashMap<String, String>) -> Option<TrainingInfo> {
    let get = |key: &str| m.get(key).map(|v| v.trim());
    let validation = match (get("validation_correct"), get("validation_total")) {
        (Some(c), Some(t)) => Some((c.parse().ok()?, t.parse().ok()?)),
        _ => None,
    };
    Some(TrainingInfo {
        seed: get("seed")?.parse().ok()?,
        epochs: get("epochs")?.parse().ok()?,
        batch_size: get("batch_size")?.parse().ok()?,
        eta: get("eta")?.parse().ok()?,
        lambda: get("lambda").map_or(Some(0.0), |v| v.parse().ok())?,
        init: get("init").map_or(Some(Init::default()), Init::from_name)?,
        schedule: get("schedule").map_or(Some(Schedule::default()), Schedule::from_name)?,
        shift: get("shift").map_or(Some(0), |v| v.parse().ok())?,
        train_images: get("train_images")?.parse().ok()?,
        correct: get("test_correct")?.parse().ok()?,
        total: get("test_total")?.parse().ok()?,
        validation,
    })
}

/// How the learning rate changes over the epochs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Schedule {
    /// `eta` in every epoch (the book's choice; the default).
    #[default]
    Constant,
    /// Cosine annealing: `eta · ½ (1 + cos(π (e − 1) / E))` in epoch `e` of
    /// `E`, from `eta` in the first epoch down towards 0 in the last, so the
    /// final epochs take small steps that settle the weights.
    Cosine,
}

impl Schedule {
    /// Every schedule, in the order the command line lists them.
    pub const ALL: [Schedule; 2] = [Schedule::Constant, Schedule::Cosine];

    /// The name used on the command line and in model files.
    pub const fn name(self) -> &'static str {
        match self {
            Schedule::Constant => "constant",
            Schedule::Cosine => "cosine",
        }
    }

    /// The schedule called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The learning rate in epoch `epoch` (from 1) of `epochs`, starting from `eta`.
    ///
    /// Computed in `f64` with `libm::cos`, then rounded to `f32`, so every
    /// machine gets the same bits.
    pub fn eta(self, eta: f32, epoch: usize, epochs: usize) -> f32 {
        match self {
            Schedule::Constant => eta,
            Schedule::Cosine => {
                let t = epoch.saturating_sub(1) as f64 / epochs.max(1) as f64;
                (f64::from(eta) * 0.5 * (1.0 + libm::cos(core::f64::consts::PI * t))) as f32
            }
        }
    }
}
