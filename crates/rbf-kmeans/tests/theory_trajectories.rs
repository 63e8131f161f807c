//! Claim 3 of THEORY.md (trajectory equivalence): below the one-hot certificate the entmax-1.5
//! and sparsemax soft-Lloyd trajectories are Lloyd's, iterate for iterate; with softmax they
//! converge to Lloyd's as `σ → 0`.

mod theory_common;

use ndarray::Array2;
use rbf_kmeans::data::Samples;
use rbf_kmeans::datasets::{generate, Geometry};
use rbf_kmeans::rbf::pass::soft_pass;
use rbf_kmeans::rbf::train::{soft_lloyd_from_pass, train, TrainParams};
use rbf_kmeans::rbf::Map;
use rbf_kmeans::{Init, KMeansParams};
use theory_common::{evaluate, length_scale, max_abs_diff, naive_lloyd_step};

const STEPS: usize = 8;

/// Blobs, with weights, and a poor start (four rows, two of them in one blob) so that Lloyd
/// moves for several iterations.
fn problem() -> (Array2<f64>, Vec<f64>, Array2<f64>) {
    let data = generate(Geometry::Blobs, 300, 5).unwrap();
    let w: Vec<f64> = (0..300).map(|i| 1.0 + (i % 4) as f64 * 0.5).collect();
    let picks = [0, 1, 2, 3];
    let start = Array2::from_shape_fn((4, 2), |(j, t)| data.x[[picks[j], t]]);
    (data.x, w, start)
}

/// The Lloyd iterates `C_0, …, C_T` from the library (`max_iter = t`), checked against a naive
/// step.
fn lloyd_trajectory(x: &Array2<f64>, w: &[f64], start: &Array2<f64>) -> Vec<Array2<f64>> {
    let scale = length_scale(x);
    let mut out = vec![start.clone()];
    for t in 1..=STEPS {
        let fit = KMeansParams::new(start.nrows())
            .init(Init::Centers(start.clone()))
            .max_iter(t)
            .tol(0.0)
            .fit(x.view(), Some(w))
            .unwrap();
        assert_eq!(fit.n_relocations, 0);
        let naive = naive_lloyd_step(x, Some(w), &out[t - 1]);
        assert!(max_abs_diff(fit.centers(), &naive) <= 1e-13 * scale);
        out.push(fit.centers().clone());
    }
    out
}

/// The soft-Lloyd iterates at `σ`; also whether every step was exactly one-hot.
fn soft_trajectory(
    x: &Array2<f64>,
    w: &[f64],
    start: &Array2<f64>,
    map: Map,
    sigma: f64,
) -> (Vec<Array2<f64>>, bool) {
    let samples = Samples::new(x.view(), Some(w)).unwrap();
    let mut centers = start.as_slice().unwrap().to_vec();
    let mut next = centers.clone();
    let mut out = vec![start.clone()];
    let mut all_hard = true;
    for _ in 0..STEPS {
        let pass = soft_pass(&samples, &centers, map, sigma, false);
        all_hard &= pass.n_hard == x.nrows();
        soft_lloyd_from_pass(&centers, &pass, &mut next);
        std::mem::swap(&mut centers, &mut next);
        out.push(Array2::from_shape_vec(start.dim(), centers.clone()).unwrap());
    }
    (out, all_hard)
}

fn max_deviation(a: &[Array2<f64>], b: &[Array2<f64>]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(p, q)| max_abs_diff(p, q))
        .fold(0.0, f64::max)
}

/// The smallest one-hot certificate of `map` along a trajectory (the steps use `C_0..C_{T−1}`).
fn smallest_certificate(x: &Array2<f64>, w: &[f64], path: &[Array2<f64>], map: Map) -> f64 {
    path[..STEPS]
        .iter()
        .map(|c| {
            evaluate(x.view(), Some(w), c, map, 1.0)
                .certificate_sigma
                .unwrap()
        })
        .fold(f64::INFINITY, f64::min)
}

#[test]
fn below_the_certificate_the_sparse_trajectories_are_lloyds() {
    let (x, w, start) = problem();
    let scale = length_scale(&x);
    let lloyd = lloyd_trajectory(&x, &w, &start);
    assert!(
        max_abs_diff(&lloyd[STEPS - 1], &lloyd[0]) > 0.1 * scale,
        "Lloyd barely moved"
    );

    for map in [Map::Entmax15, Map::Sparsemax] {
        let cert = smallest_certificate(&x, &w, &lloyd, map);
        assert!(cert > 0.0 && cert.is_finite(), "{map}: certificate {cert}");
        for factor in [0.5, 1.0] {
            let (soft, all_hard) = soft_trajectory(&x, &w, &start, map, factor * cert);
            assert!(
                all_hard,
                "{map} at {factor} × certificate: a row was not one-hot"
            );
            for (t, (s, l)) in soft.iter().zip(&lloyd).enumerate() {
                let err = max_abs_diff(s, l);
                assert!(
                    err <= 1e-14 * scale,
                    "{map} step {t}: soft vs Lloyd {err:e}"
                );
            }
        }

        // `train` runs the same iteration.
        let samples = Samples::new(x.view(), Some(&w)).unwrap();
        let mut params = TrainParams::new(map, 0.5 * cert);
        params.max_iter = STEPS;
        let trained = train(&samples, start.as_slice().unwrap().to_vec(), &params).unwrap();
        let err = max_abs_diff(&trained.centers, &lloyd[STEPS]);
        assert!(err <= 1e-14 * scale, "{map}: train vs Lloyd {err:e}");

        // Above the certificate some row is soft at some step, and the paths part.
        let (soft, all_hard) = soft_trajectory(&x, &w, &start, map, 4.0 * cert);
        assert!(!all_hard, "{map} at 4 × certificate stayed one-hot");
        let dev = max_deviation(&soft, &lloyd);
        assert!(dev > 0.0, "{map} at 4 × certificate: identical to Lloyd");
    }
}

#[test]
fn the_trajectories_are_bit_identical_below_the_certificate() {
    // Stronger than the 1e-14 above: a one-hot row adds w·1·x exactly as Lloyd adds w·x, in the
    // same leaf order, so not one bit differs.
    let (x, w, start) = problem();
    let lloyd = lloyd_trajectory(&x, &w, &start);
    let cert = smallest_certificate(&x, &w, &lloyd, Map::Entmax15);
    let (soft, _) = soft_trajectory(&x, &w, &start, Map::Entmax15, 0.5 * cert);
    for (t, (s, l)) in soft.iter().zip(&lloyd).enumerate() {
        let a: Vec<u64> = s.iter().map(|v| v.to_bits()).collect();
        let b: Vec<u64> = l.iter().map(|v| v.to_bits()).collect();
        assert_eq!(a, b, "step {t}");
    }
}

fn softmax_deviations(
    x: &Array2<f64>,
    w: &[f64],
    start: &Array2<f64>,
    lloyd: &[Array2<f64>],
    temps: &[f64],
) -> Vec<f64> {
    let scale = length_scale(x);
    temps
        .iter()
        .map(|&sigma| {
            let (soft, _) = soft_trajectory(x, w, start, Map::Softmax, sigma);
            max_deviation(&soft, lloyd) / scale
        })
        .collect()
}

fn assert_non_increasing(devs: &[f64]) {
    for pair in devs.windows(2) {
        assert!(
            pair[1] < pair[0] || pair[1] == 0.0,
            "not decreasing: {devs:?}"
        );
    }
}

#[test]
fn the_softmax_trajectory_converges_to_lloyds_as_sigma_falls() {
    // One start per blob: every gap along the path is large against σ = 1e-3 s².
    let data = generate(Geometry::Blobs, 300, 5).unwrap();
    let w: Vec<f64> = (0..300).map(|i| 1.0 + (i % 4) as f64 * 0.5).collect();
    let first = |label| data.labels.iter().position(|&l| l == label).unwrap();
    let rows = [first(0), first(1), first(2)];
    let start = Array2::from_shape_fn((3, 2), |(j, t)| data.x[[rows[j], t]]);
    let x = data.x;
    let s2 = length_scale(&x).powi(2);
    let lloyd = lloyd_trajectory(&x, &w, &start);
    let temps: Vec<f64> = [1.0, 0.1, 0.01, 0.001].iter().map(|r| r * s2).collect();
    let devs = softmax_deviations(&x, &w, &start, &lloyd, &temps);
    assert_non_increasing(&devs);
    assert!(
        devs[3] <= 1e-12,
        "relative deviations at σ/s² = 1, …, 1e-3: {devs:?}"
    );
}

#[test]
fn the_softmax_trajectory_needs_sigma_below_the_smallest_gap() {
    // From the poor start the path passes configurations with points almost on a bisector
    // (min_i Δ_i ≈ 2.5e-4 s²): the trajectories part until σ is well below that gap, then agree
    // to rounding, since exp(−Δ/σ) underflows.
    let (x, w, start) = problem();
    let s2 = length_scale(&x).powi(2);
    let lloyd = lloyd_trajectory(&x, &w, &start);
    let min_gap = smallest_certificate(&x, &w, &lloyd, Map::Sparsemax);
    let temps: Vec<f64> = (0..8).map(|e| s2 * 10f64.powi(-e)).collect();
    let devs = softmax_deviations(&x, &w, &start, &lloyd, &temps);
    assert_non_increasing(&devs);
    assert!(
        devs[3] > 1e-3,
        "σ = 1e-3 s² is above the smallest gap: {devs:?}"
    );
    let cold = softmax_deviations(&x, &w, &start, &lloyd, &[min_gap / 50.0]);
    assert!(
        cold[0] <= 1e-12,
        "σ = min Δ / 50: {cold:?}; by decade: {devs:?}"
    );
}
