//! The rule behind [`Algorithm::Auto`].

use super::hyperparams::Algorithm;
use crate::parallel::LEAF_ROWS;

impl Algorithm {
    /// What runs for `n` points and `k` clusters (the dimension does not enter the rule).
    ///
    /// [`Algorithm::Auto`] stays `Auto`, an adaptive mix of Hamerly's pruned passes and plain
    /// Lloyd passes (see below), except that it is plain Lloyd when there is nothing to prune
    /// (`k = 1`) or the data fit in a few leaves (`n < 4 · LEAF_ROWS`), where bookkeeping costs
    /// more than it could save. The adaptive mix starts with Hamerly and, whenever a pruned pass
    /// leaves more than half the points open (overlapping clusters, centers still moving), runs
    /// Lloyd passes for 8 iterations (16, 32, up to 64 after repeated failures) before trying
    /// again. Measured with `benches/algorithms.rs`: Hamerly is 2.5–5 times faster than Lloyd
    /// per iteration on well-separated clusters and 1.1–2 times slower on overlapping ones, so
    /// no rule of `n`, `d` and `k` alone can pick well. Elkan is never chosen: its `n·k` bounds
    /// cost memory and were slower than Hamerly on every workload measured.
    ///
    /// Known shortcoming: the switch on the open fraction is not yet a good enough cost model.
    /// At low dimension (W1) a pruned pass costs more than Lloyd's even when most points are
    /// settled, and short fits pay the first probe; there `Auto` measured 1.1–2.3 times
    /// Lloyd's time per iteration, which is why [`Algorithm::Lloyd`] is the default. A switch
    /// on the measured cost of each kind of pass would fix it.
    ///
    /// The other variants resolve to themselves.
    pub fn resolve(self, n: usize, _d: usize, k: usize) -> Algorithm {
        match self {
            Algorithm::Auto if k == 1 || n < 4 * LEAF_ROWS => Algorithm::Lloyd,
            other => other,
        }
    }
}
