//! The softmax rows of a `f32` tile with AVX2 and FMA (x86-64).
//!
//! Same contract as the portable body in [`super`], built for throughput: eight lanes, fused
//! multiply-adds, and one exponent scaling. Since every weight is `≤ 1` and a weight below the
//! smallest normal number is flushed to zero anyway, the argument of the exponential is clamped
//! to `[ln 2⁻¹²⁶, 0]`, where `2ⁿ` is a normal number built from its exponent bits in one step,
//! and the lanes below `ln 2⁻¹²⁶` are zeroed afterwards. The polynomial is the degree-7 Taylor
//! series of `e^r` on `|r| ≤ ln 2 / 2` (truncation under a tenth of an ulp), by Horner's rule
//! with fused multiply-adds.
//!
//! The partition `Z = Σ e_k` and `Σ e_k d_k` are summed in `f32` lanes over at most
//! [`BLOCK`] vectors (64 entries), then each block's lanes are added into `f64` lanes. So the
//! rounding of these sums is at most `BLOCK` `f32` additions of relative `2⁻²⁴` each, whatever
//! `K`: a relative `5·10⁻⁷`, below the error the `f32` squared distances themselves carry.
//! Results agree with the portable body to within a few ulp, not bit for bit.

use std::arch::x86_64::*;

use super::RowStats;

/// Vectors of eight entries summed in `f32` before the sums are widened to `f64`.
const BLOCK: usize = 8;

/// `ln 2⁻¹²⁶`: below it `eˣ` is under the smallest normal `f32` and is flushed to zero.
const LN_MIN_NORMAL: f32 = -87.336_55;

/// Softmax of every `k`-entry row of `dist` into `r`, with the per-row statistics; see the
/// module docs and `softmax_rows_f32` in [`super`].
///
/// # Safety
/// The CPU must support AVX2 and FMA; `dist` and `r` must have the same length, a multiple of
/// `k > 0`, and `stats` one entry per row.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn softmax_rows_f32(
    dist: &[f32],
    k: usize,
    sigma: f64,
    diagnostics: bool,
    r: &mut [f32],
    stats: &mut [RowStats],
) {
    debug_assert!(k > 0 && dist.len() == r.len() && dist.len() == stats.len() * k);
    // `1/σ` clamped to the largest finite value, so that `0 · (1/σ)` is `0`, not NaN.
    let inv = (1.0 / sigma).min(f32::MAX as f64) as f32;
    let tail = tail_mask(k % 8);
    for ((row, out), st) in dist.chunks_exact(k).zip(r.chunks_exact_mut(k)).zip(stats) {
        let d_min = super::lane_min(row);
        // SAFETY: AVX2 and FMA are available (the caller's contract); `row` and `out` hold
        // `k` values each, which is what the passes read and write.
        let (z, ed, et) = unsafe { weights(row, out, d_min, inv, tail, diagnostics) };
        let inv_z = (1.0 / z) as f32;
        // SAFETY: as above.
        let nnz = unsafe { normalise(out, inv_z, tail) };
        *st = RowStats {
            loss: ed / z,
            nnz,
            ..RowStats::default()
        };
        if diagnostics {
            st.soft_min = d_min as f64 - sigma * z.ln();
            st.entropy = z.ln() + et / z;
        }
    }
}

/// Lane mask of the first `rem` lanes, all lanes for `rem = 0`.
#[target_feature(enable = "avx2")]
fn tail_mask(rem: usize) -> __m256i {
    let rem = if rem == 0 { 8 } else { rem as i32 };
    _mm256_cmpgt_epi32(
        _mm256_set1_epi32(rem),
        _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
    )
}

/// `eˣ` of `U` vectors with `x ≤ 0`: zero below [`LN_MIN_NORMAL`], NaN for NaN. Each step runs
/// on all `U` vectors before the next, so that their independent chains overlap.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn exp_nonpositive<const U: usize>(x: [__m256; U]) -> [__m256; U] {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // 355/512: `n · LN2_HI` is exact for `|n| < 2¹⁵`.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 · 2²³: adding it rounds to an integer, which then sits in the low mantissa bits.
    const SHIFTER: f32 = 12_582_912.0;
    let lo = _mm256_set1_ps(LN_MIN_NORMAL);
    // Kept lanes: not below the threshold (NaN is kept, so it reaches the sums).
    let keep = x.map(|x| _mm256_cmp_ps::<_CMP_NLT_UQ>(x, lo));
    // `max(lo, x)` returns `x` when `x` is NaN.
    let x = x.map(|x| _mm256_max_ps(lo, x));
    let shifted = x.map(|x| _mm256_fmadd_ps(x, _mm256_set1_ps(LOG2_E), _mm256_set1_ps(SHIFTER)));
    let nf = shifted.map(|s| _mm256_sub_ps(s, _mm256_set1_ps(SHIFTER)));
    let mut r = [_mm256_setzero_ps(); U];
    for u in 0..U {
        r[u] = _mm256_fnmadd_ps(nf[u], _mm256_set1_ps(LN2_HI), x[u]);
    }
    for u in 0..U {
        r[u] = _mm256_fnmadd_ps(nf[u], _mm256_set1_ps(LN2_LO), r[u]);
    }
    let mut p = [_mm256_set1_ps(1.0 / 5040.0); U];
    for c in [
        1.0 / 720.0,
        1.0 / 120.0,
        1.0 / 24.0,
        1.0 / 6.0,
        0.5,
        1.0,
        1.0,
    ] {
        for u in 0..U {
            p[u] = _mm256_fmadd_ps(p[u], r[u], _mm256_set1_ps(c));
        }
    }
    let mut e = [_mm256_setzero_ps(); U];
    for u in 0..U {
        // `n ∈ [−126, 0]`, so `2ⁿ` is the normal number with biased exponent `n + 127`.
        let n = _mm256_sub_epi32(
            _mm256_castps_si256(shifted[u]),
            _mm256_set1_epi32(SHIFTER.to_bits() as i32),
        );
        let scale = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(
            n,
            _mm256_set1_epi32(127),
        )));
        e[u] = _mm256_and_ps(_mm256_mul_ps(p[u], scale), keep[u]);
    }
    e
}

/// Adds the eight `f32` lanes of `v` into the `f64` lanes `acc`.
#[target_feature(enable = "avx2")]
#[inline]
fn widen_add(acc: &mut [__m256d; 2], v: __m256) {
    acc[0] = _mm256_add_pd(acc[0], _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
    acc[1] = _mm256_add_pd(acc[1], _mm256_cvtps_pd(_mm256_extractf128_ps::<1>(v)));
}

/// The sum of the `f64` lanes.
#[target_feature(enable = "avx2")]
#[inline]
fn lanes_sum(acc: [__m256d; 2]) -> f64 {
    let s = _mm256_add_pd(acc[0], acc[1]);
    let h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd::<1>(s));
    _mm_cvtsd_f64(_mm_add_pd(h, _mm_unpackhi_pd(h, h)))
}

/// The first pass of a row: `out_k = e_k`, and `(Z, Σ e_k d_k, Σ e_k t_k)` with
/// `t_k = (d_k − d_min)/σ` (the last only with `entropy`, else `0`).
///
/// # Safety
/// AVX2 and FMA; `row.len() == out.len()`, and `tail` masks the last `row.len() % 8` lanes
/// (all lanes when that is `0`).
#[target_feature(enable = "avx2,fma")]
unsafe fn weights(
    row: &[f32],
    out: &mut [f32],
    d_min: f32,
    inv: f32,
    tail: __m256i,
    entropy: bool,
) -> (f64, f64, f64) {
    let k = row.len();
    let (dp, op) = (row.as_ptr(), out.as_mut_ptr());
    let (dmin, vinv) = (_mm256_set1_ps(d_min), _mm256_set1_ps(inv));
    let zero = _mm256_setzero_pd();
    let (mut z, mut ed, mut et) = ([zero; 2], [zero; 2], [zero; 2]);
    let vectors = k.div_ceil(8);
    let mut v = 0;
    while v < vectors {
        let end = (v + BLOCK).min(vectors);
        let (mut bz, mut bed, mut bet) = (
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
            _mm256_setzero_ps(),
        );
        let mut i = v;
        // Four full vectors at a time, then one at a time (the last one possibly partial).
        while i + 4 <= end && (i + 4 < vectors || k % 8 == 0) {
            // SAFETY: vectors `i..i + 4` are full, so entries `8i..8i + 32` lie in the row.
            let d: [__m256; 4] =
                std::array::from_fn(|u| unsafe { _mm256_loadu_ps(dp.add(8 * (i + u))) });
            let t = d.map(|d| _mm256_mul_ps(_mm256_sub_ps(d, dmin), vinv));
            let e = exp_nonpositive(t.map(|t| _mm256_sub_ps(_mm256_setzero_ps(), t)));
            for u in 0..4 {
                // SAFETY: as for the loads.
                unsafe { _mm256_storeu_ps(op.add(8 * (i + u)), e[u]) };
                accumulate(e[u], d[u], t[u], entropy, (&mut bz, &mut bed, &mut bet));
            }
            i += 4;
        }
        while i < end {
            let full = i + 1 < vectors || k % 8 == 0;
            // SAFETY: vector `i` covers entries `8i..8i + 8`; all lie within the row when
            // `full`, and the masked load reads only the `k % 8` that do otherwise.
            let d = unsafe {
                if full {
                    _mm256_loadu_ps(dp.add(8 * i))
                } else {
                    // Lanes past the row read as `+∞`: their weight is zero.
                    let inf = _mm256_set1_ps(f32::INFINITY);
                    let loaded = _mm256_maskload_ps(dp.add(8 * i), tail);
                    _mm256_blendv_ps(inf, loaded, _mm256_castsi256_ps(tail))
                }
            };
            let t = _mm256_mul_ps(_mm256_sub_ps(d, dmin), vinv);
            let [e] = exp_nonpositive([_mm256_sub_ps(_mm256_setzero_ps(), t)]);
            // SAFETY: as for the load.
            unsafe {
                if full {
                    _mm256_storeu_ps(op.add(8 * i), e);
                } else {
                    _mm256_maskstore_ps(op.add(8 * i), tail, e);
                }
            }
            accumulate(e, d, t, entropy, (&mut bz, &mut bed, &mut bet));
            i += 1;
        }
        widen_add(&mut z, bz);
        widen_add(&mut ed, bed);
        if entropy {
            widen_add(&mut et, bet);
        }
        v = end;
    }
    (lanes_sum(z), lanes_sum(ed), lanes_sum(et))
}

/// Adds one vector of weights `e` (distances `d`, scaled logits `t`) into a block's `f32` sums of
/// `e`, `e·d` and, with `entropy`, `e·t`. Zero weights add `0`, also where `d` or `t` is `+∞`
/// (padded lanes hold `+∞` distances).
#[target_feature(enable = "avx2,fma")]
#[inline]
fn accumulate(
    e: __m256,
    d: __m256,
    t: __m256,
    entropy: bool,
    (bz, bed, bet): (&mut __m256, &mut __m256, &mut __m256),
) {
    let nonzero = _mm256_cmp_ps::<_CMP_NEQ_UQ>(e, _mm256_setzero_ps());
    *bz = _mm256_add_ps(*bz, e);
    *bed = _mm256_fmadd_ps(e, _mm256_and_ps(d, nonzero), *bed);
    if entropy {
        *bet = _mm256_fmadd_ps(e, _mm256_and_ps(t, nonzero), *bet);
    }
}

/// The second pass of a row: `out_k ← out_k / Z` (as a product with `1/Z`), flushed below the
/// smallest normal number; returns the number of nonzero entries (NaN counts as nonzero).
///
/// # Safety
/// AVX2; `tail` masks the last `out.len() % 8` lanes (all lanes when that is `0`).
#[target_feature(enable = "avx2,fma")]
unsafe fn normalise(out: &mut [f32], inv_z: f32, tail: __m256i) -> usize {
    let k = out.len();
    let op = out.as_mut_ptr();
    let (s, min) = (_mm256_set1_ps(inv_z), _mm256_set1_ps(f32::MIN_POSITIVE));
    let vectors = k.div_ceil(8);
    let mut nnz = 0u32;
    for i in 0..vectors {
        let full = i + 1 < vectors || k % 8 == 0;
        // SAFETY: as in `weights`.
        let e = unsafe {
            if full {
                _mm256_loadu_ps(op.add(8 * i))
            } else {
                _mm256_maskload_ps(op.add(8 * i), tail)
            }
        };
        let v = _mm256_mul_ps(e, s);
        let v = _mm256_and_ps(v, _mm256_cmp_ps::<_CMP_NLT_UQ>(v, min));
        let nonzero = _mm256_cmp_ps::<_CMP_NEQ_UQ>(v, _mm256_setzero_ps());
        let lanes = if full {
            nonzero
        } else {
            _mm256_and_ps(nonzero, _mm256_castsi256_ps(tail))
        };
        nnz += (_mm256_movemask_ps(lanes) as u32).count_ones();
        // SAFETY: as in `weights`.
        unsafe {
            if full {
                _mm256_storeu_ps(op.add(8 * i), v);
            } else {
                _mm256_maskstore_ps(op.add(8 * i), tail, v);
            }
        }
    }
    nnz as usize
}

/// One pass of the masked threshold iteration over a row of logits `ys` at threshold `tau`:
/// over the kept entries (`y > τ`, `t = y − τ`) their number, `Σ t`, `Σ t²` and smallest `y`;
/// over the dropped ones (`y ≤ τ`; NaN is neither) the largest `y`, at least `−1`.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[target_feature(enable = "avx2,fma")]
pub(super) unsafe fn threshold_pass(ys: &[f64], tau: f64) -> super::KeptSums {
    let vt = _mm256_set1_pd(tau);
    let (one, inf, neg_inf) = (
        _mm256_set1_pd(1.0),
        _mm256_set1_pd(f64::INFINITY),
        _mm256_set1_pd(f64::NEG_INFINITY),
    );
    let (mut cnt, mut s1, mut s2) = (
        _mm256_setzero_pd(),
        _mm256_setzero_pd(),
        _mm256_setzero_pd(),
    );
    let (mut lo, mut hi) = (inf, _mm256_set1_pd(-1.0));
    let chunks = ys.chunks_exact(4);
    let tail = chunks.remainder();
    for c in chunks {
        // SAFETY: `c` holds four values.
        let y = unsafe { _mm256_loadu_pd(c.as_ptr()) };
        let kept = _mm256_cmp_pd::<_CMP_GT_OQ>(y, vt);
        let dropped = _mm256_cmp_pd::<_CMP_LE_OQ>(y, vt);
        let t = _mm256_and_pd(_mm256_sub_pd(y, vt), kept);
        cnt = _mm256_add_pd(cnt, _mm256_and_pd(one, kept));
        s1 = _mm256_add_pd(s1, t);
        s2 = _mm256_fmadd_pd(t, t, s2);
        lo = _mm256_min_pd(lo, _mm256_blendv_pd(inf, y, kept));
        hi = _mm256_max_pd(hi, _mm256_blendv_pd(neg_inf, y, dropped));
    }
    let lanes = |v: __m256d| {
        let mut a = [0.0f64; 4];
        // SAFETY: `a` holds four values.
        unsafe { _mm256_storeu_pd(a.as_mut_ptr(), v) };
        a
    };
    let mut sums =
        super::KeptSums::from_lanes(lanes(cnt), lanes(s1), lanes(s2), lanes(lo), lanes(hi));
    for &y in tail {
        sums.add(y, tau);
    }
    sums
}

macro_rules! near_mask {
    ($name:ident, $t:ty, $quad:expr, $doc:literal) => {
        #[doc = $doc]
        ///
        /// # Safety
        /// The processor must support AVX2.
        #[target_feature(enable = "avx2")]
        #[inline]
        pub(super) unsafe fn $name(chunk: &[$t], d_min: f64, width: f64) -> u32 {
            debug_assert!(chunk.len() <= 32);
            let (lo, w) = (_mm256_set1_pd(d_min), _mm256_set1_pd(width));
            let mut mask = 0u32;
            let quads = chunk.chunks_exact(4);
            let tail = quads.remainder();
            for (q, c) in quads.enumerate() {
                // SAFETY: `c` holds four readable values.
                let v = unsafe { $quad(c.as_ptr()) };
                let near = _mm256_cmp_pd::<_CMP_LT_OQ>(_mm256_sub_pd(v, lo), w);
                mask |= (_mm256_movemask_pd(near) as u32) << (4 * q);
            }
            let base = chunk.len() - tail.len();
            for (offset, &d) in tail.iter().enumerate() {
                mask |= u32::from(d as f64 - d_min < width) << (base + offset);
            }
            mask
        }
    };
}

/// Four `f32` values widened to `f64`.
///
/// # Safety
/// `p` must be readable for four values; the processor must support AVX2.
#[target_feature(enable = "avx2")]
#[inline]
unsafe fn load4_f32(p: *const f32) -> __m256d {
    // SAFETY: four readable values.
    _mm256_cvtps_pd(unsafe { _mm_loadu_ps(p) })
}

near_mask!(
    near_mask_f32,
    f32,
    load4_f32,
    "A bit per entry of `chunk` (at most 32 `f32` values) whose distance lies within `width` of \
     `d_min`, `d − d_min < width` in `f64` as the portable scan tests it (NaN: no bit); four \
     entries per compare, the bits taken with one `movemask`."
);
near_mask!(
    near_mask_f64,
    f64,
    _mm256_loadu_pd,
    "[`near_mask_f32`] for `f64` distances."
);
