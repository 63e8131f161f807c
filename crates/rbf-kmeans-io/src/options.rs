//! How to read an input: header handling and field separator.

/// Whether the first non-blank, non-comment line of a CSV input names the columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Header {
    /// Decide from the data. The first line is a header when every field on it is text, or when
    /// some field on it is text and the next line is all numbers. A first line with a text field
    /// followed by another line with a text field is treated as data, so the error names the
    /// field.
    #[default]
    Auto,
    /// The first line is a header.
    Present,
    /// There is no header; a text field on the first line is an error.
    Absent,
}

/// The character between fields of a CSV input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Delimiter {
    /// Detect from the first non-blank, non-comment line: a comma if it has one, else a semicolon
    /// if it has one, else runs of whitespace.
    #[default]
    Auto,
    /// `,`
    Comma,
    /// `;`
    Semicolon,
    /// Runs of spaces and tabs, as NumPy's `savetxt` writes by default.
    Whitespace,
}

/// Options for reading CSV inputs; `.npy` files ignore them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// Whether the first line is a header.
    pub header: Header,
    /// The field separator.
    pub delimiter: Delimiter,
}
