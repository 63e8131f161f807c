//! `rbf-kmeans demo`: K-Means on built-in synthetic blobs, with a summary.

use anyhow::Result;
use ndarray::Array2;
use rbf_kmeans::rng::Rng;
use rbf_kmeans::KMeansParams;

use crate::cli::DemoArgs;

pub fn run(args: DemoArgs, quiet: bool) -> Result<()> {
    let k = 5;
    let mut rng = Rng::new(args.seed);
    let centers: Vec<[f64; 2]> = (0..k)
        .map(|j| {
            let a = std::f64::consts::TAU * j as f64 / k as f64;
            [6.0 * a.cos(), 6.0 * a.sin()]
        })
        .collect();
    let truth: Vec<usize> = (0..args.n).map(|_| rng.below(k)).collect();
    let x = Array2::from_shape_fn((args.n, 2), |(i, j)| centers[truth[i]][j] + rng.normal());

    let fit = KMeansParams::new(k)
        .n_init(4)
        .seed(args.seed)
        .threads(args.threads)
        .fit(x.view(), None)?;
    if quiet {
        return Ok(());
    }
    println!(
        "demo: K-Means (k-means++, 4 restarts) on {} points from {k} Gaussian blobs",
        args.n
    );
    println!(
        "inertia {:.4}, {} iterations, stopped: {:?}",
        fit.inertia, fit.n_iter, fit.stop_reason
    );
    println!(
        "{:>7} {:>10} {:>10} {:>8} {:>12}",
        "cluster", "center x", "center y", "size", "inertia"
    );
    for (j, c) in fit.centers().outer_iter().enumerate() {
        println!(
            "{j:>7} {:>10.4} {:>10.4} {:>8} {:>12.4}",
            c[0], c[1], fit.cluster_sizes[j], fit.cluster_inertia[j]
        );
    }
    let agree = purity(&fit.labels, &truth, k);
    println!(
        "agreement with the generating blobs (purity): {:.2}%",
        100.0 * agree
    );
    Ok(())
}

/// Fraction of points whose cluster's majority true label is their own.
fn purity(labels: &[usize], truth: &[usize], k: usize) -> f64 {
    let mut counts = vec![vec![0usize; k]; k];
    for (&l, &t) in labels.iter().zip(truth) {
        counts[l][t] += 1;
    }
    let hit: usize = counts
        .iter()
        .map(|row| row.iter().max().copied().unwrap_or(0))
        .sum();
    hit as f64 / labels.len() as f64
}
