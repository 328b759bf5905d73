//! Running the `digitnet` binary from the repository root, for the CLI tests.
// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `digitnet ARGS` from the repository root and waits for it.
pub fn digitnet(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digitnet"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("run digitnet")
}

/// Output bytes as text, for messages and matching.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
