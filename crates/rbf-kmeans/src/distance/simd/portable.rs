//! Plain-Rust kernels: the reference structure of the SIMD ones, on any CPU.

use super::{
    reduce_lanes, reset_state, CenterBlocks, DotArgs, PanelArgs, DOT_CENTERS, DOT_ROWS, MR,
    PANEL_BLOCK_BYTES,
};
use crate::float::Float;

/// Points per group of the direct kernel (one or two SIMD registers once vectorised).
const GROUP: usize = 8;

/// For each of the `m` rows of `x`: the center minimising `h_j − x·c_j` over all panels (ties to
/// the lowest index) into `labels`, and that minimum into `best`.
///
/// Panels are processed in blocks that fit [`PANEL_BLOCK_BYTES`]; within a block, each group of
/// [`MR`] rows meets every panel while its rows are hot in L1. Per panel, `x·c` is accumulated
/// over `t` in increasing order, one accumulator per (row, lane).
///
/// # Panics
/// On a shape mismatch (see [`PanelArgs`]).
pub(crate) fn panel_block<F: Float>(a: PanelArgs<'_, F>) {
    let nr = F::PANEL;
    let (_, n_panels) = a.check(nr);
    let d = a.d;
    reset_state(a.state, nr);
    let block = (PANEL_BLOCK_BYTES / (d * nr * std::mem::size_of::<F>())).max(1);

    let mut p0 = 0;
    while p0 < n_panels {
        let p1 = (p0 + block).min(n_panels);
        for (xr, sr) in a.x.chunks(MR * d).zip(a.state.chunks_mut(MR * 2 * nr)) {
            for p in p0..p1 {
                let panel = &a.panels[p * d * nr..(p + 1) * d * nr];
                let hn = &a.half_norms[p * nr..(p + 1) * nr];
                micro(xr, d, panel, hn, p * nr, sr);
            }
        }
        p0 = p1;
    }
    reduce_lanes(a.state, nr, a.best, a.labels);
}

/// Up to [`MR`] rows against one panel.
#[inline]
fn micro<F: Float>(x: &[F], d: usize, panel: &[F], hn: &[F], base: usize, state: &mut [F]) {
    // A compile-time lane count, so the lane loops unroll and vectorise.
    let nr = F::PANEL;
    let mut acc = [[F::zero(); 16]; MR];
    for (t, c) in panel.chunks_exact(nr).enumerate() {
        for (row, acc) in x.chunks_exact(d).zip(acc.iter_mut()) {
            let xv = row[t];
            for (a, &cv) in acc.iter_mut().zip(c) {
                *a += xv * cv;
            }
        }
    }
    for (acc, s) in acc.iter().zip(state.chunks_exact_mut(2 * nr)) {
        let (vals, idx) = s.split_at_mut(nr);
        for l in 0..nr {
            let v = hn[l] - acc[l];
            if v < vals[l] {
                vals[l] = v;
                idx[l] = F::from_f64_round((base + l) as f64);
            }
        }
    }
}

/// For each of the `m` rows of `x`: the center minimising `h_j − x·c_j` (ties to the lowest
/// index) into `labels`, and that minimum into `best`.
///
/// `x·c` is summed lane-wise, lane `l` of `W = Lanes::WIDTH` collecting the `t ≡ l (mod W)` in
/// increasing `t`, then across lanes as [`lane_sum`] does. Blocks of [`DOT_ROWS`] rows meet the
/// centers in the blocks of `CenterBlocks`, in increasing order. (`state` is the AVX2 kernel's
/// scratch; this one needs none.)
///
/// # Panics
/// On a shape mismatch (see [`DotArgs`]).
pub(crate) fn dot_block<F: Float>(a: DotArgs<'_, F>) {
    match F::WIDTH {
        8 => dot_block_w::<F, 8>(a),
        4 => dot_block_w::<F, 4>(a),
        w => unreachable!("dot kernel: no {w}-lane registers"),
    }
}

/// [`dot_block`] with the lane count a compile-time constant, so the lane loops vectorise.
fn dot_block_w<F: Float, const W: usize>(a: DotArgs<'_, F>) {
    let (_, k, dp) = a.check(W);
    let d = a.d;
    a.best.fill(F::infinity());
    a.labels.fill(0);
    let blocks = CenterBlocks::new(k);
    for ((x, best), labels) in
        a.x.chunks(DOT_ROWS * d)
            .zip(a.best.chunks_mut(DOT_ROWS))
            .zip(a.labels.chunks_mut(DOT_ROWS))
    {
        for block in blocks.iter() {
            let c = &a.centers[block.start * dp..block.end * dp];
            let hn = &a.half_norms[block.clone()];
            dot_micro::<F, W>(x, d, c, dp, hn, block.start, best, labels);
        }
    }
}

/// Up to [`DOT_ROWS`] rows against up to [`DOT_CENTERS`] centers (rows of `c`, stride `dp`,
/// indices from `first`).
#[allow(clippy::too_many_arguments)]
#[inline]
fn dot_micro<F: Float, const W: usize>(
    x: &[F],
    d: usize,
    c: &[F],
    dp: usize,
    hn: &[F],
    first: usize,
    best: &mut [F],
    labels: &mut [usize],
) {
    let mut acc = [[[F::zero(); W]; DOT_CENTERS]; DOT_ROWS];
    for o in (0..dp).step_by(W) {
        for (row, acc) in x.chunks_exact(d).zip(acc.iter_mut()) {
            // Past `d`, zeros meet the centers' zero padding.
            let mut xv = [F::zero(); W];
            if o + W <= d {
                xv.copy_from_slice(&row[o..o + W]);
            } else {
                xv[..d - o].copy_from_slice(&row[o..]);
            }
            for (cj, a) in c.chunks_exact(dp).zip(acc.iter_mut()) {
                let cv = &cj[o..o + W];
                for l in 0..W {
                    a[l] += xv[l] * cv[l];
                }
            }
        }
    }

    for ((acc, b), l) in acc.iter().zip(best.iter_mut()).zip(labels.iter_mut()) {
        for (j, (a, &h)) in acc.iter().zip(hn).enumerate() {
            let s = h - lane_sum(*a);
            if s < *b {
                *b = s;
                *l = first + j;
            }
        }
    }
}

/// `Σ_l v_l` in the order of the AVX2 horizontal sums: lanes `l` and `l + W/2` first, then
/// neighbours pairwise (`((v_0 + v_4) + (v_1 + v_5)) + ((v_2 + v_6) + (v_3 + v_7))` for eight).
fn lane_sum<F: Float, const W: usize>(v: [F; W]) -> F {
    let h = W / 2;
    let mut a = [F::zero(); W];
    for l in 0..h {
        a[l] = v[l] + v[l + h];
    }
    let mut n = h;
    while n > 1 {
        for l in 0..n / 2 {
            a[l] = a[2 * l] + a[2 * l + 1];
        }
        n /= 2;
    }
    a[0]
}

/// See `simd::add_weighted_row`.
#[inline(always)]
pub(crate) fn add_weighted_row<F: Float>(sums: &mut [f64], w: f64, x: &[F]) {
    for (s, v) in sums.iter_mut().zip(x) {
        *s += w * v.to_f64_lossless();
    }
}

/// The direct kernel: for each row of `x` (`m × D`), the center of `centers` (`k × D`,
/// row-major) with the smallest `Σ_t (x_t − c_t)²` (summed in increasing `t`, ties to the lowest
/// index) into `labels`, and that sum into `best`. Eight points at a time, so the compiler can
/// keep one point per SIMD lane.
pub(crate) fn direct_block<F: Float, const D: usize>(
    x: &[F],
    centers: &[F],
    best: &mut [F],
    labels: &mut [usize],
) {
    direct_block_inline::<F, D>(x, centers, best, labels);
}

/// Body of [`direct_block`].
#[inline(always)]
fn direct_block_inline<F: Float, const D: usize>(
    x: &[F],
    centers: &[F],
    best: &mut [F],
    labels: &mut [usize],
) {
    let m = labels.len();
    assert_eq!(x.len(), m * D, "direct kernel: x must be m × d");
    assert_eq!(best.len(), m, "direct kernel: best must have length m");
    assert!(
        !centers.is_empty() && centers.len() % D == 0,
        "direct kernel: centers k × d"
    );

    for ((xg, bg), lg) in x
        .chunks(GROUP * D)
        .zip(best.chunks_mut(GROUP))
        .zip(labels.chunks_mut(GROUP))
    {
        // Lane `l` holds point `min(l, g − 1)`: a short last group repeats its last point.
        let g = lg.len();
        let mut xt = [[F::zero(); GROUP]; D];
        for l in 0..GROUP {
            let row = &xg[l.min(g - 1) * D..][..D];
            for t in 0..D {
                xt[t][l] = row[t];
            }
        }

        let mut bv = [F::infinity(); GROUP];
        let mut bj = [F::zero(); GROUP];
        let mut jf = F::zero();
        for c in centers.chunks_exact(D) {
            let mut s = [F::zero(); GROUP];
            for t in 0..D {
                let ct = c[t];
                for l in 0..GROUP {
                    let u = xt[t][l] - ct;
                    s[l] += u * u;
                }
            }
            for l in 0..GROUP {
                let lt = s[l] < bv[l];
                bv[l] = if lt { s[l] } else { bv[l] };
                bj[l] = if lt { jf } else { bj[l] };
            }
            jf += F::one();
        }
        for l in 0..g {
            bg[l] = bv[l];
            lg[l] = bj[l].to_usize().expect("center index");
        }
    }
}
