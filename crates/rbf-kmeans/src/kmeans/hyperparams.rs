//! Options of a K-Means fit, checked once into [`KMeansValidParams`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::init::Init;
use crate::parallel::Threads;

/// What the tolerance `tol` is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TolMode {
    /// scikit-learn's convention (the default): the fit stops when the sum over centers of the
    /// squared shifts, `Σ_k ‖c_k^new − c_k^old‖²`, is at most `tol · v̄`, where `v̄` is the mean
    /// over features of the per-feature variance of the data (unweighted, as in scikit-learn). This makes `tol`
    /// independent of the data's scale.
    Relative,
    /// The same sum of squared shifts, compared with `tol` itself.
    Absolute,
}

/// How the assignment step finds each point's nearest center. Every choice gives the same labels,
/// centers, iteration count and stop reason as [`Algorithm::Lloyd`] from the same initial centers
/// (bit for bit, for any thread count); they differ only in speed and memory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    /// Every point against every center, `n·k` distances per iteration, as tiles of GEMMs (the
    /// default: the fastest on every overlapping workload measured, see [`Algorithm::resolve`]).
    #[default]
    Lloyd,
    /// Elkan (2003): an upper bound per point, a lower bound per point and center
    /// (`n·k` floats of memory), and center–center distances, so most distances are never
    /// computed once the centers settle.
    Elkan,
    /// Hamerly (2010): an upper bound and a single lower bound (to the second-nearest center)
    /// per point; less pruning than Elkan but `O(n)` memory and a cheaper screen.
    Hamerly,
    /// Hamerly's pruned passes, switching to Lloyd's passes for a while whenever pruning stops
    /// paying; see [`Algorithm::resolve`].
    Auto,
}

/// Options of a K-Means fit. Build with [`KMeansParams::new`] and the setters, then
/// [`KMeansParams::check`] (or fit directly, which checks).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KMeansParams {
    /// Number of clusters `K ≥ 1`.
    pub n_clusters: usize,
    /// Initialisation. Default: k-means++.
    pub init: Init,
    /// Number of runs from different initialisations; the one with the lowest inertia is kept
    /// (ties to the earliest run). Default 1; must be 1 with given centers.
    pub n_init: usize,
    /// Maximum number of Lloyd iterations per run. Default 300.
    pub max_iter: usize,
    /// Convergence tolerance, see [`TolMode`]. Default `1e-4`. A fit also stops, whatever the
    /// tolerance, when an iteration changes no label.
    pub tol: f64,
    /// What `tol` is compared with. Default [`TolMode::Relative`].
    pub tol_mode: TolMode,
    /// Seed of all randomness (initialisation, restarts). Default 0.
    pub seed: u64,
    /// Worker threads; `Threads(0)` (the default) uses every core. Results do not depend on it.
    pub threads: Threads,
    /// The assignment algorithm. Default [`Algorithm::Lloyd`]; results do not depend on it.
    #[serde(default)]
    pub algorithm: Algorithm,
}

/// [`KMeansParams`] that passed [`KMeansParams::check`]; only these reach the algorithms.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansValidParams(pub(crate) KMeansParams);

impl KMeansValidParams {
    /// The checked options.
    pub fn params(&self) -> &KMeansParams {
        &self.0
    }
}

impl KMeansParams {
    /// Defaults for `n_clusters` clusters.
    pub fn new(n_clusters: usize) -> Self {
        KMeansParams {
            n_clusters,
            init: Init::KMeansPlusPlus,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            tol_mode: TolMode::Relative,
            seed: 0,
            threads: Threads(0),
            algorithm: Algorithm::Lloyd,
        }
    }

    /// Sets the initialisation.
    pub fn init(mut self, init: Init) -> Self {
        self.init = init;
        self
    }

    /// Sets the number of runs.
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }

    /// Sets the iteration limit.
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Sets the tolerance.
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Sets what the tolerance is compared with.
    pub fn tol_mode(mut self, mode: TolMode) -> Self {
        self.tol_mode = mode;
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

    /// Sets the assignment algorithm.
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Checks the options that do not depend on the data.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the first bad option.
    pub fn check(self) -> Result<KMeansValidParams> {
        let bad = |name, reason: &str| {
            Err(Error::InvalidParameter {
                name,
                reason: reason.to_string(),
            })
        };
        if self.n_clusters == 0 {
            return bad("n_clusters", "must be at least 1");
        }
        if self.n_init == 0 {
            return bad("n_init", "must be at least 1");
        }
        if self.max_iter == 0 {
            return bad("max_iter", "must be at least 1");
        }
        if !self.tol.is_finite() || self.tol < 0.0 {
            return bad(
                "tol",
                &format!("must be finite and non-negative, got {}", self.tol),
            );
        }
        if matches!(self.init, Init::Centers(_)) && self.n_init != 1 {
            return bad("n_init", "must be 1 when the initial centers are given");
        }
        self.init.check(self.n_clusters, None)?;
        Ok(KMeansValidParams(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_bad_option() {
        let e = KMeansParams::new(0).check().unwrap_err();
        assert!(e.to_string().contains("n_clusters"));
        let e = KMeansParams::new(2).tol(-1.0).check().unwrap_err();
        assert!(e.to_string().contains("tol"));
        let e = KMeansParams::new(2).max_iter(0).check().unwrap_err();
        assert!(e.to_string().contains("max_iter"));
        let c = ndarray::Array2::zeros((3, 2));
        let e = KMeansParams::new(2)
            .init(Init::Centers(c))
            .check()
            .unwrap_err();
        assert!(e.to_string().contains("n_clusters"), "{e}");
        assert!(KMeansParams::new(2).check().is_ok());
    }
}
