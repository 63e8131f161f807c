//! The mini-batch state: initialisation, `partial_fit` steps with reassignment, and `fit` by
//! epochs with scikit-learn's early stopping.

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::hyperparams::{MiniBatchKMeansParams, MiniBatchKMeansValidParams};
use super::step::{update_centers, BatchWorkspace};
use crate::data::Samples;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::kmeans::lloyd::LloydWorkspace;
use crate::kmeans::KMeansModel;
use crate::rng::Rng;

/// Streams of the seed: the initialisation, reassignments, the init sample of `fit` and, from
/// `EPOCH_STREAM` on, one per epoch's batch order.
const INIT_STREAM: u64 = 0;
const REASSIGN_STREAM: u64 = 1;
const INIT_SAMPLE_STREAM: u64 = 2;
const EPOCH_STREAM: u64 = 3;

/// Why a mini-batch fit stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MiniBatchStop {
    /// `max_iter` epochs ran.
    MaxIter,
    /// A step moved the centers by at most the tolerance.
    CenterShift,
    /// The smoothed batch inertia saw no new minimum for `max_no_improvement` steps.
    NoImprovement,
}

/// What one step did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchStats {
    /// Rows in the batch.
    pub n_rows: usize,
    /// `Σ_{i∈B} w_i`.
    pub weight: f64,
    /// `Σ_{i∈B} w_i min_k ‖x_i − c_k‖²` at the centers before the step (read off the distance
    /// tiles, so accurate to the GEMM's rounding).
    pub inertia: f64,
    /// `Σ_k ‖c_k^new − c_k^old‖²` of the update (reassignments not included).
    pub center_shift: f64,
    /// Centers moved to a batch row because their cumulative weight was too small.
    pub n_reassigned: usize,
}

/// Mini-batch K-Means (Sculley, "Web-scale k-means clustering", WWW 2010).
///
/// Each center `c_k` keeps the cumulative weight `v_k` of the points ever assigned to it. A step
/// on a batch `B` assigns every `x_i ∈ B` to its nearest center at the current positions, then
/// applies Sculley's gradient step with the per-center learning rate `η = w_i / v_k`, which is
/// exactly the running weighted mean: with `S_k = Σ_{i∈B, a_i=k} w_i x_i` and
/// `b_k = Σ_{i∈B, a_i=k} w_i`,
///
/// ```text
/// c_k ← (v_k c_k + S_k) / (v_k + b_k),    v_k ← v_k + b_k.
/// ```
///
/// So a weight `w` counts as `w` repeated rows. Optionally (`reassignment_ratio > 0`, as in
/// scikit-learn) centers whose `v_k` falls below that fraction of `max_k v_k` are moved to
/// distinct random rows of the batch, at most half the batch's rows at once, and get the
/// smallest remaining `v_k`; this is checked when any `v_k` is zero and otherwise every `10·K`
/// rows.
///
/// The state is fed batch by batch with [`partial_fit`](Self::partial_fit) (which initialises
/// from its first batch when [`initialize`](Self::initialize) was not called), or all at once
/// with [`MiniBatchKMeansValidParams::fit`]. A step's sums are reduced over fixed leaves of the
/// batch, so the result is bit-identical for any thread count.
pub struct MiniBatchKMeans<F: Float> {
    params: MiniBatchKMeansValidParams,
    pool: rayon::ThreadPool,
    centers: Vec<F>,
    counts: Vec<f64>,
    n_features: usize,
    n_steps: usize,
    rows_since_reassign: usize,
    init_rng: Rng,
    reassign_rng: Rng,
    ws: Option<BatchWorkspace<F>>,
}

impl<F: Float> MiniBatchKMeans<F> {
    /// An uninitialised state.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the worker threads cannot be started (see
    /// [`crate::parallel::Threads::pool`]).
    pub fn new(params: MiniBatchKMeansValidParams) -> Result<Self> {
        let threads = params.0.threads;
        let pool = threads.pool()?;
        let root = Rng::new(params.0.seed);
        Ok(MiniBatchKMeans {
            pool,
            centers: Vec::new(),
            counts: vec![0.0; params.0.n_clusters],
            n_features: 0,
            n_steps: 0,
            rows_since_reassign: 0,
            init_rng: root.fork(INIT_STREAM),
            reassign_rng: root.fork(REASSIGN_STREAM),
            ws: None,
            params,
        })
    }

    /// The options.
    pub fn params(&self) -> &MiniBatchKMeansParams {
        &self.params.0
    }

    /// Whether the centers have been initialised.
    pub fn is_initialized(&self) -> bool {
        !self.centers.is_empty()
    }

    /// Steps taken so far.
    pub fn n_steps(&self) -> usize {
        self.n_steps
    }

    /// The cumulative weight `v_k` of each center.
    pub fn counts(&self) -> &[f64] {
        &self.counts
    }

    /// The current centers as a model for `predict` and `transform`, once initialised.
    pub fn model(&self) -> Option<KMeansModel<F>> {
        if !self.is_initialized() {
            return None;
        }
        let k = self.params.0.n_clusters;
        let c = Array2::from_shape_vec((k, self.n_features), self.centers.clone())
            .expect("k × d centers");
        Some(KMeansModel::new(c).with_threads(self.params.0.threads))
    }

    /// Initialises the centers with the configured [`Init`](crate::Init) run on `x` (a sample of
    /// the data, `m × d`) with optional weights; the cumulative weights start at zero.
    ///
    /// # Errors
    /// Bad data, given centers of the wrong shape, [`Error::TooFewDistinctPoints`] when `x` has
    /// fewer than `n_clusters` distinct rows of positive weight, and [`Error::InvalidParameter`]
    /// if the state is already initialised.
    pub fn initialize(&mut self, x: ArrayView2<'_, F>, weights: Option<&[f64]>) -> Result<()> {
        let samples = Samples::new(x, weights)?;
        self.initialize_samples(&samples)
    }

    fn initialize_samples(&mut self, samples: &Samples<'_, F>) -> Result<()> {
        if self.is_initialized() {
            return Err(Error::InvalidParameter {
                name: "initialize",
                reason: "the centers are already initialised".into(),
            });
        }
        let p = &self.params.0;
        let k = p.n_clusters;
        p.init.check(k, Some(samples.n_features()))?;
        if !matches!(p.init, crate::Init::Centers(_)) {
            let distinct = samples.count_distinct(k);
            if distinct < k {
                return Err(Error::TooFewDistinctPoints {
                    n_clusters: k,
                    n_distinct: distinct,
                });
            }
        }
        let rng = &mut self.init_rng;
        let centers = self.pool.install(|| p.init.centers(samples, k, rng))?;
        self.n_features = samples.n_features();
        self.ws = Some(BatchWorkspace::new(k, self.n_features));
        self.centers = centers;
        Ok(())
    }

    /// One mini-batch step on `x` (`m × d`) with optional weights, initialising from this
    /// batch first if needed (see [`initialize`](Self::initialize)).
    ///
    /// # Errors
    /// Bad data or weights, a column count different from the centers', and the errors of
    /// [`initialize`](Self::initialize).
    pub fn partial_fit(
        &mut self,
        x: ArrayView2<'_, F>,
        weights: Option<&[f64]>,
    ) -> Result<BatchStats> {
        let samples = if self.is_initialized() {
            Samples::for_model(x, weights, self.n_features, "model")?
        } else {
            let s = Samples::new(x, weights)?;
            self.initialize_samples(&s)?;
            s
        };
        Ok(self.step(samples.points(), samples.weights()))
    }

    /// A step on validated, row-major rows.
    pub(crate) fn step(&mut self, x: &[F], w: Option<&[f64]>) -> BatchStats {
        let ws = self.ws.as_mut().expect("initialised before a step");
        let centers = &mut self.centers;
        let totals = self.pool.install(|| ws.assign(x, w, centers));
        let center_shift = update_centers(centers, &mut self.counts, &ws.sums, &ws.weights);
        let n_rows = x.len() / self.n_features;
        self.n_steps += 1;
        let n_reassigned = self.maybe_reassign(x, w, n_rows);
        tracing::debug!(
            step = self.n_steps,
            inertia = totals.inertia,
            center_shift,
            n_reassigned,
            "mini-batch step"
        );
        BatchStats {
            n_rows,
            weight: totals.weight,
            inertia: totals.inertia,
            center_shift,
            n_reassigned,
        }
    }

    /// Moves centers with too small a cumulative weight to distinct random rows of the batch.
    fn maybe_reassign(&mut self, x: &[F], w: Option<&[f64]>, n_rows: usize) -> usize {
        let ratio = self.params.0.reassignment_ratio;
        let k = self.params.0.n_clusters;
        self.rows_since_reassign += n_rows;
        let due = self.counts.contains(&0.0) || self.rows_since_reassign >= 10 * k;
        if ratio <= 0.0 || !due {
            return 0;
        }
        self.rows_since_reassign = 0;

        let max = self.counts.iter().copied().fold(0.0, f64::max);
        let mut small: Vec<usize> = (0..k).filter(|&j| self.counts[j] < ratio * max).collect();
        let mut rows: Vec<usize> = (0..n_rows)
            .filter(|&i| w.is_none_or(|w| w[i] > 0.0))
            .collect();
        small.sort_by(|&a, &b| self.counts[a].total_cmp(&self.counts[b]).then(a.cmp(&b)));
        small.truncate((n_rows / 2).min(rows.len()));
        if small.is_empty() {
            return 0;
        }

        let d = self.n_features;
        for (t, &j) in small.iter().enumerate() {
            // A partial Fisher–Yates shuffle: draws without replacement.
            let pick = t + self.reassign_rng.below(rows.len() - t);
            rows.swap(t, pick);
            let i = rows[t];
            self.centers[j * d..(j + 1) * d].copy_from_slice(&x[i * d..(i + 1) * d]);
        }
        let floor = (0..k)
            .filter(|j| !small.contains(j))
            .map(|j| self.counts[j])
            .fold(f64::INFINITY, f64::min);
        for &j in &small {
            self.counts[j] = if floor.is_finite() { floor } else { 0.0 };
        }
        small.len()
    }
}

/// The result of [`MiniBatchKMeansValidParams::fit`].
#[derive(Clone, Debug)]
pub struct MiniBatchKMeansFit<F: Float> {
    /// The centers, ready for `predict`, `transform` and `score`.
    pub model: KMeansModel<F>,
    /// The nearest final center of every row.
    pub labels: Vec<usize>,
    /// `Σ_i w_i min_k ‖x_i − c_k‖²` over all rows at the final centers, with direct sums.
    pub inertia: f64,
    /// Rows per cluster at the final centers.
    pub cluster_sizes: Vec<usize>,
    /// Weight per cluster at the final centers.
    pub cluster_weights: Vec<f64>,
    /// The cumulative weight `v_k` of each center at the end.
    pub counts: Vec<f64>,
    /// Mini-batch steps taken.
    pub n_steps: usize,
    /// Epochs started (the last one may have stopped early).
    pub n_epochs: usize,
    /// Why the fit stopped.
    pub stop_reason: MiniBatchStop,
    /// Centers reassigned over the fit.
    pub n_reassigned: usize,
}

/// scikit-learn's stop on a lack of improvement: an exponentially weighted average of the batch
/// inertia per unit weight, `ā ← (1 − α) ā + α a` with `α = min(1, 2m / (n + 1))` for batches of
/// `m` of `n` rows, must reach a new minimum at least every `max_no_improvement` steps. The
/// first step is ignored: its inertia measures the initialisation.
#[derive(Default)]
struct NoImprovement {
    ewa: Option<f64>,
    ewa_min: Option<f64>,
    stale: usize,
}

impl NoImprovement {
    /// Records a step; true when the patience is exhausted.
    fn stop(&mut self, s: &BatchStats, step: usize, n: usize, patience: Option<usize>) -> bool {
        if step == 1 || s.weight <= 0.0 {
            return false;
        }
        let a = s.inertia / s.weight;
        let alpha = (2.0 * s.n_rows as f64 / (n as f64 + 1.0)).min(1.0);
        let ewa = self.ewa.map_or(a, |e| e * (1.0 - alpha) + a * alpha);
        self.ewa = Some(ewa);
        if self.ewa_min.is_none_or(|m| ewa < m) {
            self.ewa_min = Some(ewa);
            self.stale = 0;
        } else {
            self.stale += 1;
        }
        patience.is_some_and(|p| self.stale >= p)
    }
}

impl MiniBatchKMeansParams {
    /// Checks the options and fits; see [`MiniBatchKMeansValidParams::fit`].
    pub fn fit<F: Float>(
        self,
        x: ArrayView2<'_, F>,
        sample_weight: Option<&[f64]>,
    ) -> Result<MiniBatchKMeansFit<F>> {
        self.check()?.fit(x, sample_weight)
    }
}

impl MiniBatchKMeansValidParams {
    /// Fits mini-batch K-Means to `x` (`n × d`) with optional weights.
    ///
    /// The initialisation sees [`init_size`](Self::init_size) rows: a random subset, or the
    /// first rows when `shuffle` is off (all rows if those hold fewer than `n_clusters` distinct
    /// points). Then each epoch cuts the rows, in a fresh random order or in order, into
    /// consecutive batches of `batch_size` (the last may be smaller) and takes one
    /// [`partial_fit`](MiniBatchKMeans::partial_fit) step per batch, until `max_iter` epochs or
    /// an early stop (`tol`, `max_no_improvement`). With `shuffle` off, the fit equals
    /// [`MiniBatchKMeans::initialize`] on the first rows followed by `partial_fit` over the
    /// batches in order. A final pass labels every row and computes the exact inertia.
    ///
    /// # Errors
    /// Bad data, given centers of the wrong shape, and [`Error::TooFewDistinctPoints`].
    pub fn fit<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        sample_weight: Option<&[f64]>,
    ) -> Result<MiniBatchKMeansFit<F>> {
        let samples = Samples::new(x, sample_weight)?;
        let p = &self.0;
        let (n, d, k) = (samples.n_samples(), samples.n_features(), p.n_clusters);
        p.init.check(k, Some(d))?;
        let distinct = samples.count_distinct(k);
        if distinct < k {
            return Err(Error::TooFewDistinctPoints {
                n_clusters: k,
                n_distinct: distinct,
            });
        }
        let root = Rng::new(p.seed);
        let mut state = MiniBatchKMeans::new(self.clone())?;

        let m = self.init_size(n);
        let init_rows: Vec<usize> = if p.shuffle {
            root.fork(INIT_SAMPLE_STREAM).permutation(n)[..m].to_vec()
        } else {
            (0..m).collect()
        };
        let (mut xs, mut ws) = (Vec::new(), samples.weights().map(|_| Vec::new()));
        gather_into(&samples, &init_rows, &mut xs, ws.as_mut());
        let view = ArrayView2::from_shape((m, d), &xs).expect("m × d");
        let sample = Samples::new(view, ws.as_deref())?;
        if matches!(p.init, crate::Init::Centers(_)) || sample.count_distinct(k) >= k {
            state.initialize_samples(&sample)?;
        } else {
            state.initialize_samples(&samples)?;
        }

        let tol = p.tol * samples.mean_feature_variance();
        let mut monitor = NoImprovement::default();
        let mut stop = MiniBatchStop::MaxIter;
        let mut n_epochs = 0;
        let mut n_reassigned = 0;
        let (mut xb, mut wb) = (Vec::new(), samples.weights().map(|_| Vec::new()));
        'epochs: for epoch in 0..p.max_iter {
            n_epochs = epoch + 1;
            let order = p
                .shuffle
                .then(|| root.fork(EPOCH_STREAM + epoch as u64).permutation(n));
            for start in (0..n).step_by(p.batch_size) {
                let end = (start + p.batch_size).min(n);
                let stats = match &order {
                    Some(order) => {
                        gather_into(&samples, &order[start..end], &mut xb, wb.as_mut());
                        state.step(&xb, wb.as_deref())
                    }
                    None => state.step(
                        &samples.points()[start * d..end * d],
                        samples.weights().map(|w| &w[start..end]),
                    ),
                };
                n_reassigned += stats.n_reassigned;
                if tol > 0.0 && stats.center_shift <= tol {
                    stop = MiniBatchStop::CenterShift;
                    break 'epochs;
                }
                if monitor.stop(&stats, state.n_steps, n, p.max_no_improvement) {
                    stop = MiniBatchStop::NoImprovement;
                    break 'epochs;
                }
            }
        }

        let model = state.model().expect("initialised");
        let centers = state.centers.clone();
        let (labels, last) = state.pool.install(|| {
            let mut ws = LloydWorkspace::new(&samples, k);
            let mut labels = vec![usize::MAX; n];
            let a = ws.assign(&samples, &centers, &mut labels, true).clone();
            (labels, a)
        });
        Ok(MiniBatchKMeansFit {
            model,
            labels,
            inertia: last.inertia,
            cluster_sizes: last.counts,
            cluster_weights: last.weights,
            counts: state.counts.clone(),
            n_steps: state.n_steps,
            n_epochs,
            stop_reason: stop,
            n_reassigned,
        })
    }
}

/// Copies the rows `rows` of `samples` (and their weights, when both have them) into `x` and
/// `w`, reusing their allocations.
fn gather_into<F: Float>(
    samples: &Samples<'_, F>,
    rows: &[usize],
    x: &mut Vec<F>,
    w: Option<&mut Vec<f64>>,
) {
    x.clear();
    for &i in rows {
        x.extend_from_slice(samples.row(i));
    }
    if let Some(w) = w {
        w.clear();
        w.extend(rows.iter().map(|&i| samples.weight(i)));
    }
}
