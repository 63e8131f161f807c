//! Oracle tests of the nearest-center kernels against direct `f64` sums, on both paths.

use super::*;
use crate::distance::{row_sq_norms, sq_euclidean, DIRECT_MAX_DIM};
use crate::rng::Rng;

fn paths() -> Vec<KernelPath> {
    [KernelPath::Portable, KernelPath::Avx2]
        .into_iter()
        .filter(|p| p.is_available())
        .collect()
}

/// Every layout a kernel exists for at dimension `d`.
fn layouts(d: usize) -> Vec<Layout> {
    if d <= DIRECT_MAX_DIM {
        vec![Layout::Direct]
    } else {
        vec![Layout::Panels, Layout::Rows]
    }
}

/// Every (path, layout) pair at dimension `d`.
fn kernels(d: usize) -> Vec<(KernelPath, Layout)> {
    paths()
        .into_iter()
        .flat_map(|p| layouts(d).into_iter().map(move |l| (p, l)))
        .collect()
}

struct Run<F> {
    labels: Vec<usize>,
    dist: Vec<F>,
}

fn run<F: Float>(path: KernelPath, x: &[F], c: &[F], d: usize) -> Run<F> {
    let k = c.len() / d;
    run_on(path, Layout::choose::<F>(k, d), x, c, d)
}

fn run_on<F: Float>(path: KernelPath, layout: Layout, x: &[F], c: &[F], d: usize) -> Run<F> {
    let (m, k) = (x.len() / d, c.len() / d);
    let mut xn = vec![F::zero(); m];
    row_sq_norms(x, d, &mut xn);
    let mut packed = PackedCenters::with_layout(k, d, layout);
    packed.pack(c);
    let mut scratch = NearestScratch::new();
    let mut labels = vec![usize::MAX; m];
    let mut dist = vec![F::nan(); m];
    nearest_centers_on(path, x, &xn, &packed, &mut scratch, &mut labels, &mut dist);
    Run { labels, dist }
}

fn random<F: Float>(len: usize, offset: f64, rng: &mut Rng) -> Vec<F> {
    (0..len)
        .map(|_| F::from_f64_round(offset + rng.normal()))
        .collect()
}

/// Checks one shape on every path and layout: each label is a nearest center up to the rounding
/// of the expanded form, each distance is the exact one to that label up to the same rounding,
/// and the kernels agree wherever the runner-up is not within rounding of the winner.
fn check<F: Float>(m: usize, k: usize, d: usize, offset: f64, eps: f64) {
    let mut rng = Rng::new((m * 1009 + k * 31 + d) as u64);
    let x: Vec<F> = random(m * d, offset, &mut rng);
    let c: Vec<F> = random(k * d, offset, &mut rng);
    let tol = eps * (1.0 + (offset * offset + 4.0) * d as f64);
    let exact: Vec<Vec<f64>> = x
        .chunks_exact(d)
        .map(|xi| c.chunks_exact(d).map(|cj| sq_euclidean(xi, cj)).collect())
        .collect();

    let runs: Vec<Run<F>> = kernels(d)
        .into_iter()
        .map(|(p, l)| run_on(p, l, &x, &c, d))
        .collect();
    for r in &runs {
        for (i, e) in exact.iter().enumerate() {
            let min = e.iter().copied().fold(f64::INFINITY, f64::min);
            let j = r.labels[i];
            assert!(j < k, "m{m} k{k} d{d}: label {j}");
            assert!(
                e[j] <= min + tol,
                "m{m} k{k} d{d} row {i}: {} vs {min}",
                e[j]
            );
            let got = r.dist[i].to_f64_lossless();
            assert!(
                got >= 0.0 && (got - e[j]).abs() <= tol,
                "m{m} k{k} d{d}: {got} vs {}",
                e[j]
            );
        }
    }
    for r in &runs[1..] {
        for (i, e) in exact.iter().enumerate() {
            let mut sorted = e.clone();
            sorted.sort_by(f64::total_cmp);
            if sorted.len() < 2 || sorted[1] - sorted[0] > 2.0 * tol {
                assert_eq!(
                    r.labels[i], runs[0].labels[i],
                    "m{m} k{k} d{d}: kernels differ"
                );
            }
        }
    }
}

const SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 1),
    (7, 3, 2),
    (9, 1, 5),
    (23, 8, 8),
    (13, 1, 9),
    (1, 17, 9),
    (50, 16, 16),
    (37, 33, 31),
    (251, 70, 13),
    (241, 20, 100),
    (6, 300, 10),
    (500, 9, 33),
    // Few centers of large dimension: the dot kernel's shapes, with `d` not a multiple of the
    // register width, `k` not a multiple of its center blocks, and an odd number of rows.
    (37, 10, 784),
    (9, 7, 65),
    (5, 1, 100),
    (11, 13, 131),
    (3, 24, 70),
    (64, 6, 203),
    (2, 2, 9),
];

#[test]
fn labels_and_distances_match_the_naive_reference_on_random_shapes() {
    for &(m, k, d) in SHAPES {
        check::<f64>(m, k, d, 0.0, 1e-12);
        check::<f32>(m, k, d, 0.0, 1e-5);
        check::<f64>(m, k, d, 5.0, 1e-12);
        check::<f32>(m, k, d, 5.0, 1e-5);
    }
}

#[test]
fn more_panels_than_one_cache_block_are_all_searched() {
    // 70 centers of dimension 1000: 9 f64 panels of 64 KB, more than one 512 KB block.
    check::<f64>(30, 70, 1000, 0.0, 1e-12);
    check::<f32>(30, 70, 1000, 0.0, 1e-5);
}

fn check_direct_paths<F: Float>(m: usize, k: usize, d: usize) {
    let mut rng = Rng::new((m * 31 + k * 7 + d) as u64);
    let x: Vec<F> = random(m * d, 0.0, &mut rng);
    let c: Vec<F> = random(k * d, 0.0, &mut rng);
    let runs: Vec<Run<F>> = paths().into_iter().map(|p| run(p, &x, &c, d)).collect();
    for r in &runs[1..] {
        assert_eq!(r.labels, runs[0].labels, "{} m{m} k{k} d{d}", F::NAME);
        assert_eq!(r.dist, runs[0].dist, "{} m{m} k{k} d{d}", F::NAME);
    }
}

#[test]
fn the_direct_kernel_gives_bit_identical_results_on_both_paths() {
    for d in 1..=DIRECT_MAX_DIM {
        // Full groups of points and every kind of partial last group.
        for m in [1, 3, 8, 15, 16, 17, 31, 1000 / d] {
            for k in [1, 2, 11] {
                check_direct_paths::<f32>(m, k, d);
                check_direct_paths::<f64>(m, k, d);
            }
        }
    }
}

#[test]
fn the_dot_kernel_runs_for_few_centers_of_large_dimension() {
    assert_eq!(Layout::choose::<f32>(10, 784), Layout::Rows);
    assert_eq!(Layout::choose::<f64>(10, 784), Layout::Rows);
}

/// The kernels treat every row on its own: any split of the rows into calls, as different
/// tilings or thread counts make, gives bit-identical labels and distances.
fn check_splits<F: Float>(m: usize, k: usize, d: usize) {
    let mut rng = Rng::new((m + k + d) as u64);
    let x: Vec<F> = random(m * d, 1.0, &mut rng);
    let c: Vec<F> = random(k * d, 1.0, &mut rng);
    for (path, layout) in kernels(d) {
        let whole = run_on(path, layout, &x, &c, d);
        for split in [1, 2, 3, 7] {
            let (a, b) = x.split_at(split * d);
            let (ra, rb) = (
                run_on(path, layout, a, &c, d),
                run_on(path, layout, b, &c, d),
            );
            assert_eq!(
                [ra.labels, rb.labels].concat(),
                whole.labels,
                "{path:?} {layout:?}"
            );
            assert_eq!(
                [ra.dist, rb.dist].concat(),
                whole.dist,
                "{path:?} {layout:?}"
            );
        }
    }
}

#[test]
fn results_do_not_depend_on_how_the_rows_are_split() {
    for &(m, k, d) in &[(20, 10, 100), (15, 7, 33), (12, 30, 17), (9, 5, 4)] {
        check_splits::<f32>(m, k, d);
        check_splits::<f64>(m, k, d);
    }
}

fn check_ties<F: Float>(d: usize) {
    // Center 3 is repeated at 20 (another panel) and 21; the point at the origin is equidistant
    // from ±e_0 (centers 5 and 6, small integers: every product is exact on every path).
    let k = 24;
    let mut rng = Rng::new(d as u64 + 99);
    let mut c: Vec<F> = random(k * d, 10.0, &mut rng);
    let c3 = c[3 * d..4 * d].to_vec();
    c[20 * d..21 * d].copy_from_slice(&c3);
    c[21 * d..22 * d].copy_from_slice(&c3);
    for t in 0..d {
        c[5 * d + t] = F::zero();
        c[6 * d + t] = F::zero();
    }
    c[5 * d] = F::one();
    c[6 * d] = -F::one();
    let mut x = c3.clone();
    x.extend(std::iter::repeat_n(F::zero(), d));
    for (path, layout) in kernels(d) {
        let r = run_on(path, layout, &x, &c, d);
        assert_eq!(r.labels, [3, 5], "{path:?} {layout:?} d{d}");
        // The expanded form is accurate to a few ε (‖x‖² + ‖c‖²).
        let tol = 16.0 * F::epsilon().to_f64_lossless() * sq_euclidean(&c3, &vec![F::zero(); d]);
        let d0 = r.dist[0].to_f64_lossless();
        assert!(d0 >= 0.0 && d0 < tol, "{path:?} {layout:?} d{d}: {d0}");
        assert_eq!(r.dist[1], F::one(), "{path:?} {layout:?} d{d}");
    }
}

#[test]
fn ties_go_to_the_lowest_index_and_a_point_on_a_center_picks_it() {
    for d in [1, 2, 7, 8, 9, 16, 33, 100, 784] {
        check_ties::<f32>(d);
        check_ties::<f64>(d);
    }
}

/// Each row's label and distance come out bit-identical whether the row is passed alone or
/// inside a block, at any position: Hamerly's and Elkan's passes rely on this to get Lloyd's
/// label for one near-tied point without recomputing its whole tile.
fn check_row_independence<F: Float>(m: usize, k: usize, d: usize) {
    let mut rng = Rng::new((m * 7 + k * 13 + d) as u64);
    let x: Vec<F> = random(m * d, 3.0, &mut rng);
    let c: Vec<F> = random(k * d, 3.0, &mut rng);
    for path in paths() {
        let block = run(path, &x, &c, d);
        for i in 0..m {
            let alone = run(path, &x[i * d..(i + 1) * d], &c, d);
            assert_eq!(
                alone.labels[0], block.labels[i],
                "{path:?} m{m} k{k} d{d} row {i}"
            );
            assert_eq!(
                alone.dist[0].to_f64_lossless().to_bits(),
                block.dist[i].to_f64_lossless().to_bits(),
                "{path:?} m{m} k{k} d{d} row {i}"
            );
        }
    }
}

#[test]
fn a_row_gets_the_same_result_alone_as_inside_a_block() {
    for &(m, k, d) in &[
        (13, 5, 2),
        (20, 8, 8),
        (19, 17, 9),
        (25, 64, 32),
        (8, 10, 300),
    ] {
        check_row_independence::<f32>(m, k, d);
        check_row_independence::<f64>(m, k, d);
    }
}
