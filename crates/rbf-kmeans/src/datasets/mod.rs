//! Seeded generators of synthetic data sets for clustering experiments.
//!
//! [`generate`] draws `n_samples` points of a [`Geometry`] together with their ground-truth
//! labels. The geometries are toy problems in the spirit of the classic side-by-side comparison
//! of clustering algorithms: some suit K-Means (convex, well-separated blobs), some defeat it
//! (stretched, unequal, non-convex clusters), one has no clusters at all.
//!
//! | name | description | true clusters | default k | dimension |
//! |---|---|---|---|---|
//! | `blobs` | Three isotropic Gaussian blobs (std 1) with well-separated centers. | 3 | 3 | 2 |
//! | `anisotropic` | Three Gaussian blobs stretched 10:1 by a linear map, so Euclidean distance misleads. | 3 | 3 | 2 |
//! | `unequal-variance` | Three Gaussian blobs with standard deviations 0.5, 1.5 and 3. | 3 | 3 | 2 |
//! | `unbalanced` | Three Gaussian blobs (std 1) with sizes in the ratio 10:3:1. | 3 | 3 | 2 |
//! | `overlapping` | Three Gaussian blobs (std 1) whose centers are about two standard deviations apart. | 3 | 3 | 2 |
//! | `two-moons` | Two interleaving half circles with noise: non-convex clusters. | 2 | 2 | 2 |
//! | `rings` | Two noisy concentric circles of radii 1 and 0.5. | 2 | 2 | 2 |
//! | `uniform-square` | Points uniform on the unit square: no cluster structure. | 1 | 4 | 2 |
//! | `blobs-32d` | Five isotropic Gaussian blobs (std 1) in 32 dimensions. | 5 | 5 | 32 |
//! | `overclustered` | Three tight, well-separated blobs fitted with k = 6, more clusters than exist. | 3 | 6 | 2 |
//!
//! The exact layouts (centers, spreads, noise levels) are documented in the generators' source
//! modules and fixed by tests; they are part of the reproducibility contract just like the
//! random stream.
//!
//! # Reproducibility
//!
//! Everything is a function of `(geometry, n_samples, seed)`. The seed's generator is forked
//! into three independent streams: one for the layout (only the 32-dimensional centers are
//! random), one for the points, and one for the final shuffle. The layout therefore does not
//! depend on `n_samples`: the same seed gives the same 32-dimensional centers at every size.
//!
//! Cluster sizes are fixed, not random: `n_samples` is split between the clusters in
//! proportion to their weights by the largest-remainder rule, after giving every cluster one
//! point when `n_samples` is at least the number of clusters. The rows are then shuffled, so
//! clusters are never contiguous.
//!
//! # Example
//!
//! ```
//! use rbf_kmeans::datasets::{generate, Geometry};
//!
//! let data = generate(Geometry::parse("two-moons")?, 200, 7)?;
//! assert_eq!(data.x.dim(), (200, 2));
//! assert!(data.labels.iter().all(|&label| label < data.n_true_clusters));
//! # Ok::<(), rbf_kmeans::Error>(())
//! ```

mod blobs;
mod geometry;
mod shapes;

pub use geometry::Geometry;

use ndarray::{Array2, Axis};

use crate::error::{Error, Result};
use crate::rng::Rng;
use blobs::Mixture;

/// A generated data set: points, their ground-truth labels and the geometry they came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// The points, one per row: shape `(n_samples, geometry.dimension())`, all finite.
    pub x: Array2<f64>,
    /// The ground-truth cluster of each row, in `0..n_true_clusters`. For
    /// [`Geometry::UniformSquare`], which has no clusters, every label is 0.
    pub labels: Vec<usize>,
    /// The number of clusters the points were drawn from ([`Geometry::n_true_clusters`]). Every
    /// label in that range occurs at least once when `n_samples >= n_true_clusters`.
    pub n_true_clusters: usize,
    /// The geometry that produced the points.
    pub geometry: Geometry,
}

/// Draws exactly `n_samples` points of `geometry` with their ground-truth labels, as a
/// deterministic function of `seed`.
///
/// # Errors
/// [`Error::InvalidParameter`] naming `n_samples` when it is 0, or so large that the array's
/// size in bytes does not fit in an `isize`.
pub fn generate(geometry: Geometry, n_samples: usize, seed: u64) -> Result<Dataset> {
    check_n_samples(geometry, n_samples)?;

    let root = Rng::new(seed);
    let mut layout_rng = root.fork(0);
    let mut point_rng = root.fork(1);
    let mut shuffle_rng = root.fork(2);

    let (x, labels) = match geometry {
        Geometry::Moons => shapes::moons(n_samples, &mut point_rng),
        Geometry::Rings => shapes::rings(n_samples, &mut point_rng),
        Geometry::UniformSquare => shapes::uniform_square(n_samples, &mut point_rng),
        Geometry::Blobs => Mixture::blobs().sample(n_samples, &mut point_rng),
        Geometry::Anisotropic => Mixture::anisotropic().sample(n_samples, &mut point_rng),
        Geometry::UnequalVariance => Mixture::unequal_variance().sample(n_samples, &mut point_rng),
        Geometry::Unbalanced => Mixture::unbalanced().sample(n_samples, &mut point_rng),
        Geometry::Overlapping => Mixture::overlapping().sample(n_samples, &mut point_rng),
        Geometry::Blobs32d => Mixture::blobs_32d(&mut layout_rng).sample(n_samples, &mut point_rng),
        Geometry::Overclustered => Mixture::overclustered().sample(n_samples, &mut point_rng),
    };
    debug_assert_eq!(x.dim(), (n_samples, geometry.dimension()));

    // The generators emit clusters one after the other; a caller taking a prefix or a
    // mini-batch should see every cluster, not only the first.
    let order = shuffle_rng.permutation(n_samples);
    let x = x.select(Axis(0), &order);
    let labels = order.iter().map(|&i| labels[i]).collect();

    Ok(Dataset {
        x,
        labels,
        n_true_clusters: geometry.n_true_clusters(),
        geometry,
    })
}

fn check_n_samples(geometry: Geometry, n_samples: usize) -> Result<()> {
    if n_samples == 0 {
        return Err(Error::InvalidParameter {
            name: "n_samples",
            reason: "must be at least 1".to_string(),
        });
    }
    let fits = n_samples
        .checked_mul(geometry.dimension())
        .and_then(|len| len.checked_mul(std::mem::size_of::<f64>()))
        .is_some_and(|bytes| bytes <= isize::MAX as usize);
    if !fits {
        return Err(Error::InvalidParameter {
            name: "n_samples",
            reason: format!(
                "{n_samples} points of dimension {} do not fit in memory",
                geometry.dimension()
            ),
        });
    }
    Ok(())
}

/// Splits `n` points between clusters in proportion to integer `weights`, exactly.
///
/// When `n >= weights.len()` every cluster first gets one point; the rest is shared by the
/// largest-remainder rule (ties to the lower index), so each size is within one point of its
/// exact share of the rest. When `n` is smaller, one point goes to each of the `n` clusters with
/// the largest weights.
fn split_sizes(n: usize, weights: &[usize]) -> Vec<usize> {
    let k = weights.len();
    let total: usize = weights.iter().sum();
    assert!(
        k > 0 && total > 0,
        "split_sizes: weights must have a positive sum"
    );

    if n < k {
        let mut by_weight: Vec<usize> = (0..k).collect();
        by_weight.sort_by_key(|&i| (std::cmp::Reverse(weights[i]), i));
        let mut sizes = vec![0; k];
        for &i in &by_weight[..n] {
            sizes[i] = 1;
        }
        return sizes;
    }

    let rest = n - k;
    let mut sizes: Vec<usize> = weights.iter().map(|&w| 1 + rest * w / total).collect();
    let given: usize = sizes.iter().sum::<usize>() - k;

    let mut by_remainder: Vec<usize> = (0..k).collect();
    by_remainder.sort_by_key(|&i| (std::cmp::Reverse(rest * weights[i] % total), i));
    for &i in by_remainder.iter().take(rest - given) {
        sizes[i] += 1;
    }
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array1;

    /// The rows of `data` whose label is `label`.
    pub(super) fn rows_of(data: &Dataset, label: usize) -> Array2<f64> {
        let rows: Vec<usize> = (0..data.labels.len())
            .filter(|&i| data.labels[i] == label)
            .collect();
        data.x.select(Axis(0), &rows)
    }

    /// The column means of `x`.
    pub(super) fn mean(x: &Array2<f64>) -> Array1<f64> {
        x.mean_axis(Axis(0)).expect("at least one row")
    }

    /// The (biased) covariance matrix of the rows of `x`.
    pub(super) fn covariance(x: &Array2<f64>) -> Array2<f64> {
        let centred = x - &mean(x);
        centred.t().dot(&centred) / x.nrows() as f64
    }

    #[test]
    fn same_seed_same_data_and_different_seed_different_data() {
        for g in Geometry::ALL {
            let a = generate(g, 97, 11).unwrap();
            let b = generate(g, 97, 11).unwrap();
            let c = generate(g, 97, 12).unwrap();
            assert_eq!(a, b, "{g}");
            assert_ne!(a.x, c.x, "{g}");
        }
    }

    #[test]
    fn sizes_shapes_labels_and_values() {
        for g in Geometry::ALL {
            for n in [1, 2, 3, 5, 6, 7, 31, 100, 1001] {
                let data = generate(g, n, 3).unwrap();
                assert_eq!(data.x.dim(), (n, g.dimension()), "{g} n={n}");
                assert_eq!(data.labels.len(), n, "{g} n={n}");
                assert_eq!(data.geometry, g);
                assert_eq!(data.n_true_clusters, g.n_true_clusters());
                assert!(
                    data.labels.iter().all(|&l| l < data.n_true_clusters),
                    "{g} n={n}"
                );
                assert!(data.x.iter().all(|v| v.is_finite()), "{g} n={n}");
            }
        }
    }

    #[test]
    fn every_true_cluster_is_present_once_there_are_enough_points() {
        for g in Geometry::ALL {
            let k = g.n_true_clusters();
            for n in [k, k + 1, 2 * k + 1, 500] {
                let data = generate(g, n, 5).unwrap();
                let mut counts = vec![0; k];
                for &l in &data.labels {
                    counts[l] += 1;
                }
                assert!(counts.iter().all(|&c| c > 0), "{g} n={n}: {counts:?}");
            }
        }
    }

    #[test]
    fn rows_are_shuffled() {
        let data = generate(Geometry::Blobs, 300, 1).unwrap();
        let first_third = &data.labels[..100];
        assert!(first_third.iter().any(|&l| l != first_third[0]));
        assert!(!data.labels.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn zero_or_huge_sample_counts_are_rejected() {
        for n in [0, usize::MAX / 4] {
            let err = generate(Geometry::Blobs32d, n, 0).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::InvalidParameter {
                        name: "n_samples",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
    }

    #[test]
    fn split_sizes_is_exact_and_proportional() {
        for n in 0..200 {
            for weights in [&[1, 1, 1][..], &[10, 3, 1], &[1, 1], &[1]] {
                let sizes = split_sizes(n, weights);
                assert_eq!(sizes.iter().sum::<usize>(), n, "{n} {weights:?}");
                if n >= weights.len() {
                    assert!(sizes.iter().all(|&s| s > 0), "{n} {weights:?} {sizes:?}");
                }
                let spread = sizes.iter().max().unwrap() - sizes.iter().min().unwrap();
                if weights.iter().all(|&w| w == 1) {
                    assert!(spread <= 1, "{n} {sizes:?}");
                }
            }
        }
        assert_eq!(split_sizes(1400 + 3, &[10, 3, 1]), vec![1001, 301, 101]);
        assert_eq!(split_sizes(2, &[10, 3, 1]), vec![1, 1, 0]);
    }
}
