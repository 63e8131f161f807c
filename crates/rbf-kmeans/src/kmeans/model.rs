//! A fitted set of centers: prediction, distances and scores for new data.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use super::lloyd::LloydWorkspace;
use crate::data::Samples;
use crate::distance::sq_euclidean;
use crate::error::Result;
use crate::float::Float;
use crate::parallel::{Threads, LEAF_ROWS};

/// Centers `c_k` (`k × d`) and the thread count to use on new data.
#[derive(Clone, Debug, PartialEq)]
pub struct KMeansModel<F: Float> {
    centers: Array2<F>,
    threads: Threads,
}

impl<F: Float> KMeansModel<F> {
    /// A model from centers, `k × d` with `k ≥ 1`.
    ///
    /// # Panics
    /// If `centers` has no rows or no columns.
    pub fn new(centers: Array2<F>) -> Self {
        assert!(
            centers.nrows() > 0 && centers.ncols() > 0,
            "KMeansModel: empty centers"
        );
        KMeansModel {
            centers: centers.as_standard_layout().into_owned(),
            threads: Threads::default(),
        }
    }

    /// The same model, running on `threads` worker threads.
    pub fn with_threads(mut self, threads: Threads) -> Self {
        self.threads = threads;
        self
    }

    /// The centers, `k × d`.
    pub fn centers(&self) -> &Array2<F> {
        &self.centers
    }

    /// Number of clusters `k`.
    pub fn n_clusters(&self) -> usize {
        self.centers.nrows()
    }

    /// Dimension `d`.
    pub fn n_features(&self) -> usize {
        self.centers.ncols()
    }

    fn samples<'a>(&self, x: ArrayView2<'a, F>, w: Option<&'a [f64]>) -> Result<Samples<'a, F>> {
        Samples::for_model(x, w, self.centers.ncols(), "model")
    }

    fn flat_centers(&self) -> &[F] {
        self.centers.as_slice().expect("standard layout")
    }

    /// The nearest center of each row of `x` (ties to the lowest index).
    ///
    /// # Errors
    /// Bad data, or a column count different from the model's.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Vec<usize>> {
        let s = self.samples(x, None)?;
        self.threads.install(|| {
            let mut ws = LloydWorkspace::new(&s, self.n_clusters());
            let mut labels = vec![usize::MAX; s.n_samples()];
            ws.assign(&s, self.flat_centers(), &mut labels, false);
            labels
        })
    }

    /// Squared distances `d_ik = ‖x_i − c_k‖²`, `n × k`, computed with direct sums.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn sq_distances(&self, x: ArrayView2<'_, F>) -> Result<Array2<f64>> {
        let s = self.samples(x, None)?;
        let (n, k, d) = (s.n_samples(), self.n_clusters(), s.n_features());
        let c = self.flat_centers();
        let mut out = Array2::<f64>::zeros((n, k));
        self.threads.install(|| {
            out.as_slice_mut()
                .expect("fresh array")
                .par_chunks_mut(LEAF_ROWS * k)
                .enumerate()
                .for_each(|(l, chunk)| {
                    for (r, row) in chunk.chunks_exact_mut(k).enumerate() {
                        let xi = s.row(l * LEAF_ROWS + r);
                        for (j, o) in row.iter_mut().enumerate() {
                            *o = sq_euclidean(xi, &c[j * d..(j + 1) * d]);
                        }
                    }
                });
        })?;
        Ok(out)
    }

    /// Euclidean distances `‖x_i − c_k‖` (not squared, as scikit-learn's `transform`), `n × k`.
    ///
    /// # Errors
    /// As [`predict`](Self::predict).
    pub fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<f64>> {
        Ok(self.sq_distances(x)?.mapv(f64::sqrt))
    }

    /// `Σ_i w_i min_k ‖x_i − c_k‖²` on new data, with direct sums.
    ///
    /// # Errors
    /// As [`predict`](Self::predict), and bad weights.
    pub fn inertia(&self, x: ArrayView2<'_, F>, sample_weight: Option<&[f64]>) -> Result<f64> {
        let s = self.samples(x, sample_weight)?;
        self.threads.install(|| {
            let mut ws = LloydWorkspace::new(&s, self.n_clusters());
            let mut labels = vec![usize::MAX; s.n_samples()];
            ws.assign(&s, self.flat_centers(), &mut labels, true)
                .inertia
        })
    }

    /// The opposite of [`inertia`](Self::inertia), as scikit-learn's `score`: higher is better.
    ///
    /// # Errors
    /// As [`inertia`](Self::inertia).
    pub fn score(&self, x: ArrayView2<'_, F>, sample_weight: Option<&[f64]>) -> Result<f64> {
        Ok(-self.inertia(x, sample_weight)?)
    }
}
