//! `digitnet export`: a model and test digits as the firmware's Rust sources.

use super::*;

/// Flags of `digitnet export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Model file (safetensors) to export [default: models/mnist-784-30-10.safetensors,
    /// or ./mnist-784-30-10.safetensors if that is absent and this is present].
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Folder to write `model.rs` and `samples.rs` into [default: firmware-example/src, which must exist].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Number of test digits to export with the host's outputs.
    #[arg(long, default_value_t = crate::export::DEFAULT_SAMPLES)]
    pub samples: usize,
    /// Write nothing; fail if the files on disk differ from what would be written.
    #[arg(long)]
    pub check: bool,
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Write the int8 model instead (`int8`: model_int8.rs and samples_int8.rs).
    #[arg(long, value_enum)]
    pub quantize: Option<Quantize>,
}

pub(super) fn run_export(args: &ExportArgs) -> Result<(), CliError> {
    let out_dir = defaults::firmware_dir(args.out.as_deref())
        .map_err(|path| CliError::NoFirmwareDir { path })?;
    let opts = ExportOptions {
        model: defaults::model_file(args.model.as_deref()),
        data: defaults::data(args.data.as_deref()),
        out_dir,
        samples: args.samples,
        quantize: args.quantize,
    };
    let files = crate::export::render(&opts)?;
    if args.check {
        let stale = crate::export::stale(&files)?;
        if !stale.is_empty() {
            let command = match args.quantize {
                None => "digitnet export",
                Some(Quantize::Int8) => "digitnet export --quantize int8",
            };
            return Err(CliError::Stale {
                paths: stale,
                command,
            });
        }
        for f in &files {
            crate::say!("up to date: {}", f.path.display());
        }
    } else {
        crate::export::write(&files)?;
        for f in &files {
            crate::say!("exported: {}", f.path.display());
        }
    }
    Ok(())
}
