//! Centers packed once per iteration into the layout the nearest-center kernels read.
//!
//! For `d > DIRECT_MAX_DIM` the `k` centers are cut into panels of `NR` consecutive centers
//! ([`Lanes::PANEL`]); panel `p` stores `c_{p·NR + l, t}` at `p·d·NR + t·NR + l`, so one step of
//! the inner product over `t` reads `NR` contiguous values. Lanes past `k` hold zeros and a half
//! norm of `+∞`, so they never win an argmin. Beside the panels sit the half squared norms
//! `h_j = ‖c_j‖² / 2`: the kernels minimise `h_j − x·c_j`, which orders the centers exactly as
//! `‖x − c_j‖² = ‖x‖² + 2 (h_j − x·c_j)` does.
//!
//! For `d ≤ DIRECT_MAX_DIM` the centers are kept row-major: the direct kernel subtracts them from
//! the points instead of taking inner products.

use super::DIRECT_MAX_DIM;
use crate::float::Float;

/// Centers in the layout of the nearest-center kernels (see the module docs).
#[derive(Clone, Debug)]
pub struct PackedCenters<F> {
    k: usize,
    d: usize,
    data: Vec<F>,
    half_norms: Vec<F>,
}

impl<F: Float> PackedCenters<F> {
    /// Room for `k` centers of dimension `d`; call [`pack`](Self::pack) before use.
    ///
    /// # Panics
    /// If `k` or `d` is zero, or `k > 2²⁴` (the kernels carry center indices in `F` lanes,
    /// exact up to `2²⁴` in `f32`).
    pub fn new(k: usize, d: usize) -> Self {
        assert!(k > 0 && d > 0, "PackedCenters: k and d must be positive");
        assert!(k <= 1 << 24, "PackedCenters: at most 2^24 centers");
        let (len, norms) = if d <= DIRECT_MAX_DIM {
            (k * d, 0)
        } else {
            let panels = k.div_ceil(F::PANEL);
            (panels * d * F::PANEL, panels * F::PANEL)
        };
        PackedCenters {
            k,
            d,
            data: vec![F::zero(); len],
            half_norms: vec![F::infinity(); norms],
        }
    }

    /// Number of centers.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Dimension of the centers.
    pub fn d(&self) -> usize {
        self.d
    }

    /// The packed values (panels, or row-major centers on the direct layout).
    pub(crate) fn data(&self) -> &[F] {
        &self.data
    }

    /// `‖c_j‖² / 2` per panel lane, `+∞` on padding lanes (empty on the direct layout).
    pub(crate) fn half_norms(&self) -> &[F] {
        &self.half_norms
    }

    /// Repacks from row-major `centers` (`k × d`). Allocates nothing.
    ///
    /// # Panics
    /// If `centers.len() != k · d`.
    pub fn pack(&mut self, centers: &[F]) {
        let (k, d) = (self.k, self.d);
        assert_eq!(
            centers.len(),
            k * d,
            "PackedCenters::pack: centers must be k × d"
        );
        if d <= DIRECT_MAX_DIM {
            self.data.copy_from_slice(centers);
            return;
        }

        let nr = F::PANEL;
        let two = F::one() + F::one();
        for (j, c) in centers.chunks_exact(d).enumerate() {
            let (p, l) = (j / nr, j % nr);
            let panel = &mut self.data[p * d * nr..(p + 1) * d * nr];
            for (t, &v) in c.iter().enumerate() {
                panel[t * nr + l] = v;
            }
            let s: f64 = c.iter().map(|v| v.to_f64_lossless().powi(2)).sum();
            self.half_norms[j] = F::from_f64_round(s) / two;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panels_hold_transposed_centers_and_infinite_padding() {
        let (k, d) = (19, 9);
        let c: Vec<f32> = (0..k * d).map(|v| v as f32).collect();
        let mut p = PackedCenters::<f32>::new(k, d);
        p.pack(&c);
        let nr = <f32 as crate::distance::Lanes>::PANEL;
        assert_eq!(p.half_norms().len(), k.div_ceil(nr) * nr);
        for j in 0..k {
            for t in 0..d {
                assert_eq!(p.data()[(j / nr) * d * nr + t * nr + j % nr], c[j * d + t]);
            }
        }
        assert!(p.half_norms()[k..].iter().all(|h| h.is_infinite()));
        assert_eq!(
            p.half_norms()[1],
            (9..18).map(|v| (v * v) as f32).sum::<f32>() / 2.0
        );
    }
}
