//! Writing 2-D `.npy` files: format version 1.0, little endian, C order.

use std::io::{self, Write};

use ndarray::ArrayView2;

use super::header::MAGIC;
use crate::element::Element;

/// NumPy aligns the start of the data to this many bytes so it can be memory-mapped.
const ALIGN: usize = 64;

/// Bytes buffered before each write to the underlying writer.
const CHUNK: usize = 1 << 16;

/// Writes `data` as a `.npy` file (version 1.0, little endian, C order) that NumPy's `np.load`
/// and [`read_npy`](crate::read_npy) read back bit for bit. Views of any layout are written in
/// their logical row-major order.
pub fn write_npy<W: Write, F: Element>(mut writer: W, data: ArrayView2<'_, F>) -> io::Result<()> {
    let (nrows, ncols) = data.dim();
    let dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': ({nrows}, {ncols}), }}",
        F::NPY_DESCR
    );

    // Magic, version (2 bytes), header length (2 bytes), dict, padding spaces and a newline.
    let unpadded = MAGIC.len() + 4 + dict.len() + 1;
    let padding = (ALIGN - unpadded % ALIGN) % ALIGN;
    let header = format!("{dict}{}\n", " ".repeat(padding));
    let header_len = u16::try_from(header.len())
        .map_err(|_| io::Error::other("the .npy header is longer than 65535 bytes"))?;

    let mut buffer = Vec::with_capacity(CHUNK + 8);
    buffer.extend_from_slice(MAGIC);
    buffer.extend_from_slice(&[1, 0]);
    buffer.extend_from_slice(&header_len.to_le_bytes());
    buffer.extend_from_slice(header.as_bytes());

    for &value in data.iter() {
        value.push_le_bytes(&mut buffer);
        if buffer.len() >= CHUNK {
            writer.write_all(&buffer)?;
            buffer.clear();
        }
    }
    writer.write_all(&buffer)?;
    writer.flush()
}

/// [`write_npy`] for `f64` data (`'<f8'`).
pub fn write_npy_f64<W: Write>(writer: W, data: ArrayView2<'_, f64>) -> io::Result<()> {
    write_npy(writer, data)
}

/// [`write_npy`] for `f32` data (`'<f4'`).
pub fn write_npy_f32<W: Write>(writer: W, data: ArrayView2<'_, f32>) -> io::Result<()> {
    write_npy(writer, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_start(bytes: &[u8]) -> usize {
        10 + usize::from(u16::from_le_bytes([bytes[8], bytes[9]]))
    }

    #[test]
    fn header_matches_what_numpy_writes() {
        let mut bytes = Vec::new();
        write_npy_f64(&mut bytes, ndarray::array![[1.0, 2.0, 3.0]].view()).unwrap();

        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let start = data_start(&bytes);
        assert_eq!(start, 128, "NumPy pads this header to two 64-byte blocks");
        let header = std::str::from_utf8(&bytes[10..start]).unwrap();
        assert!(header.starts_with("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3), }"));
        assert!(header.ends_with(" \n"));
        assert_eq!(&bytes[start..start + 8], &1.0_f64.to_le_bytes());
    }

    #[test]
    fn transposed_views_are_written_in_logical_order() {
        let data = ndarray::array![[1.0_f32, 2.0], [3.0, 4.0]];
        let mut bytes = Vec::new();
        write_npy_f32(&mut bytes, data.t()).unwrap();
        let values: Vec<f32> = bytes[data_start(&bytes)..]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        assert_eq!(values, [1.0, 3.0, 2.0, 4.0]);
    }

    #[test]
    fn large_arrays_are_written_in_chunks() {
        let data = ndarray::Array2::<f64>::from_shape_fn((300, 100), |(i, j)| (i * 100 + j) as f64);
        let mut bytes = Vec::new();
        write_npy_f64(&mut bytes, data.view()).unwrap();
        assert_eq!(bytes.len(), data_start(&bytes) + 300 * 100 * 8);
        assert_eq!(&bytes[bytes.len() - 8..], &29_999.0_f64.to_le_bytes());
    }
}
