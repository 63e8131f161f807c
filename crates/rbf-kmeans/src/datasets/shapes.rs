//! The planar geometries that are not Gaussian mixtures: two moons, two rings and the uniform
//! square.
//!
//! - **two-moons**: label 0 is the upper half of the unit circle, `(cos t, sin t)`; label 1 is
//!   the same arc turned over and shifted, `(1 − cos t, ½ − sin t)`; `t` uniform in `[0, π)`.
//!   Each coordinate gets Gaussian noise of standard deviation [`MOONS_NOISE`]. The upper moon's
//!   mean is near `(0, 2/π)` and the lower's near `(1, ½ − 2/π)`.
//! - **rings**: label 0 is the circle of radius 1, label 1 the circle of radius
//!   [`RINGS_FACTOR`], both centred at the origin, angle uniform, with Gaussian noise of standard
//!   deviation [`RINGS_NOISE`] on each coordinate.
//! - **uniform-square**: independent uniform coordinates in `[0, 1)`, every label 0.

use ndarray::Array2;

use super::split_sizes;
use crate::rng::Rng;

/// Standard deviation of the noise added to each coordinate of the moons.
const MOONS_NOISE: f64 = 0.1;

/// Radius of the inner ring relative to the outer ring's radius 1.
const RINGS_FACTOR: f64 = 0.5;

/// Standard deviation of the noise added to each coordinate of the rings.
const RINGS_NOISE: f64 = 0.05;

/// Two interleaving half circles: exactly `n` points, the upper moon first.
pub(super) fn moons(n: usize, rng: &mut Rng) -> (Array2<f64>, Vec<usize>) {
    let sizes = split_sizes(n, &[1, 1]);
    let labels = labels_in_order(&sizes);
    let mut x = Array2::zeros((n, 2));
    for (mut row, &label) in x.rows_mut().into_iter().zip(&labels) {
        let (sin, cos) = (std::f64::consts::PI * rng.uniform()).sin_cos();
        let (px, py) = if label == 0 {
            (cos, sin)
        } else {
            (1.0 - cos, 0.5 - sin)
        };
        row[0] = px + MOONS_NOISE * rng.normal();
        row[1] = py + MOONS_NOISE * rng.normal();
    }
    (x, labels)
}

/// Two concentric circles: exactly `n` points, the outer ring first.
pub(super) fn rings(n: usize, rng: &mut Rng) -> (Array2<f64>, Vec<usize>) {
    let sizes = split_sizes(n, &[1, 1]);
    let labels = labels_in_order(&sizes);
    let mut x = Array2::zeros((n, 2));
    for (mut row, &label) in x.rows_mut().into_iter().zip(&labels) {
        let radius = if label == 0 { 1.0 } else { RINGS_FACTOR };
        let (sin, cos) = (std::f64::consts::TAU * rng.uniform()).sin_cos();
        row[0] = radius * cos + RINGS_NOISE * rng.normal();
        row[1] = radius * sin + RINGS_NOISE * rng.normal();
    }
    (x, labels)
}

/// Exactly `n` points uniform on `[0, 1)²`, all labelled 0.
pub(super) fn uniform_square(n: usize, rng: &mut Rng) -> (Array2<f64>, Vec<usize>) {
    let x = Array2::from_shape_simple_fn((n, 2), || rng.uniform());
    (x, vec![0; n])
}

/// `sizes[0]` zeros, then `sizes[1]` ones, and so on.
fn labels_in_order(sizes: &[usize]) -> Vec<usize> {
    sizes
        .iter()
        .enumerate()
        .flat_map(|(label, &size)| std::iter::repeat_n(label, size))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datasets::tests::{mean, rows_of};
    use crate::datasets::{generate, Geometry};

    #[test]
    fn moons_lie_in_their_half_planes() {
        let data = generate(Geometry::Moons, 2000, 1).unwrap();
        let upper = mean(&rows_of(&data, 0));
        let lower = mean(&rows_of(&data, 1));
        let arc_mean = 2.0 / std::f64::consts::PI;
        assert!(upper[0] < 0.5 && upper[1] > 0.25, "{upper}");
        assert!(lower[0] > 0.5 && lower[1] < 0.25, "{lower}");
        assert!(
            upper[0].abs() < 0.1 && (upper[1] - arc_mean).abs() < 0.05,
            "{upper}"
        );
        assert!((lower[0] - 1.0).abs() < 0.1 && (lower[1] - 0.5 + arc_mean).abs() < 0.05);
    }

    #[test]
    fn moons_are_noisy_arcs_of_the_unit_circle() {
        let data = generate(Geometry::Moons, 2000, 2).unwrap();
        for (label, (cx, cy)) in [(0, (0.0, 0.0)), (1, (1.0, 0.5))] {
            let rows = rows_of(&data, label);
            let radii: Vec<f64> = rows
                .rows()
                .into_iter()
                .map(|r| (r[0] - cx).hypot(r[1] - cy))
                .collect();
            let mean_radius = radii.iter().sum::<f64>() / radii.len() as f64;
            assert!(
                (mean_radius - 1.0).abs() < 0.03,
                "moon {label}: {mean_radius}"
            );
        }
    }

    #[test]
    fn ring_radii_concentrate_at_two_values() {
        let data = generate(Geometry::Rings, 2000, 3).unwrap();
        for (label, expected) in [(0, 1.0), (1, RINGS_FACTOR)] {
            let radii: Vec<f64> = rows_of(&data, label)
                .rows()
                .into_iter()
                .map(|r| r[0].hypot(r[1]))
                .collect();
            let count = radii.len() as f64;
            let mean_radius = radii.iter().sum::<f64>() / count;
            let spread =
                (radii.iter().map(|r| (r - mean_radius).powi(2)).sum::<f64>() / count).sqrt();
            assert!(
                (mean_radius - expected).abs() < 0.02,
                "ring {label}: {mean_radius}"
            );
            assert!(spread < 2.0 * RINGS_NOISE, "ring {label}: {spread}");
        }
    }

    #[test]
    fn rings_are_centred_at_the_origin() {
        let data = generate(Geometry::Rings, 2000, 4).unwrap();
        for label in 0..2 {
            let m = mean(&rows_of(&data, label));
            assert!(m[0].abs() < 0.1 && m[1].abs() < 0.1, "ring {label}: {m}");
        }
    }

    #[test]
    fn uniform_square_fills_the_unit_square() {
        let data = generate(Geometry::UniformSquare, 4000, 5).unwrap();
        assert!(data.labels.iter().all(|&l| l == 0));
        assert!(data.x.iter().all(|v| (0.0..1.0).contains(v)));
        let m = mean(&data.x);
        assert!(
            (m[0] - 0.5).abs() < 0.02 && (m[1] - 0.5).abs() < 0.02,
            "{m}"
        );
        let quadrant_counts = data
            .x
            .rows()
            .into_iter()
            .fold([0usize; 4], |mut counts, r| {
                counts[usize::from(r[0] >= 0.5) + 2 * usize::from(r[1] >= 0.5)] += 1;
                counts
            });
        assert!(
            quadrant_counts.iter().all(|&c| (900..1100).contains(&c)),
            "{quadrant_counts:?}"
        );
    }

    #[test]
    fn labels_in_order_repeats_each_label() {
        assert_eq!(labels_in_order(&[2, 0, 1]), vec![0, 0, 2]);
    }
}
