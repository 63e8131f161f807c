//! k-means|| seeding: a few rounds of oversampling, then k-means++ on the weighted candidates.

use rayon::prelude::*;

use super::kmeans_plus_plus::{exact_near_zero, kmeans_plus_plus};
use crate::data::Samples;
use crate::distance::{row_sq_norms, tile_sq_distances, DIRECT_MAX_DIM};
use crate::float::Float;
use crate::parallel::{leaf_range, n_leaves, LEAF_ROWS};
use crate::rng::Rng;

/// Sampling rounds `r`: Bahmani et al. find 5 rounds enough in practice.
pub const ROUNDS: usize = 5;

/// Rows per distance tile inside a leaf.
const TILE_ROWS: usize = 256;

/// k-means|| (Bahmani, Moseley, Vattani, Kumar and Vassilvitskii, "Scalable K-Means++", VLDB
/// 2012), with oversampling factor `ℓ = 2k` and `ROUNDS` (5) rounds.
///
/// The first candidate is a row drawn with probability proportional to its weight. Each round
/// then keeps every row independently with probability `min(1, ℓ w_i D(x_i)² / ψ)`, where `D` is
/// the distance to the nearest candidate so far and `ψ = Σ_i w_i D(x_i)²`, so about `ℓ` rows per
/// round join the candidates. Each candidate `c` gets the weight `Σ_{i: nearest(i) = c} w_i` of
/// the rows nearest to it (ties to the earlier candidate), and the `k` centers are chosen by
/// weighted greedy [`kmeans_plus_plus`] on the roughly `1 + rℓ` weighted candidates. Rows with
/// zero weight are never candidates.
///
/// If the candidates hold fewer than `k` distinct rows of positive weight (tiny or highly
/// duplicated data), k-means++ runs on all rows instead.
///
/// Each round's Bernoulli draws use a generator forked per leaf of rows, and all sums are taken
/// per leaf and then in leaf order, so the result does not depend on the thread count. Costs
/// `O(n·d·r·ℓ)` flops in GEMM form (`r` passes over the data instead of k-means++'s `k`).
pub fn kmeans_parallel<F: Float>(samples: &Samples<'_, F>, k: usize, rng: &mut Rng) -> Vec<F> {
    let (n, d) = (samples.n_samples(), samples.n_features());
    let oversampling = 2.0 * k as f64;

    let mut x_norms = vec![F::zero(); n];
    x_norms
        .par_chunks_mut(LEAF_ROWS)
        .zip(samples.points().par_chunks(LEAF_ROWS * d))
        .for_each(|(out, x)| row_sq_norms(x, d, out));
    let mut closest = vec![f64::INFINITY; n];
    let mut nearest = vec![usize::MAX; n];

    let first = draw_by_weight(samples, rng);
    let mut cands = vec![first];
    let mut potential = absorb(samples, &x_norms, &cands, 0, &mut closest, &mut nearest);

    for round in 0..ROUNDS {
        if potential <= 0.0 {
            break;
        }
        let round_rng = rng.fork(round as u64);
        let picked: Vec<Vec<usize>> = (0..n_leaves(n))
            .into_par_iter()
            .map(|l| {
                let mut leaf_rng = round_rng.fork(l as u64);
                leaf_range(l, n)
                    .filter(|&i| {
                        let p = oversampling * samples.weight(i) * closest[i] / potential;
                        p > 0.0 && leaf_rng.uniform() < p
                    })
                    .collect()
            })
            .collect();
        let start = cands.len();
        cands.extend(picked.into_iter().flatten());
        if cands.len() > start {
            potential = absorb(samples, &x_norms, &cands, start, &mut closest, &mut nearest);
        }
    }

    let weights = candidate_weights(samples, &nearest, cands.len());
    let mut rows = Vec::with_capacity(cands.len() * d);
    for &c in &cands {
        rows.extend_from_slice(samples.row(c));
    }
    let view = ndarray::ArrayView2::from_shape((cands.len(), d), &rows).expect("c × d");
    let mut reduce_rng = rng.fork(ROUNDS as u64);
    match Samples::new(view, Some(&weights)) {
        Ok(cand) if cand.count_distinct(k) >= k => kmeans_plus_plus(&cand, k, &mut reduce_rng),
        _ => kmeans_plus_plus(samples, k, &mut reduce_rng),
    }
}

/// A row drawn with probability proportional to its weight.
fn draw_by_weight<F: Float>(samples: &Samples<'_, F>, rng: &mut Rng) -> usize {
    let target = rng.uniform() * samples.total_weight();
    let mut acc = 0.0;
    let mut last_positive = 0;
    for i in 0..samples.n_samples() {
        let w = samples.weight(i);
        if w > 0.0 {
            acc += w;
            last_positive = i;
            if acc > target {
                return i;
            }
        }
    }
    last_positive
}

/// Lowers `closest` and updates `nearest` with the candidates `cands[start..]`, and returns the
/// new potential `Σ_i w_i D(x_i)²`.
fn absorb<F: Float>(
    samples: &Samples<'_, F>,
    x_norms: &[F],
    cands: &[usize],
    start: usize,
    closest: &mut [f64],
    nearest: &mut [usize],
) -> f64 {
    let (n, d) = (samples.n_samples(), samples.n_features());
    let new = &cands[start..];
    let t = new.len();
    let mut rows = Vec::with_capacity(t * d);
    for &c in new {
        rows.extend_from_slice(samples.row(c));
    }
    let mut norms = vec![F::zero(); t];
    row_sq_norms(&rows, d, &mut norms);

    let partial: Vec<f64> = closest
        .par_chunks_mut(LEAF_ROWS)
        .zip(nearest.par_chunks_mut(LEAF_ROWS))
        .enumerate()
        .map(|(l, (closest, nearest))| {
            let range = leaf_range(l, n);
            let mut tile = vec![F::zero(); TILE_ROWS * t];
            let mut pot = 0.0;
            let mut s = range.start;
            while s < range.end {
                let e = (s + TILE_ROWS).min(range.end);
                let x = &samples.points()[s * d..e * d];
                let tile = &mut tile[..(e - s) * t];
                tile_sq_distances(x, &x_norms[s..e], &rows, &norms, d, tile);
                if d > DIRECT_MAX_DIM {
                    exact_near_zero(tile, x, &x_norms[s..e], &rows, &norms, d);
                }
                for (r, dist) in tile.chunks_exact(t).enumerate() {
                    let i = s + r;
                    let (cl, ne) = (&mut closest[i - range.start], &mut nearest[i - range.start]);
                    for (c, v) in dist.iter().enumerate() {
                        let v = v.to_f64_lossless();
                        if v < *cl {
                            *cl = v;
                            *ne = start + c;
                        }
                    }
                    pot += samples.weight(i) * *cl;
                }
                s = e;
            }
            pot
        })
        .collect();
    partial.iter().sum()
}

/// `W_c = Σ_{i: nearest(i) = c} w_i` for each of `m` candidates, per leaf then in leaf order.
fn candidate_weights<F: Float>(samples: &Samples<'_, F>, nearest: &[usize], m: usize) -> Vec<f64> {
    let n = samples.n_samples();
    let partial: Vec<Vec<f64>> = (0..n_leaves(n))
        .into_par_iter()
        .map(|l| {
            let mut w = vec![0.0; m];
            for i in leaf_range(l, n) {
                w[nearest[i]] += samples.weight(i);
            }
            w
        })
        .collect();
    let mut total = vec![0.0; m];
    for w in partial {
        for (a, b) in total.iter_mut().zip(w) {
            *a += b;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parallel::Threads;

    fn groups(n: usize, d: usize, g: usize, seed: u64) -> ndarray::Array2<f32> {
        let mut rng = Rng::new(seed);
        ndarray::Array2::from_shape_fn((n, d), |(i, j)| {
            ((i % g) * 50 + j) as f32 + rng.normal() as f32
        })
    }

    fn distinct(c: &[f32], d: usize) -> usize {
        let mut rows: Vec<&[f32]> = c.chunks(d).collect();
        rows.sort_by(|a, b| a.partial_cmp(b).unwrap());
        rows.dedup();
        rows.len()
    }

    #[test]
    fn returns_k_distinct_centers_one_per_separated_group() {
        let x = groups(3 * LEAF_ROWS + 11, 12, 10, 1);
        let s = Samples::new(x.view(), None).unwrap();
        for seed in 0..5 {
            let c = kmeans_parallel(&s, 10, &mut Rng::new(seed));
            assert_eq!(distinct(&c, 12), 10);
            let mut g: Vec<usize> = c
                .chunks(12)
                .map(|r| (r[0] / 50.0).round() as usize)
                .collect();
            g.sort_unstable();
            assert_eq!(g, (0..10).collect::<Vec<_>>(), "seed {seed}");
        }
    }

    #[test]
    fn deterministic_for_any_thread_count() {
        let x = groups(5 * LEAF_ROWS, 4, 7, 2);
        let s = Samples::new(x.view(), None).unwrap();
        let run = |t| {
            Threads(t)
                .install(|| kmeans_parallel(&s, 7, &mut Rng::new(9)))
                .unwrap()
        };
        let a = run(1);
        assert_eq!(a, run(2));
        assert_eq!(a, run(3));
    }

    #[test]
    fn weights_are_respected() {
        // Zero-weight rows far away are never chosen; with them weighted they are.
        let mut x = groups(400, 2, 2, 3);
        for i in 0..10 {
            x.row_mut(i).fill(1e4);
        }
        let mut w = vec![1.0; 400];
        w[..10].iter_mut().for_each(|v| *v = 0.0);
        let s = Samples::new(x.view(), Some(&w)).unwrap();
        for seed in 0..10 {
            let c = kmeans_parallel(&s, 3, &mut Rng::new(seed));
            assert!(!c.contains(&1e4), "seed {seed}: {c:?}");
        }
        w[..10].iter_mut().for_each(|v| *v = 1.0);
        let s = Samples::new(x.view(), Some(&w)).unwrap();
        let c = kmeans_parallel(&s, 3, &mut Rng::new(0));
        assert!(c.contains(&1e4), "{c:?}");
    }

    #[test]
    fn tiny_and_duplicated_data_fall_back_to_kmeans_plus_plus() {
        let x = ndarray::array![[0.0f32, 0.0], [0.0, 0.0], [1.0, 0.0], [2.0, 0.0]];
        let s = Samples::new(x.view(), None).unwrap();
        for seed in 0..20 {
            let c = kmeans_parallel(&s, 3, &mut Rng::new(seed));
            assert_eq!(distinct(&c, 2), 3, "seed {seed}");
        }
    }
}
