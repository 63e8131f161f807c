//! Tables of results, written as CSV, Markdown, HTML or aligned terminal text.

use crate::text::{escape, float_exact, float_fixed};

/// One value in a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Free text.
    Text(String),
    /// An integer, e.g. a seed or an iteration count.
    Int(i64),
    /// A real number; written at full precision in CSV and rounded for people elsewhere.
    Float(f64),
    /// A yes/no value, written `true` / `false`.
    Bool(bool),
}

impl Cell {
    fn is_numeric(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Float(_))
    }

    /// The cell for people: floats with `float_digits` decimals (scientific at extremes).
    fn display(&self, float_digits: usize) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Float(v) => float_fixed(*v, float_digits),
            Cell::Bool(b) => b.to_string(),
        }
    }

    /// The cell for machines: floats as the shortest decimal that parses back to the same bits.
    fn exact(&self) -> String {
        match self {
            Cell::Float(v) => float_exact(*v),
            other => other.display(0),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<i64> for Cell {
    fn from(i: i64) -> Self {
        Cell::Int(i)
    }
}

impl From<i32> for Cell {
    fn from(i: i32) -> Self {
        Cell::Int(i.into())
    }
}

impl From<u32> for Cell {
    fn from(i: u32) -> Self {
        Cell::Int(i.into())
    }
}

/// Counts and indices; a value above `i64::MAX` saturates.
impl From<usize> for Cell {
    fn from(i: usize) -> Self {
        Cell::Int(i64::try_from(i).unwrap_or(i64::MAX))
    }
}

impl From<f64> for Cell {
    fn from(v: f64) -> Self {
        Cell::Float(v)
    }
}

impl From<bool> for Cell {
    fn from(b: bool) -> Self {
        Cell::Bool(b)
    }
}

/// A titled table: one header row of column names and rows of [`Cell`]s.
///
/// Every writer treats a row shorter than `columns` as padded with empty cells and ignores the
/// cells of a longer row beyond the last column; [`Table::push_row`] rules both out. A column
/// whose cells are all numbers is right-aligned.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    /// The caption, also the base of the CSV file name in a report.
    pub title: String,
    /// The column names.
    pub columns: Vec<String>,
    /// The rows, each with one cell per column.
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// An empty table with the given title and column names.
    pub fn new(title: &str, columns: &[&str]) -> Self {
        let columns = columns.iter().map(|c| c.to_string()).collect();
        Table {
            title: title.to_string(),
            columns,
            rows: Vec::new(),
        }
    }

    /// Appends a row.
    ///
    /// # Panics
    /// If the row does not have exactly one cell per column.
    pub fn push_row(&mut self, row: Vec<Cell>) -> &mut Self {
        assert_eq!(
            row.len(),
            self.columns.len(),
            "Table::push_row: row has {} cells but the table has {} columns",
            row.len(),
            self.columns.len()
        );
        self.rows.push(row);
        self
    }

    /// The table as CSV (RFC 4180): a header line, then one line per row, `\n`-terminated;
    /// fields with a comma, quote or line break are quoted. Floats are written at full
    /// precision, so parsing a field gives back the same `f64` bits; NaN and infinities are
    /// written `NaN`, `inf`, `-inf`. The title is not written.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        let header: Vec<String> = self.columns.iter().map(|c| csv_field(c)).collect();
        out.push_str(&header.join(","));
        out.push('\n');
        for row in &self.rows {
            let fields: Vec<String> = self
                .cells(row)
                .map(|c| csv_field(&c.map_or_else(String::new, Cell::exact)))
                .collect();
            out.push_str(&fields.join(","));
            out.push('\n');
        }
        out
    }

    /// The table as a GitHub-flavoured Markdown pipe table (without its title), floats with
    /// `float_digits` decimals, numeric columns right-aligned; `|` in text is escaped and line
    /// breaks become spaces.
    pub fn to_markdown(&self, float_digits: usize) -> String {
        let md = |s: &str| s.replace('|', "\\|").replace(['\r', '\n'], " ");
        let mut out = String::from("|");
        for c in &self.columns {
            out.push_str(&format!(" {} |", md(c)));
        }
        out.push_str("\n|");
        for numeric in self.numeric_columns() {
            out.push_str(if numeric { " ---: |" } else { " --- |" });
        }
        out.push('\n');
        for row in &self.rows {
            out.push('|');
            for cell in self.cells(row) {
                let text = cell.map_or_else(String::new, |c| c.display(float_digits));
                out.push_str(&format!(" {} |", md(&text)));
            }
            out.push('\n');
        }
        out
    }

    /// The table as an HTML `<table>` with the title as its `<caption>`, floats with
    /// `float_digits` decimals, numeric cells of class `num`; all text is escaped.
    pub fn to_html(&self, float_digits: usize) -> String {
        let numeric = self.numeric_columns();
        let class = |j: usize| if numeric[j] { r#" class="num""# } else { "" };
        let mut out = String::from("<table>");
        if !self.title.is_empty() {
            out.push_str(&format!("<caption>{}</caption>", escape(&self.title)));
        }
        out.push_str("<thead><tr>");
        for (j, c) in self.columns.iter().enumerate() {
            out.push_str(&format!("<th{}>{}</th>", class(j), escape(c)));
        }
        out.push_str("</tr></thead><tbody>");
        for row in &self.rows {
            out.push_str("<tr>");
            for (j, cell) in self.cells(row).enumerate() {
                let text = cell.map_or_else(String::new, |c| c.display(float_digits));
                out.push_str(&format!("<td{}>{}</td>", class(j), escape(&text)));
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>");
        out
    }

    /// The table as plain text for a terminal: the title, the header, a rule and the rows, in
    /// columns padded with spaces (numbers right-aligned), floats with `float_digits` decimals.
    pub fn to_terminal(&self, float_digits: usize) -> String {
        let numeric = self.numeric_columns();
        let header: Vec<String> = self.columns.clone();
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                self.cells(row)
                    .map(|c| c.map_or_else(String::new, |c| c.display(float_digits)))
                    .map(|s| s.replace(['\r', '\n'], " "))
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|j| {
                std::iter::once(&header)
                    .chain(&body)
                    .map(|r| r[j].chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(j, s)| {
                    let w = widths[j];
                    if numeric[j] {
                        format!("{s:>w$}")
                    } else {
                        format!("{s:<w$}")
                    }
                })
                .collect();
            padded.join("  ").trim_end().to_string() + "\n"
        };

        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push('\n');
        }
        out.push_str(&line(&header));
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        out.push_str(&line(&rule));
        for row in &body {
            out.push_str(&line(row));
        }
        out
    }

    /// The cells of `row`, one per column: `None` past the end of a short row.
    fn cells<'a>(&self, row: &'a [Cell]) -> impl Iterator<Item = Option<&'a Cell>> + 'a {
        (0..self.columns.len()).map(move |j| row.get(j))
    }

    /// For each column, whether it has at least one cell and all its cells are numbers.
    fn numeric_columns(&self) -> Vec<bool> {
        (0..self.columns.len())
            .map(|j| {
                let mut cells = self.rows.iter().filter_map(|r| r.get(j)).peekable();
                cells.peek().is_some() && cells.all(Cell::is_numeric)
            })
            .collect()
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(
            "Final <distortion>",
            &["method", "seed", "inertia", "converged"],
        );
        t.push_row(vec![
            "k-means, Lloyd".into(),
            1.into(),
            (1.0f64 / 3.0).into(),
            true.into(),
        ]);
        t.push_row(vec![
            "rbf \"annealed\"".into(),
            2.into(),
            1e-300.into(),
            false.into(),
        ]);
        t.push_row(vec!["a|b".into(), 30.into(), 12345.678.into(), true.into()]);
        t
    }

    #[test]
    fn csv_round_trips_floats_bit_for_bit() {
        let values = [
            0.1,
            1.0 / 3.0,
            1e-300,
            5e-324,
            1.7976931348623157e308,
            -2.5e-7,
            0.0,
            -0.0,
        ];
        let mut t = Table::new("floats", &["v"]);
        for v in values {
            t.push_row(vec![v.into()]);
        }
        let csv = t.to_csv();
        let parsed: Vec<f64> = csv.lines().skip(1).map(|l| l.parse().unwrap()).collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&parsed), bits(&values));
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let csv = sample().to_csv();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "method,seed,inertia,converged");
        assert_eq!(lines[1], "\"k-means, Lloyd\",1,0.3333333333333333,true");
        assert_eq!(lines[2], "\"rbf \"\"annealed\"\"\",2,1e-300,false");
    }

    #[test]
    fn markdown_has_one_line_per_row_and_equal_cell_counts() {
        let md = sample().to_markdown(3);
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines.len(), 2 + 3);
        assert_eq!(lines[1], "| --- | ---: | ---: | --- |");
        for line in &lines {
            let unescaped_pipes = line.matches('|').count() - line.matches("\\|").count();
            assert_eq!(unescaped_pipes, 5, "{line}");
        }
        assert!(lines[2].contains("| 0.333 |") && lines[4].contains("a\\|b"));
    }

    #[test]
    fn html_escapes_and_marks_numbers() {
        let html = sample().to_html(2);
        assert!(html.contains("<caption>Final &lt;distortion&gt;</caption>"));
        assert!(html.contains(r#"<td class="num">12345.68</td>"#));
        assert!(html.contains("<td>rbf &quot;annealed&quot;</td>"));
        assert_eq!(html.matches("<tr>").count(), 4);
    }

    #[test]
    fn terminal_columns_align() {
        let text = sample().to_terminal(2);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "Final <distortion>");
        assert_eq!(lines[1], "method          seed    inertia  converged");
        assert_eq!(lines[2], "--------------  ----  ---------  ---------");
        assert_eq!(lines[3], "k-means, Lloyd     1       0.33  true");
        assert_eq!(lines[4], "rbf \"annealed\"     2  1.00e-300  false");
        assert_eq!(lines[5], "a|b               30   12345.68  true");
    }

    #[test]
    fn ragged_rows_are_padded() {
        let mut t = Table::new("", &["a", "b"]);
        t.rows.push(vec![Cell::Int(1)]);
        assert_eq!(t.to_csv(), "a,b\n1,\n");
        assert_eq!(t.to_markdown(2).lines().nth(2), Some("| 1 |  |"));
    }

    #[test]
    #[should_panic(expected = "Table::push_row: row has 1 cells but the table has 2 columns")]
    fn push_row_checks_the_width() {
        Table::new("", &["a", "b"]).push_row(vec![Cell::Int(1)]);
    }
}
