//! Sparsemax (Martins and Astudillo, "From Softmax to Sparsemax", ICML 2016): `r = [z − τ]_+`,
//! the Euclidean projection of the logits onto the simplex, i.e. the minimiser of
//! `−rᵀz + (Σ r² − 1)/2`.

use super::support::{self, Power, Threshold};
use crate::float::Float;

/// Sparsemax of one row with the exact sort-based threshold.
///
/// On the candidates sorted by decreasing logit `y`, a support made of the first `s` has
/// `τ_s = (Σ_{j≤s} y_j − 1)/s`; the support is the largest `s` with `y_s > τ_s`.
pub(super) fn solve<F: Float>(
    dist: &[F],
    d_min: f64,
    sigma: f64,
    cand: &mut Vec<usize>,
) -> Threshold {
    support::candidates(dist, d_min, sigma, cand);

    let mut sum = 0.0f64;
    let (mut tau, mut size) = (-1.0, 1);
    for (j, &k) in cand.iter().enumerate() {
        let y = support::scaled_logit(dist[k].to_f64_lossless(), d_min, sigma);
        sum += y;
        let tau_s = (sum - 1.0) / (j + 1) as f64;
        if y > tau_s {
            tau = tau_s;
            size = j + 1;
        }
    }
    support::finish(dist, d_min, sigma, tau, Power::One, size, cand)
}

/// `grad_z_k = u_k − mean_{j ∈ S} u_j` on the support `S = {r > 0}`, `0` off it.
pub(super) fn vjp<F: Float>(r: &[F], grad_r: &[F], grad_z: &mut [F]) {
    super::entmax::vjp_gated(r, grad_r, grad_z, |_| 1.0);
}

/// `(Σ r² − 1)/2`.
pub(super) fn half_sq_norm(r: impl Iterator<Item = f64>) -> f64 {
    (r.map(|x| x * x).sum::<f64>() - 1.0) / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Naive reference: the Euclidean projection onto the simplex by bisection on `τ` in
    /// `Σ max(z − τ, 0) = 1`, from unshifted logits.
    fn projection(z: &[f64]) -> Vec<f64> {
        let top = z.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let (mut lo, mut hi) = (top - 1.0, top);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            let mass: f64 = z.iter().map(|&x| (x - mid).max(0.0)).sum();
            if mass >= 1.0 {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        z.iter().map(|&x| (x - lo).max(0.0)).collect()
    }

    #[test]
    fn sparsemax_is_the_euclidean_projection_onto_the_simplex() {
        let mut rng = Rng::new(21);
        let mut cand = Vec::new();
        for _ in 0..300 {
            let k = 1 + rng.below(30);
            let dist: Vec<f64> = (0..k).map(|_| 5.0 * rng.uniform()).collect();
            let sigma = 10f64.powf(-1.5 + 3.0 * rng.uniform());
            let d_min = dist.iter().cloned().fold(f64::INFINITY, f64::min);
            let t = solve(&dist, d_min, sigma, &mut cand);
            let z: Vec<f64> = dist.iter().map(|&d| -d / sigma).collect();
            for (&d, want) in dist.iter().zip(projection(&z)) {
                assert!((t.weight(d) - want).abs() < 1e-10);
            }
        }
    }
}
