//! Oracle tests of mini-batch K-Means against Lloyd and against itself.

use ndarray::{s, Array2};

use super::*;
use crate::error::Error;
use crate::init::Init;
use crate::kmeans::KMeansParams;
use crate::rng::Rng;

/// `n` points around `k` well-separated centers in `d` dimensions.
fn blobs(n: usize, d: usize, k: usize, seed: u64) -> Array2<f64> {
    let mut rng = Rng::new(seed);
    let means: Vec<f64> = (0..k * d).map(|_| rng.uniform() * 40.0).collect();
    Array2::from_shape_fn((n, d), |(i, j)| means[(i % k) * d + j] + rng.normal())
}

fn stream_params(k: usize, batch: usize) -> MiniBatchKMeansParams {
    MiniBatchKMeansParams::new(k)
        .batch_size(batch)
        .shuffle(false)
        .max_no_improvement(None)
        .max_iter(3)
        .seed(5)
}

#[test]
fn converges_near_lloyds_inertia_on_blobs() {
    let x = blobs(20_000, 4, 6, 1);
    let lloyd = KMeansParams::new(6).seed(2).fit(x.view(), None).unwrap();
    let mb = MiniBatchKMeansParams::new(6)
        .batch_size(256)
        .seed(2)
        .fit(x.view(), None)
        .unwrap();
    assert!(
        mb.inertia <= 1.05 * lloyd.inertia,
        "mini-batch {} vs Lloyd {}",
        mb.inertia,
        lloyd.inertia
    );
    assert_eq!(mb.labels.len(), 20_000);
    assert_eq!(mb.cluster_sizes.iter().sum::<usize>(), 20_000);
    let want = mb.model.inertia(x.view(), None).unwrap();
    assert!((mb.inertia - want).abs() <= 1e-9 * want);
}

#[test]
fn fit_in_order_equals_initialize_then_partial_fit_over_the_same_batches() {
    let x = blobs(3_000, 3, 7, 3);
    let p = stream_params(7, 200).check().unwrap();
    let fit = p.fit(x.view(), None).unwrap();

    let mut state = MiniBatchKMeans::new(p.clone()).unwrap();
    state
        .initialize(x.slice(s![..p.init_size(3_000), ..]), None)
        .unwrap();
    for _ in 0..3 {
        for start in (0..3_000).step_by(200) {
            let end = (start + 200).min(3_000);
            state
                .partial_fit(x.slice(s![start..end, ..]), None)
                .unwrap();
        }
    }
    assert_eq!(state.n_steps(), fit.n_steps);
    assert_eq!(state.model().unwrap().centers(), fit.model.centers());
    assert_eq!(state.counts(), &fit.counts[..]);
}

#[test]
fn partial_fit_initialises_from_its_first_batch() {
    let x = blobs(600, 2, 3, 4);
    let p = stream_params(3, 300).check().unwrap();
    let mut state = MiniBatchKMeans::<f64>::new(p).unwrap();
    assert!(state.model().is_none());
    let stats = state.partial_fit(x.slice(s![..300, ..]), None).unwrap();
    assert_eq!((stats.n_rows, stats.weight), (300, 300.0));
    assert!(state.is_initialized());
    assert_eq!(state.counts().iter().sum::<f64>(), 300.0);
}

#[test]
fn integer_weights_equal_repeated_rows() {
    let x = blobs(40, 2, 3, 6);
    let reps: Vec<usize> = (0..40).map(|i| 1 + i % 3).collect();
    let w: Vec<f64> = reps.iter().map(|&r| r as f64).collect();
    let mut rows = Vec::new();
    for (i, &r) in reps.iter().enumerate() {
        for _ in 0..r {
            rows.extend(x.row(i).iter().copied());
        }
    }
    let repeated = Array2::from_shape_vec((rows.len() / 2, 2), rows).unwrap();
    let c0 = x.slice(s![..3, ..]).to_owned();
    let p = || {
        stream_params(3, 1000)
            .init(Init::Centers(c0.clone()))
            .reassignment_ratio(0.0)
            .max_iter(4)
    };
    let a = p().fit(x.view(), Some(&w)).unwrap();
    let b = p().fit(repeated.view(), None).unwrap();
    for (u, v) in a.model.centers().iter().zip(b.model.centers()) {
        assert!((u - v).abs() <= 1e-12 * (1.0 + v.abs()), "{u} vs {v}");
    }
    assert!((a.inertia - b.inertia).abs() <= 1e-9 * b.inertia);
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let x = blobs(5_000, 9, 5, 7).mapv(|v| v as f32);
    let fit = |t| {
        MiniBatchKMeansParams::new(5)
            .batch_size(1000)
            .max_iter(5)
            .seed(3)
            .threads(t)
            .fit(x.view(), None)
            .unwrap()
    };
    let (a, b) = (fit(1), fit(3));
    assert_eq!(a.model.centers(), b.model.centers());
    assert_eq!(a.labels, b.labels);
    assert_eq!(a.n_steps, b.n_steps);
}

#[test]
fn early_stops_as_documented() {
    let x = blobs(20_000, 2, 4, 8);
    let fit = MiniBatchKMeansParams::new(4)
        .batch_size(100)
        .seed(1)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(fit.stop_reason, MiniBatchStop::NoImprovement);
    assert!(fit.n_epochs < 100);

    let fit = MiniBatchKMeansParams::new(4)
        .batch_size(100)
        .max_no_improvement(None)
        .max_iter(2)
        .fit(x.view(), None)
        .unwrap();
    assert_eq!(fit.stop_reason, MiniBatchStop::MaxIter);
    assert_eq!(fit.n_steps, 400);
}

#[test]
fn reassignment_rescues_a_starved_center() {
    // One center starts far from all the data and would never get a point.
    let x = blobs(2_000, 2, 2, 9);
    let mut c0 = x.slice(s![..3, ..]).to_owned();
    c0.row_mut(2).fill(1e6);
    let p = stream_params(3, 100).init(Init::Centers(c0));
    let fit = p.clone().fit(x.view(), None).unwrap();
    assert!(fit.n_reassigned >= 1);
    assert!(
        fit.cluster_sizes.iter().all(|&c| c > 0),
        "{:?}",
        fit.cluster_sizes
    );
    let fit = p.reassignment_ratio(0.0).fit(x.view(), None).unwrap();
    assert_eq!(fit.cluster_sizes[2], 0);
}

#[test]
fn bad_data_is_an_error() {
    let x = ndarray::array![[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]];
    let e = MiniBatchKMeansParams::new(3)
        .fit(x.view(), None)
        .unwrap_err();
    assert!(matches!(e, Error::TooFewDistinctPoints { .. }), "{e}");

    let p = MiniBatchKMeansParams::new(1).check().unwrap();
    let mut state = MiniBatchKMeans::new(p).unwrap();
    state.partial_fit(x.view(), None).unwrap();
    let wide = Array2::<f64>::zeros((2, 3));
    let e = state.partial_fit(wide.view(), None).unwrap_err();
    assert!(e.to_string().contains("columns"), "{e}");
    let e = state.initialize(x.view(), None).unwrap_err();
    assert!(e.to_string().contains("already"), "{e}");
    let e = state.partial_fit(x.view(), Some(&[1.0])).unwrap_err();
    assert!(matches!(e, Error::ShapeMismatch { .. }), "{e}");
}
