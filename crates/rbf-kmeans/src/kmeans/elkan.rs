//! Elkan's accelerated assignment: the triangle inequality with one lower bound per point and
//! center.
//!
//! C. Elkan, "Using the Triangle Inequality to Accelerate k-Means", ICML 2003. Each point keeps
//! `u_i ≥ ‖x_i − c_{a_i}‖` and `l_ij ≤ ‖x_i − c_j‖` for every center; after the centers move by
//! `δ_j`, `u_i += δ_{a_i}` and `l_ij −= δ_j` keep them valid. A center `j` cannot be nearer than
//! `a_i` when `l_ij > u_i` or `‖c_{a_i} − c_j‖ ≥ 2u_i` (the triangle inequality), so a point
//! with `u_i ≤ ½ min_{j≠a_i} ‖c_{a_i} − c_j‖` is skipped altogether.
//!
//! Here every test compares with the reach `r_i ≥ u_i` of [`super::accel`], which widens `u_i`
//! by the rounding band of Lloyd's distance tiles, so the labels are exactly Lloyd's. Memory:
//! `n·k` lower bounds, stored as `f32` rounded down (4 bytes each).

use super::accel::{f32_down, Pass, PointBounds, Pruning};
use super::hyperparams::Algorithm;
use crate::float::Float;

/// Elkan's pruning rules (see the module docs).
pub(crate) struct Elkan;

impl Pruning for Elkan {
    const ALGORITHM: Algorithm = Algorithm::Elkan;

    fn lower_len(k: usize) -> usize {
        k
    }

    fn screen<F: Float>(pass: &Pass<'_, '_, F>, i: usize, a: usize, b: PointBounds<'_>) -> bool {
        let geo = pass.geo;
        let k = pass.k();
        let da = geo.drift[a];
        if da > 0.0 {
            *b.upper = pass.round_up(*b.upper + da);
            *b.stale = true;
        }
        let u = *b.upper;
        let r = pass.reach(i, u);
        let cc = &geo.cc[a * k..(a + 1) * k];
        let all = u + r < 2.0 * geo.s[a];

        // Every lower bound follows its center's drift, even once the point is known to be open.
        let mut excluded = true;
        for (j, (l, &dj)) in b.lower.iter_mut().zip(&geo.drift).enumerate() {
            if dj > 0.0 {
                let v = (*l as f64 - dj) * (1.0 - 4.0 * f64::EPSILON);
                *l = f32_down(v.max(0.0));
            }
            if !all && j != a && *l as f64 <= r && cc[j] <= u + r {
                excluded = false;
            }
        }
        all || excluded
    }

    fn resolve<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        b: PointBounds<'_>,
        scratch: &mut Vec<(usize, f64)>,
    ) -> Option<usize> {
        let k = pass.k();
        let cc = &pass.geo.cc;
        scratch.clear();
        let mut best = a;
        let mut best_sq = f64::NAN;
        let mut u = *b.upper;
        let mut tight = false;
        for j in 0..k {
            if j == a || j == best {
                continue;
            }
            let r = pass.reach(i, u);
            if b.lower[j] as f64 > r || cc[best * k + j] > u + r {
                continue;
            }
            if !tight {
                // `best` is still `a`: compare with its exact distance, not a drifted bound.
                best_sq = pass.exact(i, a);
                u = pass.upper(best_sq);
                b.lower[a] = f32_down(pass.lower(best_sq));
                scratch.push((a, best_sq));
                tight = true;
                let r = pass.reach(i, u);
                if b.lower[j] as f64 > r || cc[a * k + j] > u + r {
                    continue;
                }
            }
            let sq = pass.exact(i, j);
            b.lower[j] = f32_down(pass.lower(sq));
            scratch.push((j, sq));
            if sq < best_sq {
                best = j;
                best_sq = sq;
                u = pass.upper(sq);
            }
        }
        *b.upper = u;
        if tight {
            *b.stale = false;
        }
        let tie = scratch
            .iter()
            .any(|&(j, sq)| j != best && pass.near_tie(i, best, best_sq, j, sq));
        (!tie).then_some(best)
    }

    fn from_row<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        row: &[F],
        b: PointBounds<'_>,
    ) {
        for (j, (l, &t)) in b.lower.iter_mut().zip(row).enumerate() {
            *l = f32_down(pass.lower(pass.tile_lower_sq(i, j, t)));
        }
        *b.upper = pass.tile_bounds(i, a, row[a]).1;
        *b.stale = false;
    }

    fn forget(b: PointBounds<'_>) {
        *b.upper = f64::INFINITY;
        *b.stale = true;
    }
}

#[cfg(test)]
mod tests {
    use super::super::accel::testing;
    use super::*;

    #[test]
    fn labels_and_centers_match_lloyd_at_every_iteration() {
        testing::exactness_suite::<Elkan>();
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        testing::thread_independence::<Elkan>();
    }
}
