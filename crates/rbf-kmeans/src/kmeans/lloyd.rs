//! One Lloyd iteration: assign every point to its nearest center, then move every center to the
//! weighted mean of its points.
//!
//! The assignment runs over fixed leaves of rows in parallel; each leaf finds the nearest centers
//! of a tile of rows with the fused kernel [`nearest_centers`] (centers packed once per pass), and
//! accumulates weighted sums in `f64` into its own [`ClusterSums`] (see [`sums`] for the order of
//! the additions, which is part of the contract). Leaves are reduced in leaf order, so results do
//! not depend on the number of threads. All buffers live in a [`LloydWorkspace`] allocated once
//! per fit.

use rayon::prelude::*;

use crate::data::Samples;
use crate::distance::{nearest_centers, sq_euclidean, NearestScratch, PackedCenters};
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves, LEAF_ROWS};

mod sums;

use sums::ClusterSums;

/// Rows per tile inside a leaf: the tile's points, read by the kernel and again by the sums, stay
/// in L2 (`TILE_BYTES`), between `MIN_TILE_ROWS` and `MAX_TILE_ROWS` rows.
const TILE_BYTES: usize = 192 * 1024;
const MIN_TILE_ROWS: usize = 24;
const MAX_TILE_ROWS: usize = 480;

pub(crate) fn tile_rows<F>(d: usize) -> usize {
    (TILE_BYTES / (d * std::mem::size_of::<F>())).clamp(MIN_TILE_ROWS, MAX_TILE_ROWS)
}

/// Per-leaf partial results and scratch.
struct Leaf<F> {
    tile_labels: Vec<usize>,
    tile_dist: Vec<F>,
    /// The tile's distances in `f64` (recomputed directly for an exact pass).
    tile_dist64: Vec<f64>,
    scratch: NearestScratch<F>,
    sums: ClusterSums,
    changed: usize,
}

/// What an assignment pass found, reduced over all leaves in leaf order.
#[derive(Clone, Debug)]
pub(crate) struct Assignment {
    /// `Σ_{a_i = k} w_i x_i`, `k × d`.
    pub sums: Vec<f64>,
    /// `Σ_{a_i = k} w_i`.
    pub weights: Vec<f64>,
    /// Number of points with `a_i = k` (any weight).
    pub counts: Vec<usize>,
    /// `Σ_{a_i = k} w_i ‖x_i − c_k‖²` per cluster (exact only for an exact pass).
    pub cluster_inertia: Vec<f64>,
    /// `Σ_i w_i min_k d_ik`; exact (direct sums) for an exact pass, else from the tiles.
    pub inertia: f64,
    /// Points whose label changed.
    pub changed: usize,
}

/// Buffers for assignment passes over one data set with `k` centers.
pub(crate) struct LloydWorkspace<F> {
    k: usize,
    d: usize,
    packed: PackedCenters<F>,
    leaves: Vec<Leaf<F>>,
    total: Assignment,
}

impl<F: Float> LloydWorkspace<F> {
    /// Allocates everything a fit needs. The point norms are the ones `samples` keeps
    /// ([`Samples::sq_norms`]), computed once here.
    pub fn new(samples: &Samples<'_, F>, k: usize) -> Self {
        let (n, d) = (samples.n_samples(), samples.n_features());
        samples.sq_norms();
        let leaves = (0..n_leaves(n))
            .map(|_| Leaf {
                tile_labels: vec![0; tile_rows::<F>(d)],
                tile_dist: vec![F::zero(); tile_rows::<F>(d)],
                tile_dist64: vec![0.0; tile_rows::<F>(d)],
                scratch: NearestScratch::new(),
                sums: ClusterSums::new(k, d),
                changed: 0,
            })
            .collect();
        LloydWorkspace {
            k,
            d,
            packed: PackedCenters::new(k, d),
            leaves,
            total: Assignment {
                sums: vec![0.0; k * d],
                weights: vec![0.0; k],
                counts: vec![0; k],
                cluster_inertia: vec![0.0; k],
                inertia: 0.0,
                changed: 0,
            },
        }
    }

    /// Assigns every point to its nearest center (ties to the lowest index), writing `labels`,
    /// and accumulates the per-cluster sums. With `exact`, the inertia is recomputed with direct
    /// sums instead of being read off the distance tiles.
    ///
    /// # Panics
    /// If `centers` is not `k × d` or `labels` not of length `n`.
    pub fn assign(
        &mut self,
        samples: &Samples<'_, F>,
        centers: &[F],
        labels: &mut [usize],
        exact: bool,
    ) -> &mut Assignment {
        let (k, d) = (self.k, self.d);
        let n = samples.n_samples();
        assert_eq!(centers.len(), k * d, "assign: centers must be k × d");
        assert_eq!(
            labels.len(),
            n,
            "assign: labels must have one entry per point"
        );
        self.packed.pack(centers);

        let x_norms = samples.sq_norms();
        let packed = &self.packed;
        self.leaves
            .par_iter_mut()
            .zip(labels.par_chunks_mut(LEAF_ROWS))
            .enumerate()
            .for_each(|(l, (leaf, leaf_labels))| {
                let rows = leaf_range(l, n);
                assign_leaf(
                    samples,
                    centers,
                    x_norms,
                    packed,
                    rows,
                    leaf,
                    leaf_labels,
                    exact,
                );
            });

        let total = &mut self.total;
        total.sums.iter_mut().for_each(|v| *v = 0.0);
        total.weights.iter_mut().for_each(|v| *v = 0.0);
        total.counts.iter_mut().for_each(|v| *v = 0);
        total.cluster_inertia.iter_mut().for_each(|v| *v = 0.0);
        total.inertia = 0.0;
        total.changed = 0;
        for leaf in &self.leaves {
            let s = &leaf.sums;
            for j in 0..k {
                add_into(&mut total.sums[j * d..(j + 1) * d], s.sums(j));
                total.weights[j] += s.weight(j);
                total.cluster_inertia[j] += s.cluster_inertia(j);
                total.counts[j] += s.count(j);
            }
            total.inertia += s.inertia();
            total.changed += leaf.changed;
        }
        &mut self.total
    }
}

/// `Σ_j (a_j − b_j)²` over the flattened centers, in `f64`: how far an update moved them, the
/// quantity the tolerance is compared with.
pub(crate) fn center_shift<F: Float>(a: &[F], b: &[F]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x.to_f64_lossless() - y.to_f64_lossless()).powi(2))
        .sum()
}

fn add_into(dst: &mut [f64], src: &[f64]) {
    for (a, b) in dst.iter_mut().zip(src) {
        *a += b;
    }
}

#[allow(clippy::too_many_arguments)]
fn assign_leaf<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    x_norms: &[F],
    packed: &PackedCenters<F>,
    rows: std::ops::Range<usize>,
    leaf: &mut Leaf<F>,
    labels: &mut [usize],
    exact: bool,
) {
    let d = samples.n_features();
    let tile_rows = leaf.tile_labels.len();
    leaf.sums.clear();
    leaf.changed = 0;

    let mut start = rows.start;
    while start < rows.end {
        let end = (start + tile_rows).min(rows.end);
        let m = end - start;
        let x = &samples.points()[start * d..end * d];
        let tile_labels = &mut leaf.tile_labels[..m];
        let tile_dist = &mut leaf.tile_dist[..m];
        nearest_centers(
            x,
            &x_norms[start..end],
            packed,
            &mut leaf.scratch,
            tile_labels,
            tile_dist,
        );

        let old = &mut labels[start - rows.start..end - rows.start];
        let mut changed = 0;
        for (slot, &j) in old.iter_mut().zip(tile_labels.iter()) {
            changed += usize::from(*slot != j);
            *slot = j;
        }
        leaf.changed += changed;

        let w = samples.weights().map(|w| &w[start..end]);
        if exact {
            let dist = &mut leaf.tile_dist64[..m];
            for ((dv, xi), &j) in dist
                .iter_mut()
                .zip(x.chunks_exact(d))
                .zip(tile_labels.iter())
            {
                *dv = sq_euclidean(xi, &centers[j * d..(j + 1) * d]);
            }
            leaf.sums.add(x, w, tile_labels, dist);
        } else {
            leaf.sums.add(x, w, tile_labels, tile_dist);
        }
        start = end;
    }
}

/// Moves each center to the weighted mean of its points, relocating the centers of empty
/// clusters (see [`relocate_empty`]). Returns the number of relocations.
///
/// `new_centers` receives the result; `labels` is updated for relocated points.
pub(crate) fn update_centers<F: Float>(
    samples: &Samples<'_, F>,
    old_centers: &[F],
    labels: &mut [usize],
    assignment: &mut Assignment,
    new_centers: &mut [F],
) -> usize {
    let d = samples.n_features();
    let relocated = relocate_empty(samples, old_centers, labels, assignment);
    for (j, c) in new_centers.chunks_exact_mut(d).enumerate() {
        let w = assignment.weights[j];
        if w > 0.0 {
            for (cv, s) in c.iter_mut().zip(&assignment.sums[j * d..(j + 1) * d]) {
                *cv = F::from_f64_round(s / w);
            }
        } else {
            // Only reachable when every point left is already a center's sole member: keep the
            // old position rather than produce NaN.
            c.copy_from_slice(&old_centers[j * d..(j + 1) * d]);
        }
    }
    relocated
}

/// Gives every empty cluster (zero total weight) a new center: the point farthest from its own
/// center, taken in decreasing order of distance (ties to the lower index). A point is skipped
/// when taking it would empty its cluster, when its weight is zero, or when it coincides with a
/// point already taken, so relocation never creates a new empty cluster or duplicate centers.
pub(crate) fn relocate_empty<F: Float>(
    samples: &Samples<'_, F>,
    old_centers: &[F],
    labels: &mut [usize],
    a: &mut Assignment,
) -> usize {
    let empty: Vec<usize> = (0..a.weights.len())
        .filter(|&j| a.weights[j] <= 0.0)
        .collect();
    if empty.is_empty() {
        return 0;
    }
    let d = samples.n_features();
    let far: Vec<f64> = (0..samples.n_samples())
        .into_par_iter()
        .map(|i| {
            sq_euclidean(
                samples.row(i),
                &old_centers[labels[i] * d..(labels[i] + 1) * d],
            )
        })
        .collect();
    let mut order: Vec<usize> = (0..samples.n_samples()).collect();
    order.sort_by(|&p, &q| far[q].total_cmp(&far[p]).then(p.cmp(&q)));

    let mut taken: Vec<usize> = Vec::new();
    let mut candidates = order.into_iter();
    for &e in &empty {
        for i in candidates.by_ref() {
            let from = labels[i];
            let w = samples.weight(i);
            let sole_member = a.counts[from] <= 1 || a.weights[from] - w <= 0.0;
            let duplicate = taken.iter().any(|&t| samples.row(t) == samples.row(i));
            if w <= 0.0 || sole_member || duplicate {
                continue;
            }
            for (s, v) in a.sums[from * d..(from + 1) * d]
                .iter_mut()
                .zip(samples.row(i))
            {
                *s -= w * v.to_f64_lossless();
            }
            a.weights[from] -= w;
            a.counts[from] -= 1;
            for (s, v) in a.sums[e * d..(e + 1) * d].iter_mut().zip(samples.row(i)) {
                *s = w * v.to_f64_lossless();
            }
            a.weights[e] = w;
            a.counts[e] = 1;
            labels[i] = e;
            taken.push(i);
            break;
        }
    }
    taken.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::argmin;
    use crate::rng::Rng;
    use ndarray::Array2;

    fn naive_assign(x: &Array2<f64>, w: &[f64], c: &[f64], k: usize) -> (Vec<usize>, Vec<f64>) {
        let d = x.ncols();
        let mut labels = vec![0; x.nrows()];
        let mut sums = vec![0.0; k * d];
        for (i, row) in x.outer_iter().enumerate() {
            let dist: Vec<f64> = (0..k)
                .map(|j| sq_euclidean(row.as_slice().unwrap(), &c[j * d..(j + 1) * d]))
                .collect();
            labels[i] = argmin(&dist);
            for t in 0..d {
                sums[labels[i] * d + t] += w[i] * row[t];
            }
        }
        (labels, sums)
    }

    #[test]
    fn assignment_matches_naive_reference() {
        for &(n, d, k) in &[
            (10, 1, 3),
            (3000, 2, 8),
            (2500, 20, 7),
            (LEAF_ROWS * 2 + 5, 9, 4),
        ] {
            let mut rng = Rng::new(n as u64);
            let x = Array2::from_shape_fn((n, d), |_| rng.normal() * 3.0);
            let w: Vec<f64> = (0..n).map(|_| 0.5 + rng.uniform()).collect();
            let c: Vec<f64> = (0..k * d).map(|_| rng.normal() * 3.0).collect();
            let s = Samples::new(x.view(), Some(&w)).unwrap();
            let mut ws = LloydWorkspace::new(&s, k);
            let mut labels = vec![usize::MAX; n];
            let a = ws.assign(&s, &c, &mut labels, true).clone();
            let (want_labels, want_sums) = naive_assign(&x, &w, &c, k);
            assert_eq!(labels, want_labels);
            for (g, e) in a.sums.iter().zip(&want_sums) {
                assert!((g - e).abs() <= 1e-9 * (1.0 + e.abs()));
            }
            assert_eq!(a.changed, n);
        }
    }

    #[test]
    fn assignment_is_bit_identical_for_1_2_and_4_threads() {
        // The direct, panel and dot kernels.
        for &(d, k) in &[(2, 8), (40, 37), (100, 10)] {
            let n = LEAF_ROWS * 3 + 17;
            let mut rng = Rng::new(d as u64);
            let x = Array2::from_shape_fn((n, d), |_| (rng.normal() * 3.0) as f32);
            let c: Vec<f32> = (0..k * d).map(|_| (rng.normal() * 3.0) as f32).collect();
            let s = Samples::new(x.view(), None).unwrap();
            let runs: Vec<(Vec<usize>, Assignment)> = [1, 2, 4]
                .iter()
                .map(|&t| {
                    crate::parallel::Threads(t)
                        .install(|| {
                            let mut ws = LloydWorkspace::new(&s, k);
                            let mut labels = vec![usize::MAX; n];
                            let a = ws.assign(&s, &c, &mut labels, false).clone();
                            (labels, a)
                        })
                        .unwrap()
                })
                .collect();
            for (labels, a) in &runs[1..] {
                assert_eq!(labels, &runs[0].0);
                assert_eq!(a.sums, runs[0].1.sums);
                assert_eq!(a.inertia.to_bits(), runs[0].1.inertia.to_bits());
            }
        }
    }

    #[test]
    fn relocation_fills_empty_clusters_without_emptying_others() {
        // Two far-apart groups, three centers, one of which attracts nothing.
        let x = ndarray::array![
            [0.0, 0.0],
            [0.1, 0.0],
            [10.0, 0.0],
            [10.5, 0.0],
            [30.0, 0.0]
        ];
        let s = Samples::new(x.view(), None).unwrap();
        let c = vec![0.0, 0.0, 100.0, 100.0, 10.0, 0.0];
        let mut ws = LloydWorkspace::new(&s, 3);
        let mut labels = vec![0; 5];
        let mut a = ws.assign(&s, &c, &mut labels, false).clone();
        assert_eq!(a.counts[1], 0);
        let mut new = vec![0.0; 6];
        let moved = update_centers(&s, &c, &mut labels, &mut a, &mut new);
        assert_eq!(moved, 1);
        assert_eq!(&new[2..4], &[30.0, 0.0]);
        assert!(a.counts.iter().all(|&c| c > 0));
        assert!(new.iter().all(|v: &f64| v.is_finite()));
    }
}
