//! One module per subcommand.

mod anneal;
mod apply;
mod demo;
mod fit;
mod fit_stream;
mod generate;
mod soft_assign;

use anyhow::Result;

use crate::cli::{Cli, Command};

/// Runs the chosen subcommand.
pub fn run(cli: Cli) -> Result<()> {
    let quiet = cli.quiet;
    match cli.command {
        Command::Fit(a) => {
            let quiet = quiet || to_stdout(&[Some(&a.output), a.labels.as_deref()]);
            fit::run(a, quiet)
        }
        Command::Predict(a) => apply::predict(a),
        Command::Transform(a) => apply::transform(a),
        Command::Demo(a) => demo::run(a, quiet),
        Command::Anneal(a) => {
            let quiet = quiet || to_stdout(&[Some(&a.output), a.trace.as_deref()]);
            anneal::run(a, quiet)
        }
        Command::SoftAssign(a) => soft_assign::run(a),
        Command::Generate(a) => generate::run(a),
        Command::Reproduce(a) => crate::reproduce::run(a, quiet),
    }
}

/// Whether a result goes to standard output (`-`), where a summary line would corrupt it.
fn to_stdout(outputs: &[Option<&str>]) -> bool {
    outputs.contains(&Some("-"))
}
