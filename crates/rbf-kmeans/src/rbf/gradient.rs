//! Gradients of the smooth objectives (THEORY.md, claim 2).
//!
//! With responsibilities held fixed, `∇_{c_k} L_σ = 2 Σ_i w_i r_ik (c_k − x_i) = 2 (N_k c_k − S_k)`;
//! by the envelope theorem this is also the exact gradient of `F_σ`. The full gradient of `L_σ`
//! adds the dependence of `r` on the centers: with `g_ik = ∂L_σ/∂d_ik = w_i r_ik − (1/σ) ∂L/∂z_ik`
//! (the second term by the map's vector-Jacobian product with `u = w_i d_i`),
//! `∇_{c_k} L_σ = 2 (G_k c_k − T_k)` with `G_k = Σ_i g_ik`, `T_k = Σ_i g_ik x_i`.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::data::Samples;
use crate::distance::sq_euclidean;
use crate::float::Float;
use crate::rbf::maps::Map;
use crate::rbf::objective::Objective;
use crate::rbf::pass::{soft_pass, PassTotals};

/// Which center gradient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GradientKind {
    /// Responsibilities held fixed: the gradient of `F_σ`, and the "gradient equivalence" one.
    FixedResponsibilities,
    /// The exact gradient of `L_σ`, through the responsibilities too.
    Full,
}

/// `2 (N_k c_k − S_k)` from a pass, row-major `k × d`.
pub fn fixed_from_pass<F: Float>(centers: &[F], pass: &PassTotals) -> Vec<f64> {
    combine(centers, &pass.masses, &pass.sums)
}

/// `2 (G_k c_k − T_k)` from a pass run with `full = true`, row-major `k × d`.
///
/// # Panics
/// If the pass did not accumulate the full-gradient terms.
pub fn full_from_pass<F: Float>(centers: &[F], pass: &PassTotals) -> Vec<f64> {
    assert!(
        !pass.full_masses.is_empty(),
        "full_from_pass: run soft_pass with full = true"
    );
    combine(centers, &pass.full_masses, &pass.full_sums)
}

fn combine<F: Float>(centers: &[F], masses: &[f64], sums: &[f64]) -> Vec<f64> {
    let d = sums.len() / masses.len();
    let mut g = vec![0.0; sums.len()];
    for (j, m) in masses.iter().enumerate() {
        for t in 0..d {
            g[j * d + t] = 2.0 * (m * centers[j * d + t].to_f64_lossless() - sums[j * d + t]);
        }
    }
    g
}

/// The gradient of `L_σ` (kind as given) or `F_σ` with respect to the centers, `k × d`.
/// Runs on the current rayon pool.
pub fn center_gradient<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    map: Map,
    sigma: f64,
    objective: Objective,
    kind: GradientKind,
) -> Vec<f64> {
    let full = objective == Objective::Loss && kind == GradientKind::Full;
    let pass = soft_pass(samples, centers, map, sigma, full);
    if full {
        full_from_pass(centers, &pass)
    } else {
        fixed_from_pass(centers, &pass)
    }
}

/// The gradient with respect to the inputs, `n × d`: for `F_σ`,
/// `∂/∂x_i = 2 w_i Σ_k r_ik (x_i − c_k)`; for `L_σ` (full), `2 Σ_k g_ik (x_i − c_k)`. This is
/// what an encoder upstream of a clustering layer receives.
pub fn input_gradient<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    map: Map,
    sigma: f64,
    objective: Objective,
) -> Array2<f64> {
    let (n, d) = (samples.n_samples(), samples.n_features());
    let k = centers.len() / d;
    let mut out = Array2::zeros((n, d));
    let (mut dist, mut r, mut gz) = (vec![F::zero(); k], vec![F::zero(); k], vec![F::zero(); k]);
    for i in 0..n {
        let xi = samples.row(i);
        let w = samples.weight(i);
        for j in 0..k {
            dist[j] = F::from_f64_round(sq_euclidean(xi, &centers[j * d..(j + 1) * d]));
        }
        map.responsibilities(&dist, sigma, &mut r);
        if objective == Objective::Loss {
            map.vjp_logits(&r, &dist, &mut gz);
        }
        for j in 0..k {
            let mut g = w * r[j].to_f64_lossless();
            if objective == Objective::Loss {
                g -= w * gz[j].to_f64_lossless() / sigma;
            }
            for t in 0..d {
                out[[i, t]] +=
                    2.0 * g * (xi[t].to_f64_lossless() - centers[j * d + t].to_f64_lossless());
            }
        }
    }
    out
}

/// `∂L_σ/∂σ` (responsibilities not fixed). Runs on the current rayon pool.
pub fn temperature_gradient<F: Float>(
    samples: &Samples<'_, F>,
    centers: &[F],
    map: Map,
    sigma: f64,
) -> f64 {
    soft_pass(samples, centers, map, sigma, true).grad_sigma
}
