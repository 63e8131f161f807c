//! Gaussian mixtures: every blob-like geometry is a set of centers, one standard deviation and
//! one integer weight per cluster, and optionally a linear map applied after sampling.
//!
//! The planar layouts put three centers on the vertices of an equilateral triangle of
//! circumradius `r` (angles 90°, 210° and 330°), so every pair of centers is `r √3` apart:
//!
//! | geometry | `r` | standard deviations | weights | map |
//! |---|---|---|---|---|
//! | blobs | 6 (centers 10.4 apart) | 1, 1, 1 | 1:1:1 | none |
//! | anisotropic | 6 | 1, 1, 1 | 1:1:1 | `A = R(30°) diag(3, 0.3) R(30°)ᵀ` |
//! | unequal-variance | 7 (12.1 apart) | 0.5, 1.5, 3 | 1:1:1 | none |
//! | unbalanced | 6 | 1, 1, 1 | 10:3:1 | none |
//! | overlapping | 1.2 (2.08 apart) | 1, 1, 1 | 1:1:1 | none |
//! | overclustered | 6 | 0.5, 0.5, 0.5 | 1:1:1 | none |
//!
//! The anisotropic map acts on centers and noise alike, so each cluster's covariance is
//! `A Aᵀ`, whose condition number is `(3 / 0.3)² = 100`; the clusters stay separable in the
//! Mahalanobis sense but not by Euclidean nearest center.
//!
//! `blobs-32d` has five clusters of standard deviation 1 whose centers are drawn from the
//! layout stream in the cube `[−10, 10)³²` by best-candidate sampling (each center is the one
//! of 16 uniform candidates farthest from the centers already placed).

use ndarray::{array, Array1, Array2};

use super::split_sizes;
use crate::rng::Rng;

/// Circumradius of the triangle of centers for the well-separated planar layouts.
const SEPARATED_RADIUS: f64 = 6.0;

/// Half the side of the cube the 32-dimensional centers are drawn in.
const CUBE_HALF_WIDTH: f64 = 10.0;

/// Uniform candidates drawn per 32-dimensional center.
const CANDIDATES_PER_CENTER: usize = 16;

/// A mixture of isotropic Gaussians, optionally followed by a linear map.
#[derive(Clone, Debug)]
pub(super) struct Mixture {
    /// One center per row, shape `(k, d)`.
    centers: Array2<f64>,
    /// The standard deviation of each cluster, length `k`.
    stds: Vec<f64>,
    /// The relative size of each cluster, length `k`.
    weights: Vec<usize>,
    /// A `(d, d)` matrix applied to every point (`x ← A x`) after sampling.
    map: Option<Array2<f64>>,
}

impl Mixture {
    fn new(centers: Array2<f64>, stds: Vec<f64>, weights: Vec<usize>) -> Self {
        debug_assert_eq!(centers.nrows(), stds.len());
        debug_assert_eq!(centers.nrows(), weights.len());
        Mixture {
            centers,
            stds,
            weights,
            map: None,
        }
    }

    /// Three unit-variance blobs of equal size, 10.4 apart.
    pub(super) fn blobs() -> Self {
        Mixture::new(triangle(SEPARATED_RADIUS), vec![1.0; 3], vec![1; 3])
    }

    /// [`Mixture::blobs`] followed by a symmetric map with singular values 3 and 0.3.
    pub(super) fn anisotropic() -> Self {
        let (sin, cos) = std::f64::consts::FRAC_PI_6.sin_cos();
        let rotation = array![[cos, -sin], [sin, cos]];
        let stretch = Array2::from_diag(&array![3.0, 0.3]);
        let map = rotation.dot(&stretch).dot(&rotation.t());
        Mixture {
            map: Some(map),
            ..Mixture::blobs()
        }
    }

    /// Three equal-size blobs with standard deviations 0.5, 1.5 and 3.
    pub(super) fn unequal_variance() -> Self {
        Mixture::new(triangle(7.0), vec![0.5, 1.5, 3.0], vec![1; 3])
    }

    /// Three unit-variance blobs with sizes in the ratio 10:3:1.
    pub(super) fn unbalanced() -> Self {
        Mixture::new(triangle(SEPARATED_RADIUS), vec![1.0; 3], vec![10, 3, 1])
    }

    /// Three unit-variance blobs whose centers are 2.08 apart.
    pub(super) fn overlapping() -> Self {
        Mixture::new(triangle(1.2), vec![1.0; 3], vec![1; 3])
    }

    /// Three equal blobs of standard deviation 0.5, 10.4 apart.
    pub(super) fn overclustered() -> Self {
        Mixture::new(triangle(SEPARATED_RADIUS), vec![0.5; 3], vec![1; 3])
    }

    /// Five unit-variance blobs in 32 dimensions, centers drawn from `layout_rng`.
    pub(super) fn blobs_32d(layout_rng: &mut Rng) -> Self {
        let centers = spread_centers(layout_rng, 5, 32);
        Mixture::new(centers, vec![1.0; 5], vec![1; 5])
    }

    /// Draws exactly `n` points, cluster after cluster, and their labels.
    pub(super) fn sample(&self, n: usize, rng: &mut Rng) -> (Array2<f64>, Vec<usize>) {
        let dim = self.centers.ncols();
        let sizes = split_sizes(n, &self.weights);
        let mut x = Array2::zeros((n, dim));
        let mut labels = Vec::with_capacity(n);

        let mut rows = x.rows_mut().into_iter();
        for (cluster, &size) in sizes.iter().enumerate() {
            let center = self.centers.row(cluster);
            let std = self.stds[cluster];
            for mut row in rows.by_ref().take(size) {
                for (value, &c) in row.iter_mut().zip(center) {
                    *value = c + std * rng.normal();
                }
                if let Some(map) = &self.map {
                    let mapped: Array1<f64> = map.dot(&row);
                    row.assign(&mapped);
                }
                labels.push(cluster);
            }
        }
        (x, labels)
    }
}

/// Three centers on the vertices of an equilateral triangle of circumradius `radius` centred at
/// the origin, the first straight up.
fn triangle(radius: f64) -> Array2<f64> {
    Array2::from_shape_fn((3, 2), |(k, j)| {
        let angle = std::f64::consts::FRAC_PI_2 + k as f64 * 2.0 * std::f64::consts::FRAC_PI_3;
        let (sin, cos) = angle.sin_cos();
        radius * if j == 0 { cos } else { sin }
    })
}

/// `k` centers in `[−h, h)^dim` by best-candidate sampling: each new center is the one of
/// [`CANDIDATES_PER_CENTER`] uniform candidates whose nearest placed center is farthest away
/// (ties to the earlier candidate). Terminates always, unlike rejection with a minimum distance.
fn spread_centers(rng: &mut Rng, k: usize, dim: usize) -> Array2<f64> {
    let mut centers = Array2::zeros((k, dim));
    for placed in 0..k {
        let mut best = Array1::zeros(dim);
        let mut best_gap = f64::NEG_INFINITY;
        for _ in 0..CANDIDATES_PER_CENTER {
            let candidate =
                Array1::from_shape_fn(dim, |_| CUBE_HALF_WIDTH * (2.0 * rng.uniform() - 1.0));
            let gap = centers
                .rows()
                .into_iter()
                .take(placed)
                .map(|c| (&c - &candidate).mapv(|v| v * v).sum())
                .fold(f64::INFINITY, f64::min);
            if gap > best_gap {
                best_gap = gap;
                best = candidate;
            }
        }
        centers.row_mut(placed).assign(&best);
    }
    centers
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::tests::{covariance, mean, rows_of};
    use crate::datasets::{generate, Geometry};

    fn distance(a: &Array1<f64>, b: &Array1<f64>) -> f64 {
        (a - b).mapv(|v| v * v).sum().sqrt()
    }

    /// Fraction of points whose nearest center (of `centers`) is not their own.
    fn nearest_center_error(geometry: Geometry, centers: &Array2<f64>) -> f64 {
        let data = generate(geometry, 3000, 21).unwrap();
        let wrong = data
            .x
            .rows()
            .into_iter()
            .zip(&data.labels)
            .filter(|(row, &label)| {
                let d: Vec<f64> = centers
                    .rows()
                    .into_iter()
                    .map(|c| (&c - row).mapv(|v| v * v).sum())
                    .collect();
                (0..d.len()).any(|k| d[k] < d[label])
            })
            .count();
        wrong as f64 / 3000.0
    }

    #[test]
    fn triangle_is_equilateral_with_the_given_radius() {
        let t = triangle(2.0);
        for k in 0..3 {
            let a = t.row(k).to_owned();
            assert!((distance(&a, &Array1::zeros(2)) - 2.0).abs() < 1e-12);
            let b = t.row((k + 1) % 3).to_owned();
            assert!((distance(&a, &b) - 2.0 * 3f64.sqrt()).abs() < 1e-12);
        }
    }

    #[test]
    fn blob_means_match_the_layout() {
        for (g, mixture) in [
            (Geometry::Blobs, Mixture::blobs()),
            (Geometry::UnequalVariance, Mixture::unequal_variance()),
            (Geometry::Overclustered, Mixture::overclustered()),
        ] {
            let data = generate(g, 6000, 2).unwrap();
            for k in 0..3 {
                let m = mean(&rows_of(&data, k));
                let c = mixture.centers.row(k).to_owned();
                assert!(distance(&m, &c) < 0.3, "{g} cluster {k}: {m} vs {c}");
            }
        }
    }

    #[test]
    fn separated_blobs_are_separated_and_overlapping_ones_are_not() {
        assert!(nearest_center_error(Geometry::Blobs, &Mixture::blobs().centers) < 0.001);
        let tight = Mixture::overclustered().centers;
        assert_eq!(nearest_center_error(Geometry::Overclustered, &tight), 0.0);
        let close = Mixture::overlapping().centers;
        assert!(nearest_center_error(Geometry::Overlapping, &close) > 0.2);
    }

    #[test]
    fn anisotropic_clusters_are_strongly_elongated() {
        let data = generate(Geometry::Anisotropic, 3000, 4).unwrap();
        for k in 0..3 {
            let cov = covariance(&rows_of(&data, k));
            let (a, b, c) = (cov[[0, 0]], cov[[0, 1]], cov[[1, 1]]);
            let half_gap = (((a - c) / 2.0).powi(2) + b * b).sqrt();
            let (large, small) = ((a + c) / 2.0 + half_gap, (a + c) / 2.0 - half_gap);
            let condition = large / small;
            assert!(
                (50.0..200.0).contains(&condition),
                "cluster {k}: {condition}"
            );
        }
    }

    #[test]
    fn unequal_variance_stds_are_ordered_as_documented() {
        let data = generate(Geometry::UnequalVariance, 3000, 6).unwrap();
        let stds: Vec<f64> = (0..3)
            .map(|k| {
                let cov = covariance(&rows_of(&data, k));
                ((cov[[0, 0]] + cov[[1, 1]]) / 2.0).sqrt()
            })
            .collect();
        for (std, expected) in stds.iter().zip([0.5, 1.5, 3.0]) {
            assert!((std / expected - 1.0).abs() < 0.1, "{stds:?}");
        }
        assert!(stds[0] < stds[1] && stds[1] < stds[2], "{stds:?}");
    }

    #[test]
    fn unbalanced_sizes_follow_ten_three_one() {
        let data = generate(Geometry::Unbalanced, 2800, 8).unwrap();
        let sizes: Vec<usize> = (0..3).map(|k| rows_of(&data, k).nrows()).collect();
        let ratios = [
            sizes[0] as f64 / sizes[2] as f64,
            sizes[1] as f64 / sizes[2] as f64,
        ];
        assert!(
            (ratios[0] - 10.0).abs() < 0.2 && (ratios[1] - 3.0).abs() < 0.1,
            "{sizes:?}"
        );
    }

    #[test]
    fn blobs_32d_centers_are_spread_and_independent_of_n() {
        let small = generate(Geometry::Blobs32d, 5000, 9).unwrap();
        let large = generate(Geometry::Blobs32d, 10_000, 9).unwrap();
        assert_eq!(small.x.ncols(), 32);
        for k in 0..5 {
            let (a, b) = (mean(&rows_of(&small, k)), mean(&rows_of(&large, k)));
            assert!(distance(&a, &b) < 1.0, "cluster {k}");
        }

        for seed in 0..20 {
            let centers = Mixture::blobs_32d(&mut Rng::new(seed)).centers;
            for i in 0..5 {
                for j in 0..i {
                    let gap = distance(&centers.row(i).to_owned(), &centers.row(j).to_owned());
                    assert!(
                        gap > 15.0,
                        "seed {seed}: centers {i} and {j} are {gap} apart"
                    );
                }
            }
            assert!(centers.iter().all(|v| v.abs() <= CUBE_HALF_WIDTH));
        }
    }
}
