//! Reading delimited text (comma, semicolon or whitespace) into a matrix of `f64`.
//!
//! The input is read line by line through a buffer and the numbers go straight into the caller's
//! `Vec`: [`read_csv`] collects every row, [`CsvStream`] hands them out a chunk at a time, so a
//! stream's memory is bounded by its chunk and its longest line.

use std::io::{BufRead, BufReader, Read};
use std::ops::Range;

use ndarray::Array2;

use crate::error::{excerpt, IoError};
use crate::options::{Delimiter, Header, ReadOptions};
use crate::Element;

/// The UTF-8 byte order mark some spreadsheet programs put at the start of a file.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A table read from CSV: the column names, when the input had a header, and the numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvTable {
    /// Column names from the header line, trimmed and unquoted.
    pub header: Option<Vec<String>>,
    /// The numbers, shape `(data lines, fields per line)`, all finite.
    pub data: Array2<f64>,
}

/// Reads a table of numbers from delimited text.
///
/// Blank lines and lines whose first non-blank character is `#` are skipped; `\r\n` line ends and
/// a leading byte order mark are accepted; spaces around fields and one pair of double quotes
/// around a field are removed. Quoted fields containing the separator are not supported.
///
/// `source_name` names the input in error messages. Every error gives the 1-based line as counted
/// in the input, including header, blank and comment lines, and where it applies the 1-based
/// column.
pub fn read_csv<R: Read>(
    reader: R,
    source_name: &str,
    opts: &ReadOptions,
) -> Result<CsvTable, IoError> {
    let mut stream = CsvStream::new(reader, source_name, opts)?;
    let mut values: Vec<f64> = Vec::new();
    stream.read_rows(usize::MAX, &mut values)?;
    let ncols = stream.n_columns().unwrap_or(0);
    let data = Array2::from_shape_vec((stream.rows_read(), ncols), values)
        .expect("every row was checked to have `ncols` values");
    Ok(CsvTable {
        header: stream.header,
        data,
    })
}

/// A CSV input read a chunk of rows at a time, with the same rules and messages as
/// [`read_csv`]; memory stays bounded by the longest line and the caller's chunk.
pub struct CsvStream<R> {
    lines: Lines<R>,
    rows: Rows,
    header: Option<Vec<String>>,
    /// Data lines read while deciding on the header, to be parsed first.
    pending: Vec<(usize, String)>,
    /// The first non-blank, non-comment line.
    first_line: usize,
}

impl<R: Read> CsvStream<R> {
    /// Reads up to the first data line(s) to decide on the separator and the header.
    ///
    /// # Errors
    /// [`IoError::Empty`] for an input without a single data or header line, and read errors.
    pub fn new(reader: R, source_name: &str, opts: &ReadOptions) -> Result<Self, IoError> {
        let mut lines = Lines::new(reader, source_name);

        let Some((first_line, first)) = lines.next_content()?.map(|(n, s)| (n, s.to_owned()))
        else {
            return Err(IoError::Empty {
                path: source_name.to_owned(),
            });
        };
        let sep = match opts.delimiter {
            Delimiter::Auto => detect_delimiter(&first),
            chosen => chosen,
        };

        // Deciding on a header may need the second line; it is kept to be parsed as data after.
        let mut second: Option<(usize, String)> = None;
        let is_header = match opts.header {
            Header::Present => true,
            Header::Absent => false,
            Header::Auto => {
                let total = fields(&first, sep).count();
                let numeric = fields(&first, sep)
                    .filter(|f| f.parse::<f64>().is_ok())
                    .count();
                if numeric == total {
                    false
                } else if numeric == 0 {
                    true
                } else {
                    second = lines.next_content()?.map(|(n, s)| (n, s.to_owned()));
                    second
                        .as_ref()
                        .is_some_and(|(_, s)| fields(s, sep).all(|f| f.parse::<f64>().is_ok()))
                }
            }
        };

        let mut rows = Rows::new(source_name, sep);
        let mut pending = Vec::new();
        let header = if is_header {
            let names: Vec<String> = fields(&first, sep).map(str::to_owned).collect();
            rows.width = Some((names.len(), first_line));
            Some(names)
        } else {
            pending.push((first_line, first));
            None
        };
        pending.extend(second);
        pending.reverse();
        Ok(CsvStream {
            lines,
            rows,
            header,
            pending,
            first_line,
        })
    }

    /// Column names from the header line, if the input has one.
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// Fields per row, once known (from the header, else from the first data row read).
    pub fn n_columns(&self) -> Option<usize> {
        self.rows.width.map(|(w, _)| w)
    }

    /// Data rows returned so far.
    pub fn rows_read(&self) -> usize {
        self.rows.nrows
    }

    /// Appends up to `max_rows` rows, row-major, to `out` (each value rounded to `E`) and returns
    /// how many; 0 means the input is exhausted.
    ///
    /// # Errors
    /// As [`read_csv`], naming the line and column (also of a value that overflows `E`);
    /// [`IoError::HeaderOnly`] when the input ends without any data row.
    pub fn read_rows<E: Element>(
        &mut self,
        max_rows: usize,
        out: &mut Vec<E>,
    ) -> Result<usize, IoError> {
        let mut read = 0;
        while read < max_rows {
            if let Some((line, text)) = self.pending.pop() {
                self.rows.push(line, &text, out)?;
            } else if let Some((line, text)) = self.lines.next_content()? {
                self.rows.push(line, text, out)?;
            } else {
                break;
            }
            read += 1;
        }
        if read == 0 && self.rows.nrows == 0 && max_rows > 0 {
            return Err(IoError::HeaderOnly {
                path: self.rows.path.clone(),
                line: self.first_line,
            });
        }
        Ok(read)
    }
}

/// Picks the separator from the first line: comma, else semicolon, else whitespace.
fn detect_delimiter(line: &str) -> Delimiter {
    if line.contains(',') {
        Delimiter::Comma
    } else if line.contains(';') {
        Delimiter::Semicolon
    } else {
        Delimiter::Whitespace
    }
}

/// The fields of one line, trimmed and with one pair of surrounding double quotes removed.
fn fields(line: &str, sep: Delimiter) -> Fields<'_> {
    Fields {
        rest: Some(line),
        sep,
    }
}

/// Iterator behind [`fields`].
struct Fields<'a> {
    rest: Option<&'a str>,
    sep: Delimiter,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let rest = self.rest?;
        let sep = match self.sep {
            Delimiter::Semicolon => ';',
            Delimiter::Comma | Delimiter::Auto => ',',
            Delimiter::Whitespace => {
                let rest = rest.trim_start();
                if rest.is_empty() {
                    self.rest = None;
                    return None;
                }
                let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
                self.rest = Some(&rest[end..]);
                return Some(unquote(&rest[..end]));
            }
        };
        match rest.find(sep) {
            Some(at) => {
                self.rest = Some(&rest[at + 1..]);
                Some(unquote(rest[..at].trim()))
            }
            None => {
                self.rest = None;
                Some(unquote(rest.trim()))
            }
        }
    }
}

/// Removes one pair of double quotes around a field, as spreadsheets write header names.
fn unquote(field: &str) -> &str {
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .map_or(field, str::trim)
}

/// Parses one field, reporting where it is when it is not a finite number.
fn parse_field(field: &str, path: &str, line: usize, column: usize) -> Result<f64, IoError> {
    if field.is_empty() {
        return Err(IoError::EmptyField {
            path: path.to_owned(),
            line,
            column,
        });
    }
    match field.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        Ok(_) => Err(IoError::NonFinite {
            path: path.to_owned(),
            line,
            column,
            text: excerpt(field),
        }),
        Err(_) => Err(IoError::NotANumber {
            path: path.to_owned(),
            line,
            column,
            text: excerpt(field),
        }),
    }
}

/// Parsing of data lines, with the width every row must have.
struct Rows {
    path: String,
    sep: Delimiter,
    /// Fields per row and the line that set it.
    width: Option<(usize, usize)>,
    nrows: usize,
}

impl Rows {
    fn new(path: &str, sep: Delimiter) -> Self {
        Self {
            path: path.to_owned(),
            sep,
            width: None,
            nrows: 0,
        }
    }

    /// Parses one data line and appends its values to `out`.
    fn push<E: Element>(
        &mut self,
        line: usize,
        text: &str,
        out: &mut Vec<E>,
    ) -> Result<(), IoError> {
        let found = fields(text, self.sep).count();
        match self.width {
            None => self.width = Some((found, line)),
            Some((expected, first_line)) if expected != found => {
                return Err(IoError::Ragged {
                    path: self.path.clone(),
                    line,
                    found,
                    expected,
                    first_line,
                });
            }
            Some(_) => {}
        }

        for (index, field) in fields(text, self.sep).enumerate() {
            let value = E::from_f64(parse_field(field, &self.path, line, index + 1)?);
            if !value.to_f64().is_finite() {
                return Err(IoError::NonFinite {
                    path: self.path.clone(),
                    line,
                    column: index + 1,
                    text: excerpt(field),
                });
            }
            out.push(value);
        }
        self.nrows += 1;
        Ok(())
    }
}

/// Lines of the input with their 1-based numbers, skipping blank and comment lines.
struct Lines<R> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    line: usize,
    path: String,
}

impl<R: Read> Lines<R> {
    fn new(reader: R, path: &str) -> Self {
        Self {
            reader: BufReader::with_capacity(1 << 16, reader),
            buf: Vec::new(),
            line: 0,
            path: path.to_owned(),
        }
    }

    /// The next line holding data (or a header), without its line end.
    fn next_content(&mut self) -> Result<Option<(usize, &str)>, IoError> {
        let range = loop {
            let Some(range) = self.next_raw()? else {
                return Ok(None);
            };
            // Checked on bytes, so a comment in another encoding (Latin-1, say) is still skipped.
            let bytes = self.buf[range.clone()].trim_ascii();
            if !bytes.is_empty() && !bytes.starts_with(b"#") {
                break range;
            }
        };

        let line = self.line;
        Ok(Some((line, self.text(range)?)))
    }

    /// Reads one raw line into the buffer; returns the byte range of its text.
    fn next_raw(&mut self) -> Result<Option<Range<usize>>, IoError> {
        self.buf.clear();
        let read = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|source| IoError::Read {
                path: self.path.clone(),
                source,
            })?;
        if read == 0 {
            return Ok(None);
        }
        self.line += 1;

        let mut end = self.buf.len();
        if self.buf[..end].ends_with(b"\n") {
            end -= 1;
        }
        if self.buf[..end].ends_with(b"\r") {
            end -= 1;
        }
        let start = if self.line == 1 && self.buf[..end].starts_with(BOM) {
            BOM.len()
        } else {
            0
        };
        Ok(Some(start..end))
    }

    fn text(&self, range: Range<usize>) -> Result<&str, IoError> {
        std::str::from_utf8(&self.buf[range]).map_err(|_| IoError::NotUtf8 {
            path: self.path.clone(),
            line: self.line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<CsvTable, IoError> {
        read_csv(text.as_bytes(), "data.csv", &ReadOptions::default())
    }

    fn read_with(text: &str, header: Header) -> Result<CsvTable, IoError> {
        let opts = ReadOptions {
            header,
            ..Default::default()
        };
        read_csv(text.as_bytes(), "data.csv", &opts)
    }

    fn message(result: Result<CsvTable, IoError>) -> String {
        result
            .expect_err("the input should be rejected")
            .to_string()
    }

    #[test]
    fn reads_plain_comma_separated_numbers() {
        let table = read("1,2,3\n4,5,6\n").unwrap();
        assert_eq!(table.header, None);
        assert_eq!(
            table.data,
            ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        );
    }

    #[test]
    fn tolerates_crlf_blank_lines_comments_spaces_and_bom() {
        let text = "\u{feff}# made by hand\r\n\r\n x , y \r\n 1.5 , -2e3 \r\n\r\n# note\r\n.5,+7\r\n\r\n\n";
        let table = read(text).unwrap();
        assert_eq!(table.header, Some(vec!["x".to_owned(), "y".to_owned()]));
        assert_eq!(table.data, ndarray::array![[1.5, -2000.0], [0.5, 7.0]]);
    }

    #[test]
    fn detects_whitespace_and_semicolon_separators() {
        let table = read("1.0 2.0\t3.0\n  4 5   6  \n").unwrap();
        assert_eq!(
            table.data,
            ndarray::array![[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
        );

        let table = read("a;b\n1;2\n3;4\n").unwrap();
        assert_eq!(table.header.unwrap(), ["a", "b"]);
        assert_eq!(table.data, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    }

    #[test]
    fn explicit_delimiter_overrides_detection() {
        let opts = ReadOptions {
            delimiter: Delimiter::Semicolon,
            ..Default::default()
        };
        let err = read_csv("1,5;2\n".as_bytes(), "eu.csv", &opts)
            .unwrap_err()
            .to_string();
        assert!(err.contains("'1,5' is not a number"), "{err}");
    }

    #[test]
    fn strips_quotes_from_names_and_numbers() {
        let table = read("\"x\",\"y\"\n\"1\",2\n").unwrap();
        assert_eq!(table.header.unwrap(), ["x", "y"]);
        assert_eq!(table.data, ndarray::array![[1.0, 2.0]]);
    }

    #[test]
    fn auto_header_needs_text_on_the_first_line() {
        assert_eq!(read("1,2\n3,4\n").unwrap().header, None);
        assert_eq!(read("x,2\n3,4\n").unwrap().header.unwrap(), ["x", "2"]);
        assert_eq!(read("x,y\n3,4\n").unwrap().header.unwrap(), ["x", "y"]);
    }

    #[test]
    fn auto_header_all_text_line_is_a_header_even_before_a_bad_line() {
        let msg = message(read("x,y\n3,oops\n"));
        assert!(
            msg.contains("line 2, column 2: 'oops' is not a number"),
            "{msg}"
        );
    }

    #[test]
    fn auto_header_mixed_line_before_a_bad_line_is_data() {
        let msg = message(read("1,y\n3,oops\n"));
        assert!(
            msg.contains("'data.csv', line 1, column 2: 'y' is not a number"),
            "{msg}"
        );
    }

    #[test]
    fn forced_header_modes() {
        let table = read_with("1,2\n3,4\n", Header::Present).unwrap();
        assert_eq!(table.header.unwrap(), ["1", "2"]);
        assert_eq!(table.data, ndarray::array![[3.0, 4.0]]);

        let msg = message(read_with("x,y\n3,4\n", Header::Absent));
        assert!(
            msg.contains("line 1, column 1: 'x' is not a number"),
            "{msg}"
        );
    }

    #[test]
    fn ragged_rows_name_both_lines() {
        let text = "a,b,c,d\n1,2,3,4\n\n# c\n5,6,7,8\n\n1,2,3\n";
        let msg = message(read_with(text, Header::Absent));
        assert!(msg.contains("line 1, column 1"), "{msg}");

        let text = "# generated\n1,2,3,4\n5,6,7,8\n\n# gap\n\n1,2,3\n";
        let msg = message(read(text));
        assert_eq!(
            msg,
            "'data.csv': line 7 has 3 fields, expected 4 (from line 2)"
        );

        let msg = message(read("x,y\n1,2,3\n"));
        assert!(
            msg.contains("line 2 has 3 fields, expected 2 (from line 1)"),
            "{msg}"
        );
    }

    #[test]
    fn empty_and_comment_only_inputs_are_empty() {
        for text in ["", "\n\n  \n", "# only\n# comments\n"] {
            let msg = message(read(text));
            assert!(msg.contains("'data.csv' holds no data"), "{msg}");
        }
    }

    #[test]
    fn header_only_input_is_reported() {
        let msg = message(read("\n x,y,z \n\n"));
        assert_eq!(
            msg,
            "'data.csv' has a header on line 2 but no data rows after it"
        );

        let msg = message(read_with("1,2\n", Header::Present));
        assert!(msg.contains("header on line 1"), "{msg}");
    }

    #[test]
    fn non_finite_values_are_rejected_with_their_position() {
        for (bad, column) in [
            ("nan", 1),
            ("NaN", 2),
            ("inf", 1),
            ("-inf", 2),
            ("1e999", 2),
        ] {
            let line = if column == 1 {
                format!("{bad},1")
            } else {
                format!("1,{bad}")
            };
            let msg = message(read(&format!("1,2\n{line}\n")));
            let want = format!("'data.csv', line 2, column {column}: non-finite value '{bad}'");
            assert!(msg.starts_with(&want), "{msg}");
        }
    }

    #[test]
    fn text_in_a_field_is_quoted_and_shortened() {
        let long = "x".repeat(500);
        let msg = message(read(&format!("1,2\n3,{long}\n")));
        assert!(msg.contains("line 2, column 2"), "{msg}");
        assert!(msg.contains(&format!("'{}…'", "x".repeat(40))), "{msg}");
        assert!(msg.len() < 120, "{msg}");
    }

    #[test]
    fn empty_fields_are_reported() {
        let msg = message(read("1,2,3\n4,,6\n"));
        assert!(msg.contains("line 2, column 2: empty field"), "{msg}");

        let msg = message(read("1,2,\n"));
        assert!(msg.contains("line 1, column 3: empty field"), "{msg}");
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_line() {
        let text = b"# caf\xe9 au lait\n1,2\n\xff\xfe,3\n";
        let msg = message(read_csv(&text[..], "bin.csv", &Default::default()));
        assert!(msg.contains("'bin.csv', line 3: not valid UTF-8"), "{msg}");
    }

    #[test]
    fn read_failures_carry_the_os_error() {
        struct Failing;
        impl Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let msg = read_csv(Failing, "<stdin>", &Default::default())
            .unwrap_err()
            .to_string();
        assert_eq!(msg, "error while reading '<stdin>': disk on fire");
    }

    #[test]
    fn values_parse_to_the_correctly_rounded_double() {
        let table =
            read("0.1,5e-324,-0\n1e-300,1.7976931348623157e308,2.2250738585072011e-308\n").unwrap();
        let row: Vec<u64> = table.data.iter().map(|v| v.to_bits()).collect();
        let want: Vec<u64> = [
            0.1,
            5e-324,
            -0.0,
            1e-300,
            f64::MAX,
            2.225_073_858_507_201e-308,
        ]
        .iter()
        .map(|v: &f64| v.to_bits())
        .collect();
        assert_eq!(row, want);
    }

    #[test]
    fn a_large_input_parses_in_linear_time() {
        // 100 000 × 32 here; the release CLI handles 1M × 32 in a few seconds at the same rate.
        let line: Vec<String> = (0..32).map(|j| format!("{}.{j}", j * 7)).collect();
        let line = line.join(",") + "\n";
        let text = line.repeat(100_000);

        let start = std::time::Instant::now();
        let table = read(&text).unwrap();
        assert_eq!(table.data.dim(), (100_000, 32));
        assert!(
            start.elapsed().as_secs_f64() < 5.0,
            "took {:?}",
            start.elapsed()
        );
    }
}
