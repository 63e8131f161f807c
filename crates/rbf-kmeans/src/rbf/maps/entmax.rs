//! α-entmax (Peters, Niculae and Martins, "Sparse Sequence-to-Sequence Models", ACL 2019):
//! `r_k = [(α−1) z_k − τ]_+^{1/(α−1)}`, the minimiser of `−rᵀz + Ω_α(r)` over the simplex with
//! `Ω_α(r) = (Σ r^α − 1)/(α(α−1))`, the negative Tsallis entropy.
//!
//! Entmax-1.5 has an exact threshold from one sorted pass; general `α` uses bisection.

use super::support::{self, Power, Threshold};
use crate::float::Float;

/// Entmax-1.5 of one row with the exact sort-based threshold.
///
/// On the candidates sorted by decreasing halved logit `y`, a support made of the first `s` has
/// `Σ_{j≤s} (y_j − τ)² = 1`, whose smaller root is
/// `τ_s = mean_s − sqrt(max(0, (1 − M2_s)/s))` with `M2_s = Σ_{j≤s} (y_j − mean_s)²`
/// (Welford's update, so no `meansq − mean²` cancellation). The support is the largest `s`
/// consistent with its own threshold, `y_s > τ_s`.
pub(super) fn solve_15<F: Float>(
    dist: &[F],
    d_min: f64,
    sigma: f64,
    cand: &mut Vec<usize>,
) -> Threshold {
    let width = 2.0 * sigma;
    support::candidates(dist, d_min, width, cand);

    let (mut mean, mut m2) = (0.0f64, 0.0f64);
    let (mut tau, mut size) = (-1.0, 1);
    for (j, &k) in cand.iter().enumerate() {
        let s = (j + 1) as f64;
        let y = support::scaled_logit(dist[k].to_f64_lossless(), d_min, width);
        let delta = y - mean;
        mean += delta / s;
        m2 += delta * (y - mean);
        let tau_s = mean - ((1.0 - m2) / s).max(0.0).sqrt();
        if y > tau_s {
            tau = tau_s;
            size = j + 1;
        }
    }
    support::finish(dist, d_min, width, tau, Power::Two, size, cand)
}

/// α-entmax of one row, `α ∈ (1, 2]`, with `τ` found by bisection on `[−1, 0]`.
///
/// The mass `Σ_k [y_k − τ]_+^p` (`p = 1/(α−1)`) decreases in `τ`, is `≥ 1` at `τ = −1` and `0`
/// at `τ = 0`; bisection runs until the interval cannot shrink in `f64`, keeps the lower end
/// (mass `≥ 1`, so the top entry is always in the support), and the weights are renormalised.
pub(super) fn solve_alpha<F: Float>(
    dist: &[F],
    d_min: f64,
    sigma: f64,
    alpha: f64,
    cand: &mut Vec<usize>,
) -> Threshold {
    let width = sigma / (alpha - 1.0);
    let power = Power::Real(1.0 / (alpha - 1.0));
    support::candidates(dist, d_min, width, cand);

    let unnormalised = Threshold {
        d_min,
        width,
        tau: 0.0,
        power,
        norm: 1.0,
    };
    let mass = |tau: f64| -> f64 {
        let row = Threshold {
            tau,
            ..unnormalised
        };
        cand.iter()
            .map(|&k| row.weight(dist[k].to_f64_lossless()))
            .sum()
    };
    let (mut lo, mut hi) = (-1.0f64, 0.0f64);
    loop {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if mass(mid) >= 1.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }

    // Candidates are sorted by decreasing logit, so the support is a prefix.
    let size = cand
        .iter()
        .take_while(|&&k| support::scaled_logit(dist[k].to_f64_lossless(), d_min, width) > lo)
        .count();
    support::finish(dist, d_min, width, lo, power, size, cand)
}

/// `grad_z = g ⊙ u − g (gᵀu) / Σ g` with `g_k = gate(r_k)` for `r_k > 0` and `0` otherwise: the
/// entmax Jacobian `diag(g) − g gᵀ/Σg` (it is symmetric) applied to `u`. `gate` is
/// `r ↦ r^{2−α}`; sparsemax is the case `gate = 1`.
pub(super) fn vjp_gated<F: Float>(
    r: &[F],
    grad_r: &[F],
    grad_z: &mut [F],
    gate: impl Fn(f64) -> f64,
) {
    let g = |x: F| {
        let x = x.to_f64_lossless();
        if x > 0.0 {
            gate(x)
        } else {
            0.0
        }
    };
    let (mut sum_g, mut gu) = (0.0f64, 0.0f64);
    for (&x, &u) in r.iter().zip(grad_r) {
        let gk = g(x);
        sum_g += gk;
        gu += gk * u.to_f64_lossless();
    }

    // Off the simplex (all r ≤ 0) there is no support and the map is locally constant.
    let shift = if sum_g > 0.0 { gu / sum_g } else { 0.0 };
    for ((o, &x), &u) in grad_z.iter_mut().zip(r).zip(grad_r) {
        *o = F::from_f64_round(g(x) * (u.to_f64_lossless() - shift));
    }
}

/// `Ω_α(r) = (Σ r^α − 1)/(α(α−1))`, with `r^{3/2}` as `r√r` for `α = 1.5`.
pub(super) fn neg_tsallis(r: impl Iterator<Item = f64>, alpha: f64) -> f64 {
    let sum: f64 = if alpha == 1.5 {
        r.map(|x| x * x.sqrt()).sum()
    } else {
        r.map(|x| x.powf(alpha)).sum()
    };
    (sum - 1.0) / (alpha * (alpha - 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn dense(t: &Threshold, dist: &[f64]) -> Vec<f64> {
        dist.iter().map(|&d| t.weight(d)).collect()
    }

    #[test]
    fn sort_based_entmax15_matches_bisection_with_alpha_one_and_a_half() {
        let mut rng = Rng::new(11);
        let mut cand = Vec::new();
        for trial in 0..300 {
            let k = 1 + rng.below(40);
            let dist: Vec<f64> = (0..k).map(|_| 10.0 * rng.uniform()).collect();
            let sigma = 10f64.powf(-2.0 + 4.0 * rng.uniform());
            let d_min = dist.iter().cloned().fold(f64::INFINITY, f64::min);
            let exact = dense(&solve_15(&dist, d_min, sigma, &mut cand), &dist);
            let bisect = dense(&solve_alpha(&dist, d_min, sigma, 1.5, &mut cand), &dist);
            for (a, b) in exact.iter().zip(&bisect) {
                assert!(
                    (a - b).abs() <= 1e-10,
                    "trial {trial}: {exact:?} vs {bisect:?}"
                );
            }
        }
    }

    #[test]
    fn entmax15_weights_solve_the_threshold_equation() {
        // Naive reference: Σ_k [z_k/2 − τ]_+² = 1 with z = −d/σ, checked directly.
        let dist = [0.3f64, 0.1, 0.7, 0.15, 2.0];
        let sigma = 0.4;
        let mut cand = Vec::new();
        let t = solve_15(&dist, 0.1, sigma, &mut cand);
        let tau = t.tau - 0.1 / (2.0 * sigma);
        let mass: f64 = dist
            .iter()
            .map(|&d| (-d / (2.0 * sigma) - tau).max(0.0).powi(2))
            .sum();
        assert!((mass - 1.0).abs() < 1e-14, "{mass}");
        for &d in &dist {
            let want = (-d / (2.0 * sigma) - tau).max(0.0).powi(2);
            assert!((t.weight(d) - want).abs() < 1e-14);
        }
    }

    #[test]
    fn neg_tsallis_is_zero_at_one_hot_and_minimal_at_uniform() {
        for alpha in [1.2, 1.5, 2.0] {
            assert_eq!(neg_tsallis([1.0, 0.0, 0.0].into_iter(), alpha), 0.0);
            let uniform = neg_tsallis([0.25; 4].into_iter(), alpha);
            let want = (4.0 * 0.25f64.powf(alpha) - 1.0) / (alpha * (alpha - 1.0));
            assert!((uniform - want).abs() < 1e-15 && uniform < 0.0);
        }
    }
}
