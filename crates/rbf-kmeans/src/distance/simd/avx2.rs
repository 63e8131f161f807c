//! AVX2 + FMA kernels (x86-64). Every function here requires those features at run time; the
//! callers in [`super`] check them once before entering.
//!
//! The panel kernel is a register-blocked inner-product kernel with a fused argmin: `MR = 6` rows
//! against one panel of `NR` centers keep `6 × 2` accumulators in registers while `t` runs over
//! the dimension (one panel load pair and six broadcasts per twelve FMAs). When a panel is done,
//! its scores `h_j − x·c_j` are folded into the per-row, per-lane running minima with a compare
//! and two blends; no distance tile is ever written.

use std::arch::x86_64::*;

use super::{reset_state, PanelArgs, MR, PANEL_BLOCK_BYTES};

mod dot;

pub(crate) use dot::{dot_block_f32, dot_block_f64};

/// The portable loop of `simd::add_weighted_row`, compiled for AVX2: the compiler vectorises
/// it across elements, which keeps each element's multiply and add as they are.
#[target_feature(enable = "avx2")]
pub(crate) fn add_weighted_row<F: crate::Float>(sums: &mut [f64], w: f64, x: &[F]) {
    super::portable::add_weighted_row(sums, w, x);
}

macro_rules! panel_kernel {
    (
        $entry:ident, $micro:ident, $t:ty, $v:ty, $w:expr,
        $load:ident, $store:ident, $set1:ident, $fmadd:ident, $sub:ident, $add:ident,
        $cmp:ident, $blendv:ident, $zero:ident, $iota:expr, $reduce:ident
    ) => {
        /// `R ≤ MR` rows (starting at `x`, stride `d`) against one panel; folds the panel's
        /// scores into the rows' running minima at `state` (stride `2·NR`).
        ///
        /// # Safety
        /// `x` must be readable for `R·d` values, `panel` for `d·NR`, `hn` for `NR`, and
        /// `state` writable for `R·2·NR`.
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        unsafe fn $micro<const R: usize>(
            x: *const $t,
            d: usize,
            panel: *const $t,
            hn: *const $t,
            base: $t,
            state: *mut $t,
        ) {
            const W: usize = $w;
            const NR: usize = 2 * W;
            let mut acc0: [$v; R] = [$zero(); R];
            let mut acc1: [$v; R] = [$zero(); R];
            let mut rows = [x; R];
            for (r, p) in rows.iter_mut().enumerate() {
                // SAFETY: row `r < R` starts within the `R·d` readable values.
                *p = unsafe { x.add(r * d) };
            }

            for t in 0..d {
                // SAFETY: `t < d`, so `t·NR + 2W ≤ d·NR` values of the panel are read.
                let (c0, c1) = unsafe { ($load(panel.add(t * NR)), $load(panel.add(t * NR + W))) };
                for r in 0..R {
                    // SAFETY: `rows[r] + t` lies within row `r` (`t < d`).
                    let xb = $set1(unsafe { *rows[r].add(t) });
                    acc0[r] = $fmadd(xb, c0, acc0[r]);
                    acc1[r] = $fmadd(xb, c1, acc1[r]);
                }
            }

            // SAFETY: `hn` holds the panel's `NR` half norms.
            let (h0, h1) = unsafe { ($load(hn), $load(hn.add(W))) };
            let iota: [$t; NR] = $iota;
            let b = $set1(base);
            // SAFETY: `iota` has `NR = 2W` values.
            let (i0, i1) = unsafe {
                (
                    $add(b, $load(iota.as_ptr())),
                    $add(b, $load(iota.as_ptr().add(W))),
                )
            };
            for r in 0..R {
                // SAFETY: row `r`'s state is `2·NR` values at `state + r·2·NR`, within the
                // `R·2·NR` writable values.
                unsafe {
                    let s = state.add(r * 2 * NR);
                    let v0 = $sub(h0, acc0[r]);
                    let v1 = $sub(h1, acc1[r]);
                    let b0 = $load(s);
                    let b1 = $load(s.add(W));
                    let m0 = $cmp::<_CMP_LT_OQ>(v0, b0);
                    let m1 = $cmp::<_CMP_LT_OQ>(v1, b1);
                    $store(s, $blendv(b0, v0, m0));
                    $store(s.add(W), $blendv(b1, v1, m1));
                    let j0 = $load(s.add(NR));
                    let j1 = $load(s.add(NR + W));
                    $store(s.add(NR), $blendv(j0, i0, m0));
                    $store(s.add(NR + W), $blendv(j1, i1, m1));
                }
            }
        }

        /// The AVX2 panel kernel for this precision: see `portable::panel_block`.
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn $entry(a: PanelArgs<'_, $t>) {
            const NR: usize = 2 * $w;
            let (m, n_panels) = a.check(NR);
            let d = a.d;
            reset_state(a.state, NR);
            let block = (PANEL_BLOCK_BYTES / (d * NR * std::mem::size_of::<$t>())).max(1);

            let x = a.x.as_ptr();
            let panels = a.panels.as_ptr();
            let hn = a.half_norms.as_ptr();
            let state = a.state.as_mut_ptr();
            let mut p0 = 0;
            while p0 < n_panels {
                let p1 = (p0 + block).min(n_panels);
                let mut r0 = 0;
                while r0 < m {
                    let rows = (m - r0).min(MR);
                    for p in p0..p1 {
                        // SAFETY: rows `r0..r0 + rows` lie in `x` (`m × d`) and their state in
                        // `state` (`m × 2·NR`); panel `p < n_panels` lies in `panels` and
                        // `half_norms` (all checked by `a.check`).
                        unsafe {
                            let xr = x.add(r0 * d);
                            let pp = panels.add(p * d * NR);
                            let hp = hn.add(p * NR);
                            let sp = state.add(r0 * 2 * NR);
                            let base = (p * NR) as $t;
                            match rows {
                                6 => $micro::<6>(xr, d, pp, hp, base, sp),
                                5 => $micro::<5>(xr, d, pp, hp, base, sp),
                                4 => $micro::<4>(xr, d, pp, hp, base, sp),
                                3 => $micro::<3>(xr, d, pp, hp, base, sp),
                                2 => $micro::<2>(xr, d, pp, hp, base, sp),
                                _ => $micro::<1>(xr, d, pp, hp, base, sp),
                            }
                        }
                    }
                    r0 += rows;
                }
                p0 = p1;
            }
            for ((s, b), l) in a
                .state
                .chunks_exact(2 * NR)
                .zip(a.best.iter_mut())
                .zip(a.labels.iter_mut())
            {
                // SAFETY: `s` holds `2·NR` values.
                let (v, j) = unsafe { $reduce(s.as_ptr()) };
                *b = v;
                *l = j as usize;
            }
        }
    };
}

/// Of two (value, index) lane sets, the better per lane: smaller value, ties to smaller index.
macro_rules! better {
    ($cmp:ident, $and:ident, $or:ident, $blendv:ident, $av:expr, $aj:expr, $bv:expr, $bj:expr) => {{
        let (av, aj, bv, bj) = ($av, $aj, $bv, $bj);
        let sel = $or(
            $cmp::<_CMP_LT_OQ>(bv, av),
            $and($cmp::<_CMP_EQ_OQ>(bv, av), $cmp::<_CMP_LT_OQ>(bj, aj)),
        );
        ($blendv(av, bv, sel), $blendv(aj, bj, sel))
    }};
}

/// Winner of one row's `2·16` running minima (values then indices): the smallest value, ties
/// to the lowest index, as `reduce_lanes` picks it.
///
/// # Safety
/// `s` must be readable for 32 values.
#[target_feature(enable = "avx2,fma")]
unsafe fn reduce_row_f32(s: *const f32) -> (f32, f32) {
    // SAFETY: 32 readable values.
    let (v0, v1, j0, j1) = unsafe {
        (
            _mm256_loadu_ps(s),
            _mm256_loadu_ps(s.add(8)),
            _mm256_loadu_ps(s.add(16)),
            _mm256_loadu_ps(s.add(24)),
        )
    };
    let (v, j) = better!(
        _mm256_cmp_ps,
        _mm256_and_ps,
        _mm256_or_ps,
        _mm256_blendv_ps,
        v0,
        j0,
        v1,
        j1
    );
    let (v, j) = better!(
        _mm256_cmp_ps,
        _mm256_and_ps,
        _mm256_or_ps,
        _mm256_blendv_ps,
        v,
        j,
        _mm256_permute2f128_ps::<1>(v, v),
        _mm256_permute2f128_ps::<1>(j, j)
    );
    let (v, j) = better!(
        _mm256_cmp_ps,
        _mm256_and_ps,
        _mm256_or_ps,
        _mm256_blendv_ps,
        v,
        j,
        _mm256_shuffle_ps::<0b01_00_11_10>(v, v),
        _mm256_shuffle_ps::<0b01_00_11_10>(j, j)
    );
    let (v, j) = better!(
        _mm256_cmp_ps,
        _mm256_and_ps,
        _mm256_or_ps,
        _mm256_blendv_ps,
        v,
        j,
        _mm256_shuffle_ps::<0b10_11_00_01>(v, v),
        _mm256_shuffle_ps::<0b10_11_00_01>(j, j)
    );
    (_mm256_cvtss_f32(v), _mm256_cvtss_f32(j))
}

/// As [`reduce_row_f32`] for `2·8` `f64` values.
///
/// # Safety
/// `s` must be readable for 16 values.
#[target_feature(enable = "avx2,fma")]
unsafe fn reduce_row_f64(s: *const f64) -> (f64, f64) {
    // SAFETY: 16 readable values.
    let (v0, v1, j0, j1) = unsafe {
        (
            _mm256_loadu_pd(s),
            _mm256_loadu_pd(s.add(4)),
            _mm256_loadu_pd(s.add(8)),
            _mm256_loadu_pd(s.add(12)),
        )
    };
    let (v, j) = better!(
        _mm256_cmp_pd,
        _mm256_and_pd,
        _mm256_or_pd,
        _mm256_blendv_pd,
        v0,
        j0,
        v1,
        j1
    );
    let (v, j) = better!(
        _mm256_cmp_pd,
        _mm256_and_pd,
        _mm256_or_pd,
        _mm256_blendv_pd,
        v,
        j,
        _mm256_permute2f128_pd::<1>(v, v),
        _mm256_permute2f128_pd::<1>(j, j)
    );
    let (v, j) = better!(
        _mm256_cmp_pd,
        _mm256_and_pd,
        _mm256_or_pd,
        _mm256_blendv_pd,
        v,
        j,
        _mm256_shuffle_pd::<0b0101>(v, v),
        _mm256_shuffle_pd::<0b0101>(j, j)
    );
    (_mm256_cvtsd_f64(v), _mm256_cvtsd_f64(j))
}

panel_kernel!(
    panel_block_f32,
    micro_f32,
    f32,
    __m256,
    8,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    _mm256_set1_ps,
    _mm256_fmadd_ps,
    _mm256_sub_ps,
    _mm256_add_ps,
    _mm256_cmp_ps,
    _mm256_blendv_ps,
    _mm256_setzero_ps,
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0],
    reduce_row_f32
);

panel_kernel!(
    panel_block_f64,
    micro_f64,
    f64,
    __m256d,
    4,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    _mm256_set1_pd,
    _mm256_fmadd_pd,
    _mm256_sub_pd,
    _mm256_add_pd,
    _mm256_cmp_pd,
    _mm256_blendv_pd,
    _mm256_setzero_pd,
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
    reduce_row_f64
);

/// Writes the `W` center indices held as floats in `j` to `dst` as `usize`s.
///
/// # Safety
/// The CPU must support AVX2; `dst` must be writable for 8 values.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store_labels_f32(dst: *mut usize, j: __m256) {
    let i = _mm256_cvttps_epi32(j);
    let lo = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(i));
    let hi = _mm256_cvtepi32_epi64(_mm256_extracti128_si256::<1>(i));
    // SAFETY: `usize` is 64 bits on x86-64 and `dst` is writable for 8 of them.
    unsafe {
        _mm256_storeu_si256(dst.cast(), lo);
        _mm256_storeu_si256(dst.add(4).cast(), hi);
    }
}

/// As [`store_labels_f32`] for 4 indices.
///
/// # Safety
/// The CPU must support AVX2; `dst` must be writable for 4 values.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn store_labels_f64(dst: *mut usize, j: __m256d) {
    let i = _mm256_cvtepi32_epi64(_mm256_cvttpd_epi32(j));
    // SAFETY: `usize` is 64 bits on x86-64 and `dst` is writable for 4 of them.
    unsafe { _mm256_storeu_si256(dst.cast(), i) }
}

/// Loads 8 points of dimension 2 (16 values from `p`) as their 8 first coordinates and their 8
/// second coordinates.
///
/// # Safety
/// The CPU must support AVX2; `p` must be readable for 16 values.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn deinterleave2_f32(p: *const f32) -> (__m256, __m256) {
    // SAFETY: 16 readable values.
    let (a, b) = unsafe { (_mm256_loadu_ps(p), _mm256_loadu_ps(p.add(8))) };
    // Per 128-bit half: x0 x1 x4 x5 | x2 x3 x6 x7, then the 64-bit pairs back in order.
    let xs = _mm256_castps_pd(_mm256_shuffle_ps::<0b10_00_10_00>(a, b));
    let ys = _mm256_castps_pd(_mm256_shuffle_ps::<0b11_01_11_01>(a, b));
    (
        _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(xs)),
        _mm256_castpd_ps(_mm256_permute4x64_pd::<0b11_01_10_00>(ys)),
    )
}

/// As [`deinterleave2_f32`] for 4 points (8 values).
///
/// # Safety
/// The CPU must support AVX2; `p` must be readable for 8 values.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn deinterleave2_f64(p: *const f64) -> (__m256d, __m256d) {
    // SAFETY: 8 readable values.
    let (a, b) = unsafe { (_mm256_loadu_pd(p), _mm256_loadu_pd(p.add(4))) };
    // x0 x2 | x1 x3, then the middle elements swapped.
    let xs = _mm256_unpacklo_pd(a, b);
    let ys = _mm256_unpackhi_pd(a, b);
    (
        _mm256_permute4x64_pd::<0b11_01_10_00>(xs),
        _mm256_permute4x64_pd::<0b11_01_10_00>(ys),
    )
}

/// Points per group of the AVX2 direct kernel: two registers of `f32`, four of `f64`, so that
/// several independent running minima are in flight while one waits on its compare.
const DIRECT_GROUP: usize = 16;

macro_rules! direct_kernel {
    ($name:ident, $t:ty, $v:ty, $w:expr, $set1:ident, $sub:ident, $mul:ident, $add:ident,
     $cmp:ident, $min:ident, $max:ident, $and:ident, $loadu:ident, $storeu:ident,
     $store_labels:ident, $deinterleave2:ident) => {
        /// The direct kernel of `portable::direct_block` with explicit AVX2 instructions and the
        /// same arithmetic (`u = x − c`, `s = s + u·u`, no FMA), so the results are
        /// bit-identical to the portable path's. Two rewrites keep it so: the first term is
        /// `u·u` rather than `0 + u·u` (equal, since `u·u` is never `−0`), and the running
        /// minimum is `min(s, b)`, which is exactly `s < b ? s : b`, with the index updated as
        /// `max(j_best, lt & j)` (the current index `j` exceeds every earlier one).
        ///
        /// # Safety
        /// The CPU must support AVX2.
        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn $name<const D: usize>(
            x: &[$t],
            centers: &[$t],
            best: &mut [$t],
            labels: &mut [usize],
        ) {
            const W: usize = $w;
            const V: usize = DIRECT_GROUP / W;
            const G: usize = DIRECT_GROUP;
            let m = labels.len();
            assert_eq!(x.len(), m * D, "direct kernel: x must be m × d");
            assert_eq!(best.len(), m, "direct kernel: best must have length m");
            assert!(
                !centers.is_empty() && centers.len() % D == 0,
                "direct kernel: centers k × d"
            );

            for ((xg, bg), lg) in x
                .chunks(G * D)
                .zip(best.chunks_mut(G))
                .zip(labels.chunks_mut(G))
            {
                // Transpose the group: lane `l` holds point `min(l, g − 1)`.
                let g = lg.len();
                let mut xv = [[$set1(0.0); V]; D];
                if g == G && D <= 2 {
                    for h in 0..V {
                        // SAFETY: the group is full, so `xg` holds G·D = V·W·D values and
                        // register `h` reads the W·D of them from `h·W·D`.
                        let xh = unsafe { xg.as_ptr().add(h * W * D) };
                        if D == 1 {
                            // SAFETY: as above.
                            xv[0][h] = unsafe { $loadu(xh) };
                        } else {
                            // SAFETY: as above.
                            let (a, b) = unsafe { $deinterleave2(xh) };
                            let ab = [a, b];
                            for t in 0..D {
                                xv[t][h] = ab[t];
                            }
                        }
                    }
                } else {
                    let mut xt = [[0.0 as $t; G]; D];
                    for l in 0..G {
                        let row = &xg[l.min(g - 1) * D..][..D];
                        for t in 0..D {
                            xt[t][l] = row[t];
                        }
                    }
                    for t in 0..D {
                        for h in 0..V {
                            // SAFETY: `xt[t]` has G = V·W values.
                            xv[t][h] = unsafe { $loadu(xt[t].as_ptr().add(h * W)) };
                        }
                    }
                }

                let mut bv = [$set1(<$t>::INFINITY); V];
                let mut bj = [$set1(0.0); V];
                let mut jv = $set1(0.0);
                let one = $set1(1.0);
                for c in centers.chunks_exact(D) {
                    let mut s = [$set1(0.0); V];
                    for t in 0..D {
                        let ct = $set1(c[t]);
                        for h in 0..V {
                            let u = $sub(xv[t][h], ct);
                            let q = $mul(u, u);
                            s[h] = if t == 0 { q } else { $add(s[h], q) };
                        }
                    }
                    for h in 0..V {
                        let lt = $cmp::<_CMP_LT_OQ>(s[h], bv[h]);
                        bv[h] = $min(s[h], bv[h]);
                        bj[h] = $max(bj[h], $and(lt, jv));
                    }
                    jv = $add(jv, one);
                }

                if g == G {
                    for h in 0..V {
                        // SAFETY: the group is full: `bg` and `lg` have G = V·W values.
                        unsafe {
                            $storeu(bg.as_mut_ptr().add(h * W), bv[h]);
                            $store_labels(lg.as_mut_ptr().add(h * W), bj[h]);
                        }
                    }
                } else {
                    let mut vals = [0.0 as $t; G];
                    let mut idx = [0usize; G];
                    for h in 0..V {
                        // SAFETY: `vals` and `idx` have G = V·W values.
                        unsafe {
                            $storeu(vals.as_mut_ptr().add(h * W), bv[h]);
                            $store_labels(idx.as_mut_ptr().add(h * W), bj[h]);
                        }
                    }
                    bg.copy_from_slice(&vals[..g]);
                    lg.copy_from_slice(&idx[..g]);
                }
            }
        }
    };
}

direct_kernel!(
    direct_block_f32,
    f32,
    __m256,
    8,
    _mm256_set1_ps,
    _mm256_sub_ps,
    _mm256_mul_ps,
    _mm256_add_ps,
    _mm256_cmp_ps,
    _mm256_min_ps,
    _mm256_max_ps,
    _mm256_and_ps,
    _mm256_loadu_ps,
    _mm256_storeu_ps,
    store_labels_f32,
    deinterleave2_f32
);

direct_kernel!(
    direct_block_f64,
    f64,
    __m256d,
    4,
    _mm256_set1_pd,
    _mm256_sub_pd,
    _mm256_mul_pd,
    _mm256_add_pd,
    _mm256_cmp_pd,
    _mm256_min_pd,
    _mm256_max_pd,
    _mm256_and_pd,
    _mm256_loadu_pd,
    _mm256_storeu_pd,
    store_labels_f64,
    deinterleave2_f64
);
