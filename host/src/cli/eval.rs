//! `digitnet eval`: accuracy, per-class accuracy and the confusion matrix.

use super::*;

/// Flags of `digitnet eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// The model to read (the help text is [`MODEL_HELP`]).
    #[arg(long, help = MODEL_HELP)]
    pub model: Option<PathBuf>,
    /// Where the digits come from (the help text is [`DATA_HELP`]).
    #[arg(long, help = DATA_HELP)]
    pub data: Option<PathBuf>,
    /// Evaluate the int8 version of the model (`int8`), as `export --quantize int8` writes it.
    #[arg(long, value_enum)]
    pub quantize: Option<Quantize>,
}

pub(super) fn run_eval(args: &EvalArgs) -> Result<(), CliError> {
    let model_source = defaults::model(args.model.as_deref());
    let loaded = model_source.load()?;
    let source = defaults::data(args.data.as_deref());
    let test_set = source.load_test()?.data;
    crate::say!("model: {} (sha256 {})", model_source.label(), loaded.sha256);
    crate::say!("network: {}", loaded.net.describe());
    if let Some(info) = &loaded.info {
        crate::say!("trained: {}", model::describe_training(info));
    }
    crate::say!(
        "test set: {} images from {}",
        test_set.len(),
        source.describe()
    );
    let mut device_line = None;
    let evaluation = match args.quantize {
        None => {
            let device = crate::export::device_predictions(&loaded.net, &test_set);
            let device = Evaluation::from_predictions(&test_set, &device);
            device_line = Some(format!(
                "on the device (f32, order {}): {} / {} correct",
                digitnet_core::device::ORDER,
                device.correct(),
                device.total()
            ));
            Evaluation::run_any(&loaded.net, &test_set)
        }
        Some(Quantize::Int8) => {
            let (calibration, _) = crate::model::int8::calibration_images(&source)?;
            crate::say!(
                "quantized: int8 ({}), ReLU scales calibrated on the first {} training images",
                digitnet_core::quant::ORDER,
                calibration.len()
            );
            let f32_eval = Evaluation::run_any(&loaded.net, &test_set);
            crate::say!(
                "the f32 network it comes from: {} / {} correct",
                f32_eval.correct(),
                f32_eval.total()
            );
            let predictions = crate::model::int8::predictions(&loaded.net, &calibration, &test_set);
            Evaluation::from_predictions(&test_set, &predictions)
        }
    };
    crate::say::print(format_args!("{evaluation}"));
    if let Some(line) = device_line {
        crate::say!("{line}");
    }
    Ok(())
}
