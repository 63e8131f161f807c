//! The per-cluster totals of one leaf, accumulated point by point in `f64`.
//!
//! For every point `x_i` with label `j`, weight `w_i` and squared distance `δ_i` to its center,
//! in point order:
//!
//! ```text
//! s_j += w_i x_i   (per feature)     W_j += w_i     E_j += w_i δ_i     E += w_i δ_i     n_j += 1
//! ```
//!
//! each product rounded on its own before the add (no FMA) and each total a plain running sum
//! (no reassociation). Elkan and Hamerly reproduce these sums bit for bit, and so does the soft
//! pass given a hard map, so the order and the roundings are part of the contract.
//!
//! The totals of cluster `j` are one row of `d + 2` values, `[s_j, W_j, E_j]`. For `d ≤ 16` the
//! row length is a compile-time constant: a point's update is then one short vector
//! `w_i · [x_i, 1, δ_i]` added to one row (a load, an add and a store per SIMD register), instead
//! of `d + 3` scalar read-modify-writes to three arrays. Every lane of that
//! vector add is still `row[e] + v[e]` for the point's own cluster only, so each total sees
//! exactly the same additions, in the same order, as the plain loop (`ClusterSums::add_plain`,
//! kept as the reference). Measured on 480-row tiles with `k = 8` and `64`, this saves about 40%
//! per point for `d ≤ 8` and 25–40% up to `d = 16`; above, the two loops run at the same speed,
//! hence the threshold.
//!
//! For `d > 16` a point's update is long, and storing it back to its row costs more than the
//! additions (a CPU with 128-bit store ports, such as AMD Zen 1, stores one `f64` pair per
//! cycle). [`ClusterSums::add_grouped`] sorts the tile's rows by label and adds all of a
//! cluster's points to a strip of its sums held in registers, storing the strip once: the same
//! additions per total in the same order, with one store per strip and cluster instead of one
//! per point. It pays when a tile holds several points per cluster; with fewer, the per-point
//! loop runs.
//!
//! Another order-preserving variant keeps all `k` rows in registers and adds `−0.0` (the
//! identity of IEEE addition: `a + (−0.0) = a` for every `a`) to every row but the point's own.
//! It avoids store-to-load forwarding between points of one cluster, but costs a compare, a
//! blend and an add per row and point: written in plain Rust it ran 6× slower than the row
//! update on `d = 2, k = 8` (which is bound by instruction throughput, not by those chains), and
//! even hand-vectorised it would need about four times the row update's vector instructions.

use crate::distance::{add_weighted_row, KernelPath};
use crate::float::Float;

/// Running per-cluster totals over the points of one leaf.
#[derive(Clone, Debug)]
pub(crate) struct ClusterSums {
    d: usize,
    /// `k × (d + 2)`: per cluster `Σ w_i x_i` (`d` values), `Σ w_i`, `Σ w_i δ_i`.
    rows: Vec<f64>,
    /// Points per cluster (any weight).
    counts: Vec<usize>,
    /// `Σ w_i δ_i` over all points.
    inertia: f64,
    /// Scratch of [`ClusterSums::add_grouped`]: the tile's rows sorted by label (stable), where
    /// each label's rows start, and the next free slot per label.
    order: Vec<usize>,
    starts: Vec<usize>,
    next: Vec<usize>,
}

impl ClusterSums {
    /// Zeroed totals for `k` clusters in `d` dimensions.
    pub fn new(k: usize, d: usize) -> Self {
        ClusterSums {
            d,
            rows: vec![0.0; k * (d + 2)],
            counts: vec![0; k],
            inertia: 0.0,
            order: Vec::new(),
            starts: Vec::new(),
            next: Vec::new(),
        }
    }

    /// Resets every total to `+0.0` (and every count to zero).
    pub fn clear(&mut self) {
        self.rows.fill(0.0);
        self.counts.fill(0);
        self.inertia = 0.0;
    }

    /// `Σ w_i x_i` of cluster `j` (`d` values).
    pub fn sums(&self, j: usize) -> &[f64] {
        let stride = self.d + 2;
        &self.rows[j * stride..j * stride + self.d]
    }

    /// `Σ w_i` of cluster `j`.
    pub fn weight(&self, j: usize) -> f64 {
        self.rows[j * (self.d + 2) + self.d]
    }

    /// `Σ w_i δ_i` of cluster `j`.
    pub fn cluster_inertia(&self, j: usize) -> f64 {
        self.rows[j * (self.d + 2) + self.d + 1]
    }

    /// Points in cluster `j`.
    pub fn count(&self, j: usize) -> usize {
        self.counts[j]
    }

    /// `Σ w_i δ_i` over all points added.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }

    /// Adds the `m` points of `x` (`m × d`) with their `labels`, squared distances `dist` (in
    /// `f64` or the data's precision, widened exactly) and `weights` (all ones when `None`), in
    /// row order, on the fastest [`KernelPath`].
    ///
    /// # Panics
    /// If `x` is not `m × d`, `dist` or `weights` not of length `m`, or a label is not below `k`.
    pub fn add<F: Float, G: Float>(
        &mut self,
        x: &[F],
        weights: Option<&[f64]>,
        labels: &[usize],
        dist: &[G],
    ) {
        self.add_on(KernelPath::detect(), x, weights, labels, dist);
    }

    /// As [`ClusterSums::add`] on a chosen path (for tests); the results do not depend on it.
    ///
    /// # Panics
    /// As [`ClusterSums::add`], and if `path` is not available on this CPU.
    pub fn add_on<F: Float, G: Float>(
        &mut self,
        path: KernelPath,
        x: &[F],
        weights: Option<&[f64]>,
        labels: &[usize],
        dist: &[G],
    ) {
        let m = labels.len();
        assert_eq!(x.len(), m * self.d, "ClusterSums::add: x must be m × d");
        assert_eq!(dist.len(), m, "ClusterSums::add: dist must have length m");
        if let Some(w) = weights {
            assert_eq!(w.len(), m, "ClusterSums::add: weights must have length m");
        }
        assert!(
            path.is_available(),
            "ClusterSums::add: {path:?} is not available on this CPU"
        );

        macro_rules! dispatch {
            ($(($dim:literal, $row:literal))*) => {
                match self.d {
                    $($dim => self.add_small::<F, G, $dim, $row>(path, x, weights, labels, dist),)*
                    _ if m >= GROUPED_MIN_ROWS_PER_CLUSTER * self.counts.len() => {
                        self.add_grouped(path, x, weights, labels, dist)
                    }
                    _ => self.add_plain(path, x, weights, labels, dist),
                }
            };
        }
        dispatch!((1, 3)(2, 4)(3, 5)(4, 6)(5, 7)(6, 8)(7, 9)(8, 10)(9, 11)(
            10, 12
        )(11, 13)(12, 14)(13, 15)(14, 16)(15, 17)(16, 18));
    }

    /// The reference loop for any `d`: the updates of [`ClusterSums`]'s formula, one scalar
    /// read-modify-write per total (the tests hold every faster loop to it). For `d > 16`, the
    /// loop of tiles with few points per cluster.
    pub fn add_plain<F: Float, G: Float>(
        &mut self,
        path: KernelPath,
        x: &[F],
        weights: Option<&[f64]>,
        labels: &[usize],
        dist: &[G],
    ) {
        let d = self.d;
        self.add_in_point_order(weights, labels, dist, |sums, r, w| {
            add_weighted_row(path, sums, w, &x[r * d..(r + 1) * d]);
        });
    }

    /// For each point in order: `features(s_j, r, w_r)` (the feature sums of its cluster), then
    /// its weight, `w δ` and count totals and the inertia.
    fn add_in_point_order<G: Float>(
        &mut self,
        weights: Option<&[f64]>,
        labels: &[usize],
        dist: &[G],
        mut features: impl FnMut(&mut [f64], usize, f64),
    ) {
        let d = self.d;
        let stride = d + 2;
        let mut inertia = self.inertia;
        for (r, (&j, &dij)) in labels.iter().zip(dist).enumerate() {
            let w = weights.map_or(1.0, |w| w[r]);
            let row = &mut self.rows[j * stride..(j + 1) * stride];
            features(&mut row[..d], r, w);
            row[d] += w;
            let wd = w * dij.to_f64_lossless();
            row[d + 1] += wd;
            self.counts[j] += 1;
            inertia += wd;
        }
        self.inertia = inertia;
    }

    /// The update for `d > 16` and tiles with several points per cluster: the same additions in
    /// the same order as `add_plain`, with far fewer stores. The tile's rows are sorted by label
    /// (stably), and for each cluster a strip of [`GROUP_COLUMNS`] of its sums stays in registers
    /// while all of the tile's points of that cluster are added to it, in point order. Every
    /// total still sees its additions in point order; only the interleaving across totals, which
    /// no result depends on, changes. The weight, `w δ` and count totals follow in point order.
    pub fn add_grouped<F: Float, G: Float>(
        &mut self,
        path: KernelPath,
        x: &[F],
        weights: Option<&[f64]>,
        labels: &[usize],
        dist: &[G],
    ) {
        let (d, k, m) = (self.d, self.counts.len(), labels.len());
        let stride = d + 2;
        self.starts.clear();
        self.starts.resize(k + 1, 0);
        for &j in labels {
            assert!(j < k, "ClusterSums::add: label {j} is not below k = {k}");
            self.starts[j + 1] += 1;
        }
        for j in 0..k {
            self.starts[j + 1] += self.starts[j];
        }
        self.next.clear();
        self.next.extend_from_slice(&self.starts[..k]);
        self.order.resize(m, 0);
        for (r, &j) in labels.iter().enumerate() {
            self.order[self.next[j]] = r;
            self.next[j] += 1;
        }
        for j in 0..k {
            let rows = &self.order[self.starts[j]..self.starts[j + 1]];
            if !rows.is_empty() {
                let sums = &mut self.rows[j * stride..j * stride + d];
                add_cluster_columns(path, sums, x, d, rows, weights);
            }
        }
        self.add_in_point_order(weights, labels, dist, |_, _, _| {});
    }

    /// The loop for a compile-time `D` and row length `R = D + 2`, with the AVX2 instructions
    /// enabled on that path.
    fn add_small<F: Float, G: Float, const D: usize, const R: usize>(
        &mut self,
        path: KernelPath,
        x: &[F],
        weights: Option<&[f64]>,
        labels: &[usize],
        dist: &[G],
    ) {
        debug_assert_eq!(R, D + 2);
        let acc = Totals {
            rows: &mut self.rows,
            counts: &mut self.counts,
            inertia: &mut self.inertia,
        };
        match (path, weights) {
            #[cfg(target_arch = "x86_64")]
            (KernelPath::Avx2, Some(w)) => {
                // SAFETY: `add_on` checked that the CPU supports the AVX2 path.
                unsafe { add_small_avx2::<F, G, D, R>(acc, x, |r| w[r], labels, dist) }
            }
            #[cfg(target_arch = "x86_64")]
            (KernelPath::Avx2, None) => {
                // SAFETY: as above.
                unsafe { add_small_avx2::<F, G, D, R>(acc, x, |_| 1.0, labels, dist) }
            }
            (_, Some(w)) => add_small_inline::<F, G, D, R>(acc, x, |r| w[r], labels, dist),
            (_, None) => add_small_inline::<F, G, D, R>(acc, x, |_| 1.0, labels, dist),
        }
    }
}

/// Least mean number of a tile's points per cluster for which [`ClusterSums::add`] groups them
/// (`d > 16`): with fewer, sorting the tile and visiting every cluster's strips cost more than
/// the stores they save (measured on W3, 384-row tiles and `k = 256`: 4% slower per iteration;
/// on W2, 480 rows and `k = 64`, and W4, 62 rows and `k = 10`, grouping is 3% faster).
const GROUPED_MIN_ROWS_PER_CLUSTER: usize = 4;

/// Columns of one cluster's sums that [`ClusterSums::add_grouped`] keeps in registers: four
/// AVX2 registers of `f64`.
const GROUP_COLUMNS: usize = 16;

/// `sums[e] += w_r · x_{r,e}` for the `rows` of `x` (`· × d`), in the order given, strip by strip.
fn add_cluster_columns<F: Float>(
    path: KernelPath,
    sums: &mut [f64],
    x: &[F],
    d: usize,
    rows: &[usize],
    weights: Option<&[f64]>,
) {
    match path {
        #[cfg(target_arch = "x86_64")]
        KernelPath::Avx2 => {
            // SAFETY: callers checked that the CPU supports the AVX2 path.
            unsafe { add_cluster_columns_avx2(sums, x, d, rows, weights) }
        }
        _ => add_cluster_columns_inline(sums, x, d, rows, weights),
    }
}

/// [`add_cluster_columns_inline`] compiled with AVX2 enabled (same roundings: no FMA).
///
/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn add_cluster_columns_avx2<F: Float>(
    sums: &mut [f64],
    x: &[F],
    d: usize,
    rows: &[usize],
    weights: Option<&[f64]>,
) {
    add_cluster_columns_inline(sums, x, d, rows, weights);
}

#[inline(always)]
fn add_cluster_columns_inline<F: Float>(
    sums: &mut [f64],
    x: &[F],
    d: usize,
    rows: &[usize],
    weights: Option<&[f64]>,
) {
    const C: usize = GROUP_COLUMNS;
    let full = d - d % C;
    for c0 in (0..full).step_by(C) {
        let strip: &mut [f64; C] = (&mut sums[c0..c0 + C]).try_into().expect("a full strip");
        let mut acc = *strip;
        for &r in rows {
            let w = weights.map_or(1.0, |w| w[r]);
            let xs: &[F; C] = x[r * d + c0..r * d + c0 + C]
                .try_into()
                .expect("a full strip");
            for e in 0..C {
                acc[e] += w * xs[e].to_f64_lossless();
            }
        }
        *strip = acc;
    }
    if full < d {
        for &r in rows {
            let w = weights.map_or(1.0, |w| w[r]);
            for (s, v) in sums[full..].iter_mut().zip(&x[r * d + full..(r + 1) * d]) {
                *s += w * v.to_f64_lossless();
            }
        }
    }
}

/// The destination of one `add_small` call.
struct Totals<'a> {
    rows: &'a mut [f64],
    counts: &'a mut [usize],
    inertia: &'a mut f64,
}

/// [`add_small_inline`] compiled with AVX2 and FMA enabled. Rust never contracts `a + b·c`
/// into an FMA on its own, so the roundings are those of the portable build.
///
/// # Safety
/// The CPU must support AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn add_small_avx2<F: Float, G: Float, const D: usize, const R: usize>(
    acc: Totals<'_>,
    x: &[F],
    weight: impl Fn(usize) -> f64,
    labels: &[usize],
    dist: &[G],
) {
    add_small_inline::<F, G, D, R>(acc, x, weight, labels, dist);
}

/// Body of the fixed-`D` loop: builds `v = [w x_i, w, w δ_i]` and adds it to row `j` lane by
/// lane.
#[inline(always)]
fn add_small_inline<F: Float, G: Float, const D: usize, const R: usize>(
    acc: Totals<'_>,
    x: &[F],
    weight: impl Fn(usize) -> f64,
    labels: &[usize],
    dist: &[G],
) {
    let k = acc.counts.len();
    let m = labels.len();
    assert_eq!(
        acc.rows.len(),
        k * R,
        "ClusterSums: rows must be k × (d + 2)"
    );
    assert!(
        x.len() == m * D && dist.len() == m,
        "ClusterSums: tile shapes"
    );
    let mut inertia = *acc.inertia;
    for r in 0..m {
        let j = labels[r];
        let w = weight(r);
        let wd = w * dist[r].to_f64_lossless();
        let xi = &x[r * D..r * D + D];
        let mut v = [0.0; R];
        for t in 0..D {
            v[t] = w * xi[t].to_f64_lossless();
        }
        v[D] = w;
        v[D + 1] = wd;
        let row: &mut [f64; R] = (&mut acc.rows[j * R..j * R + R])
            .try_into()
            .expect("row of R values");
        for (s, v) in row.iter_mut().zip(v) {
            *s += v;
        }
        acc.counts[j] += 1;
        inertia += wd;
    }
    *acc.inertia = inertia;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// The totals as the Lloyd pass first computed them: separate arrays, one scalar update per
    /// total and point.
    struct Plain {
        d: usize,
        sums: Vec<f64>,
        weights: Vec<f64>,
        counts: Vec<usize>,
        cluster_inertia: Vec<f64>,
        inertia: f64,
    }

    impl Plain {
        fn add<F: Float>(&mut self, x: &[F], w: Option<&[f64]>, labels: &[usize], dist: &[F]) {
            let d = self.d;
            for (r, &j) in labels.iter().enumerate() {
                let w = w.map_or(1.0, |w| w[r]);
                let dij = dist[r].to_f64_lossless();
                self.inertia += w * dij;
                self.cluster_inertia[j] += w * dij;
                self.weights[j] += w;
                self.counts[j] += 1;
                for (s, v) in self.sums[j * d..(j + 1) * d]
                    .iter_mut()
                    .zip(&x[r * d..(r + 1) * d])
                {
                    *s += w * v.to_f64_lossless();
                }
            }
        }

        fn assert_same(&self, got: &ClusterSums, what: &str) {
            let d = got.d;
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            for j in 0..self.counts.len() {
                assert_eq!(
                    bits(got.sums(j)),
                    bits(&self.sums[j * d..(j + 1) * d]),
                    "{what}: sums of cluster {j}"
                );
                assert_eq!(
                    got.weight(j).to_bits(),
                    self.weights[j].to_bits(),
                    "{what}: weight {j}"
                );
                assert_eq!(
                    got.cluster_inertia(j).to_bits(),
                    self.cluster_inertia[j].to_bits(),
                    "{what}: cluster inertia {j}"
                );
                assert_eq!(got.count(j), self.counts[j], "{what}: count {j}");
            }
            assert_eq!(
                got.inertia().to_bits(),
                self.inertia.to_bits(),
                "{what}: inertia"
            );
        }
    }

    /// A value spanning many magnitudes (so that additions round), sometimes a signed zero.
    fn value(rng: &mut Rng) -> f64 {
        match (rng.uniform() * 10.0) as usize {
            0 => -0.0,
            1 => 0.0,
            _ => rng.normal() * 10f64.powi((rng.uniform() * 12.0) as i32 - 6),
        }
    }

    /// Labels in runs of random length, so that one cluster often gets many points in a row.
    fn labels(m: usize, k: usize, rng: &mut Rng) -> Vec<usize> {
        let mut out = Vec::with_capacity(m);
        while out.len() < m {
            let j = ((rng.uniform() * k as f64) as usize).min(k - 1);
            let run = 1 + (rng.uniform() * 6.0) as usize;
            out.extend(std::iter::repeat_n(j, run.min(m - out.len())));
        }
        out
    }

    fn check<F: Float>(d: usize, k: usize, weighted: bool, seed: u64) {
        let mut rng = Rng::new(seed);
        let paths: Vec<KernelPath> = [KernelPath::Portable, KernelPath::Avx2]
            .into_iter()
            .filter(|p| p.is_available())
            .collect();
        let mut plain = Plain {
            d,
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
            counts: vec![0; k],
            cluster_inertia: vec![0.0; k],
            inertia: 0.0,
        };
        let mut on_paths = vec![ClusterSums::new(k, d); paths.len()];
        let mut grouped = vec![ClusterSums::new(k, d); paths.len()];
        let mut reference = ClusterSums::new(k, d);

        // Several tiles, so that the totals carry from one call to the next.
        for m in [0, 1, 7, 64, 33] {
            let x: Vec<F> = (0..m * d)
                .map(|_| F::from_f64_round(value(&mut rng)))
                .collect();
            let dist: Vec<F> = (0..m)
                .map(|_| F::from_f64_round(value(&mut rng).abs()))
                .collect();
            let w: Vec<f64> = (0..m).map(|_| value(&mut rng).abs()).collect();
            let w = weighted.then_some(&w[..]);
            let labels = labels(m, k, &mut rng);

            plain.add(&x, w, &labels, &dist);
            reference.add_plain(KernelPath::Portable, &x, w, &labels, &dist);
            for (sums, &path) in on_paths.iter_mut().zip(&paths) {
                sums.add_on(path, &x, w, &labels, &dist);
            }
            for (sums, &path) in grouped.iter_mut().zip(&paths) {
                sums.add_grouped(path, &x, w, &labels, &dist);
            }
        }
        let what = format!("{} d{d} k{k} weighted {weighted}", F::NAME);
        plain.assert_same(&reference, &format!("{what} add_plain"));
        for (sums, path) in on_paths.iter().zip(&paths) {
            plain.assert_same(sums, &format!("{what} {path:?}"));
        }
        for (sums, path) in grouped.iter().zip(&paths) {
            plain.assert_same(sums, &format!("{what} add_grouped {path:?}"));
        }
    }

    #[test]
    fn every_path_gives_the_plain_loops_totals_bit_for_bit() {
        for d in (1..=17).chain([31, 32, 40, 100]) {
            for k in [1, 2, 3, 8, 13] {
                for weighted in [false, true] {
                    let seed = (d * 100 + k * 2 + usize::from(weighted)) as u64;
                    check::<f32>(d, k, weighted, seed);
                    check::<f64>(d, k, weighted, seed);
                }
            }
        }
    }

    #[test]
    fn clear_resets_to_positive_zero() {
        let mut s = ClusterSums::new(2, 3);
        s.add(&[1.0f64, 2.0, 3.0], Some(&[-0.0]), &[1], &[4.0f64]);
        assert_eq!(s.count(1), 1);
        s.clear();
        assert!(s.rows.iter().all(|v| v.to_bits() == 0));
        assert_eq!(s.count(1), 0);
        assert_eq!(s.inertia().to_bits(), 0);
    }

    #[test]
    #[should_panic(expected = "ClusterSums::add: x must be m × d")]
    fn a_tile_of_the_wrong_shape_panics() {
        let mut s = ClusterSums::new(2, 2);
        s.add(&[1.0f32, 2.0, 3.0], None, &[0, 1], &[0.0f32, 0.0]);
    }
}
