//! Writing matrices and labels as CSV text that reads back to the same bits.

use std::fmt::Write as _;
use std::io::{self, BufWriter, Write};

use ndarray::ArrayView2;

use crate::element::Element;

/// Magnitudes in `[1e-5, 1e16)` are written in positional notation; the rest in scientific
/// notation, so `1e-300` does not become three hundred zeros.
const POSITIONAL_RANGE: (f64, f64) = (1e-5, 1e16);

/// Writes `data` as comma-separated lines, one per row, with an optional header line.
///
/// Header names are written as given, joined by commas; they must not contain commas, quotes or
/// line breaks, which this crate's reader does not unquote.
///
/// Every value is written in the shortest form that parses back to the same bits of its own type
/// (Rust's round-trip float formatting): `0.1`, `-0`, `1e-300`, `5e-324`. Reading an `f32` file
/// back as `f64` and rounding to `f32` gives the original bits.
///
/// # Panics
/// If `header` is given and its length differs from the number of columns of `data`.
pub fn write_csv_matrix<W: Write, F: Element>(
    writer: W,
    data: ArrayView2<'_, F>,
    header: Option<&[String]>,
) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, writer);

    if let Some(names) = header {
        assert_eq!(
            names.len(),
            data.ncols(),
            "write_csv_matrix: the header has {} names but the data has {} columns",
            names.len(),
            data.ncols()
        );
        writeln!(out, "{}", names.join(","))?;
    }

    let mut line = String::new();
    for row in data.rows() {
        line.clear();
        for (j, &value) in row.iter().enumerate() {
            if j > 0 {
                line.push(',');
            }
            push_float(&mut line, value);
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Writes one label per line, as cluster indices are written for `--labels`.
pub fn write_labels<W: Write>(writer: W, labels: &[usize]) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, writer);
    for label in labels {
        writeln!(out, "{label}")?;
    }
    out.flush()
}

/// Appends the shortest round-trip text of `value`.
fn push_float<F: Element>(line: &mut String, value: F) {
    let magnitude = value.to_f64().abs();
    let positional = magnitude == 0.0
        || (POSITIONAL_RANGE.0..POSITIONAL_RANGE.1).contains(&magnitude)
        || !magnitude.is_finite();

    // Formatting into a String cannot fail.
    let _ = if positional {
        write!(line, "{value}")
    } else {
        write!(line, "{value:e}")
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csv::read::read_csv;
    use ndarray::Array2;

    fn interesting_f64() -> Vec<f64> {
        vec![
            0.1,
            -0.0,
            0.0,
            1e-300,
            -1e300,
            5e-324,
            2.225_073_858_507_201e-308,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            1.0 / 3.0,
            123_456_789.123_456_79,
            9_007_199_254_740_993.0,
            1e16,
            1e-5,
            9.999_999_999_999_999e-6,
            -2.5,
        ]
    }

    fn interesting_f32() -> Vec<f32> {
        vec![
            0.1,
            -0.0,
            1e-38,
            1e-45,
            f32::MIN_POSITIVE,
            f32::MAX,
            f32::MIN,
            f32::EPSILON,
            1.0 / 3.0,
            16_777_217.0,
            3.402_823_5e38,
            -7.25,
            1.1754942e-38,
        ]
    }

    fn to_text<F: Element>(data: &Array2<F>, header: Option<&[String]>) -> String {
        let mut bytes = Vec::new();
        write_csv_matrix(&mut bytes, data.view(), header).unwrap();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn f64_round_trips_bit_for_bit() {
        let values = interesting_f64();
        let data = Array2::from_shape_vec((values.len() / 2, 2), values).unwrap();
        let text = to_text(&data, None);

        let back = read_csv(text.as_bytes(), "t", &Default::default())
            .unwrap()
            .data;
        let bits = |a: &Array2<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&data), "{text}");
    }

    #[test]
    fn f32_round_trips_bit_for_bit_through_f64() {
        let values = interesting_f32();
        let data = Array2::from_shape_vec((values.len(), 1), values).unwrap();
        let text = to_text(&data, None);

        let back = read_csv(text.as_bytes(), "t", &Default::default())
            .unwrap()
            .data;
        let back: Vec<u32> = back.iter().map(|&v| (v as f32).to_bits()).collect();
        let want: Vec<u32> = data.iter().map(|v| v.to_bits()).collect();
        assert_eq!(back, want, "{text}");
    }

    #[test]
    fn writes_short_readable_text() {
        let data = ndarray::array![[0.1, -0.0, 1e-300], [5e-324, 2.0, 1e20]];
        let names = ["a".to_owned(), "b".to_owned(), "c".to_owned()];
        let text = to_text(&data, Some(&names));
        assert_eq!(text, "a,b,c\n0.1,-0,1e-300\n5e-324,2,1e20\n");
    }

    #[test]
    fn writes_transposed_views_in_logical_order() {
        let data = ndarray::array![[1.0_f32, 2.0], [3.0, 4.0]];
        let mut bytes = Vec::new();
        write_csv_matrix(&mut bytes, data.t(), None).unwrap();
        assert_eq!(bytes, b"1,3\n2,4\n");
    }

    #[test]
    #[should_panic(expected = "the header has 1 names but the data has 2 columns")]
    fn a_header_of_the_wrong_length_is_a_programming_error() {
        let data = ndarray::array![[1.0, 2.0]];
        to_text(&data, Some(&["only".to_owned()]));
    }

    #[test]
    fn labels_are_one_integer_per_line() {
        let mut bytes = Vec::new();
        write_labels(&mut bytes, &[0, 2, 1, 10]).unwrap();
        assert_eq!(bytes, b"0\n2\n1\n10\n");
    }
}
