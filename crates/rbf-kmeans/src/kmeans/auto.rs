//! The rule behind [`Algorithm::Auto`].

use super::hyperparams::Algorithm;
use crate::parallel::LEAF_ROWS;

/// At or below this many center coordinates (`k·d`), a point's distances to every center cost
/// less than screening its bounds: on W1 (100k × 2, k = 8) a Hamerly pass took 2.2 times a
/// Lloyd pass however few points it left open.
const CHEAP_DISTANCES: usize = 64;

impl Algorithm {
    /// What runs for `n` points of dimension `d` and `k` clusters.
    ///
    /// [`Algorithm::Auto`] is plain Lloyd when there is nothing to prune (`k = 1`), when the
    /// data fit in a few leaves (`n < 4 · LEAF_ROWS`), where bookkeeping costs more than it
    /// could save, and when all `k` distances of a point are cheaper than screening its bounds
    /// (`k·d ≤ 64`). Otherwise it stays `Auto`: Hamerly's pruned passes mixed with plain Lloyd
    /// passes, each kind run while it is measured to be the cheaper (see `PassChooser` in
    /// `kmeans/accel.rs`). Measured with `benches/algorithms.rs`, Hamerly is about five times
    /// faster than Lloyd per iteration on well-separated clusters and slower while overlapping
    /// clusters leave many points open, so no rule of `n`, `d` and `k` alone can pick well.
    /// Elkan is never chosen: its `n·k` bounds cost memory and were slower than Hamerly on
    /// every workload measured.
    ///
    /// The other variants resolve to themselves.
    pub fn resolve(self, n: usize, d: usize, k: usize) -> Algorithm {
        match self {
            Algorithm::Auto if k == 1 || n < 4 * LEAF_ROWS || k * d <= CHEAP_DISTANCES => {
                Algorithm::Lloyd
            }
            other => other,
        }
    }
}
