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

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand;
use clap::Parser;

fn main() -> ExitCode {
    // A panic is a bug of ours; still, the user gets one line instead of a backtrace.
    std::panic::set_hook(Box::new(|info| {
        eprintln!("rbf-kmeans: internal error, please report it: {info}");
    }));

    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.use_stderr() && e.kind() != DisplayHelpOnMissingArgumentOrSubcommand => {
            eprintln!("rbf-kmeans: error: {}", usage_error_line(&e));
            return ExitCode::from(2);
        }
        // --help, --version, and the help shown when no subcommand is given.
        Err(e) => e.exit(),
    };
    init_logging(cli.verbose, cli.quiet);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped early, as `rbf-kmeans generate blobs | head` does, is no error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rbf-kmeans: error: {}", error_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// Whether the error is a write to a pipe whose reader has gone.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
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

/// A usage error on one line: clap's message, its list of arguments and its tip, without the
/// usage block and the pointer to --help it prints below them.
fn usage_error_line(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let mut line = String::new();
    for part in text.lines().map(str::trim) {
        if part.is_empty() || part.starts_with("Usage:") || part.starts_with("For more information")
        {
            continue;
        }
        if !line.is_empty() {
            line.push_str(if line.ends_with(':') { " " } else { "; " });
        }
        line.push_str(part.strip_prefix("error: ").unwrap_or(part));
    }
    line.push_str(" (see --help)");
    line
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
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
