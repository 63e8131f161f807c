//! Exact K-Means by Lloyd's algorithm.
//!
//! Minimises the weighted distortion `J(C) = Σ_i w_i min_k ‖x_i − c_k‖²` by alternating an
//! assignment step (`a_i = argmin_k d_ik`, ties to the lowest index) and an update step
//! (`c_k ← Σ_{a_i=k} w_i x_i / Σ_{a_i=k} w_i`). Given the same initial centers, `tol = 0` and the
//! same `max_iter`, a fit reproduces scikit-learn's `KMeans(algorithm="lloyd")` (see the parity
//! tests), and it gives bit-identical results for any thread count.
//!
//! ```
//! use rbf_kmeans::kmeans::KMeansParams;
//! let x = ndarray::array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
//! let fit = KMeansParams::new(2).seed(1).fit(x.view(), None).unwrap();
//! assert_eq!(fit.labels[0], fit.labels[1]);
//! assert_ne!(fit.labels[0], fit.labels[2]);
//! assert!(fit.inertia < 0.02);
//! ```

mod accel;
mod algorithm;
mod auto;
mod elkan;
mod hamerly;
mod hyperparams;
pub(crate) mod lloyd;
mod model;

pub use algorithm::{IterationEvent, KMeansFit, StopReason};
pub use hyperparams::{Algorithm, KMeansParams, KMeansValidParams, TolMode};
pub use model::KMeansModel;

pub(crate) use algorithm::lloyd as algorithm_lloyd;
