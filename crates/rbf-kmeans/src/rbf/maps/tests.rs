//! Properties every map must have, checked across maps, precisions and temperatures.

use super::*;
use crate::rng::Rng;

/// Every map that must be numerically robust (all but the naive softmax).
const ROBUST: [Map; 7] = [
    Map::Softmax,
    Map::Entmax15,
    Map::Sparsemax,
    Map::Entmax { alpha: 1.5 },
    Map::Entmax { alpha: 1.2 },
    Map::Entmax { alpha: 2.0 },
    Map::Hard,
];

fn dense<F: Float>(map: Map, dist: &[F], sigma: f64) -> Vec<F> {
    let mut out = vec![F::zero(); dist.len()];
    map.responsibilities(dist, sigma, &mut out);
    out
}

fn temperatures() -> impl Iterator<Item = f64> {
    (-30..=30).map(|e| 10f64.powi(e))
}

fn random_row(rng: &mut Rng, k: usize, scale: f64) -> Vec<f64> {
    (0..k).map(|_| scale * rng.uniform()).collect()
}

fn argmin(dist: &[f64]) -> usize {
    support::row_min(dist).0
}

/// Hard rows: ties, a zero distance, `K = 1`, huge distances, and random ones.
fn hard_rows() -> Vec<Vec<f64>> {
    let mut rng = Rng::new(1);
    vec![
        vec![1.0, 1.0, 1.0],
        vec![2.0, 0.5, 0.5, 7.0],
        vec![0.0, 3.0, 5.0],
        vec![0.0, 0.0],
        vec![7.0],
        vec![0.0],
        vec![1e30, 3e30, 1e35],
        vec![1e38, 3e38, 0.0],
        random_row(&mut rng, 50, 100.0),
        random_row(&mut rng, 5, 1e-6),
    ]
}

fn check_row<F: Float>(map: Map, dist: &[F], sigma: f64, tol: f64) {
    let r = dense(map, dist, sigma);
    let context = format!("{map} {} sigma={sigma:e} dist={dist:?} r={r:?}", F::NAME);
    assert!(
        r.iter().all(|x| x.is_finite() && *x >= F::zero()),
        "{context}"
    );
    let sum: f64 = r.iter().map(|x| x.to_f64_lossless()).sum();
    assert!((sum - 1.0).abs() <= tol, "{context}: sum {sum}");
    assert!(map.soft_min(dist, sigma).is_finite(), "{context}: soft_min");
    assert!(map.regulariser(&r).is_finite(), "{context}: regulariser");

    let (mut idx, mut val) = (Vec::new(), Vec::new());
    map.sparse_responsibilities(dist, sigma, &mut idx, &mut val);
    let mut scattered = vec![F::zero(); dist.len()];
    for (&k, &v) in idx.iter().zip(&val) {
        scattered[k] = v;
    }
    assert_eq!(scattered, r, "{context}: sparse forward");
    assert!(idx.windows(2).all(|w| w[0] < w[1]), "{context}: order");
}

#[test]
fn outputs_are_finite_and_on_the_simplex_at_any_temperature() {
    for map in ROBUST {
        for row in hard_rows() {
            let row32: Vec<f32> = row.iter().map(|&x| x as f32).collect();
            for sigma in temperatures() {
                check_row(map, &row, sigma, 1e-12);
                check_row(map, &row32, sigma, 1e-5);
            }
        }
        for sigma in [1e-30, 1.0, 1e30] {
            check_row(map, &[1e300, 1e308, f64::MAX, 0.5e308], sigma, 1e-12);
        }
    }
}

#[test]
fn sparse_forward_equals_dense_forward() {
    let mut rng = Rng::new(2);
    let (mut idx, mut val) = (Vec::new(), Vec::new());
    for map in ROBUST {
        for _ in 0..200 {
            let k = 1 + rng.below(20);
            let mut row = random_row(&mut rng, k, 10.0);
            if k > 2 {
                row[k - 1] = row[0];
            }
            check_row(map, &row, 10f64.powf(-2.0 + 4.0 * rng.uniform()), 1e-12);
        }

        // K = 1000 with one point near three centers: the support is tiny.
        let mut row = random_row(&mut rng, 1000, 100.0);
        for x in row.iter_mut() {
            *x += 10.0;
        }
        row[417] = 1.0;
        row[3] = 1.2;
        row[999] = 1.4;
        check_row(map, &row, 0.5, 1e-12);
        map.sparse_responsibilities(&row, 0.5, &mut idx, &mut val);
        if map.is_sparse() {
            assert!(!idx.is_empty() && idx.len() <= 3, "{map}: {idx:?}");
        }
    }
}

#[test]
fn threshold_maps_are_exactly_one_hot_at_and_below_their_threshold() {
    // Claim 3 (THEORY.md): one-hot iff σ ≤ (α−1)Δ.
    let mut rng = Rng::new(3);
    let maps = [
        Map::Entmax15,
        Map::Sparsemax,
        Map::Entmax { alpha: 1.3 },
        Map::Entmax { alpha: 2.0 },
    ];
    for map in maps {
        for _ in 0..100 {
            let k = 2 + rng.below(10);
            let mut row = random_row(&mut rng, k, 10.0);
            let a = argmin(&row);
            let gap = row
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != a)
                .map(|(_, &d)| d - row[a])
                .fold(f64::INFINITY, f64::min);
            if gap < 1e-3 {
                continue;
            }
            let threshold = map.one_hot_temperature(gap);

            let below = dense(map, &row, threshold * (1.0 - 1e-12));
            for (j, &x) in below.iter().enumerate() {
                assert_eq!(x, if j == a { 1.0 } else { 0.0 }, "{map} {row:?}");
            }

            // Every entry at the second smallest distance gets a positive weight just above. It
            // grows like (σ/threshold − 1)^{1/(α−1)}, about 1e-20 for α = 1.3, so r[argmin]
            // still rounds to 1 there.
            let above = dense(map, &row, threshold * (1.0 + 1e-6));
            for (j, &d) in row.iter().enumerate() {
                if j != a && d - row[a] == gap {
                    assert!(above[j] > 0.0, "{map} {row:?}: {above:?}");
                }
            }

            // Exactly at the threshold the runner-up sits on the boundary with weight 0. Only
            // where the threshold is computed without rounding (α = 1.5, 2 and a gap of 2).
            if matches!(
                map,
                Map::Entmax15 | Map::Sparsemax | Map::Entmax { alpha: 2.0 }
            ) {
                for d in row.iter_mut() {
                    *d = d.max(3.0);
                }
                row[a] = 1.0;
                row[(a + 1) % k] = 3.0;
                let at = dense(map, &row, map.one_hot_temperature(2.0));
                for (j, &x) in at.iter().enumerate() {
                    assert_eq!(x, if j == a { 1.0 } else { 0.0 }, "{map} at the threshold");
                }
            }
        }
    }
}

#[test]
fn the_two_cluster_threshold_is_sharp() {
    // d = [0, Δ] with Δ = 1: halved shifted logits 0 and −Δ/(2σ); the runner-up is positive
    // iff Δ/(2σ) < 1. Sparsemax: iff Δ/σ < 1.
    let row = [0.0f64, 1.0];
    let r = dense(Map::Entmax15, &row, 0.5);
    assert_eq!(r, vec![1.0, 0.0]);
    let r = dense(Map::Entmax15, &row, 0.505);
    assert!(r[1] > 0.0 && r[1] < 1e-4, "{r:?}");
    let r = dense(Map::Sparsemax, &row, 1.0);
    assert_eq!(r, vec![1.0, 0.0]);
    let r = dense(Map::Sparsemax, &row, 1.01);
    assert!(r[1] > 0.0, "{r:?}");
}

#[test]
fn naive_softmax_fails_at_low_temperature_and_stable_maps_do_not() {
    // Claim 4: every exp(−d/σ) underflows, 0/0.
    let row = [1e3f64, 2e3];
    let naive = dense(Map::SoftmaxNaive, &row, 1e-3);
    assert!(naive.iter().all(|x| x.is_nan()), "{naive:?}");
    assert_eq!(Map::SoftmaxNaive.soft_min(&row, 1e-3), f64::INFINITY);
    assert_eq!(dense(Map::Softmax, &row, 1e-3), vec![1.0, 0.0]);
    assert_eq!(dense(Map::Entmax15, &row, 1e-3), vec![1.0, 0.0]);
    let row32 = [1e3f32, 2e3];
    assert!(dense(Map::SoftmaxNaive, &row32, 1e-3)[0].is_nan());
    assert_eq!(dense(Map::Softmax, &row32, 1e-3), vec![1.0, 0.0]);
}

#[test]
fn entmax15_keeps_the_voronoi_assignment_at_every_temperature() {
    // Claim 4: the nearest center keeps the largest weight. Where the scaled logits differ by
    // less than f64 resolves (σ ≫ d), the top weights round to ties, so the test asks that
    // r[argmin d] is a maximum and that it is the unique one whenever σ ≤ 1e3·max d.
    let mut rng = Rng::new(4);
    for _ in 0..50 {
        let k = 2 + rng.below(20);
        let row = random_row(&mut rng, k, 10.0);
        let a = argmin(&row);
        for sigma in temperatures() {
            let r = dense(Map::Entmax15, &row, sigma);
            let top = r.iter().cloned().fold(0.0, f64::max);
            assert_eq!(r[a], top, "sigma {sigma:e}");
            if sigma <= 1e3 {
                let unique = r.iter().filter(|&&x| x == top).count() == 1;
                let tied = row.iter().filter(|&&d| d == row[a]).count() > 1;
                assert!(unique || tied, "sigma {sigma:e}: {r:?}");
            }
        }
    }
}

#[test]
fn entmax_tends_to_softmax_as_alpha_tends_to_one() {
    let mut rng = Rng::new(5);
    for _ in 0..50 {
        let k = 1 + rng.below(10);
        let row = random_row(&mut rng, k, 5.0);
        let soft = dense(Map::Softmax, &row, 1.0);
        let near = dense(Map::Entmax { alpha: 1.001 }, &row, 1.0);
        for (a, b) in soft.iter().zip(&near) {
            assert!((a - b).abs() < 1e-2, "{soft:?} vs {near:?}");
        }
    }
}

#[test]
fn sort_based_maps_match_bisection_at_alpha_one_and_a_half_and_two() {
    let mut rng = Rng::new(6);
    let pairs = [
        (Map::Entmax15, Map::Entmax { alpha: 1.5 }),
        (Map::Sparsemax, Map::Entmax { alpha: 2.0 }),
    ];
    for (exact, bisect) in pairs {
        for _ in 0..300 {
            let k = 1 + rng.below(30);
            let row = random_row(&mut rng, k, 10.0);
            let sigma = 10f64.powf(-2.0 + 4.0 * rng.uniform());
            let (a, b) = (dense(exact, &row, sigma), dense(bisect, &row, sigma));
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() <= 1e-10, "{exact}: {a:?} vs {b:?}");
            }
        }
    }
}

/// `∂(uᵀρ(z))/∂z` by central differences, with `σ = 1` so that `z = −d`.
fn numeric_vjp(map: Map, dist: &[f64], u: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    let loss = |d: &[f64]| -> f64 { dense(map, d, 1.0).iter().zip(u).map(|(r, u)| r * u).sum() };
    (0..dist.len())
        .map(|j| {
            let (mut plus, mut minus) = (dist.to_vec(), dist.to_vec());
            plus[j] += h;
            minus[j] -= h;
            -(loss(&plus) - loss(&minus)) / (2.0 * h)
        })
        .collect()
}

/// Whether some entry sits within `margin` of the support boundary, where the map has a kink.
fn near_a_kink(map: Map, dist: &[f64], margin: f64) -> bool {
    let mut cand = Vec::new();
    let (_, d_min) = support::row_min(dist);
    let t = match map.solve(dist, 1.0, &mut cand) {
        Solved::Threshold(t) => t,
        Solved::OneHot(_) | Solved::Gibbs(_) => return false,
    };
    dist.iter()
        .any(|&d| (support::scaled_logit(d, d_min, t.width) - t.tau).abs() < margin)
}

#[test]
fn vjps_match_finite_differences() {
    let mut rng = Rng::new(7);
    for map in ROBUST.iter().copied().chain([Map::SoftmaxNaive]) {
        let mut tested = 0;
        while tested < 40 {
            let k = 1 + rng.below(8);
            let row: Vec<f64> = (0..k).map(|_| 0.5 + 1.5 * rng.uniform()).collect();
            if near_a_kink(map, &row, 1e-3) {
                continue;
            }
            let u: Vec<f64> = (0..k).map(|_| rng.normal()).collect();
            let r = dense(map, &row, 1.0);
            let mut grad = vec![0.0; k];
            map.vjp_logits(&r, &u, &mut grad);
            let want = numeric_vjp(map, &row, &u);
            for (g, w) in grad.iter().zip(&want) {
                assert!(
                    (g - w).abs() < 1e-6,
                    "{map}: {grad:?} vs {want:?} at {row:?}"
                );
            }
            tested += 1;
        }
    }
}

/// `Σ r d + σ Ω(r)` at any point `r` of the simplex.
fn objective(map: Map, dist: &[f64], sigma: f64, r: &[f64]) -> f64 {
    r.iter().zip(dist).map(|(r, d)| r * d).sum::<f64>() + sigma * map.regulariser(r)
}

#[test]
fn soft_min_is_the_regularised_minimum() {
    let mut rng = Rng::new(8);
    for map in ROBUST {
        for _ in 0..100 {
            let k = 1 + rng.below(12);
            let row = random_row(&mut rng, k, 10.0);
            let sigma = 10f64.powf(-2.0 + 4.0 * rng.uniform());
            let value = map.soft_min(&row, sigma);
            let r = dense(map, &row, sigma);
            let scale = 1.0 + value.abs() + sigma;
            assert!(
                (objective(map, &row, sigma, &r) - value).abs() < 1e-12 * scale,
                "{map}"
            );

            // The minimum over the simplex: random points and small moves from r do no better.
            for _ in 0..20 {
                let e: Vec<f64> = (0..k).map(|_| -rng.uniform().ln()).collect();
                let total: f64 = e.iter().sum();
                let other: Vec<f64> = e.iter().map(|x| x / total).collect();
                let mixed: Vec<f64> = r
                    .iter()
                    .zip(&other)
                    .map(|(a, b)| 0.99 * a + 0.01 * b)
                    .collect();
                for p in [&other, &mixed] {
                    assert!(
                        objective(map, &row, sigma, p) >= value - 1e-12 * scale,
                        "{map}"
                    );
                }
            }

            // 0 ≤ d_min − soft_min ≤ σ·max(−Ω) = −σ Ω(uniform).
            let d_min = row.iter().cloned().fold(f64::INFINITY, f64::min);
            let span = -map.regulariser(&vec![1.0 / k as f64; k]);
            let gap = d_min - value;
            assert!(
                gap >= -1e-12 * scale && gap <= sigma * span + 1e-12 * scale,
                "{map}"
            );
        }
    }
    assert!((-Map::Softmax.regulariser(&[0.25f64; 4]) - 4f64.ln()).abs() < 1e-15);
}

#[test]
fn expected_distance_exceeds_the_minimum_by_at_most_the_claim_one_bound() {
    // Claim 1, per row: 0 ≤ Σ r d − d_min ≤ b σ with b = (K−1)/e, 2, 1 for softmax, entmax-1.5,
    // sparsemax.
    let mut rng = Rng::new(9);
    for _ in 0..300 {
        let k = 1 + rng.below(20);
        let row = random_row(&mut rng, k, 10.0);
        let sigma = 10f64.powf(-2.0 + 4.0 * rng.uniform());
        let d_min = row.iter().cloned().fold(f64::INFINITY, f64::min);
        let bounds = [
            (Map::Softmax, (k - 1) as f64 / std::f64::consts::E),
            (Map::Entmax15, 2.0),
            (Map::Sparsemax, 1.0),
        ];
        for (map, b) in bounds {
            let r = dense(map, &row, sigma);
            let excess: f64 = r.iter().zip(&row).map(|(r, d)| r * (d - d_min)).sum();
            assert!(
                excess >= 0.0 && excess <= b * sigma * (1.0 + 1e-12),
                "{map}: {excess}"
            );
        }
    }
}

#[test]
fn hard_is_one_hot_at_the_lowest_argmin_and_has_zero_gradient() {
    assert_eq!(
        dense(Map::Hard, &[3.0f64, 1.0, 1.0], 1.0),
        vec![0.0, 1.0, 0.0]
    );
    let mut g = vec![1.0f64; 3];
    Map::Hard.vjp_logits(&[0.0, 1.0, 0.0], &[1.0, 2.0, 3.0], &mut g);
    assert_eq!(g, vec![0.0; 3]);
    assert_eq!(Map::Hard.soft_min(&[3.0f64, 1.0], 1e9), 1.0);
}

#[test]
fn names_parse_back_and_bad_names_are_rejected() {
    for map in ROBUST
        .iter()
        .copied()
        .chain([Map::SoftmaxNaive, Map::Entmax { alpha: 1.3 }])
    {
        assert_eq!(Map::parse(&map.name()).unwrap(), map);
        assert_eq!(map.to_string().parse::<Map>().unwrap(), map);
    }
    assert_eq!(Map::parse(" Entmax-1.5 ").unwrap(), Map::Entmax15);
    for bad in [
        "entmax:1",
        "entmax:2.5",
        "entmax:nan",
        "entmax:x",
        "soft",
        "",
    ] {
        match Map::parse(bad) {
            Err(Error::InvalidParameter {
                name: "map",
                reason,
            }) => {
                assert!(
                    reason.contains(bad.trim_start_matches("entmax:")),
                    "{reason}"
                )
            }
            other => panic!("{bad}: {other:?}"),
        }
    }
    assert!(Map::Entmax { alpha: 0.5 }.validate().is_err());
}

#[test]
fn maps_round_trip_through_serde() {
    let map = Map::Entmax { alpha: 1.25 };
    let text = serde_json::to_string(&map).unwrap();
    assert_eq!(serde_json::from_str::<Map>(&text).unwrap(), map);
}

#[test]
#[should_panic(expected = "out must have the length of dist")]
fn mismatched_output_panics() {
    Map::Softmax.responsibilities(&[1.0f64, 2.0], 1.0, &mut [0.0]);
}

#[test]
#[should_panic(expected = "alpha must be in (1, 2]")]
fn hand_built_bad_alpha_panics() {
    dense(Map::Entmax { alpha: 3.0 }, &[1.0f64], 1.0);
}

/// Naive reference for the batched solver of the soft pass: each row through the per-row maps.
fn check_tile_rows<F: Float>(map: Map, rows: &[Vec<f64>], sigma: f64, tol: f64) {
    let k = rows[0].len();
    let dist: Vec<F> = rows
        .iter()
        .flatten()
        .map(|&v| F::from_f64_round(v))
        .collect();
    let mut r = vec![F::one(); dist.len()];
    let mut stats = vec![RowStats::default(); rows.len()];
    let mut scratch = RowScratch::new(k);
    map.tile_rows(&dist, k, sigma, true, &mut r, &mut stats, &mut scratch);
    for ((row, got), st) in dist.chunks_exact(k).zip(r.chunks_exact(k)).zip(&stats) {
        let want = dense(map, row, sigma);
        let context = format!("{map} {} sigma={sigma:e} row={row:?}", F::NAME);
        for (g, w) in got.iter().zip(&want) {
            let (g, w) = (g.to_f64_lossless(), w.to_f64_lossless());
            assert!((g - w).abs() <= tol, "{context}: {got:?} vs {want:?}");
        }
        let want: Vec<f64> = want.iter().map(|v| v.to_f64_lossless()).collect();
        let loss: f64 = want
            .iter()
            .zip(row)
            .map(|(w, d)| w * d.to_f64_lossless())
            .sum();
        let d_max = row.iter().map(|d| d.to_f64_lossless()).fold(0.0, f64::max);
        assert!((st.loss - loss).abs() <= tol * d_max, "{context}: loss");
        let soft_min = map.soft_min(row, sigma);
        let scale = 1.0 + soft_min.abs() + sigma * (k as f64 + 1.0).ln();
        assert!(
            (st.soft_min - soft_min).abs() <= tol * scale,
            "{context}: soft-min {} vs {soft_min}",
            st.soft_min
        );
        let entropy: f64 = want.iter().filter(|&&v| v > 0.0).map(|v| -v * v.ln()).sum();
        assert!(
            (st.entropy - entropy).abs() <= 10.0 * tol * (1.0 + (k as f64).ln()),
            "{context}: entropy {} vs {entropy}",
            st.entropy
        );
        if map != Map::Softmax {
            let nnz = want.iter().filter(|&&v| v != 0.0).count();
            assert!(
                st.nnz.abs_diff(nnz) <= usize::from(F::NAME == "f32"),
                "{context}"
            );
        }
    }
}

#[test]
fn tile_rows_match_the_per_row_maps() {
    let mut rng = Rng::new(9);
    let mut tiles: Vec<Vec<Vec<f64>>> = hard_rows().into_iter().map(|r| vec![r]).collect();
    for &(m, k, scale) in &[(5, 64, 50.0), (3, 19, 4.0), (7, 256, 300.0), (2, 8, 1e-3)] {
        tiles.push((0..m).map(|_| random_row(&mut rng, k, scale)).collect());
    }
    let maps = [
        Map::Softmax,
        Map::Entmax15,
        Map::Sparsemax,
        Map::Entmax { alpha: 1.3 },
        Map::Hard,
    ];
    for map in maps {
        for sigma in temperatures().step_by(3).chain([0.37, 2.5, 31.0]) {
            for rows in &tiles {
                check_tile_rows::<f64>(map, rows, sigma, 1e-12);
                check_tile_rows::<f32>(map, rows, sigma, 2e-6);
            }
        }
    }
}

#[test]
fn tile_rows_without_diagnostics_give_the_same_weights_and_loss() {
    let mut rng = Rng::new(3);
    let k = 40;
    let dist: Vec<f32> = (0..6 * k).map(|_| 30.0 * rng.uniform() as f32).collect();
    for map in [Map::Softmax, Map::Entmax15, Map::Sparsemax] {
        let mut a = vec![0.0f32; dist.len()];
        let mut b = vec![0.0f32; dist.len()];
        let mut sa = vec![RowStats::default(); 6];
        let mut sb = vec![RowStats::default(); 6];
        let mut scratch = RowScratch::new(k);
        map.tile_rows(&dist, k, 3.0, true, &mut a, &mut sa, &mut scratch);
        map.tile_rows(&dist, k, 3.0, false, &mut b, &mut sb, &mut scratch);
        assert_eq!(a, b);
        for (x, y) in sa.iter().zip(&sb) {
            assert_eq!((x.loss, x.nnz), (y.loss, y.nnz));
        }
    }
}
