//! The floating-point types the engine runs in: `f32` and `f64`.
//!
//! Data and centers are stored in the user's precision `F`; every sum over points (center
//! updates, inertia, losses) is accumulated in `f64`, so `f32` data loses no accuracy in the
//! reductions that decide convergence.

use std::fmt::{Debug, Display};

use faer::{Accum, MatMut, MatRef, Par};

/// A float the engine can run in. Implemented for `f32` and `f64` only.
pub trait Float:
    num_traits::Float
    + num_traits::FromPrimitive
    + num_traits::ToPrimitive
    + Default
    + Debug
    + Display
    + Send
    + Sync
    + std::iter::Sum
    + std::ops::AddAssign
    + std::ops::SubAssign
    + std::ops::MulAssign
    + crate::distance::Lanes
    + 'static
{
    /// `"f32"` or `"f64"`, as written in model files.
    const NAME: &'static str;

    /// Lossless widening to `f64`.
    fn to_f64_lossless(self) -> f64;

    /// Rounding conversion from `f64`.
    fn from_f64_round(x: f64) -> Self;

    /// `dst[m×n] = a[m×inner] · b[n×inner]ᵀ`, all row-major and contiguous, on the calling thread.
    ///
    /// # Panics
    /// If a slice length does not match its shape.
    fn gemm_abt(dst: &mut [Self], a: &[Self], b: &[Self], m: usize, n: usize, inner: usize);
}

macro_rules! impl_float {
    ($t:ty, $name:literal) => {
        impl Float for $t {
            const NAME: &'static str = $name;

            #[inline(always)]
            fn to_f64_lossless(self) -> f64 {
                self as f64
            }

            #[inline(always)]
            fn from_f64_round(x: f64) -> Self {
                x as $t
            }

            fn gemm_abt(
                dst: &mut [Self],
                a: &[Self],
                b: &[Self],
                m: usize,
                n: usize,
                inner: usize,
            ) {
                assert_eq!(dst.len(), m * n, "gemm_abt: dst must be m×n");
                assert_eq!(a.len(), m * inner, "gemm_abt: a must be m×inner");
                assert_eq!(b.len(), n * inner, "gemm_abt: b must be n×inner");
                if m == 0 || n == 0 {
                    return;
                }
                let lhs = MatRef::from_row_major_slice(a, m, inner);
                let rhs = MatRef::from_row_major_slice(b, n, inner).transpose();
                let out = MatMut::from_row_major_slice_mut(dst, m, n);
                faer::linalg::matmul::matmul(out, Accum::Replace, lhs, rhs, 1.0 as $t, Par::Seq);
            }
        }
    };
}

impl_float!(f32, "f32");
impl_float!(f64, "f64");

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], m: usize, n: usize, p: usize) -> Vec<f64> {
        let mut out = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                out[i * n + j] = (0..p).map(|t| a[i * p + t] * b[j * p + t]).sum();
            }
        }
        out
    }

    #[test]
    fn gemm_abt_matches_naive_in_both_precisions() {
        let mut rng = crate::rng::Rng::new(5);
        for &(m, n, p) in &[(1, 1, 1), (7, 3, 5), (33, 17, 64), (130, 9, 2)] {
            let a: Vec<f64> = (0..m * p).map(|_| rng.normal()).collect();
            let b: Vec<f64> = (0..n * p).map(|_| rng.normal()).collect();
            let want = naive(&a, &b, m, n, p);

            let mut got = vec![0.0f64; m * n];
            f64::gemm_abt(&mut got, &a, &b, m, n, p);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() <= 1e-12 * (1.0 + w.abs()));
            }

            let a32: Vec<f32> = a.iter().map(|&x| x as f32).collect();
            let b32: Vec<f32> = b.iter().map(|&x| x as f32).collect();
            let mut got32 = vec![0.0f32; m * n];
            f32::gemm_abt(&mut got32, &a32, &b32, m, n, p);
            for (g, w) in got32.iter().zip(&want) {
                assert!((*g as f64 - w).abs() <= 1e-4 * (1.0 + w.abs()) * p as f64);
            }
        }
    }
}
