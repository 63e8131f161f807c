//! The fast paths of the batched maps against their references: the AVX2 softmax against the
//! portable body, the masked threshold iteration against the gathered one, the AVX2 pass of
//! the masked iteration against its portable lanes, the AVX2 candidate masks against the
//! portable ones, and the sparse output of the row solvers against their dense tiles.

use super::*;
use crate::rng::Rng;

/// Rows of `k` distances from a few generators, with the awkward values a pass can meet.
fn rows(rng: &mut Rng, k: usize) -> Vec<Vec<f64>> {
    let mut out: Vec<Vec<f64>> = [1e-3, 1.0, 50.0, 1e4]
        .iter()
        .map(|&scale| (0..k).map(|_| scale * rng.uniform()).collect())
        .collect();
    let mut tied = vec![3.0; k];
    tied[k / 2] = 2.0;
    out.push(tied);
    if k > 1 {
        let mut far: Vec<f64> = (0..k).map(|_| 10.0 * rng.uniform()).collect();
        far[k - 1] = f64::INFINITY;
        out.push(far);
        let mut nan: Vec<f64> = (0..k).map(|_| 10.0 * rng.uniform()).collect();
        nan[0] = f64::NAN;
        out.push(nan);
    }
    out
}

fn close(a: f64, b: f64, rel: f64, abs: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b || (a - b).abs() <= rel * a.abs().max(b.abs()) + abs
}

#[cfg(target_arch = "x86_64")]
#[test]
fn avx2_softmax_matches_the_portable_body() {
    if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
    {
        return;
    }
    let mut rng = Rng::new(17);
    let mut checked = 0;
    for k in [1, 2, 7, 8, 9, 16, 31, 33, 64, 65, 100, 257] {
        let tile: Vec<f32> = rows(&mut rng, k)
            .into_iter()
            .flatten()
            .map(|v| v as f32)
            .collect();
        let m = tile.len() / k;
        for sigma in [1e-3, 0.7, 37.0, 1e6] {
            for diagnostics in [false, true] {
                let (mut fast, mut slow) = (vec![0.0f32; m * k], vec![0.0f32; m * k]);
                let (mut fs, mut ss) = (vec![RowStats::default(); m], vec![RowStats::default(); m]);
                // SAFETY: AVX2 and FMA were checked above; the shapes match.
                unsafe { avx2::softmax_rows_f32(&tile, k, sigma, diagnostics, &mut fast, &mut fs) };
                softmax_rows_f32_portable(&tile, k, sigma, diagnostics, &mut slow, &mut ss);
                let context = format!("k={k} sigma={sigma}");
                for (a, b) in fast.iter().zip(&slow) {
                    // A few ulp, and entries at the flush threshold may land on either side.
                    let ok = close(*a as f64, *b as f64, 1e-6, 2.0 * f32::MIN_POSITIVE as f64);
                    assert!(ok, "{context}: {a} vs {b}");
                }
                for (a, b) in fs.iter().zip(&ss) {
                    assert!(
                        close(a.loss, b.loss, 2e-6, 0.0),
                        "{context}: loss {a:?} vs {b:?}"
                    );
                    assert!(
                        a.nnz.abs_diff(b.nnz) <= 1,
                        "{context}: support {a:?} vs {b:?}"
                    );
                    if diagnostics {
                        let scale = 1.0 + b.soft_min.abs() + sigma * (k as f64).ln();
                        assert!(
                            close(a.soft_min, b.soft_min, 0.0, 1e-6 * scale),
                            "{context}: {a:?} vs {b:?}"
                        );
                        assert!(
                            close(a.entropy, b.entropy, 0.0, 1e-5 * (1.0 + (k as f64).ln())),
                            "{context}: {a:?} vs {b:?}"
                        );
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 500);
}

#[test]
fn masked_threshold_matches_the_gathered_one() {
    let mut rng = Rng::new(23);
    let mut compared = 0;
    for k in [2, 3, 9, 13, 64, 257] {
        for row in rows(&mut rng, k) {
            for width in [1e-2, 0.3, 2.0, 40.0, 1e5] {
                let d_min = row.iter().cloned().fold(f64::INFINITY, f64::min);
                let ys: Vec<f64> = row.iter().map(|&d| (d_min - d) / width).collect();
                let (mut idx, mut kept): (Vec<usize>, Vec<f64>) = ys
                    .iter()
                    .enumerate()
                    .filter(|&(_, &y)| y > -1.0)
                    .map(|(j, &y)| (j, y))
                    .unzip();
                let mut idx2 = idx.clone();
                let mut kept2 = kept.clone();
                for (masked, gathered) in [
                    (
                        threshold_masked::<1>(&ys),
                        threshold_newton::<1>(&mut idx, &mut kept),
                    ),
                    (
                        threshold_masked::<2>(&ys),
                        threshold_newton::<2>(&mut idx2, &mut kept2),
                    ),
                ] {
                    let context = format!("k={k} width={width} row={row:?}");
                    match (masked, gathered) {
                        (Some(a), Some(b)) => {
                            assert!((a - b).abs() <= 1e-12, "{context}: {a} vs {b}");
                            compared += 1;
                        }
                        // Stalling is a matter of rounding; the caller then sorts.
                        (a, b) => assert!(a.is_none() || b.is_none(), "{context}"),
                    }
                }
            }
        }
    }
    assert!(compared > 300, "{compared}");
}

#[cfg(target_arch = "x86_64")]
#[test]
fn avx2_threshold_pass_matches_the_portable_lanes() {
    if !(std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
    {
        return;
    }
    let mut rng = Rng::new(29);
    for k in [1, 3, 4, 5, 17, 64, 101] {
        let mut ys: Vec<f64> = (0..k).map(|_| -1.5 * rng.uniform()).collect();
        ys[0] = 0.0;
        if k > 3 {
            ys[2] = f64::NAN;
            ys[3] = f64::NEG_INFINITY;
        }
        for tau in [-1.0, -0.6, -0.2, -1e-9] {
            // SAFETY: AVX2 and FMA were checked above.
            let a = unsafe { avx2::threshold_pass(&ys, tau) };
            let b = kept_sums_portable(&ys, tau);
            let context = format!("k={k} tau={tau}: {a:?} vs {b:?}");
            assert_eq!(a.s, b.s, "{context}");
            assert_eq!(a.min_y, b.min_y, "{context}");
            assert_eq!(a.max_out, b.max_out, "{context}");
            assert!(close(a.a1, b.a1, 1e-14, 1e-300), "{context}");
            assert!(close(a.a2, b.a2, 1e-14, 1e-300), "{context}");
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[test]
fn avx2_candidate_masks_match_the_portable_ones() {
    if !std::arch::is_x86_feature_detected!("avx2") {
        return;
    }
    let mut rng = Rng::new(31);
    let mut checked = 0;
    for len in [1, 3, 4, 5, 8, 13, 31, 32] {
        let mut chunk: Vec<f64> = (0..len).map(|_| 4.0 * rng.uniform()).collect();
        chunk[len / 2] = f64::NAN;
        chunk[len - 1] = f64::INFINITY;
        let narrow: Vec<f32> = chunk.iter().map(|&v| v as f32).collect();
        for d_min in [0.0, 0.5, f64::INFINITY] {
            for width in [1e-3, 0.7, 2.0, 1e300] {
                // SAFETY: AVX2 was checked above.
                let (a, b) = unsafe {
                    (
                        avx2::near_mask_f64(&chunk, d_min, width),
                        avx2::near_mask_f32(&narrow, d_min, width),
                    )
                };
                assert_eq!(
                    a,
                    near_mask_portable(&chunk, d_min, width),
                    "{len} {d_min} {width}"
                );
                assert_eq!(
                    b,
                    near_mask_portable(&narrow, d_min, width),
                    "{len} {d_min} {width}"
                );
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 8 * 3 * 4);
}

/// `tile_rows_sparse` against `tile_rows` on the same tile: the same statistics bit for bit,
/// and row by row exactly the nonzero entries of the dense tile, in column order.
fn sparse_tile_matches_dense<F: Float>(seed: u64) -> usize {
    let mut rng = Rng::new(seed);
    let mut rows_checked = 0;
    let maps = [
        Map::Entmax15,
        Map::Sparsemax,
        Map::Hard,
        Map::Entmax { alpha: 1.3 },
    ];
    for k in [1, 2, 9, 33, 64, 100] {
        let tile: Vec<F> = rows(&mut rng, k)
            .into_iter()
            .flatten()
            .map(F::from_f64_round)
            .collect();
        let m = tile.len() / k;
        for map in maps {
            for sigma in [1e-3, 0.5, 3.0, 1e4] {
                for diagnostics in [false, true] {
                    let mut scratch = RowScratch::new(k);
                    let mut dense = vec![F::zero(); m * k];
                    let mut ds = vec![RowStats::default(); m];
                    map.tile_rows(
                        &tile,
                        k,
                        sigma,
                        diagnostics,
                        &mut dense,
                        &mut ds,
                        &mut scratch,
                    );
                    let mut sparse = SparseTile::new();
                    let mut ss = vec![RowStats::default(); m];
                    let st = &mut ss;
                    map.tile_rows_sparse(
                        &tile,
                        k,
                        sigma,
                        diagnostics,
                        &mut sparse,
                        st,
                        &mut scratch,
                    );
                    let context = format!("{} k={k} sigma={sigma}", map.name());
                    assert_eq!(sparse.n_rows(), m, "{context}");
                    for (i, (a, b)) in ds.iter().zip(&ss).enumerate() {
                        let same = |x: f64, y: f64| x.to_bits() == y.to_bits();
                        assert!(
                            same(a.loss, b.loss)
                                && same(a.soft_min, b.soft_min)
                                && same(a.entropy, b.entropy)
                                && a.nnz == b.nnz,
                            "{context} row {i}: {a:?} vs {b:?}"
                        );
                        let (cols, vals) = sparse.row(i);
                        let expected: Vec<(u32, u64)> = dense[i * k..(i + 1) * k]
                            .iter()
                            .enumerate()
                            .filter(|(_, v)| **v != F::zero())
                            .map(|(j, v)| (j as u32, v.to_f64_lossless().to_bits()))
                            .collect();
                        let got: Vec<(u32, u64)> = cols
                            .iter()
                            .zip(vals)
                            .map(|(&j, v)| (j, v.to_f64_lossless().to_bits()))
                            .collect();
                        assert_eq!(got, expected, "{context} row {i}");
                        rows_checked += 1;
                    }
                    let mut scattered = vec![F::one(); m * k];
                    sparse.scatter(k, &mut scattered);
                    let bits = |v: &[F]| -> Vec<u64> {
                        v.iter().map(|x| x.to_f64_lossless().to_bits()).collect()
                    };
                    assert_eq!(bits(&scattered), bits(&dense), "{context}");
                }
            }
        }
    }
    rows_checked
}

#[test]
fn sparse_tiles_hold_the_nonzeros_of_the_dense_ones() {
    assert!(sparse_tile_matches_dense::<f32>(37) > 1000);
    assert!(sparse_tile_matches_dense::<f64>(41) > 1000);
}
