//! Picks the variant, the memory map and the generated sources.
//!
//! - **Variant**: `int8` when the `int8` feature is on or the target has no
//!   FPU (`thumbv6m-none-eabi`, a Cortex-M0), else `f32`; `int8` sets
//!   `cfg(digitnet_int8)` for `main.rs`.
//! - **Memory map**: cortex-m-rt's `link.x` does `INCLUDE memory.x`; this
//!   script writes the map for the target into `OUT_DIR` under that name and
//!   adds `OUT_DIR` to the linker's search path: `memory-m4f.x` (STM32F405, for
//!   `thumbv7em-none-eabihf`) or `memory-m0.x` (a 64 KiB / 4 KiB Cortex-M0
//!   part laid over the nRF51822 of QEMU's `microbit`).
//! - **Sources**: `model.rs` and `samples.rs` (f32) or `model_int8.rs` and
//!   `samples_int8.rs` (int8), written by `digitnet export [--quantize int8]`,
//!   from `src/` or from the folder named by `DIGITNET_FIRMWARE_SOURCES`, so
//!   another exported model can be built and run without touching the
//!   committed files. They are copied into `OUT_DIR` as `model.rs` and
//!   `samples.rs`, where `main.rs` includes them.

use std::env;
use std::fs;
use std::path::PathBuf;

/// Names a folder of generated sources to build instead of `src/`.
const SOURCES_VAR: &str = "DIGITNET_FIRMWARE_SOURCES";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let target = env::var("TARGET").expect("cargo sets TARGET");
    let no_fpu = target.starts_with("thumbv6m");
    let int8 = env::var_os("CARGO_FEATURE_INT8").is_some() || no_fpu;

    let memory = if no_fpu {
        "memory-m0.x"
    } else {
        "memory-m4f.x"
    };
    fs::copy(memory, out.join("memory.x")).expect("copy the memory map to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory-m4f.x");
    println!("cargo:rerun-if-changed=memory-m0.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={SOURCES_VAR}");
    println!("cargo::rustc-check-cfg=cfg(digitnet_int8)");
    if int8 {
        println!("cargo:rustc-cfg=digitnet_int8");
    }

    let sources = env::var_os(SOURCES_VAR)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("src"), PathBuf::from);
    let names = if int8 {
        [
            ("model_int8.rs", "model.rs"),
            ("samples_int8.rs", "samples.rs"),
        ]
    } else {
        [("model.rs", "model.rs"), ("samples.rs", "samples.rs")]
    };
    for (name, copy) in names {
        let from = sources.join(name);
        println!("cargo:rerun-if-changed={}", from.display());
        let text = fs::read_to_string(&from).unwrap_or_else(|e| {
            let export = if int8 {
                "digitnet export --quantize int8"
            } else {
                "digitnet export"
            };
            panic!("{}: {e} (run `{export}`)", from.display())
        });
        fs::write(out.join(copy), text).expect("write generated source to OUT_DIR");
    }
}
