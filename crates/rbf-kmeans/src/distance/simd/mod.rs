//! Instruction-set dispatch for the nearest-center kernels.
//!
//! Two paths compute the same quantities: [`KernelPath::Avx2`] (x86-64 with AVX2 and FMA,
//! detected at run time on stable Rust) and [`KernelPath::Portable`] (plain Rust, any CPU).
//!
//! * The direct kernel (`d ≤ DIRECT_MAX_DIM`) performs the same roundings in the same order on
//!   both paths, so their labels and distances are bit-identical. (The AVX2 one keeps its running
//!   minimum with `vminp` and its index with an `and` and a `max`, which select exactly what the
//!   portable compare-and-select does; see `avx2::direct_block_f32`.)
//! * The panel kernel accumulates `x·c` with fused multiply-adds on the AVX2 path and with a
//!   multiply and an add on the portable path. The scores then differ by at most a rounding
//!   error, so a point whose two nearest centers are that close to equidistant may get a
//!   different label on the two paths; every other point gets the same label.
//!
//! * The dot kernel (few centers of large dimension, see [`Layout`](super::packed::Layout)) sums
//!   each `x·c` lane-wise along the dimension and then across lanes in a fixed order, with fused
//!   multiply-adds on the AVX2 path only; the two paths relate as for the panel kernel.
//!
//! Limitations: the portable panel and dot kernels are left to the compiler's auto-vectorisation
//! and run about 4–6× slower than the AVX2 ones (measured by `benches/lloyd.rs`); there is no
//! NEON or AVX-512 path yet. The panel kernels pad `k` to a multiple of [`Lanes::PANEL`]; the
//! packing sends the small `k` where that wastes most to the dot kernel instead.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
pub(crate) mod portable;

use std::ops::Range;

/// Which implementation of the nearest-center kernels runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelPath {
    /// Plain Rust, any CPU.
    Portable,
    /// x86-64 AVX2 with FMA.
    Avx2,
}

impl KernelPath {
    /// The fastest path this CPU supports (the detection result is cached by the standard
    /// library, so this is cheap).
    pub fn detect() -> Self {
        if Self::Avx2.is_available() {
            Self::Avx2
        } else {
            Self::Portable
        }
    }

    /// Whether this CPU can run the path.
    pub fn is_available(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"),
            #[cfg(not(target_arch = "x86_64"))]
            Self::Avx2 => false,
        }
    }
}

/// Per-precision constants and entry points of the SIMD kernels; implemented for `f32` and
/// `f64` only (a supertrait of [`Float`](crate::Float)).
pub trait Lanes: Copy + 'static {
    /// Values per 256-bit register (8 for `f32`, 4 for `f64`).
    const WIDTH: usize;

    /// Centers per panel: two 256-bit registers (16 for `f32`, 8 for `f64`).
    const PANEL: usize;

    /// Runs the AVX2 panel kernel (see [`portable::panel_block`] for the contract).
    ///
    /// # Panics
    /// If the CPU lacks AVX2 or FMA, or on a shape mismatch.
    #[doc(hidden)]
    fn panel_block_avx2(args: PanelArgs<'_, Self>);

    /// Runs the AVX2 dot kernel (see [`portable::dot_block`] for the contract).
    ///
    /// # Panics
    /// If the CPU lacks AVX2 or FMA, or on a shape mismatch.
    #[doc(hidden)]
    fn dot_block_avx2(args: DotArgs<'_, Self>);

    /// Runs the AVX2 path of [`few_dots`](super::few_dots) (shapes checked by the caller).
    ///
    /// # Panics
    /// If the CPU lacks AVX2.
    #[doc(hidden)]
    fn few_dots_avx2(x: &[Self], c: &[Self], d: usize, dots: &mut [Self]);

    /// Runs the AVX2 direct kernel (see `portable::direct_block` for the contract).
    ///
    /// # Panics
    /// If the CPU lacks AVX2 or FMA, or on a shape mismatch.
    #[doc(hidden)]
    fn direct_block_avx2<const D: usize>(
        x: &[Self],
        centers: &[Self],
        best: &mut [Self],
        labels: &mut [usize],
    );
}

/// Arguments of a panel kernel: `m` rows of `x` (`m × d`) against all panels, writing the best
/// score `h_j − x·c_j` and its index `j` for each row.
#[doc(hidden)]
pub struct PanelArgs<'a, F> {
    /// Points, `m × d`, row-major.
    pub x: &'a [F],
    /// Dimension.
    pub d: usize,
    /// Panels, `n_panels × d × PANEL`.
    pub panels: &'a [F],
    /// Half squared norms, `n_panels × PANEL`.
    pub half_norms: &'a [F],
    /// Per-row, per-lane running minima: `m × 2·PANEL` (values, then indices as floats).
    pub state: &'a mut [F],
    /// Best score per row, length `m`.
    pub best: &'a mut [F],
    /// Index of the best center per row, length `m`.
    pub labels: &'a mut [usize],
}

impl<F> PanelArgs<'_, F> {
    /// Checks the shape contract and returns `(m, n_panels)`.
    pub(crate) fn check(&self, nr: usize) -> (usize, usize) {
        let m = self.labels.len();
        let n_panels = self.half_norms.len() / nr;
        assert!(self.d > 0, "panel kernel: d must be positive");
        assert_eq!(self.x.len(), m * self.d, "panel kernel: x must be m × d");
        assert_eq!(
            self.half_norms.len(),
            n_panels * nr,
            "panel kernel: half norms"
        );
        assert_eq!(
            self.panels.len(),
            n_panels * self.d * nr,
            "panel kernel: panels"
        );
        assert_eq!(
            self.state.len(),
            m * 2 * nr,
            "panel kernel: state must be m × 2·NR"
        );
        assert_eq!(self.best.len(), m, "panel kernel: best must have length m");
        (m, n_panels)
    }
}

/// Arguments of a dot kernel: `m` rows of `x` (`m × d`) against `k` centers stored as rows
/// zero-padded to `dp = d` rounded up to [`Lanes::WIDTH`], writing the best score `h_j − x·c_j`
/// and its index `j` for each row.
#[doc(hidden)]
pub struct DotArgs<'a, F> {
    /// Points, `m × d`, row-major.
    pub x: &'a [F],
    /// Dimension.
    pub d: usize,
    /// Centers, `k × dp`, row-major, zeros past `d`.
    pub centers: &'a [F],
    /// Half squared norms, length `k`.
    pub half_norms: &'a [F],
    /// Running sums of a block of rows: `k × WIDTH` values per row, at least one row's (blocks
    /// have `DOT_BLOCK_ROWS` rows or as many as fit).
    pub state: &'a mut [F],
    /// Best score per row, length `m`.
    pub best: &'a mut [F],
    /// Index of the best center per row, length `m`.
    pub labels: &'a mut [usize],
}

impl<F> DotArgs<'_, F> {
    /// Checks the shape contract for registers of `width` values and returns `(m, k, dp)`.
    ///
    /// # Panics
    /// On a shape mismatch.
    pub(crate) fn check(&self, width: usize) -> (usize, usize, usize) {
        let m = self.labels.len();
        let k = self.half_norms.len();
        let dp = self.d.next_multiple_of(width);
        assert!(self.d > 0 && k > 0, "dot kernel: d and k must be positive");
        assert_eq!(self.x.len(), m * self.d, "dot kernel: x must be m × d");
        assert_eq!(
            self.centers.len(),
            k * dp,
            "dot kernel: centers must be k × dp"
        );
        assert_eq!(self.best.len(), m, "dot kernel: best must have length m");
        assert!(
            self.state.len() >= k * width,
            "dot kernel: state must hold k × WIDTH values"
        );
        (m, k, dp)
    }
}

/// Rows per register block of the dot kernels.
pub(crate) const DOT_ROWS: usize = 2;

/// Most centers per register block of the dot kernels: `DOT_ROWS × DOT_CENTERS` accumulators,
/// the rows' values and one center value fill fifteen of the sixteen AVX2 registers.
pub(crate) const DOT_CENTERS: usize = 6;

/// Rows per block of the AVX2 dot kernel (at most; fewer if its state holds fewer rows' sums).
pub(crate) const DOT_BLOCK_ROWS: usize = 32;

/// Rows ahead of the rows being read that the AVX2 dot kernel prefetches into L2 (two blocks;
/// on W4 a few percent faster than one block, and far faster than none).
pub(crate) const DOT_PREFETCH_ROWS: usize = 2 * DOT_BLOCK_ROWS;

/// Bytes of centers in one chunk of the dimension in the AVX2 dot kernel: the chunk's centers
/// stay in L1 while a block of rows passes.
pub(crate) const DOT_CHUNK_BYTES: usize = 32 * 1024;

/// Values of the dimension per chunk of the AVX2 dot kernel for `k` centers of `size` bytes:
/// chunks of nearly equal length, multiples of the register width `w`.
pub(crate) fn dot_chunk(k: usize, d: usize, w: usize, size: usize) -> usize {
    let n = (k * d * size).div_ceil(DOT_CHUNK_BYTES).max(1);
    d.div_ceil(n).next_multiple_of(w)
}

/// The dot kernels' blocks of centers: `k` cut into `⌈k / DOT_CENTERS⌉` consecutive ranges whose
/// sizes differ by at most one (balanced, so that no block is left with too few accumulators to
/// hide the latency of its fused multiply-adds). Computed once per call, iterated per row block.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CenterBlocks {
    n: usize,
    len: usize,
    longer: usize,
}

impl CenterBlocks {
    pub(crate) fn new(k: usize) -> Self {
        let n = k.div_ceil(DOT_CENTERS);
        CenterBlocks {
            n,
            len: k / n,
            longer: k % n,
        }
    }

    /// The blocks in increasing order; the last `k mod n` are one center longer.
    pub(crate) fn iter(self) -> impl Iterator<Item = Range<usize>> {
        let mut start = 0;
        (0..self.n).map(move |b| {
            let len = self.len + usize::from(b >= self.n - self.longer);
            start += len;
            start - len..start
        })
    }
}

/// `sums[t] += w · x[t]` in `f64` for every `t`: the center update's accumulation of a point
/// into its cluster's sum, on `path`. Every path does the same multiply and add per element (no
/// fused multiply-add), so the sums are bit-identical on every path.
///
/// # Panics
/// If the lengths differ, or if `path` is not available on this CPU.
pub fn add_weighted_row<F: crate::Float>(path: KernelPath, sums: &mut [f64], w: f64, x: &[F]) {
    assert_eq!(sums.len(), x.len(), "add_weighted_row: lengths differ");
    match path {
        KernelPath::Portable => portable::add_weighted_row(sums, w, x),
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 => {
            assert!(
                path.is_available(),
                "AVX2 path requested on a CPU without it"
            );
            // SAFETY: the CPU supports AVX2 (checked just above).
            unsafe { avx2::add_weighted_row(sums, w, x) }
        }
        #[cfg(not(target_arch = "x86_64"))]
        KernelPath::Avx2 => panic!("AVX2 path requested on a CPU without it"),
    }
}

/// Panels processed together for a block of rows: their bytes stay within this L2 budget.
pub(crate) const PANEL_BLOCK_BYTES: usize = 512 * 1024;

/// Rows per register block of the panel kernels.
pub(crate) const MR: usize = 6;

/// Picks each row's winner from its per-lane minima: the smallest value, ties to the lowest
/// center index. Shared by both paths.
pub(crate) fn reduce_lanes<F: crate::Float>(
    state: &[F],
    nr: usize,
    best: &mut [F],
    labels: &mut [usize],
) {
    for ((s, b), l) in state
        .chunks_exact(2 * nr)
        .zip(best.iter_mut())
        .zip(labels.iter_mut())
    {
        let (vals, idx) = s.split_at(nr);
        let (mut bv, mut bj) = (vals[0], idx[0]);
        for (&v, &j) in vals.iter().zip(idx).skip(1) {
            if v < bv || (v == bv && j < bj) {
                bv = v;
                bj = j;
            }
        }
        *b = bv;
        *l = bj.to_usize().expect("center index");
    }
}

/// Resets the per-lane minima to `+∞` at index 0.
pub(crate) fn reset_state<F: crate::Float>(state: &mut [F], nr: usize) {
    for s in state.chunks_exact_mut(2 * nr) {
        let (vals, idx) = s.split_at_mut(nr);
        vals.fill(F::infinity());
        idx.fill(F::zero());
    }
}

/// Implements [`Lanes`] for one precision: its panel width and its AVX2 entry points, which
/// check the CPU before calling the `unsafe` kernels.
macro_rules! impl_lanes {
    ($t:ty, $width:expr, $panel_block:ident, $dot_block:ident, $direct_block:ident, $few_dots:ident) => {
        impl Lanes for $t {
            const WIDTH: usize = $width;
            const PANEL: usize = 2 * $width;

            fn panel_block_avx2(args: PanelArgs<'_, Self>) {
                #[cfg(target_arch = "x86_64")]
                {
                    assert!(
                        KernelPath::Avx2.is_available(),
                        "AVX2 path requested on a CPU without it"
                    );
                    // SAFETY: the CPU supports AVX2 and FMA (checked just above).
                    unsafe { avx2::$panel_block(args) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = args;
                    panic!("AVX2 path requested on a CPU without it");
                }
            }

            fn dot_block_avx2(args: DotArgs<'_, Self>) {
                #[cfg(target_arch = "x86_64")]
                {
                    assert!(
                        KernelPath::Avx2.is_available(),
                        "AVX2 path requested on a CPU without it"
                    );
                    // SAFETY: the CPU supports AVX2 and FMA (checked just above).
                    unsafe { avx2::$dot_block(args) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = args;
                    panic!("AVX2 path requested on a CPU without it");
                }
            }

            fn few_dots_avx2(x: &[Self], c: &[Self], d: usize, dots: &mut [Self]) {
                #[cfg(target_arch = "x86_64")]
                {
                    assert!(
                        KernelPath::Avx2.is_available(),
                        "AVX2 path requested on a CPU without it"
                    );
                    // SAFETY: the CPU supports AVX2 (checked just above).
                    unsafe { super::few::avx2::$few_dots(x, c, d, dots) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (x, c, d, dots);
                    panic!("AVX2 path requested on a CPU without it");
                }
            }

            fn direct_block_avx2<const D: usize>(
                x: &[Self],
                centers: &[Self],
                best: &mut [Self],
                labels: &mut [usize],
            ) {
                #[cfg(target_arch = "x86_64")]
                {
                    assert!(
                        KernelPath::Avx2.is_available(),
                        "AVX2 path requested on a CPU without it"
                    );
                    // SAFETY: the CPU supports AVX2 and FMA (checked just above).
                    unsafe { avx2::$direct_block::<D>(x, centers, best, labels) }
                }
                #[cfg(not(target_arch = "x86_64"))]
                {
                    let _ = (x, centers, best, labels);
                    panic!("AVX2 path requested on a CPU without it");
                }
            }
        }
    };
}

impl_lanes!(
    f32,
    8,
    panel_block_f32,
    dot_block_f32,
    direct_block_f32,
    few_dots_f32
);
impl_lanes!(
    f64,
    4,
    panel_block_f64,
    dot_block_f64,
    direct_block_f64,
    few_dots_f64
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_rows_add_bit_identically_on_every_path() {
        let x: Vec<f32> = (0..37).map(|t| (t as f32 * 0.37).sin() * 1e3).collect();
        let mut want = vec![0.1f64; 37];
        for (s, v) in want.iter_mut().zip(&x) {
            *s += 0.3 * f64::from(*v);
        }
        for path in [KernelPath::Portable, KernelPath::Avx2] {
            if path.is_available() {
                let mut got = vec![0.1f64; 37];
                add_weighted_row(path, &mut got, 0.3, &x);
                assert_eq!(got, want, "{path:?}");
            }
        }
    }

    #[test]
    fn center_blocks_cover_k_in_balanced_order() {
        for k in 1..=40 {
            let blocks: Vec<Range<usize>> = CenterBlocks::new(k).iter().collect();
            assert_eq!(blocks[0].start, 0);
            assert_eq!(blocks.last().map(|b| b.end), Some(k));
            for w in blocks.windows(2) {
                assert_eq!(w[0].end, w[1].start);
            }
            let sizes: Vec<usize> = blocks.iter().map(|b| b.len()).collect();
            let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(
                *hi <= DOT_CENTERS && hi - lo <= 1 && *lo > 0,
                "k{k}: {sizes:?}"
            );
        }
    }
}
