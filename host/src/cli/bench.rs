//! `digitnet bench`: the flags of a timed run (the timing itself is in `reports::bench`).

use super::*;
use crate::reports::bench::BenchError;

/// Flags of `digitnet bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// The recipe to time: chapter1 or best; the flags below override it.
    #[arg(long, value_parser = parse_preset, default_value = "chapter1")]
    pub preset: Preset,
    /// Hidden neurons [default: the preset's].
    #[arg(long)]
    pub hidden: Option<usize>,
    /// Hidden activation: sigmoid or relu [default: the preset's].
    #[arg(long, value_parser = parse_activation)]
    pub activation: Option<Activation>,
    /// Cost: quadratic, cross-entropy or log-likelihood [default: the preset's].
    #[arg(long, value_parser = parse_cost)]
    pub cost: Option<Cost>,
    /// Learning rate eta [default: the preset's].
    #[arg(long, allow_negative_numbers = true)]
    pub eta: Option<f32>,
    /// Epochs to train; the median epoch is reported.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Threads; 0 for one per core.
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Instruction set: auto, baseline, avx2 or avx512.
    #[arg(long, value_parser = parse_simd, default_value = "auto")]
    pub simd: Simd,
    /// Also time each part of a training round, per thread: adding the
    /// gradients, the lane sums, backpropagation, and the waits between them.
    #[arg(long)]
    pub phases: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

impl BenchArgs {
    /// The preset's settings with the flags given applied over them.
    pub fn config(&self) -> TrainConfig {
        let base = self.preset.config();
        TrainConfig {
            epochs: self.epochs,
            hidden: self.hidden.unwrap_or(base.hidden),
            activation: self.activation.unwrap_or(base.activation),
            cost: self.cost.unwrap_or(base.cost),
            eta: self.eta.unwrap_or(base.eta),
            threads: self.threads,
            simd: self.simd,
            phases: self.phases,
            ..base
        }
    }
}

pub(super) fn run_bench(args: &BenchArgs) -> Result<(), CliError> {
    let report = crate::reports::bench::run(
        &defaults::data(args.data.as_deref()),
        &args.config(),
        args.preset,
    )
    .map_err(|e| match e {
        // Told with the flags' names, as `train` tells it.
        BenchError::Train(e) => CliError::from(e),
        other => CliError::Bench(other),
    })?;
    if args.json {
        crate::say!("{}", report.to_json());
    } else {
        crate::say!("{report}");
    }
    Ok(())
}
