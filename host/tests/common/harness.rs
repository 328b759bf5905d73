//! The test binaries whose cases need a tool from outside Rust (QEMU,
//! Chromium, Python's numpy, a terminal, a pinned toolchain) run under
//! `libtest-mimic` (`harness = false`) instead of the built-in harness, so
//! that a case whose tool is missing is reported as *ignored*, with the
//! reason beside its name, and counted as ignored in the summary:
//!
//! ```text
//! test [needs QEMU] firmware_runs_bit_exact_in_qemu ... ignored (qemu-system-arm is not on PATH …)
//! test result: ok. 1 passed; 0 failed; 5 ignored; 0 measured; 0 filtered out
//! ```
//!
//! When the tool's `DIGITNET_REQUIRE_*` variable is set (to anything but
//! `0` or nothing; CI sets them), a missing tool fails the case instead.
//! The standard arguments (a name filter, `--exact`, `--list`,
//! `--test-threads`, ...) work as with the built-in harness.
//!
//! This file uses only `std` and `libtest-mimic`: `host`'s test binaries
//! reach it as `common::harness`, the `digitnet-tests` crate's by path.
// Each test binary includes this module and uses only part of it.
#![allow(dead_code)]

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::sync::OnceLock;

/// A tool some cases need: how to tell whether it is missing, and which
/// variable makes its absence a failure.
pub struct Tool {
    /// Shown beside each case that needs it: `test [needs …] name`.
    kind: &'static str,
    /// Set (not to `0`) to fail rather than ignore a case when the tool is missing.
    require: &'static str,
    /// Why the tool cannot be used here, or `None` when it can.
    missing: fn() -> Option<String>,
    /// `missing`'s answer, asked once per test binary.
    answer: OnceLock<Option<String>>,
}

impl Tool {
    /// A tool named `kind` in the listing, required by the variable `require`.
    pub const fn new(
        kind: &'static str,
        require: &'static str,
        missing: fn() -> Option<String>,
    ) -> Self {
        Tool {
            kind,
            require,
            missing,
            answer: OnceLock::new(),
        }
    }

    /// Why the tool cannot be used here, if it cannot (asked once).
    pub fn missing(&self) -> Option<&str> {
        self.answer.get_or_init(self.missing).as_deref()
    }

    /// Whether the tool's absence must fail the cases that need it.
    pub fn required(&self) -> bool {
        std::env::var(self.require).is_ok_and(|v| !v.is_empty() && v != "0")
    }

    /// A case that runs `body` when the tool is here; is ignored, saying
    /// why, when it is not; fails when it is not but is required.
    pub fn test(&'static self, name: &str, body: fn()) -> Trial {
        Trial::ignorable_test(name, move || match self.missing() {
            None => {
                body();
                Ok(Completion::Completed)
            }
            Some(why) if self.required() => {
                Err(Failed::from(format!("{} is set but {why}", self.require)))
            }
            Some(why) => Ok(Completion::ignored_with(format!(
                "{why}; set {}=1 to fail instead",
                self.require
            ))),
        })
        .with_kind(self.kind)
    }
}

/// A case that needs nothing but Rust.
pub fn test(name: &str, body: fn()) -> Trial {
    Trial::test(name, move || {
        body();
        Ok(())
    })
}

/// Runs `trials` as the command line asks (filters, `--list`, ...) and exits
/// with the harness's status.
pub fn run(trials: Vec<Trial>) -> ! {
    let args = Arguments::from_args();
    libtest_mimic::run(&args, trials).exit()
}
