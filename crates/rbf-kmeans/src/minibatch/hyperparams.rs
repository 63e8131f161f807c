//! Options of a mini-batch K-Means fit, checked once into [`MiniBatchKMeansValidParams`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::parallel::Threads;

/// Options of mini-batch K-Means. Build with [`MiniBatchKMeansParams::new`] and the setters,
/// then [`MiniBatchKMeansParams::check`].
///
/// The defaults and the meaning of `max_iter`, `tol`, `max_no_improvement` and
/// `reassignment_ratio` follow scikit-learn's `MiniBatchKMeans`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchKMeansParams {
    /// Number of clusters `K ≥ 1`.
    pub n_clusters: usize,
    /// Rows per mini-batch `b ≥ 1`. Default 1024.
    pub batch_size: usize,
    /// Maximum number of epochs (passes over the data) of [`fit`](super::MiniBatchKMeansParams::fit).
    /// Default 100.
    pub max_iter: usize,
    /// Early stop when one step moves the centers by `Σ_k ‖c_k^new − c_k^old‖² ≤ tol · v̄`, where
    /// `v̄` is the mean per-feature variance of the data (as for Lloyd, see
    /// [`TolMode::Relative`](crate::kmeans::TolMode::Relative)). Default 0: disabled.
    pub tol: f64,
    /// Early stop after this many consecutive steps without a new minimum of the smoothed batch
    /// inertia (see [`MiniBatchKMeansParams::fit`](super::MiniBatchKMeansParams::fit)); `None` disables it.
    /// Default `Some(10)`.
    pub max_no_improvement: Option<usize>,
    /// Initialisation, run on an init sample (see `init_size`). Default k-means++.
    pub init: Init,
    /// Rows the initialisation sees in `fit`; `None` (the default) means
    /// `max(3·batch_size, n_clusters)`, capped at the number of rows.
    pub init_size: Option<usize>,
    /// A center whose cumulative weight falls below this fraction of the largest one is moved
    /// to a random row of the current batch. Default `0.01`; 0 disables reassignment.
    pub reassignment_ratio: f64,
    /// Whether `fit` visits the rows in a new random order each epoch (default) or in file
    /// order, as a stream is read.
    pub shuffle: bool,
    /// Seed of all randomness (initialisation, batch order, reassignment). Default 0.
    pub seed: u64,
    /// Worker threads; `Threads(0)` (the default) uses every core. Results do not depend on it.
    pub threads: Threads,
}

/// [`MiniBatchKMeansParams`] that passed [`MiniBatchKMeansParams::check`].
#[derive(Clone, Debug, PartialEq)]
pub struct MiniBatchKMeansValidParams(pub(crate) MiniBatchKMeansParams);

impl MiniBatchKMeansValidParams {
    /// The checked options.
    pub fn params(&self) -> &MiniBatchKMeansParams {
        &self.0
    }

    /// The number of init rows for data of `n_samples` rows.
    pub fn init_size(&self, n_samples: usize) -> usize {
        let p = &self.0;
        p.init_size
            .unwrap_or((3 * p.batch_size).max(p.n_clusters))
            .min(n_samples)
    }
}

impl MiniBatchKMeansParams {
    /// Defaults for `n_clusters` clusters.
    pub fn new(n_clusters: usize) -> Self {
        MiniBatchKMeansParams {
            n_clusters,
            batch_size: 1024,
            max_iter: 100,
            tol: 0.0,
            max_no_improvement: Some(10),
            init: Init::KMeansPlusPlus,
            init_size: None,
            reassignment_ratio: 0.01,
            shuffle: true,
            seed: 0,
            threads: Threads(0),
        }
    }

    /// Sets the batch size.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Sets the epoch limit.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the center-shift tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets the patience of the smoothed-inertia stop (`None` disables it).
    pub fn max_no_improvement(mut self, steps: Option<usize>) -> Self {
        self.max_no_improvement = steps;
        self
    }

    /// Sets the initialisation.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the number of rows the initialisation sees.
    pub fn init_size(mut self, init_size: Option<usize>) -> Self {
        self.init_size = init_size;
        self
    }

    /// Sets the reassignment ratio (0 disables reassignment).
    pub fn reassignment_ratio(mut self, ratio: f64) -> Self {
        self.reassignment_ratio = ratio;
        self
    }

    /// Sets whether each epoch visits the rows in a new random order.
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Sets the seed.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Sets the number of worker threads (0: all cores).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Threads(threads);
        self
    }

    /// Checks the options that do not depend on the data.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad option, [`Error::ShapeMismatch`] for
    /// given centers with other than `n_clusters` rows.
    pub fn check(self) -> Result<MiniBatchKMeansValidParams> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.n_clusters == 0 {
            return bad("n_clusters", "must be at least 1".into());
        }
        if self.batch_size == 0 {
            return bad("batch_size", "must be at least 1".into());
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1 epoch".into());
        }
        if !self.tol.is_finite() || self.tol < 0.0 {
            return bad(
                "tol",
                format!("must be finite and non-negative, got {}", self.tol),
            );
        }
        if self.max_no_improvement == Some(0) {
            return bad(
                "max_no_improvement",
                "must be at least 1 (or None to disable the stop)".into(),
            );
        }
        if !(0.0..=1.0).contains(&self.reassignment_ratio) {
            return bad(
                "reassignment_ratio",
                format!("must be in [0, 1], got {}", self.reassignment_ratio),
            );
        }
        if let Some(s) = self.init_size {
            if s < self.n_clusters {
                return bad(
                    "init_size",
                    format!("must be at least n_clusters = {}, got {s}", self.n_clusters),
                );
            }
        }
        self.init.check(self.n_clusters, None)?;
        Ok(MiniBatchKMeansValidParams(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_bad_option() {
        let cases = [
            (MiniBatchKMeansParams::new(0), "n_clusters"),
            (MiniBatchKMeansParams::new(2).batch_size(0), "batch_size"),
            (MiniBatchKMeansParams::new(2).max_iter(0), "max_iter"),
            (MiniBatchKMeansParams::new(2).tol(f64::NAN), "tol"),
            (
                MiniBatchKMeansParams::new(2).max_no_improvement(Some(0)),
                "max_no_improvement",
            ),
            (
                MiniBatchKMeansParams::new(2).reassignment_ratio(1.5),
                "reassignment_ratio",
            ),
            (
                MiniBatchKMeansParams::new(4).init_size(Some(3)),
                "init_size",
            ),
            (
                MiniBatchKMeansParams::new(2).init(Init::Centers(ndarray::Array2::zeros((3, 1)))),
                "n_clusters",
            ),
        ];
        for (p, name) in cases {
            let e = p.check().unwrap_err();
            assert!(e.to_string().contains(name), "{name}: {e}");
        }
        assert!(MiniBatchKMeansParams::new(2)
            .max_no_improvement(None)
            .check()
            .is_ok());
    }

    #[test]
    fn init_size_defaults_to_three_batches_capped_by_the_data() {
        let p = MiniBatchKMeansParams::new(5)
            .batch_size(10)
            .check()
            .unwrap();
        assert_eq!(p.init_size(1000), 30);
        assert_eq!(p.init_size(12), 12);
        let p = MiniBatchKMeansParams::new(50)
            .batch_size(10)
            .check()
            .unwrap();
        assert_eq!(p.init_size(1000), 50);
    }
}
