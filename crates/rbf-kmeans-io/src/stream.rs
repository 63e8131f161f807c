//! Inputs read a chunk of rows at a time, for data larger than memory.

use std::fs::File;
use std::io::{self, BufReader, Read};

use crate::csv::CsvStream;
use crate::error::{display_name, IoError};
use crate::npy::{NpyStream, MAGIC};
use crate::{has_npy_extension, Element, ReadOptions};

type Source = Box<dyn Read>;

/// A data matrix or a vector read in chunks of rows from a CSV or `.npy` file or from standard
/// input (`"-"`), with the same checks and messages as [`read_matrix`](crate::read_matrix).
///
/// The format is chosen as by `read_matrix`: a `.npy` extension, else the first bytes. Memory is
/// bounded by the chunk the caller asks for (plus the longest CSV line), whatever the input size.
///
/// ```
/// use rbf_kmeans_io::{MatrixStream, ReadOptions};
///
/// let path = std::env::temp_dir().join(format!("rbf-kmeans-io-stream-{}.csv", std::process::id()));
/// std::fs::write(&path, "x,y\n1,2\n3,4\n5,6\n")?;
/// let mut stream = MatrixStream::open(path.to_str().unwrap(), &ReadOptions::default(), false)?;
/// let mut chunk: Vec<f64> = Vec::new();
/// assert_eq!(stream.read_rows(2, &mut chunk)?, 2);
/// assert_eq!(stream.n_columns(), Some(2));
/// chunk.clear();
/// assert_eq!(stream.read_rows(2, &mut chunk)?, 1);
/// assert_eq!(chunk, [5.0, 6.0]);
/// assert_eq!(stream.read_rows(2, &mut chunk)?, 0);
/// # std::fs::remove_file(&path)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct MatrixStream {
    inner: Inner,
    name: String,
    vector: bool,
}

enum Inner {
    Csv(CsvStream<Source>),
    Npy(NpyStream<Source>),
}

impl MatrixStream {
    /// Opens `path` (`"-"`: standard input) and reads its header. With `vector`, the input must
    /// have one column (CSV) or shape `(n,)` / `(n, 1)` (`.npy`), as sample weights do.
    ///
    /// # Errors
    /// The file cannot be opened, or its start is not a readable matrix.
    pub fn open(path: &str, opts: &ReadOptions, vector: bool) -> Result<Self, IoError> {
        let name = display_name(path);
        let mut source: Source = if path == "-" {
            Box::new(io::stdin().lock())
        } else {
            let file = File::open(path).map_err(|source| IoError::Open {
                path: name.clone(),
                source,
            })?;
            Box::new(BufReader::with_capacity(1 << 16, file))
        };
        if has_npy_extension(path) {
            let inner = Inner::Npy(NpyStream::new(source, &name, vector)?);
            return Ok(MatrixStream {
                inner,
                name,
                vector,
            });
        }

        let mut head = Vec::with_capacity(MAGIC.len());
        source
            .by_ref()
            .take(MAGIC.len() as u64)
            .read_to_end(&mut head)
            .map_err(|source| IoError::Read {
                path: name.clone(),
                source,
            })?;
        let is_npy = head == MAGIC;
        let source: Source = Box::new(io::Cursor::new(head).chain(source));
        let inner = if is_npy {
            Inner::Npy(NpyStream::new(source, &name, vector)?)
        } else {
            Inner::Csv(CsvStream::new(source, &name, opts)?)
        };
        Ok(MatrixStream {
            inner,
            name,
            vector,
        })
    }

    /// `"f32"` for a `float32` `.npy` input, `"f64"` otherwise (CSV, `float64`, integers).
    pub fn dtype_name(&self) -> &'static str {
        match &self.inner {
            Inner::Npy(s) if s.is_f32() => f32::NAME,
            _ => f64::NAME,
        }
    }

    /// Columns per row, once known (`.npy`: from the header; CSV: from the header line or the
    /// first row read).
    pub fn n_columns(&self) -> Option<usize> {
        match &self.inner {
            Inner::Csv(s) => s.n_columns(),
            Inner::Npy(s) => Some(s.shape().1),
        }
    }

    /// The number of rows, when the format states it up front (`.npy`).
    pub fn n_rows_hint(&self) -> Option<usize> {
        match &self.inner {
            Inner::Csv(_) => None,
            Inner::Npy(s) => Some(s.shape().0),
        }
    }

    /// Rows returned so far.
    pub fn rows_read(&self) -> usize {
        match &self.inner {
            Inner::Csv(s) => s.rows_read(),
            Inner::Npy(s) => s.rows_read(),
        }
    }

    /// Appends up to `max_rows` rows, row-major, to `out` and returns how many; 0 when the
    /// input is exhausted. CSV values are rounded to `E`.
    ///
    /// # Errors
    /// Any error of [`read_matrix`](crate::read_matrix), naming the line and column (CSV) or row
    /// and column (`.npy`), including a value that overflows `E`; a CSV input opened as a vector
    /// with more than one column.
    pub fn read_rows<E: Element>(
        &mut self,
        max_rows: usize,
        out: &mut Vec<E>,
    ) -> Result<usize, IoError> {
        match &mut self.inner {
            Inner::Npy(s) => s.read_rows(max_rows, out),
            Inner::Csv(s) => {
                let read = s.read_rows(max_rows, out)?;
                match s.n_columns() {
                    Some(ncols) if self.vector && ncols != 1 => Err(IoError::NotAVector {
                        path: self.name.clone(),
                        ncols,
                    }),
                    _ => Ok(read),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_dir::TestDir;
    use crate::{read_matrix, write_npy, Matrix};

    /// `bytes` with the first `from` replaced by `to`.
    fn replace(bytes: &[u8], from: &str, to: &str) -> Vec<u8> {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .expect("present");
        [&bytes[..at], to.as_bytes(), &bytes[at + from.len()..]].concat()
    }

    /// An endless input: `prefix`, then `line` forever. A reader that loaded its whole input
    /// would never return, so reading chunks of it shows that memory is bounded by the chunk.
    struct Endless {
        prefix: Vec<u8>,
        line: Vec<u8>,
        pos: usize,
    }

    impl Read for Endless {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            for b in buf.iter_mut() {
                *b = if self.pos < self.prefix.len() {
                    self.prefix[self.pos]
                } else {
                    let l = self.line.len();
                    self.line[(self.pos - self.prefix.len()) % l]
                };
                self.pos += 1;
            }
            Ok(buf.len())
        }
    }

    #[test]
    fn csv_chunks_of_an_endless_input_stay_bounded() {
        let src = Endless {
            prefix: b"a,b,c\n".to_vec(),
            line: b"1.5,2,-3\n".to_vec(),
            pos: 0,
        };
        let mut s = CsvStream::new(src, "endless", &ReadOptions::default()).unwrap();
        let mut chunk: Vec<f32> = Vec::with_capacity(3000);
        for _ in 0..200 {
            chunk.clear();
            assert_eq!(s.read_rows(1000, &mut chunk).unwrap(), 1000);
            assert_eq!(&chunk[..3], &[1.5, 2.0, -3.0]);
        }
        assert_eq!(chunk.capacity(), 3000, "the caller's buffer never grows");
        assert_eq!(s.rows_read(), 200_000);
    }

    #[test]
    fn npy_chunks_of_an_endless_input_stay_bounded() {
        let mut prefix = Vec::new();
        write_npy(&mut prefix, ndarray::Array2::<f32>::zeros((0, 2)).view()).unwrap();
        let src = Endless {
            prefix: replace(&prefix, "(0, 2), }         ", "(9999999999, 2), }"),
            line: [1.0_f32.to_le_bytes(), 2.0_f32.to_le_bytes()].concat(),
            pos: 0,
        };
        let mut s = NpyStream::new(src, "endless.npy", false).unwrap();
        assert!(s.is_f32());
        let mut chunk: Vec<f64> = Vec::new();
        for _ in 0..100 {
            chunk.clear();
            assert_eq!(s.read_rows(4096, &mut chunk).unwrap(), 4096);
        }
        assert_eq!(&chunk[..2], &[1.0, 2.0]);
        assert!(s.buf.capacity() <= 4096 * 2 * 4 * 2, "{}", s.buf.capacity());
    }

    fn all_chunks(path: &str, chunk: usize) -> Vec<f64> {
        let mut s = MatrixStream::open(path, &ReadOptions::default(), false).unwrap();
        let mut out = Vec::new();
        while s.read_rows(chunk, &mut out).unwrap() > 0 {}
        out
    }

    #[test]
    fn chunks_concatenate_to_the_whole_matrix() {
        let dir = TestDir::new("stream");
        let x = ndarray::Array2::from_shape_fn((101, 3), |(i, j)| i as f64 * 0.5 - j as f64);
        let mut csv = String::from("# comment\nx,y,z\n");
        for row in x.outer_iter() {
            csv += &format!("{},{},{}\n\n", row[0], row[1], row[2]);
        }
        let csv_path = dir.file("x.csv", &csv);
        let mut npy = Vec::new();
        write_npy(&mut npy, x.view()).unwrap();
        let npy_path = dir.file("x.npy", &npy);
        let odd_name = dir.file("x.bin", &npy);
        for path in [&csv_path, &npy_path, &odd_name] {
            let whole = match read_matrix(path, &ReadOptions::default()).unwrap() {
                Matrix::F64(a) => a.into_raw_vec_and_offset().0,
                Matrix::F32(_) => unreachable!(),
            };
            for chunk in [1, 7, 101, 1000] {
                assert_eq!(all_chunks(path, chunk), whole, "{path} by {chunk}");
            }
        }
    }

    #[test]
    fn errors_in_later_chunks_name_the_position_in_the_file() {
        let dir = TestDir::new("stream-errors");
        let mut csv = "1,2\n".repeat(2500);
        csv += "3,oops\n";
        let path = dir.file("bad.csv", &csv);
        let mut s = MatrixStream::open(&path, &ReadOptions::default(), false).unwrap();
        let mut out: Vec<f64> = Vec::new();
        let err = loop {
            match s.read_rows(1000, &mut out) {
                Ok(_) => out.clear(),
                Err(e) => break e.to_string(),
            }
        };
        assert!(err.contains("line 2501, column 2: 'oops'"), "{err}");

        let mut x = ndarray::Array2::<f64>::ones((300, 2));
        x[[257, 1]] = f64::NAN;
        let mut npy = Vec::new();
        write_npy(&mut npy, x.view()).unwrap();
        let path = dir.file("nan.npy", &npy);
        let mut s = MatrixStream::open(&path, &ReadOptions::default(), false).unwrap();
        assert_eq!(s.read_rows(200, &mut out).unwrap(), 200);
        let err = s.read_rows(200, &mut out).unwrap_err().to_string();
        assert!(err.contains("row 258, column 2"), "{err}");

        let path = dir.file("short.npy", &npy[..npy.len() - 8]);
        let mut s = MatrixStream::open(&path, &ReadOptions::default(), false).unwrap();
        let mut out: Vec<f64> = Vec::new();
        let err = loop {
            match s.read_rows(64, &mut out) {
                Ok(n) => assert!(n > 0, "the truncation must be reported"),
                Err(e) => break e.to_string(),
            }
        };
        assert!(err.contains("holds 4792"), "{err}");

        let path = dir.file("wide.csv", "1,2\n3,4\n");
        let mut s = MatrixStream::open(&path, &ReadOptions::default(), true).unwrap();
        let err = s.read_rows(10, &mut out).unwrap_err().to_string();
        assert!(err.contains("2 columns"), "{err}");
    }

    #[test]
    fn fortran_order_is_rejected_with_a_hint() {
        let dir = TestDir::new("stream-fortran");
        let mut npy = Vec::new();
        write_npy(&mut npy, ndarray::Array2::<f64>::ones((2, 2)).view()).unwrap();
        let fortran = replace(&npy, "'fortran_order': False", "'fortran_order': True ");
        let path = dir.file("f.npy", fortran);
        let err = MatrixStream::open(&path, &ReadOptions::default(), false)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("np.ascontiguousarray"), "{err}");
    }
}
