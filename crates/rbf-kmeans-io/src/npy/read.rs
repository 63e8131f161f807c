//! Decoding `.npy` data into matrices and vectors.
//!
//! A C-order matrix file is decoded a chunk of rows at a time (through [`NpyStream`]) straight
//! into the matrix, so reading it needs the matrix plus one chunk; vectors and Fortran-order files
//! are read whole and then converted. Integer files (`<i4`, `<i8`) are converted to `f64`; `int64`
//! values beyond ±2⁵³ are rounded to the nearest `f64`. Fortran-order files are transposed into
//! row-major order, so the logical matrix is the one NumPy shows.

use ndarray::{Array2, ShapeBuilder};

use super::header::{parse_header, Kind, NpyHeader};
use super::stream::NpyStream;
use crate::error::{shape_text, IoError};
use crate::Matrix;

/// Decoded elements, in the file's memory order.
enum Elements {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Reads a 2-D `.npy` file as a [`Matrix`] in the precision the file holds (integers as `f64`).
///
/// Accepts format versions 1.0, 2.0 and 3.0, either byte order, C or Fortran order. Rejects any
/// shape but `(rows, columns)` with both at least 1, and NaN or infinite values.
pub fn read_npy(path: &str) -> Result<Matrix, IoError> {
    // A C-order file is decoded a chunk at a time straight into the matrix's buffer, so the peak
    // memory is the matrix plus one chunk, not the file's bytes plus the matrix.
    let file = std::fs::File::open(path).map_err(|source| IoError::Open {
        path: path.to_owned(),
        source,
    })?;
    let mut stream = NpyStream::open(std::io::BufReader::new(file), path, false, true)?;
    if stream.is_fortran() {
        let bytes = read_file(path)?;
        return npy_matrix_from_bytes(&bytes, path);
    }
    let (nrows, ncols) = stream.shape();
    Ok(if stream.is_f32() {
        Matrix::F32(read_rows_into(&mut stream, nrows, ncols, path)?)
    } else {
        Matrix::F64(read_rows_into(&mut stream, nrows, ncols, path)?)
    })
}

/// Every row of a C-order stream as an `nrows × ncols` matrix.
fn read_rows_into<R: std::io::Read, E: crate::Element>(
    stream: &mut NpyStream<R>,
    nrows: usize,
    ncols: usize,
    path: &str,
) -> Result<Array2<E>, IoError> {
    const CHUNK_BYTES: usize = 1 << 20;
    let chunk_rows = (CHUNK_BYTES / (ncols * stream.item_size())).max(1);
    let mut values: Vec<E> = Vec::new();
    values
        .try_reserve_exact(nrows.saturating_mul(ncols))
        .map_err(|_| IoError::NpyHeader {
            path: path.to_owned(),
            reason: format!("the shape ({nrows}, {ncols}) does not fit in memory"),
        })?;
    while stream.read_rows(chunk_rows, &mut values)? > 0 {}
    stream.buf = Vec::new();

    let extra = stream.trailing_bytes()?;
    if extra > 0 {
        let expected = nrows * ncols * stream.item_size();
        return Err(IoError::NpyDataSize {
            path: path.to_owned(),
            shape: shape_text(&[nrows, ncols]),
            expected,
            found: expected + extra as usize,
        });
    }
    Array2::from_shape_vec((nrows, ncols), values).map_err(|e| IoError::NpyHeader {
        path: path.to_owned(),
        reason: format!("the shape ({nrows}, {ncols}) cannot be built: {e}"),
    })
}

/// Reads a `.npy` file holding a vector: shape `(n,)` or `(n, 1)`, with `n ≥ 1`.
pub fn read_npy_vector(path: &str) -> Result<Vec<f64>, IoError> {
    let bytes = read_file(path)?;
    npy_vector_from_bytes(&bytes, path)
}

/// Decodes the bytes of a 2-D `.npy` file; `source_name` names it in errors. See [`read_npy`].
pub fn npy_matrix_from_bytes(bytes: &[u8], source_name: &str) -> Result<Matrix, IoError> {
    let (header, elements) = decode(bytes, source_name)?;
    let shape_error = |expected| IoError::NpyShape {
        path: source_name.to_owned(),
        shape: shape_text(&header.shape),
        expected,
    };

    let &[nrows, ncols] = header.shape.as_slice() else {
        return Err(shape_error(
            "a matrix needs exactly 2 dimensions (for a single feature, save x.reshape(-1, 1))",
        ));
    };
    if nrows == 0 || ncols == 0 {
        return Err(shape_error(
            "a matrix needs at least one row and one column",
        ));
    }

    let fortran = header.fortran_order;
    Ok(match elements {
        Elements::F32(values) => Matrix::F32(arrange(values, nrows, ncols, fortran, source_name)?),
        Elements::F64(values) => Matrix::F64(arrange(values, nrows, ncols, fortran, source_name)?),
    })
}

/// Decodes the bytes of a `.npy` vector file; see [`read_npy_vector`].
pub fn npy_vector_from_bytes(bytes: &[u8], source_name: &str) -> Result<Vec<f64>, IoError> {
    let (header, elements) = decode(bytes, source_name)?;
    let shape_error = |expected| IoError::NpyShape {
        path: source_name.to_owned(),
        shape: shape_text(&header.shape),
        expected,
    };

    // Both shapes have the same memory layout in either order, so `fortran_order` is moot.
    let n = match header.shape.as_slice() {
        &[n] | &[n, 1] => n,
        _ => return Err(shape_error("a vector needs shape (n,) or (n, 1)")),
    };
    if n == 0 {
        return Err(shape_error("a vector needs at least one value"));
    }

    let values = match elements {
        Elements::F32(values) => values.into_iter().map(f64::from).collect(),
        Elements::F64(values) => values,
    };
    if let Some(row) = values.iter().position(|v| !v.is_finite()) {
        return Err(IoError::NpyNonFinite {
            path: source_name.to_owned(),
            row: row + 1,
            column: 1,
            value: values[row],
        });
    }
    Ok(values)
}

fn read_file(path: &str) -> Result<Vec<u8>, IoError> {
    std::fs::read(path).map_err(|source| IoError::Open {
        path: path.to_owned(),
        source,
    })
}

/// Parses the header, checks the data length against it and converts the elements.
fn decode(bytes: &[u8], path: &str) -> Result<(NpyHeader, Elements), IoError> {
    let header = parse_header(bytes, path)?;
    let item_size = match header.kind {
        Kind::F32 | Kind::I32 => 4,
        Kind::F64 | Kind::I64 => 8,
    };
    let expected = header
        .shape
        .iter()
        .try_fold(item_size, |acc: usize, &n| acc.checked_mul(n))
        .ok_or_else(|| IoError::NpyHeader {
            path: path.to_owned(),
            reason: format!("the shape {} is too large", shape_text(&header.shape)),
        })?;
    let data = &bytes[header.data_offset..];
    if data.len() != expected {
        return Err(IoError::NpyDataSize {
            path: path.to_owned(),
            shape: shape_text(&header.shape),
            expected,
            found: data.len(),
        });
    }

    let big = header.big_endian;
    let elements = match header.kind {
        Kind::F32 => Elements::F32(convert(
            data,
            if big {
                f32::from_be_bytes
            } else {
                f32::from_le_bytes
            },
        )),
        Kind::F64 => Elements::F64(convert(
            data,
            if big {
                f64::from_be_bytes
            } else {
                f64::from_le_bytes
            },
        )),
        Kind::I32 => Elements::F64(convert(data, |b: [u8; 4]| {
            f64::from(if big {
                i32::from_be_bytes(b)
            } else {
                i32::from_le_bytes(b)
            })
        })),
        Kind::I64 => Elements::F64(convert(data, |b: [u8; 8]| {
            (if big {
                i64::from_be_bytes(b)
            } else {
                i64::from_le_bytes(b)
            }) as f64
        })),
    };
    Ok((header, elements))
}

/// Converts each `N`-byte chunk of `data`; a trailing partial chunk cannot occur after `decode`'s
/// length check.
fn convert<const N: usize, T>(data: &[u8], from_bytes: impl Fn([u8; N]) -> T) -> Vec<T> {
    data.chunks_exact(N)
        .map(|chunk| {
            let mut array = [0_u8; N];
            array.copy_from_slice(chunk);
            from_bytes(array)
        })
        .collect()
}

/// Builds a row-major `nrows × ncols` array from elements in C or Fortran order, rejecting
/// non-finite values.
fn arrange<T: Copy + Into<f64>>(
    values: Vec<T>,
    nrows: usize,
    ncols: usize,
    fortran: bool,
    path: &str,
) -> Result<Array2<T>, IoError> {
    let shape_error = |e: ndarray::ShapeError| IoError::NpyHeader {
        path: path.to_owned(),
        reason: format!("the shape ({nrows}, {ncols}) cannot be built: {e}"),
    };
    let array = if fortran {
        let columns = Array2::from_shape_vec((nrows, ncols).f(), values).map_err(shape_error)?;
        columns.as_standard_layout().into_owned()
    } else {
        Array2::from_shape_vec((nrows, ncols), values).map_err(shape_error)?
    };

    let flat = array.as_slice().unwrap_or(&[]);
    if let Some(at) = flat.iter().position(|&v| !v.into().is_finite()) {
        return Err(IoError::NpyNonFinite {
            path: path.to_owned(),
            row: at / ncols + 1,
            column: at % ncols + 1,
            value: flat[at].into(),
        });
    }
    Ok(array)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::npy::write::write_npy;
    use crate::npy::MAGIC;

    #[test]
    fn read_npy_streams_c_order_and_matches_the_byte_decoder() {
        let dir = crate::test_dir::TestDir::new("npy-stream");
        // More rows than one chunk, so the chunked path is exercised.
        let x = Array2::from_shape_fn((70_000, 3), |(i, j)| (i * 3 + j) as f32 * 0.25 - 7.0);
        let mut bytes = Vec::new();
        write_npy(&mut bytes, x.view()).unwrap();
        let path = dir.file("x.npy", &bytes);
        match (
            read_npy(&path).unwrap(),
            npy_matrix_from_bytes(&bytes, &path).unwrap(),
        ) {
            (Matrix::F32(a), Matrix::F32(b)) => assert!(a == x && b == x),
            _ => panic!("f32 data must stay f32"),
        }

        bytes.push(0);
        let path = dir.file("extra.npy", &bytes);
        let err = read_npy(&path).unwrap_err().to_string();
        assert!(err.contains("extra.npy"), "{err}");
        assert!(matches!(
            read_npy(&path),
            Err(IoError::NpyDataSize { found, expected, .. }) if found == expected + 1
        ));
    }

    /// A `.npy` file with the given header dict and raw data, version `major`.
    fn npy(major: u8, dict: &str, data: &[u8]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend([major, 0]);
        if major == 1 {
            bytes.extend((dict.len() as u16).to_le_bytes());
        } else {
            bytes.extend((dict.len() as u32).to_le_bytes());
        }
        bytes.extend(dict.as_bytes());
        bytes.extend(data);
        bytes
    }

    const ALIGN_CHECK: usize = 64;

    fn dict(descr: &str, fortran: bool, shape: &str) -> String {
        let order = if fortran { "True" } else { "False" };
        format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}\n")
    }

    fn f64_bytes(values: &[f64]) -> Vec<u8> {
        values.iter().flat_map(|v| v.to_le_bytes()).collect()
    }

    fn err(result: Result<impl std::fmt::Debug, IoError>) -> String {
        result.expect_err("should be rejected").to_string()
    }

    #[test]
    fn f64_and_f32_round_trip_bit_for_bit() {
        let data = ndarray::array![[0.1, -0.0, 5e-324], [1e-300, f64::MAX, -2.5]];
        let mut bytes = Vec::new();
        write_npy(&mut bytes, data.view()).unwrap();
        assert_eq!(
            (bytes.len() - 48) % ALIGN_CHECK,
            0,
            "data starts 64-byte aligned"
        );
        match npy_matrix_from_bytes(&bytes, "m.npy").unwrap() {
            Matrix::F64(back) => {
                assert!(back
                    .iter()
                    .zip(&data)
                    .all(|(a, b)| a.to_bits() == b.to_bits()))
            }
            other => panic!("expected f64, got {other:?}"),
        }

        let data = ndarray::array![[0.1_f32, -0.0, 1e-45], [1e-38, f32::MAX, -2.5]];
        let mut bytes = Vec::new();
        write_npy(&mut bytes, data.view()).unwrap();
        match npy_matrix_from_bytes(&bytes, "m.npy").unwrap() {
            Matrix::F32(back) => {
                assert!(back
                    .iter()
                    .zip(&data)
                    .all(|(a, b)| a.to_bits() == b.to_bits()))
            }
            other => panic!("expected f32, got {other:?}"),
        }
    }

    #[test]
    fn reads_version_2_and_3_headers() {
        for major in [2, 3] {
            let bytes = npy(
                major,
                &dict("<f8", false, "(1, 2)"),
                &f64_bytes(&[1.0, 2.0]),
            );
            let m = npy_matrix_from_bytes(&bytes, "v.npy").unwrap().into_f64();
            assert_eq!(m, ndarray::array![[1.0, 2.0]]);
        }
    }

    #[test]
    fn fortran_order_is_transposed_into_the_logical_matrix() {
        // NumPy's np.asfortranarray([[1, 2, 3], [4, 5, 6]]) stores columns: 1 4 2 5 3 6.
        let raw = f64_bytes(&[1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        let bytes = npy(1, &dict("<f8", true, "(2, 3)"), &raw);
        let m = npy_matrix_from_bytes(&bytes, "f.npy").unwrap().into_f64();
        assert_eq!(m, ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
        assert!(m.is_standard_layout());
    }

    #[test]
    fn integers_and_big_endian_are_converted() {
        let raw: Vec<u8> = [-3_i32, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
        let m = npy_matrix_from_bytes(&npy(1, &dict("<i4", false, "(2, 1)"), &raw), "i").unwrap();
        assert_eq!(m.into_f64(), ndarray::array![[-3.0], [7.0]]);

        let raw: Vec<u8> = [1_i64 << 40].iter().flat_map(|v| v.to_be_bytes()).collect();
        let m = npy_matrix_from_bytes(&npy(1, &dict(">i8", false, "(1, 1)"), &raw), "i").unwrap();
        assert_eq!(m.into_f64(), ndarray::array![[(1_i64 << 40) as f64]]);

        let raw: Vec<u8> = 1.5_f32.to_be_bytes().to_vec();
        let m = npy_matrix_from_bytes(&npy(1, &dict(">f4", false, "(1, 1)"), &raw), "b").unwrap();
        assert_eq!(m.dtype_name(), "f32");
        assert_eq!(m.into_f64(), ndarray::array![[1.5]]);
    }

    #[test]
    fn vectors_may_be_flat_or_one_column() {
        let raw = f64_bytes(&[0.5, 1.5, 2.5]);
        for shape in ["(3,)", "(3, 1)"] {
            let bytes = npy(1, &dict("<f8", false, shape), &raw);
            assert_eq!(
                npy_vector_from_bytes(&bytes, "w.npy").unwrap(),
                [0.5, 1.5, 2.5]
            );
        }

        let bytes = npy(1, &dict("<f8", false, "(1, 3)"), &raw);
        let msg = err(npy_vector_from_bytes(&bytes, "w.npy"));
        assert!(
            msg.contains("'w.npy' holds an array of shape (1, 3)"),
            "{msg}"
        );
        assert!(msg.contains("(n,) or (n, 1)"), "{msg}");

        let bytes = npy(
            1,
            &dict("<f8", false, "(3,)"),
            &f64_bytes(&[0.5, f64::NAN, 1.0]),
        );
        let msg = err(npy_vector_from_bytes(&bytes, "w.npy"));
        assert!(msg.contains("row 2, column 1"), "{msg}");
    }

    #[test]
    fn matrices_must_be_two_dimensional_and_non_empty() {
        let cases = [
            ("(6,)", 6),
            ("(1, 2, 3)", 6),
            ("()", 1),
            ("(0, 4)", 0),
            ("(4, 0)", 0),
        ];
        for (shape, n) in cases {
            let bytes = npy(1, &dict("<f8", false, shape), &f64_bytes(&vec![1.0; n]));
            let msg = err(npy_matrix_from_bytes(&bytes, "s.npy"));
            assert!(msg.contains(&format!("shape {shape}")), "{msg}");
        }
        let msg = err(npy_matrix_from_bytes(
            &npy(1, &dict("<f8", false, "(6,)"), &[0; 48]),
            "s",
        ));
        assert!(msg.contains("reshape(-1, 1)"), "{msg}");
    }

    #[test]
    fn truncated_and_oversized_data_are_reported() {
        let bytes = npy(
            1,
            &dict("<f8", false, "(2, 2)"),
            &f64_bytes(&[1.0, 2.0, 3.0]),
        );
        let msg = err(npy_matrix_from_bytes(&bytes, "t.npy"));
        assert!(msg.contains("promises 32 bytes of data for shape (2, 2) but the file holds 24"));

        let bytes = npy(1, &dict("<f8", false, "(1, 1)"), &f64_bytes(&[1.0, 2.0]));
        assert!(err(npy_matrix_from_bytes(&bytes, "t.npy")).contains("holds 16"));

        let huge = format!("({}, {})", usize::MAX / 2, 3);
        let bytes = npy(1, &dict("<f8", false, &huge), &[]);
        assert!(err(npy_matrix_from_bytes(&bytes, "t.npy")).contains("too large"));
    }

    #[test]
    fn non_finite_values_name_their_row_and_column() {
        let raw = f64_bytes(&[1.0, 2.0, 3.0, f64::INFINITY]);
        let msg = err(npy_matrix_from_bytes(
            &npy(1, &dict("<f8", false, "(2, 2)"), &raw),
            "n",
        ));
        assert!(
            msg.contains("non-finite value inf at row 2, column 2"),
            "{msg}"
        );

        // In Fortran order the third stored value is row 1, column 2.
        let raw = f64_bytes(&[1.0, 2.0, f64::NAN, 4.0]);
        let msg = err(npy_matrix_from_bytes(
            &npy(1, &dict("<f8", true, "(2, 2)"), &raw),
            "n",
        ));
        assert!(msg.contains("NaN at row 1, column 2"), "{msg}");
    }

    #[test]
    fn unsupported_dtypes_are_named() {
        let bytes = npy(1, &dict("<f2", false, "(1, 1)"), &[0, 0]);
        let msg = err(npy_matrix_from_bytes(&bytes, "h.npy"));
        assert!(
            msg.starts_with("'h.npy' holds dtype '<f2'; supported are"),
            "{msg}"
        );
    }

    #[test]
    fn missing_files_name_the_path_and_the_os_error() {
        let msg = err(read_npy("/nonexistent/dir/x.npy"));
        assert!(
            msg.starts_with("cannot open '/nonexistent/dir/x.npy': "),
            "{msg}"
        );
        assert!(msg.contains("No such file"), "{msg}");
    }
}
