//! Properties every K-Means fit must have, whatever the data.

use std::sync::Mutex;

use ndarray::Array2;
use rbf_kmeans::kmeans::StopReason;
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Error, Init, KMeansParams};

fn blobs(n: usize, d: usize, k: usize, spread: f64, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * 4.0).collect();
    Array2::from_shape_fn((n, d), |(i, j)| {
        centers[(i % k) * d + j] + spread * rng.normal()
    })
}

#[test]
fn results_are_bit_identical_for_1_2_and_4_threads() {
    let x = blobs(20_000, 12, 9, 2.0, 1);
    let w: Vec<f64> = (0..x.nrows()).map(|i| 0.5 + (i % 7) as f64).collect();
    let fits: Vec<_> = [1, 2, 4]
        .iter()
        .map(|&t| {
            KMeansParams::new(9)
                .n_init(3)
                .seed(11)
                .threads(t)
                .tol(0.0)
                .max_iter(50)
                .fit(x.view(), Some(&w))
                .unwrap()
        })
        .collect();
    for f in &fits[1..] {
        assert_eq!(f.labels, fits[0].labels);
        assert_eq!(f.inertia.to_bits(), fits[0].inertia.to_bits());
        assert_eq!(f.n_iter, fits[0].n_iter);
        let a: Vec<u64> = f.centers().iter().map(|v| v.to_bits()).collect();
        let b: Vec<u64> = fits[0].centers().iter().map(|v| v.to_bits()).collect();
        assert_eq!(a, b);
    }
}

#[test]
fn lloyd_inertia_never_increases() {
    for seed in 0..5 {
        let x = blobs(3_000, 3, 6, 3.0, seed);
        let history = Mutex::new(Vec::new());
        let fit = KMeansParams::new(6)
            .seed(seed)
            .tol(0.0)
            .max_iter(100)
            .check()
            .unwrap()
            .fit_observed(x.view(), None, &|e| history.lock().unwrap().push(e.inertia))
            .unwrap();
        let h = history.into_inner().unwrap();
        for pair in h.windows(2) {
            assert!(pair[1] <= pair[0] * (1.0 + 1e-12), "inertia rose: {h:?}");
        }
        assert!(fit.inertia <= h[h.len() - 1] * (1.0 + 1e-9));
    }
}

#[test]
fn f32_and_f64_agree_on_well_separated_data() {
    let x = blobs(5_000, 16, 5, 0.5, 3);
    let x32 = x.mapv(|v| v as f32);
    let a = KMeansParams::new(5).seed(2).fit(x.view(), None).unwrap();
    let b = KMeansParams::new(5).seed(2).fit(x32.view(), None).unwrap();
    assert_eq!(a.labels, b.labels);
    assert!((a.inertia - b.inertia).abs() <= 1e-4 * a.inertia);
}

#[test]
fn labels_agree_with_final_centers_and_stats_add_up() {
    let x = blobs(4_000, 2, 4, 3.0, 5);
    let fit = KMeansParams::new(7)
        .max_iter(3)
        .tol(0.0)
        .seed(1)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(fit.stop_reason, StopReason::MaxIter);
    assert!(!fit.converged());
    assert_eq!(fit.model.predict(x.view()).unwrap(), fit.labels);
    assert_eq!(fit.cluster_sizes.iter().sum::<usize>(), 4_000);
    let total: f64 = fit.cluster_inertia.iter().sum();
    assert!((total - fit.inertia).abs() <= 1e-9 * fit.inertia);
    let direct = fit.model.inertia(x.view(), None).unwrap();
    assert!((direct - fit.inertia).abs() <= 1e-9 * fit.inertia);
}

#[test]
fn a_fit_that_converges_reports_a_fixed_point() {
    let x = blobs(2_000, 2, 3, 0.3, 8);
    let fit = KMeansParams::new(3)
        .tol(0.0)
        .seed(4)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(fit.stop_reason, StopReason::LabelsStable);
    // A fixed point: one more Lloyd step from the result changes nothing.
    let again = KMeansParams::new(3)
        .init(Init::Centers(fit.centers().clone()))
        .tol(0.0)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(again.labels, fit.labels);
    assert!((again.inertia - fit.inertia).abs() <= 1e-12 * fit.inertia);
}

#[test]
fn empty_clusters_are_relocated_without_nan_or_duplicates() {
    let x = blobs(500, 2, 2, 0.1, 2);
    // Three of five starting centers are so far away that they attract no point.
    let mut c = Array2::zeros((5, 2));
    c.row_mut(0).assign(&x.row(0));
    c.row_mut(1).assign(&x.row(1));
    for r in 2..5 {
        c[[r, 0]] = 1e6 * r as f64;
        c[[r, 1]] = 1e6;
    }
    let fit = KMeansParams::new(5)
        .init(Init::Centers(c))
        .tol(0.0)
        .fit(x.view(), None)
        .unwrap();
    assert!(fit.n_relocations >= 3);
    assert!(fit.centers().iter().all(|v| v.is_finite()));
    assert!(
        fit.cluster_sizes.iter().all(|&s| s > 0),
        "{:?}",
        fit.cluster_sizes
    );
    let rows: Vec<Vec<u64>> = fit
        .centers()
        .outer_iter()
        .map(|r| r.iter().map(|v| v.to_bits()).collect())
        .collect();
    for i in 0..rows.len() {
        for j in 0..i {
            assert_ne!(rows[i], rows[j], "duplicate centers {i} and {j}");
        }
    }
}

#[test]
fn k_equal_to_the_number_of_points_gives_zero_inertia() {
    let x = blobs(12, 3, 4, 1.0, 6);
    let fit = KMeansParams::new(12).seed(3).fit(x.view(), None).unwrap();
    assert_eq!(fit.inertia, 0.0);
    let mut l = fit.labels.clone();
    l.sort_unstable();
    assert_eq!(l, (0..12).collect::<Vec<_>>());
}

#[test]
fn too_many_clusters_for_the_distinct_points_is_an_error() {
    let x = ndarray::array![[1.0, 1.0], [1.0, 1.0], [2.0, 2.0]];
    let e = KMeansParams::new(3).fit(x.view(), None).unwrap_err();
    assert_eq!(
        e,
        Error::TooFewDistinctPoints {
            n_clusters: 3,
            n_distinct: 2
        }
    );
    assert!(e.to_string().contains("distinct"));
}

#[test]
fn weights_act_like_repeated_points() {
    let x = ndarray::array![[0.0], [1.0], [10.0], [11.0]];
    let rep = ndarray::array![[0.0], [1.0], [1.0], [1.0], [10.0], [11.0]];
    let c = ndarray::array![[0.5], [10.5]];
    let w = [1.0, 3.0, 1.0, 1.0];
    let a = KMeansParams::new(2)
        .init(Init::Centers(c.clone()))
        .fit(x.view(), Some(&w))
        .unwrap();
    let b = KMeansParams::new(2)
        .init(Init::Centers(c))
        .fit(rep.view(), None)
        .unwrap();
    assert_eq!(a.centers(), b.centers());
    assert!((a.inertia - b.inertia).abs() < 1e-12);
}

#[test]
fn restarts_keep_the_best_run() {
    let x = blobs(3_000, 2, 8, 1.0, 9);
    let fit = KMeansParams::new(8)
        .n_init(6)
        .seed(5)
        .init(Init::Random)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(fit.run_inertia.len(), 6);
    let min = fit
        .run_inertia
        .iter()
        .cloned()
        .fold(f64::INFINITY, f64::min);
    assert_eq!(fit.inertia, min);
    assert_eq!(fit.run_inertia[fit.best_run], min);
}
