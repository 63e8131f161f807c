//! The crate's error type: everything a user's file or input can get wrong.
//!
//! Each message names the input (`<stdin>` for standard input) and, for CSV, the 1-based line and
//! column as an editor shows them, counting header, blank and comment lines. Programming errors of
//! a caller (a header of the wrong length passed to a writer) panic instead, as documented on the
//! function.

use std::io;

/// Longest excerpt of a user's text quoted in a message, in characters.
const EXCERPT_CHARS: usize = 40;

/// Something wrong with an input or output file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// The file could not be opened (missing, a permission problem, ...).
    #[error("cannot open '{path}': {source}")]
    Open {
        /// The path as given.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },

    /// Reading failed part way through.
    #[error("error while reading '{path}': {source}")]
    Read {
        /// The path as given.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },

    /// Writing an output failed; no partial file is left behind when it can be avoided.
    #[error("cannot write '{path}': {source}")]
    Write {
        /// The path as given.
        path: String,
        /// The operating system's error.
        source: io::Error,
    },

    /// The input holds no data rows at all (empty, or only blank and comment lines).
    #[error("'{path}' holds no data: it is empty or has only blank and comment lines")]
    Empty {
        /// The input's name.
        path: String,
    },

    /// The input has a header line and nothing after it.
    #[error("'{path}' has a header on line {line} but no data rows after it")]
    HeaderOnly {
        /// The input's name.
        path: String,
        /// 1-based line of the header.
        line: usize,
    },

    /// A line is not valid UTF-8 text.
    #[error("'{path}', line {line}: not valid UTF-8 text (is this a binary file?)")]
    NotUtf8 {
        /// The input's name.
        path: String,
        /// 1-based line.
        line: usize,
    },

    /// A row has a different number of fields than the first row.
    #[error(
        "'{path}': line {line} has {found} fields, expected {expected} (from line {first_line})"
    )]
    Ragged {
        /// The input's name.
        path: String,
        /// 1-based line of the offending row.
        line: usize,
        /// Fields on that line.
        found: usize,
        /// Fields on the line that set the width.
        expected: usize,
        /// 1-based line that set the width (the header or the first data row).
        first_line: usize,
    },

    /// A field is empty, as in `1,,3` or a trailing comma.
    #[error("'{path}', line {line}, column {column}: empty field where a number is expected")]
    EmptyField {
        /// The input's name.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },

    /// A field is text rather than a number.
    #[error("'{path}', line {line}, column {column}: '{text}' is not a number")]
    NotANumber {
        /// The input's name.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The field, shortened to about 40 characters.
        text: String,
    },

    /// A CSV field is NaN or infinite, or overflows `f64` (as `1e999` does).
    #[error(
        "'{path}', line {line}, column {column}: non-finite value '{text}' \
         (NaN and infinite values are not accepted)"
    )]
    NonFinite {
        /// The input's name.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The field, shortened to about 40 characters.
        text: String,
    },

    /// A CSV input meant as a vector has more than one column.
    #[error("'{path}' has {ncols} columns; a vector needs exactly one number per line")]
    NotAVector {
        /// The input's name.
        path: String,
        /// Columns found.
        ncols: usize,
    },

    /// The file does not start with the NumPy magic string.
    #[error("'{path}' is not a NumPy .npy file (it does not start with \\x93NUMPY)")]
    NpyMagic {
        /// The input's name.
        path: String,
    },

    /// The `.npy` header is malformed or of an unknown version.
    #[error("'{path}': invalid .npy header: {reason}")]
    NpyHeader {
        /// The input's name.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The `.npy` element type is not one this crate reads.
    #[error(
        "'{path}' holds dtype '{descr}'; supported are float32 ('<f4'), float64 ('<f8'), \
         int32 ('<i4') and int64 ('<i8'), either byte order"
    )]
    NpyDtype {
        /// The `descr` entry of the header.
        descr: String,
        /// The input's name.
        path: String,
    },

    /// The `.npy` array has the wrong number of dimensions or an empty dimension.
    #[error("'{path}' holds an array of shape {shape}; {expected}")]
    NpyShape {
        /// The input's name.
        path: String,
        /// The shape, written as Python would, e.g. `(3, 4, 5)`.
        shape: String,
        /// What was expected instead.
        expected: &'static str,
    },

    /// The `.npy` data is shorter or longer than its header promises.
    #[error(
        "'{path}': the header promises {expected} bytes of data for shape {shape} but the file \
         holds {found}; it is truncated or corrupt"
    )]
    NpyDataSize {
        /// The input's name.
        path: String,
        /// The shape from the header.
        shape: String,
        /// Bytes the shape and dtype require.
        expected: usize,
        /// Bytes present after the header.
        found: usize,
    },

    /// A `.npy` value is NaN or infinite.
    #[error(
        "'{path}': non-finite value {value} at row {row}, column {column} \
         (NumPy index [{}, {}]); NaN and infinite values are not accepted",
        .row - 1, .column - 1
    )]
    NpyNonFinite {
        /// The input's name.
        path: String,
        /// 1-based row.
        row: usize,
        /// 1-based column (1 for a vector).
        column: usize,
        /// The value found.
        value: f64,
    },
}

/// The name used for an input in messages: `<stdin>` for `-`, else the path as given.
pub(crate) fn display_name(path: &str) -> String {
    if path == "-" {
        "<stdin>".to_owned()
    } else {
        path.to_owned()
    }
}

/// A user's text shortened for quoting, so one absurd field cannot flood the terminal.
pub(crate) fn excerpt(text: &str) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// A shape written as Python writes a tuple: `(3,)`, `(3, 4)`.
pub(crate) fn shape_text(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => {
            let parts: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
            format!("({})", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_keeps_short_text_and_cuts_long_text() {
        assert_eq!(excerpt("abc"), "abc");

        let long = "é".repeat(100);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn shapes_print_like_python_tuples() {
        assert_eq!(shape_text(&[]), "()");
        assert_eq!(shape_text(&[3]), "(3,)");
        assert_eq!(shape_text(&[3, 4, 5]), "(3, 4, 5)");
    }

    #[test]
    fn npy_non_finite_names_both_index_styles() {
        let err = IoError::NpyNonFinite {
            path: "x.npy".into(),
            row: 3,
            column: 2,
            value: f64::NAN,
        };
        let msg = err.to_string();
        assert!(msg.contains("row 3, column 2"), "{msg}");
        assert!(msg.contains("[2, 1]"), "{msg}");
    }
}
