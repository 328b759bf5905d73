//! `digitnet bench`: the flags of a timed run (the timing itself is in `reports::bench`).

use super::*;
use crate::reports::bench::BenchError;

/// Flags of `digitnet bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// The recipe to time: a preset and the settings given over it, as `train` takes them.
    #[command(flatten)]
    pub recipe: RecipeArgs,
    /// Epochs to train; the median epoch is reported.
    #[arg(long, default_value_t = 5)]
    pub epochs: usize,
    /// Threads and instruction set.
    #[command(flatten)]
    pub machine: MachineArgs,
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
        TrainConfig {
            epochs: self.epochs,
            phases: self.phases,
            ..self.recipe.config(&self.machine)
        }
    }
}

pub(super) fn run_bench(args: &BenchArgs) -> Result<(), CliError> {
    let report = crate::reports::bench::run(
        &defaults::data(args.data.as_deref()),
        &args.config(),
        args.recipe.preset,
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
