//! Hamerly's accelerated assignment: one upper and one lower bound per point.
//!
//! G. Hamerly, "Making k-means even faster", SDM 2010. Each point keeps
//! `u_i ≥ ‖x_i − c_{a_i}‖` and a single `l_i ≤ min_{j≠a_i} ‖x_i − c_j‖`. After the centers move
//! by `δ_j`, `u_i += δ_{a_i}` and `l_i −= max_{j≠a_i} δ_j`. No other center can be nearer when
//! `u_i ≤ max(l_i, ½ min_{j≠a_i} ‖c_{a_i} − c_j‖)`; if that fails, `u_i` is tightened to the
//! exact distance and the test repeated, and only then are all `k` distances computed.
//!
//! Here the tests compare with the reach `r_i ≥ u_i` of [`super::accel`], which widens `u_i` by
//! the rounding band of Lloyd's distance tiles, so the labels are exactly Lloyd's. Memory: two
//! numbers per point, against Elkan's `k + 1`.

use super::accel::{f32_down, min_except, Pass, PointBounds, Pruning};
use super::hyperparams::Algorithm;
use crate::float::Float;

/// Hamerly's pruning rules (see the module docs).
pub(crate) struct Hamerly;

impl Pruning for Hamerly {
    const ALGORITHM: Algorithm = Algorithm::Hamerly;

    fn lower_len(_k: usize) -> usize {
        1
    }

    fn screen<F: Float>(pass: &Pass<'_, '_, F>, i: usize, a: usize, b: PointBounds<'_>) -> bool {
        let geo = pass.geo;
        let da = geo.drift[a];
        if da > 0.0 {
            *b.upper = pass.round_up(*b.upper + da);
            *b.stale = true;
        }
        let others = geo.max_drift_except(a);
        if others > 0.0 {
            let v = (b.lower[0] as f64 - others) * (1.0 - 4.0 * f64::EPSILON);
            b.lower[0] = f32_down(v.max(0.0));
        }

        // `l > r` and `u + r < 2 s_a` of the module docs, squared (no square root per point),
        // each side rounded towards failing the test.
        let lower = b.lower[0] as f64;
        let lower_sq = lower * lower * (1.0 - 4.0 * f64::EPSILON);
        let closed = |u: f64| {
            let q = pass.reach_sq(i, u);
            let room = 2.0 * geo.s[a] - u;
            lower_sq > q || (room > 0.0 && q < room * room * (1.0 - 4.0 * f64::EPSILON))
        };
        if closed(*b.upper) {
            return true;
        }
        if *b.stale {
            *b.upper = pass.upper(pass.exact(i, a));
            *b.stale = false;
            return closed(*b.upper);
        }
        false
    }

    fn resolve<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        _a: usize,
        b: PointBounds<'_>,
        scratch: &mut Vec<(usize, f64)>,
    ) -> Option<usize> {
        scratch.clear();
        let mut best = 0;
        let mut best_sq = f64::INFINITY;
        for j in 0..pass.k() {
            let sq = pass.exact(i, j);
            scratch.push((j, sq));
            if sq < best_sq {
                best = j;
                best_sq = sq;
            }
        }
        let mut second = f64::INFINITY;
        let mut tie = false;
        for &(j, sq) in scratch.iter().filter(|&&(j, _)| j != best) {
            second = second.min(sq);
            tie = tie || pass.near_tie(i, best, best_sq, j, sq);
        }
        *b.upper = pass.upper(best_sq);
        *b.stale = false;
        b.lower[0] = f32_down(pass.lower(second));
        (!tie).then_some(best)
    }

    fn from_row<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        row: &[F],
        b: PointBounds<'_>,
    ) {
        Self::from_argmin_row(pass, i, a, row, min_except(row, a), b);
    }

    fn from_argmin_row<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        row: &[F],
        second: f64,
        b: PointBounds<'_>,
    ) {
        b.lower[0] = f32_down(pass.lower_except(i, second));
        *b.upper = pass.tile_bounds(i, a, row[a]).1;
        *b.stale = false;
    }

    fn forget(b: PointBounds<'_>) {
        *b.upper = f64::INFINITY;
        *b.stale = true;
        b.lower[0] = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::accel::testing;
    use super::*;

    #[test]
    fn labels_and_centers_match_lloyd_at_every_iteration() {
        testing::exactness_suite::<Hamerly>();
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        testing::thread_independence::<Hamerly>();
    }
}
