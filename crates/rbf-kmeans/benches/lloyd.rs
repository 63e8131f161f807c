//! The cost of one Lloyd step (assignment + update) on small versions of the workloads W1–W4
//! (see `BENCH.md`), and of the assignment kernel alone on each path. Run with
//! `cargo bench -p rbf-kmeans --bench lloyd`.
//!
//! A step is timed as in `steps.rs`: fits of `1` and `1 + ITERS` iterations from the same
//! centers, the difference divided by `ITERS`, medians over interleaved repeats. The kernel
//! table compares, on one pass over the points, the fused nearest-center kernel on the AVX2 and
//! portable paths against the unfused reference (an `m × k` distance tile, then an argmin).
//! Only ratios within one run mean anything on a shared machine.

use std::time::Instant;

use ndarray::Array2;
use rbf_kmeans::distance::{
    argmin, nearest_centers_on, row_sq_norms, tile_sq_distances, KernelPath, NearestScratch,
    PackedCenters,
};
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Float, Init, KMeansParams};

const ITERS: usize = 4;
const REPEATS: usize = 5;

/// `(name, n, d, k)`: the workloads with `n` cut so that a step takes milliseconds.
const WORKLOADS: &[(&str, usize, usize, usize)] = &[
    ("W1-small", 100_000, 2, 8),
    ("W2-small", 100_000, 32, 64),
    ("W3-small", 20_000, 128, 256),
    ("W4-small", 14_000, 784, 10),
];

/// Overlapping blobs (centers about `2σ` apart whatever `d`), so that Lloyd keeps moving for
/// more than `1 + ITERS` iterations and every timed fit runs all of them.
fn blobs<F: Float>(n: usize, d: usize, k: usize, seed: u64) -> (Array2<F>, Array2<f64>) {
    let mut rng = Rng::new(seed);
    let spread = 2.0 / (2.0 * d as f64).sqrt();
    let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * spread).collect();
    let x = Array2::from_shape_fn((n, d), |(i, j)| {
        F::from_f64_round(centers[(i % k) * d + j] + rng.normal())
    });
    let init = Array2::from_shape_fn((k, d), |(j, t)| x[[j * 7 + 1, t]].to_f64_lossless());
    (x, init)
}

fn fit_seconds<F: Float>(x: &Array2<F>, init: &Array2<f64>, iters: usize, threads: usize) -> f64 {
    let t = Instant::now();
    let fit = KMeansParams::new(init.nrows())
        .init(Init::Centers(init.clone()))
        .max_iter(iters)
        .tol(0.0)
        .threads(threads)
        .fit(x.view(), None)
        .expect("fit");
    let elapsed = t.elapsed().as_secs_f64();
    assert_eq!(fit.n_iter, iters, "the benchmark data converged early");
    elapsed
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One pass of the unfused reference: distance tiles of 256 rows, then an argmin per row.
fn unfused<F: Float>(x: &[F], xn: &[F], c: &[F], cn: &[F], d: usize, labels: &mut [usize]) {
    let k = cn.len();
    let mut tile = vec![F::zero(); 256 * k];
    for ((xc, nc), lc) in x
        .chunks(256 * d)
        .zip(xn.chunks(256))
        .zip(labels.chunks_mut(256))
    {
        let t = &mut tile[..lc.len() * k];
        tile_sq_distances(xc, nc, c, cn, d, t);
        for (l, row) in lc.iter_mut().zip(t.chunks_exact(k)) {
            *l = argmin(row);
        }
    }
}

fn kernels<F: Float>(name: &str, x: &Array2<F>, init: &Array2<f64>) {
    let (n, d, k) = (x.nrows(), x.ncols(), init.nrows());
    let x = x.as_slice().expect("standard layout");
    let c: Vec<F> = init.iter().map(|&v| F::from_f64_round(v)).collect();
    let mut xn = vec![F::zero(); n];
    let mut cn = vec![F::zero(); k];
    row_sq_norms(x, d, &mut xn);
    row_sq_norms(&c, d, &mut cn);
    let mut packed = PackedCenters::new(k, d);
    packed.pack(&c);
    let mut scratch = NearestScratch::new();
    let mut labels = vec![0; n];
    let mut dist = vec![F::zero(); n];

    let paths: Vec<KernelPath> = [KernelPath::Avx2, KernelPath::Portable]
        .into_iter()
        .filter(|p| p.is_available())
        .collect();
    let mut fused: Vec<Vec<f64>> = vec![Vec::new(); paths.len()];
    let mut reference = Vec::new();
    for _ in 0..REPEATS {
        for (p, out) in paths.iter().zip(fused.iter_mut()) {
            let t = Instant::now();
            nearest_centers_on(*p, x, &xn, &packed, &mut scratch, &mut labels, &mut dist);
            out.push(t.elapsed().as_secs_f64());
        }
        let t = Instant::now();
        unfused(x, &xn, &c, &cn, d, &mut labels);
        reference.push(t.elapsed().as_secs_f64());
    }
    let r = median(reference);
    print!("  {name} {}: tile+argmin {:.2} ms", F::NAME, r * 1e3);
    for (p, s) in paths.iter().zip(fused) {
        let m = median(s);
        print!(", fused {p:?} {:.2} ms ({:.2}x)", m * 1e3, m / r);
    }
    println!();
}

fn steps<F: Float>(name: &str, x: &Array2<F>, init: &Array2<f64>) {
    let mut per: Vec<Vec<f64>> = vec![Vec::new(); 2];
    for _ in 0..REPEATS {
        for (t, out) in [1, 2].iter().zip(per.iter_mut()) {
            let a = fit_seconds(x, init, 1 + ITERS, *t);
            let b = fit_seconds(x, init, 1, *t);
            out.push((a - b) / ITERS as f64);
        }
    }
    let one = median(per[0].clone());
    let two = median(per[1].clone());
    println!(
        "  {name} {}: Lloyd step {:.2} ms on 1 thread, {:.2} ms on 2 ({:.2}x)",
        F::NAME,
        one * 1e3,
        two * 1e3,
        two / one
    );
}

fn main() {
    println!("One Lloyd step (assignment + update), medians of {REPEATS}:");
    for &(name, n, d, k) in WORKLOADS {
        let (x32, init) = blobs::<f32>(n, d, k, 1);
        steps(name, &x32, &init);
        let (x64, init) = blobs::<f64>(n, d, k, 1);
        steps(name, &x64, &init);
    }
    println!("Assignment kernel alone, one pass, 1 thread:");
    for &(name, n, d, k) in WORKLOADS {
        let (x32, init) = blobs::<f32>(n, d, k, 1);
        kernels(name, &x32, &init);
        let (x64, init) = blobs::<f64>(n, d, k, 1);
        kernels(name, &x64, &init);
    }
}
