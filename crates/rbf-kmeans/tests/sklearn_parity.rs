//! Parity with scikit-learn's `KMeans(algorithm="lloyd")`: from the same initial centers, with
//! the same `max_iter` and `tol`, the final centers, labels, inertia and iteration counts agree.
//! The references were written by `scripts/sklearn_fixtures.py` (see the fixtures' README).

use ndarray::Array2;
use rbf_kmeans::{Init, KMeansParams};
use serde_json::Value;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/sklearn");

fn matrix(v: &Value) -> Array2<f64> {
    let rows: Vec<Vec<f64>> = serde_json::from_value(v.clone()).unwrap();
    let (n, d) = (rows.len(), rows[0].len());
    Array2::from_shape_vec((n, d), rows.into_iter().flatten().collect()).unwrap()
}

fn cases() -> Vec<Value> {
    let index: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/index.json")).unwrap())
            .unwrap();
    let cases = index["cases"].as_array().unwrap();
    assert!(cases.len() >= 10, "expected at least 10 parity cases");
    cases
        .iter()
        .map(|c| {
            let file = c["file"].as_str().unwrap();
            serde_json::from_str(&std::fs::read_to_string(format!("{DIR}/{file}")).unwrap())
                .unwrap()
        })
        .collect()
}

fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-300)
}

fn check(case: &Value, expect: &Value, tol: f64, threads: usize) {
    let name = case["name"].as_str().unwrap();
    let x = matrix(&case["x"]);
    let init = matrix(&case["init"]);
    let w: Option<Vec<f64>> = serde_json::from_value(case["sample_weight"].clone()).unwrap();
    let k = case["k"].as_u64().unwrap() as usize;
    let max_iter = case["max_iter"].as_u64().unwrap() as usize;

    let fit = KMeansParams::new(k)
        .init(Init::Centers(init))
        .max_iter(max_iter)
        .tol(tol)
        .threads(threads)
        .fit(x.view(), w.as_deref())
        .unwrap();

    let want_labels: Vec<usize> = serde_json::from_value(expect["labels"].clone()).unwrap();
    assert_eq!(fit.labels, want_labels, "{name}: labels differ");
    assert_eq!(
        fit.n_iter as u64,
        expect["n_iter"].as_u64().unwrap(),
        "{name}: n_iter"
    );
    let want_centers = matrix(&expect["centers"]);
    let scale = want_centers.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    for (g, e) in fit.centers().iter().zip(want_centers.iter()) {
        assert!((g - e).abs() <= 1e-6 * scale, "{name}: center {g} vs {e}");
    }
    let want_inertia = expect["inertia"].as_f64().unwrap();
    assert!(
        rel_close(fit.inertia, want_inertia, 1e-9),
        "{name}: inertia {} vs {want_inertia}",
        fit.inertia
    );
}

#[test]
fn tol_zero_matches_scikit_learn_on_every_case() {
    for case in cases() {
        check(&case, &case["tol0"], 0.0, 1);
    }
}

#[test]
fn default_relative_tolerance_matches_scikit_learn_on_every_case() {
    for case in cases() {
        let tol = case["tol_default"]["tol"].as_f64().unwrap();
        check(&case, &case["tol_default"], tol, 2);
    }
}

#[test]
fn predict_transform_and_score_match_scikit_learn() {
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let x = matrix(&case["x"]);
        let w: Option<Vec<f64>> = serde_json::from_value(case["sample_weight"].clone()).unwrap();
        let k = case["k"].as_u64().unwrap() as usize;
        let fit = KMeansParams::new(k)
            .init(Init::Centers(matrix(&case["init"])))
            .max_iter(case["max_iter"].as_u64().unwrap() as usize)
            .tol(0.0)
            .fit(x.view(), w.as_deref())
            .unwrap();
        let px = matrix(&case["predict_x"]);
        let labels = fit.model.predict(px.view()).unwrap();
        let want: Vec<usize> = serde_json::from_value(case["predict_labels"].clone()).unwrap();
        assert_eq!(labels, want, "{name}: predict");
        let dist = fit.model.transform(px.view()).unwrap();
        for (g, e) in dist.iter().zip(matrix(&case["transform"]).iter()) {
            assert!(
                rel_close(*g, *e, 1e-6) || (g - e).abs() < 1e-9,
                "{name}: transform"
            );
        }
        let score = fit.model.score(px.view(), None).unwrap();
        assert!(
            rel_close(score, case["score"].as_f64().unwrap(), 1e-6),
            "{name}: score"
        );
    }
}
