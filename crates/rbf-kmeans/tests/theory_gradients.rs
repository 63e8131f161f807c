//! Claim 2 of THEORY.md (gradient equivalence), and every analytic gradient against central
//! finite differences of the objectives.

mod theory_common;

use ndarray::Array2;
use rbf_kmeans::data::Samples;
use rbf_kmeans::rbf::gradient::{temperature_gradient, GradientKind};
use rbf_kmeans::rbf::objective::Objective;
use rbf_kmeans::rbf::train::{train, Optimizer, TrainParams};
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Init, KMeansParams};
use theory_common::{cases, evaluate, max_abs, max_abs_diff, nearest, Case};

const ALL_SOFT_MAPS: [Map; 5] = [
    Map::Softmax,
    Map::Entmax15,
    Map::Sparsemax,
    Map::Entmax { alpha: 1.3 },
    Map::Hard,
];

fn network(case: &Case, map: Map, sigma: f64) -> RbfNetwork<f64> {
    RbfNetwork::new(case.centers.clone(), map, sigma).unwrap()
}

#[test]
fn the_fixed_gradient_is_twice_the_responsibility_weighted_offset() {
    for case in cases() {
        let (k, d) = case.centers.dim();
        for map in ALL_SOFT_MAPS {
            for sigma in [1e-3, 0.1, 1.0, 10.0] {
                let net = network(&case, map, sigma);
                let r = net.responsibilities(case.x.view()).unwrap();
                let mut naive = Array2::<f64>::zeros((k, d));
                let mut magnitude = Array2::<f64>::zeros((k, d));
                for (i, x) in case.x.rows().into_iter().enumerate() {
                    for j in 0..k {
                        for t in 0..d {
                            let term =
                                2.0 * case.weight(i) * r[[i, j]] * (case.centers[[j, t]] - x[t]);
                            naive[[j, t]] += term;
                            // 2 (N_k c_k − S_k) cancels: its rounding error scales with the
                            // two summands, not with their difference.
                            magnitude[[j, t]] += 2.0
                                * case.weight(i)
                                * r[[i, j]]
                                * (case.centers[[j, t]].abs() + x[t].abs());
                        }
                    }
                }
                // The fixed gradient of L_σ, and the exact gradient of F_σ (for F_σ the kind
                // is irrelevant: the envelope theorem makes them one).
                for (objective, kind) in [
                    (Objective::Loss, GradientKind::FixedResponsibilities),
                    (Objective::FreeEnergy, GradientKind::FixedResponsibilities),
                    (Objective::FreeEnergy, GradientKind::Full),
                ] {
                    let g = net
                        .center_gradient(case.x.view(), case.weights(), objective, kind)
                        .unwrap();
                    for ((a, b), m) in g.iter().zip(&naive).zip(&magnitude) {
                        assert!(
                            (a - b).abs() <= 1e-12 * m + 1e-300,
                            "{} {map} σ={sigma} {objective:?} {kind:?}: {a} vs naive {b}",
                            case.name
                        );
                    }
                }
            }
        }
    }
}

fn one_step(case: &Case, map: Map, sigma: f64, optimizer: Optimizer, n: usize) -> Vec<f64> {
    let samples = Samples::new(case.x.view(), case.weights()).unwrap();
    let mut params = TrainParams::new(map, sigma);
    params.optimizer = optimizer;
    params.max_iter = n;
    let init = case.centers.as_slice().unwrap().to_vec();
    train(&samples, init, &params).unwrap().centers
}

#[test]
fn the_step_one_over_two_n_k_lands_on_the_soft_lloyd_step() {
    for case in cases() {
        let scale = theory_common::length_scale(&case.x) + max_abs(&case.centers);
        for map in ALL_SOFT_MAPS {
            for sigma in [1e-3, 0.3, 3.0, 100.0] {
                for n in [1, 4] {
                    let lloyd = one_step(&case, map, sigma, Optimizer::SoftLloyd, n);
                    let step = one_step(&case, map, sigma, Optimizer::LloydStep, n);
                    let err = max_abs_diff(&lloyd, &step);
                    assert!(
                        err <= 1e-12 * scale,
                        "{} {map} σ={sigma} {n} steps: soft Lloyd and η=1/(2N) differ by {err:e}",
                        case.name
                    );
                }
            }
        }
    }
}

#[test]
fn as_sigma_falls_the_soft_lloyd_step_is_lloyds_step() {
    for case in cases() {
        // An exact tie splits the weight evenly at every σ (see the stability suite); Lloyd
        // gives the point to the lowest index, so the two steps differ there for good.
        if case.name == "ties" {
            continue;
        }
        let scale = theory_common::length_scale(&case.x) + max_abs(&case.centers);
        let lloyd = KMeansParams::new(case.k())
            .init(Init::Centers(case.centers.clone()))
            .max_iter(1)
            .tol(0.0)
            .fit(case.x.view(), case.weights())
            .unwrap();
        // The library relocates the center of an empty cluster; the soft step (and the naive
        // step) leave it where it is, so the library is a reference only without relocations.
        let naive = theory_common::naive_lloyd_step(&case.x, case.weights(), &case.centers);
        if lloyd.n_relocations == 0 {
            let e = max_abs_diff(lloyd.centers(), &naive);
            assert!(
                e <= 1e-13 * scale,
                "{}: library Lloyd vs naive {e:e}",
                case.name
            );
        }

        for map in [Map::Softmax, Map::Entmax15, Map::Sparsemax] {
            let mut errs = Vec::new();
            for sigma in [1.0, 1e-1, 1e-2, 1e-4, 1e-8, 1e-12] {
                let soft = one_step(&case, map, sigma, Optimizer::SoftLloyd, 1);
                errs.push(max_abs_diff(&soft, &naive));
            }
            let last = *errs.last().unwrap();
            assert!(
                last <= 1e-14 * scale,
                "{} {map}: soft vs Lloyd step at σ = 1, …, 1e-12: {errs:?}",
                case.name
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Finite differences.

const FD_MAPS: [Map; 4] = [
    Map::Softmax,
    Map::Entmax15,
    Map::Sparsemax,
    Map::Entmax { alpha: 1.3 },
];

fn fd_case() -> (Array2<f64>, Vec<f64>, Array2<f64>) {
    let mut rng = Rng::new(77);
    let x = theory_common::random_blobs(25, 2, 3, 2.0, &mut rng);
    let w = theory_common::random_weights(25, &mut rng);
    let c = theory_common::random_matrix(4, 2, 1.5, &mut rng);
    (x, w, c)
}

/// Central difference of `f` at `v[idx]` with step `h`.
fn central(
    v: &mut Array2<f64>,
    idx: (usize, usize),
    h: f64,
    f: &dyn Fn(&Array2<f64>) -> f64,
) -> f64 {
    let orig = v[idx];
    v[idx] = orig + h;
    let up = f(v);
    v[idx] = orig - h;
    let down = f(v);
    v[idx] = orig;
    (up - down) / (2.0 * h)
}

fn assert_close(what: &str, analytic: &Array2<f64>, numeric: &Array2<f64>) {
    let err = max_abs_diff(analytic, numeric);
    let size = max_abs(analytic);
    assert!(
        err <= 1e-5 * size,
        "{what}: analytic {analytic:?} vs numeric {numeric:?} (err {err:e}, size {size:e})"
    );
}

fn objective_value(e: &rbf_kmeans::rbf::network::Evaluation, objective: Objective) -> f64 {
    match objective {
        Objective::Loss => e.loss,
        Objective::FreeEnergy => e.free_energy,
    }
}

#[test]
fn center_gradients_match_finite_differences() {
    let (x, w, c) = fd_case();
    let h = 1e-6;
    for map in FD_MAPS {
        for sigma in [0.7, 2.5] {
            for (objective, kind) in [
                (Objective::FreeEnergy, GradientKind::FixedResponsibilities),
                (Objective::Loss, GradientKind::Full),
            ] {
                let net = RbfNetwork::new(c.clone(), map, sigma).unwrap();
                let e = net.evaluate(x.view(), Some(&w)).unwrap();
                // The sparse maps must be neither one-hot nor dense everywhere here, so that
                // the support's dependence on the centers is exercised.
                assert!(
                    e.support > 1.1 && (map == Map::Softmax || e.support < 3.8),
                    "{map} σ={sigma}: mean support {}",
                    e.support
                );
                let g = net
                    .center_gradient(x.view(), Some(&w), objective, kind)
                    .unwrap();
                let f = |cc: &Array2<f64>| {
                    objective_value(&evaluate(x.view(), Some(&w), cc, map, sigma), objective)
                };
                let mut cc = c.clone();
                let numeric = Array2::from_shape_fn(c.dim(), |idx| central(&mut cc, idx, h, &f));
                assert_close(
                    &format!("{map} σ={sigma} {objective:?} {kind:?}"),
                    &g,
                    &numeric,
                );
            }
        }
    }
}

#[test]
fn the_fixed_gradient_is_not_the_gradient_of_the_loss_at_moderate_sigma() {
    // The extra term of the full gradient is real: dropping it is an error of order one here.
    let (x, w, c) = fd_case();
    let net = RbfNetwork::new(c.clone(), Map::Softmax, 2.5).unwrap();
    let fixed = net
        .center_gradient(
            x.view(),
            Some(&w),
            Objective::Loss,
            GradientKind::FixedResponsibilities,
        )
        .unwrap();
    let full = net
        .center_gradient(x.view(), Some(&w), Objective::Loss, GradientKind::Full)
        .unwrap();
    assert!(max_abs_diff(&fixed, &full) > 1e-2 * max_abs(&full));
}

#[test]
fn input_gradients_match_finite_differences() {
    let (x, w, c) = fd_case();
    let h = 1e-6;
    for map in FD_MAPS {
        for sigma in [0.7, 2.5] {
            for objective in [Objective::FreeEnergy, Objective::Loss] {
                let net = RbfNetwork::new(c.clone(), map, sigma).unwrap();
                let g = net.input_gradient(x.view(), Some(&w), objective).unwrap();
                let f = |xx: &Array2<f64>| {
                    objective_value(&evaluate(xx.view(), Some(&w), &c, map, sigma), objective)
                };
                let mut xx = x.clone();
                let numeric = Array2::from_shape_fn(x.dim(), |idx| central(&mut xx, idx, h, &f));
                assert_close(
                    &format!("{map} σ={sigma} {objective:?} inputs"),
                    &g,
                    &numeric,
                );
            }
        }
    }
}

#[test]
fn the_temperature_gradient_matches_finite_differences() {
    let (x, w, c) = fd_case();
    let samples = Samples::new(x.view(), Some(&w)).unwrap();
    for map in FD_MAPS {
        for sigma in [0.7, 2.5] {
            let g = temperature_gradient(&samples, c.as_slice().unwrap(), map, sigma);
            let h = 1e-6 * sigma;
            let loss = |s: f64| evaluate(x.view(), Some(&w), &c, map, s).loss;
            let numeric = (loss(sigma + h) - loss(sigma - h)) / (2.0 * h);
            assert!(
                (g - numeric).abs() <= 1e-5 * g.abs(),
                "{map} σ={sigma}: ∂L/∂σ analytic {g} vs numeric {numeric}"
            );
            assert!(g > 0.0, "{map} σ={sigma}: L_σ should grow with σ, got {g}");
        }
    }
}

#[test]
fn the_hard_assignment_gradient_is_lloyds() {
    // Claim 2 at σ → 0, on the hard map directly: 2 Σ_{a_i = k} w_i (c_k − x_i).
    for case in cases() {
        let (k, d) = case.centers.dim();
        let mut lloyd = Array2::<f64>::zeros((k, d));
        for (i, x) in case.x.rows().into_iter().enumerate() {
            let (a, _, _) = nearest(x.as_slice().unwrap(), &case.centers);
            for t in 0..d {
                lloyd[[a, t]] += 2.0 * case.weight(i) * (case.centers[[a, t]] - x[t]);
            }
        }
        let g = network(&case, Map::Hard, 1.0)
            .center_gradient(
                case.x.view(),
                case.weights(),
                Objective::Loss,
                GradientKind::Full,
            )
            .unwrap();
        let scale =
            case.total_weight() * (theory_common::length_scale(&case.x) + max_abs(&case.centers));
        let err = max_abs_diff(&g, &lloyd);
        assert!(err <= 1e-12 * scale, "{}: {err:e}", case.name);
    }
}
