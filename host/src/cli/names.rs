//! Flag values read by name (`--cost cross-entropy`), with the names to choose from when one is unknown.

use super::*;

/// Parses a name with `from_name`, or says which names there are.
pub(super) fn parse_named<T: Copy, const N: usize>(
    what: &str,
    value: &str,
    all: [T; N],
    name: fn(T) -> &'static str,
) -> Result<T, String> {
    all.into_iter().find(|v| name(*v) == value).ok_or_else(|| {
        let names: Vec<&str> = all.into_iter().map(name).collect();
        format!("unknown {what}; choose one of {}", names.join(", "))
    })
}

pub(super) fn parse_activation(v: &str) -> Result<Activation, String> {
    parse_named("activation", v, Activation::ALL, Activation::name)
}

pub(super) fn parse_cost(v: &str) -> Result<Cost, String> {
    parse_named("cost", v, Cost::ALL, Cost::name)
}

pub(super) fn parse_init(v: &str) -> Result<Init, String> {
    parse_named("initialisation", v, Init::ALL, Init::name)
}

pub(super) fn parse_schedule(v: &str) -> Result<Schedule, String> {
    parse_named("schedule", v, Schedule::ALL, Schedule::name)
}

pub(super) fn parse_simd(v: &str) -> Result<Simd, String> {
    parse_named("instruction set", v, Simd::ALL, Simd::name)
}

pub(super) fn parse_preset(v: &str) -> Result<Preset, String> {
    parse_named("preset", v, Preset::ALL, Preset::name)
}

/// The flag that sets `setting`: how the command line names it in messages.
pub(super) const fn flag(setting: Setting) -> &'static str {
    match setting {
        Setting::Epochs => "--epochs",
        Setting::Threads => "--threads",
        Setting::BatchSize => "--batch-size",
        Setting::Eta => "--eta",
        Setting::Lambda => "--lambda",
        Setting::Hidden => "--hidden",
        Setting::Shift => "--shift",
        Setting::TrainImages => "--train-images",
        Setting::Validation => "--validation",
        Setting::Simd => "--simd",
    }
}
