//! Printing to standard output that never stops the work.
//!
//! `digitnet train | head -1` closes the pipe after the first line; Rust's
//! `println!` would then panic in the middle of training and lose the run.
//! What `digitnet` prints is a report on the work, and the work is the files
//! it writes, so a write to standard output that fails (a closed pipe, a full
//! disk behind a redirection) is ignored and the run goes on to save its
//! model.

use std::fmt;
use std::io::Write;

/// Writes `args` to standard output, ignoring a failure.
pub fn print(args: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    // Ignored on purpose: see the module's documentation.
    let _ = out.write_fmt(args).and_then(|()| out.flush());
}

/// Writes `args` and a newline to standard output, ignoring a failure.
pub fn line(args: fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    // Ignored on purpose: see the module's documentation.
    let _ = out
        .write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
}

/// `println!` that never panics: a line to standard output through [`line()`].
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::say::line(format_args!($($arg)*))
    };
}

/// `1 epoch`, `2 epochs`: a count with its noun.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
