//! Puts `memory.x` where the linker finds it, and picks the generated sources.
//!
//! cortex-m-rt's `link.x` does `INCLUDE memory.x`. The linker searches its
//! library path, not this folder, so copy the file into `OUT_DIR` and add that
//! directory to the search path.
//!
//! The network and the test digits come from `src/model.rs` and
//! `src/samples.rs` (written by `digitnet export`), or from the folder named by
//! `DIGITNET_FIRMWARE_SOURCES`, so another exported model can be built and run
//! without touching the committed files. Either way they are copied into
//! `OUT_DIR`, where `main.rs` includes them.

use std::env;
use std::fs;
use std::path::PathBuf;

/// Names a folder of generated `model.rs` and `samples.rs` to build instead of `src/`.
const SOURCES_VAR: &str = "DIGITNET_FIRMWARE_SOURCES";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed={SOURCES_VAR}");

    let sources = env::var_os(SOURCES_VAR)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("src"), PathBuf::from);
    for name in ["model.rs", "samples.rs"] {
        let from = sources.join(name);
        println!("cargo:rerun-if-changed={}", from.display());
        let text = fs::read_to_string(&from)
            .unwrap_or_else(|e| panic!("{}: {e} (run `digitnet export`)", from.display()));
        fs::write(out.join(name), text).expect("write generated source to OUT_DIR");
    }
}
