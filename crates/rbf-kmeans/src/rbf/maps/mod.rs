//! Responsibility maps: from one point's squared distances to a point of the simplex.
//!
//! A responsibility map `ρ` takes the squared distances `d ∈ R^K` of one point to the `K`
//! centers (all finite and `≥ 0`) and a temperature `σ > 0`, forms the logits `z = −d/σ`, and
//! returns responsibilities `r = ρ(z)` on the simplex (`r ≥ 0`, `Σ_k r_k = 1`). Every map except
//! [`Map::Hard`] is the minimiser of a regularised soft-min,
//!
//! ```text
//! ρ(−d/σ) = argmin_{r ∈ simplex}  Σ_k r_k d_k + σ Ω(r),
//! ```
//!
//! with `Ω` the map's regulariser ([`Map::regulariser`]), normalised so that `Ω(one-hot) = 0`;
//! the minimum value is [`Map::soft_min`]. As `σ → 0` every map tends to [`Map::Hard`], the
//! one-hot vector at `argmin_k d_k` (ties to the lowest index).
//!
//! | map | `r_k` | `Ω(r)` |
//! |---|---|---|
//! | softmax | `exp(z_k) / Σ_j exp(z_j)` | `Σ r log r` (neg. Shannon entropy) |
//! | α-entmax | `[(α−1) z_k − τ]_+^{1/(α−1)}` | `(Σ r^α − 1)/(α(α−1))` (neg. Tsallis) |
//! | entmax-1.5 | `[z_k/2 − τ]_+²` | `(Σ r^{3/2} − 1) / 0.75` |
//! | sparsemax | `[z_k − τ]_+` | `(Σ r² − 1) / 2` |
//! | hard | one-hot at `argmin d` | `0` |
//!
//! α-entmax takes `α ∈ (1, 2]`; in each threshold map `τ` is the unique number that makes
//! `Σ_k r_k = 1`. Entmax is Peters, Niculae and Martins, "Sparse Sequence-to-Sequence Models"
//! (ACL 2019); sparsemax is Martins and Astudillo, "From Softmax to Sparsemax" (ICML 2016).
//!
//! # Numerics
//! All maps except [`Map::SoftmaxNaive`] work from the shifted logits `−(d − d_min)/σ`, whose
//! largest entry is exactly `0`, and accumulate in `f64`; entries whose logit overflows to `−∞`
//! get weight `0`. The outputs are finite and on the simplex for any `σ` in `[1e-30, 1e30]`, in
//! `f32` and `f64`, with ties, zero distances, `K = 1` and huge distances.
//! [`Map::SoftmaxNaive`] evaluates `exp(−d/σ) / Σ exp(−d/σ)` literally, so that the low-temperature
//! failure of claim 4 in THEORY.md (every exponential underflows, `0/0 = NaN`) can be shown.
//!
//! # Exact one-hot (THEORY.md, claim 3; the project's derivation)
//! With `Δ = d_(2) − d_(1)` the gap between the two smallest distances, α-entmax is exactly
//! one-hot iff `σ ≤ (α−1) Δ`: entmax-1.5 iff `σ ≤ Δ/2`, sparsemax iff `σ ≤ Δ`. See
//! [`Map::one_hot_temperature`].

mod entmax;
mod fastexp;
mod rows;
mod softmax;
mod sparsemax;
mod support;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::float::Float;

pub(crate) use rows::{cast, cast_mut, RowScratch, RowStats, SparseTile};
use softmax::Gibbs;
use support::Threshold;

/// A responsibility map `ρ : R^K → simplex`, applied to the logits `z = −d/σ` of one point.
///
/// Build one from a user's text with [`Map::parse`] (which validates `α`); the methods panic on
/// an out-of-range `α` built by hand.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Map {
    /// Softmax `r_k = exp(z_k) / Σ_j exp(z_j)`, the normalised Gaussian RBF layer, computed
    /// stably from `z − max z`.
    Softmax,
    /// Softmax computed literally as `exp(−d_k/σ) / Σ_j exp(−d_j/σ)` (in `f64`), without the
    /// shift: it returns NaN (`0/0`) once every exponential underflows. Kept to demonstrate
    /// claim 4 of THEORY.md; never use it to train.
    SoftmaxNaive,
    /// Entmax-1.5 `r_k = [z_k/2 − τ]_+²` (Peters, Niculae and Martins 2019), with the exact
    /// sort-based threshold.
    Entmax15,
    /// Sparsemax `r_k = [z_k − τ]_+` (Martins and Astudillo 2016), with the exact sort-based
    /// threshold.
    Sparsemax,
    /// α-entmax `r_k = [(α−1) z_k − τ]_+^{1/(α−1)}` for `α ∈ (1, 2]` (Peters, Niculae and
    /// Martins 2019), with `τ` found by bisection. `α → 1⁺` tends to softmax, `α = 2` is
    /// sparsemax.
    Entmax {
        /// The exponent `α ∈ (1, 2]`.
        alpha: f64,
    },
    /// Hard assignment: one-hot at `argmin_k d_k`, ties to the lowest index; the `σ → 0` limit
    /// of every other map. Ignores `σ`.
    Hard,
}

const MAP_NAMES: &str =
    "softmax, softmax-naive, entmax15 (or entmax-1.5), sparsemax, entmax:<alpha>, hard";

thread_local! {
    // The per-row methods take no scratch argument, so the sort-based maps keep their candidate
    // list here: after the first row on a thread, the dense forward allocates nothing.
    static CANDIDATES: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A row solved in closed form: each weight is a function of its own distance.
enum Solved {
    Gibbs(Gibbs),
    Threshold(Threshold),
    OneHot(usize),
}

impl Map {
    /// Parses a map name: `softmax`, `softmax-naive`, `entmax15` or `entmax-1.5`, `sparsemax`,
    /// `entmax:<alpha>` (for example `entmax:1.3`, `α ∈ (1, 2]`) or `hard`, ignoring ASCII case
    /// and surrounding spaces.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] named `"map"` for an unknown name or an `α` outside `(1, 2]`.
    pub fn parse(name: &str) -> Result<Map> {
        let lower = name.trim().to_ascii_lowercase();
        let map = match lower.as_str() {
            "softmax" => Map::Softmax,
            "softmax-naive" => Map::SoftmaxNaive,
            "entmax15" | "entmax-1.5" => Map::Entmax15,
            "sparsemax" => Map::Sparsemax,
            "hard" => Map::Hard,
            other => match other.strip_prefix("entmax:") {
                Some(text) => {
                    let alpha: f64 = text.trim().parse().map_err(|_| Error::InvalidParameter {
                        name: "map",
                        reason: format!(
                            "`{name}`: `{text}` is not a number (expected entmax:<alpha>)"
                        ),
                    })?;
                    Map::Entmax { alpha }
                }
                None => {
                    return Err(Error::InvalidParameter {
                        name: "map",
                        reason: format!("unknown map `{name}`; expected one of {MAP_NAMES}"),
                    })
                }
            },
        };
        map.validate().map_err(|e| match e {
            Error::InvalidParameter { name: what, reason } => Error::InvalidParameter {
                name: what,
                reason: format!("`{name}`: {reason}"),
            },
            other => other,
        })?;
        Ok(map)
    }

    /// Checks the map's parameter: for [`Map::Entmax`], `α ∈ (1, 2]`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] named `"map"` when `α` is out of range or not finite.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Map::Entmax { alpha } if !(alpha > 1.0 && alpha <= 2.0) => {
                Err(Error::InvalidParameter {
                    name: "map",
                    reason: format!("entmax alpha must be in (1, 2], got {alpha}"),
                })
            }
            _ => Ok(()),
        }
    }

    /// The name [`Map::parse`] reads back: `softmax`, `softmax-naive`, `entmax15`, `sparsemax`,
    /// `entmax:<alpha>` or `hard`.
    pub fn name(&self) -> String {
        match self {
            Map::Softmax => "softmax".into(),
            Map::SoftmaxNaive => "softmax-naive".into(),
            Map::Entmax15 => "entmax15".into(),
            Map::Sparsemax => "sparsemax".into(),
            Map::Entmax { alpha } => format!("entmax:{alpha}"),
            Map::Hard => "hard".into(),
        }
    }

    /// Whether the map returns exact zeros at finite `σ` (every map but the two softmaxes), so
    /// that [`Map::sparse_responsibilities`] pays off.
    pub fn is_sparse(&self) -> bool {
        !matches!(self, Map::Softmax | Map::SoftmaxNaive)
    }

    /// The temperature at and below which the map is exactly one-hot on a row whose two smallest
    /// distances differ by `gap = d_(2) − d_(1)`: `(α−1)·gap` for α-entmax, so `gap/2` for
    /// entmax-1.5 and `gap` for sparsemax; `+∞` for hard; `0` for the softmaxes, which are never
    /// one-hot in exact arithmetic.
    ///
    /// Derivation (THEORY.md, claim 3, ours): on the shifted, scaled logits `y = (α−1) z` the
    /// top entry is `0`, and the one-entry support has `τ = −1`; the runner-up
    /// `y_2 = −(α−1)·gap/σ` stays out of the support iff `y_2 ≤ −1`.
    pub fn one_hot_temperature(&self, gap: f64) -> f64 {
        match *self {
            Map::Softmax | Map::SoftmaxNaive => 0.0,
            Map::Entmax15 => gap / 2.0,
            Map::Sparsemax => gap,
            Map::Entmax { alpha } => (alpha - 1.0) * gap,
            Map::Hard => f64::INFINITY,
        }
    }

    /// Forward map of one row: `out = ρ(−dist/σ)`.
    ///
    /// `dist` holds the `K` squared distances (finite, `≥ 0`), `out` has length `K`. Cost `O(K)`
    /// for softmax and hard, `O(K + c log c)` for the threshold maps, where `c ≤ K` counts the
    /// entries within one unit of the top scaled logit (a superset of the support).
    ///
    /// # Panics
    /// If `dist` is empty, `out.len() != dist.len()`, `σ` is not positive and finite, or `α` of
    /// [`Map::Entmax`] is outside `(1, 2]`.
    pub fn responsibilities<F: Float>(&self, dist: &[F], sigma: f64, out: &mut [F]) {
        assert_eq!(
            out.len(),
            dist.len(),
            "Map::responsibilities: out must have the length of dist"
        );
        CANDIDATES.with(|cell| {
            let mut cand = cell.borrow_mut();
            let solved = self.solve(dist, sigma, &mut cand);
            out.fill(F::zero());
            match &solved {
                Solved::Gibbs(g) => {
                    for &k in cand.iter() {
                        out[k] = F::from_f64_round(g.weight(dist[k].to_f64_lossless()));
                    }
                }
                Solved::Threshold(t) => {
                    for &k in cand.iter() {
                        out[k] = F::from_f64_round(t.weight(dist[k].to_f64_lossless()));
                    }
                }
                Solved::OneHot(k) => out[*k] = F::one(),
            }
        });
    }

    /// Sparse forward map of one row: the nonzero entries of [`Map::responsibilities`] as pairs
    /// `(idx[j], val[j])`, in increasing index order. Both buffers are cleared first and reused,
    /// so a caller that keeps them allocates nothing per row.
    ///
    /// Equal to the dense forward entry for entry. Cost `O(K + c log c)` for the threshold maps
    /// (`c` as in [`Map::responsibilities`]), so the center update that consumes the pairs costs
    /// time in proportion to the support; `O(K)` for the softmaxes, which are dense.
    ///
    /// # Panics
    /// As [`Map::responsibilities`].
    pub fn sparse_responsibilities<F: Float>(
        &self,
        dist: &[F],
        sigma: f64,
        idx: &mut Vec<usize>,
        val: &mut Vec<F>,
    ) {
        let solved = self.solve(dist, sigma, idx);
        sparse_weights(&solved, dist, idx, val);
    }

    /// One row of a soft pass from a single solve: writes the pairs of
    /// [`Map::sparse_responsibilities`] into `idx` and `val` and returns [`Map::soft_min`], both
    /// bit for bit as the two calls would, at the cost of one.
    ///
    /// # Panics
    /// As [`Map::responsibilities`].
    pub(crate) fn sparse_row<F: Float>(
        &self,
        dist: &[F],
        sigma: f64,
        idx: &mut Vec<usize>,
        val: &mut Vec<F>,
    ) -> f64 {
        let solved = self.solve(dist, sigma, idx);
        let soft_min = self.soft_min_of(&solved, dist, sigma, idx);
        sparse_weights(&solved, dist, idx, val);
        soft_min
    }

    /// Vector-Jacobian product with respect to the logits: given `r = ρ(z)` and `u = ∂L/∂r`,
    /// writes `∂L/∂z = J_ρ(z)ᵀ u`.
    ///
    /// - softmax (and the naive one): `r ⊙ (u − rᵀu)`;
    /// - α-entmax, with `g_k = r_k^{2−α}` on the support and `0` off it (entmax-1.5:
    ///   `g = √r`): `g ⊙ u − g (gᵀu) / Σ_k g_k`;
    /// - sparsemax: `u_k − mean_{j ∈ S} u_j` on the support `S`, `0` off it;
    /// - hard: `0` (the map is piecewise constant).
    ///
    /// Since `z = −d/σ`, the gradient with respect to the distances is `−grad_z / σ`.
    ///
    /// # Panics
    /// If the three slices differ in length.
    pub fn vjp_logits<F: Float>(&self, r: &[F], grad_r: &[F], grad_z: &mut [F]) {
        assert!(
            r.len() == grad_r.len() && r.len() == grad_z.len(),
            "Map::vjp_logits: r, grad_r and grad_z must have the same length"
        );
        match *self {
            Map::Softmax | Map::SoftmaxNaive => softmax::vjp(r, grad_r, grad_z),
            Map::Entmax15 => entmax::vjp_gated(r, grad_r, grad_z, f64::sqrt),
            Map::Entmax { alpha } => {
                check_alpha(alpha);
                entmax::vjp_gated(r, grad_r, grad_z, |x| x.powf(2.0 - alpha));
            }
            Map::Sparsemax => sparsemax::vjp(r, grad_r, grad_z),
            Map::Hard => grad_z.fill(F::zero()),
        }
    }

    /// The regulariser `Ω(r)`, normalised so `Ω(one-hot) = 0` and `Ω ≤ 0` on the simplex:
    /// softmax `Σ r log r`; α-entmax `(Σ r^α − 1)/(α(α−1))`; entmax-1.5 `(Σ r^{3/2} − 1)/0.75`;
    /// sparsemax `(Σ r² − 1)/2` (THEORY.md's `½‖r‖²` up to a constant); hard `0`.
    ///
    /// # Panics
    /// If `α` of [`Map::Entmax`] is outside `(1, 2]`.
    pub fn regulariser<F: Float>(&self, r: &[F]) -> f64 {
        self.omega(r.iter().map(|x| x.to_f64_lossless()))
    }

    /// The row's soft-min `min_{r ∈ simplex} Σ_k r_k d_k + σ Ω(r)`, which equals
    /// `Σ r d + σ Ω(r)` at `r = ρ(−d/σ)` and lies in `[d_min − σ max(−Ω), d_min]`.
    ///
    /// Softmax: `d_min − σ log Σ_k exp(−(d_k − d_min)/σ)`; threshold maps:
    /// `d_min + Σ_k r_k (d_k − d_min) + σ Ω(r)` with `r` in `f64`; hard: `d_min`. The naive softmax
    /// evaluates `−σ log Σ_k exp(−d_k/σ)` literally and returns `+∞` once the sum underflows.
    ///
    /// # Panics
    /// As [`Map::responsibilities`].
    pub fn soft_min<F: Float>(&self, dist: &[F], sigma: f64) -> f64 {
        CANDIDATES.with(|cell| {
            let mut cand = cell.borrow_mut();
            let solved = self.solve(dist, sigma, &mut cand);
            self.soft_min_of(&solved, dist, sigma, &cand)
        })
    }

    /// The soft-min of a solved row; `cand` is what [`Map::solve`] left.
    fn soft_min_of<F: Float>(
        &self,
        solved: &Solved,
        dist: &[F],
        sigma: f64,
        cand: &[usize],
    ) -> f64 {
        match solved {
            Solved::Gibbs(g) => g.soft_min(),
            Solved::Threshold(t) => {
                let weights = || cand.iter().map(|&k| t.weight(dist[k].to_f64_lossless()));
                let excess: f64 = cand
                    .iter()
                    .zip(weights())
                    .map(|(&k, w)| w * (dist[k].to_f64_lossless() - t.d_min))
                    .sum();
                t.d_min + excess + sigma * self.omega(weights())
            }
            Solved::OneHot(k) => dist[*k].to_f64_lossless(),
        }
    }

    /// `Ω` of weights given in `f64`; zeros contribute nothing.
    fn omega(&self, r: impl Iterator<Item = f64>) -> f64 {
        match *self {
            Map::Softmax | Map::SoftmaxNaive => softmax::neg_entropy(r),
            Map::Entmax15 => entmax::neg_tsallis(r, 1.5),
            Map::Entmax { alpha } => {
                check_alpha(alpha);
                entmax::neg_tsallis(r, alpha)
            }
            Map::Sparsemax => sparsemax::half_sq_norm(r),
            Map::Hard => 0.0,
        }
    }

    /// Checks a row and solves it; a threshold map leaves its support in `cand`, ordered by
    /// distance, and the softmaxes their live entries (see [`Gibbs::stable`]), in index order.
    fn solve<F: Float>(&self, dist: &[F], sigma: f64, cand: &mut Vec<usize>) -> Solved {
        assert!(
            !dist.is_empty(),
            "Map: a row of distances must not be empty"
        );
        assert!(
            sigma > 0.0 && sigma.is_finite(),
            "Map: the temperature sigma must be positive and finite"
        );
        let (arg_min, d_min) = support::row_min(dist);
        match *self {
            Map::Softmax => Solved::Gibbs(Gibbs::stable(dist, d_min, sigma, cand)),
            Map::SoftmaxNaive => Solved::Gibbs(Gibbs::naive(dist, sigma, cand)),
            Map::Entmax15 => Solved::Threshold(entmax::solve_15(dist, d_min, sigma, cand)),
            Map::Entmax { alpha } => {
                check_alpha(alpha);
                Solved::Threshold(entmax::solve_alpha(dist, d_min, sigma, alpha, cand))
            }
            Map::Sparsemax => Solved::Threshold(sparsemax::solve(dist, d_min, sigma, cand)),
            Map::Hard => Solved::OneHot(arg_min),
        }
    }
}

fn check_alpha(alpha: f64) {
    assert!(
        alpha > 1.0 && alpha <= 2.0,
        "Map::Entmax: alpha must be in (1, 2]"
    );
}

/// The nonzero weights of a solved row as `(idx, val)` pairs in increasing index order; on entry
/// `idx` holds the candidates [`Map::solve`] left.
fn sparse_weights<F: Float>(solved: &Solved, dist: &[F], idx: &mut Vec<usize>, val: &mut Vec<F>) {
    val.clear();
    let weight = |k: usize| -> F {
        let d = dist[k].to_f64_lossless();
        F::from_f64_round(match solved {
            Solved::Gibbs(g) => g.weight(d),
            Solved::Threshold(t) => t.weight(d),
            Solved::OneHot(_) => 1.0,
        })
    };
    match solved {
        Solved::OneHot(k) => {
            idx.clear();
            idx.push(*k);
            val.push(F::one());
        }
        Solved::Gibbs(_) | Solved::Threshold(_) => {
            // The threshold solvers leave the support ordered by distance; callers scatter into
            // centers, where increasing index order is the cache-friendly one.
            if matches!(solved, Solved::Threshold(_)) {
                idx.sort_unstable();
            }
            let mut kept = 0;
            for j in 0..idx.len() {
                let k = idx[j];
                let w = weight(k);
                if w != F::zero() {
                    idx[kept] = k;
                    val.push(w);
                    kept += 1;
                }
            }
            idx.truncate(kept);
        }
    }
}

impl fmt::Display for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for Map {
    type Err = Error;

    /// As [`Map::parse`].
    fn from_str(s: &str) -> Result<Map> {
        Map::parse(s)
    }
}
