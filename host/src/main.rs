//! `digitnet`: train, evaluate and export the MNIST network from the command line.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = digitnet::cli::Cli::parse();
    match digitnet::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("digitnet: error: {err}");
            let status = match &err {
                digitnet::cli::CliError::Interrupted { .. } => {
                    ExitCode::from(digitnet::cli::INTERRUPTED_STATUS as u8)
                }
                _ => ExitCode::FAILURE,
            };
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            status
        }
    }
}
