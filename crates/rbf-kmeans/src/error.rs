//! The library's error type: bad data or bad options from a user.
//!
//! Programming errors of a caller (buffers of mismatched shapes passed to a kernel) panic with a
//! documented message instead; everything a user can cause through data or options is an
//! [`Error`] whose message names the problem.

/// Everything that can go wrong because of user data or options.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The data has no rows or no columns.
    #[error("the input is empty: {what}")]
    EmptyInput {
        /// What was empty, for example `"0 rows"`.
        what: String,
    },

    /// A value is NaN or infinite.
    #[error("{what} has a non-finite value ({value}) at row {row}, column {column} (1-based)")]
    NonFinite {
        /// Which array, for example `"data"` or `"initial centers"`.
        what: &'static str,
        /// 1-based row.
        row: usize,
        /// 1-based column.
        column: usize,
        /// The offending value, as text.
        value: String,
    },

    /// Two arrays that must agree in a dimension do not.
    #[error("{what}: expected {expected}, found {found}")]
    ShapeMismatch {
        /// Which array and dimension, for example `"initial centers: number of columns"`.
        what: String,
        /// The required size.
        expected: usize,
        /// The size given.
        found: usize,
    },

    /// An option is out of its range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The option's name as a user writes it, for example `"n_clusters"`.
        name: &'static str,
        /// Why the value is rejected.
        reason: String,
    },

    /// More clusters were asked for than the data has distinct points.
    #[error(
        "n_clusters = {n_clusters} is larger than the number of distinct points \
         ({n_distinct}) among the points with positive weight"
    )]
    TooFewDistinctPoints {
        /// The number of clusters asked for.
        n_clusters: usize,
        /// The number of distinct points with positive weight.
        n_distinct: usize,
    },

    /// The sample weights are unusable.
    #[error("invalid sample weights: {reason}")]
    InvalidWeights {
        /// Why, naming the first offending index where there is one.
        reason: String,
    },

    /// A model file cannot be used.
    #[error("cannot use the model: {reason}")]
    Model {
        /// Why, for example an incompatible format version.
        reason: String,
    },
}

/// The library's result type.
pub type Result<T> = std::result::Result<T, Error>;
