//! The threshold form shared by sparsemax and the entmaxes.
//!
//! Each of these maps has `r_k = [y_k − τ]_+^p` on scaled, shifted logits
//! `y_k = −(d_k − d_min) / w`, where the width `w` is `σ/(α−1)` (`2σ` for entmax-1.5, `σ` for
//! sparsemax) and `p = 1/(α−1)`. The top logit is exactly `0`, and the single-entry support
//! already has mass `1` at `τ = −1`, so `τ ∈ [−1, 0)`: only the entries with `y_k > −1` (the
//! *candidates*) can carry weight, and the threshold is searched among them alone.

use crate::float::Float;

/// The exponent `p = 1/(α−1)` of a threshold map, with the two exact cases spelled out so that
/// sparsemax and entmax-1.5 stay free of `powf` rounding.
#[derive(Clone, Copy, Debug)]
pub(super) enum Power {
    /// `p = 1` (sparsemax).
    One,
    /// `p = 2` (entmax-1.5).
    Two,
    /// Any other `p > 1`.
    Real(f64),
}

impl Power {
    fn apply(self, t: f64) -> f64 {
        match self {
            Power::One => t,
            Power::Two => t * t,
            Power::Real(p) => t.powf(p),
        }
    }
}

/// A solved row: `r_k = [y_k − τ]_+^p / norm` with `y_k = −(d_k − d_min)/width`.
///
/// `norm` is the mass of the unnormalised weights on the support; it is `1` up to rounding and
/// dividing by it puts the row on the simplex to the last bit.
#[derive(Clone, Copy, Debug)]
pub(super) struct Threshold {
    /// The row minimum of the distances.
    pub d_min: f64,
    /// `σ/(α−1)`.
    pub width: f64,
    /// The threshold `τ ∈ [−1, 0)`.
    pub tau: f64,
    /// The exponent `p`.
    pub power: Power,
    /// Normalising mass.
    pub norm: f64,
}

impl Threshold {
    /// The weight of an entry at squared distance `d`.
    pub fn weight(&self, d: f64) -> f64 {
        let t = scaled_logit(d, self.d_min, self.width) - self.tau;
        if t > 0.0 {
            self.power.apply(t) / self.norm
        } else {
            0.0
        }
    }
}

/// `y = −(d − d_min)/width`; a division rather than a product with `1/width`, so that a subnormal
/// `width` sends far entries to `−∞` and the top entry to `0`, never to `0·∞ = NaN`.
pub(super) fn scaled_logit(d: f64, d_min: f64, width: f64) -> f64 {
    -((d - d_min) / width)
}

/// `(argmin_k d_k, min_k d_k)`, ties to the lowest index.
pub(super) fn row_min<F: Float>(dist: &[F]) -> (usize, f64) {
    let mut best = (0, dist[0].to_f64_lossless());
    for (k, d) in dist.iter().enumerate().skip(1) {
        let d = d.to_f64_lossless();
        if d < best.1 {
            best = (k, d);
        }
    }
    best
}

/// Fills `cand` with the entries whose scaled logit exceeds `−1`, ordered by decreasing logit
/// (increasing distance, ties by index).
pub(super) fn candidates<F: Float>(dist: &[F], d_min: f64, width: f64, cand: &mut Vec<usize>) {
    cand.clear();
    cand.extend(
        (0..dist.len()).filter(|&k| scaled_logit(dist[k].to_f64_lossless(), d_min, width) > -1.0),
    );
    cand.sort_unstable_by(|&a, &b| {
        let (da, db) = (dist[a].to_f64_lossless(), dist[b].to_f64_lossless());
        da.total_cmp(&db).then(a.cmp(&b))
    });
}

/// Completes a row once `τ` and the support size are known: keeps the first `support` candidates
/// and computes the normalising mass.
pub(super) fn finish<F: Float>(
    dist: &[F],
    d_min: f64,
    width: f64,
    tau: f64,
    power: Power,
    support: usize,
    cand: &mut Vec<usize>,
) -> Threshold {
    cand.truncate(support);
    let mut row = Threshold {
        d_min,
        width,
        tau,
        power,
        norm: 1.0,
    };
    let mass: f64 = cand
        .iter()
        .map(|&k| row.weight(dist[k].to_f64_lossless()))
        .sum();

    // The top candidate has y = 0 > τ, so the mass is positive; the guard only protects
    // against a caller's NaN distances.
    if mass > 0.0 {
        row.norm = mass;
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_are_the_entries_within_one_width_sorted_by_distance() {
        let dist = [3.0f64, 1.0, 1.9, 1.0, 2.0, 0.5];
        let mut cand = Vec::new();
        candidates(&dist, 0.5, 1.5, &mut cand);
        assert_eq!(cand, vec![5, 1, 3, 2]);
    }

    #[test]
    fn row_min_breaks_ties_to_the_lowest_index() {
        assert_eq!(row_min(&[2.0f32, 1.0, 1.0, 3.0]), (1, 1.0));
        assert_eq!(row_min(&[0.0f64]), (0, 0.0));
    }

    #[test]
    fn subnormal_width_gives_no_nan() {
        assert_eq!(scaled_logit(1.0, 1.0, 1e-310), 0.0);
        assert_eq!(scaled_logit(2.0, 1.0, 1e-310), f64::NEG_INFINITY);
    }
}
