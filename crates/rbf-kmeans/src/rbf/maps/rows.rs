//! Batched forward maps for the soft pass: every row of a distance tile at once.
//!
//! [`Map::tile_rows`] writes the responsibilities of `m` rows densely into an `m × K` tile (zeros
//! off the support) and returns, per row, what the pass accumulates. It agrees with
//! [`Map::responsibilities`] up to rounding (see `tests.rs`), but is built for throughput:
//!
//! - softmax runs in the precision of the data: `eᵏ = exp((d_min − d_k)/σ)` with the vectorisable
//!   exponential of [`super::fastexp`] (2 ulp), the partition and the row sums in `f64` lanes.
//!   In `f32` the logit `(d_min − d_k)·(1/σ)` carries a relative error of about `2⁻²³`, so a
//!   weight with logit `−t` is off by a relative `t·2⁻²³` at most (`≤ 1.3·10⁻⁵` where the weight
//!   is still above the `f32` underflow, `t < 104`); the squared distances themselves, from the
//!   expanded form `‖x‖² − 2x·c + ‖c‖²` in `f32`, carry larger errors than that. A weight below
//!   the smallest normal number of the precision (`2⁻¹²⁶ ≈ 1.2·10⁻³⁸` in `f32`, `2⁻¹⁰²²` in `f64`)
//!   is set to `0`, before and after normalisation: subnormal arithmetic costs about a hundred
//!   times more, and what is dropped is below `K · 2⁻¹²⁶` of a row's unit mass (the partition is
//!   at least `1`), far under the resolution of any sum the pass forms. The entropy uses
//!   the identity `H(r) = ln Z + Σ_k r_k (d_k − d_min)/σ`, with no logarithm per entry.
//! - entmax-1.5 and sparsemax find `τ` without sorting: on the candidates (`y_k > −1`), Newton's
//!   method on the convex, decreasing `g(τ) = Σ_k [y_k − τ]_+^p − 1` from `τ = −1`, where
//!   `g ≥ 0`, approaches the root from below and so only ever drops entries outside the
//!   support; after each step the closed-form threshold of the surviving set is accepted as soon
//!   as it is consistent with that set (every kept `y > τ`, every dropped `y ≤ τ`), which
//!   characterises the unique root. When it is not, the root also lies above the smallest kept
//!   `y` whenever the closed form does, so each step drops at least one entry. For sparsemax
//!   (`p = 1`) the closed form alone is Michelot's algorithm. A row where rounding stalls the
//!   iteration falls back to the exact sort-based solver.
//! - every other map solves its rows one by one with the per-row solver.

use std::any::TypeId;

use super::fastexp::{exp_f32, exp_f64};
use super::{support, Map};
use crate::float::Float;

/// What the pass needs from one solved row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RowStats {
    /// `Σ_k r_k d_k`.
    pub loss: f64,
    /// The soft-min `min_r Σ_k r_k d_k + σ Ω(r)`; only with diagnostics, else `0`.
    pub soft_min: f64,
    /// `H(r) = −Σ_k r_k ln r_k`; only with diagnostics, else `0`.
    pub entropy: f64,
    /// Number of nonzero responsibilities (NaN counts as nonzero).
    pub nnz: usize,
}

/// Scratch for [`Map::tile_rows`], reused across tiles so that a pass allocates per leaf only.
#[derive(Debug)]
pub(crate) struct RowScratch<F> {
    idx: Vec<usize>,
    ys: Vec<f64>,
    vals: Vec<f64>,
    vals_f: Vec<F>,
}

impl<F> RowScratch<F> {
    /// Room for rows of `k` entries.
    pub(crate) fn new(k: usize) -> Self {
        RowScratch {
            idx: Vec::with_capacity(k),
            ys: Vec::with_capacity(k),
            vals: Vec::with_capacity(k),
            vals_f: Vec::with_capacity(k),
        }
    }
}

impl Map {
    /// Solves the `m = dist.len() / k` rows of a row-major distance tile: writes `ρ(−d_i/σ)` into
    /// row `i` of `r` (also `m × k`, zeros off the support) and its [`RowStats`] into
    /// `stats[i]`. `diagnostics` asks for the soft-min and the entropy.
    ///
    /// # Panics
    /// If the shapes disagree, `k = 0`, or `σ` is not positive and finite.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tile_rows<F: Float>(
        &self,
        dist: &[F],
        k: usize,
        sigma: f64,
        diagnostics: bool,
        r: &mut [F],
        stats: &mut [RowStats],
        scratch: &mut RowScratch<F>,
    ) {
        assert!(
            k > 0 && dist.len() == stats.len() * k && r.len() == dist.len(),
            "Map::tile_rows: dist and r must be m × k, stats of length m"
        );
        assert!(
            sigma > 0.0 && sigma.is_finite(),
            "Map: the temperature sigma must be positive and finite"
        );
        match self {
            Map::Softmax => {
                if let (Some(d), Some(out)) = (cast::<F, f32>(dist), cast_mut::<F, f32>(r)) {
                    softmax_rows_f32(d, k, sigma, diagnostics, out, stats);
                } else if let (Some(d), Some(out)) = (cast::<F, f64>(dist), cast_mut::<F, f64>(r)) {
                    softmax_rows_f64(d, k, sigma, diagnostics, out, stats);
                } else {
                    unreachable!("Float is implemented for f32 and f64 only")
                }
            }
            Map::Entmax15 | Map::Sparsemax => {
                for ((row, out), st) in dist.chunks_exact(k).zip(r.chunks_exact_mut(k)).zip(stats) {
                    *st = self.threshold_row(row, sigma, diagnostics, out, scratch);
                }
            }
            _ => {
                for ((row, out), st) in dist.chunks_exact(k).zip(r.chunks_exact_mut(k)).zip(stats) {
                    *st = self.generic_row(row, sigma, diagnostics, out, scratch);
                }
            }
        }
    }

    /// Any map, through the per-row solver.
    fn generic_row<F: Float>(
        &self,
        row: &[F],
        sigma: f64,
        diagnostics: bool,
        out: &mut [F],
        scratch: &mut RowScratch<F>,
    ) -> RowStats {
        let soft_min = self.sparse_row(row, sigma, &mut scratch.idx, &mut scratch.vals_f);
        out.fill(F::zero());
        let mut st = RowStats {
            nnz: scratch.idx.len(),
            ..RowStats::default()
        };
        for (&j, &v) in scratch.idx.iter().zip(&scratch.vals_f) {
            out[j] = v;
            let v = v.to_f64_lossless();
            st.loss += v * row[j].to_f64_lossless();
            if diagnostics {
                st.entropy -= v * v.ln();
            }
        }
        if diagnostics {
            st.soft_min = soft_min;
        }
        st
    }

    /// Entmax-1.5 or sparsemax of one row, without sorting.
    fn threshold_row<F: Float>(
        &self,
        row: &[F],
        sigma: f64,
        diagnostics: bool,
        out: &mut [F],
        scratch: &mut RowScratch<F>,
    ) -> RowStats {
        let sparsemax = matches!(self, Map::Sparsemax);
        let width = if sparsemax { sigma } else { 2.0 * sigma };
        let d_min = lane_min(row).to_f64_lossless();

        // Candidates: `y = −(d − d_min)/width > −1`; `d − d_min < width` is necessary for it,
        // so the logit is formed for the few that pass.
        let (idx, ys) = (&mut scratch.idx, &mut scratch.ys);
        idx.clear();
        ys.clear();
        // A product with `1/width` instead of a division, unless `1/width` overflows.
        let inv_width = 1.0 / width;
        for (j, d) in row.iter().enumerate() {
            let excess = d.to_f64_lossless() - d_min;
            if excess < width {
                let y = if inv_width.is_finite() {
                    -(excess * inv_width)
                } else {
                    support::scaled_logit(d.to_f64_lossless(), d_min, width)
                };
                if y > -1.0 {
                    idx.push(j);
                    ys.push(y);
                }
            }
        }
        out.fill(F::zero());
        if ys.is_empty() {
            // Only a row with NaN gets here; the per-row solver propagates it.
            return self.generic_row(row, sigma, diagnostics, out, scratch);
        }
        let tau = if ys.len() == 1 {
            Some(-1.0)
        } else if sparsemax {
            threshold_newton::<1>(idx, ys)
        } else {
            threshold_newton::<2>(idx, ys)
        };
        let Some(tau) = tau else {
            return self.generic_row(row, sigma, diagnostics, out, scratch);
        };

        let vals = &mut scratch.vals;
        vals.clear();
        vals.extend(ys.iter().map(|&y| {
            let t = y - tau;
            if sparsemax {
                t
            } else {
                t * t
            }
        }));
        let norm: f64 = vals.iter().sum();
        let norm = if norm > 0.0 { norm } else { 1.0 };
        let mut st = RowStats::default();
        let (mut excess, mut omega_sum) = (0.0, 0.0);
        for (&j, p) in idx.iter().zip(vals.iter_mut()) {
            *p /= norm;
            let rj = F::from_f64_round(*p);
            out[j] = rj;
            if rj != F::zero() {
                st.nnz += 1;
            }
            let dj = row[j].to_f64_lossless();
            let rj = rj.to_f64_lossless();
            st.loss += rj * dj;
            if diagnostics {
                if rj > 0.0 {
                    st.entropy -= rj * rj.ln();
                }
                excess += *p * (dj - d_min);
                omega_sum += if sparsemax { *p * *p } else { *p * p.sqrt() };
            }
        }
        if diagnostics {
            // Ω of sparsemax `(Σ r² − 1)/2`, of entmax-1.5 `(Σ r^{3/2} − 1)/0.75`.
            let omega = if sparsemax {
                (omega_sum - 1.0) / 2.0
            } else {
                (omega_sum - 1.0) / 0.75
            };
            st.soft_min = d_min + excess + sigma * omega;
        }
        st
    }
}

/// The threshold of `Σ_k [y_k − τ]_+^P = 1` (`P = 1` sparsemax, `P = 2` entmax-1.5) on
/// candidates `y_k ∈ (−1, 0]` whose largest is `0`; shrinks `(idx, ys)` to the support, in the
/// same order. `None` if rounding stalls the iteration (the caller then sorts).
fn threshold_newton<const P: u32>(idx: &mut Vec<usize>, ys: &mut Vec<f64>) -> Option<f64> {
    let mut tau = -1.0f64;
    // Every entry outside `ys` has `y ≤ max_out`; non-candidates have `y ≤ −1`.
    let mut max_out = -1.0f64;
    // Every step drops at least one entry, so this ends; the bound only guards rounding.
    for _ in 0..=ys.len() {
        // One pass: with `t = y − τ > 0`, `a1 = Σ t`, `a2 = Σ t²`, and the smallest `y`.
        // Four independent lanes, so the sums are not one chain of dependent additions.
        let (mut s1, mut s2, mut lo) = ([0.0f64; 4], [0.0f64; 4], [f64::INFINITY; 4]);
        let chunks = ys.chunks_exact(4);
        let tail = chunks.remainder();
        for c in chunks {
            for l in 0..4 {
                let t = c[l] - tau;
                s1[l] += t;
                s2[l] += t * t;
                lo[l] = lo[l].min(c[l]);
            }
        }
        for (l, &y) in tail.iter().enumerate() {
            let t = y - tau;
            s1[l] += t;
            s2[l] += t * t;
            lo[l] = lo[l].min(y);
        }
        let a1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
        let a2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
        let min_y = lo[0].min(lo[1]).min(lo[2].min(lo[3]));
        let s = ys.len() as f64;

        // The closed-form threshold of the current set, as an offset from `τ`.
        let closed = if P == 1 {
            tau + (a1 - 1.0) / s
        } else {
            let mean = a1 / s;
            let m2 = (a2 - a1 * mean).max(0.0);
            tau + mean - ((1.0 - m2) / s).max(0.0).sqrt()
        };
        if min_y > closed && max_out <= closed {
            return Some(closed);
        }

        // Not consistent, so the root lies above `τ`: step to the larger of two lower bounds of
        // it. Newton's step from below (`g(τ) = Σ t^P − 1 ≥ 0` here; for `P = 1` it is
        // Michelot's step, the closed form itself), and the smallest kept `y`: if the closed
        // form overshoots it, `g` is still positive there (it equals the convex `Σ_S (y − τ)^P − 1`
        // on this piece, decreasing up to the closed form). So each step drops an entry.
        let newton = if P == 1 {
            closed
        } else {
            tau + (a2 - 1.0) / (2.0 * a1)
        };
        let next = if closed > min_y {
            newton.max(min_y)
        } else {
            newton
        };
        if next.partial_cmp(&tau) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        tau = next;
        let mut kept = 0;
        for j in 0..ys.len() {
            let y = ys[j];
            if y > tau {
                ys[kept] = y;
                idx[kept] = idx[j];
                kept += 1;
            } else {
                max_out = max_out.max(y);
            }
        }
        if kept == 0 {
            return None;
        }
        ys.truncate(kept);
        idx.truncate(kept);
    }
    None
}

/// The smallest entry of a row, in eight independent lanes (so it vectorises); NaNs are skipped
/// unless the row is all NaN.
#[inline(always)]
fn lane_min<F: Float>(row: &[F]) -> F {
    let mut lanes = [F::infinity(); 8];
    let chunks = row.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, &v) in lanes.iter_mut().zip(c) {
            *l = if v < *l { v } else { *l };
        }
    }
    for (l, &v) in lanes.iter_mut().zip(tail) {
        *l = if v < *l { v } else { *l };
    }
    lanes
        .iter()
        .fold(F::infinity(), |m, &v| if v < m { v } else { m })
}

macro_rules! softmax_rows {
    ($name:ident, $body:ident, $avx2:ident, $t:ty, $exp:ident) => {
        /// Softmax of every row of a tile in its own precision; see the module docs. Runs the
        /// AVX2 build of the same code when the processor has it: only the vector width differs
        /// (the lane sums are explicit and no multiply-add is fused), so the results are the
        /// same bit for bit.
        fn $name(
            dist: &[$t],
            k: usize,
            sigma: f64,
            diagnostics: bool,
            r: &mut [$t],
            stats: &mut [RowStats],
        ) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor supports AVX2, checked just above.
                unsafe { $avx2(dist, k, sigma, diagnostics, r, stats) };
                return;
            }
            $body(dist, k, sigma, diagnostics, r, stats);
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2")]
        unsafe fn $avx2(
            dist: &[$t],
            k: usize,
            sigma: f64,
            diagnostics: bool,
            r: &mut [$t],
            stats: &mut [RowStats],
        ) {
            $body(dist, k, sigma, diagnostics, r, stats);
        }

        #[inline(always)]
        fn $body(
            dist: &[$t],
            k: usize,
            sigma: f64,
            diagnostics: bool,
            r: &mut [$t],
            stats: &mut [RowStats],
        ) {
            // `1/σ` clamped to the largest finite value, so that `0 · (1/σ)` is `0`, not NaN.
            let inv = (1.0 / sigma).min(<$t>::MAX as f64) as $t;
            for ((row, out), st) in dist.chunks_exact(k).zip(r.chunks_exact_mut(k)).zip(stats) {
                let d_min = lane_min(row);
                // Weights below the smallest normal number are flushed to zero (see the module
                // docs): subnormal arithmetic is slower by two orders of magnitude.
                for (o, &d) in out.iter_mut().zip(row) {
                    let e = $exp((d_min - d) * inv);
                    *o = if e < <$t>::MIN_POSITIVE { 0.0 } else { e };
                }
                let z = lane_sum(out);
                let inv_z = (1.0 / z) as $t;
                let mut loss = [0.0f64; 8];
                let mut nnz = [0usize; 8];
                let mut logit_mass = [0.0f64; 8];
                let mut step = |l: usize, o: &mut $t, d: $t| {
                    let e = *o;
                    let v = e * inv_z;
                    *o = if v < <$t>::MIN_POSITIVE { 0.0 } else { v };
                    loss[l] += *o as f64 * d as f64;
                    nnz[l] += (*o != 0.0) as usize;
                    if diagnostics {
                        // `e · t` with `t = (d − d_min)/σ`; `0 · ∞` is taken as `0`.
                        let t = (d - d_min) * inv;
                        logit_mass[l] += if e > 0.0 { e as f64 * t as f64 } else { 0.0 };
                    }
                };
                let mut oc = out.chunks_exact_mut(8);
                let mut dc = row.chunks_exact(8);
                for (o8, d8) in (&mut oc).zip(&mut dc) {
                    for l in 0..8 {
                        step(l, &mut o8[l], d8[l]);
                    }
                }
                for (l, (o, &d)) in oc
                    .into_remainder()
                    .iter_mut()
                    .zip(dc.remainder())
                    .enumerate()
                {
                    step(l, o, d);
                }
                *st = RowStats {
                    loss: loss.iter().sum(),
                    nnz: nnz.iter().sum(),
                    ..RowStats::default()
                };
                if diagnostics {
                    st.soft_min = d_min as f64 - sigma * z.ln();
                    st.entropy = z.ln() + logit_mass.iter().sum::<f64>() / z;
                }
            }
        }
    };
}

softmax_rows!(
    softmax_rows_f32,
    softmax_body_f32,
    softmax_avx2_f32,
    f32,
    exp_f32
);
softmax_rows!(
    softmax_rows_f64,
    softmax_body_f64,
    softmax_avx2_f64,
    f64,
    exp_f64
);

/// `Σ v` in `f64`, in eight independent lanes.
#[inline(always)]
fn lane_sum<T: Float>(v: &[T]) -> f64 {
    let mut lanes = [0.0f64; 8];
    let chunks = v.chunks_exact(8);
    let tail = chunks.remainder();
    for c in chunks {
        for (l, &x) in lanes.iter_mut().zip(c) {
            *l += x.to_f64_lossless();
        }
    }
    for (l, &x) in lanes.iter_mut().zip(tail) {
        *l += x.to_f64_lossless();
    }
    lanes.iter().sum()
}

/// `s` as a slice of `T` when `F` is `T`.
pub(crate) fn cast<F: 'static, T: 'static>(s: &[F]) -> Option<&[T]> {
    if TypeId::of::<F>() == TypeId::of::<T>() {
        // SAFETY: `F` and `T` are the same type, so the layout and validity are the same.
        Some(unsafe { std::slice::from_raw_parts(s.as_ptr().cast::<T>(), s.len()) })
    } else {
        None
    }
}

/// `s` as a mutable slice of `T` when `F` is `T`.
pub(crate) fn cast_mut<F: 'static, T: 'static>(s: &mut [F]) -> Option<&mut [T]> {
    if TypeId::of::<F>() == TypeId::of::<T>() {
        // SAFETY: `F` and `T` are the same type; the borrow of `s` is moved into the result.
        Some(unsafe { std::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<T>(), s.len()) })
    } else {
        None
    }
}
