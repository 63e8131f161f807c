//! The two smooth objectives and their uniform bounds (THEORY.md, claim 1).

use serde::{Deserialize, Serialize};

use crate::rbf::maps::Map;

/// Which smooth objective to train or evaluate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Objective {
    /// `L_σ(C) = Σ_i w_i Σ_k r_ik d_ik`, the loss of the RBF reconstruction view.
    Loss,
    /// `F_σ(C) = Σ_i w_i min_{r ∈ simplex} [Σ_k r_k d_ik + σ Ω(r)]`, the regularised soft-min;
    /// its gradient in the centers is exactly the responsibilities-fixed gradient.
    FreeEnergy,
}

/// The uniform bound `b(σ)` with `0 ≤ L_σ(C) − J(C) ≤ b(σ)` for every `C` (THEORY.md claim 1;
/// the project's derivation): softmax `W (K−1) σ / e`, entmax-1.5 `2 W σ`, sparsemax `W σ`,
/// hard `0`. `None` for the maps without a proven bound (naive softmax is the softmax bound when
/// it is finite; general α-entmax has none here).
pub fn loss_bound(map: Map, total_weight: f64, n_clusters: usize, sigma: f64) -> Option<f64> {
    match map {
        Map::Softmax | Map::SoftmaxNaive => {
            Some(total_weight * (n_clusters as f64 - 1.0) * sigma / std::f64::consts::E)
        }
        Map::Entmax15 => Some(2.0 * total_weight * sigma),
        Map::Sparsemax => Some(total_weight * sigma),
        Map::Hard => Some(0.0),
        Map::Entmax { .. } => None,
    }
}

/// The uniform bound `0 ≤ J(C) − F_σ(C) ≤ σ W max_r(−Ω(r))` that follows from `Ω ≤ 0` on the
/// simplex and `Ω(one-hot) = 0` (the regularisers are normalised so): softmax `σ W ln K`,
/// α-entmax `σ W (1 − K^{1−α}) / (α(α−1))` (entmax-1.5: `σ W (1 − K^{−1/2}) / 0.75`,
/// sparsemax `σ W (1 − 1/K)/2`), hard `0`.
pub fn free_energy_bound(map: Map, total_weight: f64, n_clusters: usize, sigma: f64) -> f64 {
    let k = n_clusters as f64;
    let per_point = match map {
        Map::Softmax | Map::SoftmaxNaive => k.ln(),
        Map::Entmax15 => tsallis_max(1.5, k),
        Map::Sparsemax => tsallis_max(2.0, k),
        Map::Entmax { alpha } => tsallis_max(alpha, k),
        Map::Hard => 0.0,
    };
    total_weight * sigma * per_point
}

fn tsallis_max(alpha: f64, k: f64) -> f64 {
    (1.0 - k.powf(1.0 - alpha)) / (alpha * (alpha - 1.0))
}
