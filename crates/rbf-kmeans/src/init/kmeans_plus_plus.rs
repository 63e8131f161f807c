//! Greedy k-means++ seeding.

use rayon::prelude::*;

use crate::data::Samples;
use crate::distance::sq_euclidean;
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves};
use crate::rng::Rng;

/// Greedy k-means++ (Arthur and Vassilvitskii 2007, with the local trials of scikit-learn's
/// variant): the first center is a row drawn with probability proportional to its weight; each
/// further center is the best of `2 + ⌊ln k⌋` candidates drawn with probability proportional to
/// `w_i D(x_i)²`, where `D` is the distance to the nearest center so far; "best" means the
/// candidate that leaves the smallest potential `Σ_i w_i D(x_i)²`.
///
/// Distances are computed exactly (direct sums), so a row equal to a chosen center has potential
/// exactly zero and is never drawn again: the centers are distinct whenever the data has `k`
/// distinct rows of positive weight. Potentials are reduced over fixed leaves in leaf order, so
/// the result does not depend on the thread count.
///
/// Costs `O(n·k·d·(2 + ln k))`.
pub fn kmeans_plus_plus<F: Float>(samples: &Samples<'_, F>, k: usize, rng: &mut Rng) -> Vec<F> {
    let n = samples.n_samples();
    let d = samples.n_features();
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers: Vec<F> = Vec::with_capacity(k * d);

    let weights: Vec<f64> = (0..n).map(|i| samples.weight(i)).collect();
    let first = sample_index(&weights, samples.total_weight(), rng);
    centers.extend_from_slice(samples.row(first));

    let mut closest: Vec<f64> =
        par_map_rows(n, |i| sq_euclidean(samples.row(i), samples.row(first)));
    let mut potential = weighted_total(&closest, samples);

    let mut scores: Vec<f64> = closest.iter().zip(&weights).map(|(c, w)| c * w).collect();
    for _ in 1..k {
        let mut best: Option<(f64, usize, Vec<f64>)> = None;
        for _ in 0..trials {
            let cand = sample_index(&scores, potential, rng);
            let cand_row = samples.row(cand);
            let dist: Vec<f64> = par_map_rows(n, |i| {
                closest[i].min(sq_euclidean(samples.row(i), cand_row))
            });
            let pot = weighted_total(&dist, samples);
            if best.as_ref().is_none_or(|b| pot < b.0) {
                best = Some((pot, cand, dist));
            }
        }
        let (pot, cand, dist) = best.expect("at least two trials");
        centers.extend_from_slice(samples.row(cand));
        closest = dist;
        potential = pot;
        scores = closest.iter().zip(&weights).map(|(c, w)| c * w).collect();
    }
    centers
}

/// `f(i)` for every row, in parallel over fixed leaves.
fn par_map_rows(n: usize, f: impl Fn(usize) -> f64 + Sync) -> Vec<f64> {
    let mut out = vec![0.0; n];
    out.par_chunks_mut(crate::parallel::LEAF_ROWS)
        .enumerate()
        .for_each(|(l, chunk)| {
            for (o, i) in chunk.iter_mut().zip(leaf_range(l, n)) {
                *o = f(i);
            }
        });
    out
}

/// `Σ_i w_i v_i`, summed per leaf and then in leaf order.
fn weighted_total<F: Float>(v: &[f64], samples: &Samples<'_, F>) -> f64 {
    let n = v.len();
    let partial: Vec<f64> = (0..n_leaves(n))
        .into_par_iter()
        .map(|l| {
            leaf_range(l, n)
                .map(|i| samples.weight(i) * v[i])
                .sum::<f64>()
        })
        .collect();
    partial.iter().sum()
}

/// Draws index `i` with probability `scores[i] / total` by a scan of the running sum. Falls back
/// to the last index with a positive score when rounding leaves the target beyond the sum.
fn sample_index(scores: &[f64], total: f64, rng: &mut Rng) -> usize {
    let target = rng.uniform() * total;
    let mut acc = 0.0;
    let mut last_positive = 0;
    for (i, &s) in scores.iter().enumerate() {
        if s > 0.0 {
            acc += s;
            last_positive = i;
            if acc > target {
                return i;
            }
        }
    }
    last_positive
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
}
