//! Softmax `r_k = exp(z_k) / Σ_j exp(z_j)` with `z = −d/σ`: the normalised Gaussian RBF layer,
//! the minimiser of `−rᵀz + Σ r log r` over the simplex.

use crate::float::Float;

/// A solved row in Gibbs form `r_k = exp(−(d_k − shift)/σ) / partition`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Gibbs {
    shift: f64,
    sigma: f64,
    partition: f64,
}

impl Gibbs {
    /// Stable form: `shift = d_min`, so the largest exponential is `exp(0) = 1` and the partition
    /// lies in `[1, K]`; entries whose exponent overflows to `−∞` get `exp(−∞) = 0`.
    ///
    /// Fills `live` with the entries whose weight can be nonzero once rounded to `F`, in index
    /// order: an entry with `−(d − d_min)/σ` below [`underflow_logit`] rounds to `0` in `F`
    /// whatever the partition (which is `≥ 1`), so its exponential is never evaluated. Such an
    /// entry adds less than `2⁻¹⁴⁹ ≈ 1.4·10⁻⁴⁵` to a partition `≥ 1`; in `f64` it adds exactly
    /// nothing, since its exponential underflows to `0`.
    pub(super) fn stable<F: Float>(
        dist: &[F],
        d_min: f64,
        sigma: f64,
        live: &mut Vec<usize>,
    ) -> Self {
        // `a ≤ σ·|cut|` is implied by `−a/σ ≥ cut`, so no live entry is dropped; the product
        // replaces a division per entry. A NaN distance compares as not greater, so it stays
        // live and reaches the weights, as it would without the cut.
        let limit = sigma * -underflow_logit::<F>();
        live.clear();
        live.extend(
            dist.iter()
                .enumerate()
                .filter(|(_, d)| {
                    let excess = d.to_f64_lossless() - d_min;
                    excess.partial_cmp(&limit) != Some(std::cmp::Ordering::Greater)
                })
                .map(|(k, _)| k),
        );
        Self::with_shift(dist, live, d_min, sigma)
    }

    /// Literal form `exp(−d_k/σ) / Σ_j exp(−d_j/σ)` (`shift = 0`): once `d_min/σ ≳ 745` every
    /// exponential underflows, the partition is `0` and the weights are `0/0 = NaN`. Every entry
    /// is `live`.
    pub(super) fn naive<F: Float>(dist: &[F], sigma: f64, live: &mut Vec<usize>) -> Self {
        live.clear();
        live.extend(0..dist.len());
        Self::with_shift(dist, live, 0.0, sigma)
    }

    fn with_shift<F: Float>(dist: &[F], live: &[usize], shift: f64, sigma: f64) -> Self {
        let mut row = Gibbs {
            shift,
            sigma,
            partition: 1.0,
        };
        row.partition = live
            .iter()
            .map(|&k| row.weight(dist[k].to_f64_lossless()))
            .sum();
        row
    }

    /// The weight of an entry at squared distance `d`.
    pub(super) fn weight(&self, d: f64) -> f64 {
        (-(d - self.shift) / self.sigma).exp() / self.partition
    }

    /// `shift − σ log partition = −σ log Σ_k exp(−d_k/σ)`.
    pub(super) fn soft_min(&self) -> f64 {
        self.shift - self.sigma * self.partition.ln()
    }
}

/// A logit below which `exp` is under half the smallest positive `F`: `ln(2⁻¹⁴⁹) − 1 ≈ −104.3`
/// for `f32`, `ln(2⁻¹⁰⁷⁴) − 1 ≈ −745.4` for `f64`.
pub(super) fn underflow_logit<F: Float>() -> f64 {
    let smallest = F::min_positive_value().to_f64_lossless() * F::epsilon().to_f64_lossless();
    smallest.ln() - 1.0
}

/// `grad_z = r ⊙ (u − rᵀu)`.
pub(super) fn vjp<F: Float>(r: &[F], grad_r: &[F], grad_z: &mut [F]) {
    let ru: f64 = r
        .iter()
        .zip(grad_r)
        .map(|(&x, &u)| x.to_f64_lossless() * u.to_f64_lossless())
        .sum();
    for ((o, &x), &u) in grad_z.iter_mut().zip(r).zip(grad_r) {
        *o = F::from_f64_round(x.to_f64_lossless() * (u.to_f64_lossless() - ru));
    }
}

/// `Σ r log r`, with `0 log 0 = 0`.
pub(super) fn neg_entropy(r: impl Iterator<Item = f64>) -> f64 {
    r.filter(|&x| x > 0.0).map(|x| x * x.ln()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literal(dist: &[f64], sigma: f64) -> Vec<f64> {
        let e: Vec<f64> = dist.iter().map(|&d| (-d / sigma).exp()).collect();
        let s: f64 = e.iter().sum();
        e.iter().map(|x| x / s).collect()
    }

    #[test]
    fn stable_and_naive_agree_where_nothing_underflows() {
        let dist = [0.5f64, 1.0, 3.0, 0.7];
        for sigma in [0.1, 1.0, 10.0] {
            let want = literal(&dist, sigma);
            let mut live = Vec::new();
            let stable = Gibbs::stable(&dist, 0.5, sigma, &mut live);
            let naive = Gibbs::naive(&dist, sigma, &mut live);
            for (&d, w) in dist.iter().zip(&want) {
                assert!((stable.weight(d) - w).abs() < 1e-14);
                assert!((naive.weight(d) - w).abs() < 1e-14);
            }
            let log_sum: f64 = dist.iter().map(|&d| (-d / sigma).exp()).sum::<f64>().ln();
            assert!((stable.soft_min() + sigma * log_sum).abs() < 1e-12);
        }
    }

    #[test]
    fn neg_entropy_of_uniform_is_minus_log_k() {
        assert!((neg_entropy([0.25; 4].into_iter()) + 4f64.ln()).abs() < 1e-15);
        assert_eq!(neg_entropy([0.0, 1.0].into_iter()), 0.0);
    }
}
