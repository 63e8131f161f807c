//! Squared Euclidean distances between points and centers.
//!
//! The hot path computes a tile of `d_ik = ‖x_i‖² − 2 x_i·c_k + ‖c_k‖²` with one GEMM per tile
//! when `d` is large enough for the GEMM to pay, and a direct loop over `(x_ij − c_kj)²` when it
//! is not. The expanded form loses accuracy when points are far from the origin relative to their
//! spread, so it is only used to choose an assignment; reported quantities (inertia, losses) are
//! recomputed with [`sq_euclidean`], which is exact up to rounding of the direct sum.
//!
//! K-Means assignment does not need the tile at all: [`nearest_centers`] fuses the argmin into a
//! register-blocked kernel over centers packed once per iteration ([`PackedCenters`]), with
//! run-time dispatch between AVX2 and portable code ([`KernelPath`]).

use crate::float::Float;

pub(crate) mod few;
mod nearest;
mod packed;
pub mod simd;

pub use few::{few_dots, few_dots_on};
pub use nearest::{nearest_centers, nearest_centers_on, NearestScratch};
pub use packed::{Layout, PackedCenters};
pub use simd::{add_weighted_row, KernelPath, Lanes};

/// Below this dimension the direct loop beats the GEMM formulation.
pub const DIRECT_MAX_DIM: usize = 8;

/// `‖a − b‖²`, summed directly in `f64`.
///
/// # Panics
/// If the lengths differ.
#[inline]
pub fn sq_euclidean<F: Float>(a: &[F], b: &[F]) -> f64 {
    assert_eq!(a.len(), b.len(), "sq_euclidean: lengths differ");
    let mut s = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        let t = x.to_f64_lossless() - y.to_f64_lossless();
        s += t * t;
    }
    s
}

/// Squared norms of the `d`-dimensional rows of `x` into `out`, accumulated in `f64` in eight
/// independent lanes (combined in a fixed order), so that the sum vectorises instead of being
/// one chain of dependent additions.
///
/// # Panics
/// If `x.len() != out.len() * d`.
pub fn row_sq_norms<F: Float>(x: &[F], d: usize, out: &mut [F]) {
    assert_eq!(
        x.len(),
        out.len() * d,
        "row_sq_norms: x must be out.len() × d"
    );
    for (o, row) in out.iter_mut().zip(x.chunks_exact(d)) {
        let mut lanes = [0.0f64; 8];
        let chunks = row.chunks_exact(8);
        let tail = chunks.remainder();
        for c in chunks {
            for (l, &v) in lanes.iter_mut().zip(c) {
                let v = v.to_f64_lossless();
                *l += v * v;
            }
        }
        for (l, &v) in lanes.iter_mut().zip(tail) {
            let v = v.to_f64_lossless();
            *l += v * v;
        }
        let [a, b, c, e, f, g, h, i] = lanes;
        let s = ((a + b) + (c + e)) + ((f + g) + (h + i));
        *o = F::from_f64_round(s);
    }
}

/// Squared distances from `m` points to `k` centers: `out[i·k + j] = ‖x_i − c_j‖²`, clamped
/// at zero.
///
/// `x` is `m × d`, `centers` is `k × d`, `x_norms` and `c_norms` are their squared row norms
/// (only read on the GEMM path, `d > DIRECT_MAX_DIM`), `out` is `m × k`. All row-major.
///
/// # Panics
/// If a slice length does not match its shape.
pub fn tile_sq_distances<F: Float>(
    x: &[F],
    x_norms: &[F],
    centers: &[F],
    c_norms: &[F],
    d: usize,
    out: &mut [F],
) {
    let k = c_norms.len();
    let m = x_norms.len();
    assert_eq!(x.len(), m * d, "tile_sq_distances: x must be m × d");
    assert_eq!(
        centers.len(),
        k * d,
        "tile_sq_distances: centers must be k × d"
    );
    assert_eq!(out.len(), m * k, "tile_sq_distances: out must be m × k");

    if d <= DIRECT_MAX_DIM {
        for (row, o) in x.chunks_exact(d).zip(out.chunks_exact_mut(k)) {
            for (c, oj) in centers.chunks_exact(d).zip(o.iter_mut()) {
                let mut s = F::zero();
                for (a, b) in row.iter().zip(c) {
                    let t = *a - *b;
                    s += t * t;
                }
                *oj = s;
            }
        }
        return;
    }

    F::gemm_abt(out, x, centers, m, k, d);
    let two = F::one() + F::one();
    for (o, &xn) in out.chunks_exact_mut(k).zip(x_norms) {
        for (oj, &cn) in o.iter_mut().zip(c_norms) {
            let v = xn - two * *oj + cn;
            *oj = if v > F::zero() { v } else { F::zero() };
        }
    }
}

/// Index of the smallest value; ties go to the lowest index.
///
/// # Panics
/// If `row` is empty.
#[inline]
pub fn argmin<F: Float>(row: &[F]) -> usize {
    assert!(!row.is_empty(), "argmin: empty row");
    let mut best = 0;
    let mut best_v = row[0];
    for (j, &v) in row.iter().enumerate().skip(1) {
        if v < best_v {
            best_v = v;
            best = j;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn check_tile<F: Float>(m: usize, k: usize, d: usize, offset: f64, tol: f64) {
        let mut rng = Rng::new((m * 131 + k * 7 + d) as u64);
        let x: Vec<F> = (0..m * d)
            .map(|_| F::from_f64_round(offset + rng.normal()))
            .collect();
        let c: Vec<F> = (0..k * d)
            .map(|_| F::from_f64_round(offset + rng.normal()))
            .collect();
        let mut xn = vec![F::zero(); m];
        let mut cn = vec![F::zero(); k];
        row_sq_norms(&x, d, &mut xn);
        row_sq_norms(&c, d, &mut cn);
        let mut out = vec![F::zero(); m * k];
        tile_sq_distances(&x, &xn, &c, &cn, d, &mut out);
        for i in 0..m {
            for j in 0..k {
                let want = sq_euclidean(&x[i * d..(i + 1) * d], &c[j * d..(j + 1) * d]);
                let got = out[i * k + j].to_f64_lossless();
                let scale = 1.0 + (offset * offset + 1.0) * d as f64;
                assert!(got >= 0.0);
                assert!(
                    (got - want).abs() <= tol * scale,
                    "m{m} k{k} d{d}: {got} vs {want}"
                );
            }
        }
    }

    #[test]
    fn tile_matches_naive_reference_on_both_paths() {
        for &(m, k, d) in &[(1, 1, 1), (5, 3, 2), (17, 9, 8), (33, 5, 9), (64, 20, 40)] {
            check_tile::<f64>(m, k, d, 0.0, 1e-12);
            check_tile::<f32>(m, k, d, 0.0, 1e-5);
            check_tile::<f64>(m, k, d, 10.0, 1e-12);
        }
    }

    #[test]
    fn a_point_on_a_center_has_distance_zero_or_tiny_and_never_negative() {
        let x = vec![3.0f32; 16];
        let c = x.clone();
        let mut xn = [0.0f32];
        let mut cn = [0.0f32];
        row_sq_norms(&x, 16, &mut xn);
        row_sq_norms(&c, 16, &mut cn);
        let mut out = [1.0f32];
        tile_sq_distances(&x, &xn, &c, &cn, 16, &mut out);
        assert!(out[0] >= 0.0 && out[0] < 1e-4);
    }

    #[test]
    fn argmin_breaks_ties_to_the_lowest_index() {
        assert_eq!(argmin(&[2.0, 1.0, 1.0, 3.0]), 1);
        assert_eq!(argmin(&[0.0f32]), 0);
    }
}
