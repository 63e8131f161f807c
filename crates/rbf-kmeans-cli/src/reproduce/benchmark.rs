//! Experiment 5, beyond the paper: does annealing find better K-Means solutions than k-means++
//! with restarts? Final distortion `J` of each method on the geometries where a single start
//! often lands in a poor local minimum, over many seeds.

use anyhow::Result;
use rayon::prelude::*;
use rbf_kmeans::rbf::anneal::{anneal, AnnealParams};
use rbf_kmeans::rbf::Map;
use rbf_kmeans::{KMeansParams, Threads};

use super::common::Data;
use super::plan::Plan;

/// The methods, in the order of the tables.
pub const METHODS: [&str; 4] = [
    "anneal softmax",
    "anneal entmax-1.5",
    "k-means++ n_init=1",
    "k-means++ n_init=10",
];

/// Two distortions within this relative distance are the same solution (for win counts).
pub const TIE_TOL: f64 = 1e-9;

/// One method on one data set.
pub struct BenchRun {
    /// Geometry name.
    pub geometry: &'static str,
    /// The seed of the data and of the method.
    pub seed: u64,
    /// One of [`METHODS`].
    pub method: &'static str,
    /// Final K-Means distortion `J`.
    pub inertia: f64,
}

/// Runs every method on every geometry and seed of the plan.
pub fn run(plan: &Plan) -> Result<Vec<BenchRun>> {
    let tasks: Vec<(usize, u64)> = (0..plan.benchmark_geometries.len())
        .flat_map(|g| (0..plan.benchmark_seeds as u64).map(move |s| (g, s)))
        .collect();
    let parts: Vec<Vec<BenchRun>> = tasks
        .par_iter()
        .map(|&(g, s)| {
            let seed = plan.seed + s;
            let data = Data::new(plan.benchmark_geometries[g], plan.n_samples, seed)?;
            let mut out = Vec::new();
            for method in METHODS {
                out.push(BenchRun {
                    geometry: data.geometry.name(),
                    seed,
                    method,
                    inertia: distortion(&data, method, seed)?,
                });
            }
            Ok(out)
        })
        .collect::<Result<_>>()?;
    Ok(parts.into_iter().flatten().collect())
}

fn distortion(data: &Data, method: &str, seed: u64) -> Result<f64> {
    let k = data.n_clusters;
    let annealed = |map| -> Result<f64> {
        let mut p = AnnealParams::new(k, map);
        p.seed = seed;
        p.threads = Threads(1);
        Ok(anneal(&p, data.x.view(), None, &|_| {})?.kmeans.inertia)
    };
    let restarts = |n_init| -> Result<f64> {
        let fit = KMeansParams::new(k)
            .n_init(n_init)
            .max_iter(300)
            .tol(0.0)
            .seed(seed)
            .threads(1)
            .fit(data.x.view(), None)?;
        Ok(fit.inertia)
    };
    match method {
        "anneal softmax" => annealed(Map::Softmax),
        "anneal entmax-1.5" => annealed(Map::Entmax15),
        "k-means++ n_init=1" => restarts(1),
        "k-means++ n_init=10" => restarts(10),
        other => unreachable!("unknown method {other}"),
    }
}
