//! Inner products of many rows with a few rows: the shape of a k-means++ step, where every point
//! meets the handful of candidates drawn for the next center.
//!
//! A general GEMM packs its operands for large blocks on both sides; with only a few rows on one
//! side, the packing and the padding of its micro-kernel cost more than the products. Here each
//! point is read once, straight from the data, and meets up to four candidates at a time: one
//! accumulator of one register per candidate, lanes along the dimension, summed across lanes in
//! a fixed order at the end. The same code is compiled twice, plain and with AVX2
//! enabled (chosen at run time as the nearest-center kernels are), and performs the same
//! operations in the same order on both, so the results are bit-identical.

use super::simd::KernelPath;
use crate::float::Float;

/// `dots[j·m + r] = x_r · c_j` (candidate-major) for the `m` rows of `x` (`m × d`) and the `t`
/// rows of `c` (`t × d`).
///
/// Each product is summed in `W = F::WIDTH` lanes (lane `l` takes the values at `t ≡ l (mod W)`
/// of the first `W·⌊d/W⌋`, in increasing `t`, with a multiply and an add), the lanes are folded
/// in halves (`W = 8`: `((0+4)+(2+6)) + ((1+5)+(3+7))`), and the rest of the row is added after
/// them in increasing `t`.
///
/// # Panics
/// On a shape mismatch.
pub fn few_dots<F: Float>(x: &[F], c: &[F], d: usize, dots: &mut [F]) {
    few_dots_on(KernelPath::detect(), x, c, d, dots);
}

/// As [`few_dots`] on a given path; a path this CPU cannot run falls back to the portable one.
pub fn few_dots_on<F: Float>(path: KernelPath, x: &[F], c: &[F], d: usize, dots: &mut [F]) {
    assert!(d > 0, "few_dots: d must be positive");
    assert_eq!(x.len() % d, 0, "few_dots: x must be m × d");
    assert_eq!(c.len() % d, 0, "few_dots: c must be t × d");
    let (m, t) = (x.len() / d, c.len() / d);
    assert_eq!(dots.len(), m * t, "few_dots: dots must be m × t");
    if m == 0 || t == 0 {
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if path == KernelPath::Avx2 && path.is_available() {
        F::few_dots_avx2(x, c, d, dots);
        return;
    }
    let _ = path;
    for (r, row) in x.chunks_exact(d).enumerate() {
        for (j, cj) in c.chunks_exact(d).enumerate() {
            dots[j * m + r] = portable_dot(row, cj);
        }
    }
}

/// One product as [`few_dots`] sums it, in plain Rust.
fn portable_dot<F: Float>(a: &[F], b: &[F]) -> F {
    let w = F::WIDTH;
    let full = a.len() - a.len() % w;
    let mut acc = [F::zero(); 8];
    for (xs, cs) in a[..full].chunks_exact(w).zip(b[..full].chunks_exact(w)) {
        for l in 0..w {
            acc[l] += xs[l] * cs[l];
        }
    }
    let mut width = w;
    while width > 1 {
        width /= 2;
        for l in 0..width {
            acc[l] += acc[l + width];
        }
    }
    let mut s = acc[0];
    for (xv, cv) in a[full..].iter().zip(&b[full..]) {
        s += *xv * *cv;
    }
    s
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2 {
    use std::arch::x86_64::*;

    macro_rules! few_dots_kernel {
        (
            $name:ident, $group:ident, $t:ty, $w:expr,
            $load:ident, $mul:ident, $add:ident, $zero:ident, $fold:ident
        ) => {
            /// The AVX2 path of [`few_dots`](super::few_dots): the candidates in groups of up
            /// to four, one register each, with the same operations in the same order as the
            /// portable path.
            ///
            /// # Safety
            /// The CPU must have AVX2; the shapes must be as `few_dots` checks them.
            #[target_feature(enable = "avx2")]
            pub(crate) unsafe fn $name(x: &[$t], c: &[$t], d: usize, dots: &mut [$t]) {
                let t = c.len() / d;
                let m = x.len() / d;
                for (r, row) in x.chunks_exact(d).enumerate() {
                    let mut j = 0;
                    while j < t {
                        let (cj, oj) = (&c[j * d..], &mut dots[j * m + r..]);
                        // SAFETY: AVX2 is enabled here; `cj` holds `t − j` rows of `d`.
                        j += unsafe {
                            match t - j {
                                1 => $group::<1>(row, cj, oj, m),
                                2 => $group::<2>(row, cj, oj, m),
                                3 => $group::<3>(row, cj, oj, m),
                                _ => $group::<4>(row, cj, oj, m),
                            }
                        };
                    }
                }
            }

            /// `out[j·m] = row · c_j` for the first `J` rows of `c` (stride `row.len()`);
            /// returns `J`.
            ///
            /// # Safety
            /// AVX2; `c` must hold at least `J` rows.
            #[target_feature(enable = "avx2")]
            #[inline]
            unsafe fn $group<const J: usize>(
                row: &[$t],
                c: &[$t],
                out: &mut [$t],
                m: usize,
            ) -> usize {
                const W: usize = $w;
                let d = row.len();
                assert!(
                    c.len() >= J * d && out.len() > (J - 1) * m,
                    "few_dots: group shape"
                );
                let full = d - d % W;
                let mut acc = [$zero(); J];
                let mut i = 0;
                while i < full {
                    // SAFETY: `i + W ≤ full ≤ d`, and every row `j < J` of `c` has `d` values.
                    let xv = unsafe { $load(row.as_ptr().add(i)) };
                    for (j, a) in acc.iter_mut().enumerate() {
                        let cv = unsafe { $load(c.as_ptr().add(j * d + i)) };
                        *a = $add(*a, $mul(xv, cv));
                    }
                    i += W;
                }
                for (j, a) in acc.iter().enumerate() {
                    // SAFETY: AVX2 is enabled in this function.
                    let mut s = unsafe { $fold(*a) };
                    for (xv, cv) in row[full..].iter().zip(&c[j * d + full..(j + 1) * d]) {
                        s += *xv * *cv;
                    }
                    out[j * m] = s;
                }
                J
            }
        };
    }

    /// `((0+4)+(2+6)) + ((1+5)+(3+7))`, as the portable fold.
    #[target_feature(enable = "avx2")]
    unsafe fn fold_f32(v: __m256) -> f32 {
        let h = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps::<1>(v));
        let q = _mm_add_ps(h, _mm_movehl_ps(h, h));
        _mm_cvtss_f32(_mm_add_ss(q, _mm_movehdup_ps(q)))
    }

    /// `(0+2) + (1+3)`, as the portable fold.
    #[target_feature(enable = "avx2")]
    unsafe fn fold_f64(v: __m256d) -> f64 {
        let h = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd::<1>(v));
        _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)))
    }

    few_dots_kernel!(
        few_dots_f32,
        group_f32,
        f32,
        8,
        _mm256_loadu_ps,
        _mm256_mul_ps,
        _mm256_add_ps,
        _mm256_setzero_ps,
        fold_f32
    );
    few_dots_kernel!(
        few_dots_f64,
        group_f64,
        f64,
        4,
        _mm256_loadu_pd,
        _mm256_mul_pd,
        _mm256_add_pd,
        _mm256_setzero_pd,
        fold_f64
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Candidate-major, as `few_dots` writes them.
    fn naive(x: &[f64], c: &[f64], d: usize) -> Vec<f64> {
        let mut out = Vec::new();
        for cr in c.chunks_exact(d) {
            for row in x.chunks_exact(d) {
                out.push(row.iter().zip(cr).map(|(a, b)| a * b).sum());
            }
        }
        out
    }

    #[test]
    fn few_dots_match_the_naive_sums_on_both_paths_and_in_both_precisions() {
        let mut rng = Rng::new(11);
        for &(m, t, d) in &[(1, 1, 1), (5, 3, 7), (9, 6, 32), (4, 8, 33), (3, 11, 130)] {
            let x: Vec<f64> = (0..m * d).map(|_| rng.normal()).collect();
            let c: Vec<f64> = (0..t * d).map(|_| rng.normal()).collect();
            let want = naive(&x, &c, d);
            let tol = 1e-12 * d as f64;

            let mut portable = vec![0.0f64; m * t];
            few_dots_on(KernelPath::Portable, &x, &c, d, &mut portable);
            let mut fast = vec![0.0f64; m * t];
            few_dots_on(KernelPath::detect(), &x, &c, d, &mut fast);
            for ((p, f), w) in portable.iter().zip(&fast).zip(&want) {
                assert!((p - w).abs() <= tol * (1.0 + w.abs()), "{p} vs {w}");
                assert_eq!(p.to_bits(), f.to_bits(), "the two paths differ");
            }

            let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
            let c32: Vec<f32> = c.iter().map(|&v| v as f32).collect();
            let mut p32 = vec![0.0f32; m * t];
            few_dots_on(KernelPath::Portable, &x32, &c32, d, &mut p32);
            let mut f32s = vec![0.0f32; m * t];
            few_dots_on(KernelPath::detect(), &x32, &c32, d, &mut f32s);
            for ((p, f), w) in p32.iter().zip(&f32s).zip(&want) {
                assert!((*p as f64 - w).abs() <= 1e-5 * d as f64 * (1.0 + w.abs()));
                assert_eq!(p.to_bits(), f.to_bits(), "the two paths differ in f32");
            }
        }
    }
}
