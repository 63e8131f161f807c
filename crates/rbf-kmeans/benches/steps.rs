//! The cost of one soft step (softmax, entmax-1.5, sparsemax) relative to one Lloyd step, on one
//! thread, interleaved, as medians over repeats. Run with `cargo bench -p rbf-kmeans`.
//!
//! Each contestant runs `1` and `1 + ITERS` iterations from the same centers; the difference
//! divided by `ITERS` is the marginal cost of an iteration, so set-up cancels out.

use std::time::Instant;

use ndarray::Array2;
use rbf_kmeans::rbf::train::{train, TrainParams};
use rbf_kmeans::rbf::Map;
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Init, KMeansParams, Samples, Threads};

const ITERS: usize = 5;
const REPEATS: usize = 5;

fn blobs(n: usize, d: usize, k: usize, seed: u64) -> (Array2<f32>, Array2<f64>) {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * 3.0).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        (centers[(i % k) * d + j] + 2.0 * rng.normal()) as f32
    });
    let init = Array2::from_shape_fn((k, d), |(j, t)| x[[j * 7 + 1, t]] as f64);
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
    for &(name, n, d, k) in &[
        ("W2-small", 200_000, 32, 64),
        ("W3-small", 50_000, 128, 256),
    ] {
        let (x, init) = blobs(n, d, k, 1);
        let sigma = 4.0;
        let maps = [Map::Softmax, Map::Entmax15, Map::Sparsemax];
        let mut lloyd = Vec::new();
        let mut soft: Vec<Vec<f64>> = vec![Vec::new(); maps.len()];
        for _ in 0..REPEATS {
            lloyd.push(
                (lloyd_seconds(&x, &init, 1 + ITERS) - lloyd_seconds(&x, &init, 1)) / ITERS as f64,
            );
            for (m, out) in maps.iter().zip(soft.iter_mut()) {
                let a = soft_seconds(&x, &init, *m, sigma, 1 + ITERS);
                let b = soft_seconds(&x, &init, *m, sigma, 1);
                out.push((a - b) / ITERS as f64);
            }
        }
        let l = median(lloyd.clone());
        println!(
            "{name} (n={n}, d={d}, k={k}, f32, 1 thread): Lloyd step {:.1} ms",
            l * 1e3
        );
        for (m, s) in maps.iter().zip(soft) {
            let (lo, hi) = (
                s.iter().cloned().fold(f64::INFINITY, f64::min),
                s.iter().cloned().fold(0.0, f64::max),
            );
            println!(
                "  {:<10} soft step {:.1} ms = {:.2}x Lloyd (range {:.1}-{:.1} ms)",
                m.name(),
                median(s.clone()) * 1e3,
                median(s) / l,
                lo * 1e3,
                hi * 1e3
            );
        }
    }
}
