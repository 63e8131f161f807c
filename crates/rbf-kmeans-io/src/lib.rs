//! Reading and writing the matrices rbf-kmeans works on: CSV and NumPy `.npy`.
//!
//! Inputs are data matrices (`--input`), initial centers (`--init`) and sample weights
//! (`--weights`); outputs are labels, distances and centers. Everything read is checked once,
//! here at the boundary: a matrix comes back rectangular, non-empty and finite, or as an
//! [`IoError`] whose message names the file, the line and the column to fix.
//!
//! * **CSV**: comma, semicolon or whitespace separated; an optional header line (see
//!   [`Header`]); blank lines and `#` comments skipped. Numbers are parsed correctly rounded and
//!   written in the shortest form that reads back to the same bits.
//! * **Chunks**: [`MatrixStream`] reads either format a chunk of rows at a time, so data larger
//!   than memory can be processed with bounded memory.
//! * **`.npy`**: versions 1.0 to 3.0, `float32`/`float64` (kept in their precision) and
//!   `int32`/`int64` (converted to `f64`), either byte order, C or Fortran order. Written as
//!   version 1.0, little endian, C order.
//!
//! ```
//! use rbf_kmeans_io::{read_matrix, write_csv_matrix, write_to_path_or_stdout, ReadOptions};
//!
//! let dir = std::env::temp_dir().join(format!("rbf-kmeans-io-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir)?;
//! let path = dir.join("x.csv").to_string_lossy().into_owned();
//!
//! let x = ndarray::array![[0.1, 2.0], [-3.5, 1e-300]];
//! let names = ["a".to_owned(), "b".to_owned()];
//! write_to_path_or_stdout(Some(&path), |w| write_csv_matrix(w, x.view(), Some(&names)))?;
//!
//! let back = read_matrix(&path, &ReadOptions::default())?;
//! assert_eq!(back.dtype_name(), "f64");
//! assert_eq!(back.into_f64(), x);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod csv;
mod element;
mod error;
mod npy;
mod options;
mod output;
mod stream;
#[cfg(test)]
mod test_dir;

use std::fs::File;
use std::io::{self, Read};

use ndarray::Array2;

pub use crate::csv::{read_csv, write_csv_matrix, write_labels, CsvStream, CsvTable};
pub use crate::element::Element;
pub use crate::error::IoError;
pub use crate::npy::{
    npy_matrix_from_bytes, npy_vector_from_bytes, read_npy, read_npy_vector, write_npy,
    write_npy_f32, write_npy_f64, NpyStream,
};
pub use crate::options::{Delimiter, Header, ReadOptions};
pub use crate::output::write_to_path_or_stdout;
pub use crate::stream::MatrixStream;

use crate::error::display_name;

/// A matrix as read from a file, in the precision the file holds.
///
/// CSV is always read as `F64`; `.npy` files keep `float32` as `F32`. Rows are samples, columns
/// features; the array is in standard (row-major) layout and every value is finite.
#[derive(Debug, Clone, PartialEq)]
pub enum Matrix {
    /// Single precision, from a `'<f4'` `.npy` file.
    F32(Array2<f32>),
    /// Double precision, from CSV or a `'<f8'` or integer `.npy` file.
    F64(Array2<f64>),
}

impl Matrix {
    /// Number of rows (samples).
    pub fn nrows(&self) -> usize {
        match self {
            Matrix::F32(a) => a.nrows(),
            Matrix::F64(a) => a.nrows(),
        }
    }

    /// Number of columns (features).
    pub fn ncols(&self) -> usize {
        match self {
            Matrix::F32(a) => a.ncols(),
            Matrix::F64(a) => a.ncols(),
        }
    }

    /// The values as `f64`; widening `f32` is exact.
    pub fn into_f64(self) -> Array2<f64> {
        match self {
            Matrix::F32(a) => a.mapv(f64::from),
            Matrix::F64(a) => a,
        }
    }

    /// The values as `f32`, each `f64` rounded to the nearest `f32`. Values beyond `f32::MAX`
    /// become infinite, so callers needing finite data should check the result.
    pub fn into_f32(self) -> Array2<f32> {
        match self {
            Matrix::F32(a) => a,
            Matrix::F64(a) => a.mapv(|v| v as f32),
        }
    }

    /// `"f32"` or `"f64"`.
    pub fn dtype_name(&self) -> &'static str {
        match self {
            Matrix::F32(_) => f32::NAME,
            Matrix::F64(_) => f64::NAME,
        }
    }
}

/// Reads a matrix from `path`; `"-"` reads standard input.
///
/// A path ending in `.npy` (any case) is read as NumPy; any other input is read as NumPy if it
/// starts with the NumPy magic string, else as CSV with `opts`.
pub fn read_matrix(path: &str, opts: &ReadOptions) -> Result<Matrix, IoError> {
    if has_npy_extension(path) {
        return read_npy(path);
    }
    match open_stream(path, opts)? {
        Stream::Npy(bytes) => npy_matrix_from_bytes(&bytes, &display_name(path)),
        Stream::Csv(table) => Ok(Matrix::F64(table.data)),
    }
}

/// Reads a CSV matrix from any reader; `source_name` names it in error messages.
pub fn read_csv_matrix<R: Read>(
    reader: R,
    source_name: &str,
    opts: &ReadOptions,
) -> Result<Array2<f64>, IoError> {
    read_csv(reader, source_name, opts).map(|table| table.data)
}

/// Reads a vector such as sample weights from `path` (`"-"` for standard input).
///
/// CSV: one number per line, with an optional header. `.npy`: shape `(n,)` or `(n, 1)`. The
/// values are finite and there is at least one.
pub fn read_vector(path: &str, opts: &ReadOptions) -> Result<Vec<f64>, IoError> {
    if has_npy_extension(path) {
        return read_npy_vector(path);
    }
    match open_stream(path, opts)? {
        Stream::Npy(bytes) => npy_vector_from_bytes(&bytes, &display_name(path)),
        Stream::Csv(table) => match table.data.ncols() {
            1 => Ok(table.data.into_iter().collect()),
            ncols => Err(IoError::NotAVector {
                path: display_name(path),
                ncols,
            }),
        },
    }
}

pub(crate) fn has_npy_extension(path: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("npy"))
}

/// An input whose format was decided by its first bytes.
enum Stream {
    /// The whole file, starting with the NumPy magic string.
    Npy(Vec<u8>),
    /// Anything else, parsed as CSV.
    Csv(CsvTable),
}

/// Opens `path` (standard input for `"-"`) and reads it as NumPy or CSV.
fn open_stream(path: &str, opts: &ReadOptions) -> Result<Stream, IoError> {
    let name = display_name(path);
    if path == "-" {
        return read_stream(io::stdin().lock(), &name, opts);
    }
    let file = File::open(path).map_err(|source| IoError::Open {
        path: name.clone(),
        source,
    })?;
    read_stream(file, &name, opts)
}

/// Reads NumPy or CSV from a stream, deciding by the first bytes, so `.npy` data piped to
/// standard input or saved under another extension still reads.
fn read_stream<R: Read>(mut reader: R, name: &str, opts: &ReadOptions) -> Result<Stream, IoError> {
    let read_error = |source| IoError::Read {
        path: name.to_owned(),
        source,
    };

    let mut head = Vec::with_capacity(npy::MAGIC.len());
    reader
        .by_ref()
        .take(npy::MAGIC.len() as u64)
        .read_to_end(&mut head)
        .map_err(read_error)?;

    if head == npy::MAGIC {
        reader.read_to_end(&mut head).map_err(read_error)?;
        return Ok(Stream::Npy(head));
    }
    read_csv(head.as_slice().chain(reader), name, opts).map(Stream::Csv)
}

#[cfg(test)]
mod tests;
