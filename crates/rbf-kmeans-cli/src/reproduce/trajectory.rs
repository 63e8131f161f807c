//! Experiment 3, gradient and trajectory equivalence (THEORY.md claims 2 and 3).
//!
//! From shared initial centers, Lloyd's iterates are compared with those of gradient descent with
//! the per-center step `1/(2 N_k)` at fixed temperatures. The entmax-1.5 certificate
//! `σ* = ½ min_t min_i Δ_i(C_t)` is taken along Lloyd's trajectory: below it the soft trajectory
//! must be Lloyd's exactly.

use anyhow::Result;
use ndarray::{Array2, Axis};
use rayon::prelude::*;
use rbf_kmeans::rbf::train::{train, Optimizer, TrainParams};
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Init, KMeansParams, Samples, Threads};

use super::common::{flat, max_row_distance, Data, SMOOTH_MAPS};
use super::plan::Plan;

/// Deviations at or below this many data scales count as "identical": a few roundings apart.
pub const IDENTICAL_TOL: f64 = 1e-12;

/// The temperatures compared, as multiples of the certificate `σ*`.
pub const SIGMA_FACTORS: [f64; 8] = [0.125, 0.5, 1.0, 4.0, 16.0, 64.0, 256.0, 1024.0];

/// The certificate of one geometry's Lloyd trajectory.
pub struct Certificate {
    /// Geometry name.
    pub geometry: &'static str,
    /// `√v̄`.
    pub scale: f64,
    /// Lloyd iterations compared.
    pub n_iter: usize,
    /// `σ* = ½ min_t min_i Δ_i(C_t)` over the iterates `C_0 … C_T`.
    pub sigma_star: f64,
    /// The iterate where the minimum is reached.
    pub argmin_iter: usize,
}

/// One soft trajectory against Lloyd's.
pub struct TrajectoryRow {
    /// Geometry name.
    pub geometry: &'static str,
    /// The map.
    pub map: Map,
    /// `σ / σ*`.
    pub factor: f64,
    /// `σ`.
    pub sigma: f64,
    /// `max_t max_k ‖c_k^soft(t) − c_k^Lloyd(t)‖ / √v̄`.
    pub max_deviation: f64,
    /// The same maximum, per iteration `t = 1 … T`.
    pub per_iter: Vec<f64>,
}

impl TrajectoryRow {
    /// Whether the trajectories agree to `IDENTICAL_TOL`.
    pub fn identical(&self) -> bool {
        self.max_deviation <= IDENTICAL_TOL
    }
}

/// One gradient step `c − ∇L_σ/(2N)` against one soft-Lloyd step, from the same centers.
pub struct StepRow {
    /// Geometry name.
    pub geometry: &'static str,
    /// The map.
    pub map: Map,
    /// `σ` over the data's total variance.
    pub sigma_rel: f64,
    /// `max_k ‖c_k^grad − c_k^soft-Lloyd‖ / √v̄`.
    pub difference: f64,
}

/// Everything experiment 3 measured.
pub struct TrajectoryResult {
    /// One per geometry.
    pub certificates: Vec<Certificate>,
    /// One per geometry, map and temperature.
    pub rows: Vec<TrajectoryRow>,
    /// One per geometry, map and temperature.
    pub steps: Vec<StepRow>,
}

/// Runs the experiment on every geometry of the plan.
pub fn run(plan: &Plan) -> Result<TrajectoryResult> {
    let parts: Vec<(Certificate, Vec<TrajectoryRow>, Vec<StepRow>)> = plan
        .trajectory_geometries
        .par_iter()
        .map(|&g| one_geometry(&Data::new(g, plan.n_samples, plan.seed)?, plan))
        .collect::<Result<_>>()?;
    let mut out = TrajectoryResult {
        certificates: Vec::new(),
        rows: Vec::new(),
        steps: Vec::new(),
    };
    for (c, r, s) in parts {
        out.certificates.push(c);
        out.rows.extend(r);
        out.steps.extend(s);
    }
    Ok(out)
}

fn one_geometry(
    data: &Data,
    plan: &Plan,
) -> Result<(Certificate, Vec<TrajectoryRow>, Vec<StepRow>)> {
    let (n, d, k) = (data.x.nrows(), data.dim(), data.n_clusters);
    let mut rng = Rng::new(plan.seed).fork(11);
    let rows: Vec<usize> = rng.permutation(n)[..k].to_vec();
    let init = data.x.select(Axis(0), &rows);

    let lloyd = lloyd_trajectory(data, &init, plan.trajectory_iter)?;
    let mut sigma_star = f64::INFINITY;
    let mut argmin_iter = 0;
    for (t, c) in lloyd.iter().enumerate() {
        let centers = Array2::from_shape_vec((k, d), c.clone())?;
        let e = RbfNetwork::new(centers, Map::Entmax15, 1.0)?
            .with_threads(Threads(1))
            .evaluate(data.x.view(), None)?;
        let cert = e.certificate_sigma.unwrap_or(f64::INFINITY);
        if cert < sigma_star {
            sigma_star = cert;
            argmin_iter = t;
        }
    }

    let samples = Samples::new(data.x.view(), None)?;
    let mut out = Vec::new();
    for map in [Map::Entmax15, Map::Softmax] {
        for factor in SIGMA_FACTORS {
            let sigma = factor * sigma_star;
            let soft = soft_trajectory(&samples, &lloyd[0], map, sigma, plan.trajectory_iter)?;
            let per_iter: Vec<f64> = (1..lloyd.len())
                .map(|t| max_row_distance(&soft[t], &lloyd[t], d) / data.scale)
                .collect();
            out.push(TrajectoryRow {
                geometry: data.geometry.name(),
                map,
                factor,
                sigma,
                max_deviation: per_iter.iter().copied().fold(0.0, f64::max),
                per_iter,
            });
        }
    }

    let mut steps = Vec::new();
    for map in SMOOTH_MAPS {
        for sigma_rel in [1e-3, 1e-2, 1e-1, 1.0] {
            let sigma = sigma_rel * data.spread;
            let by_gradient = one_step(&samples, &lloyd[0], map, sigma, Optimizer::LloydStep)?;
            let by_mean = one_step(&samples, &lloyd[0], map, sigma, Optimizer::SoftLloyd)?;
            steps.push(StepRow {
                geometry: data.geometry.name(),
                map,
                sigma_rel,
                difference: max_row_distance(&by_gradient, &by_mean, d) / data.scale,
            });
        }
    }

    let cert = Certificate {
        geometry: data.geometry.name(),
        scale: data.scale,
        n_iter: plan.trajectory_iter,
        sigma_star,
        argmin_iter,
    };
    Ok((cert, out, steps))
}

/// Lloyd's iterates `C_0 … C_T`, each one Lloyd step of the library from the previous one.
fn lloyd_trajectory(data: &Data, init: &Array2<f64>, n_iter: usize) -> Result<Vec<Vec<f64>>> {
    let mut out = vec![flat(init)];
    let mut centers = init.clone();
    for _ in 0..n_iter {
        let fit = KMeansParams::new(data.n_clusters)
            .init(Init::Centers(centers))
            .max_iter(1)
            .tol(0.0)
            .threads(1)
            .fit(data.x.view(), None)?;
        centers = fit.centers().clone();
        out.push(flat(&centers));
    }
    Ok(out)
}

/// The iterates of gradient descent with step `1/(2 N_k)` at a fixed `σ`.
fn soft_trajectory(
    samples: &Samples<'_, f64>,
    init: &[f64],
    map: Map,
    sigma: f64,
    n_iter: usize,
) -> Result<Vec<Vec<f64>>> {
    let mut out = vec![init.to_vec()];
    for _ in 0..n_iter {
        let last = out.last().expect("non-empty").clone();
        out.push(one_step(samples, &last, map, sigma, Optimizer::LloydStep)?);
    }
    Ok(out)
}

fn one_step(
    samples: &Samples<'_, f64>,
    centers: &[f64],
    map: Map,
    sigma: f64,
    optimizer: Optimizer,
) -> Result<Vec<f64>> {
    let mut params = TrainParams::new(map, sigma);
    params.optimizer = optimizer;
    params.max_iter = 1;
    // `train` runs on the current pool; its reductions are in a fixed order, so the result does
    // not depend on `--threads`.
    let result = train(samples, centers.to_vec(), &params)?;
    Ok(result.centers)
}
