//! Experiment 1, monotone collapse (THEORY.md claim 5): anneal `σ` from above the critical
//! temperature with warm starts and follow `δ(σ)`, the matched distance of the stage's centers to
//! the K-Means fixed point the run finally reaches.

use anyhow::Result;
use rayon::prelude::*;
use rbf_kmeans::rbf::anneal::{anneal, AnnealParams};
use rbf_kmeans::rbf::Map;
use rbf_kmeans::Threads;

use super::common::{Data, SMOOTH_MAPS};
use super::plan::Plan;

/// A rise of `δ` counts as a violation when it exceeds this many data scales (`√v̄`): rounding
/// in the soft-Lloyd fixed points is far below it, a real rise far above.
pub const VIOLATION_TOL: f64 = 1e-9;

/// One annealing run.
pub struct CollapseRun {
    /// Geometry name.
    pub geometry: &'static str,
    /// The map.
    pub map: Map,
    /// Data dimension.
    pub dim: usize,
    /// `√v̄` of the data.
    pub scale: f64,
    /// The map's critical temperature.
    pub sigma_critical: f64,
    /// `σ` of each stage.
    pub sigmas: Vec<f64>,
    /// `δ(σ)` of each stage.
    pub deltas: Vec<f64>,
    /// Fraction of one-hot points at each stage.
    pub hard_fraction: Vec<f64>,
    /// Distinct centers at each stage.
    pub n_distinct: Vec<usize>,
    /// The centers at the end of each stage, row-major `k × d`.
    pub stage_centers: Vec<Vec<f64>>,
    /// The K-Means fixed point reached, row-major.
    pub final_centers: Vec<f64>,
    /// The points, row-major, when the data are two-dimensional (for the figures); else empty.
    pub points: Vec<f64>,
    /// The label of every point at that fixed point.
    pub labels: Vec<usize>,
    /// Its distortion.
    pub inertia: f64,
}

impl CollapseRun {
    /// Stages `m` with `δ_{m+1} > δ_m + VIOLATION_TOL · scale`.
    pub fn violations(&self) -> usize {
        count_violations(&self.deltas, self.scale)
    }

    /// `δ` at the last stage.
    pub fn final_delta(&self) -> f64 {
        self.deltas.last().copied().unwrap_or(f64::NAN)
    }
}

/// The number of rises of `deltas` by more than `VIOLATION_TOL · scale`.
pub fn count_violations(deltas: &[f64], scale: f64) -> usize {
    deltas
        .windows(2)
        .filter(|w| w[1] > w[0] + VIOLATION_TOL * scale)
        .count()
}

/// Anneals every geometry of the plan with every smooth map.
pub fn run(plan: &Plan) -> Result<Vec<CollapseRun>> {
    let data: Vec<Data> = plan
        .collapse_geometries
        .par_iter()
        .map(|&g| Data::new(g, plan.n_samples, plan.seed))
        .collect::<Result<_>>()?;
    let tasks: Vec<(usize, Map)> = (0..data.len())
        .flat_map(|i| SMOOTH_MAPS.iter().map(move |&m| (i, m)))
        .collect();
    tasks
        .par_iter()
        .map(|&(i, map)| one(&data[i], map, plan.seed))
        .collect()
}

fn one(data: &Data, map: Map, seed: u64) -> Result<CollapseRun> {
    let mut params = AnnealParams::new(data.n_clusters, map);
    params.seed = seed;
    params.threads = Threads(1);
    let result = anneal(&params, data.x.view(), None, &|_| {})?;
    let fit = &result.kmeans;
    Ok(CollapseRun {
        geometry: data.geometry.name(),
        map,
        dim: data.dim(),
        scale: data.scale,
        sigma_critical: result.sigma_critical,
        sigmas: result.stages.iter().map(|s| s.sigma).collect(),
        deltas: result.stages.iter().map(|s| s.delta).collect(),
        hard_fraction: result.stages.iter().map(|s| s.hard_fraction).collect(),
        n_distinct: result.stages.iter().map(|s| s.n_distinct_centers).collect(),
        stage_centers: result.stage_centers.clone(),
        final_centers: fit.centers().iter().copied().collect(),
        points: if data.dim() == 2 {
            data.x.iter().copied().collect()
        } else {
            Vec::new()
        },
        labels: fit.labels.clone(),
        inertia: fit.inertia,
    })
}
