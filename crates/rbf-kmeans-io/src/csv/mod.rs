//! Delimited text: reading tables of numbers, writing matrices and labels.

pub(crate) mod read;
mod write;

pub use read::{read_csv, CsvStream, CsvTable};
pub use write::{write_csv_matrix, write_labels};
