//! The fit: initialisation, Lloyd iterations, restarts.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::accel;
use super::elkan::Elkan;
use super::hamerly::Hamerly;
use super::hyperparams::{Algorithm, KMeansParams, KMeansValidParams, TolMode};
use super::lloyd::{center_shift, update_centers, LloydWorkspace};
use super::model::KMeansModel;
use crate::data::Samples;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rng::Rng;

/// Why a run stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// An iteration changed no label: a K-Means fixed point.
    LabelsStable,
    /// The sum of squared center shifts fell to the tolerance.
    CenterShift,
    /// `max_iter` iterations ran without either of the above.
    MaxIter,
}

impl StopReason {
    /// Whether the run converged (did not merely run out of iterations).
    pub fn converged(self) -> bool {
        self != StopReason::MaxIter
    }
}

/// Reported after each Lloyd iteration to an observer (progress bars, verbose logs).
#[derive(Clone, Debug)]
pub struct IterationEvent {
    /// Which run (restart), from 0.
    pub run: usize,
    /// Iteration within the run, from 1.
    pub iteration: usize,
    /// The iteration limit.
    pub max_iter: usize,
    /// `Σ_i w_i min_k d_ik` at the centers this iteration assigned to (read off the distance
    /// tiles, so accurate to the GEMM's rounding).
    pub inertia: f64,
    /// `Σ_k ‖c_k^new − c_k^old‖²`.
    pub center_shift: f64,
    /// Points whose label changed.
    pub changed: usize,
}

/// The result of a fit.
#[derive(Clone, Debug)]
pub struct KMeansFit<F: Float> {
    /// The centers, ready for `predict`, `transform` and `score`.
    pub model: KMeansModel<F>,
    /// The label of each point (consistent with the final centers: the fit ends with an
    /// assignment step).
    pub labels: Vec<usize>,
    /// `Σ_i w_i ‖x_i − c_{a_i}‖²`, recomputed with direct sums at the final centers.
    pub inertia: f64,
    /// Lloyd iterations (an assignment and an update each) of the kept run.
    pub n_iter: usize,
    /// Why the kept run stopped.
    pub stop_reason: StopReason,
    /// Empty clusters whose center was moved to a far point, over the kept run.
    pub n_relocations: usize,
    /// Number of points per cluster.
    pub cluster_sizes: Vec<usize>,
    /// Total weight per cluster.
    pub cluster_weights: Vec<f64>,
    /// Inertia per cluster.
    pub cluster_inertia: Vec<f64>,
    /// Which run was kept (lowest inertia, ties to the earliest).
    pub best_run: usize,
    /// Final inertia of every run.
    pub run_inertia: Vec<f64>,
    /// The assignment algorithm that ran ([`Algorithm::Auto`] resolved).
    pub algorithm: Algorithm,
}

impl<F: Float> KMeansFit<F> {
    /// Whether the kept run converged before `max_iter`.
    pub fn converged(&self) -> bool {
        self.stop_reason.converged()
    }

    /// The final centers, `k × d`.
    pub fn centers(&self) -> &Array2<F> {
        self.model.centers()
    }
}

impl KMeansParams {
    /// Checks the options and fits; see [`KMeansValidParams::fit`].
    pub fn fit<F: Float>(
        self,
        x: ArrayView2<'_, F>,
        sample_weight: Option<&[f64]>,
    ) -> Result<KMeansFit<F>> {
        self.check()?.fit(x, sample_weight)
    }
}

impl KMeansValidParams {
    /// Fits K-Means to `x` (`n × d`) with optional weights (length `n`).
    ///
    /// # Errors
    /// Bad data ([`Error::EmptyInput`], [`Error::NonFinite`], weight errors), initial centers of
    /// the wrong shape, and [`Error::TooFewDistinctPoints`] when `n_clusters` exceeds the number
    /// of distinct points of positive weight.
    pub fn fit<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        sample_weight: Option<&[f64]>,
    ) -> Result<KMeansFit<F>> {
        self.fit_observed(x, sample_weight, &|_| {})
    }

    /// As [`fit`](Self::fit), calling `observer` after every iteration of every run (runs may
    /// proceed in parallel, so events of different runs interleave).
    pub fn fit_observed<F: Float>(
        &self,
        x: ArrayView2<'_, F>,
        sample_weight: Option<&[f64]>,
        observer: &(dyn Fn(&IterationEvent) + Sync),
    ) -> Result<KMeansFit<F>> {
        let samples = Samples::new(x, sample_weight)?;
        self.fit_samples(&samples, observer)
    }

    /// Fits already validated samples.
    pub fn fit_samples<F: Float>(
        &self,
        samples: &Samples<'_, F>,
        observer: &(dyn Fn(&IterationEvent) + Sync),
    ) -> Result<KMeansFit<F>> {
        let p = &self.0;
        let k = p.n_clusters;
        p.init.check(k, Some(samples.n_features()))?;
        let distinct = samples.count_distinct(k);
        if distinct < k {
            return Err(Error::TooFewDistinctPoints {
                n_clusters: k,
                n_distinct: distinct,
            });
        }
        // A zero tolerance stays zero: no pass over the data for a variance it would not use.
        let tol = match p.tol_mode {
            TolMode::Relative if p.tol > 0.0 => p.tol * samples.mean_feature_variance(),
            _ => p.tol,
        };
        let root = Rng::new(p.seed);

        p.threads.install(|| {
            let runs: Vec<Result<KMeansFit<F>>> = (0..p.n_init)
                .into_par_iter()
                .map(|run| {
                    let mut rng = root.fork(run as u64);
                    let init = p.init.centers(samples, k, &mut rng)?;
                    let (max_iter, n) = (p.max_iter, samples.n_samples());
                    let algorithm = p.algorithm.resolve(n, samples.n_features(), k);
                    Ok(match algorithm {
                        Algorithm::Elkan => accel::run::<F, Elkan>(
                            samples, init, max_iter, tol, run, false, observer,
                        ),
                        Algorithm::Hamerly => accel::run::<F, Hamerly>(
                            samples, init, max_iter, tol, run, false, observer,
                        ),
                        Algorithm::Auto => accel::run::<F, Hamerly>(
                            samples, init, max_iter, tol, run, true, observer,
                        ),
                        Algorithm::Lloyd => lloyd(samples, init, max_iter, tol, run, observer),
                    })
                })
                .collect();
            let mut best: Option<KMeansFit<F>> = None;
            let mut run_inertia = Vec::with_capacity(runs.len());
            for r in runs {
                let r = r?;
                run_inertia.push(r.inertia);
                if best.as_ref().is_none_or(|b| r.inertia < b.inertia) {
                    best = Some(r);
                }
            }
            let mut best = best.expect("n_init >= 1");
            best.run_inertia = run_inertia;
            best.model = best.model.with_threads(p.threads);
            Ok(best)
        })?
    }
}

/// Lloyd iterations from `centers` (row-major `k × d`) until the labels are stable, the sum of
/// squared center shifts is at most `tol` (absolute), or `max_iter` iterations have run; then a
/// final assignment with exact inertia. Runs on the current rayon pool.
pub(crate) fn lloyd<F: Float>(
    samples: &Samples<'_, F>,
    mut centers: Vec<F>,
    max_iter: usize,
    tol: f64,
    run: usize,
    observer: &(dyn Fn(&IterationEvent) + Sync),
) -> KMeansFit<F> {
    let n = samples.n_samples();
    let d = samples.n_features();
    let k = centers.len() / d;
    let mut ws = LloydWorkspace::new(samples, k);
    let mut labels = vec![usize::MAX; n];
    let mut next = centers.clone();
    let mut stop = StopReason::MaxIter;
    let mut n_iter = 0;
    let mut n_relocations = 0;

    for iteration in 1..=max_iter {
        // The workspace's own totals are updated in place: no allocation per iteration.
        let assignment = ws.assign(samples, &centers, &mut labels, false);
        let relocated = update_centers(samples, &centers, &mut labels, assignment, &mut next);
        n_relocations += relocated;
        let shift = center_shift(&centers, &next);
        std::mem::swap(&mut centers, &mut next);
        n_iter = iteration;

        let event = IterationEvent {
            run,
            iteration,
            max_iter,
            inertia: assignment.inertia,
            center_shift: shift,
            changed: assignment.changed,
        };
        tracing::debug!(
            run,
            iteration,
            inertia = event.inertia,
            shift,
            "lloyd iteration"
        );
        observer(&event);

        // The first pass compares against no labels at all, so it cannot be a fixed point.
        if iteration > 1 && assignment.changed == 0 && relocated == 0 {
            stop = StopReason::LabelsStable;
            break;
        }
        if shift <= tol {
            stop = StopReason::CenterShift;
            break;
        }
    }

    let last = ws.assign(samples, &centers, &mut labels, true);
    let cluster_sizes = last.counts.clone();
    let cluster_weights = last.weights.clone();
    let cluster_inertia = last.cluster_inertia.clone();
    let inertia = last.inertia;
    let centers = Array2::from_shape_vec((k, d), centers).expect("k × d centers");
    KMeansFit {
        model: KMeansModel::new(centers),
        labels,
        inertia,
        n_iter,
        stop_reason: stop,
        n_relocations,
        cluster_sizes,
        cluster_weights,
        cluster_inertia,
        best_run: run,
        run_inertia: vec![inertia],
        algorithm: Algorithm::Lloyd,
    }
}
