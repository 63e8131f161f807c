//! Experiment 4, stability at low temperature (THEORY.md claim 4): naive softmax, stabilised
//! softmax and entmax-1.5 at fixed K-Means centers as `σ` falls from the data's spread to
//! `10⁻¹²` of it.

use anyhow::Result;
use ndarray::Array2;
use rayon::prelude::*;
use rbf_kmeans::datasets::Geometry;
use rbf_kmeans::rbf::gradient::GradientKind;
use rbf_kmeans::rbf::objective::Objective;
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::Threads;

use super::common::Data;
use super::plan::Plan;

/// The maps compared.
pub const MAPS: [Map; 3] = [Map::SoftmaxNaive, Map::Softmax, Map::Entmax15];

/// Decades of `σ / spread`: `10^LO ..= 10^HI`.
pub const GRID: (i32, i32) = (-12, 0);

/// The geometries.
pub const GEOMETRIES: [Geometry; 2] = [Geometry::Blobs, Geometry::Overlapping];

/// One map at one temperature.
pub struct StabilityRow {
    /// Geometry name.
    pub geometry: &'static str,
    /// The map.
    pub map: Map,
    /// `σ` over the data's total variance.
    pub sigma_rel: f64,
    /// Number of points.
    pub n_samples: usize,
    /// Points whose responsibilities contain a NaN.
    pub nan_rows: usize,
    /// Points whose largest responsibility is at their nearest center (lowest index on ties);
    /// a NaN row never counts.
    pub kept_rows: usize,
    /// Mean responsibility of the runner-up center over the rows without NaN.
    pub runner_up_mean: f64,
    /// `‖∇L_σ‖` (full gradient, through the responsibilities) over `W √v̄`.
    pub grad_full: f64,
    /// `‖∇L_σ‖` with responsibilities held fixed, over `W √v̄`.
    pub grad_fixed: f64,
    /// The part of the full gradient that flows through the responsibilities, over `W √v̄`.
    pub grad_through_r: f64,
}

/// Runs the experiment.
pub fn run(plan: &Plan) -> Result<Vec<StabilityRow>> {
    let grid = Plan::log_grid(GRID.0, GRID.1, plan.stability_per_decade);
    let parts: Vec<Vec<StabilityRow>> = GEOMETRIES
        .par_iter()
        .map(|&g| {
            let data = Data::new(g, plan.n_samples, plan.seed)?;
            let centers = data.kmeans_centers(plan.seed)?;
            let mut rows = Vec::new();
            for map in MAPS {
                for &t in &grid {
                    rows.push(one(&data, &centers, map, t)?);
                }
            }
            Ok(rows)
        })
        .collect::<Result<_>>()?;
    Ok(parts.into_iter().flatten().collect())
}

fn one(data: &Data, centers: &Array2<f64>, map: Map, sigma_rel: f64) -> Result<StabilityRow> {
    let net =
        RbfNetwork::new(centers.clone(), map, sigma_rel * data.spread)?.with_threads(Threads(1));
    let r = net.responsibilities(data.x.view())?;
    let k = centers.nrows();
    let (mut nan_rows, mut kept_rows, mut runner_up, mut finite_rows) = (0, 0, 0.0, 0);
    for (i, row) in r.outer_iter().enumerate() {
        let dist: Vec<f64> = (0..k)
            .map(|j| {
                let diff = &data.x.row(i) - &centers.row(j);
                diff.dot(&diff)
            })
            .collect();
        let (nearest, second) = two_smallest(&dist);
        if row.iter().any(|v| v.is_nan()) {
            nan_rows += 1;
            continue;
        }
        finite_rows += 1;
        runner_up += row[second];
        let top = (0..k).fold(0, |b, j| if row[j] > row[b] { j } else { b });
        if top == nearest {
            kept_rows += 1;
        }
    }

    let norm = data.x.nrows() as f64 * data.scale;
    let full = net.center_gradient(data.x.view(), None, Objective::Loss, GradientKind::Full)?;
    let fixed = net.center_gradient(
        data.x.view(),
        None,
        Objective::Loss,
        GradientKind::FixedResponsibilities,
    )?;
    let frob = |a: &Array2<f64>| a.iter().map(|v| v * v).sum::<f64>().sqrt() / norm;
    Ok(StabilityRow {
        geometry: data.geometry.name(),
        map,
        sigma_rel,
        n_samples: data.x.nrows(),
        nan_rows,
        kept_rows,
        runner_up_mean: if finite_rows == 0 {
            f64::NAN
        } else {
            runner_up / finite_rows as f64
        },
        grad_full: frob(&full),
        grad_fixed: frob(&fixed),
        grad_through_r: frob(&(&full - &fixed)),
    })
}

/// Indices of the smallest and second-smallest entries (lowest index on ties).
fn two_smallest(dist: &[f64]) -> (usize, usize) {
    let mut order: Vec<usize> = (0..dist.len()).collect();
    order.sort_by(|&a, &b| dist[a].total_cmp(&dist[b]).then(a.cmp(&b)));
    (order[0], order[1])
}
