//! The training flags `train` and `bench` share, defined once: the recipe (a
//! preset and the settings given over it) and the machine (threads and
//! instruction set). `train` adds its epochs, validation and outputs; `bench`
//! its own epochs (5 by default) and what it reports.

use super::*;

/// A recipe: a named preset and every setting given over it. A setting not
/// given comes from the preset (chapter 1's network unless `--preset` says
/// otherwise), so `--preset best --eta 0.05` is the best recipe with another eta.
#[derive(Debug, Args)]
pub struct RecipeArgs {
    /// Start from a named recipe: `chapter1` (the book's first network) or
    /// `best` (see docs/results.md); flags given explicitly override its settings.
    #[arg(long, value_parser = parse_preset, default_value = "chapter1")]
    pub preset: Preset,
    /// Hidden neurons, one of 10, 16, 20, 30, 50, 64, 100, 128 [default: 30].
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Hidden activation: sigmoid or relu [default: sigmoid].
    #[arg(long, value_parser = parse_activation)]
    pub activation: Option<Activation>,
    /// Cost: quadratic, cross-entropy, or log-likelihood (softmax output) [default: quadratic].
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<Cost>,
    /// Initial weights: normal N(0,1), scaled N(0,1/n_in), or uniform U(-0.5,0.5) with zero biases [default: normal].
    #[arg(long, value_parser = parse_init)]
    pub init: Option<Init>,
    /// Examples per mini-batch, up to the number of training images (full batch) [default: 10].
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Learning rate eta [default: 3.0].
    #[arg(long, allow_negative_numbers = true)]
    pub eta: Option<f32>,
    /// L2 regularisation parameter lambda; 0 for none [default: 0.0].
    #[arg(long, allow_negative_numbers = true)]
    pub lambda: Option<f32>,
    /// Learning-rate schedule over the epochs: constant or cosine (annealed towards 0) [default: constant].
    #[arg(long, value_parser = parse_schedule)]
    pub schedule: Option<Schedule>,
    /// Move each training image by up to this many pixels (random per example and epoch), 0 to 4 [default: 0].
    #[arg(long, allow_negative_numbers = true)]
    pub shift: Option<u8>,
    /// Seed for initialisation, shuffles and shifts [default: 20151130].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Training images to use, from the start of the training set [default: 50000, or all if fewer].
    #[arg(long)]
    pub train_images: Option<usize>,
}

/// Where training runs: how many threads, which instruction set. Neither
/// changes a bit of the result.
#[derive(Debug, Args)]
pub struct MachineArgs {
    /// Threads to train with; 0 for one per core, falling back to one thread in epochs where that is faster (a busy machine). Every count gives the same model.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Instruction set: auto (the widest this processor has), baseline, avx2 or avx512. Every one gives the same model.
    #[arg(long, value_parser = parse_simd, default_value = "auto")]
    pub simd: Simd,
}

impl RecipeArgs {
    /// The preset's settings with every setting given applied over them,
    /// on `machine`.
    pub fn config(&self, machine: &MachineArgs) -> TrainConfig {
        let base = self.preset.config();
        TrainConfig {
            batch_size: self.batch_size.unwrap_or(base.batch_size),
            eta: self.eta.unwrap_or(base.eta),
            lambda: self.lambda.unwrap_or(base.lambda),
            seed: self.seed.unwrap_or(base.seed),
            train_images: self.train_images.unwrap_or(base.train_images),
            hidden: self.hidden.unwrap_or(base.hidden),
            activation: self.activation.unwrap_or(base.activation),
            cost: self.cost.unwrap_or(base.cost),
            init: self.init.unwrap_or(base.init),
            schedule: self.schedule.unwrap_or(base.schedule),
            shift: self.shift.unwrap_or(base.shift),
            threads: machine.threads,
            simd: machine.simd,
            ..base
        }
    }
}
