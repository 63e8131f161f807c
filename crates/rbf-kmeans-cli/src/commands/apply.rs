//! `rbf-kmeans predict` and `rbf-kmeans transform`: a model applied to new data.

use anyhow::{Context, Result};
use ndarray::Array2;
use rbf_kmeans::{Float, KMeansModel, Threads};
use rbf_kmeans_io::Matrix;

use crate::cli::{PredictArgs, TransformArgs};
use crate::{input, output};

fn model_for<F: Float>(path: &str, threads: usize) -> Result<KMeansModel<F>> {
    let file = input::model(path)?;
    let centers = file
        .centers::<F>()
        .with_context(|| format!("model file {path}"))?;
    Ok(KMeansModel::new(centers).with_threads(Threads(threads)))
}

pub fn predict(args: PredictArgs) -> Result<()> {
    let opts = input::read_options(args.header);
    let data = input::matrix(&args.input, &opts, &format!("data {}", args.input))?;
    let labels = match data {
        Matrix::F32(x) => model_for::<f32>(&args.model, args.threads)?.predict(x.view()),
        Matrix::F64(x) => model_for::<f64>(&args.model, args.threads)?.predict(x.view()),
    }
    .with_context(|| format!("cannot apply the model {} to {}", args.model, args.input))?;
    output::labels(args.output.as_deref(), &labels)
}

pub fn transform(args: TransformArgs) -> Result<()> {
    let opts = input::read_options(args.header);
    let data = input::matrix(&args.input, &opts, &format!("data {}", args.input))?;
    let sq: Array2<f64> = match data {
        Matrix::F32(x) => model_for::<f32>(&args.model, args.threads)?.sq_distances(x.view()),
        Matrix::F64(x) => model_for::<f64>(&args.model, args.threads)?.sq_distances(x.view()),
    }
    .with_context(|| format!("cannot apply the model {} to {}", args.model, args.input))?;
    let out = if args.squared { sq } else { sq.mapv(f64::sqrt) };
    output::matrix(args.output.as_deref(), out.view())
}
