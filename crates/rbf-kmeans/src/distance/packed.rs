//! Centers packed once per iteration into the layout the nearest-center kernels read.
//!
//! On the panel layout ([`Layout::Panels`], most shapes with `d > DIRECT_MAX_DIM`) the `k`
//! centers are cut into panels of `NR` consecutive centers ([`Lanes::PANEL`](super::simd::Lanes::PANEL)); panel `p` stores
//! `c_{p·NR + l, t}` at `p·d·NR + t·NR + l`, so one step of the inner product over `t` reads `NR`
//! contiguous values. Lanes past `k` hold zeros and a half norm of `+∞`, so they never win an
//! argmin. Beside the panels sit the half squared norms
//! `h_j = ‖c_j‖² / 2`: the kernels minimise `h_j − x·c_j`, which orders the centers exactly as
//! `‖x − c_j‖² = ‖x‖² + 2 (h_j − x·c_j)` does.
//!
//! For a few centers of large dimension ([`Layout::Rows`]) the centers are kept row-major, each
//! row padded with zeros to `dp`, a multiple of [`Lanes::WIDTH`](super::Lanes::WIDTH): the dot
//! kernel runs its vector lanes along the dimension, so padding `k` would be wasted work while
//! padding `d` is nearly free. The half norms are then one per center.
//!
//! For `d ≤ DIRECT_MAX_DIM` the centers are kept row-major: the direct kernel subtracts them from
//! the points instead of taking inner products.

use super::DIRECT_MAX_DIM;
use crate::float::Float;

/// Least dimension per center for which [`Layout::choose`] picks [`Layout::Rows`]: below it the
/// horizontal sums that end each of the dot kernel's inner products cost more than the panel
/// kernel's padding.
pub const ROWS_MIN_DIM_PER_CENTER: usize = 8;

/// Which kernel the packed centers are laid out for (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Row-major centers for the direct kernel, `d ≤ DIRECT_MAX_DIM`.
    Direct,
    /// Panels of [`Lanes::PANEL`](super::simd::Lanes::PANEL) centers for the register-blocked panel kernel.
    Panels,
    /// Zero-padded rows for the dot kernel (few centers, large dimension).
    Rows,
}

impl Layout {
    /// The layout of [`PackedCenters::new`]: a function of `k` and `d` only, so every caller with
    /// the same centers runs the same kernel whatever the number of rows or threads.
    ///
    /// [`Direct`](Self::Direct) when `d ≤ DIRECT_MAX_DIM`. Else [`Rows`](Self::Rows) when the
    /// panels would be at most 5/8 full (at least 3 of every 8 lanes padding) and
    /// `d ≥ ROWS_MIN_DIM_PER_CENTER · k`; measured on AVX2, the dot kernel is then 10–55% faster
    /// than the panel kernel on points in cache, and more on points streamed from memory. That
    /// takes `k ≤ 10` or `17 ≤ k ≤ 20` in `f32`, `k ≤ 5` or `9 ≤ k ≤ 10` in `f64`. Else
    /// [`Panels`](Self::Panels).
    pub fn choose<F: Float>(k: usize, d: usize) -> Self {
        let padded = k.next_multiple_of(F::PANEL);
        if d <= DIRECT_MAX_DIM {
            Layout::Direct
        } else if 8 * k <= 5 * padded && d >= ROWS_MIN_DIM_PER_CENTER * k {
            Layout::Rows
        } else {
            Layout::Panels
        }
    }
}

/// Centers in the layout of the nearest-center kernels (see the module docs).
#[derive(Clone, Debug)]
pub struct PackedCenters<F> {
    k: usize,
    d: usize,
    layout: Layout,
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
        Self::with_layout(k, d, Layout::choose::<F>(k, d))
    }

    /// As [`new`](Self::new) with a chosen layout, to test and time the kernels on shapes the
    /// default would send elsewhere.
    ///
    /// # Panics
    /// As [`new`](Self::new), and if `layout` is [`Layout::Direct`] while `d > DIRECT_MAX_DIM` or
    /// the other way round. With [`Layout::Rows`] and more than 960 centers, the nearest-center
    /// kernel panics (its scratch holds one row's running sums for at most that many).
    #[doc(hidden)]
    pub fn with_layout(k: usize, d: usize, layout: Layout) -> Self {
        assert!(k > 0 && d > 0, "PackedCenters: k and d must be positive");
        assert!(k <= 1 << 24, "PackedCenters: at most 2^24 centers");
        assert_eq!(
            layout == Layout::Direct,
            d <= DIRECT_MAX_DIM,
            "PackedCenters: the direct layout is for d ≤ DIRECT_MAX_DIM only"
        );
        let (len, norms) = match layout {
            Layout::Direct => (k * d, 0),
            Layout::Panels => {
                let panels = k.div_ceil(F::PANEL);
                (panels * d * F::PANEL, panels * F::PANEL)
            }
            Layout::Rows => (k * d.next_multiple_of(F::WIDTH), k),
        };
        PackedCenters {
            k,
            d,
            layout,
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

    /// The layout, and so the kernel, of these centers.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The packed values (panels, or row-major centers on the direct layout).
    pub(crate) fn data(&self) -> &[F] {
        &self.data
    }

    /// `‖c_j‖² / 2` per panel lane, `+∞` on padding lanes (one per center on the rows layout,
    /// empty on the direct layout).
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
        let nr = F::PANEL;
        let dp = d.next_multiple_of(F::WIDTH);
        let two = F::one() + F::one();
        for (j, c) in centers.chunks_exact(d).enumerate() {
            match self.layout {
                Layout::Direct => {
                    self.data.copy_from_slice(centers);
                    return;
                }
                Layout::Panels => {
                    let (p, l) = (j / nr, j % nr);
                    let panel = &mut self.data[p * d * nr..(p + 1) * d * nr];
                    for (t, &v) in c.iter().enumerate() {
                        panel[t * nr + l] = v;
                    }
                }
                // The padding stays zero from `with_layout`.
                Layout::Rows => self.data[j * dp..j * dp + d].copy_from_slice(c),
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
        assert_eq!(p.layout(), Layout::Panels);
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

    #[test]
    fn rows_hold_zero_padded_centers() {
        let (k, d) = (3, 70);
        let c: Vec<f64> = (0..k * d).map(|v| v as f64 + 1.0).collect();
        let mut p = PackedCenters::<f64>::new(k, d);
        assert_eq!(p.layout(), Layout::Rows);
        p.pack(&c);
        let dp = 72;
        assert_eq!(p.data().len(), k * dp);
        for j in 0..k {
            assert_eq!(&p.data()[j * dp..j * dp + d], &c[j * d..(j + 1) * d]);
            assert!(p.data()[j * dp + d..(j + 1) * dp].iter().all(|&v| v == 0.0));
        }
        let h: f64 = c[..d].iter().map(|v| v * v).sum::<f64>() / 2.0;
        assert_eq!(p.half_norms(), &[h, p.half_norms()[1], p.half_norms()[2]]);
    }

    #[test]
    fn the_layout_depends_on_k_and_d_only() {
        assert_eq!(Layout::choose::<f32>(10, 8), Layout::Direct);
        assert_eq!(Layout::choose::<f32>(10, 784), Layout::Rows);
        assert_eq!(Layout::choose::<f64>(10, 784), Layout::Rows);
        // Full panels, too little dimension per center, too full panels.
        assert_eq!(Layout::choose::<f32>(16, 784), Layout::Panels);
        assert_eq!(Layout::choose::<f32>(10, 79), Layout::Panels);
        assert_eq!(Layout::choose::<f32>(12, 784), Layout::Panels);
        assert_eq!(Layout::choose::<f64>(12, 784), Layout::Panels);
        // The workloads W2 and W3.
        assert_eq!(Layout::choose::<f64>(64, 32), Layout::Panels);
        assert_eq!(Layout::choose::<f32>(256, 128), Layout::Panels);
    }
}
