//! Side-by-side checks against Lloyd, shared by the tests of Elkan and Hamerly.

use ndarray::{Array2, ArrayView2};

use super::*;
use crate::init::Init;
use crate::kmeans::KMeansParams;
use crate::parallel::Threads;
use crate::rng::Rng;

/// Runs Lloyd's pass and `P`'s pass side by side from `init` for `iters` iterations on
/// `threads` threads, asserting identical labels, relocations and bit-identical centers at
/// every iteration. Returns the Lloyd tiles `P` computed after its first pass.
pub fn lockstep<F: Float, P: Pruning>(
    x: ArrayView2<'_, F>,
    w: Option<&[f64]>,
    init: &[F],
    iters: usize,
    threads: usize,
) -> usize {
    Threads(threads)
        .install(|| {
            let s = Samples::new(x, w).unwrap();
            let (n, d) = (s.n_samples(), s.n_features());
            let k = init.len() / d;
            let mut lw = LloydWorkspace::new(&s, k);
            let mut aw = AccelWorkspace::<F>::new::<P>(&s, k);
            let (mut cl, mut ca) = (init.to_vec(), init.to_vec());
            let (mut nl, mut na) = (init.to_vec(), init.to_vec());
            let (mut ll, mut la) = (vec![usize::MAX; n], vec![usize::MAX; n]);
            let mut tiles = 0;
            for it in 0..iters {
                let mut a = lw.assign(&s, &cl, &mut ll, false).clone();
                aw.assign::<P>(&s, &ca, &mut la);
                if it > 0 {
                    tiles += aw.tiles;
                }
                assert_eq!(ll, la, "labels differ at iteration {}", it + 1);
                assert_eq!(a.changed, aw.total.changed);
                let r1 = update_centers(&s, &cl, &mut ll, &mut a, &mut nl);
                let r2 = aw.update::<P>(&s, &ca, &mut la, &mut na);
                assert_eq!(r1, r2, "relocations differ at iteration {}", it + 1);
                assert_eq!(
                    ll,
                    la,
                    "labels after relocation differ at iteration {}",
                    it + 1
                );
                let same = nl
                    .iter()
                    .zip(&na)
                    .all(|(p, q)| p.to_bits_u64() == q.to_bits_u64());
                assert!(same, "centers differ at iteration {}", it + 1);
                std::mem::swap(&mut cl, &mut nl);
                std::mem::swap(&mut ca, &mut na);
            }
            tiles
        })
        .unwrap()
}

/// Bit patterns, to compare floats exactly.
trait Bits {
    fn to_bits_u64(self) -> u64;
}
impl<F: Float> Bits for F {
    fn to_bits_u64(self) -> u64 {
        self.to_f64_lossless().to_bits()
    }
}

/// Whole fits with `algorithm` and with Lloyd agree exactly.
pub fn same_fit<F: Float>(
    x: ArrayView2<'_, F>,
    w: Option<&[f64]>,
    init: &[F],
    algorithm: crate::kmeans::Algorithm,
    max_iter: usize,
    tol: f64,
) -> usize {
    let d = x.ncols();
    let c = Array2::from_shape_fn((init.len() / d, d), |(j, t)| {
        init[j * d + t].to_f64_lossless()
    });
    let params = |a| {
        KMeansParams::new(c.nrows())
            .init(Init::Centers(c.clone()))
            .max_iter(max_iter)
            .tol(tol)
            .algorithm(a)
    };
    let want = params(crate::kmeans::Algorithm::Lloyd).fit(x, w).unwrap();
    let got = params(algorithm).fit(x, w).unwrap();
    assert_eq!(got.algorithm, algorithm);
    assert_eq!(got.labels, want.labels);
    assert_eq!(got.n_iter, want.n_iter);
    assert_eq!(got.stop_reason, want.stop_reason);
    assert_eq!(got.n_relocations, want.n_relocations);
    assert_eq!(got.inertia.to_bits(), want.inertia.to_bits());
    let same = got
        .centers()
        .iter()
        .zip(want.centers())
        .all(|(p, q)| p.to_bits_u64() == q.to_bits_u64());
    assert!(same, "final centers differ");
    want.n_relocations
}

/// Gaussian blobs: `k` centers spread by `sep`, unit noise, shifted by `offset`.
pub fn blobs<F: Float>(
    n: usize,
    d: usize,
    k: usize,
    sep: f64,
    offset: f64,
    seed: u64,
) -> Array2<F> {
    let mut rng = Rng::new(seed);
    let centers: Vec<f64> = (0..k * d).map(|_| rng.normal() * sep).collect();
    Array2::from_shape_fn((n, d), |(i, t)| {
        F::from_f64_round(offset + centers[(i % k) * d + t] + rng.normal())
    })
}

/// The first `k` rows of `x`, spaced by `step`, as initial centers.
pub fn rows_as_centers<F: Float>(x: &Array2<F>, k: usize, step: usize) -> Vec<F> {
    (0..k).flat_map(|j| x.row(j * step).to_vec()).collect()
}

/// Points on an integer lattice (many exact ties between lattice centers).
pub fn lattice<F: Float>(n: usize, d: usize, side: usize, seed: u64) -> Array2<F> {
    let mut rng = Rng::new(seed);
    Array2::from_shape_fn((n, d), |_| {
        F::from_f64_round((rng.uniform() * side as f64).floor())
    })
}

/// Every case of the exactness contract, run against Lloyd in lockstep and as whole fits.
pub fn exactness_suite<P: Pruning>() {
    let alg = P::ALGORITHM;

    // Blobs on every nearest-center kernel (direct for d ≤ 8, panels, and the dot kernel for
    // few centers of large dimension), both precisions, several leaves, random weights.
    for &(n, d, k) in &[(5000, 2, 8), (4500, 20, 7), (2100, 9, 16), (2100, 61, 5)] {
        let x64 = blobs::<f64>(n, d, k, 4.0, 0.0, n as u64);
        let x32 = blobs::<f32>(n, d, k, 4.0, 0.0, n as u64);
        let mut rng = Rng::new(7);
        let w: Vec<f64> = (0..n).map(|_| 0.25 + rng.uniform()).collect();
        lockstep::<f64, P>(x64.view(), Some(&w), &rows_as_centers(&x64, k, 3), 12, 1);
        lockstep::<f32, P>(x32.view(), None, &rows_as_centers(&x32, k, 3), 12, 2);
        let _ = same_fit(
            x64.view(),
            Some(&w),
            &rows_as_centers(&x64, k, 3),
            alg,
            100,
            0.0,
        );
        let _ = same_fit(
            x32.view(),
            None,
            &rows_as_centers(&x32, k, 5),
            alg,
            100,
            1e-6,
        );
    }

    // Far from the origin in f32: the expanded form's rounding band is wide, so near-ties
    // are frequent and must be settled by Lloyd's own tiles.
    let far = blobs::<f32>(3000, 16, 6, 0.5, 300.0, 3);
    lockstep::<f32, P>(far.view(), None, &rows_as_centers(&far, 6, 1), 15, 2);
    let _ = same_fit(far.view(), None, &rows_as_centers(&far, 6, 1), alg, 60, 0.0);
    let far = blobs::<f32>(2000, 50, 6, 0.5, 300.0, 4);
    lockstep::<f32, P>(far.view(), None, &rows_as_centers(&far, 6, 1), 15, 2);

    // Lattices: exact ties between centers, duplicated points, points on centers.
    for &(d, side) in &[(2, 6), (12, 3)] {
        let x32 = lattice::<f32>(2600, d, side, 11);
        let x64 = lattice::<f64>(2600, d, side, 11);
        lockstep::<f32, P>(x32.view(), None, &rows_as_centers(&x32, 9, 1), 10, 1);
        lockstep::<f64, P>(x64.view(), None, &rows_as_centers(&x64, 9, 1), 10, 2);
        let _ = same_fit(x64.view(), None, &rows_as_centers(&x64, 9, 1), alg, 50, 0.0);
    }

    // Points exactly halfway between two centers, and one ulp to either side.
    let mut pts = Vec::new();
    for t in 0..300 {
        let y = t as f64 * 0.37;
        for dx in [-f64::EPSILON, 0.0, f64::EPSILON] {
            pts.extend_from_slice(&[1.0 + dx, y, 0.5]);
        }
    }
    let x = Array2::from_shape_vec((pts.len() / 3, 3), pts).unwrap();
    let init = [0.0, 0.0, 0.5, 2.0, 0.0, 0.5, 1.0, 500.0, 0.5];
    lockstep::<f64, P>(x.view(), None, &init, 8, 2);
    let _ = same_fit(x.view(), None, &init, alg, 30, 0.0);

    // k = 1 and k = n.
    let x = blobs::<f64>(40, 3, 4, 3.0, 0.0, 5);
    lockstep::<f64, P>(x.view(), None, &rows_as_centers(&x, 1, 1), 4, 1);
    lockstep::<f64, P>(x.view(), None, &rows_as_centers(&x, 40, 1), 4, 1);
    let _ = same_fit(x.view(), None, &rows_as_centers(&x, 40, 1), alg, 10, 0.0);

    // An empty cluster from the start: relocation moves a point, whose bounds must reset.
    // Zero weights are never relocated.
    let x = blobs::<f64>(3000, 2, 3, 6.0, 0.0, 9);
    let mut w = vec![1.0; 3000];
    w[..300].iter_mut().for_each(|v| *v = 0.0);
    let mut init = rows_as_centers(&x, 3, 1);
    init.extend_from_slice(&[1e4, 1e4, -1e4, 1e4]);
    lockstep::<f64, P>(x.view(), Some(&w), &init, 10, 2);
    assert!(same_fit(x.view(), Some(&w), &init, alg, 50, 0.0) > 0);
}

/// The same labels and centers on 1, 2 and 4 threads, with pruning doing real work.
pub fn thread_independence<P: Pruning>() {
    let x = blobs::<f32>(9000, 4, 10, 8.0, 0.0, 21);
    let init = rows_as_centers(&x, 10, 7);
    let mut tiles = Vec::new();
    for t in [1, 2, 4] {
        tiles.push(lockstep::<f32, P>(x.view(), None, &init, 15, t));
    }
    assert!(tiles.iter().all(|&t| t == tiles[0]));
    // 9000 rows make 36 tiles a pass; well-separated blobs leave most of them unneeded.
    assert!(
        tiles[0] < 36 * 14 / 4,
        "pruning computed {} tiles",
        tiles[0]
    );
}
