//! Batched forward maps for the soft pass: every row of a distance tile at once.
//!
//! [`Map::tile_rows`] writes the responsibilities of `m` rows densely into an `m × K` tile (zeros
//! off the support) and returns, per row, what the pass accumulates; for the maps with exact
//! zeros, [`Map::tile_rows_sparse`] writes the same values as each row's nonzero entries
//! ([`SparseTile`]). It agrees with
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
//!   the identity `H(r) = ln Z + Σ_k r_k (d_k − d_min)/σ`, with no logarithm per entry, and the
//!   loss is `Σ_k e_k d_k / Z`. On a processor with AVX2 and FMA, `f32` tiles run the kernel of
//!   [`avx2`] instead (fused multiply-adds, block sums in `f32`; see there for its error bound),
//!   which agrees with the portable body to within a few ulp.
//! - entmax-1.5 and sparsemax find `τ` without sorting: on the candidates (`y_k > −1`), Newton's
//!   method on the convex, decreasing `g(τ) = Σ_k [y_k − τ]_+^p − 1` from `τ = −1`, where
//!   `g ≥ 0`, approaches the root from below and so only ever drops entries outside the
//!   support; after each step the closed-form threshold of the surviving set is accepted as soon
//!   as it is consistent with that set (every kept `y > τ`, every dropped `y ≤ τ`), which
//!   characterises the unique root. When it is not, the root also lies above the smallest kept
//!   `y` whenever the closed form does, so each step drops at least one entry. For sparsemax
//!   (`p = 1`) the closed form alone is Michelot's algorithm. A row where rounding stalls the
//!   iteration falls back to the exact sort-based solver. A row with few entries near its
//!   minimum (counted from one vectorised mask of `d − d_min < width` per 32 entries) gathers
//!   its candidates and iterates on them, a single candidate (the minimum: `r = 1`) with no
//!   iteration at all; a row with many (a dense row, at a
//!   temperature near the spread of its distances) iterates on the whole row with masks
//!   instead, since the entries dropped so far are exactly those at or below the current `τ`:
//!   one branch-free pass per step, in AVX2 when the processor has it.
//! - every other map solves its rows one by one with the per-row solver.

use std::any::TypeId;

#[cfg(target_arch = "x86_64")]
mod avx2;

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
    /// A row's candidates (then its support): indices and logits.
    idx: Vec<usize>,
    ys: Vec<f64>,
    vals: Vec<f64>,
    vals_f: Vec<F>,
    /// The logits of a whole row, for the masked iteration.
    dense_ys: Vec<f64>,
    /// A whole row of responsibilities, from the masked iteration.
    dense_r: Vec<F>,
    /// A row's near masks, one per block of 32 entries (see [`gather_candidates`]).
    masks: Vec<u32>,
}

impl<F> RowScratch<F> {
    /// Room for rows of `k` entries.
    pub(crate) fn new(k: usize) -> Self {
        RowScratch {
            idx: Vec::with_capacity(k),
            ys: Vec::with_capacity(k),
            vals: Vec::with_capacity(k),
            vals_f: Vec::with_capacity(k),
            dense_ys: Vec::with_capacity(k),
            dense_r: Vec::with_capacity(k),
            masks: Vec::with_capacity(k.div_ceil(32)),
        }
    }
}

/// The nonzero responsibilities of a tile, row by row (compressed sparse rows): what
/// [`Map::tile_rows_sparse`] writes, so that a pass over a sparse map neither clears nor scans
/// an `m × K` tile.
#[derive(Clone, Debug)]
pub(crate) struct SparseTile<F> {
    /// Row `i`'s entries are `starts[i]..starts[i + 1]` of `cols` and `vals`.
    starts: Vec<usize>,
    cols: Vec<u32>,
    vals: Vec<F>,
}

impl<F: Float> SparseTile<F> {
    /// An empty tile.
    pub(crate) fn new() -> Self {
        SparseTile {
            starts: vec![0],
            cols: Vec::new(),
            vals: Vec::new(),
        }
    }

    /// Removes every row, keeping the allocations.
    fn clear(&mut self) {
        self.starts.clear();
        self.starts.push(0);
        self.cols.clear();
        self.vals.clear();
    }

    /// Number of rows.
    pub(crate) fn n_rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// Row `i`'s nonzero entries: their columns (increasing) and values.
    pub(crate) fn row(&self, i: usize) -> (&[u32], &[F]) {
        let (a, b) = (self.starts[i], self.starts[i + 1]);
        (&self.cols[a..b], &self.vals[a..b])
    }

    /// Writes the tile densely into `r` (`n_rows × k`, zeros off the support).
    ///
    /// # Panics
    /// If `r` is not `n_rows × k` or a column is out of range.
    pub(crate) fn scatter(&self, k: usize, r: &mut [F]) {
        assert_eq!(
            r.len(),
            self.n_rows() * k,
            "SparseTile::scatter: r must be m × k"
        );
        r.fill(F::zero());
        for (i, out) in r.chunks_exact_mut(k).enumerate() {
            let (cols, vals) = self.row(i);
            for (&j, &v) in cols.iter().zip(vals) {
                out[j as usize] = v;
            }
        }
    }
}

/// Where the row solvers put a tile's responsibilities: densely ([`DenseTile`]) or as each
/// row's nonzero entries ([`SparseTile`]). Rows come in order, each between `start_row` and
/// `end_row`.
trait TileSink<F> {
    /// Begins the next row.
    fn start_row(&mut self);
    /// Sets every entry of the current row to zero; comes before any [`TileSink::put`].
    fn zero_row(&mut self);
    /// Sets entry `j` of the current row to `v` (each `j` at most once per row).
    fn put(&mut self, j: usize, v: F);
    /// Sets the whole current row.
    fn put_row(&mut self, row: &[F]);
    /// Ends the current row.
    fn end_row(&mut self);
}

/// A row-major `m × K` tile written in place.
struct DenseTile<'a, F> {
    r: &'a mut [F],
    k: usize,
    /// Offset of the current row; `next` that of the row after it.
    base: usize,
    next: usize,
}

impl<F: Float> TileSink<F> for DenseTile<'_, F> {
    #[inline(always)]
    fn start_row(&mut self) {
        self.base = self.next;
        self.next += self.k;
    }
    #[inline(always)]
    fn zero_row(&mut self) {
        self.r[self.base..self.next].fill(F::zero());
    }
    #[inline(always)]
    fn put(&mut self, j: usize, v: F) {
        self.r[self.base + j] = v;
    }
    #[inline(always)]
    fn put_row(&mut self, row: &[F]) {
        self.r[self.base..self.next].copy_from_slice(row);
    }
    #[inline(always)]
    fn end_row(&mut self) {}
}

impl<F: Float> TileSink<F> for SparseTile<F> {
    #[inline(always)]
    fn start_row(&mut self) {}
    #[inline(always)]
    fn zero_row(&mut self) {}
    #[inline(always)]
    fn put(&mut self, j: usize, v: F) {
        // `!= 0` rather than `> 0`: a NaN must reach the sums.
        if v != F::zero() {
            self.cols.push(j as u32);
            self.vals.push(v);
        }
    }
    #[inline(always)]
    fn put_row(&mut self, row: &[F]) {
        // Compacted without branches: every entry is written at the next free place, which
        // advances only past a nonzero one (a branch per entry would be mispredicted on about
        // every other entry of a dense row).
        let base = self.cols.len();
        self.cols.resize(base + row.len(), 0);
        self.vals.resize(base + row.len(), F::zero());
        let (cols, vals) = (&mut self.cols[base..], &mut self.vals[base..]);
        let mut n = 0;
        for (j, &v) in row.iter().enumerate() {
            cols[n] = j as u32;
            vals[n] = v;
            n += usize::from(v != F::zero());
        }
        self.cols.truncate(base + n);
        self.vals.truncate(base + n);
    }
    #[inline(always)]
    fn end_row(&mut self) {
        self.starts.push(self.cols.len());
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
            _ => {
                let mut sink = DenseTile {
                    r,
                    k,
                    base: 0,
                    next: 0,
                };
                self.sparse_rows(dist, k, sigma, diagnostics, &mut sink, stats, scratch);
            }
        }
    }

    /// As [`Map::tile_rows`] for a map with exact zeros ([`Map::is_sparse`]), but writes each
    /// row's nonzero responsibilities into `out` (cleared first) instead of a dense tile.
    ///
    /// # Panics
    /// If the shapes disagree, `k = 0` or `k > u32::MAX`, `σ` is not positive and finite, or
    /// the map is a softmax.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn tile_rows_sparse<F: Float>(
        &self,
        dist: &[F],
        k: usize,
        sigma: f64,
        diagnostics: bool,
        out: &mut SparseTile<F>,
        stats: &mut [RowStats],
        scratch: &mut RowScratch<F>,
    ) {
        assert!(
            k > 0 && u32::try_from(k).is_ok() && dist.len() == stats.len() * k,
            "Map::tile_rows_sparse: dist must be m × k, stats of length m"
        );
        assert!(
            sigma > 0.0 && sigma.is_finite(),
            "Map: the temperature sigma must be positive and finite"
        );
        assert!(
            self.is_sparse(),
            "Map::tile_rows_sparse: softmax rows are dense"
        );
        out.clear();
        self.sparse_rows(dist, k, sigma, diagnostics, out, stats, scratch);
    }

    /// Every row of a tile of a map other than the two softmaxes, into `sink`: entmax-1.5 and
    /// sparsemax through the sort-free thresholds (in their AVX2 build when the processor has
    /// it), the others through the per-row solver.
    #[allow(clippy::too_many_arguments)]
    fn sparse_rows<F: Float, S: TileSink<F>>(
        &self,
        dist: &[F],
        k: usize,
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        stats: &mut [RowStats],
        scratch: &mut RowScratch<F>,
    ) {
        if matches!(self, Map::Entmax15 | Map::Sparsemax) {
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor supports AVX2, checked just above.
                unsafe {
                    self.threshold_rows_avx2(dist, k, sigma, diagnostics, sink, stats, scratch)
                };
                return;
            }
            self.threshold_rows(dist, k, sigma, diagnostics, sink, stats, scratch);
        } else {
            for (row, st) in dist.chunks_exact(k).zip(stats) {
                sink.start_row();
                *st = self.generic_row(row, sigma, diagnostics, sink, scratch);
                sink.end_row();
            }
        }
    }

    /// [`Map::threshold_rows`] compiled for AVX2: the same code, vectorised wider.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn threshold_rows_avx2<F: Float, S: TileSink<F>>(
        &self,
        dist: &[F],
        k: usize,
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        stats: &mut [RowStats],
        scratch: &mut RowScratch<F>,
    ) {
        self.threshold_rows(dist, k, sigma, diagnostics, sink, stats, scratch);
    }

    /// Entmax-1.5 or sparsemax of every row of a tile.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn threshold_rows<F: Float, S: TileSink<F>>(
        &self,
        dist: &[F],
        k: usize,
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        stats: &mut [RowStats],
        scratch: &mut RowScratch<F>,
    ) {
        for (row, st) in dist.chunks_exact(k).zip(stats) {
            sink.start_row();
            *st = self.threshold_row(row, sigma, diagnostics, sink, scratch);
            sink.end_row();
        }
    }

    /// Any map, through the per-row solver.
    fn generic_row<F: Float, S: TileSink<F>>(
        &self,
        row: &[F],
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        scratch: &mut RowScratch<F>,
    ) -> RowStats {
        let soft_min = self.sparse_row(row, sigma, &mut scratch.idx, &mut scratch.vals_f);
        sink.zero_row();
        let mut st = RowStats {
            nnz: scratch.idx.len(),
            ..RowStats::default()
        };
        for (&j, &v) in scratch.idx.iter().zip(&scratch.vals_f) {
            sink.put(j, v);
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

    /// Entmax-1.5 or sparsemax of one row, without sorting: over the whole row
    /// ([`Map::threshold_row_dense`]) when many entries may be in the support (see
    /// [`DENSE_MIN_CANDIDATES`]), else on the candidates alone.
    #[inline(always)]
    fn threshold_row<F: Float, S: TileSink<F>>(
        &self,
        row: &[F],
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        scratch: &mut RowScratch<F>,
    ) -> RowStats {
        let sparsemax = matches!(self, Map::Sparsemax);
        let width = if sparsemax { sigma } else { 2.0 * sigma };
        let inv_width = 1.0 / width;
        let d_min = lane_min(row).to_f64_lossless();
        // Entries within one width of the minimum: a superset of the candidates.
        let masks = &mut scratch.masks;
        masks.clear();
        masks.extend(row.chunks(32).map(|c| near_mask(c, d_min, width)));
        let near: usize = masks.iter().map(|m| m.count_ones() as usize).sum();
        if inv_width.is_finite()
            && near > DENSE_MIN_CANDIDATES
            && near * DENSE_MIN_SHARE > row.len()
        {
            let ys = &mut scratch.dense_ys;
            ys.clear();
            ys.extend(
                row.iter()
                    .map(|d| (d_min - d.to_f64_lossless()) * inv_width),
            );
            let tau = if sparsemax {
                threshold_masked::<1>(ys)
            } else {
                threshold_masked::<2>(ys)
            };
            if let Some(tau) = tau {
                return self.threshold_row_dense(
                    row,
                    d_min,
                    tau,
                    sigma,
                    diagnostics,
                    sink,
                    scratch,
                );
            }
        }
        let (masks, idx, ys) = (&scratch.masks, &mut scratch.idx, &mut scratch.ys);
        gather_candidates(row, d_min, width, masks, idx, ys);
        self.threshold_row_sparse(row, d_min, sigma, diagnostics, sink, scratch)
    }

    /// The weights of a row from its threshold `τ`, over every entry: `[y_k − τ]_+^p`
    /// normalised, with `y_k` in `scratch.ys`.
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    fn threshold_row_dense<F: Float, S: TileSink<F>>(
        &self,
        row: &[F],
        d_min: f64,
        tau: f64,
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        scratch: &mut RowScratch<F>,
    ) -> RowStats {
        let sparsemax = matches!(self, Map::Sparsemax);
        let (ys, vals, out) = (&scratch.dense_ys, &mut scratch.vals, &mut scratch.dense_r);
        out.resize(row.len(), F::zero());
        vals.clear();
        // `max` drops a NaN `y`: such an entry is no candidate, as on the sparse path.
        vals.extend(ys.iter().map(|&y| {
            let t = (y - tau).max(0.0);
            if sparsemax {
                t
            } else {
                t * t
            }
        }));
        let norm = lane_sum(vals);
        let inv_norm = if norm > 0.0 { 1.0 / norm } else { 1.0 };
        let mut loss = [0.0f64; 4];
        let mut nnz = [0usize; 4];
        let mut oc = out.chunks_exact_mut(4);
        let mut pc = vals.chunks_exact_mut(4);
        let mut dc = row.chunks_exact(4);
        let mut lane = |l: usize, o: &mut F, p: &mut f64, d: F| {
            *p *= inv_norm;
            let r = F::from_f64_round(*p);
            *o = r;
            let nonzero = r != F::zero();
            nnz[l] += nonzero as usize;
            // Off the support `d` may be infinite: it adds nothing.
            loss[l] += if nonzero {
                r.to_f64_lossless() * d.to_f64_lossless()
            } else {
                0.0
            };
        };
        for ((o4, p4), d4) in (&mut oc).zip(&mut pc).zip(&mut dc) {
            for l in 0..4 {
                lane(l, &mut o4[l], &mut p4[l], d4[l]);
            }
        }
        for (l, ((o, p), &d)) in oc
            .into_remainder()
            .iter_mut()
            .zip(pc.into_remainder())
            .zip(dc.remainder())
            .enumerate()
        {
            lane(l, o, p, d);
        }
        let mut st = RowStats {
            loss: (loss[0] + loss[1]) + (loss[2] + loss[3]),
            nnz: nnz.iter().sum(),
            ..RowStats::default()
        };
        if diagnostics {
            let (mut excess, mut omega_sum) = (0.0, 0.0);
            for ((&p, o), d) in vals.iter().zip(out.iter()).zip(row) {
                if p > 0.0 {
                    let r = o.to_f64_lossless();
                    if r > 0.0 {
                        st.entropy -= r * r.ln();
                    }
                    excess += p * (d.to_f64_lossless() - d_min);
                    omega_sum += if sparsemax { p * p } else { p * p.sqrt() };
                }
            }
            st.soft_min = d_min + excess + sigma * omega(sparsemax, omega_sum);
        }
        sink.put_row(out);
        st
    }

    /// Entmax-1.5 or sparsemax of one row on its candidates alone (gathered into `scratch` by
    /// [`gather_candidates`]), without sorting.
    #[inline(always)]
    fn threshold_row_sparse<F: Float, S: TileSink<F>>(
        &self,
        row: &[F],
        d_min: f64,
        sigma: f64,
        diagnostics: bool,
        sink: &mut S,
        scratch: &mut RowScratch<F>,
    ) -> RowStats {
        let sparsemax = matches!(self, Map::Sparsemax);
        let (idx, ys) = (&mut scratch.idx, &mut scratch.ys);
        if ys.is_empty() {
            // Only a row with NaN gets here; the per-row solver propagates it.
            return self.generic_row(row, sigma, diagnostics, sink, scratch);
        }
        if let ([j], [y]) = (idx.as_slice(), ys.as_slice()) {
            if *y == 0.0 {
                // One candidate, the minimum itself: `τ = −1`, `r_j = 1` (the most common row
                // at a low temperature). The same values as the general path below, without
                // its divisions.
                let j = *j;
                sink.zero_row();
                sink.put(j, F::one());
                let dj = row[j].to_f64_lossless();
                let mut st = RowStats {
                    loss: 0.0 + dj,
                    nnz: 1,
                    ..RowStats::default()
                };
                if diagnostics {
                    st.soft_min = d_min + (0.0 + (dj - d_min)) + sigma * omega(sparsemax, 1.0);
                }
                return st;
            }
        }
        let tau = if ys.len() == 1 {
            Some(-1.0)
        } else if sparsemax {
            threshold_newton::<1>(idx, ys)
        } else {
            threshold_newton::<2>(idx, ys)
        };
        let Some(tau) = tau else {
            return self.generic_row(row, sigma, diagnostics, sink, scratch);
        };
        sink.zero_row();

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
            sink.put(j, rj);
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
            st.soft_min = d_min + excess + sigma * omega(sparsemax, omega_sum);
        }
        st
    }
}

/// The candidates of a row into `(idx, ys)`, in column order: the entries with logit
/// `y = −(d − d_min)/width > −1`. `d − d_min < width` is necessary for it, so the logit is
/// formed only for the entries set in `masks` (one [`near_mask`] per block of 32 entries); as a
/// product with `1/width` unless `1/width` overflows.
#[inline(always)]
fn gather_candidates<F: Float>(
    row: &[F],
    d_min: f64,
    width: f64,
    masks: &[u32],
    idx: &mut Vec<usize>,
    ys: &mut Vec<f64>,
) {
    idx.clear();
    ys.clear();
    let inv_width = 1.0 / width;
    for ((block, chunk), &mask) in row.chunks(32).enumerate().zip(masks) {
        let mut near = mask;
        while near != 0 {
            let offset = near.trailing_zeros() as usize;
            near &= near - 1;
            let d = chunk[offset].to_f64_lossless();
            let y = if inv_width.is_finite() {
                -((d - d_min) * inv_width)
            } else {
                support::scaled_logit(d, d_min, width)
            };
            if y > -1.0 {
                idx.push(block * 32 + offset);
                ys.push(y);
            }
        }
    }
}

/// A bit per entry of `chunk` (at most 32) with `d − d_min < width` in `f64`: the AVX2 scan of
/// [`avx2`] when the processor has it, else the same test built without branches.
#[inline(always)]
fn near_mask<F: Float>(chunk: &[F], d_min: f64, width: f64) -> u32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor supports AVX2, checked just above.
        if let Some(c) = cast::<F, f32>(chunk) {
            return unsafe { avx2::near_mask_f32(c, d_min, width) };
        }
        if let Some(c) = cast::<F, f64>(chunk) {
            // SAFETY: as above.
            return unsafe { avx2::near_mask_f64(c, d_min, width) };
        }
    }
    near_mask_portable(chunk, d_min, width)
}

/// The portable body of [`near_mask`].
#[inline(always)]
fn near_mask_portable<F: Float>(chunk: &[F], d_min: f64, width: f64) -> u32 {
    let mut near = 0u32;
    for (offset, d) in chunk.iter().enumerate() {
        near |= u32::from(d.to_f64_lossless() - d_min < width) << offset;
    }
    near
}

/// Rows with more than this many entries within one width of their minimum, and more than a
/// `1/DENSE_MIN_SHARE` share of the row, are solved on the whole row with masks
/// ([`threshold_masked`]); other rows on their candidates gathered ([`threshold_newton`]).
const DENSE_MIN_CANDIDATES: usize = 8;

/// See [`DENSE_MIN_CANDIDATES`].
const DENSE_MIN_SHARE: usize = 4;

/// `Ω(r)` from `Σ r²` (sparsemax: `(Σ r² − 1)/2`) or `Σ r^{3/2}` (entmax-1.5:
/// `(Σ r^{3/2} − 1)/0.75`).
fn omega(sparsemax: bool, omega_sum: f64) -> f64 {
    if sparsemax {
        (omega_sum - 1.0) / 2.0
    } else {
        (omega_sum - 1.0) / 0.75
    }
}

/// Over the entries of a row kept at a threshold `τ` (`y > τ`, `t = y − τ`): their number `s`,
/// `a1 = Σ t`, `a2 = Σ t²` and smallest `y`; over the dropped ones (`y ≤ τ`), the largest `y`,
/// at least `−1` (non-candidates are `≤ −1`). NaN entries are neither.
#[derive(Clone, Copy, Debug)]
struct KeptSums {
    s: f64,
    a1: f64,
    a2: f64,
    min_y: f64,
    max_out: f64,
}

impl KeptSums {
    /// Combines four lanes of each sum, in a fixed order.
    #[inline(always)]
    fn from_lanes(cnt: [f64; 4], s1: [f64; 4], s2: [f64; 4], lo: [f64; 4], hi: [f64; 4]) -> Self {
        KeptSums {
            s: (cnt[0] + cnt[1]) + (cnt[2] + cnt[3]),
            a1: (s1[0] + s1[1]) + (s1[2] + s1[3]),
            a2: (s2[0] + s2[1]) + (s2[2] + s2[3]),
            min_y: lo[0].min(lo[1]).min(lo[2].min(lo[3])),
            max_out: hi[0].max(hi[1]).max(hi[2].max(hi[3])),
        }
    }

    /// Adds one entry.
    #[inline(always)]
    fn add(&mut self, y: f64, tau: f64) {
        if y > tau {
            let t = y - tau;
            self.s += 1.0;
            self.a1 += t;
            self.a2 += t * t;
            self.min_y = self.min_y.min(y);
        } else if y <= tau {
            self.max_out = self.max_out.max(y);
        }
    }
}

/// [`KeptSums`] of a row at `τ`: the AVX2 pass when the processor has it, else four lanes.
#[inline(always)]
fn kept_sums(ys: &[f64], tau: f64) -> KeptSums {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the processor supports AVX2 and FMA, checked just above.
        return unsafe { avx2::threshold_pass(ys, tau) };
    }
    kept_sums_portable(ys, tau)
}

/// [`KeptSums`] of a row at `τ` in four lanes of portable code.
#[inline(always)]
fn kept_sums_portable(ys: &[f64], tau: f64) -> KeptSums {
    let empty = KeptSums {
        s: 0.0,
        a1: 0.0,
        a2: 0.0,
        min_y: f64::INFINITY,
        max_out: -1.0,
    };
    let mut lanes = [empty; 4];
    let chunks = ys.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        for (lane, &y) in lanes.iter_mut().zip(c) {
            lane.add(y, tau);
        }
    }
    for (lane, &y) in lanes.iter_mut().zip(tail) {
        lane.add(y, tau);
    }
    let [a, b, c, d] = lanes;
    KeptSums::from_lanes(
        [a.s, b.s, c.s, d.s],
        [a.a1, b.a1, c.a1, d.a1],
        [a.a2, b.a2, c.a2, d.a2],
        [a.min_y, b.min_y, c.min_y, d.min_y],
        [a.max_out, b.max_out, c.max_out, d.max_out],
    )
}

/// What one step of the threshold iteration decided.
enum Step {
    /// The closed-form threshold of the kept set is consistent with it: the root.
    Done(f64),
    /// Not consistent: the next, larger lower bound of the root.
    Next(f64),
    /// Rounding stalled the iteration (the caller then sorts).
    Stalled,
}

/// One step of the threshold iteration from `τ`, given over the kept entries (`y > τ`) their
/// number `s`, `a1 = Σ (y − τ)`, `a2 = Σ (y − τ)²` and their smallest `y`, and the largest `y`
/// of the dropped ones (`max_out`, at least `−1`).
#[inline(always)]
fn threshold_step<const P: u32>(
    tau: f64,
    s: f64,
    a1: f64,
    a2: f64,
    min_y: f64,
    max_out: f64,
) -> Step {
    // The closed-form threshold of the current set, as an offset from `τ`.
    let closed = if P == 1 {
        tau + (a1 - 1.0) / s
    } else {
        let mean = a1 / s;
        let m2 = (a2 - a1 * mean).max(0.0);
        tau + mean - ((1.0 - m2) / s).max(0.0).sqrt()
    };
    if min_y > closed && max_out <= closed {
        return Step::Done(closed);
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
        return Step::Stalled;
    }
    Step::Next(next)
}

/// [`threshold_newton`] on a whole row of logits `y ≤ 0` (largest `0`) without gathering the
/// candidates: the entries it has dropped are exactly those with `y ≤ τ` for its current `τ`,
/// so each step is one masked pass over the row. Same steps, same result up to the order of
/// the sums; NaN entries are never kept, as on the gathered path.
#[inline(always)]
fn threshold_masked<const P: u32>(ys: &[f64]) -> Option<f64> {
    let mut tau = -1.0f64;
    for _ in 0..=ys.len() {
        let sums = kept_sums(ys, tau);
        let KeptSums {
            s,
            a1,
            a2,
            min_y,
            max_out,
        } = sums;
        if s == 0.0 {
            return None;
        }
        match threshold_step::<P>(tau, s, a1, a2, min_y, max_out) {
            Step::Done(closed) => return Some(closed),
            Step::Next(next) => tau = next,
            Step::Stalled => return None,
        }
    }
    None
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
        tau = match threshold_step::<P>(tau, s, a1, a2, min_y, max_out) {
            Step::Done(closed) => return Some(closed),
            Step::Next(next) => next,
            Step::Stalled => return None,
        };
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
                // Pass one: the weights `e`, flushed below the smallest normal number (see the
                // module docs), with their sum `Z`, `Σ e·d` and, for the entropy, `Σ e·t`.
                let (z, ed, et) = if diagnostics {
                    weights_pass::<$t, true>(row, out, d_min, inv, |x| $exp(x))
                } else {
                    weights_pass::<$t, false>(row, out, d_min, inv, |x| $exp(x))
                };
                // Pass two: normalise, flush again and count the support.
                let inv_z = (1.0 / z) as $t;
                let mut nnz = [0u32; 8];
                let mut oc = out.chunks_exact_mut(8);
                for o8 in &mut oc {
                    for l in 0..8 {
                        let v = o8[l] * inv_z;
                        let v = if v < <$t>::MIN_POSITIVE { 0.0 } else { v };
                        o8[l] = v;
                        nnz[l] += (v != 0.0) as u32;
                    }
                }
                for (l, o) in oc.into_remainder().iter_mut().enumerate() {
                    let v = *o * inv_z;
                    let v = if v < <$t>::MIN_POSITIVE { 0.0 } else { v };
                    *o = v;
                    nnz[l] += (v != 0.0) as u32;
                }
                *st = RowStats {
                    loss: ed / z,
                    nnz: nnz.iter().map(|&c| c as usize).sum(),
                    ..RowStats::default()
                };
                if diagnostics {
                    st.soft_min = d_min as f64 - sigma * z.ln();
                    st.entropy = z.ln() + et / z;
                }
            }
        }
    };
}

/// The first pass of a softmax row: `out_k = e_k = exp((d_min − d_k)/σ)` (`0` below the
/// smallest normal number) and, in `f64` over eight independent lanes, `Z = Σ e_k`,
/// `Σ e_k d_k` and, with `ENTROPY`, `Σ e_k (d_k − d_min)/σ` (a zero weight adds `0`, also
/// where its distance or logit is infinite). Written lane by lane so that it compiles to SIMD code.
#[inline(always)]
fn weights_pass<T: Float, const ENTROPY: bool>(
    row: &[T],
    out: &mut [T],
    d_min: T,
    inv: T,
    exp: impl Fn(T) -> T,
) -> (f64, f64, f64) {
    let mut z = [0.0f64; 8];
    let mut ed = [0.0f64; 8];
    let mut et = [0.0f64; 8];
    let mut lane = |l: usize, o: &mut T, d: T| {
        let e = exp((d_min - d) * inv);
        let e = if e < T::min_positive_value() {
            T::zero()
        } else {
            e
        };
        *o = e;
        let e = e.to_f64_lossless();
        z[l] += e;
        // A zero weight adds `0`, also at an infinite distance (a NaN weight reaches `Z`).
        ed[l] += if e > 0.0 {
            e * d.to_f64_lossless()
        } else {
            0.0
        };
        if ENTROPY {
            let t = ((d - d_min) * inv).to_f64_lossless();
            et[l] += if e > 0.0 { e * t } else { 0.0 };
        }
    };
    let mut oc = out.chunks_exact_mut(8);
    let mut dc = row.chunks_exact(8);
    for (o8, d8) in (&mut oc).zip(&mut dc) {
        for l in 0..8 {
            lane(l, &mut o8[l], d8[l]);
        }
    }
    for (l, (o, &d)) in oc
        .into_remainder()
        .iter_mut()
        .zip(dc.remainder())
        .enumerate()
    {
        lane(l, o, d);
    }
    let sum = |v: [f64; 8]| ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
    (sum(z), sum(ed), sum(et))
}

/// Softmax of every row of a `f32` tile: the AVX2 and FMA kernel of [`avx2`] when the processor
/// has both, the portable body otherwise.
fn softmax_rows_f32(
    dist: &[f32],
    k: usize,
    sigma: f64,
    diagnostics: bool,
    r: &mut [f32],
    stats: &mut [RowStats],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the processor supports AVX2 and FMA, checked just above; `tile_rows` checked
        // the shapes.
        unsafe { avx2::softmax_rows_f32(dist, k, sigma, diagnostics, r, stats) };
        return;
    }
    softmax_rows_f32_portable(dist, k, sigma, diagnostics, r, stats);
}

softmax_rows!(
    softmax_rows_f32_portable,
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

#[cfg(test)]
mod tests;
