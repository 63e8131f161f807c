//! Experiment 2, Γ-convergence (THEORY.md claim 1): at fixed centers, `L_σ − J` and `J − F_σ`
//! over a log grid of temperatures, against their uniform bounds.

use anyhow::Result;
use ndarray::Array2;
use rayon::prelude::*;
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::rng::Rng;
use rbf_kmeans::Threads;

use super::common::{Data, SMOOTH_MAPS};
use super::plan::Plan;

/// Decades of `σ / spread` the grid covers: `10^LO ..= 10^HI`.
pub const GRID: (i32, i32) = (-4, 2);

/// Size of the random perturbation of the K-Means centers, in data scales `√v̄` per coordinate.
pub const PERTURBATION: f64 = 0.5;

/// One evaluation: a geometry, a set of centers, a map and a temperature.
pub struct GammaRow {
    /// Geometry name.
    pub geometry: &'static str,
    /// `kmeans` or `perturbed`.
    pub centers: &'static str,
    /// The map.
    pub map: Map,
    /// `σ`.
    pub sigma: f64,
    /// `σ` over the data's total variance.
    pub sigma_rel: f64,
    /// Total weight `W` (the number of points).
    pub total_weight: f64,
    /// `J`.
    pub distortion: f64,
    /// `L_σ`.
    pub loss: f64,
    /// `F_σ`.
    pub free_energy: f64,
    /// The bound on `L_σ − J`.
    pub loss_bound: f64,
    /// The bound on `J − F_σ`.
    pub free_energy_bound: f64,
}

impl GammaRow {
    /// `(L_σ − J) / bound`.
    pub fn loss_ratio(&self) -> f64 {
        (self.loss - self.distortion) / self.loss_bound
    }

    /// `(J − F_σ) / bound`.
    pub fn free_energy_ratio(&self) -> f64 {
        (self.distortion - self.free_energy) / self.free_energy_bound
    }
}

/// Evaluates every geometry, center set, map and temperature of the plan.
pub fn run(plan: &Plan) -> Result<Vec<GammaRow>> {
    let grid = Plan::log_grid(GRID.0, GRID.1, plan.gamma_per_decade);
    let per_geometry: Vec<Vec<GammaRow>> = plan
        .gamma_geometries
        .par_iter()
        .map(|&g| {
            let data = Data::new(g, plan.n_samples, plan.seed)?;
            let kmeans = data.kmeans_centers(plan.seed)?;
            let mut rng = Rng::new(plan.seed).fork(7);
            let perturbed = kmeans.mapv(|c| c + PERTURBATION * data.scale * rng.normal());
            let mut rows = Vec::new();
            for (name, centers) in [("kmeans", &kmeans), ("perturbed", &perturbed)] {
                for map in SMOOTH_MAPS {
                    for &t in &grid {
                        rows.push(evaluate(&data, name, centers, map, t)?);
                    }
                }
            }
            Ok(rows)
        })
        .collect::<Result<_>>()?;
    Ok(per_geometry.into_iter().flatten().collect())
}

fn evaluate(
    data: &Data,
    name: &'static str,
    centers: &Array2<f64>,
    map: Map,
    sigma_rel: f64,
) -> Result<GammaRow> {
    let sigma = sigma_rel * data.spread;
    let net = RbfNetwork::new(centers.clone(), map, sigma)?.with_threads(Threads(1));
    let e = net.evaluate(data.x.view(), None)?;
    Ok(GammaRow {
        geometry: data.geometry.name(),
        centers: name,
        map,
        sigma,
        sigma_rel,
        total_weight: data.x.nrows() as f64,
        distortion: e.distortion,
        loss: e.loss,
        free_energy: e.free_energy,
        loss_bound: e.bound.unwrap_or(f64::NAN),
        free_energy_bound: e.free_energy_bound,
    })
}
