//! `rbf-kmeans generate`: the built-in synthetic geometries as CSV.

use anyhow::Result;
use rbf_kmeans::datasets::{generate, Geometry};

use crate::cli::GenerateArgs;
use crate::output;

pub fn run(args: GenerateArgs) -> Result<()> {
    output::check_destinations(&[args.output.as_deref(), args.labels.as_deref()])?;
    let geometry = Geometry::parse(&args.geometry)?;
    let data = generate(geometry, args.n, args.seed)?;
    output::matrix(args.output.as_deref(), data.x.view())?;
    if let Some(path) = &args.labels {
        output::labels(Some(path), &data.labels)?;
    }
    Ok(())
}
