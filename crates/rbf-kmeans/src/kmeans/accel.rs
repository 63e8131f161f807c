//! What Elkan's and Hamerly's algorithms share: distance bounds that are safe against the rounding
//! of Lloyd's distance tiles, the per-leaf pass, and the iteration driver.
//!
//! # Exactly Lloyd's labels
//!
//! Lloyd labels point `i` with the argmin (lowest index on ties) of the *computed* distances
//! `d̃_ij` of [`tile_sq_distances`], not of the true `d_ij = ‖x_i − c_j‖²`. Both kinds of
//! accelerated pass reproduce that choice without computing most of the `d̃_ij`:
//!
//! * **The rounding of a tile is bounded.** For the expanded form `‖x‖² − 2x·c + ‖c‖²` (any
//!   summation order of the dot product, with or without FMA) and for the direct sum of squared
//!   differences alike, `|d̃_ij − d_ij| ≤ ε_ij = κ (‖x_i‖ + ‖c_j‖)²` with `κ = (d + 8) ε_F`, where
//!   `ε_F` is the machine epsilon of the data's type (twice the standard `γ_{d+4}` bound).
//! * **A center is excluded only with proof.** If `d_ij − ε_ij > d_ib + ε_ib` then
//!   `d̃_ij > d̃_ib`, so `j` is not Lloyd's choice. The bounds (upper `u_i ≥ ‖x_i − c_{a_i}‖`,
//!   lower `l_ij ≤ ‖x_i − c_j‖`, center–center distances) are on *true* distances, rounded
//!   outwards, and a center counts as excluded when its lower bound exceeds the reach
//!   `r_i = √(u_i² + 2 max_j ε_ij)`.
//! * **A point whose label is still open** gets its distances computed again. Above
//!   [`DIRECT_MAX_DIM`] the open points of a tile are gathered into one GEMM (same kernel, other
//!   rows, so its own rounding, also within `ε`): the label is settled if one center is more than
//!   `2ε` below all others. At low dimension the surviving centers get exact distances (a direct
//!   `f64` sum, relative error below `η = (d + 8) ε_f64`) and the label is settled if one center
//!   is more than `ε` below the others. A near-tie that neither settles takes its label from
//!   Lloyd's fused kernel called on its row alone (the kernel's result for a row does not depend
//!   on the other rows of the call), and a tile where half the points are open gets the very
//!   tile Lloyd computes (same rows, same norms, same kernel) and takes its labels.
//!
//! Weighted sums are accumulated per leaf in row order and reduced in leaf order exactly as in
//! [`super::lloyd`], so the new centers are bit-identical to Lloyd's, and so is everything that
//! follows from them (relocation, center shift, stop reason), for any thread count.

use std::ops::Range;

use rayon::prelude::*;

use super::algorithm::{IterationEvent, KMeansFit, StopReason};
use super::hyperparams::Algorithm;
use super::lloyd::{center_shift, tile_rows, update_centers, Assignment, LloydWorkspace};
use super::model::KMeansModel;
use crate::data::Samples;
use crate::distance::{
    add_weighted_row, nearest_centers, row_sq_norms, tile_sq_distances, KernelPath, NearestScratch,
    PackedCenters, DIRECT_MAX_DIM,
};
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves, LEAF_ROWS};

/// One point's bounds, as the pruning rules see them.
pub(crate) struct PointBounds<'a> {
    /// `u_i ≥ ‖x_i − c_{a_i}‖`.
    pub upper: &'a mut f64,
    /// Whether `u_i` may be loose (a center moved since it was last computed exactly).
    pub stale: &'a mut bool,
    /// Lower bounds, rounded down to `f32`: one per center (Elkan) or one for all centers but
    /// the point's own (Hamerly).
    pub lower: &'a mut [f32],
}

/// The pruning rules of one accelerated algorithm.
pub(crate) trait Pruning {
    /// The algorithm, for events and the fit's record.
    const ALGORITHM: Algorithm;

    /// Lower bounds stored per point with `k` centers.
    fn lower_len(k: usize) -> usize;

    /// Brings the bounds of point `i` (label `a`) up to date with the last center drift and
    /// returns whether every other center is provably not Lloyd's choice.
    fn screen<F: Float>(pass: &Pass<'_, '_, F>, i: usize, a: usize, b: PointBounds<'_>) -> bool;

    /// Decides the label of a point that `screen` left open, from exact distances; `None` for
    /// a near-tie that only Lloyd's own tile can settle. `scratch` holds at most `k` entries.
    fn resolve<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        b: PointBounds<'_>,
        scratch: &mut Vec<(usize, f64)>,
    ) -> Option<usize>;

    /// Resets the bounds of point `i`, now labelled `a`, from its row of computed distances
    /// (Lloyd's tile or a GEMM over gathered open points; either is within `ε` of the truth).
    fn from_row<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        row: &[F],
        b: PointBounds<'_>,
    );

    /// As [`Pruning::from_row`] when `a` is the row's argmin and `second = min_{j≠a} row[j]`
    /// is known already.
    fn from_argmin_row<F: Float>(
        pass: &Pass<'_, '_, F>,
        i: usize,
        a: usize,
        row: &[F],
        _second: f64,
        b: PointBounds<'_>,
    ) {
        Self::from_row(pass, i, a, row, b);
    }

    /// Forgets what the bounds knew about the point's own center after relocation moved the
    /// point to another cluster.
    fn forget(b: PointBounds<'_>);
}

/// Distances between the current centers and how far each moved in the last update.
pub(crate) struct CenterGeometry {
    k: usize,
    /// `≥ ‖c_j‖`.
    c_norm: Vec<f64>,
    /// `max_j c_norm[j]`.
    c_max: f64,
    /// `cc[a·k + j] ≤ ‖c_a − c_j‖`.
    pub cc: Vec<f64>,
    /// `s[a] = ½ min_{j≠a} cc[a·k + j]` (infinite for `k = 1`).
    pub s: Vec<f64>,
    /// `drift[j] ≥ ‖c_j^new − c_j^old‖` over the last update (zero before the first).
    pub drift: Vec<f64>,
    /// The largest drift, its center, and the second largest.
    drift_top: (f64, usize, f64),
}

impl CenterGeometry {
    /// The largest drift of a center other than `a`.
    pub fn max_drift_except(&self, a: usize) -> f64 {
        let (m1, j1, m2) = self.drift_top;
        if a == j1 {
            m2
        } else {
            m1
        }
    }
}

/// Everything a leaf needs to read during one pass.
pub(crate) struct Pass<'s, 'a, F: Float> {
    samples: &'s Samples<'a, F>,
    centers: &'s [F],
    c_norms: &'s [F],
    x_norms: &'s [F],
    x_norm: &'s [f64],
    packed: &'s PackedCenters<F>,
    tile_rows: usize,
    /// Distances between centers and their drift.
    pub geo: &'s CenterGeometry,
    kappa: f64,
    eta: f64,
    first: bool,
    tile_speedup: usize,
    gather: bool,
}

impl<F: Float> Pass<'_, '_, F> {
    /// Number of centers.
    pub fn k(&self) -> usize {
        self.geo.k
    }

    /// Exact `‖x_i − c_j‖²` (direct `f64` sum; relative error below `η`).
    #[inline]
    pub fn exact(&self, i: usize, j: usize) -> f64 {
        let d = self.samples.n_features();
        direct_sq_distance(self.samples.row(i), &self.centers[j * d..(j + 1) * d])
    }

    /// `ε_ij`, the bound on the rounding of Lloyd's `d̃_ij`.
    #[inline]
    pub fn eps(&self, i: usize, j: usize) -> f64 {
        self.kappa * (self.x_norm[i] + self.geo.c_norm[j]).powi(2)
    }

    /// `r_i`: a center whose true distance to `x_i` exceeds this cannot be Lloyd's choice while
    /// the point's own center is within `u`.
    #[inline]
    pub fn reach(&self, i: usize, u: f64) -> f64 {
        let e = self.kappa * (self.x_norm[i] + self.geo.c_max).powi(2);
        (u * u + 2.0 * e).sqrt() * (1.0 + self.eta)
    }

    /// `q ≥ r_i²` for the reach `r_i` of [`Pass::reach`], without its square root (the
    /// `4 ε_f64` covers this product's own rounding).
    #[inline]
    pub fn reach_sq(&self, i: usize, u: f64) -> f64 {
        let e = self.kappa * (self.x_norm[i] + self.geo.c_max).powi(2);
        let g = 1.0 + self.eta;
        (u * u + 2.0 * e) * (g * g) * (1.0 + 4.0 * f64::EPSILON)
    }

    /// An upper bound on `√D` for an exact squared distance `D`.
    #[inline]
    pub fn upper(&self, sq: f64) -> f64 {
        sq.sqrt() * (1.0 + self.eta)
    }

    /// A lower bound on `√D` for an exact squared distance `D`.
    #[inline]
    pub fn lower(&self, sq: f64) -> f64 {
        sq.sqrt() * (1.0 - self.eta)
    }

    /// A lower bound on `‖x_i − c_j‖²` from a computed `d̃_ij` (before the square root).
    #[inline]
    pub fn tile_lower_sq(&self, i: usize, j: usize, tile: F) -> f64 {
        (tile.to_f64_lossless() - self.eps(i, j)).max(0.0)
    }

    /// `ε_i,max = κ (‖x_i‖ + max_j ‖c_j‖)² ≥ ε_ij` for every center `j`.
    #[inline]
    pub fn eps_max(&self, i: usize) -> f64 {
        self.kappa * (self.x_norm[i] + self.geo.c_max).powi(2)
    }

    /// Whether a row `d̂_i·` computed by the tile kernel on other rows than Lloyd's (so with its
    /// own rounding, also within `ε`) proves that Lloyd's argmin is `j`: every other center is
    /// more than `2ε` (ours plus Lloyd's) farther. `tj = d̂_ij` and `second = min_{c≠j} d̂_ic`;
    /// the test uses `ε_i,max`, which is at least every other center's `ε`.
    pub fn settled(&self, i: usize, j: usize, tj: f64, second: f64) -> bool {
        let hi = (tj + 2.0 * self.eps(i, j)) * (1.0 + self.eta);
        (second - 2.0 * self.eps_max(i)) * (1.0 - self.eta) > hi
    }

    /// A lower bound on `‖x_i − c_j‖` for every `j ≠ a`, from `second = min_{j≠a} d̃_ij`.
    #[inline]
    pub fn lower_except(&self, i: usize, second: f64) -> f64 {
        self.lower((second - self.eps_max(i)).max(0.0))
    }

    /// Bounds `(lower, upper)` on `‖x_i − c_j‖` from Lloyd's `d̃_ij`.
    #[inline]
    pub fn tile_bounds(&self, i: usize, j: usize, tile: F) -> (f64, f64) {
        let (t, e) = (tile.to_f64_lossless(), self.eps(i, j));
        (self.lower((t - e).max(0.0)), self.upper(t + e))
    }

    /// Whether exact distances `sq_b` (the smallest) and `sq_j` are close enough that Lloyd's
    /// rounding might rank `j` at or below `b`.
    #[inline]
    pub fn near_tie(&self, i: usize, b: usize, sq_b: f64, j: usize, sq_j: f64) -> bool {
        sq_j * (1.0 - self.eta) - self.eps(i, j) <= sq_b * (1.0 + self.eta) + self.eps(i, b)
    }

    /// Rounds up a sum of bounds (drift updates).
    #[inline]
    pub fn round_up(&self, v: f64) -> f64 {
        v * (1.0 + 4.0 * f64::EPSILON)
    }
}

/// `min_{j ≠ skip} row[j]` as `f64` (infinite when `row` has one entry).
pub(crate) fn min_except<F: Float>(row: &[F], skip: usize) -> f64 {
    let (j, best, second) = two_smallest(row);
    if j == skip {
        second
    } else {
        best
    }
}

/// `(j, row[j], min_{c≠j} row[c])` for `j` the argmin of `row` (lowest index on ties, as
/// [`argmin`](crate::distance::argmin)), the runner-up being infinite for a row of one. One pass with eight running
/// pairs of minima, which the compiler keeps in vector registers, then a scan for the index.
pub(crate) fn two_smallest<F: Float>(row: &[F]) -> (usize, f64, f64) {
    let inf = F::infinity();
    let (mut m1, mut m2) = ([inf; 8], [inf; 8]);
    let chunks = row.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for t in 0..8 {
            let v = c[t];
            let hi = if v < m1[t] { m1[t] } else { v };
            m1[t] = if v < m1[t] { v } else { m1[t] };
            m2[t] = if hi < m2[t] { hi } else { m2[t] };
        }
    }
    let (mut g1, mut g2) = (inf, inf);
    for &v in m1.iter().chain(rest) {
        if v < g1 {
            g2 = g1;
            g1 = v;
        } else if v < g2 {
            g2 = v;
        }
    }
    for &v in &m2 {
        g2 = if v < g2 { v } else { g2 };
    }
    let j = row.iter().position(|&v| v == g1).unwrap_or(0);
    (j, g1.to_f64_lossless(), g2.to_f64_lossless())
}

/// `Σ_t (a_t − b_t)²` in `f64` with four interleaved accumulators.
#[inline]
pub(crate) fn direct_sq_distance<F: Float>(a: &[F], b: &[F]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for t in 0..4 {
            let v = x[t].to_f64_lossless() - y[t].to_f64_lossless();
            acc[t] += v * v;
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (x, y) in ra.iter().zip(rb) {
        let v = x.to_f64_lossless() - y.to_f64_lossless();
        s += v * v;
    }
    s
}

/// `x ≥ 0` rounded down to an `f32` (for a lower bound), without branches: the slack of
/// `2⁻²²` relative covers the conversion's rounding of normal numbers, the subtracted smallest
/// normal covers subnormals, and values beyond `f32::MAX` become `f32::MAX`.
#[inline]
pub(crate) fn f32_down(x: f64) -> f32 {
    (x * (1.0 - 1.0 / 4194304.0) - f32::MIN_POSITIVE as f64).clamp(0.0, f32::MAX as f64) as f32
}

/// Per-leaf scratch and partial sums.
struct Leaf<F> {
    /// Lloyd's labels and distances for one tile, and the fused kernel's scratch.
    tile_labels: Vec<usize>,
    tile_dist: Vec<F>,
    nearest: NearestScratch<F>,
    tile: Vec<F>,
    /// Open rows gathered for one GEMM, and their squared norms (GEMM path only).
    gathered: Vec<F>,
    gathered_norms: Vec<F>,
    open: Vec<usize>,
    ties: Vec<usize>,
    scratch: Vec<(usize, f64)>,
    sums: Vec<f64>,
    weights: Vec<f64>,
    counts: Vec<usize>,
    /// `Σ w_i ‖x_i‖²` per cluster, for the pass's inertia.
    sq_norms: Vec<f64>,
    changed: usize,
    tiles: usize,
    opened: usize,
}

/// Buffers and bounds of an accelerated fit, allocated once.
pub(crate) struct AccelWorkspace<F> {
    k: usize,
    d: usize,
    lower_len: usize,
    x_norm: Vec<f64>,
    c_norms: Vec<F>,
    packed: PackedCenters<F>,
    geo: CenterGeometry,
    upper: Vec<f64>,
    stale: Vec<bool>,
    lower: Vec<f32>,
    leaves: Vec<Leaf<F>>,
    prev_labels: Vec<usize>,
    passes: usize,
    /// The reduced result of the last pass.
    pub total: Assignment,
    /// Lloyd tiles computed in the last pass (diagnostics).
    pub tiles: usize,
    /// Points the last pass could not settle from bounds alone.
    pub opened: usize,
}

impl<F: Float> AccelWorkspace<F> {
    /// Allocates everything for `k` centers and the rules `P`.
    pub fn new<P: Pruning>(samples: &Samples<'_, F>, k: usize) -> Self {
        let (n, d) = (samples.n_samples(), samples.n_features());
        let lower_len = P::lower_len(k);
        // Lloyd's tiling, so that a tile decided here is decided by Lloyd's very kernel call.
        let tile = tile_rows::<F>(d);
        let leaves = (0..n_leaves(n))
            .map(|_| Leaf {
                tile_labels: vec![0; tile],
                tile_dist: vec![F::zero(); tile],
                nearest: NearestScratch::new(),
                tile: vec![F::zero(); tile * k],
                gathered: vec![F::zero(); if d > DIRECT_MAX_DIM { tile * d } else { 0 }],
                gathered_norms: vec![F::zero(); tile],
                open: Vec::with_capacity(tile),
                ties: Vec::with_capacity(tile),
                scratch: Vec::with_capacity(k),
                sums: vec![0.0; k * d],
                weights: vec![0.0; k],
                counts: vec![0; k],
                sq_norms: vec![0.0; k],
                changed: 0,
                tiles: 0,
                opened: 0,
            })
            .collect();
        AccelWorkspace {
            k,
            d,
            lower_len,
            x_norm: Vec::new(),
            c_norms: vec![F::zero(); k],
            packed: PackedCenters::new(k, d),
            geo: CenterGeometry {
                k,
                c_norm: vec![0.0; k],
                c_max: 0.0,
                cc: vec![0.0; k * k],
                s: vec![0.0; k],
                drift: vec![0.0; k],
                drift_top: (0.0, 0, 0.0),
            },
            upper: vec![f64::INFINITY; n],
            stale: vec![true; n],
            lower: vec![0.0; n * lower_len],
            leaves,
            prev_labels: vec![usize::MAX; n],
            passes: 0,
            total: Assignment {
                sums: vec![0.0; k * d],
                weights: vec![0.0; k],
                counts: vec![0; k],
                cluster_inertia: vec![0.0; k],
                inertia: 0.0,
                changed: 0,
            },
            tiles: 0,
            opened: 0,
        }
    }
}

/// Relative error allowed for an exact (direct `f64`) squared distance in `d` dimensions.
fn eta(d: usize) -> f64 {
    (d + 8) as f64 * f64::EPSILON
}

/// `κ` of the tile rounding bound `ε_ij = κ (‖x_i‖ + ‖c_j‖)²` for data of type `F`.
fn kappa<F: Float>(d: usize) -> f64 {
    (d + 8) as f64 * F::epsilon().to_f64_lossless()
}

/// How many Lloyd tile rows cost as much as one open point's distances, roughly. Above
/// [`DIRECT_MAX_DIM`] open points get their rows from one GEMM over just those points, so the
/// whole tile only pays once half the points are open; below it, the tile is a plain loop like
/// the exact one.
fn tile_speedup(_d: usize) -> usize {
    2
}

impl<F: Float> AccelWorkspace<F> {
    /// The points' squared norms in `F` (for the tiles, kept by `samples`: see
    /// [`Samples::sq_norms`]) and their norms in `f64`, rounded up (for the bounds), computed at
    /// the first pass rather than with the workspace, so that an `auto` fit that never prunes
    /// does not pay for the latter.
    fn ensure_norms(&mut self, samples: &Samples<'_, F>) {
        let (n, d) = (samples.n_samples(), samples.n_features());
        if self.x_norm.len() == n {
            return;
        }
        samples.sq_norms();
        let eta = eta(d);
        self.x_norm = (0..n)
            .into_par_iter()
            .map(|i| {
                let s: f64 = samples
                    .row(i)
                    .iter()
                    .map(|v| v.to_f64_lossless().powi(2))
                    .sum();
                s.sqrt() * (1.0 + eta)
            })
            .collect();
    }

    /// One assignment pass at `centers` (`k × d`): writes `labels` (identical to Lloyd's) and
    /// leaves the weighted sums in [`AccelWorkspace::total`]. The first pass computes every tile.
    pub fn assign<P: Pruning>(
        &mut self,
        samples: &Samples<'_, F>,
        centers: &[F],
        labels: &mut [usize],
    ) {
        let (k, d, n) = (self.k, self.d, samples.n_samples());
        assert_eq!(centers.len(), k * d, "assign: centers must be k × d");
        assert_eq!(
            labels.len(),
            n,
            "assign: labels must have one entry per point"
        );
        self.ensure_norms(samples);
        row_sq_norms(centers, d, &mut self.c_norms);
        self.packed.pack(centers);
        self.update_geometry(centers);

        let pass = Pass {
            samples,
            centers,
            c_norms: &self.c_norms,
            x_norms: samples.sq_norms(),
            x_norm: &self.x_norm,
            packed: &self.packed,
            tile_rows: tile_rows::<F>(d),
            geo: &self.geo,
            kappa: kappa::<F>(d),
            eta: eta(d),
            first: self.passes == 0,
            tile_speedup: tile_speedup(d),
            gather: d > DIRECT_MAX_DIM,
        };
        let m = self.lower_len;
        self.leaves
            .par_iter_mut()
            .zip(labels.par_chunks_mut(LEAF_ROWS))
            .zip(self.upper.par_chunks_mut(LEAF_ROWS))
            .zip(self.stale.par_chunks_mut(LEAF_ROWS))
            .zip(self.lower.par_chunks_mut(LEAF_ROWS * m))
            .enumerate()
            .for_each(|(l, ((((leaf, labels), upper), stale), lower))| {
                let bounds = LeafBounds {
                    upper,
                    stale,
                    lower,
                    m,
                };
                assign_leaf::<F, P>(&pass, leaf_range(l, n), leaf, labels, bounds);
            });
        self.passes += 1;

        let total = &mut self.total;
        total.sums.iter_mut().for_each(|v| *v = 0.0);
        total.weights.iter_mut().for_each(|v| *v = 0.0);
        total.counts.iter_mut().for_each(|v| *v = 0);
        total.inertia = 0.0;
        total.changed = 0;
        self.tiles = 0;
        self.opened = 0;
        for leaf in &self.leaves {
            for (a, b) in total.sums.iter_mut().zip(&leaf.sums) {
                *a += b;
            }
            for (a, b) in total.weights.iter_mut().zip(&leaf.weights) {
                *a += b;
            }
            for (a, b) in total.counts.iter_mut().zip(&leaf.counts) {
                *a += b;
            }
            total.changed += leaf.changed;
            self.tiles += leaf.tiles;
            self.opened += leaf.opened;
        }

        // The pass's inertia `Σ_k Σ_{i∈k} w_i ‖x_i − c_k‖²`, from the per-cluster sums as
        // `Σ w‖x‖² − 2 c_k·S_k + W_k ‖c_k‖²` (most points' distances are never computed).
        for (j, (c, s)) in centers
            .chunks_exact(d)
            .zip(total.sums.chunks_exact(d))
            .enumerate()
        {
            let q: f64 = self.leaves.iter().map(|leaf| leaf.sq_norms[j]).sum();
            let (mut cs, mut cc) = (0.0, 0.0);
            for (&cv, &sv) in c.iter().zip(s) {
                let cv = cv.to_f64_lossless();
                cs += cv * sv;
                cc += cv * cv;
            }
            let v = (q - 2.0 * cs + total.weights[j] * cc).max(0.0);
            total.cluster_inertia[j] = v;
            total.inertia += v;
        }
    }

    /// Moves the centers exactly as Lloyd does ([`update_centers`], with its relocation of
    /// empty clusters) from `centers` into `next`, then records how far each center moved and
    /// forgets the bounds of relocated points. Returns the number of relocations.
    pub fn update<P: Pruning>(
        &mut self,
        samples: &Samples<'_, F>,
        centers: &[F],
        labels: &mut [usize],
        next: &mut [F],
    ) -> usize {
        let has_empty = self.total.weights.iter().any(|&w| w <= 0.0);
        if has_empty {
            self.prev_labels.copy_from_slice(labels);
        }
        let relocated = update_centers(samples, centers, labels, &mut self.total, next);
        if relocated > 0 {
            let m = self.lower_len;
            for (i, (&now, &before)) in labels.iter().zip(&self.prev_labels).enumerate() {
                if now != before {
                    P::forget(PointBounds {
                        upper: &mut self.upper[i],
                        stale: &mut self.stale[i],
                        lower: &mut self.lower[i * m..(i + 1) * m],
                    });
                }
            }
        }

        let d = self.d;
        let eta = eta(d);
        let mut top = (0.0, 0, 0.0);
        for (j, (old, new)) in centers
            .chunks_exact(d)
            .zip(next.chunks_exact(d))
            .enumerate()
        {
            let moved = direct_sq_distance(old, new).sqrt() * (1.0 + eta);
            self.geo.drift[j] = moved;
            if moved > top.0 {
                top = (moved, j, top.0);
            } else if moved > top.2 {
                top.2 = moved;
            }
        }
        self.geo.drift_top = top;
        relocated
    }

    /// Center norms and center–center distances of the current centers.
    fn update_geometry(&mut self, centers: &[F]) {
        let (k, d) = (self.k, self.d);
        let eta = eta(d);
        let geo = &mut self.geo;
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let s: f64 = c.iter().map(|v| v.to_f64_lossless().powi(2)).sum();
            geo.c_norm[j] = s.sqrt() * (1.0 + eta);
        }
        geo.c_max = geo.c_norm.iter().cloned().fold(0.0, f64::max);
        for a in 0..k {
            geo.cc[a * k + a] = 0.0;
            for j in a + 1..k {
                let v =
                    direct_sq_distance(&centers[a * d..(a + 1) * d], &centers[j * d..(j + 1) * d])
                        .sqrt()
                        * (1.0 - eta);
                geo.cc[a * k + j] = v;
                geo.cc[j * k + a] = v;
            }
        }
        for a in 0..k {
            let row = &geo.cc[a * k..(a + 1) * k];
            let nearest = row
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != a)
                .map(|(_, &v)| v)
                .fold(f64::INFINITY, f64::min);
            geo.s[a] = 0.5 * nearest;
        }
    }
}

/// A leaf's share of the bounds.
struct LeafBounds<'a> {
    upper: &'a mut [f64],
    stale: &'a mut [bool],
    lower: &'a mut [f32],
    m: usize,
}

impl LeafBounds<'_> {
    fn point(&mut self, r: usize) -> PointBounds<'_> {
        PointBounds {
            upper: &mut self.upper[r],
            stale: &mut self.stale[r],
            lower: &mut self.lower[r * self.m..(r + 1) * self.m],
        }
    }
}

/// All `k` distances of rows `rows`, into `tile`, for the bounds of near-tied points.
fn lloyd_tile<F: Float>(pass: &Pass<'_, '_, F>, rows: Range<usize>, tile: &mut [F]) {
    let d = pass.samples.n_features();
    let k = pass.k();
    let x = &pass.samples.points()[rows.start * d..rows.end * d];
    tile_sq_distances(
        x,
        &pass.x_norms[rows.clone()],
        pass.centers,
        pass.c_norms,
        d,
        &mut tile[..rows.len() * k],
    );
}

fn set_label(slot: &mut usize, j: usize, changed: &mut usize) {
    if *slot != j {
        *changed += 1;
        *slot = j;
    }
}

/// Screens the points of one tile (`first_row` is the leaf's first row): the open ones go to
/// `open`, in row order.
fn screen_tile<F: Float, P: Pruning>(
    pass: &Pass<'_, '_, F>,
    tile: Range<usize>,
    first_row: usize,
    labels: &[usize],
    bounds: &mut LeafBounds<'_>,
    open: &mut Vec<usize>,
) {
    for i in tile {
        let r = i - first_row;
        if pass.first || !P::screen(pass, i, labels[r], bounds.point(r)) {
            open.push(i);
        }
    }
}

/// Adds one tile's points to the leaf's sums, weights, counts and squared norms, in row order as in
/// Lloyd's pass, so that the sums come out bit-identical.
fn accumulate_tile<F: Float>(
    pass: &Pass<'_, '_, F>,
    tile: Range<usize>,
    first_row: usize,
    labels: &[usize],
    leaf: &mut Leaf<F>,
) {
    let d = pass.samples.n_features();
    let path = KernelPath::detect();
    let (start, end) = (tile.start, tile.end);
    // Row order, as in Lloyd's pass: the sums come out bit-identical.
    for i in start..end {
        let r = i - first_row;
        let j = labels[r];
        let w = pass.samples.weight(i);
        leaf.sq_norms[j] += w * pass.x_norm[i] * pass.x_norm[i];
        leaf.weights[j] += w;
        leaf.counts[j] += 1;
        add_weighted_row(
            path,
            &mut leaf.sums[j * d..(j + 1) * d],
            w,
            pass.samples.row(i),
        );
    }
}

/// Lloyd's label for a near-tied point `i`, from the fused kernel called on the point's row
/// alone: the kernel's result for a row does not depend on the other rows of the call (tested in
/// `distance::nearest`), so this is the label Lloyd's tile gives it. Leaves the point's exact
/// distances, rounded to `F`, in `leaf.tile[..k]` for its bounds: within `η + ε_F` relative of
/// the truth, well inside the `ε` that [`Pruning::from_row`] allows.
fn settle_tie<F: Float>(pass: &Pass<'_, '_, F>, i: usize, leaf: &mut Leaf<F>) -> usize {
    nearest_centers(
        pass.samples.row(i),
        &pass.x_norms[i..i + 1],
        pass.packed,
        &mut leaf.nearest,
        &mut leaf.tile_labels[..1],
        &mut leaf.tile_dist[..1],
    );
    for (j, t) in leaf.tile[..pass.k()].iter_mut().enumerate() {
        *t = F::from_f64_round(pass.exact(i, j));
    }
    leaf.tile_labels[0]
}

fn assign_leaf<F: Float, P: Pruning>(
    pass: &Pass<'_, '_, F>,
    rows: Range<usize>,
    leaf: &mut Leaf<F>,
    labels: &mut [usize],
    mut bounds: LeafBounds<'_>,
) {
    let (k, d) = (pass.k(), pass.samples.n_features());
    leaf.sums.iter_mut().for_each(|v| *v = 0.0);
    leaf.weights.iter_mut().for_each(|v| *v = 0.0);
    leaf.counts.iter_mut().for_each(|v| *v = 0);
    leaf.sq_norms.iter_mut().for_each(|v| *v = 0.0);
    leaf.changed = 0;
    leaf.tiles = 0;
    leaf.opened = 0;

    // Tiles start where Lloyd's start, so a tile computed here is bit-identical to Lloyd's.
    let mut start = rows.start;
    while start < rows.end {
        let end = (start + pass.tile_rows).min(rows.end);
        leaf.open.clear();
        leaf.ties.clear();
        screen_tile::<F, P>(
            pass,
            start..end,
            rows.start,
            labels,
            &mut bounds,
            &mut leaf.open,
        );

        leaf.opened += leaf.open.len();
        let gemm = pass.first || leaf.open.len() * pass.tile_speedup >= end - start;
        if !gemm && pass.gather {
            let g = leaf.open.len();
            for (q, &i) in leaf.open.iter().enumerate() {
                leaf.gathered[q * d..(q + 1) * d].copy_from_slice(pass.samples.row(i));
                leaf.gathered_norms[q] = pass.x_norms[i];
            }
            tile_sq_distances(
                &leaf.gathered[..g * d],
                &leaf.gathered_norms[..g],
                pass.centers,
                pass.c_norms,
                d,
                &mut leaf.tile[..g * k],
            );
            for (q, &i) in leaf.open.iter().enumerate() {
                let r = i - rows.start;
                let row = &leaf.tile[q * k..(q + 1) * k];
                let (j, tj, second) = two_smallest(row);
                if pass.settled(i, j, tj, second) {
                    set_label(&mut labels[r], j, &mut leaf.changed);
                    P::from_argmin_row(pass, i, j, row, second, bounds.point(r));
                } else {
                    leaf.ties.push(i);
                }
            }
        } else if !gemm {
            for &i in &leaf.open {
                let r = i - rows.start;
                match P::resolve(pass, i, labels[r], bounds.point(r), &mut leaf.scratch) {
                    Some(j) => set_label(&mut labels[r], j, &mut leaf.changed),
                    None => leaf.ties.push(i),
                }
            }
        }
        if gemm {
            // Lloyd's own tile: its labels, and its rows refresh the bounds.
            let m = end - start;
            nearest_centers(
                &pass.samples.points()[start * d..end * d],
                &pass.x_norms[start..end],
                pass.packed,
                &mut leaf.nearest,
                &mut leaf.tile_labels[..m],
                &mut leaf.tile_dist[..m],
            );
            lloyd_tile(pass, start..end, &mut leaf.tile);
            leaf.tiles += 1;
            for &i in &leaf.open {
                let r = i - rows.start;
                let row = &leaf.tile[(i - start) * k..(i - start + 1) * k];
                let j = leaf.tile_labels[i - start];
                set_label(&mut labels[r], j, &mut leaf.changed);
                P::from_row(pass, i, j, row, bounds.point(r));
            }
        } else {
            for q in 0..leaf.ties.len() {
                let i = leaf.ties[q];
                let r = i - rows.start;
                let j = settle_tie(pass, i, leaf);
                set_label(&mut labels[r], j, &mut leaf.changed);
                P::from_row(pass, i, j, &leaf.tile[..k], bounds.point(r));
            }
        }

        accumulate_tile(pass, start..end, rows.start, labels, leaf);
        start = end;
    }
}

/// When [`Algorithm::Auto`] runs a pruned pass and when a plain Lloyd pass, from how many
/// labels change and what each kind of pass has cost so far (wall time of the last of each).
///
/// A fit starts with Lloyd passes while more than 1% of the points change cluster per
/// iteration: bounds would not prune then, and building them costs a full pass (Lloyd's tile
/// and a GEMM, about twice a Lloyd pass), which short fits never earn back. After that, pruned
/// passes run while they are cheaper than the last Lloyd pass. When one is not, Lloyd passes
/// run for a spell (8 iterations, doubling at each further failure up to 64), after which a
/// full pass rebuilds the bounds and pruning is tried again. Timing only decides which kind of
/// pass runs; both give bit-identical results, so the fit does not depend on the timings.
struct PassChooser {
    /// Past the first Lloyd passes (always, for a plain accelerated run).
    warm: bool,
    lloyd_secs: f64,
    lloyd_left: usize,
    backoff: usize,
}

impl PassChooser {
    fn new(adaptive: bool) -> Self {
        PassChooser {
            warm: !adaptive,
            lloyd_secs: f64::INFINITY,
            lloyd_left: 0,
            backoff: 8,
        }
    }

    /// Whether the next pass is a plain Lloyd pass.
    fn lloyd_next(&self) -> bool {
        !self.warm || self.lloyd_left > 0
    }

    /// Records a Lloyd pass that changed `changed` of `n` labels; true when pruning resumes
    /// (the bounds must then be rebuilt).
    fn after_lloyd(&mut self, secs: f64, changed: usize, n: usize) -> bool {
        self.lloyd_secs = secs;
        if !self.warm {
            self.warm = changed * 100 <= n;
            return self.warm;
        }
        self.lloyd_left -= 1;
        self.lloyd_left == 0
    }

    /// Records a pruned pass (not a full one).
    fn after_pruned(&mut self, secs: f64) {
        if secs > self.lloyd_secs {
            self.lloyd_left = self.backoff;
            self.backoff = (self.backoff * 2).min(64);
        }
    }
}

/// Iterations of an accelerated algorithm from `centers`; the same contract, and the same
/// result, as [`super::algorithm::lloyd`]. The final assignment (exact inertia) is Lloyd's own.
///
/// With `adaptive` (what [`Algorithm::Auto`] runs), a [`PassChooser`] switches between pruned
/// passes and plain Lloyd passes on their measured cost. Which pass runs never changes the
/// result.
pub(crate) fn run<F: Float, P: Pruning>(
    samples: &Samples<'_, F>,
    mut centers: Vec<F>,
    max_iter: usize,
    tol: f64,
    run: usize,
    adaptive: bool,
    observer: &(dyn Fn(&IterationEvent) + Sync),
) -> KMeansFit<F> {
    let n = samples.n_samples();
    let d = samples.n_features();
    let k = centers.len() / d;
    let mut ws = AccelWorkspace::new::<P>(samples, k);
    let mut lloyd_ws = LloydWorkspace::new(samples, k);
    let mut chooser = PassChooser::new(adaptive);
    let mut labels = vec![usize::MAX; n];
    let mut next = centers.clone();
    let mut stop = StopReason::MaxIter;
    let mut n_iter = 0;
    let mut n_relocations = 0;

    for iteration in 1..=max_iter {
        let started = std::time::Instant::now();
        let lloyd_pass = chooser.lloyd_next();
        if lloyd_pass {
            let a = lloyd_ws.assign(samples, &centers, &mut labels, false);
            ws.total.clone_from(a);
            let secs = started.elapsed().as_secs_f64();
            if chooser.after_lloyd(secs, ws.total.changed, n) {
                ws.passes = 0;
            }
        } else {
            let full = ws.passes == 0;
            ws.assign::<P>(samples, &centers, &mut labels);
            if adaptive && !full {
                chooser.after_pruned(started.elapsed().as_secs_f64());
            }
        }
        let (inertia, changed) = (ws.total.inertia, ws.total.changed);
        let relocated = ws.update::<P>(samples, &centers, &mut labels, &mut next);
        n_relocations += relocated;
        let shift = center_shift(&centers, &next);
        std::mem::swap(&mut centers, &mut next);
        n_iter = iteration;

        let event = IterationEvent {
            run,
            iteration,
            max_iter,
            inertia,
            center_shift: shift,
            changed,
        };
        tracing::debug!(
            run,
            iteration,
            inertia,
            shift,
            tiles = ws.tiles,
            opened = ws.opened,
            lloyd = lloyd_pass,
            ms = started.elapsed().as_secs_f64() * 1e3,
            algorithm = ?P::ALGORITHM,
            "accelerated iteration"
        );
        observer(&event);

        if iteration > 1 && changed == 0 && relocated == 0 {
            stop = StopReason::LabelsStable;
            break;
        }
        if shift <= tol {
            stop = StopReason::CenterShift;
            break;
        }
    }
    drop(ws);

    let last = lloyd_ws.assign(samples, &centers, &mut labels, true);
    let centers = ndarray::Array2::from_shape_vec((k, d), centers).expect("k × d centers");
    KMeansFit {
        model: KMeansModel::new(centers),
        labels,
        inertia: last.inertia,
        n_iter,
        stop_reason: stop,
        n_relocations,
        cluster_sizes: last.counts.clone(),
        cluster_weights: last.weights.clone(),
        cluster_inertia: last.cluster_inertia.clone(),
        best_run: run,
        run_inertia: vec![last.inertia],
        algorithm: if adaptive {
            Algorithm::Auto
        } else {
            P::ALGORITHM
        },
    }
}

/// Side-by-side checks against Lloyd, shared by the tests of [`super::elkan`] and
/// [`super::hamerly`].
#[cfg(test)]
#[path = "accel_testing.rs"]
pub(crate) mod testing;

#[cfg(test)]
mod tests {
    use super::testing::{blobs, rows_as_centers};
    use super::*;
    use crate::kmeans::hamerly::Hamerly;
    use crate::parallel::Threads;

    /// The inertia each iteration reports (the pass's own, from per-cluster sums in `f64`) is
    /// Lloyd's up to rounding, also far from the origin, where Lloyd's own figure, read off
    /// `f32` distance tiles in expanded form, is the less accurate of the two (`rel`).
    fn iteration_inertia_matches_lloyd<P: Pruning>() {
        use std::sync::Mutex;
        for (offset, d, rel) in [(0.0, 3, 1e-6), (50.0, 12, 1e-4)] {
            let x = blobs::<f32>(9000, d, 12, 1.5, offset, 5);
            let s = Samples::new(x.view(), None).unwrap();
            let init = rows_as_centers(&x, 12, 7);
            let trace = |accel: bool| {
                let seen = Mutex::new(Vec::new());
                let record = |e: &IterationEvent| seen.lock().unwrap().push(e.inertia);
                if accel {
                    run::<f32, P>(&s, init.clone(), 15, 0.0, 0, false, &record);
                } else {
                    super::super::algorithm::lloyd(&s, init.clone(), 15, 0.0, 0, &record);
                }
                seen.into_inner().unwrap()
            };
            let (want, got) = (trace(false), trace(true));
            assert_eq!(want.len(), got.len());
            for (it, (w, g)) in want.iter().zip(&got).enumerate() {
                assert!(
                    (w - g).abs() <= rel * w,
                    "offset {offset} it {it}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn hamerly_and_elkan_report_lloyds_inertia_at_every_iteration() {
        iteration_inertia_matches_lloyd::<Hamerly>();
        iteration_inertia_matches_lloyd::<crate::kmeans::elkan::Elkan>();
    }

    #[test]
    fn the_chooser_runs_the_pass_measured_cheaper_and_backs_off() {
        // A plain accelerated run only ever prunes.
        assert!(!PassChooser::new(false).lloyd_next());
        let mut c = PassChooser::new(true);
        // Lloyd passes while more than 1% of the labels change.
        assert!(c.lloyd_next());
        assert!(!c.after_lloyd(0.5, 1000, 1000));
        assert!(!c.after_lloyd(0.5, 11, 1000));
        assert!(c.after_lloyd(0.5, 10, 1000));
        assert!(!c.lloyd_next());
        // A pruned pass cheaper than the last Lloyd pass keeps pruning; a dearer one starts a
        // spell of Lloyd passes, longer at each failure.
        c.after_pruned(0.4);
        assert!(!c.lloyd_next());
        c.after_pruned(0.6);
        assert_eq!(c.lloyd_left, 8);
        for left in (0..8).rev() {
            assert!(c.lloyd_next());
            assert_eq!(c.after_lloyd(0.5, 0, 100), left == 0);
        }
        for spell in [16, 32, 64, 64] {
            c.after_pruned(0.6);
            assert_eq!(c.lloyd_left, spell);
            c.lloyd_left = 0;
        }
    }

    #[test]
    fn the_adaptive_mix_matches_lloyd() {
        // Overlapping clusters switch to Lloyd passes and back; separated ones stay pruned.
        for (spread, d) in [(1.0, 2), (2.0, 12), (30.0, 3)] {
            let x = blobs::<f32>(6000, d, 16, spread, 0.0, 4);
            let s = Samples::new(x.view(), None).unwrap();
            let init = rows_as_centers(&x, 16, 3);
            let (want, got) = Threads(2)
                .install(|| {
                    let want =
                        super::super::algorithm::lloyd(&s, init.clone(), 60, 0.0, 0, &|_| {});
                    let got = run::<f32, Hamerly>(&s, init.clone(), 60, 0.0, 0, true, &|_| {});
                    (want, got)
                })
                .unwrap();
            assert_eq!(got.labels, want.labels);
            assert_eq!(got.n_iter, want.n_iter);
            assert_eq!(got.stop_reason, want.stop_reason);
            assert_eq!(got.inertia.to_bits(), want.inertia.to_bits());
            assert_eq!(got.centers(), want.centers());
            assert_eq!(got.algorithm, Algorithm::Auto);
        }
    }

    #[test]
    fn rounding_down_to_f32_never_rounds_up() {
        for x in [
            0.0,
            1e-45,
            1e-39,
            1.17e-38,
            0.1,
            1.0 / 3.0,
            7.0,
            1e30,
            3.5e38,
            1e300,
        ] {
            assert!(f32_down(x) as f64 <= x, "{x}");
            assert!(f32_down(x) >= 0.0);
        }
        assert!((f32_down(1.0) as f64) > 0.999_999);
    }

    #[test]
    fn the_tile_rounding_bound_holds_on_hard_cases() {
        // The contract the pruning relies on: |d̃ − d| ≤ ε on both kernel paths, far from the
        // origin, in f32. Guards against a kernel change that breaks it.
        for &(d, offset) in &[
            (2usize, 1e3),
            (8, 300.0),
            (9, 300.0),
            (64, 50.0),
            (300, 10.0),
        ] {
            let x = blobs::<f32>(300, d, 5, 1.0, offset, d as u64);
            let c = rows_as_centers(&x, 5, 7);
            let s = Samples::new(x.view(), None).unwrap();
            let mut ws = AccelWorkspace::<f32>::new::<Hamerly>(&s, 5);
            let mut labels = vec![usize::MAX; 300];
            ws.assign::<Hamerly>(&s, &c, &mut labels);
            let mut tile = vec![0.0f32; 300 * 5];
            let mut cn = vec![0.0f32; 5];
            row_sq_norms(&c, d, &mut cn);
            tile_sq_distances(x.as_slice().unwrap(), s.sq_norms(), &c, &cn, d, &mut tile);
            let pass = Pass {
                samples: &s,
                centers: &c,
                c_norms: &cn,
                x_norms: s.sq_norms(),
                x_norm: &ws.x_norm,
                packed: &ws.packed,
                tile_rows: tile_rows::<f32>(d),
                geo: &ws.geo,
                kappa: kappa::<f32>(d),
                eta: eta(d),
                first: false,
                tile_speedup: 2,
                gather: false,
            };
            for i in 0..300 {
                for j in 0..5 {
                    let err = (tile[i * 5 + j] as f64 - pass.exact(i, j)).abs();
                    assert!(
                        err <= pass.eps(i, j),
                        "d {d}: error {err} > {}",
                        pass.eps(i, j)
                    );
                }
            }
        }
    }
}
