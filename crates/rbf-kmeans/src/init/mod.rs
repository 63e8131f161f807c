//! Initial centers: k-means++, k-means||, random rows, or centers given by the user.

mod kmeans_parallel;
mod kmeans_plus_plus;
mod random;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::data::{check_finite, Samples};
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;

pub use kmeans_parallel::kmeans_parallel;
pub use kmeans_plus_plus::kmeans_plus_plus;
pub use random::random_rows;

/// How to choose the initial centers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// Greedy k-means++ (Arthur and Vassilvitskii 2007): each new center is the best, by the
    /// resulting potential, of `2 + ⌊ln k⌋` candidates drawn with probability proportional to
    /// `w_i · min_j ‖x_i − c_j‖²`.
    KMeansPlusPlus,
    /// k-means|| (Bahmani et al. 2012): five rounds of oversampling by `ℓ = 2k`, then greedy
    /// k-means++ on the weighted candidates; see [`kmeans_parallel()`]. Far fewer passes over the
    /// data than k-means++ when `k` is large.
    #[serde(rename = "k-means||")]
    KMeansParallel,
    /// `k` distinct rows drawn without replacement with probability proportional to weight.
    Random,
    /// These centers (`k × d`), used as given.
    Centers(Array2<f64>),
}

impl Init {
    /// The name used on the command line and in model files.
    pub fn name(&self) -> &'static str {
        match self {
            Init::KMeansPlusPlus => "k-means++",
            Init::KMeansParallel => "k-means||",
            Init::Random => "random",
            Init::Centers(_) => "given",
        }
    }

    /// Checks given centers against the data shape (`k × d`, finite values).
    pub(crate) fn check(&self, n_clusters: usize, d: Option<usize>) -> Result<()> {
        if let Init::Centers(c) = self {
            if c.nrows() != n_clusters {
                return Err(Error::ShapeMismatch {
                    what: "initial centers: number of rows (must equal n_clusters)".into(),
                    expected: n_clusters,
                    found: c.nrows(),
                });
            }
            if let Some(d) = d {
                if c.ncols() != d {
                    return Err(Error::ShapeMismatch {
                        what: "initial centers: number of columns (must equal the data's)".into(),
                        expected: d,
                        found: c.ncols(),
                    });
                }
            }
            let flat: Vec<f64> = c.iter().copied().collect();
            check_finite(&flat, c.ncols().max(1), "initial centers")?;
        }
        Ok(())
    }

    /// The initial centers, row-major `k × d`, for this data.
    pub(crate) fn centers<F: Float>(
        &self,
        samples: &Samples<'_, F>,
        k: usize,
        rng: &mut Rng,
    ) -> Result<Vec<F>> {
        match self {
            Init::KMeansPlusPlus => Ok(kmeans_plus_plus(samples, k, rng)),
            Init::KMeansParallel => Ok(kmeans_parallel(samples, k, rng)),
            Init::Random => Ok(random_rows(samples, k, rng)),
            Init::Centers(c) => {
                self.check(k, Some(samples.n_features()))?;
                Ok(c.iter().map(|&v| F::from_f64_round(v)).collect())
            }
        }
    }
}
