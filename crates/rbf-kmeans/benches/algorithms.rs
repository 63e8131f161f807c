//! Lloyd, Elkan, Hamerly and `auto` on scaled-down BENCH.md workloads and on well-separated
//! blobs, f32, interleaved, as medians over repeats. Run with
//! `cargo bench -p rbf-kmeans --bench algorithms` (add `-- 2` for two threads).
//!
//! Each contestant runs `1` and `1 + ITERS` iterations from the same centers with `tol = 0`; the
//! difference divided by `ITERS` is the marginal cost of an iteration, so set-up, the first
//! (full) pass and the final exact pass cancel out. All four give identical labels, which is
//! checked here too.
//!
//! A second table times whole fits until the labels are stable (`tol = 0`, at most 100
//! iterations) from the same centers, which is what `auto` is for: early iterations, where most
//! points change cluster, favour Lloyd; late ones, where few do, favour pruning.
//! `ALGO_TABLES=per-iteration` or `=whole` runs one table only.

use std::time::Instant;

use ndarray::Array2;
use rbf_kmeans::datasets::{generate, Geometry};
use rbf_kmeans::kmeans::Algorithm;
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Init, KMeansParams};

const ITERS: usize = 10;
const REPEATS: usize = 5;
const CONTESTANTS: [Algorithm; 4] = [
    Algorithm::Lloyd,
    Algorithm::Elkan,
    Algorithm::Hamerly,
    Algorithm::Auto,
];

/// Blobs with moderate overlap (as BENCH.md's workloads) or well separated.
fn blobs(n: usize, d: usize, k: usize, spread: f64, seed: u64) -> Array2<f32> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * spread).collect();
    Array2::from_shape_fn((n, d), |(i, j)| {
        (centers[(i % k) * d + j] + 2.0 * rng.normal()) as f32
    })
}

/// Rows spread through the data (blobs are interleaved, so these start in different blobs).
fn init(x: &Array2<f32>, k: usize) -> Array2<f64> {
    Array2::from_shape_fn((k, x.ncols()), |(j, t)| x[[j * 7 + 1, t]] as f64)
}

fn fit(
    x: &Array2<f32>,
    c: &Array2<f64>,
    a: Algorithm,
    iters: usize,
    threads: usize,
) -> (f64, Vec<usize>, Algorithm, usize) {
    fit_with_tol(x, c, a, iters, 0.0, threads)
}

fn fit_with_tol(
    x: &Array2<f32>,
    c: &Array2<f64>,
    a: Algorithm,
    iters: usize,
    tol: f64,
    threads: usize,
) -> (f64, Vec<usize>, Algorithm, usize) {
    let t = Instant::now();
    let f = KMeansParams::new(c.nrows())
        .init(Init::Centers(c.clone()))
        .max_iter(iters)
        .tol(tol)
        .threads(threads)
        .algorithm(a)
        .fit(x.view(), None)
        .expect("fit");
    (t.elapsed().as_secs_f64(), f.labels, f.algorithm, f.n_iter)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let threads: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1);
    let mut cases: Vec<(&str, Array2<f32>, usize)> = vec![
        ("W1 100k×2 k8", blobs(100_000, 2, 8, 3.0, 1), 8),
        ("W2/5 200k×32 k64", blobs(200_000, 32, 64, 3.0, 2), 64),
        ("W3/4 50k×128 k256", blobs(50_000, 128, 256, 3.0, 3), 256),
        ("W4/3 23k×784 k10", blobs(23_000, 784, 10, 3.0, 4), 10),
        ("sep 200k×32 k64", blobs(200_000, 32, 64, 12.0, 5), 64),
        ("sep 100k×2 k32", blobs(100_000, 2, 32, 40.0, 6), 32),
        ("overlap 100k×2 k32", blobs(100_000, 2, 32, 3.0, 7), 32),
    ];
    for (name, geometry, n, k) in [
        ("blobs 300k×2 k3", Geometry::Blobs, 300_000, 3),
        ("blobs-32d 200k×32 k5", Geometry::Blobs32d, 200_000, 5),
    ] {
        let x = generate(geometry, n, 1)
            .expect("dataset")
            .x
            .mapv(|v| v as f32);
        cases.push((name, x, k));
    }

    let tables = std::env::var("ALGO_TABLES").unwrap_or_default();
    if tables != "whole" {
        per_iteration(&cases, threads);
    }
    if tables != "per-iteration" {
        whole_fits(&cases, threads);
    }
}

/// Whole fits until the labels are stable, from the same centers: seconds (median of 3) and ratio to Lloyd.
fn whole_fits(cases: &[(&str, Array2<f32>, usize)], threads: usize) {
    const WHOLE_REPEATS: usize = 3;
    println!();
    println!("f32, {threads} thread(s), whole fit until the labels are stable (≤ 100 iterations), ms (median of {WHOLE_REPEATS}), ratio to Lloyd");
    println!(
        "{:<22} {:>16} {:>14} {:>14} {:>14} {:>9}",
        "workload", "lloyd", "elkan", "hamerly", "auto", "auto/best"
    );
    for (name, x, k) in cases {
        let c = init(x, *k);
        let mut times: Vec<Vec<f64>> = vec![Vec::new(); CONTESTANTS.len()];
        let mut n_iter = 0;
        let mut reference: Option<Vec<usize>> = None;
        for rep in 0..WHOLE_REPEATS {
            for s in 0..CONTESTANTS.len() {
                let idx = (s + rep) % CONTESTANTS.len();
                let a = CONTESTANTS[idx];
                let (secs, labels, _, iters) = fit_with_tol(x, &c, a, 100, 0.0, threads);
                times[idx].push(secs);
                n_iter = iters;
                match &reference {
                    None => reference = Some(labels),
                    Some(r) => assert!(*r == labels, "{name}: {a:?} labels differ"),
                }
            }
        }
        let m: Vec<f64> = times.iter().map(|v| median(v.clone())).collect();
        let best = m[..3].iter().cloned().fold(f64::INFINITY, f64::min);
        println!(
            "{:<22} {:>16} {:>14} {:>14} {:>14} {:>9.2}",
            name,
            format!("{:.1} ms /{n_iter}", m[0] * 1e3),
            format!("{:.2}x", m[1] / m[0]),
            format!("{:.2}x", m[2] / m[0]),
            format!("{:.2}x", m[3] / m[0]),
            m[3] / best
        );
    }
}

/// Marginal cost per iteration over the first `ITERS` iterations.
fn per_iteration(cases: &[(&str, Array2<f32>, usize)], threads: usize) {
    println!(
        "f32, {threads} thread(s), ms per iteration (median of {REPEATS}, range), ratio to Lloyd; /n: iterations run"
    );
    println!(
        "{:<22} {:>16} {:>22} {:>22} {:>30} {:>9}",
        "workload", "lloyd", "elkan", "hamerly", "auto", "auto/best"
    );
    for (name, x, k) in cases {
        let c = init(x, *k);
        let mut per_iter: Vec<Vec<f64>> = vec![Vec::new(); CONTESTANTS.len()];
        let mut chosen = Algorithm::Auto;
        let mut n_iter = 0;
        let mut reference: Option<Vec<usize>> = None;
        for rep in 0..REPEATS {
            // Rotate the order so no contestant always runs right after the same one.
            for s in 0..CONTESTANTS.len() {
                let idx = (s + rep) % CONTESTANTS.len();
                let a = CONTESTANTS[idx];
                let (long, labels, used, iters) = fit(x, &c, a, 1 + ITERS, threads);
                let (short, _, _, _) = fit(x, &c, a, 1, threads);
                // A fit may converge before `1 + ITERS`; divide by the iterations it ran.
                per_iter[idx].push((long - short) / (iters.max(2) - 1) as f64);
                n_iter = iters;
                if a == Algorithm::Auto {
                    chosen = used;
                }
                match &reference {
                    None => reference = Some(labels),
                    Some(r) => assert!(*r == labels, "{name}: {a:?} labels differ"),
                }
            }
        }
        let cell = |v: &Vec<f64>, base: f64| {
            let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = v.iter().cloned().fold(0.0, f64::max);
            let m = median(v.clone());
            format!(
                "{:.2} ({:.2}-{:.2}) {:.2}x",
                m * 1e3,
                lo * 1e3,
                hi * 1e3,
                m / base
            )
        };
        let lloyd = median(per_iter[0].clone());
        let best = per_iter[..3]
            .iter()
            .map(|v| median(v.clone()))
            .fold(f64::INFINITY, f64::min);
        let auto = median(per_iter[3].clone());
        println!(
            "{:<22} {:>16} {:>22} {:>22} {:>30} {:>9.2}",
            name,
            format!("{:.2} ms /{n_iter}", lloyd * 1e3),
            cell(&per_iter[1], lloyd),
            cell(&per_iter[2], lloyd),
            format!("{} [{chosen:?}]", cell(&per_iter[3], lloyd)),
            auto / best
        );
    }
}
