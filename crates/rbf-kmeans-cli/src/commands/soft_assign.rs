//! `rbf-kmeans soft-assign`: the responsibilities of each row under a model.

use anyhow::{Context, Result};
use ndarray::Array2;
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::{Float, Threads};
use rbf_kmeans_io::Matrix;

use crate::cli::SoftAssignArgs;
use crate::{input, output};

fn responsibilities<F: Float>(
    args: &SoftAssignArgs,
    map: Map,
    x: Array2<F>,
) -> Result<Array2<f64>> {
    let file = input::model(&args.model)?;
    let centers = file.centers::<F>()?;
    let net = RbfNetwork::new(centers, map, args.temperature)?.with_threads(Threads(args.threads));
    let r = net
        .responsibilities(x.view())
        .with_context(|| format!("cannot apply the model {} to {}", args.model, args.input))?;
    Ok(r.mapv(|v| v.to_f64_lossless()))
}

pub fn run(args: SoftAssignArgs) -> Result<()> {
    let map = Map::parse(&args.map)?;
    let opts = input::read_options(args.header);
    let data = input::matrix(&args.input, &opts, &format!("data {}", args.input))?;
    let r = match data {
        Matrix::F32(x) => responsibilities(&args, map, x)?,
        Matrix::F64(x) => responsibilities(&args, map, x)?,
    };
    output::matrix(args.output.as_deref(), r.view())
}
