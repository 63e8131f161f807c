//! Reading data, centers and weights, with the file named in every error.

use anyhow::{bail, Context, Result};
use ndarray::Array2;
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
    let m = rbf_kmeans_io::read_matrix(path, opts)
        .with_context(|| format!("cannot read the {what}"))?;
    check_spread(&m, what)?;
    Ok(m)
}

/// Rejects a matrix so spread out that squared distances between its rows, summed over the
/// rows as an inertia is, overflow its precision: every command works with them, and an
/// infinite one turns inertias, temperatures and centers into inf or NaN.
fn check_spread(m: &Matrix, what: &str) -> Result<()> {
    let (sq_diameter, limit) = match m {
        Matrix::F32(a) => (sq_diameter(a), f64::from(f32::MAX)),
        Matrix::F64(a) => (sq_diameter(a), f64::MAX),
    };
    // The values are finite, so the product is finite or +inf, never NaN.
    if sq_diameter * m.nrows() as f64 > limit {
        bail!(
            "the {what} spans too wide a range: squared distances between its rows, summed \
             over its {} rows, overflow {}; rescale it",
            m.nrows(),
            m.dtype_name()
        );
    }
    Ok(())
}

/// `Σ_j (max_j − min_j)²`, the squared diagonal of the rows' bounding box, in `f64`. One pass
/// over the rows in memory order, keeping every column's extremes (a walk down each column of a
/// row-major matrix would touch a new cache line per value).
fn sq_diameter<T: Copy + Into<f64>>(a: &Array2<T>) -> f64 {
    let d = a.ncols();
    let (mut lo, mut hi) = (vec![f64::INFINITY; d], vec![f64::NEG_INFINITY; d]);
    for row in a.rows() {
        for ((l, h), &v) in lo.iter_mut().zip(hi.iter_mut()).zip(row.iter()) {
            // The values are finite (the reader rejects others), so plain comparisons do.
            let v: f64 = v.into();
            *l = if v < *l { v } else { *l };
            *h = if v > *h { v } else { *h };
        }
    }
    lo.iter().zip(&hi).map(|(l, h)| (h - l) * (h - l)).sum()
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

/// `k-means++`, `k-means||`, `random`, or `n_clusters` centers of `n_features` values read from a file.
pub fn init(spec: &str, opts: &ReadOptions, n_clusters: usize, n_features: usize) -> Result<Init> {
    Ok(match spec {
        "k-means++" | "kmeans++" => Init::KMeansPlusPlus,
        "k-means||" | "kmeans||" => Init::KMeansParallel,
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

/// The weights file, if one was given: one non-negative weight for each of the `n_samples` data
/// rows, not all zero. Checked here, where the file's name is known; the library checks again.
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
    if let Some(i) = w.iter().position(|&v| v < 0.0) {
        bail!(
            "the weights {path}: weight {} (row {}) is negative; weights must be non-negative",
            w[i],
            i + 1
        );
    }
    if !w.iter().any(|&v| v > 0.0) {
        bail!("the weights {path} are all zero; at least one must be positive");
    }
    Ok(Some(w))
}
