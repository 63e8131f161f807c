//! Comparing sets of centers.

mod matching;

pub use matching::{bottleneck_matching, matched_distance};
