//! The rule behind [`Algorithm::Auto`].

use super::hyperparams::Algorithm;

impl Algorithm {
    /// The algorithm that runs for `n` points in `d` dimensions and `k` clusters: itself, or for
    /// [`Algorithm::Auto`] a choice by a fixed rule (placeholder, tuned by benches/algorithms.rs).
    pub fn resolve(self, n: usize, d: usize, k: usize) -> Algorithm {
        let _ = (n, d, k);
        match self {
            Algorithm::Auto => Algorithm::Lloyd,
            other => other,
        }
    }
}
