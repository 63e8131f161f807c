//! Reading data, centers and weights, with the file named in every error.

use anyhow::{bail, Context, Result};
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

/// `k-means++`, `random`, or `n_clusters` centers of `n_features` values read from a file.
pub fn init(spec: &str, opts: &ReadOptions, n_clusters: usize, n_features: usize) -> Result<Init> {
    Ok(match spec {
        "k-means++" | "kmeans++" => Init::KMeansPlusPlus,
        "random" => Init::Random,
        path => {
            let centers = matrix(path, opts, &format!("initial centers {path}"))?.into_f64();
            let (k, d) = centers.dim();
            if k != n_clusters {
                bail!(
                    "the initial centers {path} hold {k} centers (rows); --n-clusters is \
                     {n_clusters}"
                );
            }
            if d != n_features {
                bail!("the initial centers {path} have {d} columns; the data has {n_features}");
            }
            Init::Centers(centers)
        }
    })
}

/// The weights file, if one was given: one weight for each of the `n_samples` data rows.
pub fn weights(
    path: Option<&str>,
    opts: &ReadOptions,
    n_samples: usize,
) -> Result<Option<Vec<f64>>> {
    let Some(path) = path else {
        return Ok(None);
    };
    let w = vector(path, opts, &format!("weights {path}"))?;
    if w.len() != n_samples {
        bail!(
            "the weights {path} hold {} values; the data has {n_samples} rows",
            w.len()
        );
    }
    Ok(Some(w))
}
