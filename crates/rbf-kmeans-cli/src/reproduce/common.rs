//! What the experiments share: data sets with their scales, and small measurements.

use anyhow::{Context, Result};
use ndarray::Array2;
use rbf_kmeans::datasets::{generate, Geometry};
use rbf_kmeans::rbf::Map;
use rbf_kmeans::{KMeansParams, Samples};

/// A generated data set and the scales the experiments measure against.
pub struct Data {
    /// The geometry.
    pub geometry: Geometry,
    /// The points, `n × d`.
    pub x: Array2<f64>,
    /// The number of centers fitted (the geometry's default).
    pub n_clusters: usize,
    /// `√v̄`, with `v̄` the mean per-feature variance: the length scale of the library's
    /// tolerances.
    pub scale: f64,
    /// The total variance `d · v̄`: the typical squared distance of a point to the mean, the unit
    /// of the temperature grids.
    pub spread: f64,
}

impl Data {
    /// `n_samples` points of `geometry` drawn with `seed`.
    pub fn new(geometry: Geometry, n_samples: usize, seed: u64) -> Result<Self> {
        let set = generate(geometry, n_samples, seed)
            .with_context(|| format!("generating {}", geometry.name()))?;
        let variance = Samples::new(set.x.view(), None)?.mean_feature_variance();
        let d = set.x.ncols() as f64;
        Ok(Data {
            geometry,
            n_clusters: geometry.default_n_clusters(),
            scale: variance.sqrt(),
            spread: d * variance,
            x: set.x,
        })
    }

    /// The dimension `d`.
    pub fn dim(&self) -> usize {
        self.x.ncols()
    }

    /// A good K-Means solution: the best of 8 k-means++ starts, run to convergence.
    pub fn kmeans_centers(&self, seed: u64) -> Result<Array2<f64>> {
        let fit = KMeansParams::new(self.n_clusters)
            .n_init(8)
            .max_iter(500)
            .tol(0.0)
            .seed(seed)
            .threads(1)
            .fit(self.x.view(), None)?;
        Ok(fit.centers().clone())
    }
}

/// The maps the annealing and Γ experiments compare, in the order they are drawn.
pub const SMOOTH_MAPS: [Map; 3] = [Map::Softmax, Map::Entmax15, Map::Sparsemax];

/// `max_k ‖a_k − b_k‖` for two row-major `k × d` sets compared index by index.
pub fn max_row_distance(a: &[f64], b: &[f64], d: usize) -> f64 {
    a.chunks_exact(d)
        .zip(b.chunks_exact(d))
        .map(|(p, q)| {
            p.iter()
                .zip(q)
                .map(|(u, v)| (u - v) * (u - v))
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max)
}

/// The row-major entries of a standard-layout array.
pub fn flat(a: &Array2<f64>) -> Vec<f64> {
    a.iter().copied().collect()
}

/// A label for a map in tables and legends.
pub fn map_label(map: Map) -> &'static str {
    match map {
        Map::Softmax => "softmax",
        Map::SoftmaxNaive => "softmax-naive",
        Map::Entmax15 => "entmax-1.5",
        Map::Sparsemax => "sparsemax",
        Map::Hard => "hard",
        Map::Entmax { .. } => "entmax",
    }
}
