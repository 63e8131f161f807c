//! Reading data, centers and weights, with the file named in every error.

use anyhow::{Context, Result};
use rbf_kmeans::Init;
use rbf_kmeans_io::{Header, Matrix, ReadOptions};

use crate::cli::HeaderArgs;

/// CSV reading options from the header flags.
pub fn read_options(h: HeaderArgs) -> ReadOptions {
    let header = if h.header {
        Header::Present
    } else if h.no_header {
        Header::Absent
    } else {
        Header::Auto
    };
    ReadOptions {
        header,
        ..ReadOptions::default()
    }
}

/// A data matrix in the precision of its file (CSV: f64).
pub fn matrix(path: &str, opts: &ReadOptions, what: &str) -> Result<Matrix> {
    rbf_kmeans_io::read_matrix(path, opts).with_context(|| format!("cannot read the {what}"))
}

/// One number per row.
pub fn vector(path: &str, opts: &ReadOptions, what: &str) -> Result<Vec<f64>> {
    rbf_kmeans_io::read_vector(path, opts).with_context(|| format!("cannot read the {what}"))
}

/// A model file.
pub fn model(path: &str) -> Result<rbf_kmeans::model_file::ModelFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the model file {path}"))?;
    rbf_kmeans::model_file::ModelFile::from_json(&text)
        .with_context(|| format!("model file {path}"))
}

/// `k-means++`, `k-means||`, `random`, or centers read from a file.
pub fn init(spec: &str, opts: &ReadOptions) -> Result<Init> {
    Ok(match spec {
        "k-means++" | "kmeans++" => Init::KMeansPlusPlus,
        "k-means||" | "kmeans||" => Init::KMeansParallel,
        "random" => Init::Random,
        path => Init::Centers(matrix(path, opts, &format!("initial centers {path}"))?.into_f64()),
    })
}

/// The weights file, if one was given.
pub fn weights(path: Option<&str>, opts: &ReadOptions) -> Result<Option<Vec<f64>>> {
    path.map(|p| vector(p, opts, &format!("weights {p}")))
        .transpose()
}
