//! The cost of one soft step (softmax, entmax-1.5, sparsemax) relative to one Lloyd step, on one
//! thread, interleaved, as medians over repeats. Run with `cargo bench -p rbf-kmeans`.
//!
//! The data follow the shared harness (`bench/peers.py`): blob centers `~ N(0, s² I)` with
//! `s = 4/√(2d)`, unit-variance noise, initial centers drawn from the rows. By default the
//! workloads are W2 and W3 shrunk to a fifth and a quarter of their rows (`W2-small`,
//! `W3-small`); `STEPS_FULL=1` runs the full W2 (1M × 32, k = 64) and W3 (200k × 128, k = 256).
//! Two temperatures: `σ = d`, the harness's NumPy soft step (about the within-cluster squared
//! distance, where every map is dense), and `σ = 1`, where entmax-1.5 and sparsemax are sparse.
//! `STEPS_ITERS` and `STEPS_REPEATS` override the iteration and repeat counts, `STEPS_MAP` (a
//! map name) runs one map only and
//! `STEPS_WORKLOAD` (a workload name) one workload only, `STEPS_SIGMA` one temperature only.
//!
//! Each contestant runs `1` and `1 + ITERS` iterations from the same centers; the difference
//! divided by `ITERS` is the marginal cost of an iteration, so set-up cancels out.

use std::time::Instant;

use ndarray::Array2;
use rbf_kmeans::rbf::train::{train, TrainParams};
use rbf_kmeans::rbf::Map;
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Init, KMeansParams, Samples, Threads};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Blobs as the shared harness makes them, in `f32`, with `k` distinct rows as initial centers.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> (Array2<f32>, Array2<f64>) {
    let mut rng = Rng::new(seed);
    let s = 4.0 / (2.0 * d as f64).sqrt();
    let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * s).collect();
    let labels: Vec<usize> = (0..n).map(|_| rng.below(k)).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        (centers[labels[i] * d + j] + rng.normal()) as f32
    });
    let picks = &rng.permutation(n)[..k];
    let init = Array2::from_shape_fn((k, d), |(j, t)| x[[picks[j], t]] as f64);
    (x, init)
}

fn lloyd_seconds(x: &Array2<f32>, init: &Array2<f64>, iters: usize) -> f64 {
    let t = Instant::now();
    KMeansParams::new(init.nrows())
        .init(Init::Centers(init.clone()))
        .max_iter(iters)
        .tol(0.0)
        .threads(1)
        .fit(x.view(), None)
        .expect("fit");
    t.elapsed().as_secs_f64()
}

fn soft_seconds(x: &Array2<f32>, init: &Array2<f64>, map: Map, sigma: f64, iters: usize) -> f64 {
    let t = Instant::now();
    let samples = Samples::new(x.view(), None).expect("data");
    let c: Vec<f32> = init.iter().map(|&v| v as f32).collect();
    let mut p = TrainParams::new(map, sigma);
    p.max_iter = iters;
    Threads(1)
        .install(|| train(&samples, c, &p).expect("train"))
        .expect("pool");
    t.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let iters = env_usize("STEPS_ITERS", 3);
    let repeats = env_usize("STEPS_REPEATS", 3);
    let full = env_usize("STEPS_FULL", 0) != 0;
    let workloads: &[(&str, usize, usize, usize)] = if full {
        &[("W2", 1_000_000, 32, 64), ("W3", 200_000, 128, 256)]
    } else {
        &[
            ("W2-small", 200_000, 32, 64),
            ("W3-small", 50_000, 128, 256),
        ]
    };
    let only = std::env::var("STEPS_MAP").ok();
    let maps: Vec<Map> = [Map::Softmax, Map::Entmax15, Map::Sparsemax]
        .into_iter()
        .filter(|m| only.as_deref().is_none_or(|o| o == m.name()))
        .collect();
    let only_workload = std::env::var("STEPS_WORKLOAD").ok();
    for &(name, n, d, k) in workloads {
        if only_workload.as_deref().is_some_and(|w| w != name) {
            continue;
        }
        let (x, init) = blobs(n, d, k, 1);
        let sigmas: Vec<f64> = match std::env::var("STEPS_SIGMA")
            .ok()
            .and_then(|v| v.parse().ok())
        {
            Some(sigma) => vec![sigma],
            None => vec![d as f64, 1.0],
        };
        let mut lloyd = Vec::new();
        let mut soft: Vec<Vec<f64>> = vec![Vec::new(); maps.len() * sigmas.len()];
        for _ in 0..repeats {
            let marginal = |f: &dyn Fn(usize) -> f64| (f(1 + iters) - f(1)) / iters as f64;
            lloyd.push(marginal(&|t| lloyd_seconds(&x, &init, t)));
            for (i, out) in soft.iter_mut().enumerate() {
                let (map, sigma) = (maps[i % maps.len()], sigmas[i / maps.len()]);
                out.push(marginal(&|t| soft_seconds(&x, &init, map, sigma, t)));
            }
        }
        let l = median(lloyd);
        println!(
            "{name} (n={n}, d={d}, k={k}, f32, 1 thread): Lloyd step {:.1} ms",
            l * 1e3
        );
        for (i, s) in soft.into_iter().enumerate() {
            let (map, sigma) = (maps[i % maps.len()], sigmas[i / maps.len()]);
            let lo = s.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = s.iter().cloned().fold(0.0, f64::max);
            println!(
                "  {:<10} sigma={:<4} soft step {:.1} ms = {:.2}x Lloyd (range {:.1}-{:.1} ms)",
                map.name(),
                sigma,
                median(s.clone()) * 1e3,
                median(s) / l,
                lo * 1e3,
                hi * 1e3
            );
        }
    }
}
