//! # rbf-kmeans
//!
//! K-Means and its differentiable twin, a radial basis function (RBF) network with soft
//! responsibilities, as one engine.
//!
//! The crate implements the claims of Félix Arredondo, Ucan-Puc and Astengo Noguez, "K-Means as a
//! Radial Basis Function Network: a Variational and Gradient-based Equivalence" (arXiv 2603.04625,
//! 2026): K-Means is the zero-temperature limit of an RBF network whose responsibilities are a
//! softmax (or entmax-1.5) of `−‖x − c‖² / σ`.
//!
//! Conventions used throughout: data `x_i ∈ R^d` with weights `w_i > 0`, centers `c_k`, squared
//! distances `d_ik = ‖x_i − c_k‖²`, temperature `σ > 0` (a Gaussian unit of width `s` has
//! `σ = 2s²`; the crate uses `σ` only). Ties in an argmin go to the lowest index.
#![deny(missing_docs)]

pub mod data;
pub mod distance;
pub mod error;
pub mod float;
pub mod init;
pub mod kmeans;
pub mod metrics;
pub mod minibatch;
pub mod model_file;
pub mod parallel;
pub mod rng;

pub mod datasets;
pub mod rbf;

pub use data::Samples;
pub use error::{Error, Result};
pub use float::Float;
pub use init::Init;
pub use kmeans::{KMeansFit, KMeansModel, KMeansParams};
pub use minibatch::{MiniBatchKMeans, MiniBatchKMeansParams};
pub use parallel::Threads;
