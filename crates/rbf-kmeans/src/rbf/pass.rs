//! One blocked pass of the soft assignment over all points.
//!
//! For every point it computes the distances to the centers, the responsibilities `r_i = ρ(z_i)`
//! and accumulates, in `f64` and per fixed leaf of rows (reduced in leaf order, so results do not
//! depend on the thread count): the masses `N_k = Σ_i w_i r_ik`, the weighted sums
//! `S_k = Σ_i w_i r_ik x_i`, the loss and, when asked ([`PassOptions::diagnostics`]), the
//! diagnostics. With `full`, it also accumulates what the full gradient of `L_σ` needs (see
//! [`crate::rbf::gradient`]).
//!
//! The soft-Lloyd pass (`full = false`) is fused and blocked: per tile of [`TILE_ROWS`] rows it
//! computes the distance tile (the point norms `‖x_i‖²` come from [`Samples::sq_norms`], computed
//! once per data set), solves every row ([`Map`]'s batched solvers: vectorised softmax, sort-free
//! thresholds) into a responsibility tile `R` of the same shape or, for a map with exact zeros
//! while its tiles stay sparse, into the list of each row's nonzero entries (no `m × K` tile to
//! clear and scan), and accumulates the tile in one of two ways, chosen from the tile's number
//! of nonzero responsibilities alone (so the choice, like everything else, does not depend on
//! the thread count, and the layout of `R` changes no result):
//! - sparse: for each nonzero `r_ik`, `N_k += w_i r_ik` and `S_k += w_i r_ik x_i` in `f64`, in
//!   row order; `O(support · d)` per point, and bit for bit Lloyd's update on one-hot rows;
//! - dense, when the tile is at least a fifth full and averages two entries a row: `N_k` by
//!   column sums in `f64` and `S_k += (diag(w) R)ᵀ X` as one small GEMM in the data's precision,
//!   whose `k × d` result is added into the `f64` sums. In `f32` each tile's partial sum is thus
//!   rounded in `f32` over at most `TILE_ROWS` rows (relative error `≤ TILE_ROWS · 2⁻²⁴` of
//!   `Σ_i w_i r_ik |x_i|`, about `10⁻⁵`, and typically `√TILE_ROWS · 2⁻²⁴`), before the `f64`
//!   reduction over tiles and leaves.
//!
//! No `n × k` responsibility matrix is ever formed.

use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use crate::data::Samples;
use crate::distance::{row_sq_norms, tile_sq_distances};
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves, LEAF_ROWS};
use crate::rbf::maps::{cast, cast_mut, Map, RowScratch, RowStats, SparseTile};

/// Rows per distance and responsibility tile.
pub const TILE_ROWS: usize = 256;

/// What a pass computes besides `N_k`, `S_k` and the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PassOptions {
    /// Also accumulate what the full gradient of `L_σ` needs (`full_masses`, `full_sums`,
    /// `grad_sigma`); this runs the slower per-row path.
    pub full: bool,
    /// Compute the diagnostics: `free_energy`, `distortion`, `entropy`, `support`, `n_hard`,
    /// `min_gap`. Without them those fields are NaN (`n_hard` is `0`); a training step needs
    /// none of them.
    pub diagnostics: bool,
}

/// Everything one pass accumulates.
#[derive(Clone, Debug, Default)]
pub struct PassTotals {
    /// `L_σ = Σ_i w_i Σ_k r_ik d_ik`.
    pub loss: f64,
    /// `F_σ = Σ_i w_i min_{r ∈ simplex} [Σ_k r_k d_ik + σ Ω(r)]`.
    pub free_energy: f64,
    /// `J = Σ_i w_i min_k d_ik`.
    pub distortion: f64,
    /// `Σ_i w_i H(r_i)` with the Shannon entropy `H(r) = −Σ_k r_k ln r_k`.
    pub entropy: f64,
    /// `Σ_i w_i |supp r_i|`.
    pub support: f64,
    /// Number of points whose responsibilities are exactly one-hot.
    pub n_hard: usize,
    /// `min_i Δ_i`, the smallest gap between a point's two smallest distances (`+∞` if `K = 1`).
    pub min_gap: f64,
    /// `N_k = Σ_i w_i r_ik`.
    pub masses: Vec<f64>,
    /// `S_k = Σ_i w_i r_ik x_i`, `k × d`.
    pub sums: Vec<f64>,
    /// With `full`: `G_k = Σ_i g_ik` where `g_ik = ∂L_σ/∂d_ik` (responsibilities not fixed).
    pub full_masses: Vec<f64>,
    /// With `full`: `T_k = Σ_i g_ik x_i`, `k × d`.
    pub full_sums: Vec<f64>,
    /// With `full`: `∂L_σ/∂σ`.
    pub grad_sigma: f64,
}

impl PassTotals {
    fn zeroed(k: usize, d: usize, full: bool) -> Self {
        let fk = if full { k } else { 0 };
        PassTotals {
            min_gap: f64::INFINITY,
            masses: vec![0.0; k],
            sums: vec![0.0; k * d],
            full_masses: vec![0.0; fk],
            full_sums: vec![0.0; fk * d],
            ..PassTotals::default()
        }
    }

    fn add(&mut self, o: &PassTotals) {
        self.loss += o.loss;
        self.free_energy += o.free_energy;
        self.distortion += o.distortion;
        self.entropy += o.entropy;
        self.support += o.support;
        self.n_hard += o.n_hard;
        self.min_gap = self.min_gap.min(o.min_gap);
        self.grad_sigma += o.grad_sigma;
        for (a, b) in [
            (&mut self.masses, &o.masses),
            (&mut self.sums, &o.sums),
            (&mut self.full_masses, &o.full_masses),
            (&mut self.full_sums, &o.full_sums),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// Runs one soft pass at centers `centers` (row-major `k × d`), temperature `sigma > 0` and map
/// `map`, on the current rayon pool, with every diagnostic.
///
/// # Panics
/// If `centers.len()` is not a multiple of `d`, or is zero.
pub fn soft_pass<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    map: Map,
    sigma: f64,
    full: bool,
) -> PassTotals {
    let options = PassOptions {
        full,
        diagnostics: true,
    };
    soft_pass_with(samples, centers, map, sigma, options)
}

/// As [`soft_pass`], computing what `options` asks for.
///
/// # Panics
/// If `centers.len()` is not a multiple of `d`, or is zero.
pub fn soft_pass_with<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    map: Map,
    sigma: f64,
    options: PassOptions,
) -> PassTotals {
    let (n, d) = (samples.n_samples(), samples.n_features());
    assert!(
        !centers.is_empty() && centers.len() % d == 0,
        "soft_pass: centers must be k × d"
    );
    let k = centers.len() / d;
    let mut c_norms = vec![F::zero(); k];
    row_sq_norms(centers, d, &mut c_norms);
    // Computed once here (and kept by `samples`), not by each leaf.
    samples.sq_norms();

    let leaves: Vec<PassTotals> = (0..n_leaves(n))
        .into_par_iter()
        .map(|l| {
            let rows = leaf_range(l, n);
            if options.full {
                full_leaf(samples, centers, &c_norms, map, sigma, rows)
            } else {
                let leaf = (samples, centers, c_norms.as_slice());
                soft_leaf(leaf, map, sigma, options.diagnostics, rows)
            }
        })
        .collect();
    let mut total = PassTotals::zeroed(k, d, options.full);
    for leaf in &leaves {
        total.add(leaf);
    }
    if !options.diagnostics && !options.full {
        total.free_energy = f64::NAN;
        total.distortion = f64::NAN;
        total.entropy = f64::NAN;
        total.support = f64::NAN;
        total.min_gap = f64::NAN;
    }
    total
}

/// The soft-Lloyd pass over one leaf: fused tiles, see the module docs.
fn soft_leaf<F: Float>(
    (samples, centers, c_norms): (&Samples<'_, F>, &[F], &[F]),
    map: Map,
    sigma: f64,
    diagnostics: bool,
    rows: std::ops::Range<usize>,
) -> PassTotals {
    let d = samples.n_features();
    let k = c_norms.len();
    let mut acc = PassTotals::zeroed(k, d, false);
    let tile_rows = TILE_ROWS.min(rows.len());
    let mut tile = vec![F::zero(); tile_rows * k];
    let mut resp = vec![F::zero(); tile_rows * k];
    let mut stats = vec![RowStats::default(); tile_rows];
    let mut scratch = RowScratch::new(k);
    let mut product = Vec::new();
    let mut sparse = SparseTile::new();
    // A sparse map's tile goes to `sparse` while the tiles stay sparse, else densely to `resp`:
    // a choice of layout only, which changes no result (see `accumulate_rows`).
    let mut as_rows = map.is_sparse();

    let mut start = rows.start;
    while start < rows.end {
        let end = (start + TILE_ROWS).min(rows.end);
        let m = end - start;
        let x = &samples.points()[start * d..end * d];
        let x_norms = &samples.sq_norms()[start..end];
        let dist = &mut tile[..m * k];
        tile_sq_distances(x, x_norms, centers, c_norms, d, dist);
        let r = &mut resp[..m * k];
        if as_rows {
            let st = &mut stats[..m];
            map.tile_rows_sparse(dist, k, sigma, diagnostics, &mut sparse, st, &mut scratch);
        } else {
            map.tile_rows(
                dist,
                k,
                sigma,
                diagnostics,
                r,
                &mut stats[..m],
                &mut scratch,
            );
        }

        let mut nnz = 0;
        for (row, (st, dist)) in stats[..m].iter().zip(dist.chunks_exact(k)).enumerate() {
            let w = samples.weight(start + row);
            acc.loss += w * st.loss;
            nnz += st.nnz;
            if diagnostics {
                let (d1, d2) = two_smallest(dist);
                acc.distortion += w * d1;
                acc.min_gap = acc.min_gap.min(d2 - d1);
                acc.free_energy += w * st.soft_min;
                acc.entropy += w * st.entropy;
                acc.support += w * st.nnz as f64;
                if st.nnz == 1 {
                    acc.n_hard += 1;
                }
            }
        }

        let dense = nnz >= 2 * m && 5 * nnz >= m * k;
        if dense {
            if as_rows {
                sparse.scatter(k, r);
            }
            product.resize(k * d, F::zero());
            accumulate_dense(samples, start, r, k, &mut acc, &mut product);
        } else if as_rows {
            accumulate_rows(samples, start, &sparse, &mut acc);
        } else {
            accumulate_sparse(samples, start, r, k, &mut acc);
        }
        as_rows = map.is_sparse() && !dense;
        start = end;
    }
    acc
}

/// `N_k += Σ_i w_i r_ik`, `S_k += Σ_i w_i r_ik x_i` over the nonzero entries of a tile of
/// responsibilities starting at row `start`, in `f64`, row by row. Runs the AVX2 build of the
/// same code when the processor has it: each element's multiply and add stay separate, so the
/// sums are the same bit for bit.
fn accumulate_sparse<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &[F],
    k: usize,
    acc: &mut PassTotals,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        unsafe { accumulate_sparse_avx2(samples, start, r, k, acc) };
        return;
    }
    accumulate_sparse_body(samples, start, r, k, acc);
}

/// [`accumulate_sparse`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn accumulate_sparse_avx2<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &[F],
    k: usize,
    acc: &mut PassTotals,
) {
    accumulate_sparse_body(samples, start, r, k, acc);
}

/// The code of [`accumulate_sparse`].
#[inline(always)]
fn accumulate_sparse_body<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &[F],
    k: usize,
    acc: &mut PassTotals,
) {
    for (row, rs) in r.chunks_exact(k).enumerate() {
        let w = samples.weight(start + row);
        let xi = samples.row(start + row);
        for (block, chunk) in rs.chunks(32).enumerate() {
            // A bit per nonzero entry, built without branches. `!= 0` rather than `> 0`: a NaN
            // must reach the totals.
            let mut nonzero = 0u32;
            for (offset, &v) in chunk.iter().enumerate() {
                nonzero |= u32::from(v != F::zero()) << offset;
            }
            while nonzero != 0 {
                let offset = nonzero.trailing_zeros() as usize;
                nonzero &= nonzero - 1;
                add_point(
                    acc,
                    block * 32 + offset,
                    w * chunk[offset].to_f64_lossless(),
                    xi,
                );
            }
        }
    }
}

/// As [`accumulate_sparse`] from the nonzero entries of each row, as a sparse map's solver
/// wrote them: the same additions in the same order, without scanning a dense tile.
fn accumulate_rows<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &SparseTile<F>,
    acc: &mut PassTotals,
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        unsafe { accumulate_rows_avx2(samples, start, r, acc) };
        return;
    }
    accumulate_rows_body(samples, start, r, acc);
}

/// [`accumulate_rows`] compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn accumulate_rows_avx2<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &SparseTile<F>,
    acc: &mut PassTotals,
) {
    accumulate_rows_body(samples, start, r, acc);
}

/// The code of [`accumulate_rows`].
#[inline(always)]
fn accumulate_rows_body<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &SparseTile<F>,
    acc: &mut PassTotals,
) {
    for row in 0..r.n_rows() {
        let w = samples.weight(start + row);
        let xi = samples.row(start + row);
        let (cols, vals) = r.row(row);
        for (&j, &v) in cols.iter().zip(vals) {
            add_point(acc, j as usize, w * v.to_f64_lossless(), xi);
        }
    }
}

/// `N_j += wr`, `S_j += wr · x` in `f64`, one multiply and one add per element.
#[inline(always)]
fn add_point<F: Float>(acc: &mut PassTotals, j: usize, wr: f64, x: &[F]) {
    let d = x.len();
    acc.masses[j] += wr;
    for (s, v) in acc.sums[j * d..(j + 1) * d].iter_mut().zip(x) {
        *s += wr * v.to_f64_lossless();
    }
}

/// The same sums for a dense tile: `N_k` by column sums in `f64`, `S_k` through the GEMM
/// `product = (diag(w) R)ᵀ X` in `F`, added into the `f64` sums. Scales `r` by the weights.
fn accumulate_dense<F: Float>(
    samples: &Samples<'_, F>,
    start: usize,
    r: &mut [F],
    k: usize,
    acc: &mut PassTotals,
    product: &mut [F],
) {
    let d = samples.n_features();
    let m = r.len() / k;
    if samples.weights().is_some() {
        for (row, rs) in r.chunks_exact_mut(k).enumerate() {
            let w = F::from_f64_round(samples.weight(start + row));
            rs.iter_mut().for_each(|v| *v *= w);
        }
    }
    for rs in r.chunks_exact(k) {
        for (mass, &v) in acc.masses.iter_mut().zip(rs) {
            *mass += v.to_f64_lossless();
        }
    }
    let x = &samples.points()[start * d..(start + m) * d];
    gemm_atb(product, r, x, m, k, d);
    for (s, &p) in acc.sums.iter_mut().zip(product.iter()) {
        *s += p.to_f64_lossless();
    }
}

/// `out[k×d] = aᵀ b` with `a` row-major `m × k` and `b` row-major `m × d`, on this thread.
fn gemm_atb<F: Float>(out: &mut [F], a: &[F], b: &[F], m: usize, k: usize, d: usize) {
    macro_rules! run {
        ($t:ty) => {
            if let (Some(out), Some(a), Some(b)) =
                (cast_mut::<F, $t>(out), cast::<F, $t>(a), cast::<F, $t>(b))
            {
                let lhs = MatRef::from_row_major_slice(a, m, k).transpose();
                let rhs = MatRef::from_row_major_slice(b, m, d);
                let dst = MatMut::from_row_major_slice_mut(out, k, d);
                faer::linalg::matmul::matmul(dst, Accum::Replace, lhs, rhs, 1.0, Par::Seq);
                return;
            }
        };
    }
    run!(f32);
    run!(f64);
    unreachable!("Float is implemented for f32 and f64 only");
}

/// The pass with the full gradient of `L_σ`, row by row with the per-row maps.
fn full_leaf<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    c_norms: &[F],
    map: Map,
    sigma: f64,
    rows: std::ops::Range<usize>,
) -> PassTotals {
    let d = samples.n_features();
    let k = c_norms.len();
    let mut acc = PassTotals::zeroed(k, d, true);
    let mut tile = vec![F::zero(); TILE_ROWS.min(LEAF_ROWS) * k];
    let mut idx: Vec<usize> = Vec::with_capacity(k);
    let mut val: Vec<F> = Vec::with_capacity(k);
    let (mut r, mut dist_row, mut grad_z) =
        (vec![F::zero(); k], vec![F::zero(); k], vec![F::zero(); k]);

    let mut start = rows.start;
    while start < rows.end {
        let end = (start + TILE_ROWS).min(rows.end);
        let m = end - start;
        let x = &samples.points()[start * d..end * d];
        let x_norms = &samples.sq_norms()[start..end];
        tile_sq_distances(x, x_norms, centers, c_norms, d, &mut tile[..m * k]);

        for (row, dist) in tile[..m * k].chunks_exact(k).enumerate() {
            let i = start + row;
            let w = samples.weight(i);
            let xi = samples.row(i);
            let (d1, d2) = two_smallest(dist);
            acc.distortion += w * d1;
            acc.min_gap = acc.min_gap.min(d2 - d1);
            acc.free_energy += w * map.soft_min(dist, sigma);

            map.responsibilities(dist, sigma, &mut r);
            idx.clear();
            val.clear();
            for (j, &rj) in r.iter().enumerate() {
                // `!= 0` rather than `> 0`: a NaN from the naive softmax must reach the totals.
                if rj != F::zero() {
                    idx.push(j);
                    val.push(rj);
                }
            }

            let mut row_loss = 0.0;
            let mut row_entropy = 0.0;
            for (&j, &rj) in idx.iter().zip(&val) {
                let rj = rj.to_f64_lossless();
                let dj = dist[j].to_f64_lossless();
                row_loss += rj * dj;
                row_entropy -= rj * rj.ln();
                acc.masses[j] += w * rj;
                for (s, v) in acc.sums[j * d..(j + 1) * d].iter_mut().zip(xi) {
                    *s += w * rj * v.to_f64_lossless();
                }
            }
            acc.loss += w * row_loss;
            acc.entropy += w * row_entropy;
            acc.support += w * idx.len() as f64;
            if idx.len() == 1 {
                acc.n_hard += 1;
            }

            {
                // L_i = w Σ_k r_k d_k. Through r: u = ∂L_i/∂r = w d; through z = −d/σ the
                // chain adds −(1/σ) ∂L/∂z to ∂L/∂d and (d/σ²) ∂L/∂z to ∂L/∂σ.
                dist_row.copy_from_slice(dist);
                map.vjp_logits(&r, &dist_row, &mut grad_z);
                for j in 0..k {
                    let gz = w * grad_z[j].to_f64_lossless();
                    let dj = dist[j].to_f64_lossless();
                    let g = w * r[j].to_f64_lossless() - gz / sigma;
                    acc.grad_sigma += gz * dj / (sigma * sigma);
                    if g != 0.0 {
                        acc.full_masses[j] += g;
                        for (s, v) in acc.full_sums[j * d..(j + 1) * d].iter_mut().zip(xi) {
                            *s += g * v.to_f64_lossless();
                        }
                    }
                }
            }
        }
        start = end;
    }
    acc
}

/// The two smallest values of a row, as `f64` (the second is `+∞` for a single value).
pub(crate) fn two_smallest<F: Float>(row: &[F]) -> (f64, f64) {
    let (mut a, mut b) = (f64::INFINITY, f64::INFINITY);
    for v in row {
        let v = v.to_f64_lossless();
        if v < a {
            b = a;
            a = v;
        } else if v < b {
            b = v;
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::distance::sq_euclidean;
    use crate::parallel::Threads;
    use crate::rng::Rng;
    use ndarray::Array2;

    /// Blobs around `k` centers (spread 3, noise 1), with the centers perturbed as the start.
    fn problem(n: usize, d: usize, k: usize) -> (Array2<f64>, Vec<f64>, Vec<f64>) {
        let mut rng = Rng::new((n + d * 31 + k) as u64);
        let centers: Vec<f64> = (0..k * d).map(|_| 3.0 * rng.normal()).collect();
        let x = Array2::from_shape_fn((n, d), |(i, t)| centers[(i % k) * d + t] + rng.normal());
        let w: Vec<f64> = (0..n).map(|i| 0.5 + (i % 3) as f64 * 0.75).collect();
        let start = centers.iter().map(|c| c + 0.3 * rng.normal()).collect();
        (x, w, start)
    }

    /// Naive reference: every point's exact distances through the per-row map, summed in order.
    fn naive(x: &Array2<f64>, w: &[f64], centers: &[f64], map: Map, sigma: f64) -> PassTotals {
        let d = x.ncols();
        let k = centers.len() / d;
        let mut t = PassTotals::zeroed(k, d, false);
        let mut r = vec![0.0; k];
        for (i, xi) in x.outer_iter().enumerate() {
            let xi = xi.as_slice().unwrap();
            let dist: Vec<f64> = centers.chunks(d).map(|c| sq_euclidean(xi, c)).collect();
            map.responsibilities(&dist, sigma, &mut r);
            t.free_energy += w[i] * map.soft_min(&dist, sigma);
            t.distortion += w[i] * dist.iter().cloned().fold(f64::INFINITY, f64::min);
            for j in 0..k {
                t.loss += w[i] * r[j] * dist[j];
                t.masses[j] += w[i] * r[j];
                if r[j] > 0.0 {
                    t.entropy -= w[i] * r[j] * r[j].ln();
                    t.support += w[i];
                }
                for (s, v) in t.sums[j * d..(j + 1) * d].iter_mut().zip(xi) {
                    *s += w[i] * r[j] * v;
                }
            }
        }
        t
    }

    fn close(a: f64, b: f64, tol: f64, scale: f64, what: &str) {
        assert!((a - b).abs() <= tol * scale, "{what}: {a} vs {b}");
    }

    fn check_against_naive<F: Float>(d: usize, tol: f64) {
        let (n, k) = (5000, 12);
        let (x, w, start) = problem(n, d, k);
        let xf = x.mapv(F::from_f64_round);
        let cf: Vec<F> = start.iter().map(|&v| F::from_f64_round(v)).collect();
        let x64 = xf.mapv(|v| v.to_f64_lossless());
        let c64: Vec<f64> = cf.iter().map(|v| v.to_f64_lossless()).collect();
        let samples = Samples::new(xf.view(), Some(&w)).unwrap();
        let total: f64 = w.iter().sum();
        let maps = [
            Map::Softmax,
            Map::Entmax15,
            Map::Sparsemax,
            Map::Entmax { alpha: 1.3 },
        ];
        // Low temperatures give sparse tiles, high ones dense tiles (the GEMM path).
        for map in maps {
            for sigma in [0.05, 1.0, 10.0 * d as f64] {
                let got = soft_pass(&samples, &cf, map, sigma, false);
                let want = naive(&x64, &w, &c64, map, sigma);
                let what = format!("{map} {} d={d} sigma={sigma}", F::NAME);
                let scale = want.loss.abs() + total;
                close(got.loss, want.loss, tol, scale, &format!("{what}: loss"));
                close(got.free_energy, want.free_energy, tol, scale, &what);
                close(got.distortion, want.distortion, tol, scale, &what);
                close(got.entropy, want.entropy, 100.0 * tol, total, &what);
                for (a, b) in got.masses.iter().zip(&want.masses) {
                    close(*a, *b, tol, total, &format!("{what}: mass"));
                }
                let norm = x64.iter().map(|v| v.abs()).sum::<f64>() / n as f64;
                for (a, b) in got.sums.iter().zip(&want.sums) {
                    close(*a, *b, tol, total * norm, &format!("{what}: sum"));
                }
            }
        }
    }

    #[test]
    fn pass_matches_a_naive_per_point_reference() {
        // d = 6 takes the direct distance loop, d = 20 the GEMM one.
        for d in [6, 20] {
            check_against_naive::<f64>(d, 1e-9);
            check_against_naive::<f32>(d, 2e-4);
        }
    }

    #[test]
    fn pass_is_identical_for_1_2_and_4_threads_and_without_diagnostics() {
        let (x, w, start) = problem(3 * LEAF_ROWS + 77, 16, 24);
        let xf = x.mapv(|v| v as f32);
        let cf: Vec<f32> = start.iter().map(|&v| v as f32).collect();
        for weights in [None, Some(w.as_slice())] {
            let samples = Samples::new(xf.view(), weights).unwrap();
            for map in [Map::Softmax, Map::Entmax15, Map::Sparsemax] {
                for sigma in [0.02, 1.0, 64.0] {
                    let run = |t: usize, diagnostics: bool| {
                        let options = PassOptions {
                            full: false,
                            diagnostics,
                        };
                        Threads(t)
                            .install(|| soft_pass_with(&samples, &cf, map, sigma, options))
                            .unwrap()
                    };
                    let one = run(1, true);
                    for t in [2, 4] {
                        let other = run(t, true);
                        assert_eq!(one.masses, other.masses);
                        assert_eq!(one.sums, other.sums);
                        assert_eq!(
                            (one.loss, one.free_energy, one.entropy, one.n_hard),
                            (other.loss, other.free_energy, other.entropy, other.n_hard)
                        );
                    }
                    let lean = run(2, false);
                    assert_eq!(
                        (one.masses, one.sums, one.loss),
                        (lean.masses, lean.sums, lean.loss)
                    );
                    assert!(lean.free_energy.is_nan() && lean.n_hard == 0);
                }
            }
        }
    }
}
