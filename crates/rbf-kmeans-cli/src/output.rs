//! Writing results: never a half-written file, full precision always.

use std::path::Path;

use anyhow::{bail, Result};
use ndarray::ArrayView2;

/// Fails, before any work, when one of the output files cannot be created because its directory
/// is missing or the path is a directory: a command with several outputs must not write the
/// first and then fail on the next. `None` and `-` (stdout) always pass.
pub fn check_destinations(paths: &[Option<&str>]) -> Result<()> {
    for path in paths.iter().flatten().filter(|p| **p != "-") {
        let target = Path::new(path);
        if target.is_dir() {
            bail!("cannot write '{path}': it is a directory");
        }
        let dir = match target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            bail!(
                "cannot write '{path}': the directory '{}' does not exist",
                dir.display()
            );
        }
    }
    Ok(())
}

/// Writes `text` to `path` (`-` or none: stdout).
pub fn text(path: Option<&str>, text: &str) -> Result<()> {
    rbf_kmeans_io::write_to_path_or_stdout(path, |w| w.write_all(text.as_bytes()))?;
    Ok(())
}

/// Writes labels, one per line.
pub fn labels(path: Option<&str>, labels: &[usize]) -> Result<()> {
    rbf_kmeans_io::write_to_path_or_stdout(path, |w| rbf_kmeans_io::write_labels(w, labels))?;
    Ok(())
}

/// Writes a matrix as CSV with shortest round-trip floats.
pub fn matrix(path: Option<&str>, m: ArrayView2<'_, f64>) -> Result<()> {
    rbf_kmeans_io::write_to_path_or_stdout(path, |w| rbf_kmeans_io::write_csv_matrix(w, m, None))?;
    Ok(())
}
