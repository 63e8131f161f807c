//! Mini-batch K-Means (Sculley 2010): K-Means on a stream of small batches.
//!
//! Each step assigns a batch of `b` rows to the current centers and moves each center to the
//! running weighted mean of every point ever assigned to it, `c_k ← (v_k c_k + S_k)/(v_k + b_k)`
//! (see [`MiniBatchKMeans`]). A step costs `O(b·k·d)` whatever the size of the data, so a fit
//! can run on data read in chunks ([`MiniBatchKMeans::partial_fit`]) or by epochs over data in
//! memory ([`MiniBatchKMeansValidParams::fit`]). The result is an approximation of Lloyd's:
//! typically within a few percent of its inertia, at a fraction of the cost on large `n`.
//!
//! ```
//! use rbf_kmeans::minibatch::MiniBatchKMeansParams;
//! let x = ndarray::array![[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]];
//! let fit = MiniBatchKMeansParams::new(2).batch_size(2).seed(1).fit(x.view(), None).unwrap();
//! assert_eq!(fit.labels[0], fit.labels[1]);
//! assert_ne!(fit.labels[0], fit.labels[2]);
//! ```

mod algorithm;
mod hyperparams;
mod step;
#[cfg(test)]
mod tests;

pub use algorithm::{BatchStats, MiniBatchKMeans, MiniBatchKMeansFit, MiniBatchStop};
pub use hyperparams::{MiniBatchKMeansParams, MiniBatchKMeansValidParams};
