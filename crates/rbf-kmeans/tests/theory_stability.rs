//! Claim 4 of THEORY.md (stability at low temperature), and responsibilities on the simplex for
//! every map on adversarial rows.

mod theory_common;

use ndarray::{Array2, ArrayView2};
use rbf_kmeans::data::Samples;
use rbf_kmeans::datasets::{generate, Geometry};
use rbf_kmeans::rbf::gradient::{temperature_gradient, GradientKind};
use rbf_kmeans::rbf::objective::Objective;
use rbf_kmeans::rbf::train::{train, TrainParams};
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::{Float, KMeansModel};
use theory_common::{cases, log_space, nearest, BOUNDED_MAPS};

const EXTREME_SIGMAS: [f64; 9] = [1e-30, 1e-20, 1e-10, 1e-3, 1.0, 1e3, 1e10, 1e20, 1e30];

fn all_finite<'a>(v: impl IntoIterator<Item = &'a f64>) -> bool {
    v.into_iter().all(|x| x.is_finite())
}

fn check_network_is_finite<F: Float>(
    name: &str,
    x: ArrayView2<'_, F>,
    w: Option<&[f64]>,
    centers: Array2<F>,
    tol: f64,
) {
    for map in BOUNDED_MAPS {
        for sigma in EXTREME_SIGMAS {
            let at = format!("{name} {map} σ={sigma:e} {}", F::NAME);
            let net = RbfNetwork::new(centers.clone(), map, sigma).unwrap();
            let r = net.responsibilities(x).unwrap();
            for row in r.rows() {
                let sum: f64 = row.iter().map(|v| v.to_f64_lossless()).sum();
                assert!(
                    row.iter().all(|v| v.is_finite() && *v >= F::zero()),
                    "{at}: {row:?}"
                );
                assert!((sum - 1.0).abs() <= tol, "{at}: sum {sum}");
            }
            assert!(
                net.reconstruct(x).unwrap().iter().all(|v| v.is_finite()),
                "{at}"
            );

            let e = net.evaluate(x, w).unwrap();
            let values = [
                e.loss,
                e.free_energy,
                e.distortion,
                e.bound.unwrap(),
                e.free_energy_bound,
                e.entropy,
                e.support,
                e.hard_fraction,
            ];
            assert!(all_finite(&values), "{at}: {e:?}");

            for (objective, kind) in [
                (Objective::Loss, GradientKind::FixedResponsibilities),
                (Objective::Loss, GradientKind::Full),
                (Objective::FreeEnergy, GradientKind::FixedResponsibilities),
            ] {
                let g = net.center_gradient(x, w, objective, kind).unwrap();
                assert!(all_finite(&g), "{at} {objective:?} {kind:?}: {g:?}");
            }
            for objective in [Objective::Loss, Objective::FreeEnergy] {
                let g = net.input_gradient(x, w, objective).unwrap();
                assert!(all_finite(&g), "{at} inputs {objective:?}");
            }
            let samples = Samples::new(x, w).unwrap();
            let flat = net.centers().as_slice().unwrap();
            let gs = temperature_gradient(&samples, flat, map, sigma);
            assert!(gs.is_finite(), "{at}: ∂L/∂σ = {gs}");
        }
    }
}

#[test]
fn everything_is_finite_from_sigma_1e_minus_30_to_1e30() {
    for case in cases() {
        check_network_is_finite(
            case.name,
            case.x.view(),
            case.weights(),
            case.centers.clone(),
            1e-12,
        );
        let x32 = case.x.mapv(|v| v as f32);
        let c32 = case.centers.mapv(|v| v as f32);
        let tol = 1e-6 * case.k() as f64;
        check_network_is_finite(case.name, x32.view(), case.weights(), c32, tol);
    }
}

#[test]
fn naive_softmax_is_nan_at_low_temperature_and_stable_softmax_is_not() {
    let case = &cases()[0];
    for sigma in [1e-3, 1e-10, 1e-30] {
        let naive = RbfNetwork::new(case.centers.clone(), Map::SoftmaxNaive, sigma).unwrap();
        let r = naive.responsibilities(case.x.view()).unwrap();
        assert!(
            r.iter().any(|v| v.is_nan()),
            "σ={sigma:e}: no NaN from the naive softmax"
        );

        let stable = RbfNetwork::new(case.centers.clone(), Map::Softmax, sigma).unwrap();
        let r = stable.responsibilities(case.x.view()).unwrap();
        assert!(r.iter().all(|v| v.is_finite()));
    }
    // At a moderate temperature the two agree.
    let naive = RbfNetwork::new(case.centers.clone(), Map::SoftmaxNaive, 50.0).unwrap();
    let stable = RbfNetwork::new(case.centers.clone(), Map::Softmax, 50.0).unwrap();
    let (a, b) = (
        naive.responsibilities(case.x.view()).unwrap(),
        stable.responsibilities(case.x.view()).unwrap(),
    );
    assert!(theory_common::max_abs_diff(&a, &b) <= 1e-12);
}

#[test]
fn naive_softmax_failure_reaches_the_objectives() {
    let case = &cases()[0];
    let sigma = 1e-3;
    let e = theory_common::evaluate(case.x.view(), None, &case.centers, Map::SoftmaxNaive, sigma);
    assert!(
        e.loss.is_nan(),
        "L_σ = {} with J = {}",
        e.loss,
        e.distortion
    );

    let samples = Samples::new(case.x.view(), None).unwrap();
    let mut params = TrainParams::new(Map::SoftmaxNaive, sigma);
    params.max_iter = 3;
    let trained = train(&samples, case.centers.as_slice().unwrap().to_vec(), &params);
    // Either an error, or a run that does not claim success.
    if let Ok(t) = trained {
        assert!(
            !t.converged && t.loss_history.iter().all(|l| l.is_nan()),
            "{:?}",
            t.loss_history
        );
    }
}

/// A point at 0, its center at 0.5 and the runner-up at 2: `Δ = 4 − 0.25 = 3.75`.
fn runner_up_gradients(map: Map, sigma: f64) -> (f64, f64) {
    let x = ndarray::array![[0.0]];
    let c = ndarray::array![[0.5], [2.0]];
    let g = RbfNetwork::new(c, map, sigma)
        .unwrap()
        .center_gradient(
            x.view(),
            None,
            Objective::FreeEnergy,
            GradientKind::FixedResponsibilities,
        )
        .unwrap();
    (g[[0, 0]], g[[1, 0]])
}

#[test]
fn the_softmax_runner_up_gradient_vanishes_like_exp_minus_gap_over_sigma() {
    let gap = 3.75;
    for sigma in [2.0, 1.0, 0.5, 0.2, 0.1, 0.05, 0.02] {
        // r_2 = 1 / (1 + exp(Δ/σ)); the gradient is 2 r_2 (c_2 − x) = 4 r_2.
        let (_, g2) = runner_up_gradients(Map::Softmax, sigma);
        let expected = 4.0 / (1.0 + (gap / sigma).exp());
        assert!(
            (g2 - expected).abs() <= 1e-13 * expected,
            "σ={sigma}: {g2} vs {expected}"
        );
        assert!(g2 > 0.0);
    }
    // Far below the gap it is exactly zero, and the winner's is exactly Lloyd's.
    for sigma in [3.75 / 800.0, 1e-5, 1e-30] {
        assert_eq!(
            runner_up_gradients(Map::Softmax, sigma),
            (1.0, 0.0),
            "σ={sigma:e}"
        );
    }
}

#[test]
fn the_entmax_gradient_is_exactly_lloyds_from_half_the_gap_down() {
    let gap = 3.75;
    for sigma in [gap / 2.0, gap / 3.0, 1e-3, 1e-30] {
        assert_eq!(
            runner_up_gradients(Map::Entmax15, sigma),
            (1.0, 0.0),
            "σ={sigma:e}"
        );
        assert_eq!(
            runner_up_gradients(Map::Sparsemax, 2.0 * sigma),
            (1.0, 0.0),
            "σ={sigma:e}"
        );
    }
    let (_, g2) = runner_up_gradients(Map::Entmax15, gap);
    assert!(g2 > 0.0, "above Δ/2 the runner-up has weight");

    // On a data set: below the certificate, the fixed and the full gradients are both Lloyd's.
    let data = generate(Geometry::Blobs, 300, 3).unwrap();
    let c = Array2::from_shape_fn((3, 2), |(j, t)| data.x[[j, t]]);
    let cert = theory_common::evaluate(data.x.view(), None, &c, Map::Entmax15, 1.0)
        .certificate_sigma
        .unwrap();
    let mut lloyd = Array2::<f64>::zeros((3, 2));
    for x in data.x.rows() {
        let (a, _, _) = nearest(x.as_slice().unwrap(), &c);
        for t in 0..2 {
            lloyd[[a, t]] += 2.0 * (c[[a, t]] - x[t]);
        }
    }
    let net = RbfNetwork::new(c, Map::Entmax15, cert).unwrap();
    let scale = 300.0 * theory_common::length_scale(&data.x);
    for kind in [GradientKind::FixedResponsibilities, GradientKind::Full] {
        let g = net
            .center_gradient(data.x.view(), None, Objective::Loss, kind)
            .unwrap();
        let err = theory_common::max_abs_diff(&g, &lloyd);
        assert!(err <= 1e-13 * scale, "{kind:?}: {err:e}");
    }
}

#[test]
fn entmax_keeps_the_voronoi_partition_at_every_temperature() {
    let blobs = generate(Geometry::Blobs, 400, 8).unwrap();
    let mut sets = vec![(
        "blobs",
        blobs.x.clone(),
        Array2::from_shape_fn((4, 2), |(j, t)| blobs.x[[j, t]]),
    )];
    for case in cases() {
        sets.push((case.name, case.x, case.centers));
    }
    for (name, x, c) in sets {
        let predicted = KMeansModel::new(c.clone()).predict(x.view()).unwrap();
        let max_d = x
            .rows()
            .into_iter()
            .flat_map(|xi| {
                c.rows().into_iter().map(move |cj| {
                    theory_common::sq_dist(xi.as_slice().unwrap(), cj.as_slice().unwrap())
                })
            })
            .fold(0.0, f64::max);
        for sigma in log_space(1e-30, 1e3 * max_d, 40) {
            let r = RbfNetwork::new(c.clone(), Map::Entmax15, sigma)
                .unwrap()
                .responsibilities(x.view())
                .unwrap();
            for (i, row) in r.rows().into_iter().enumerate() {
                // The first maximum: ties go to the lowest index, as in predict.
                let top = row.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let arg = row.iter().position(|&v| v == top).unwrap();
                assert_eq!(arg, predicted[i], "{name} σ={sigma:e} row {i}: {row:?}");
            }
        }
    }
}

#[test]
fn exact_ties_split_evenly_at_every_temperature() {
    // The σ → 0 limit of a soft map at an exact tie is the uniform split over the tied centers,
    // not the lowest-index one-hot of Lloyd: the "ties" case's bisector point (0, 0) is equally
    // far from its two nearest centers.
    let c: Array2<f64> = ndarray::array![[-1.0, 0.0], [1.0, 0.0], [0.0, 2.0]];
    let x = ndarray::array![[0.0, 0.0], [0.0, 0.75]];
    for map in [Map::Softmax, Map::Entmax15, Map::Sparsemax] {
        for sigma in [1e-30, 1e-6, 1.0] {
            let r = RbfNetwork::new(c.clone(), map, sigma)
                .unwrap()
                .responsibilities(x.view())
                .unwrap();
            assert_eq!(r[[0, 0]], r[[0, 1]], "{map} σ={sigma:e}");
            if sigma <= 1e-6 {
                assert!((r[[0, 0]] - 0.5).abs() < 1e-15, "{map} σ={sigma:e}: {r:?}");
            }
            // The circumcentre is equidistant from all three.
            assert!(
                (r[[1, 0]] - 1.0 / 3.0).abs() < 1e-15,
                "{map} σ={sigma:e}: {r:?}"
            );
            assert_eq!((r[[1, 0]], r[[1, 1]]), (r[[1, 2]], r[[1, 2]]));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The simplex.

const ALL_MAPS: [Map; 7] = [
    Map::Softmax,
    Map::Entmax15,
    Map::Sparsemax,
    Map::Entmax { alpha: 1.3 },
    Map::Entmax { alpha: 1.01 },
    Map::Entmax { alpha: 2.0 },
    Map::Hard,
];

fn adversarial_rows() -> Vec<Vec<f64>> {
    vec![
        vec![0.0],
        vec![7.0],
        vec![0.0, 0.0],
        vec![3.0, 3.0, 3.0, 3.0],
        vec![0.0, 0.0, 1e-300, 5e-324],
        vec![1e300, 1e300, 1e-300],
        vec![0.0, 1e30, 1e30],
        vec![1e30, 1e30 * (1.0 + f64::EPSILON), 0.5],
        vec![2.0, 1.0, 1.0, 5.0, 1.0],
        vec![1e-12, 0.0, 1e-12, 2e-12],
        (0..64).map(|j| (j % 5) as f64 * 0.1).collect(),
        (0..50).map(|j| 1.0 + 1e-9 * j as f64).collect(),
    ]
}

fn check_simplex<F: Float>(map: Map, dist: &[F], sigma: f64, tol: f64) {
    let mut r = vec![F::zero(); dist.len()];
    map.responsibilities(dist, sigma, &mut r);
    let at = format!("{map} σ={sigma:e} {} {dist:?}: {r:?}", F::NAME);
    assert!(r.iter().all(|v| v.is_finite() && *v >= F::zero()), "{at}");
    let sum: f64 = r.iter().map(|v| v.to_f64_lossless()).sum();
    assert!((sum - 1.0).abs() <= tol, "{at}: sum {sum}");
    // The nearest center (lowest index on ties) has the largest weight.
    let (mut a, mut best) = (0, dist[0]);
    for (j, &d) in dist.iter().enumerate() {
        if d < best {
            (a, best) = (j, d);
        }
    }
    assert!(r.iter().all(|v| *v <= r[a]), "{at}");
}

#[test]
fn responsibilities_are_on_the_simplex_for_every_map_and_row() {
    for map in ALL_MAPS {
        for row in adversarial_rows() {
            let row32: Vec<f32> = row.iter().map(|&v| v.min(f32::MAX as f64) as f32).collect();
            for sigma in log_space(1e-30, 1e30, 25) {
                check_simplex(map, &row, sigma, 1e-12);
                check_simplex(map, &row32, sigma, 1e-6 * row.len() as f64);
            }
        }
    }
}
