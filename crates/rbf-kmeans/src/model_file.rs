//! The versioned JSON model file shared by K-Means and the RBF network.
//!
//! A model file stores the centers (as `f64`, which holds every `f32` exactly, written with
//! shortest round-trip formatting so they read back to the same float), the fit's summary, the
//! options and seed that produced it, and the library version. Files of another format version
//! are rejected with a message that says which version wrote them.

use std::collections::BTreeMap;

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::float::Float;

/// The `format` tag of every model file.
pub const FORMAT: &str = "rbf-kmeans-model";
/// The format version this library writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Which model a file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// Centers from a K-Means fit.
    Kmeans,
    /// Centers of an RBF network, for example from an annealing run (ending in K-Means).
    Rbf,
}

/// The contents of a model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// The `rbf-kmeans` version that wrote the file.
    pub library_version: String,
    /// Which model this is.
    pub kind: ModelKind,
    /// Precision of the data the model was fitted in: `"f32"` or `"f64"`.
    pub dtype: String,
    /// The centers, one row per cluster.
    pub centers: Vec<Vec<f64>>,
    /// `Σ_i w_i min_k ‖x_i − c_k‖²` on the training data at the final centers.
    pub inertia: f64,
    /// Iterations of the final K-Means stage.
    pub n_iter: usize,
    /// Whether the final stage converged.
    pub converged: bool,
    /// Why the final stage stopped.
    pub stop_reason: String,
    /// The seed of all randomness.
    pub seed: u64,
    /// The options of the fit, as given.
    pub options: Value,
    /// Further facts about the fit (cluster sizes, annealing summary, ...).
    #[serde(default)]
    pub extra: BTreeMap<String, Value>,
}

impl ModelFile {
    /// A model file for centers fitted in precision `F`, with empty options and extras.
    pub fn new<F: Float>(kind: ModelKind, centers: &Array2<F>) -> Self {
        ModelFile {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            library_version: env!("CARGO_PKG_VERSION").to_string(),
            kind,
            dtype: F::NAME.to_string(),
            centers: centers
                .outer_iter()
                .map(|r| r.iter().map(|v| v.to_f64_lossless()).collect())
                .collect(),
            inertia: 0.0,
            n_iter: 0,
            converged: false,
            stop_reason: String::new(),
            seed: 0,
            options: Value::Null,
            extra: BTreeMap::new(),
        }
    }

    /// Serialises to pretty JSON.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("a model serialises");
        s.push('\n');
        s
    }

    /// Parses and checks a model file: its format tag, version and centers.
    ///
    /// # Errors
    /// [`Error::Model`] with a message naming the problem.
    pub fn from_json(text: &str) -> Result<Self> {
        let bad = |reason: String| Error::Model { reason };
        let value: Value =
            serde_json::from_str(text).map_err(|e| bad(format!("not valid JSON: {e}")))?;
        if value.get("format").and_then(Value::as_str) != Some(FORMAT) {
            return Err(bad(format!(
                "not an rbf-kmeans model file (no \"format\": \"{FORMAT}\")"
            )));
        }
        let version = value.get("format_version").and_then(Value::as_u64);
        if version != Some(FORMAT_VERSION as u64) {
            let writer = value
                .get("library_version")
                .and_then(Value::as_str)
                .unwrap_or("?");
            return Err(bad(format!(
                "the file has format version {} (written by rbf-kmeans {writer}); this is \
                 rbf-kmeans {}, which reads format version {FORMAT_VERSION} only",
                version.map_or("missing".to_string(), |v| v.to_string()),
                env!("CARGO_PKG_VERSION"),
            )));
        }
        let model: ModelFile =
            serde_json::from_value(value).map_err(|e| bad(format!("malformed model file: {e}")))?;
        model.centers_f64()?;
        Ok(model)
    }

    /// The centers as a `k × d` array, checked: at least one row, equal row lengths, finite.
    ///
    /// # Errors
    /// [`Error::Model`] naming the bad row.
    pub fn centers_f64(&self) -> Result<Array2<f64>> {
        let bad = |reason: String| Error::Model { reason };
        let k = self.centers.len();
        let d = self.centers.first().map_or(0, Vec::len);
        if k == 0 || d == 0 {
            return Err(bad("the model has no centers".into()));
        }
        for (i, row) in self.centers.iter().enumerate() {
            if row.len() != d {
                return Err(bad(format!(
                    "center {} has {} values, expected {d}",
                    i + 1,
                    row.len()
                )));
            }
            if row.iter().any(|v| !v.is_finite()) {
                return Err(bad(format!("center {} has a non-finite value", i + 1)));
            }
        }
        Ok(Array2::from_shape_fn((k, d), |(i, j)| self.centers[i][j]))
    }

    /// The centers rounded to precision `F` (exact for the precision the model was fitted in).
    ///
    /// # Errors
    /// As [`centers_f64`](Self::centers_f64).
    pub fn centers<F: Float>(&self) -> Result<Array2<F>> {
        Ok(self.centers_f64()?.mapv(F::from_f64_round))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_f32_centers_exactly() {
        let c = ndarray::array![[0.1f32, 1e-30], [3.4e38, -0.0]];
        let mut m = ModelFile::new(ModelKind::Kmeans, &c);
        m.inertia = 0.1 + 0.2;
        let back = ModelFile::from_json(&m.to_json()).unwrap();
        assert_eq!(back.centers::<f32>().unwrap(), c);
        assert_eq!(back.inertia, 0.1 + 0.2);
        assert_eq!(back, m);
    }

    #[test]
    fn rejects_other_versions_and_foreign_files_with_a_reason() {
        let c = ndarray::array![[1.0f64]];
        let mut v: Value =
            serde_json::from_str(&ModelFile::new(ModelKind::Kmeans, &c).to_json()).unwrap();
        v["format_version"] = 99.into();
        let e = ModelFile::from_json(&v.to_string())
            .unwrap_err()
            .to_string();
        assert!(e.contains("format version 99"), "{e}");
        let e = ModelFile::from_json("{\"centers\": [[1]]}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("not an rbf-kmeans model"), "{e}");
        let e = ModelFile::from_json("[1,").unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        v["format_version"] = 1.into();
        v["centers"] = serde_json::json!([[1.0, 2.0], [3.0]]);
        let e = ModelFile::from_json(&v.to_string())
            .unwrap_err()
            .to_string();
        assert!(e.contains("center 2"), "{e}");
    }
}
