//! One mini-batch step: assign the batch to the current centers, then move every center to the
//! running weighted mean of all points ever assigned to it.
//!
//! The batch is cut into fixed leaves of [`BATCH_LEAF_ROWS`] rows (the cut depends only on the
//! batch size); each leaf computes its distance tile, takes the argmin and accumulates weighted
//! sums in `f64`; the leaves are reduced in leaf order. So a step gives bit-identical centers for
//! any thread count. All buffers live in a [`BatchWorkspace`] that grows to the largest batch
//! seen and is then reused.

use rayon::prelude::*;

use crate::distance::{argmin, row_sq_norms, tile_sq_distances};
use crate::float::Float;

/// Rows per leaf of a batch: a default batch of 1024 rows gives four leaves, enough to keep two
/// cores busy, and the `256 × k` tile stays in cache.
pub(crate) const BATCH_LEAF_ROWS: usize = 256;

/// Per-leaf scratch and partial sums.
struct Leaf<F> {
    tile: Vec<F>,
    sums: Vec<f64>,
    weights: Vec<f64>,
    inertia: f64,
}

/// What the assignment of one batch found, reduced over leaves in leaf order.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct BatchTotals {
    /// `Σ_{i∈B} w_i min_k d_ik` at the centers before the step (from the distance tiles).
    pub inertia: f64,
    /// `Σ_{i∈B} w_i`.
    pub weight: f64,
}

/// Buffers for the steps of one fit with `k` centers in dimension `d`.
pub(crate) struct BatchWorkspace<F> {
    k: usize,
    d: usize,
    x_norms: Vec<F>,
    c_norms: Vec<F>,
    leaves: Vec<Leaf<F>>,
    /// `S_k = Σ_{i∈B, a_i=k} w_i x_i`, `k × d`, after [`assign`](Self::assign).
    pub sums: Vec<f64>,
    /// `b_k = Σ_{i∈B, a_i=k} w_i`, after [`assign`](Self::assign).
    pub weights: Vec<f64>,
}

impl<F: Float> BatchWorkspace<F> {
    /// Empty buffers; they grow with the first batch.
    pub fn new(k: usize, d: usize) -> Self {
        BatchWorkspace {
            k,
            d,
            x_norms: Vec::new(),
            c_norms: vec![F::zero(); k],
            leaves: Vec::new(),
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
        }
    }

    fn reserve(&mut self, m: usize) {
        if self.x_norms.len() < m {
            self.x_norms.resize(m, F::zero());
        }
        let (k, d) = (self.k, self.d);
        while self.leaves.len() < m.div_ceil(BATCH_LEAF_ROWS) {
            self.leaves.push(Leaf {
                tile: vec![F::zero(); BATCH_LEAF_ROWS * k],
                sums: vec![0.0; k * d],
                weights: vec![0.0; k],
                inertia: 0.0,
            });
        }
    }

    /// Assigns the `m` rows of `x` (row-major `m × d`, weights `w` or 1) to their nearest
    /// center (ties to the lowest index) and leaves the per-cluster sums in
    /// [`sums`](Self::sums) and [`weights`](Self::weights). Runs on the current rayon pool.
    ///
    /// # Panics
    /// If `x` is not `m × d`, `w` not of length `m`, or `centers` not `k × d`.
    pub fn assign(&mut self, x: &[F], w: Option<&[f64]>, centers: &[F]) -> BatchTotals {
        let (k, d) = (self.k, self.d);
        assert_eq!(x.len() % d, 0, "assign: x must be m × d");
        assert_eq!(centers.len(), k * d, "assign: centers must be k × d");
        let m = x.len() / d;
        if let Some(w) = w {
            assert_eq!(w.len(), m, "assign: one weight per row");
        }
        self.reserve(m);
        row_sq_norms(centers, d, &mut self.c_norms);

        let c_norms = &self.c_norms;
        let n_leaves = m.div_ceil(BATCH_LEAF_ROWS);
        self.leaves[..n_leaves]
            .par_iter_mut()
            .zip(self.x_norms[..m].par_chunks_mut(BATCH_LEAF_ROWS))
            .zip(x.par_chunks(BATCH_LEAF_ROWS * d))
            .enumerate()
            .for_each(|(l, ((leaf, x_norms), x))| {
                let w = w.map(|w| &w[l * BATCH_LEAF_ROWS..l * BATCH_LEAF_ROWS + x_norms.len()]);
                assign_leaf(x, w, x_norms, centers, c_norms, d, leaf);
            });

        self.sums.iter_mut().for_each(|v| *v = 0.0);
        self.weights.iter_mut().for_each(|v| *v = 0.0);
        let mut totals = BatchTotals::default();
        for leaf in &self.leaves[..n_leaves] {
            for (a, b) in self.sums.iter_mut().zip(&leaf.sums) {
                *a += b;
            }
            for (a, b) in self.weights.iter_mut().zip(&leaf.weights) {
                *a += b;
            }
            totals.inertia += leaf.inertia;
        }
        totals.weight = self.weights.iter().sum();
        totals
    }
}

fn assign_leaf<F: Float>(
    x: &[F],
    w: Option<&[f64]>,
    x_norms: &mut [F],
    centers: &[F],
    c_norms: &[F],
    d: usize,
    leaf: &mut Leaf<F>,
) {
    let k = c_norms.len();
    let m = x_norms.len();
    row_sq_norms(x, d, x_norms);
    let tile = &mut leaf.tile[..m * k];
    tile_sq_distances(x, x_norms, centers, c_norms, d, tile);

    leaf.sums.iter_mut().for_each(|v| *v = 0.0);
    leaf.weights.iter_mut().for_each(|v| *v = 0.0);
    leaf.inertia = 0.0;
    for (r, (dist, xi)) in tile.chunks_exact(k).zip(x.chunks_exact(d)).enumerate() {
        let wi = w.map_or(1.0, |w| w[r]);
        let j = argmin(dist);
        leaf.inertia += wi * dist[j].to_f64_lossless();
        leaf.weights[j] += wi;
        for (s, v) in leaf.sums[j * d..(j + 1) * d].iter_mut().zip(xi) {
            *s += wi * v.to_f64_lossless();
        }
    }
}

/// Sculley's per-center update in its batch form: with cumulative weights `v_k` and the batch's
/// `S_k`, `b_k`, every center with `b_k > 0` becomes `c_k ← (v_k c_k + S_k) / (v_k + b_k)` and
/// `v_k ← v_k + b_k`. Returns `Σ_k ‖c_k^new − c_k^old‖²`.
///
/// # Panics
/// If the lengths do not match `k` and `k × d`.
pub(crate) fn update_centers<F: Float>(
    centers: &mut [F],
    counts: &mut [f64],
    sums: &[f64],
    weights: &[f64],
) -> f64 {
    let k = counts.len();
    assert_eq!(
        weights.len(),
        k,
        "update_centers: one batch weight per center"
    );
    assert_eq!(
        centers.len(),
        sums.len(),
        "update_centers: sums must be k × d"
    );
    let d = centers.len() / k.max(1);
    let mut shift = 0.0;
    for j in 0..k {
        let b = weights[j];
        if b <= 0.0 {
            continue;
        }
        let v = counts[j];
        let total = v + b;
        for (c, s) in centers[j * d..(j + 1) * d]
            .iter_mut()
            .zip(&sums[j * d..(j + 1) * d])
        {
            let old = c.to_f64_lossless();
            let new = F::from_f64_round((v * old + s) / total);
            shift += (new.to_f64_lossless() - old).powi(2);
            *c = new;
        }
        counts[j] = total;
    }
    shift
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::sq_euclidean;
    use crate::rng::Rng;

    #[test]
    fn assignment_matches_a_naive_reference_for_any_leaf_count() {
        for &(m, d, k) in &[(1, 2, 3), (300, 3, 5), (1000, 12, 7), (257, 9, 2)] {
            let mut rng = Rng::new(m as u64);
            let x: Vec<f64> = (0..m * d).map(|_| rng.normal() * 3.0).collect();
            let w: Vec<f64> = (0..m).map(|_| rng.uniform()).collect();
            let c: Vec<f64> = (0..k * d).map(|_| rng.normal() * 3.0).collect();
            let mut ws = BatchWorkspace::new(k, d);
            let t = ws.assign(&x, Some(&w), &c);

            let mut sums = vec![0.0; k * d];
            let mut weights = vec![0.0; k];
            let mut inertia = 0.0;
            for (i, xi) in x.chunks(d).enumerate() {
                let dist: Vec<f64> = c.chunks(d).map(|cj| sq_euclidean(xi, cj)).collect();
                let j = argmin(&dist);
                inertia += w[i] * dist[j];
                weights[j] += w[i];
                for t in 0..d {
                    sums[j * d + t] += w[i] * xi[t];
                }
            }
            assert!((t.inertia - inertia).abs() <= 1e-9 * (1.0 + inertia));
            for (a, b) in ws.sums.iter().zip(&sums) {
                assert!((a - b).abs() <= 1e-9 * (1.0 + b.abs()));
            }
            for (a, b) in ws.weights.iter().zip(&weights) {
                assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()));
            }
        }
    }

    #[test]
    fn the_update_is_the_running_mean_of_every_point_seen() {
        // One center at the mean of 3 earlier points, then two new points with weight 1.
        let mut c = vec![1.0, 0.0];
        let mut v = vec![3.0];
        let shift = update_centers(&mut c, &mut v, &[4.0, 2.0], &[2.0]);
        assert_eq!(c, vec![(3.0 + 4.0) / 5.0, 2.0 / 5.0]);
        assert_eq!(v, vec![5.0]);
        assert!((shift - (0.4f64.powi(2) + 0.4f64.powi(2))).abs() < 1e-15);

        // A center with no points in the batch does not move.
        let mut c = vec![1.0];
        let mut v = vec![2.0];
        assert_eq!(update_centers(&mut c, &mut v, &[0.0], &[0.0]), 0.0);
        assert_eq!((c[0], v[0]), (1.0, 2.0));
    }
}
