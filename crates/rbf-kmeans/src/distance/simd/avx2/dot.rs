//! The AVX2 + FMA dot kernel: vector lanes along the dimension, for a few centers of large
//! dimension (see `portable::dot_block` for the contract).
//!
//! `R ≤ DOT_ROWS` rows against a block of `J ≤ DOT_CENTERS` centers keep `R × J` accumulators in
//! registers; accumulator `(r, j)` holds in lane `l` the partial sum of `x_rt c_jt` over the
//! `t ≡ l (mod W)`, in increasing `t`. One step reads `R + J` vectors for `R·J` fused
//! multiply-adds. The last step loads the rows under a mask, so no row is read past its end; the
//! centers' zero padding meets the masked-out zeros. Each accumulator is then summed across its
//! lanes in a fixed order and its score `h_j − x·c_j` folded into the row's best, centers in
//! increasing order with a strict comparison, so ties go to the lowest index.
//!
//! Two things keep the arithmetic fed. The dimension is cut into chunks whose centers fit in L1
//! (`dot_chunk`), and a block of rows meets one chunk before the next; the accumulators wait in
//! the scratch state between chunks, which does not change the order of any sum. And the points,
//! read once per pass, are prefetched into L2 well ahead, so that their stream from memory
//! overlaps the arithmetic instead of following it.

use std::arch::x86_64::*;

use crate::distance::simd::{
    dot_chunk, CenterBlocks, DotArgs, DOT_BLOCK_ROWS, DOT_CENTERS, DOT_PREFETCH_ROWS, DOT_ROWS,
};

macro_rules! dot_kernel {
    (
        $entry:ident, $micro:ident, $t:ty, $v:ty, $w:expr,
        $load:ident, $maskload:ident, $store:ident, $fmadd:ident, $zero:ident, $hsum:ident,
        $tail:ident
    ) => {
        /// Adds to the running sums of `R` rows and `J` centers their products over one chunk of
        /// `n` values of the dimension: rows at `rows[r]`, centers at `c` (stride `dp`), sums of
        /// row `r` and center `j` at `sums + (r·k + j)·W`. Prefetches the rows at `ahead`.
        ///
        /// # Safety
        /// Each `rows[r]` must be readable for `n` values, `c` for `(J − 1)·dp + n` rounded up to
        /// `W`, and `sums` readable and writable as above. `mask` must select the lanes
        /// `0..n mod W`.
        #[target_feature(enable = "avx2,fma")]
        #[inline]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $micro<const R: usize, const J: usize>(
            rows: [*const $t; R],
            ahead: [*const $t; R],
            n: usize,
            c: *const $t,
            dp: usize,
            sums: *mut $t,
            k: usize,
            mask: __m256i,
        ) {
            const W: usize = $w;
            let mut acc = [[$zero(); J]; R];
            let mut cs = [c; J];
            for j in 0..J {
                // SAFETY: center `j < J` starts within the readable values of `c`.
                cs[j] = unsafe { c.add(j * dp) };
                for r in 0..R {
                    // SAFETY: the sums of row `r` and center `j` are readable.
                    acc[r][j] = unsafe { $load(sums.add((r * k + j) * W)) };
                }
            }

            // The rows' values at `p`: `plain` when `W` of them lie within the chunk, else masked.
            macro_rules! row_load {
                ($p:expr, plain) => {
                    $load($p)
                };
                ($p:expr, masked) => {
                    $maskload($p, mask)
                };
            }

            // One step at offset `o`.
            macro_rules! step {
                ($o:expr, $kind:ident) => {{
                    let o = $o;
                    let mut xv = [$zero(); R];
                    for r in 0..R {
                        // SAFETY: `o + W ≤ n`, or the lanes past `n` are masked out.
                        xv[r] = unsafe { row_load!(rows[r].add(o), $kind) };
                    }
                    for j in 0..J {
                        // SAFETY: `o + W` is within `n` rounded up to `W`.
                        let cv = unsafe { $load(cs[j].add(o)) };
                        for r in 0..R {
                            acc[r][j] = $fmadd(xv[r], cv, acc[r][j]);
                        }
                    }
                }};
            }

            let full = n - n % W;
            let mut o = 0;
            while o + 2 * W <= full {
                // A cache line holds two steps: one prefetch per row and line. A prefetch is only
                // a hint, valid for any address.
                for p in ahead {
                    _mm_prefetch::<_MM_HINT_T1>(p.wrapping_add(o).cast());
                }
                step!(o, plain);
                step!(o + W, plain);
                o += 2 * W;
            }
            if o < full {
                step!(o, plain);
                o += W;
            }
            if o < n {
                step!(o, masked);
            }

            for r in 0..R {
                for j in 0..J {
                    // SAFETY: as for the loads above.
                    unsafe { $store(sums.add((r * k + j) * W), acc[r][j]) };
                }
            }
        }

        /// The AVX2 dot kernel for this precision: see `portable::dot_block`.
        ///
        /// Rows are taken in blocks of `DOT_BLOCK_ROWS` (or as many as `state` holds) and the
        /// dimension in chunks of `dot_chunk` values. Each row being read has its counterpart
        /// `DOT_PREFETCH_ROWS` further prefetched, also past the end of `x`: callers run over
        /// consecutive slices, and a prefetch of any address is harmless.
        ///
        /// # Safety
        /// The CPU must support AVX2 and FMA.
        #[target_feature(enable = "avx2,fma")]
        pub(crate) unsafe fn $entry(a: DotArgs<'_, $t>) {
            const W: usize = $w;
            let (m, k, dp) = a.check(W);
            let d = a.d;
            let chunk = dot_chunk(k, d, W, std::mem::size_of::<$t>());
            let mask = $tail(d % W);
            let blocks = CenterBlocks::new(k);
            let block_rows = (a.state.len() / (k * W)).min(DOT_BLOCK_ROWS);
            let x = a.x.as_ptr();
            let c = a.centers.as_ptr();

            let mut b0 = 0;
            while b0 < m {
                let b1 = (b0 + block_rows).min(m);
                let state = &mut a.state[..(b1 - b0) * k * W];
                state.fill(0.0);
                let sp = state.as_mut_ptr();
                let mut t0 = 0;
                while t0 < d {
                    let n = chunk.min(d - t0);
                    let mut r0 = b0;
                    while r0 < b1 {
                        let n_rows = (b1 - r0).min(DOT_ROWS);
                        // SAFETY: row `r0 < m` starts within `x`; the prefetch addresses need not
                        // lie anywhere.
                        let xr = unsafe { x.add(r0 * d + t0) };
                        let xa = x.wrapping_add((r0 + DOT_PREFETCH_ROWS) * d + t0);
                        for block in blocks.iter() {
                            // SAFETY: rows `r0..r0 + n_rows` of the block lie in `x` (`m × d`)
                            // and values `t0..t0 + n` in each row; centers `block` (within
                            // `0..k`) in `centers` (`k × dp`, `t0 + n` rounded up to `W` is at
                            // most `dp`); their sums in the block's state (`a.check`). `mask`
                            // selects `0..n mod W`, as `n mod W` is `d mod W` or zero.
                            unsafe {
                                let cb = c.add(block.start * dp + t0);
                                let sb = sp.add(((r0 - b0) * k + block.start) * W);
                                macro_rules! go {
                                    ($r:literal, $j:literal) => {
                                        $micro::<$r, $j>(
                                            row_starts(xr, d),
                                            row_starts(xa, d),
                                            n,
                                            cb,
                                            dp,
                                            sb,
                                            k,
                                            mask,
                                        )
                                    };
                                }
                                macro_rules! centers {
                                    ($r:literal) => {
                                        match block.len() {
                                            6 => go!($r, 6),
                                            5 => go!($r, 5),
                                            4 => go!($r, 4),
                                            3 => go!($r, 3),
                                            2 => go!($r, 2),
                                            _ => go!($r, 1),
                                        }
                                    };
                                }
                                const _: () = assert!(DOT_ROWS == 2 && DOT_CENTERS <= 6);
                                match n_rows {
                                    2 => centers!(2),
                                    _ => centers!(1),
                                }
                            }
                        }
                        r0 += n_rows;
                    }
                    t0 += n;
                }

                for (i, sums) in state.chunks_exact(k * W).enumerate() {
                    let (mut best, mut label) = (<$t>::INFINITY, 0);
                    for (j, (s, &h)) in sums.chunks_exact(W).zip(a.half_norms).enumerate() {
                        // SAFETY: `s` holds `W` values.
                        let v = h - $hsum(unsafe { $load(s.as_ptr()) });
                        if v < best {
                            best = v;
                            label = j;
                        }
                    }
                    a.best[b0 + i] = best;
                    a.labels[b0 + i] = label;
                }
                b0 = b1;
            }
        }
    };
}

/// Pointers to `R` consecutive rows of stride `d` from `p` (valid only where they are used).
#[inline]
fn row_starts<T, const R: usize>(p: *const T, d: usize) -> [*const T; R] {
    std::array::from_fn(|r| p.wrapping_add(r * d))
}

/// `v_0 + … + v_7` as `((v_0 + v_4) + (v_1 + v_5)) + ((v_2 + v_6) + (v_3 + v_7))`.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn hsum_f32(v: __m256) -> f32 {
    let s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
    let s = _mm_add_ps(s, _mm_movehdup_ps(s));
    _mm_cvtss_f32(_mm_add_ss(s, _mm_movehl_ps(s, s)))
}

/// `v_0 + … + v_3` as `(v_0 + v_2) + (v_1 + v_3)`.
#[target_feature(enable = "avx2,fma")]
#[inline]
fn hsum_f64(v: __m256d) -> f64 {
    let s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
    _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)))
}

/// Lanes `0..rem` of eight 32-bit lanes set.
#[target_feature(enable = "avx2,fma")]
fn tail_f32(rem: usize) -> __m256i {
    let lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    _mm256_cmpgt_epi32(_mm256_set1_epi32(rem as i32), lanes)
}

/// Lanes `0..rem` of four 64-bit lanes set.
#[target_feature(enable = "avx2,fma")]
fn tail_f64(rem: usize) -> __m256i {
    let lanes = _mm256_setr_epi64x(0, 1, 2, 3);
    _mm256_cmpgt_epi64(_mm256_set1_epi64x(rem as i64), lanes)
}

dot_kernel!(
    dot_block_f32,
    dot_micro_f32,
    f32,
    __m256,
    8,
    _mm256_loadu_ps,
    _mm256_maskload_ps,
    _mm256_storeu_ps,
    _mm256_fmadd_ps,
    _mm256_setzero_ps,
    hsum_f32,
    tail_f32
);

dot_kernel!(
    dot_block_f64,
    dot_micro_f64,
    f64,
    __m256d,
    4,
    _mm256_loadu_pd,
    _mm256_maskload_pd,
    _mm256_storeu_pd,
    _mm256_fmadd_pd,
    _mm256_setzero_pd,
    hsum_f64,
    tail_f64
);
