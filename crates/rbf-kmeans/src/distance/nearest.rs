//! Nearest center of every point, with the argmin fused into the distance kernel.
//!
//! For `d > DIRECT_MAX_DIM` the label of `x` is `argmin_j (h_j − x·c_j)` with `h_j = ‖c_j‖²/2`,
//! computed against [`PackedCenters`] by the kernel of their [`Layout`]: the `m × k` distance
//! tile never exists, only per-row running minima. The squared distance is then recovered as
//! `max(‖x‖² + 2 (h_j − x·c_j), 0)`.
//!
//! * The panel kernel ([`Layout::Panels`]) is register-blocked over rows and panels of centers.
//! * The dot kernel ([`Layout::Rows`], a few centers of large dimension) runs its vector lanes
//!   along the dimension, so it wastes no lanes on padding centers.
//! * For `d ≤ DIRECT_MAX_DIM` the direct sums `Σ_t (x_t − c_jt)²` ([`Layout::Direct`]) are
//!   cheaper and exact up to their own rounding; they are vectorised across points.
//!
//! The layout depends on `k` and `d` only, so every caller runs the same kernel on the same
//! centers. Ties go to the lowest index on every kernel.

use super::packed::Layout;
use super::simd::{portable, DotArgs, KernelPath, PanelArgs};
use super::PackedCenters;
use crate::float::Float;

/// Rows handed to the panel and dot kernels at once; [`NearestScratch`] holds the panel kernel's
/// running minima for that many rows.
const CHUNK_ROWS: usize = 240;

/// Scratch of [`nearest_centers`]: the per-row, per-lane running minima of one chunk of rows
/// (panel kernel), or the running sums of one block of rows (dot kernel: `k × Lanes::WIDTH`
/// values per row, so at most `4 · CHUNK_ROWS = 960` centers). Allocate once, outside the
/// iteration loop.
#[derive(Clone, Debug)]
pub struct NearestScratch<F> {
    state: Vec<F>,
}

impl<F: Float> NearestScratch<F> {
    /// Scratch for any number of rows, and any number of centers [`PackedCenters::new`] lays
    /// out.
    pub fn new() -> Self {
        NearestScratch {
            state: vec![F::zero(); CHUNK_ROWS * 2 * F::PANEL],
        }
    }
}

impl<F: Float> Default for NearestScratch<F> {
    fn default() -> Self {
        Self::new()
    }
}

/// For each row `x_i` of `x` (`m × d`): `labels[i] = argmin_j ‖x_i − c_j‖²` (ties to the lowest
/// index) and `sq_dist[i]` that squared distance, on the fastest [`KernelPath`] of this CPU.
///
/// `x_norms[i] = ‖x_i‖²` is read only when `d > DIRECT_MAX_DIM`. The distance is then from the
/// expanded form, accurate to `ε (‖x_i‖² + ‖c_j‖²)`; recompute it directly where it is reported.
///
/// # Panics
/// If `x` is not `m × d` for the packed centers' `d`, or `x_norms`, `labels` and `sq_dist` do not
/// all have length `m`.
pub fn nearest_centers<F: Float>(
    x: &[F],
    x_norms: &[F],
    centers: &PackedCenters<F>,
    scratch: &mut NearestScratch<F>,
    labels: &mut [usize],
    sq_dist: &mut [F],
) {
    nearest_centers_on(
        KernelPath::detect(),
        x,
        x_norms,
        centers,
        scratch,
        labels,
        sq_dist,
    );
}

/// As [`nearest_centers`], on a chosen [`KernelPath`] (for tests and benchmarks).
///
/// # Panics
/// As [`nearest_centers`], and if `path` is not available on this CPU.
pub fn nearest_centers_on<F: Float>(
    path: KernelPath,
    x: &[F],
    x_norms: &[F],
    centers: &PackedCenters<F>,
    scratch: &mut NearestScratch<F>,
    labels: &mut [usize],
    sq_dist: &mut [F],
) {
    let d = centers.d();
    let m = labels.len();
    assert_eq!(x.len(), m * d, "nearest_centers: x must be m × d");
    assert_eq!(
        sq_dist.len(),
        m,
        "nearest_centers: sq_dist must have length m"
    );
    assert!(
        path.is_available(),
        "nearest_centers: {path:?} is not available on this CPU"
    );

    if centers.layout() == Layout::Direct {
        direct(path, d, x, centers.data(), sq_dist, labels);
        return;
    }

    assert_eq!(
        x_norms.len(),
        m,
        "nearest_centers: x_norms must have length m"
    );
    let two = F::one() + F::one();
    let nr = F::PANEL;
    for (((xc, nc), lc), dc) in x
        .chunks(CHUNK_ROWS * d)
        .zip(x_norms.chunks(CHUNK_ROWS))
        .zip(labels.chunks_mut(CHUNK_ROWS))
        .zip(sq_dist.chunks_mut(CHUNK_ROWS))
    {
        if centers.layout() == Layout::Rows {
            let args = DotArgs {
                x: xc,
                d,
                centers: centers.data(),
                half_norms: centers.half_norms(),
                state: &mut scratch.state,
                best: dc,
                labels: lc,
            };
            match path {
                KernelPath::Avx2 => F::dot_block_avx2(args),
                KernelPath::Portable => portable::dot_block(args),
            }
        } else {
            let args = PanelArgs {
                x: xc,
                d,
                panels: centers.data(),
                half_norms: centers.half_norms(),
                state: &mut scratch.state[..lc.len() * 2 * nr],
                best: dc,
                labels: lc,
            };
            match path {
                KernelPath::Avx2 => F::panel_block_avx2(args),
                KernelPath::Portable => portable::panel_block(args),
            }
        }
        for (s, &xn) in dc.iter_mut().zip(nc) {
            let v = xn + two * *s;
            *s = if v > F::zero() { v } else { F::zero() };
        }
    }
}

/// The direct kernel for `1 ≤ d ≤ DIRECT_MAX_DIM`, with `d` made a compile-time constant.
fn direct<F: Float>(
    path: KernelPath,
    d: usize,
    x: &[F],
    centers: &[F],
    best: &mut [F],
    labels: &mut [usize],
) {
    macro_rules! dispatch {
        ($($dim:literal)*) => {
            match d {
                $($dim => run::<F, $dim>(path, x, centers, best, labels),)*
                _ => unreachable!("direct kernel: d = {d} is above DIRECT_MAX_DIM"),
            }
        };
    }
    dispatch!(1 2 3 4 5 6 7 8);
}

fn run<F: Float, const D: usize>(
    path: KernelPath,
    x: &[F],
    centers: &[F],
    best: &mut [F],
    labels: &mut [usize],
) {
    match path {
        KernelPath::Avx2 => F::direct_block_avx2::<D>(x, centers, best, labels),
        KernelPath::Portable => portable::direct_block::<F, D>(x, centers, best, labels),
    }
}

#[cfg(test)]
mod tests;
