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
    /// Print one JSON object ({"model", "sha256", "network", "test_images", "correct", "total",
    /// "accuracy", "per_class", "confusion", "unanswered", and "device" or "f32_correct"})
    /// instead of text.
    #[arg(long)]
    pub json: bool,
}

pub(super) fn run_eval(args: &EvalArgs) -> Result<(), CliError> {
    let model_source = defaults::model(args.model.as_deref());
    let loaded = model_source.load()?;
    let source = defaults::data(args.data.as_deref());
    let test_set = source.load_test()?.data;
    // What text prints before the evaluation, and the JSON's fields beside it.
    let mut head = vec![
        format!("model: {} (sha256 {})", model_source.label(), loaded.sha256),
        format!("network: {}", loaded.net.describe()),
    ];
    if let Some(info) = &loaded.info {
        head.push(format!("trained: {}", model::describe_training(info)));
    }
    head.push(format!(
        "test set: {} images from {}",
        test_set.len(),
        source.describe()
    ));
    let mut json = serde_json::json!({
        "model": model_source.label(),
        "sha256": loaded.sha256,
        "network": loaded.net.describe(),
        "test_images": test_set.len(),
    });
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
            json["device"] = serde_json::json!({
                "order": digitnet_core::device::ORDER,
                "correct": device.correct(),
            });
            Evaluation::run_any(&loaded.net, &test_set)
        }
        Some(Quantize::Int8) => {
            let (calibration, _) = crate::model::int8::calibration_images(&source)?;
            head.push(format!(
                "quantized: int8 ({}), ReLU scales calibrated on the first {} training images",
                digitnet_core::quant::ORDER,
                calibration.len()
            ));
            let f32_eval = Evaluation::run_any(&loaded.net, &test_set);
            head.push(format!(
                "the f32 network it comes from: {} / {} correct",
                f32_eval.correct(),
                f32_eval.total()
            ));
            json["quantize"] = "int8".into();
            json["f32_correct"] = f32_eval.correct().into();
            let predictions = crate::model::int8::predictions(&loaded.net, &calibration, &test_set);
            Evaluation::from_predictions(&test_set, &predictions)
        }
    };
    if args.json {
        json["correct"] = evaluation.correct().into();
        json["total"] = evaluation.total().into();
        json["accuracy"] = (evaluation.correct() as f64 / evaluation.total().max(1) as f64).into();
        json["per_class"] = evaluation.per_class().to_vec().into();
        json["confusion"] = evaluation.confusion.map(|row| row.to_vec()).to_vec().into();
        json["unanswered"] = evaluation.unanswered.to_vec().into();
        crate::say!("{json}");
        return Ok(());
    }
    for line in head {
        crate::say!("{line}");
    }
    crate::say::print(format_args!("{evaluation}"));
    if let Some(line) = device_line {
        crate::say!("{line}");
    }
    Ok(())
}
