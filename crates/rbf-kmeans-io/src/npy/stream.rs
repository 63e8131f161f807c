//! Reading a `.npy` matrix a chunk of rows at a time.
//!
//! Only the header is read up front; rows are then decoded from a buffer of one chunk, so memory
//! stays bounded by the chunk whatever the file size. Rows can be read in order only, so a
//! Fortran-order file (stored column by column) is rejected with a hint.

use std::io::Read;

use super::header::{parse_header, Kind, MAGIC};
use crate::error::{shape_text, IoError};

/// A 2-D `.npy` array (or a vector, read as one column) handed out in chunks of rows.
pub struct NpyStream<R> {
    reader: R,
    name: String,
    kind: Kind,
    big_endian: bool,
    nrows: usize,
    ncols: usize,
    rows_read: usize,
    fortran: bool,
    pub(crate) buf: Vec<u8>,
}

impl<R: Read> NpyStream<R> {
    /// Reads the header. With `vector`, shapes `(n,)` and `(n, 1)` are accepted (one column);
    /// otherwise the shape must be `(rows, columns)`, both at least 1.
    ///
    /// # Errors
    /// Bad magic, header, dtype or shape, Fortran order with several columns, and read errors.
    pub fn new(reader: R, source_name: &str, vector: bool) -> Result<Self, IoError> {
        Self::open(reader, source_name, vector, false)
    }

    /// As [`NpyStream::new`], but with `allow_fortran` a Fortran-order file is accepted: its
    /// header is read and [`NpyStream::is_fortran`] says so, and the caller reads it another way.
    pub(crate) fn open(
        mut reader: R,
        source_name: &str,
        vector: bool,
        allow_fortran: bool,
    ) -> Result<Self, IoError> {
        let name = source_name.to_owned();
        let read_error = |source| IoError::Read {
            path: name.clone(),
            source,
        };

        // The preamble: magic, version, then a header length of 2 (v1) or 4 bytes (v2, v3).
        let mut head = vec![0_u8; 10];
        let got = read_full(&mut reader, &mut head).map_err(read_error)?;
        head.truncate(got);
        if head.len() == 10 && head.starts_with(MAGIC) && head[6] != 1 {
            let mut more = [0_u8; 2];
            let got = read_full(&mut reader, &mut more).map_err(read_error)?;
            head.extend_from_slice(&more[..got]);
        }
        let header_len = match head.get(6) {
            Some(1) if head.len() >= 10 => usize::from(u16::from_le_bytes([head[8], head[9]])),
            Some(2 | 3) if head.len() >= 12 => {
                u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize
            }
            _ => 0,
        };
        let start = head.len();
        head.resize(start + header_len, 0);
        let got = read_full(&mut reader, &mut head[start..]).map_err(read_error)?;
        head.truncate(start + got);
        let header = parse_header(&head, source_name)?;

        let shape_error = |expected: &'static str| IoError::NpyShape {
            path: name.clone(),
            shape: shape_text(&header.shape),
            expected,
        };
        let (nrows, ncols) = match (header.shape.as_slice(), vector) {
            (&[n], true) | (&[n, 1], true) => (n, 1),
            (_, true) => return Err(shape_error("a vector needs shape (n,) or (n, 1)")),
            (&[r, c], false) => (r, c),
            (_, false) => return Err(shape_error(
                "a matrix needs exactly 2 dimensions (for a single feature, save x.reshape(-1, 1))",
            )),
        };
        if nrows == 0 || ncols == 0 {
            return Err(shape_error("it needs at least one row and one column"));
        }
        let fortran = header.fortran_order && ncols > 1;
        if fortran && !allow_fortran {
            return Err(IoError::NpyHeader {
                path: name.clone(),
                reason: "Fortran order cannot be read in chunks of rows; save the array \
                         with np.save(path, np.ascontiguousarray(x))"
                    .into(),
            });
        }
        Ok(NpyStream {
            reader,
            name,
            kind: header.kind,
            big_endian: header.big_endian,
            nrows,
            ncols,
            rows_read: 0,
            fortran,
            buf: Vec::new(),
        })
    }

    /// Whether the data is stored column by column (only with [`NpyStream::open`]'s
    /// `allow_fortran`); such a stream cannot hand out rows.
    pub(crate) fn is_fortran(&self) -> bool {
        self.fortran
    }

    /// Bytes left after the last row (read to the end): a well-formed file has none.
    pub(crate) fn trailing_bytes(&mut self) -> Result<u64, IoError> {
        std::io::copy(&mut self.reader, &mut std::io::sink()).map_err(|source| IoError::Read {
            path: self.name.clone(),
            source,
        })
    }

    /// Size in bytes of one element in the file.
    pub(crate) fn item_size(&self) -> usize {
        match self.kind {
            Kind::F32 | Kind::I32 => 4,
            Kind::F64 | Kind::I64 => 8,
        }
    }

    /// Rows and columns promised by the header.
    pub fn shape(&self) -> (usize, usize) {
        (self.nrows, self.ncols)
    }

    /// Whether the file holds `float32` (kept as `f32`) rather than `f64` or integers.
    pub fn is_f32(&self) -> bool {
        self.kind == Kind::F32
    }

    /// Rows returned so far.
    pub fn rows_read(&self) -> usize {
        self.rows_read
    }

    /// Appends up to `max_rows` rows, row-major, to `out`, converting to `E`, and returns how
    /// many; 0 after the last row.
    ///
    /// # Errors
    /// [`IoError::NpyDataSize`] when the file ends early, [`IoError::NpyNonFinite`] naming the
    /// row and column of a NaN or infinite value (also one that does not fit `E`), read errors.
    pub fn read_rows<E: crate::Element>(
        &mut self,
        max_rows: usize,
        out: &mut Vec<E>,
    ) -> Result<usize, IoError> {
        let rows = max_rows.min(self.nrows - self.rows_read);
        if rows == 0 {
            return Ok(0);
        }
        let item = match self.kind {
            Kind::F32 | Kind::I32 => 4,
            Kind::F64 | Kind::I64 => 8,
        };
        let bytes = rows * self.ncols * item;
        self.buf.resize(bytes, 0);
        let got = read_full(&mut self.reader, &mut self.buf).map_err(|source| IoError::Read {
            path: self.name.clone(),
            source,
        })?;
        if got < bytes {
            let shape = [self.nrows, self.ncols];
            let before = self.rows_read * self.ncols * item;
            return Err(IoError::NpyDataSize {
                path: self.name.clone(),
                shape: shape_text(&shape),
                expected: self.nrows * self.ncols * item,
                found: before + got,
            });
        }

        let first = out.len();
        let big = self.big_endian;
        let data = &self.buf[..bytes];
        match self.kind {
            Kind::F32 => out.extend(data.chunks_exact(4).map(|b| {
                let b = [b[0], b[1], b[2], b[3]];
                E::from_f32(if big {
                    f32::from_be_bytes(b)
                } else {
                    f32::from_le_bytes(b)
                })
            })),
            Kind::F64 => out.extend(data.chunks_exact(8).map(|b| {
                let b: [u8; 8] = b.try_into().expect("8 bytes");
                E::from_f64(if big {
                    f64::from_be_bytes(b)
                } else {
                    f64::from_le_bytes(b)
                })
            })),
            Kind::I32 => out.extend(data.chunks_exact(4).map(|b| {
                let b = [b[0], b[1], b[2], b[3]];
                E::from_f64(f64::from(if big {
                    i32::from_be_bytes(b)
                } else {
                    i32::from_le_bytes(b)
                }))
            })),
            Kind::I64 => out.extend(data.chunks_exact(8).map(|b| {
                let b: [u8; 8] = b.try_into().expect("8 bytes");
                E::from_f64(
                    (if big {
                        i64::from_be_bytes(b)
                    } else {
                        i64::from_le_bytes(b)
                    }) as f64,
                )
            })),
        }
        if let Some(at) = out[first..].iter().position(|v| !v.to_f64().is_finite()) {
            return Err(IoError::NpyNonFinite {
                path: self.name.clone(),
                row: self.rows_read + at / self.ncols + 1,
                column: at % self.ncols + 1,
                value: out[first + at].to_f64(),
            });
        }
        self.rows_read += rows;
        Ok(rows)
    }
}

/// Reads until `buf` is full or the input ends; returns the bytes read.
fn read_full<R: Read>(reader: &mut R, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}
