//! End-to-end tests of the `rbf-kmeans` binary: each runs the real executable on small files, as
//! a user would, and checks its outputs, its exit code and its one-line error messages.
//!
//! One test per reported problem; the helpers in `util` run the binary and check the shape of
//! an error (one line on stderr, exit code 1, no panic, nothing on stdout).

mod anneal;
mod apply;
mod data_errors;
mod fit;
mod model_errors;
mod npy;
mod option_errors;
mod outputs;
mod side_files;
mod util;
