//! Validated input: points in row-major order with their sample weights.
//!
//! Every algorithm takes a [`Samples`]; it is built once at the boundary by [`Samples::new`],
//! which rejects empty data, non-finite values and unusable weights with an error that names the
//! problem. Hot loops never re-validate.

use std::borrow::Cow;

use ndarray::ArrayView2;

use crate::error::{Error, Result};
use crate::float::Float;

/// Points `x_i ∈ R^d` (row-major, contiguous) and weights `w_i ≥ 0`, validated.
#[derive(Clone, Debug)]
pub struct Samples<'a, F: Float> {
    points: Cow<'a, [F]>,
    n: usize,
    d: usize,
    weights: Option<Cow<'a, [f64]>>,
    total_weight: f64,
    /// `‖x_i‖²`, computed on first use by [`Samples::sq_norms`].
    sq_norms: std::sync::OnceLock<Vec<F>>,
}

impl<'a, F: Float> Samples<'a, F> {
    /// Validates `x` (shape `n × d`) and optional weights (length `n`).
    ///
    /// A standard-layout view is borrowed; any other layout is copied once.
    ///
    /// # Errors
    /// [`Error::EmptyInput`] for zero rows or columns, [`Error::NonFinite`] for a NaN or infinite
    /// value, [`Error::ShapeMismatch`] for weights of the wrong length and
    /// [`Error::InvalidWeights`] for negative, non-finite or all-zero weights.
    pub fn new(x: ArrayView2<'a, F>, weights: Option<&'a [f64]>) -> Result<Self> {
        let (n, d) = x.dim();
        if n == 0 || d == 0 {
            return Err(Error::EmptyInput {
                what: format!("the data has {n} rows and {d} columns"),
            });
        }
        let points: Cow<'a, [F]> = match x.to_slice() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(x.iter().copied().collect()),
        };
        check_finite(&points, d, "data")?;

        let total_weight = match weights {
            None => n as f64,
            Some(w) => validate_weights(w, n)?,
        };
        Ok(Samples {
            points,
            n,
            d,
            weights: weights.map(Cow::Borrowed),
            total_weight,
            sq_norms: std::sync::OnceLock::new(),
        })
    }

    /// As [`Samples::new`], for new data given to a fitted model with `n_features` columns.
    ///
    /// # Errors
    /// As [`Samples::new`], and [`Error::ShapeMismatch`] naming `owner` ("model", "network")
    /// when the column count differs.
    pub fn for_model(
        x: ArrayView2<'a, F>,
        weights: Option<&'a [f64]>,
        n_features: usize,
        owner: &str,
    ) -> Result<Self> {
        let s = Samples::new(x, weights)?;
        if s.d != n_features {
            return Err(Error::ShapeMismatch {
                what: format!("data: number of columns (must equal the {owner}'s)"),
                expected: n_features,
                found: s.d,
            });
        }
        Ok(s)
    }

    /// Number of points `n`.
    pub fn n_samples(&self) -> usize {
        self.n
    }

    /// Dimension `d`.
    pub fn n_features(&self) -> usize {
        self.d
    }

    /// All points, row-major `n × d`.
    pub fn points(&self) -> &[F] {
        &self.points
    }

    /// Point `i` as a slice of length `d`.
    #[inline]
    pub fn row(&self, i: usize) -> &[F] {
        &self.points[i * self.d..(i + 1) * self.d]
    }

    /// Weight of point `i` (1 when no weights were given).
    #[inline]
    pub fn weight(&self, i: usize) -> f64 {
        match &self.weights {
            None => 1.0,
            Some(w) => w[i],
        }
    }

    /// The squared norms `‖x_i‖²` of all points, as [`crate::distance::row_sq_norms`] gives
    /// them: computed (in parallel, in fixed blocks) on the first call and kept, so that passes
    /// repeated over the same samples (Lloyd and accelerated passes, the soft passes of a
    /// training run) pay for them once, at one value per point.
    pub fn sq_norms(&self) -> &[F] {
        self.sq_norms.get_or_init(|| {
            use rayon::prelude::*;
            let mut out = vec![F::zero(); self.n];
            out.par_chunks_mut(crate::parallel::LEAF_ROWS)
                .zip(self.points.par_chunks(crate::parallel::LEAF_ROWS * self.d))
                .for_each(|(o, x)| crate::distance::row_sq_norms(x, self.d, o));
            out
        })
    }

    /// The weights, if any were given.
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// `W = Σ_i w_i`.
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// Number of distinct points among those with positive weight, counted up to `limit`
    /// (counting stops there, so the cost stays `O(n)` for the usual small `limit`).
    pub fn count_distinct(&self, limit: usize) -> usize {
        let mut seen = std::collections::HashSet::new();
        for i in 0..self.n {
            if self.weight(i) <= 0.0 {
                continue;
            }
            let key: Vec<u64> = self.row(i).iter().map(|v| canonical_bits(*v)).collect();
            seen.insert(key);
            if seen.len() >= limit {
                break;
            }
        }
        seen.len()
    }

    /// The mean over features of the per-feature variance of the points,
    /// `(1/d) Σ_j (1/n) Σ_i (x_ij − μ_j)²`: the scale of scikit-learn's relative tolerance.
    /// Unweighted, as scikit-learn computes it, so that tolerances mean the same in both.
    pub fn mean_feature_variance(&self) -> f64 {
        let (n, d) = (self.n, self.d);
        let mut mean = vec![0.0f64; d];
        for i in 0..n {
            for (m, v) in mean.iter_mut().zip(self.row(i)) {
                *m += v.to_f64_lossless();
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut var = 0.0;
        for i in 0..n {
            for (m, v) in mean.iter().zip(self.row(i)) {
                let t = v.to_f64_lossless() - m;
                var += t * t;
            }
        }
        var / n as f64 / d as f64
    }
}

/// Bits of a float with `-0.0` folded onto `0.0`, so equal values compare equal.
fn canonical_bits<F: Float>(v: F) -> u64 {
    let x = v.to_f64_lossless();
    if x == 0.0 {
        0
    } else {
        x.to_bits()
    }
}

/// Rejects NaN and infinite values, naming the 1-based row and column of the first one.
pub(crate) fn check_finite<F: Float>(values: &[F], d: usize, what: &'static str) -> Result<()> {
    if let Some(pos) = values.iter().position(|v| !v.is_finite()) {
        return Err(Error::NonFinite {
            what,
            row: pos / d + 1,
            column: pos % d + 1,
            value: format!("{}", values[pos]),
        });
    }
    Ok(())
}

/// Checks weights and returns their sum.
fn validate_weights(w: &[f64], n: usize) -> Result<f64> {
    if w.len() != n {
        return Err(Error::ShapeMismatch {
            what: "sample weights: length (one weight per row of the data)".into(),
            expected: n,
            found: w.len(),
        });
    }
    if let Some(i) = w.iter().position(|v| !v.is_finite() || *v < 0.0) {
        return Err(Error::InvalidWeights {
            reason: format!(
                "weight {} (row {}) is {}; weights must be finite and non-negative",
                w[i],
                i + 1,
                if w[i].is_finite() {
                    "negative"
                } else {
                    "not finite"
                }
            ),
        });
    }
    let total: f64 = w.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return Err(Error::InvalidWeights {
            reason: format!("the weights sum to {total}; at least one must be positive"),
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn rejects_bad_data_and_weights_with_named_positions() {
        let x = array![[1.0, 2.0], [3.0, f64::NAN]];
        let e = Samples::new(x.view(), None).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NonFinite {
                    row: 2,
                    column: 2,
                    ..
                }
            ),
            "{e}"
        );

        let x = array![[1.0, 2.0], [3.0, 4.0]];
        let w = [1.0, -1.0];
        let e = Samples::new(x.view(), Some(&w)).unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");
        let w = [0.0, 0.0];
        assert!(matches!(
            Samples::new(x.view(), Some(&w)).unwrap_err(),
            Error::InvalidWeights { .. }
        ));
        let w = [1.0];
        assert!(matches!(
            Samples::new(x.view(), Some(&w)).unwrap_err(),
            Error::ShapeMismatch { .. }
        ));
        let empty = ndarray::Array2::<f64>::zeros((0, 3));
        assert!(matches!(
            Samples::new(empty.view(), None).unwrap_err(),
            Error::EmptyInput { .. }
        ));
    }

    #[test]
    fn distinct_points_ignore_zero_weights_and_signed_zero() {
        let x = array![[0.0, 1.0], [-0.0, 1.0], [2.0, 2.0], [5.0, 5.0]];
        let w = [1.0, 1.0, 1.0, 0.0];
        let s = Samples::new(x.view(), Some(&w)).unwrap();
        assert_eq!(s.count_distinct(10), 2);
        assert_eq!(s.count_distinct(1), 1);
    }

    #[test]
    fn non_standard_layout_is_copied_in_row_major_order() {
        let x = array![[1.0f32, 2.0], [3.0, 4.0]];
        let t = x.t();
        let s = Samples::new(t, None).unwrap();
        assert_eq!(s.points(), &[1.0, 3.0, 2.0, 4.0]);
    }
}
