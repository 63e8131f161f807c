//! The `.npy` preamble: magic string, version, and the header, a Python dict literal such as
//! `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`.
//!
//! Format reference: NumPy Enhancement Proposal 1 and `numpy.lib.format` (versions 1.0, 2.0 and
//! 3.0). Only the three keys NumPy itself writes are interpreted; other keys are ignored.

use crate::error::IoError;

/// The six bytes every `.npy` file starts with.
pub(crate) const MAGIC: &[u8] = b"\x93NUMPY";

/// Deepest nesting of brackets accepted in a header; real headers nest two deep.
const MAX_DEPTH: usize = 16;

/// The element types read from `.npy` files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    F32,
    F64,
    I32,
    I64,
}

/// What the header says about the array that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NpyHeader {
    pub kind: Kind,
    pub big_endian: bool,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
    /// Offset of the first data byte in the file.
    pub data_offset: usize,
}

/// Parses magic, version and header of a `.npy` file held in `bytes`.
pub(crate) fn parse_header(bytes: &[u8], path: &str) -> Result<NpyHeader, IoError> {
    let invalid = |reason: String| IoError::NpyHeader {
        path: path.to_owned(),
        reason,
    };

    if !bytes.starts_with(MAGIC) {
        return Err(IoError::NpyMagic {
            path: path.to_owned(),
        });
    }
    let (major, minor) = match bytes.get(6..8) {
        Some(v) => (v[0], v[1]),
        None => return Err(invalid("the file ends inside the version number".into())),
    };

    // Version 1.0 stores the header length in 2 bytes; 2.0 and 3.0 (UTF-8 header) in 4.
    let (len_bytes, start) = match major {
        1 => (2, 10),
        2 | 3 => (4, 12),
        _ => {
            return Err(invalid(format!(
                "unsupported format version {major}.{minor}"
            )))
        }
    };
    let Some(len_field) = bytes.get(8..8 + len_bytes) else {
        return Err(invalid("the file ends inside the header length".into()));
    };
    let header_len = len_field
        .iter()
        .rev()
        .fold(0_usize, |acc, &b| (acc << 8) | usize::from(b));
    let end = start + header_len;
    let Some(raw) = bytes.get(start..end) else {
        return Err(invalid(format!(
            "the header length {header_len} runs past the end of the file ({} bytes)",
            bytes.len()
        )));
    };
    let text = std::str::from_utf8(raw).map_err(|_| invalid("the header is not text".into()))?;

    let entries = Parser {
        text: text.as_bytes(),
        pos: 0,
    }
    .dict()
    .map_err(invalid)?;
    let find = |key: &str| entries.iter().find(|(k, _)| k == key).map(|(_, v)| v);

    let descr = match find("descr") {
        Some(Value::Str(s)) => s.clone(),
        Some(_) => {
            return Err(invalid(
                "'descr' is not a simple type (structured arrays are not supported)".into(),
            ))
        }
        None => return Err(invalid("the key 'descr' is missing".into())),
    };
    let (kind, big_endian) = parse_descr(&descr).ok_or_else(|| IoError::NpyDtype {
        descr: descr.clone(),
        path: path.to_owned(),
    })?;
    let fortran_order = match find("fortran_order") {
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid("'fortran_order' is not True or False".into())),
        None => return Err(invalid("the key 'fortran_order' is missing".into())),
    };
    let shape = match find("shape") {
        Some(Value::Seq(items)) => items
            .iter()
            .map(|v| match v {
                Value::Int(n) => Ok(*n),
                _ => Err(invalid(
                    "'shape' holds something other than integers".into(),
                )),
            })
            .collect::<Result<Vec<usize>, IoError>>()?,
        Some(_) => return Err(invalid("'shape' is not a tuple".into())),
        None => return Err(invalid("the key 'shape' is missing".into())),
    };

    Ok(NpyHeader {
        kind,
        big_endian,
        fortran_order,
        shape,
        data_offset: end,
    })
}

/// Splits a type string such as `<f8` into element kind and byte order.
fn parse_descr(descr: &str) -> Option<(Kind, bool)> {
    let (order, code) = descr.split_at_checked(1)?;
    let big_endian = match order {
        "<" => false,
        ">" => true,
        "=" => cfg!(target_endian = "big"),
        _ => return None,
    };
    let kind = match code {
        "f4" => Kind::F32,
        "f8" => Kind::F64,
        "i4" => Kind::I32,
        "i8" => Kind::I64,
        _ => return None,
    };
    Some((kind, big_endian))
}

/// The Python literals a header may hold.
#[derive(Debug, Clone, PartialEq)]
enum Value {
    Str(String),
    Bool(bool),
    Int(usize),
    /// A tuple or a list.
    Seq(Vec<Value>),
    /// `None`, a nested dict: accepted, never interpreted.
    Other,
}

/// A recursive-descent parser for the subset of Python literals NumPy writes.
struct Parser<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn dict(&mut self) -> Result<Vec<(String, Value)>, String> {
        self.expect(b'{')?;
        let entries = self.dict_body(0)?;
        self.skip_space();
        if self.pos != self.text.len() {
            return Err(format!(
                "unexpected text after the dict at byte {}",
                self.pos
            ));
        }
        Ok(entries)
    }

    /// Entries after the opening brace, through the closing one.
    fn dict_body(&mut self, depth: usize) -> Result<Vec<(String, Value)>, String> {
        let mut entries = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b'}') {
                return Ok(entries);
            }
            let key = match self.value(depth + 1)? {
                Value::Str(s) => s,
                other => return Err(format!("a dict key is not a string: {other:?}")),
            };
            self.expect(b':')?;
            let value = self.value(depth + 1)?;
            entries.push((key, value));

            self.skip_space();
            if !self.eat(b',') {
                self.expect(b'}')?;
                return Ok(entries);
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("brackets nested too deeply".into());
        }
        self.skip_space();
        match self.peek() {
            Some(quote @ (b'\'' | b'"')) => self.string(quote),
            Some(b'(') => self.seq(b')', depth),
            Some(b'[') => self.seq(b']', depth),
            Some(b'{') => {
                self.pos += 1;
                self.dict_body(depth).map(|_| Value::Other)
            }
            Some(b'0'..=b'9') => self.int(),
            Some(_) => self.word(),
            None => Err("the header ends where a value is expected".into()),
        }
    }

    fn string(&mut self, quote: u8) -> Result<Value, String> {
        self.pos += 1;
        let mut bytes = Vec::new();
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => {
                    let escaped = self.peek().ok_or("the header ends inside a string")?;
                    bytes.push(escaped);
                    self.pos += 1;
                }
                _ if b == quote => {
                    return String::from_utf8(bytes)
                        .map(Value::Str)
                        .map_err(|e| e.to_string())
                }
                _ => bytes.push(b),
            }
        }
        Err("the header ends inside a string".into())
    }

    fn seq(&mut self, close: u8, depth: usize) -> Result<Value, String> {
        self.pos += 1;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.eat(close) {
                return Ok(Value::Seq(items));
            }
            items.push(self.value(depth + 1)?);
            self.skip_space();
            if !self.eat(b',') {
                self.expect(close)?;
                return Ok(Value::Seq(items));
            }
        }
    }

    fn int(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        let digits = std::str::from_utf8(&self.text[start..self.pos]).map_err(|e| e.to_string())?;
        let n = digits
            .parse::<usize>()
            .map_err(|_| format!("the dimension {digits} is too large"))?;

        // Files written by Python 2 mark long integers with a suffix: `(3L, 4L)`.
        if self.peek() == Some(b'L') {
            self.pos += 1;
        }
        Ok(Value::Int(n))
    }

    fn word(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.pos += 1;
        }
        match &self.text[start..self.pos] {
            b"True" => Ok(Value::Bool(true)),
            b"False" => Ok(Value::Bool(false)),
            b"None" => Ok(Value::Other),
            _ => Err(format!(
                "unexpected character at byte {start} of the header"
            )),
        }
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    fn expect(&mut self, b: u8) -> Result<(), String> {
        self.skip_space();
        if self.eat(b) {
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at byte {} of the header",
                b as char, self.pos
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(major: u8, dict: &str) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend([major, 0]);
        if major == 1 {
            bytes.extend((dict.len() as u16).to_le_bytes());
        } else {
            bytes.extend((dict.len() as u32).to_le_bytes());
        }
        bytes.extend(dict.as_bytes());
        bytes
    }

    fn parse(major: u8, dict: &str) -> Result<NpyHeader, String> {
        parse_header(&file(major, dict), "a.npy").map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_header_numpy_writes_in_every_version() {
        let dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }          \n";
        for major in [1, 2, 3] {
            let header = parse(major, dict).unwrap();
            assert_eq!(header.kind, Kind::F64);
            assert!(!header.big_endian && !header.fortran_order);
            assert_eq!(header.shape, [3, 4]);
            assert_eq!(
                header.data_offset,
                if major == 1 { 10 } else { 12 } + dict.len()
            );
        }
    }

    #[test]
    fn accepts_key_order_quotes_long_suffix_and_extra_keys() {
        let dict = r#"{"shape":(5L,),"fortran_order":True,"descr":">i4","extra":[1,{'a':None}]}"#;
        let header = parse(1, dict).unwrap();
        assert_eq!(header.kind, Kind::I32);
        assert!(header.big_endian && header.fortran_order);
        assert_eq!(header.shape, [5]);

        assert_eq!(
            parse(1, "{'descr':'<f4','fortran_order':False,'shape':()}")
                .unwrap()
                .shape,
            []
        );
    }

    #[test]
    fn rejects_what_it_cannot_read_with_a_reason() {
        let cases = [
            (
                "{'descr': '<c16', 'fortran_order': False, 'shape': (3,)}",
                "dtype '<c16'",
            ),
            (
                "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,)}",
                "structured",
            ),
            (
                "{'descr': '<f8', 'shape': (3,)}",
                "'fortran_order' is missing",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3.5,)}",
                "expected ')'",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,)}",
                "too large",
            ),
            (
                "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)",
                "expected '}'",
            ),
            (
                "{'descr': '<f8', 'fortran_order': maybe, 'shape': (3,)}",
                "unexpected character",
            ),
        ];
        for (dict, want) in cases {
            let msg = parse(1, dict).unwrap_err();
            assert!(msg.contains(want), "{dict}: {msg}");
            assert!(msg.contains("'a.npy'"), "{msg}");
        }

        let deep = format!("{{'shape': {}}}", "(".repeat(10_000));
        assert!(parse(2, &deep).unwrap_err().contains("nested too deeply"));
    }

    #[test]
    fn rejects_bad_preambles() {
        let msg = parse_header(b"1,2,3\n", "x.npy").unwrap_err().to_string();
        assert!(msg.contains("'x.npy' is not a NumPy .npy file"), "{msg}");

        let msg = parse(4, "{}").unwrap_err();
        assert!(msg.contains("unsupported format version 4.0"), "{msg}");

        let mut short = file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,)}");
        short.truncate(30);
        assert!(parse_header(&short, "s.npy")
            .unwrap_err()
            .to_string()
            .contains("runs past"));
        assert!(parse_header(MAGIC, "s.npy")
            .unwrap_err()
            .to_string()
            .contains("version"));
    }
}
