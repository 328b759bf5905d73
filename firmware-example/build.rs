//! Puts `memory.x` where the linker finds it.
//!
//! cortex-m-rt's `link.x` does `INCLUDE memory.x`. The linker searches its
//! library path, not this folder, so copy the file into `OUT_DIR` and add that
//! directory to the search path. Rebuild whenever `memory.x` changes.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x to OUT_DIR");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
