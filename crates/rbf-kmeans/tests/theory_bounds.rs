//! Claim 1 of THEORY.md (Γ-convergence): the uniform bounds `0 ≤ L_σ − J ≤ b(σ)` and
//! `0 ≤ J − F_σ ≤ b_F(σ)`, and the limits `L_σ → J`, `F_σ → J` as `σ → 0`.

mod theory_common;

use ndarray::Array2;
use rbf_kmeans::rbf::objective::{free_energy_bound, loss_bound};
use rbf_kmeans::rbf::{Map, RbfNetwork};
use theory_common::{cases, log_space, Case, BOUNDED_MAPS};

/// Checks both bounds for one case, map and temperature; `rel` is the rounding slack relative
/// to `J + b(σ)`.
fn check_bounds(
    case: &Case,
    map: Map,
    sigma: f64,
    loss: f64,
    free: f64,
    j: f64,
    rel: f64,
) -> (f64, f64) {
    let (w, k) = (case.total_weight(), case.k());
    let b = loss_bound(map, w, k, sigma).expect("bounded map");
    let bf = free_energy_bound(map, w, k, sigma);
    let slack = rel * (j + b + bf);
    let (gap_l, gap_f) = (loss - j, j - free);
    let at = format!(
        "{} {map} σ={sigma:e}: L={loss} F={free} J={j} b={b} bF={bf}",
        case.name
    );
    assert!(gap_l >= -slack, "L_σ < J: {at}");
    assert!(gap_l <= b + slack, "L_σ − J above the bound: {at}");
    assert!(gap_f >= -slack, "F_σ > J: {at}");
    assert!(gap_f <= bf + slack, "J − F_σ above the bound: {at}");
    (gap_l, gap_f)
}

#[test]
fn loss_and_free_energy_lie_within_the_uniform_bounds_f64() {
    for case in cases() {
        for map in BOUNDED_MAPS {
            for sigma in log_space(1e-6, 1e3, 28) {
                let e = RbfNetwork::new(case.centers.clone(), map, sigma)
                    .unwrap()
                    .evaluate(case.x.view(), case.weights())
                    .unwrap();
                assert_eq!(
                    e.bound,
                    loss_bound(map, case.total_weight(), case.k(), sigma)
                );
                check_bounds(&case, map, sigma, e.loss, e.free_energy, e.distortion, 1e-9);
            }
        }
    }
}

#[test]
fn loss_and_free_energy_lie_within_the_uniform_bounds_f32() {
    for case in cases() {
        let x32 = case.x.mapv(|v| v as f32);
        let c32: Array2<f32> = case.centers.mapv(|v| v as f32);
        for map in BOUNDED_MAPS {
            for sigma in log_space(1e-6, 1e3, 10) {
                let e = RbfNetwork::new(c32.clone(), map, sigma)
                    .unwrap()
                    .evaluate(x32.view(), case.weights())
                    .unwrap();
                // Weights rounded to f32 sum to 1 only within a few ulps.
                check_bounds(&case, map, sigma, e.loss, e.free_energy, e.distortion, 1e-5);
            }
        }
    }
}

#[test]
fn the_gaps_shrink_monotonically_to_zero_as_sigma_falls() {
    for case in cases() {
        let scale = case.total_weight() * theory_common::length_scale(&case.x).powi(2);
        for map in BOUNDED_MAPS {
            // From hot to cold: both gaps are non-decreasing in σ (dL/dσ is a variance over σ²
            // for softmax; dF/dσ = Ω(r) ≤ 0 for every map).
            let temps: Vec<f64> = log_space(1e-6, 1e3, 28).into_iter().rev().collect();
            let mut prev = (f64::INFINITY, f64::INFINITY);
            let mut last = (0.0, 0.0, 0.0);
            for &sigma in &temps {
                let e = theory_common::evaluate(
                    case.x.view(),
                    case.weights(),
                    &case.centers,
                    map,
                    sigma,
                );
                let j = e.distortion;
                let gaps = (e.loss - j, j - e.free_energy);
                let slack = 1e-12 * (j + scale);
                let at = format!(
                    "{} {map} σ={sigma:e}: gaps {gaps:?} after {prev:?}",
                    case.name
                );
                assert!(gaps.0 <= prev.0 + slack, "L_σ − J rose as σ fell: {at}");
                assert!(gaps.1 <= prev.1 + slack, "J − F_σ rose as σ fell: {at}");
                prev = gaps;
                last = (gaps.0, gaps.1, j);
            }
            let (gl, gf, j) = last;
            let at = format!(
                "{} {map} at σ=1e-6: L−J={gl:e} J−F={gf:e} J={j:e}",
                case.name
            );
            assert!(gl <= 1e-9 * j.max(scale), "L_σ does not reach J: {at}");
            // At an exact tie every map splits the weight evenly for every σ, so J − F_σ is
            // `σ w |Ω(uniform)|` there: it tends to 0 linearly, not faster. Elsewhere it has
            // vanished at σ = 1e-6 (the gaps of these data are far above σ).
            if case.name == "ties" {
                assert!(
                    gf > 0.0 && gf <= free_energy_bound(map, case.total_weight(), case.k(), 1e-6)
                );
            } else {
                assert!(gf <= 1e-9 * j.max(scale), "F_σ does not reach J: {at}");
            }
        }
    }
}
