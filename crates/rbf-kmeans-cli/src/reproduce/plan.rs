//! What a run of `reproduce` computes: the sizes of every experiment, full or quick.

use rbf_kmeans::datasets::Geometry;

/// The geometries on which annealing is compared with k-means++ (experiment 5): the ones where a
/// single k-means++ start often lands in a poor local minimum.
pub const HARD_GEOMETRIES: [Geometry; 6] = [
    Geometry::Overlapping,
    Geometry::UnequalVariance,
    Geometry::Unbalanced,
    Geometry::Anisotropic,
    Geometry::Blobs32d,
    Geometry::Overclustered,
];

/// The sizes of every experiment.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Whether this is the `--quick` plan.
    pub quick: bool,
    /// Points per data set.
    pub n_samples: usize,
    /// Base seed: every data set and algorithm seed is derived from it.
    pub seed: u64,
    /// Geometries of the monotone-collapse experiment.
    pub collapse_geometries: Vec<Geometry>,
    /// Geometries of the Γ-convergence experiment.
    pub gamma_geometries: Vec<Geometry>,
    /// Points per decade of the Γ-convergence temperature grid.
    pub gamma_per_decade: usize,
    /// Geometries of the trajectory experiment.
    pub trajectory_geometries: Vec<Geometry>,
    /// Lloyd iterations compared in the trajectory experiment.
    pub trajectory_iter: usize,
    /// Points per decade of the low-temperature grid.
    pub stability_per_decade: usize,
    /// Geometries of the benchmark.
    pub benchmark_geometries: Vec<Geometry>,
    /// Seeds of the benchmark.
    pub benchmark_seeds: usize,
}

impl Plan {
    /// The full plan, or the quick one used by the end-to-end test.
    pub fn new(quick: bool, seed: u64) -> Self {
        if quick {
            Plan {
                quick,
                n_samples: 300,
                seed,
                collapse_geometries: Geometry::ALL.to_vec(),
                gamma_geometries: vec![Geometry::Blobs, Geometry::Overlapping],
                gamma_per_decade: 2,
                trajectory_geometries: vec![Geometry::Blobs, Geometry::Overlapping],
                trajectory_iter: 15,
                stability_per_decade: 1,
                benchmark_geometries: HARD_GEOMETRIES.to_vec(),
                benchmark_seeds: 3,
            }
        } else {
            Plan {
                quick,
                n_samples: 1000,
                seed,
                collapse_geometries: Geometry::ALL.to_vec(),
                gamma_geometries: vec![Geometry::Blobs, Geometry::Overlapping, Geometry::Blobs32d],
                gamma_per_decade: 4,
                trajectory_geometries: vec![
                    Geometry::Blobs,
                    Geometry::Overlapping,
                    Geometry::Unbalanced,
                    Geometry::Blobs32d,
                ],
                trajectory_iter: 30,
                stability_per_decade: 2,
                benchmark_geometries: HARD_GEOMETRIES.to_vec(),
                benchmark_seeds: 20,
            }
        }
    }

    /// `10^lo ..= 10^hi` with `per_decade` points per decade, in decreasing order.
    pub fn log_grid(lo: i32, hi: i32, per_decade: usize) -> Vec<f64> {
        let steps = (hi - lo) as usize * per_decade;
        (0..=steps)
            .map(|s| 10f64.powf(hi as f64 - s as f64 / per_decade as f64))
            .collect()
    }
}
