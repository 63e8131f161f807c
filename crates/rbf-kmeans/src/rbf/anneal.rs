//! Deterministic annealing of the RBF network down to K-Means (THEORY.md claim 5 and "Where the
//! annealing starts").
//!
//! Starting just above the critical temperature `σ_c = 2 λ_max` (the largest eigenvalue of the
//! weighted data covariance, Rose 1998), `σ` falls along a [`Schedule`]; at each stage the
//! centers are warm-started from the previous stage and iterated by the soft-Lloyd step to the
//! stage's tolerance. Centers that coincide (as they all do above `σ_c` with softmax) are nudged
//! apart by a tiny seeded perturbation so that they can split. The run ends with an exact
//! hand-over to Lloyd's algorithm from the last stage's centers, and every stage is traced with
//! the diagnostics that certify the equivalence, including `δ(σ)`, the matched distance to the
//! K-Means fixed point finally reached.

use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use crate::data::Samples;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::init::Init;
use crate::kmeans::algorithm_lloyd;
use crate::kmeans::KMeansFit;
use crate::metrics::matched_distance;
use crate::parallel::Threads;
use crate::rbf::maps::Map;
use crate::rbf::network::certificate;
use crate::rbf::objective::{free_energy_bound, loss_bound};
use crate::rbf::pass::{soft_pass, soft_pass_with, PassOptions};
use crate::rbf::schedule::Schedule;
use crate::rbf::train::{check_temperature, max_center_shift, soft_lloyd_from_pass};
use crate::rng::Rng;

/// Options of an annealing run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnnealParams {
    /// Number of centers.
    pub n_clusters: usize,
    /// The responsibility map. Default softmax.
    pub map: Map,
    /// How `σ` falls. Default geometric with factor 0.8.
    pub schedule: Schedule,
    /// First temperature. Default `1.5 σ_c` (see [`critical_temperature`]).
    pub sigma_start: Option<f64>,
    /// Last temperature (the geometric and Deep k-Means schedules stop above it). Default
    /// `1e-4 σ_c`. A sparse map's run also stops at the first stage where every point is
    /// exactly one-hot, since from there the soft step is Lloyd's step.
    pub sigma_end: Option<f64>,
    /// Initial centers. Default k-means++ (above `σ_c` they merge anyway).
    pub init: Init,
    /// Soft-Lloyd iterations per stage at most. Default 500.
    pub stage_max_iter: usize,
    /// A stage ends when `max_k ‖Δc_k‖²` is at most `stage_tol · v̄` (mean feature variance).
    /// Default `1e-16` (a distance of `1e-8` of the spread).
    pub stage_tol: f64,
    /// Size of the nudge given to coinciding centers, relative to the data's spread. Default
    /// `1e-4`.
    pub perturbation: f64,
    /// Iteration limit of the final Lloyd hand-over. Default 300.
    pub lloyd_max_iter: usize,
    /// Seed of all randomness.
    pub seed: u64,
    /// Worker threads (0: all cores).
    pub threads: Threads,
}

impl AnnealParams {
    /// Defaults for `n_clusters` centers and map `map`.
    pub fn new(n_clusters: usize, map: Map) -> Self {
        AnnealParams {
            n_clusters,
            map,
            schedule: Schedule::Geometric { factor: 0.8 },
            sigma_start: None,
            sigma_end: None,
            init: Init::KMeansPlusPlus,
            stage_max_iter: 500,
            stage_tol: 1e-16,
            perturbation: 1e-4,
            lloyd_max_iter: 300,
            seed: 0,
            threads: Threads(0),
        }
    }

    fn check(&self, d: usize) -> Result<()> {
        let bad = |name, reason: String| Err(Error::InvalidParameter { name, reason });
        if self.n_clusters == 0 {
            return bad("n_clusters", "must be at least 1".into());
        }
        self.map.validate()?;
        self.schedule.validate()?;
        if let Some(s) = self.sigma_start {
            check_temperature(s, "sigma_start")?;
        }
        if let Some(s) = self.sigma_end {
            check_temperature(s, "sigma_end")?;
        }
        if let (Some(a), Some(b)) = (self.sigma_start, self.sigma_end) {
            if b > a {
                return bad("sigma_end", format!("{b} is above sigma_start {a}"));
            }
        }
        if self.stage_max_iter == 0 || self.lloyd_max_iter == 0 {
            return bad("max_iter", "iteration limits must be at least 1".into());
        }
        if !(self.stage_tol >= 0.0 && self.perturbation >= 0.0) {
            return bad("stage_tol", "tolerances must be non-negative".into());
        }
        self.init.check(self.n_clusters, Some(d))
    }
}

/// One stage of an annealing run, as written to the trace (one JSON object per line).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageTrace {
    /// Stage index, from 0.
    pub stage: usize,
    /// The temperature `σ`.
    pub sigma: f64,
    /// `L_σ` at the stage's final centers.
    pub loss: f64,
    /// `F_σ` at the same centers.
    pub free_energy: f64,
    /// `J` at the same centers.
    pub distortion: f64,
    /// The uniform bound on `loss − distortion` (THEORY.md claim 1), where known.
    pub bound: Option<f64>,
    /// The uniform bound on `distortion − free_energy`.
    pub free_energy_bound: f64,
    /// `δ(σ)`: matched distance of the stage's centers to the final K-Means fixed point.
    pub delta: f64,
    /// Weighted mean Shannon entropy of the responsibilities.
    pub entropy: f64,
    /// Weighted mean support size.
    pub support: f64,
    /// Fraction of points with exactly one-hot responsibilities.
    pub hard_fraction: f64,
    /// Number of distinct centers (coinciding ones counted once): splits show here.
    pub n_distinct_centers: usize,
    /// `(α−1) min_i Δ_i` for the sparse maps: below it the soft step is exactly Lloyd's.
    pub certificate_sigma: Option<f64>,
    /// Soft-Lloyd iterations this stage ran.
    pub n_iter: usize,
    /// Whether the stage reached its tolerance.
    pub converged: bool,
}

/// What an annealing run produced.
#[derive(Clone, Debug)]
pub struct AnnealResult<F: Float> {
    /// One entry per stage.
    pub stages: Vec<StageTrace>,
    /// The centers at the end of each stage, row-major `k × d`.
    pub stage_centers: Vec<Vec<F>>,
    /// The final Lloyd hand-over from the last stage's centers.
    pub kmeans: KMeansFit<F>,
    /// `λ_max` of the weighted covariance.
    pub lambda_max: f64,
    /// The critical temperature of the map, see [`critical_temperature`].
    pub sigma_critical: f64,
}

/// Runs the annealing on `x` (`n × d`) with optional weights.
///
/// # Errors
/// Bad data, weights or options; [`Error::TooFewDistinctPoints`].
pub fn anneal<F: Float>(
    params: &AnnealParams,
    x: ArrayView2<'_, F>,
    sample_weight: Option<&[f64]>,
    observer: &(dyn Fn(&StageTrace) + Sync),
) -> Result<AnnealResult<F>> {
    let samples = Samples::new(x, sample_weight)?;
    params.check(samples.n_features())?;
    let k = params.n_clusters;
    let distinct = samples.count_distinct(k);
    if distinct < k {
        return Err(Error::TooFewDistinctPoints {
            n_clusters: k,
            n_distinct: distinct,
        });
    }
    params.threads.install(|| run(params, &samples, observer))?
}

fn run<F: Float>(
    p: &AnnealParams,
    samples: &Samples<'_, F>,
    observer: &(dyn Fn(&StageTrace) + Sync),
) -> Result<AnnealResult<F>> {
    let d = samples.n_features();
    let k = p.n_clusters;
    let rng = Rng::new(p.seed);
    let lambda_max = largest_covariance_eigenvalue(samples, &mut rng.fork(1));
    let sigma_critical = critical_temperature(p.map, lambda_max, k);
    let scale = samples
        .mean_feature_variance()
        .sqrt()
        .max(f64::MIN_POSITIVE);
    let floor = sigma_critical.max(f64::MIN_POSITIVE);
    let start = p.sigma_start.unwrap_or(1.5 * floor);
    let end = p.sigma_end.unwrap_or(1e-4 * floor).min(start);
    let temps = p.schedule.temperatures(start, end);
    let tol = p.stage_tol * scale * scale;

    let mut centers = p.init.centers(samples, k, &mut rng.fork(2))?;
    let mut next = centers.clone();
    let mut nudge_rng = rng.fork(3);
    let mut stages = Vec::with_capacity(temps.len());
    let mut stage_centers = Vec::with_capacity(temps.len());

    for (stage, &sigma) in temps.iter().enumerate() {
        nudge_coinciding(&mut centers, d, p.perturbation * scale, &mut nudge_rng);
        let mut n_iter = 0;
        let mut converged = false;
        while n_iter < p.stage_max_iter {
            let lean = PassOptions {
                full: false,
                diagnostics: false,
            };
            let pass = soft_pass_with(samples, &centers, p.map, sigma, lean);
            soft_lloyd_from_pass(&centers, &pass, &mut next);
            n_iter += 1;
            let shift = max_center_shift(&centers, &next, d);
            std::mem::swap(&mut centers, &mut next);
            if shift <= tol {
                converged = true;
                break;
            }
        }
        let pass = soft_pass(samples, &centers, p.map, sigma, false);
        let w = samples.total_weight();
        let trace = StageTrace {
            stage,
            sigma,
            loss: pass.loss,
            free_energy: pass.free_energy,
            distortion: pass.distortion,
            bound: loss_bound(p.map, w, k, sigma),
            free_energy_bound: free_energy_bound(p.map, w, k, sigma),
            delta: f64::NAN,
            entropy: pass.entropy / w,
            support: pass.support / w,
            hard_fraction: pass.n_hard as f64 / samples.n_samples() as f64,
            n_distinct_centers: count_distinct_centers(&centers, d, 1e-4 * scale),
            certificate_sigma: certificate(p.map, pass.min_gap),
            n_iter,
            converged,
        };
        tracing::info!(
            stage,
            sigma,
            loss = trace.loss,
            distinct = trace.n_distinct_centers,
            "stage"
        );
        observer(&trace);
        let all_hard = pass.n_hard == samples.n_samples();
        stages.push(trace);
        stage_centers.push(centers.clone());
        if p.map.is_sparse() && all_hard && p.sigma_end.is_none() {
            break;
        }
    }

    let kmeans = algorithm_lloyd(samples, centers, p.lloyd_max_iter, 0.0, 0, &|_| {});
    let final_centers = kmeans.centers().as_slice().expect("standard").to_vec();
    for (trace, c) in stages.iter_mut().zip(&stage_centers) {
        trace.delta = matched_distance(c, &final_centers, d);
    }
    Ok(AnnealResult {
        stages,
        stage_centers,
        kmeans,
        lambda_max,
        sigma_critical,
    })
}

/// The temperature above which the merged state (every center at the weighted mean) is the
/// only stable fixed point of the soft-Lloyd step.
///
/// For softmax this is Rose's `σ_c = 2 λ_max`. At the merged state every map gives uniform
/// responsibilities with full support, where the Jacobian of α-entmax in its logits is
/// `K^{α−2} (I − 11ᵀ/K)` against softmax's `K^{−1} (I − 11ᵀ/K)`; the same linear stability
/// argument then gives `σ_c = 2 λ_max K^{α−1}`: `2 λ_max √K` for entmax-1.5 and `2 λ_max K` for
/// sparsemax (the project's derivation). For the hard map, `2 λ_max` is returned as a scale.
pub fn critical_temperature(map: Map, lambda_max: f64, n_clusters: usize) -> f64 {
    let k = n_clusters as f64;
    let alpha = match map {
        Map::Softmax | Map::SoftmaxNaive | Map::Hard => 1.0,
        Map::Entmax15 => 1.5,
        Map::Sparsemax => 2.0,
        Map::Entmax { alpha } => alpha,
    };
    2.0 * lambda_max * k.powf(alpha - 1.0)
}

/// `λ_max` of the weighted covariance `Σ_i w_i (x_i − μ)(x_i − μ)ᵀ / W`, by power iteration
/// without forming the `d × d` matrix (`O(n d)` per iteration).
pub fn largest_covariance_eigenvalue<F: Float>(samples: &Samples<'_, F>, rng: &mut Rng) -> f64 {
    let (n, d) = (samples.n_samples(), samples.n_features());
    let total = samples.total_weight();
    let mut mean = vec![0.0; d];
    for i in 0..n {
        let w = samples.weight(i);
        for (m, v) in mean.iter_mut().zip(samples.row(i)) {
            *m += w * v.to_f64_lossless() / total;
        }
    }
    let mut v: Vec<f64> = (0..d).map(|_| rng.normal()).collect();
    let mut lambda = 0.0;
    for _ in 0..500 {
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return 0.0;
        }
        v.iter_mut().for_each(|x| *x /= norm);
        let mut out = vec![0.0; d];
        for i in 0..n {
            let xi = samples.row(i);
            let proj: f64 = (0..d)
                .map(|t| (xi[t].to_f64_lossless() - mean[t]) * v[t])
                .sum();
            let c = samples.weight(i) * proj / total;
            for t in 0..d {
                out[t] += c * (xi[t].to_f64_lossless() - mean[t]);
            }
        }
        let new_lambda: f64 = out.iter().zip(&v).map(|(a, b)| a * b).sum();
        v = out;
        if (new_lambda - lambda).abs() <= 1e-12 * new_lambda.abs() {
            return new_lambda;
        }
        lambda = new_lambda;
    }
    lambda
}

/// Centers within `radius` of an earlier one count once.
pub fn count_distinct_centers<F: Float>(centers: &[F], d: usize, radius: f64) -> usize {
    let rows: Vec<&[F]> = centers.chunks_exact(d).collect();
    (0..rows.len())
        .filter(|&i| {
            (0..i).all(|j| crate::distance::sq_euclidean(rows[i], rows[j]) > radius * radius)
        })
        .count()
}

/// Moves every center that coincides (within `size`) with an earlier one by a random vector of
/// length about `size`, so that symmetric centers can split.
fn nudge_coinciding<F: Float>(centers: &mut [F], d: usize, size: f64, rng: &mut Rng) {
    let k = centers.len() / d;
    for i in 1..k {
        let coincides = (0..i).any(|j| {
            crate::distance::sq_euclidean(
                &centers[i * d..(i + 1) * d],
                &centers[j * d..(j + 1) * d],
            ) <= size * size
        });
        if coincides {
            for v in &mut centers[i * d..(i + 1) * d] {
                *v = F::from_f64_round(v.to_f64_lossless() + size * rng.normal());
            }
        }
    }
}
