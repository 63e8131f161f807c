//! `rbf-kmeans`: K-Means and its differentiable twin, an RBF network, from the command line.
//!
//! The binary owns the terminal: it parses options, reads and writes files, shows progress and
//! turns every error into one line on stderr and a non-zero exit code. The mathematics lives in
//! the `rbf-kmeans` library crate, file formats in `rbf-kmeans-io`.

mod cli;
mod commands;
mod input;
mod output;
mod progress;
mod reproduce;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A panic is a bug of ours; still, the user gets one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("rbf-kmeans: internal error, please report it: {info}");
    }));

    let cli = cli::Cli::parse();
    init_logging(cli.verbose, cli.quiet);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rbf-kmeans: error: {}", error_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, leaving out a cause whose text the previous part
/// already quotes (the I/O errors name their OS error themselves).
fn error_line(e: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if parts.last().is_some_and(|p| p.contains(&text)) {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// Library events (`tracing`) go to stderr: warnings by default, `-v` per-iteration information,
/// `-vv` debug; `RUST_LOG` overrides.
fn init_logging(verbose: u8, quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .with_target(false)
        .init();
}
