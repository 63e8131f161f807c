//! One blocked pass of the soft assignment over all points.
//!
//! For every point it computes the distances to the centers, the responsibilities `r_i = ρ(z_i)`
//! and accumulates, in `f64` and per fixed leaf of rows (reduced in leaf order, so results do not
//! depend on the thread count): the masses `N_k = Σ_i w_i r_ik`, the weighted sums
//! `S_k = Σ_i w_i r_ik x_i`, the objectives and the diagnostics. With `full`, it also
//! accumulates what the full gradient of `L_σ` needs (see [`crate::rbf::gradient`]). Sparse maps
//! visit only the support of each row, so the accumulation costs `O(support · d)` per point.

use rayon::prelude::*;

use crate::data::Samples;
use crate::distance::{row_sq_norms, tile_sq_distances};
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves, LEAF_ROWS};
use crate::rbf::maps::Map;

const TILE_ROWS: usize = 128;

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
/// `map`, on the current rayon pool.
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
    let (n, d) = (samples.n_samples(), samples.n_features());
    assert!(
        !centers.is_empty() && centers.len() % d == 0,
        "soft_pass: centers must be k × d"
    );
    let k = centers.len() / d;
    let mut c_norms = vec![F::zero(); k];
    row_sq_norms(centers, d, &mut c_norms);

    let leaves: Vec<PassTotals> = (0..n_leaves(n))
        .into_par_iter()
        .map(|l| {
            soft_leaf(
                samples,
                centers,
                &c_norms,
                map,
                sigma,
                full,
                leaf_range(l, n),
            )
        })
        .collect();
    let mut total = PassTotals::zeroed(k, d, full);
    for leaf in &leaves {
        total.add(leaf);
    }
    total
}

fn soft_leaf<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    c_norms: &[F],
    map: Map,
    sigma: f64,
    full: bool,
    rows: std::ops::Range<usize>,
) -> PassTotals {
    let d = samples.n_features();
    let k = c_norms.len();
    let mut acc = PassTotals::zeroed(k, d, full);
    let mut tile = vec![F::zero(); TILE_ROWS.min(LEAF_ROWS) * k];
    let mut x_norms = [F::zero(); TILE_ROWS];
    let mut idx: Vec<usize> = Vec::with_capacity(k);
    let mut val: Vec<F> = Vec::with_capacity(k);
    let (mut r, mut dist_row, mut grad_z) =
        (vec![F::zero(); k], vec![F::zero(); k], vec![F::zero(); k]);

    let mut start = rows.start;
    while start < rows.end {
        let end = (start + TILE_ROWS).min(rows.end);
        let m = end - start;
        let x = &samples.points()[start * d..end * d];
        row_sq_norms(x, d, &mut x_norms[..m]);
        tile_sq_distances(x, &x_norms[..m], centers, c_norms, d, &mut tile[..m * k]);

        for (row, dist) in tile[..m * k].chunks_exact(k).enumerate() {
            let i = start + row;
            let w = samples.weight(i);
            let xi = samples.row(i);
            let (d1, d2) = two_smallest(dist);
            acc.distortion += w * d1;
            acc.min_gap = acc.min_gap.min(d2 - d1);
            acc.free_energy += w * map.soft_min(dist, sigma);

            if full || !map.is_sparse() {
                // Dense path: needed for the full gradient, and for softmax, which has no zeros.
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
            } else {
                map.sparse_responsibilities(dist, sigma, &mut idx, &mut val);
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

            if full {
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
