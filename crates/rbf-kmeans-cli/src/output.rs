//! Writing results: never a half-written file, full precision always.

use anyhow::{Context, Result};
use ndarray::ArrayView2;

/// Writes `text` to `path` (`-` or none: stdout).
pub fn text(path: Option<&str>, text: &str) -> Result<()> {
    rbf_kmeans_io::write_to_path_or_stdout(path, |w| w.write_all(text.as_bytes()))
        .with_context(|| format!("cannot write {}", path.unwrap_or("to stdout")))
}

/// Writes labels, one per line.
pub fn labels(path: Option<&str>, labels: &[usize]) -> Result<()> {
    rbf_kmeans_io::write_to_path_or_stdout(path, |w| rbf_kmeans_io::write_labels(w, labels))
        .with_context(|| format!("cannot write labels to {}", path.unwrap_or("stdout")))
}

/// Writes a matrix as CSV with shortest round-trip floats.
pub fn matrix(path: Option<&str>, m: ArrayView2<'_, f64>) -> Result<()> {
    rbf_kmeans_io::write_to_path_or_stdout(path, |w| rbf_kmeans_io::write_csv_matrix(w, m, None))
        .with_context(|| format!("cannot write {}", path.unwrap_or("to stdout")))
}
