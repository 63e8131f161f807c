//! Deterministic parallelism: fixed row blocks, reduced in block order.
//!
//! Work over points is cut into leaves of [`LEAF_ROWS`] consecutive rows. The cut depends only on
//! the number of points, never on the number of threads, and every per-leaf partial result is
//! combined in leaf order. So a fit gives bit-identical results for any thread count, while
//! rayon's work stealing keeps both cores busy (and tolerates a descheduled worker: leaves are
//! small, no thread ever spins waiting for another).

use std::ops::Range;

use crate::error::{Error, Result};

/// Rows per leaf task. Small enough for load balance on two cores, large enough that the per-leaf
/// reduction (`k·d` additions) is negligible next to the leaf's `2·LEAF_ROWS·k·d` flops.
pub const LEAF_ROWS: usize = 2048;

/// Number of leaves covering `n` rows.
pub fn n_leaves(n: usize) -> usize {
    n.div_ceil(LEAF_ROWS).max(1)
}

/// Rows of leaf `leaf` out of `n` rows.
pub fn leaf_range(leaf: usize, n: usize) -> Range<usize> {
    let start = (leaf * LEAF_ROWS).min(n);
    start..((leaf + 1) * LEAF_ROWS).min(n)
}

/// The most worker threads a pool may have: far above any useful count, low enough that a typo
/// (`--threads 100000`) is an error rather than minutes spent starting threads.
pub const MAX_THREADS: usize = 1024;

/// A thread count, resolved once: `0` means every core the operating system offers.
///
/// Algorithms take this explicitly and run inside their own pool; nothing reads a global.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Threads(pub usize);

impl Threads {
    /// The number of worker threads this stands for.
    pub fn resolve(self) -> usize {
        if self.0 == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.0
        }
    }

    /// A dedicated rayon pool of this many threads.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for more than [`MAX_THREADS`] threads, or if the operating
    /// system refuses to start them.
    pub fn pool(self) -> Result<rayon::ThreadPool> {
        let n = self.resolve();
        if n > MAX_THREADS {
            return Err(Error::InvalidParameter {
                name: "threads",
                reason: format!("at most {MAX_THREADS} worker threads, got {n}"),
            });
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map_err(|e| Error::InvalidParameter {
                name: "threads",
                reason: format!("cannot start {n} threads: {e}"),
            })
    }

    /// Runs `f` inside a dedicated rayon pool of this many threads.
    ///
    /// # Errors
    /// As [`Threads::pool`].
    pub fn install<R: Send>(self, f: impl FnOnce() -> R + Send) -> Result<R> {
        Ok(self.pool()?.install(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_many_threads_is_an_error_not_a_stall() {
        let err = Threads(100_000).install(|| ()).unwrap_err().to_string();
        assert!(err.contains("threads") && err.contains("100000"), "{err}");
        assert!(Threads(2).install(|| ()).is_ok());
    }

    #[test]
    fn leaves_cover_rows_exactly_once() {
        for n in [
            1,
            5,
            LEAF_ROWS - 1,
            LEAF_ROWS,
            LEAF_ROWS + 1,
            5 * LEAF_ROWS + 3,
        ] {
            let mut next = 0;
            for l in 0..n_leaves(n) {
                let r = leaf_range(l, n);
                assert_eq!(r.start, next);
                assert!(!r.is_empty());
                next = r.end;
            }
            assert_eq!(next, n);
        }
    }

    #[test]
    fn install_runs_with_the_requested_thread_count() {
        for t in [1, 2, 3] {
            let got = Threads(t).install(rayon::current_num_threads).unwrap();
            assert_eq!(got, t);
        }
    }
}
