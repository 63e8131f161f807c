//! The RBF network view of K-Means (THEORY.md): responsibility maps, objectives, gradients,
//! training at a fixed temperature, annealing, and the diagnostics that certify the equivalence
//! with K-Means.
//!
//! A network with centers `c_k`, temperature `σ > 0` and map `ρ` gives each input the hidden
//! vector `r(x) = ρ(−‖x − c‖²/σ)` and the reconstruction `x̂ = Σ_k r_k(x) c_k`. Its smooth loss
//! `L_σ(C) = Σ_i w_i Σ_k r_ik d_ik` and free energy `F_σ(C)` both tend to the K-Means
//! distortion `J(C)` as `σ → 0` (Arredondo, Ucan-Puc and Astengo Noguez 2026).

pub mod anneal;
pub mod gradient;
pub mod maps;
pub mod network;
pub mod objective;
pub mod pass;
pub mod schedule;
pub mod train;

pub use maps::Map;
pub use network::RbfNetwork;
