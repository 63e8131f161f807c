//! Greedy k-means++ seeding, with the candidates' distances computed as tiles.

use rayon::prelude::*;

use crate::data::Samples;
#[cfg(doc)]
use crate::distance::tile_sq_distances;
use crate::distance::{few_dots, row_sq_norms, sq_euclidean, DIRECT_MAX_DIM};
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves, LEAF_ROWS};
use crate::rng::Rng;

/// Greedy k-means++ (Arthur and Vassilvitskii 2007, with the local trials of scikit-learn's
/// variant): the first center is a row drawn with probability proportional to its weight; each
/// further center is the best of `t = 2 + ⌊ln k⌋` candidates drawn with probability proportional
/// to `w_i D(x_i)²`, where `D` is the distance to the nearest center so far; "best" means the
/// candidate that leaves the smallest potential `Σ_i w_i D(x_i)²`.
///
/// The `t` candidates are evaluated together: each leaf of rows computes a `t × m` block of
/// squared distances (inner products by [`few_dots`] when `d > DIRECT_MAX_DIM`, the expanded form
/// completed in the same pass), so a step costs one pass over the data instead of `t`, and the
/// per-candidate loops run over contiguous rows. A tile value
/// within rounding of zero (`≤ 64 ε (‖x‖² + ‖c‖²)`) is recomputed with a direct sum, so a row
/// equal to a chosen center has potential exactly zero and is never drawn again: the centers are
/// distinct whenever the data has `k` distinct rows of positive weight. Potentials are summed
/// per leaf and then in leaf order, so the result does not depend on the thread count; a draw
/// scans the per-leaf sums, then one leaf.
///
/// Costs `O(n·k·d·(2 + ln k))` flops and `n·(d + t)` words of memory.
pub fn kmeans_plus_plus<F: Float>(samples: &Samples<'_, F>, k: usize, rng: &mut Rng) -> Vec<F> {
    let n = samples.n_samples();
    let d = samples.n_features();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers: Vec<F> = Vec::with_capacity(k * d);
    let mut seeder = Seeder::new(samples, trials);

    let weights: Vec<f64> = (0..n).map(|i| samples.weight(i)).collect();
    let leaf_weights: Vec<f64> = (0..n_leaves(n))
        .map(|l| leaf_range(l, n).map(|i| weights[i]).sum())
        .collect();
    let first = draw(&weights, &leaf_weights, samples.total_weight(), rng);
    centers.extend_from_slice(samples.row(first));
    seeder.evaluate(samples, &[first]);
    seeder.accept(samples, 0);

    let mut cands = Vec::with_capacity(trials);
    for _ in 1..k {
        cands.clear();
        for _ in 0..trials {
            cands.push(draw(
                &seeder.scores,
                &seeder.leaf_scores,
                seeder.potential,
                rng,
            ));
        }
        let pots = seeder.evaluate(samples, &cands);
        // The first candidate of least potential, as a strict `<` scan would pick.
        let best = (0..trials).fold(0, |b, c| if pots[c] < pots[b] { c } else { b });
        centers.extend_from_slice(samples.row(cands[best]));
        seeder.accept(samples, best);
    }
    centers
}

/// The state of a seeding: nearest-center distances, their weighted scores, and scratch for
/// evaluating a set of candidates.
struct Seeder<F> {
    x_norms: Vec<F>,
    /// `D(x_i)²`.
    closest: Vec<f64>,
    /// `w_i D(x_i)²`.
    scores: Vec<f64>,
    /// `Σ_{i ∈ leaf} w_i D(x_i)²`, per leaf.
    leaf_scores: Vec<f64>,
    /// `Σ_i w_i D(x_i)²`, summed in leaf order.
    potential: f64,
    /// Squared distances from every row to the candidates, `n × t`.
    cand_dist: Vec<F>,
    /// Per-leaf partial potentials of the candidates, `leaves × t`.
    leaf_pots: Vec<f64>,
    cand_rows: Vec<F>,
    cand_norms: Vec<F>,
    n_cands: usize,
}

impl<F: Float> Seeder<F> {
    fn new(samples: &Samples<'_, F>, trials: usize) -> Self {
        let (n, d) = (samples.n_samples(), samples.n_features());
        let mut x_norms = vec![F::zero(); n];
        x_norms
            .par_chunks_mut(LEAF_ROWS)
            .zip(samples.points().par_chunks(LEAF_ROWS * d))
            .for_each(|(out, x)| row_sq_norms(x, d, out));
        Seeder {
            x_norms,
            closest: vec![f64::INFINITY; n],
            scores: vec![0.0; n],
            leaf_scores: vec![0.0; n_leaves(n)],
            potential: 0.0,
            cand_dist: vec![F::zero(); n * trials],
            leaf_pots: vec![0.0; n_leaves(n) * trials],
            cand_rows: Vec::with_capacity(trials * d),
            cand_norms: vec![F::zero(); trials],
            n_cands: 0,
        }
    }

    /// Computes every row's squared distance to each candidate (rows `cands` of the data) and
    /// returns the potential `Σ_i w_i min(D(x_i)², d_ic)` of each.
    fn evaluate(&mut self, samples: &Samples<'_, F>, cands: &[usize]) -> Vec<f64> {
        let (n, d) = (samples.n_samples(), samples.n_features());
        let t = cands.len();
        self.n_cands = t;
        self.cand_rows.clear();
        for &c in cands {
            self.cand_rows.extend_from_slice(samples.row(c));
        }
        row_sq_norms(&self.cand_rows, d, &mut self.cand_norms[..t]);

        let (cand, cn, xn, closest) = (
            &self.cand_rows[..],
            &self.cand_norms[..t],
            &self.x_norms[..],
            &self.closest[..],
        );
        self.cand_dist[..n * t]
            .par_chunks_mut(LEAF_ROWS * t)
            .zip(self.leaf_pots.par_chunks_mut(t))
            .enumerate()
            .for_each(|(l, (dist, pots))| {
                let rows = leaf_range(l, n);
                let x = &samples.points()[rows.start * d..rows.end * d];
                leaf_distances(x, &xn[rows.clone()], cand, cn, d, dist);
                let w = samples.weights().map(|w| &w[rows.clone()]);
                let m = rows.len();
                for (p, row) in pots.iter_mut().zip(dist.chunks_exact(m)) {
                    *p = weighted_min_sum(row, &closest[rows.clone()], w);
                }
            });

        let mut total = vec![0.0; t];
        for pots in self.leaf_pots.chunks_exact(t) {
            for (a, b) in total.iter_mut().zip(pots) {
                *a += b;
            }
        }
        total
    }

    /// Makes candidate `c` of the last [`evaluate`](Self::evaluate) a center.
    fn accept(&mut self, samples: &Samples<'_, F>, c: usize) {
        let n = samples.n_samples();
        let t = self.n_cands;
        let dist = &self.cand_dist[..n * t];
        self.closest
            .par_chunks_mut(LEAF_ROWS)
            .zip(self.scores.par_chunks_mut(LEAF_ROWS))
            .zip(self.leaf_scores.par_iter_mut())
            .enumerate()
            .for_each(|(l, ((closest, scores), leaf_score))| {
                let rows = leaf_range(l, n);
                *leaf_score = 0.0;
                let m = rows.len();
                let mine = &dist[rows.start * t + c * m..rows.start * t + (c + 1) * m];
                for (((i, cl), s), v) in rows
                    .zip(closest.iter_mut())
                    .zip(scores.iter_mut())
                    .zip(mine)
                {
                    *cl = cl.min(v.to_f64_lossless());
                    *s = samples.weight(i) * *cl;
                    *leaf_score += *s;
                }
            });
        self.potential = self.leaf_scores.iter().sum();
    }
}

/// Squared distances from the `m` rows of `x` to the `t` candidates, candidate-major:
/// `out[c·m + r] = ‖x_r − cand_c‖²`. For `d > DIRECT_MAX_DIM` [`few_dots`] gives the dot
/// products (a GEMM's packing costs more than the products, with so few candidates) and the
/// expanded form is completed in the same pass, a value within rounding of zero being recomputed
/// exactly; otherwise a direct sum in `F`, as [`tile_sq_distances`] does.
fn leaf_distances<F: Float>(
    x: &[F],
    x_norms: &[F],
    cand: &[F],
    c_norms: &[F],
    d: usize,
    out: &mut [F],
) {
    let m = x_norms.len();
    if d <= DIRECT_MAX_DIM {
        for (c, row) in cand.chunks_exact(d).zip(out.chunks_exact_mut(m)) {
            for (o, xi) in row.iter_mut().zip(x.chunks_exact(d)) {
                let mut s = F::zero();
                for (a, b) in xi.iter().zip(c) {
                    let t = *a - *b;
                    s += t * t;
                }
                *o = s;
            }
        }
        return;
    }
    few_dots(x, cand, d, out);
    let two = F::one() + F::one();
    let slack = F::from_f64_round(64.0) * F::epsilon();
    for ((c, row), &cn) in cand
        .chunks_exact(d)
        .zip(out.chunks_exact_mut(m))
        .zip(c_norms)
    {
        for (r, (o, &xn)) in row.iter_mut().zip(x_norms).enumerate() {
            let v = xn + cn - two * *o;
            *o = if v <= slack * (xn + cn) {
                F::from_f64_round(sq_euclidean(&x[r * d..(r + 1) * d], c))
            } else {
                v
            };
        }
    }
}

/// `Σ_r w_r min(closest_r, dist_r)` with four interleaved partial sums, in a fixed order.
fn weighted_min_sum<F: Float>(dist: &[F], closest: &[f64], w: Option<&[f64]>) -> f64 {
    let mut acc = [0.0f64; 4];
    let (dc, cc) = (dist.chunks_exact(4), closest.chunks_exact(4));
    let (dr, cr) = (dc.remainder(), cc.remainder());
    match w {
        None => {
            for (dv, cv) in dc.zip(cc) {
                for j in 0..4 {
                    acc[j] += cv[j].min(dv[j].to_f64_lossless());
                }
            }
        }
        Some(w) => {
            for ((dv, cv), wv) in dc.zip(cc).zip(w.chunks_exact(4)) {
                for j in 0..4 {
                    acc[j] += wv[j] * cv[j].min(dv[j].to_f64_lossless());
                }
            }
        }
    }
    let base = dist.len() - dr.len();
    for (j, (v, c)) in dr.iter().zip(cr).enumerate() {
        acc[j] += w.map_or(1.0, |w| w[base + j]) * c.min(v.to_f64_lossless());
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

/// Replaces tile values within rounding of zero by direct sums (see [`kmeans_plus_plus`]).
pub(super) fn exact_near_zero<F: Float>(
    tile: &mut [F],
    x: &[F],
    x_norms: &[F],
    centers: &[F],
    c_norms: &[F],
    d: usize,
) {
    let t = c_norms.len();
    let slack = F::from_f64_round(64.0) * F::epsilon();
    for (r, row) in tile.chunks_exact_mut(t).enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            if *v <= slack * (x_norms[r] + c_norms[c]) {
                let exact = sq_euclidean(&x[r * d..(r + 1) * d], &centers[c * d..(c + 1) * d]);
                *v = F::from_f64_round(exact);
            }
        }
    }
}

/// Draws index `i` with probability `scores[i] / total`: a scan of the per-leaf sums finds the
/// leaf, a scan of its running sum the row. Falls back to the last row with a positive score
/// when rounding leaves the target beyond the sum.
fn draw(scores: &[f64], leaf_scores: &[f64], total: f64, rng: &mut Rng) -> usize {
    let n = scores.len();
    let target = rng.uniform() * total;
    let mut acc = 0.0;
    for (l, &s) in leaf_scores.iter().enumerate() {
        if acc + s > target {
            let mut last_positive = None;
            for i in leaf_range(l, n) {
                if scores[i] > 0.0 {
                    acc += scores[i];
                    last_positive = Some(i);
                    if acc > target {
                        return i;
                    }
                }
            }
            if let Some(i) = last_positive {
                return i;
            }
        } else {
            acc += s;
        }
    }
    (0..n).rev().find(|&i| scores[i] > 0.0).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn picks_distinct_rows_even_with_duplicates() {
        let x = array![
            [0.0, 0.0],
            [0.0, 0.0],
            [0.0, 0.0],
            [1.0, 1.0],
            [1.0, 1.0],
            [5.0, 5.0]
        ];
        let s = Samples::new(x.view(), None).unwrap();
        for seed in 0..50 {
            let c = kmeans_plus_plus(&s, 3, &mut Rng::new(seed));
            let rows: Vec<&[f64]> = c.chunks(2).collect();
            assert!(
                rows[0] != rows[1] && rows[1] != rows[2] && rows[0] != rows[2],
                "{c:?}"
            );
        }
    }

    #[test]
    fn duplicates_are_never_drawn_twice_on_the_gemm_path() {
        // 12 dimensions, far from the origin: the expanded form's rounding is largest here.
        let mut rng = Rng::new(2);
        let base: Vec<Vec<f32>> = (0..4)
            .map(|_| (0..12).map(|_| 1000.0 + rng.normal() as f32).collect())
            .collect();
        let x = ndarray::Array2::from_shape_fn((400, 12), |(i, j)| base[i % 4][j]);
        let s = Samples::new(x.view(), None).unwrap();
        for seed in 0..20 {
            let c = kmeans_plus_plus(&s, 4, &mut Rng::new(seed));
            let mut rows: Vec<&[f32]> = c.chunks(12).collect();
            rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
            rows.dedup();
            assert_eq!(rows.len(), 4, "seed {seed}");
        }
    }

    #[test]
    fn zero_weight_rows_are_never_chosen() {
        let x = array![[0.0], [1.0], [2.0], [100.0]];
        let w = [1.0, 1.0, 1.0, 0.0];
        let s = Samples::new(x.view(), Some(&w)).unwrap();
        for seed in 0..50 {
            let c = kmeans_plus_plus(&s, 3, &mut Rng::new(seed));
            assert!(!c.contains(&100.0));
        }
    }

    #[test]
    fn spreads_centers_over_separated_groups() {
        let mut rng = Rng::new(4);
        let x = ndarray::Array2::from_shape_fn((300, 2), |(i, _)| {
            (i % 3) as f64 * 100.0 + rng.normal()
        });
        let s = Samples::new(x.view(), None).unwrap();
        let c = kmeans_plus_plus(&s, 3, &mut Rng::new(1));
        let mut groups: Vec<i64> = c.chunks(2).map(|r| (r[0] / 100.0).round() as i64).collect();
        groups.sort_unstable();
        assert_eq!(groups, vec![0, 1, 2]);
    }

    #[test]
    fn the_draw_matches_a_plain_scan_of_the_running_sum() {
        let n = 3 * LEAF_ROWS + 17;
        let mut rng = Rng::new(8);
        let scores: Vec<f64> = (0..n)
            .map(|i| if i % 5 == 0 { 0.0 } else { rng.uniform() })
            .collect();
        let leaves: Vec<f64> = (0..n_leaves(n))
            .map(|l| leaf_range(l, n).map(|i| scores[i]).sum())
            .collect();
        let total: f64 = leaves.iter().sum();
        for seed in 0..200 {
            let got = draw(&scores, &leaves, total, &mut Rng::new(seed));
            let target = Rng::new(seed).uniform() * total;
            let mut acc = 0.0;
            let want = (0..n)
                .find(|&i| {
                    acc += scores[i];
                    acc > target
                })
                .unwrap();
            // Summation order differs only by rounding: the pick is the row or a neighbour.
            assert!(
                got.abs_diff(want) <= 1 && scores[got] > 0.0,
                "{got} vs {want}"
            );
        }
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let mut rng = Rng::new(5);
        let x = ndarray::Array2::from_shape_fn((3 * LEAF_ROWS + 5, 16), |_| rng.normal() as f32);
        let s = Samples::new(x.view(), None).unwrap();
        let run = |t| {
            crate::parallel::Threads(t)
                .install(|| kmeans_plus_plus(&s, 9, &mut Rng::new(3)))
                .unwrap()
        };
        assert_eq!(run(1), run(3));
    }
}
