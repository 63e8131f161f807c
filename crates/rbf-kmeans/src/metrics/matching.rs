//! The matched distance between two sets of centers:
//! `δ(A, B) = min_π max_k ‖a_k − b_π(k)‖` over one-to-one assignments `π` (THEORY.md claim 5).
//!
//! This is a bottleneck assignment: binary search over the `K²` pairwise distances for the
//! smallest threshold that admits a perfect matching, each check by augmenting paths (Kuhn's
//! algorithm), `O(K³ log K)` in all.

use crate::distance::sq_euclidean;
use crate::float::Float;

/// The optimal assignment `π` (as `perm[k] = π(k)`) and `δ`, for two row-major `k × d` sets.
///
/// # Panics
/// If the sets differ in size or are not multiples of `d`.
pub fn bottleneck_matching<F: Float>(a: &[F], b: &[F], d: usize) -> (Vec<usize>, f64) {
    assert_eq!(
        a.len(),
        b.len(),
        "bottleneck_matching: the sets differ in size"
    );
    assert!(d > 0 && a.len() % d == 0, "bottleneck_matching: not k × d");
    let k = a.len() / d;
    if k == 0 {
        return (Vec::new(), 0.0);
    }
    let dist: Vec<f64> = (0..k * k)
        .map(|p| {
            sq_euclidean(
                &a[(p / k) * d..(p / k + 1) * d],
                &b[(p % k) * d..(p % k + 1) * d],
            )
        })
        .collect();
    let mut levels = dist.clone();
    levels.sort_by(f64::total_cmp);
    levels.dedup();

    let (mut lo, mut hi) = (0, levels.len() - 1);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if perfect_matching(&dist, k, levels[mid]).is_some() {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    let perm = perfect_matching(&dist, k, levels[lo]).expect("the largest level admits a matching");
    (perm, levels[lo].sqrt())
}

/// `δ(A, B)` alone.
pub fn matched_distance<F: Float>(a: &[F], b: &[F], d: usize) -> f64 {
    bottleneck_matching(a, b, d).1
}

/// A perfect matching using only pairs with `dist ≤ limit`, if one exists.
fn perfect_matching(dist: &[f64], k: usize, limit: f64) -> Option<Vec<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; k];
    for row in 0..k {
        let mut seen = vec![false; k];
        if !augment(row, dist, k, limit, &mut owner, &mut seen) {
            return None;
        }
    }
    let mut perm = vec![0; k];
    for (col, o) in owner.iter().enumerate() {
        perm[o.expect("perfect")] = col;
    }
    Some(perm)
}

fn augment(
    row: usize,
    dist: &[f64],
    k: usize,
    limit: f64,
    owner: &mut [Option<usize>],
    seen: &mut [bool],
) -> bool {
    for col in 0..k {
        if dist[row * k + col] <= limit && !seen[col] {
            seen[col] = true;
            let free = match owner[col] {
                None => true,
                Some(other) => augment(other, dist, k, limit, owner, seen),
            };
            if free {
                owner[col] = Some(row);
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn brute(a: &[f64], b: &[f64], d: usize) -> f64 {
        let k = a.len() / d;
        let mut best = f64::INFINITY;
        let mut perm: Vec<usize> = (0..k).collect();
        permute(&mut perm, 0, &mut |p| {
            let m = (0..k)
                .map(|i| sq_euclidean(&a[i * d..(i + 1) * d], &b[p[i] * d..(p[i] + 1) * d]))
                .fold(0.0, f64::max);
            best = best.min(m);
        });
        best.sqrt()
    }

    fn permute(p: &mut Vec<usize>, i: usize, f: &mut impl FnMut(&[usize])) {
        if i == p.len() {
            f(p);
            return;
        }
        for j in i..p.len() {
            p.swap(i, j);
            permute(p, i + 1, f);
            p.swap(i, j);
        }
    }

    #[test]
    fn matches_brute_force_on_small_sets() {
        let mut rng = Rng::new(2);
        for k in 1..=6 {
            for _ in 0..20 {
                let a: Vec<f64> = (0..k * 2).map(|_| rng.normal()).collect();
                let b: Vec<f64> = (0..k * 2).map(|_| rng.normal()).collect();
                let (perm, delta) = bottleneck_matching(&a, &b, 2);
                assert!((delta - brute(&a, &b, 2)).abs() < 1e-12);
                let mut sorted = perm.clone();
                sorted.sort_unstable();
                assert_eq!(sorted, (0..k).collect::<Vec<_>>());
            }
        }
    }

    #[test]
    fn a_permuted_copy_is_at_distance_zero() {
        let a = [0.0, 0.0, 1.0, 1.0, 5.0, 2.0];
        let b = [5.0, 2.0, 0.0, 0.0, 1.0, 1.0];
        let (perm, delta) = bottleneck_matching(&a, &b, 2);
        assert_eq!(delta, 0.0);
        assert_eq!(perm, vec![1, 2, 0]);
    }
}
