//! A whole report: sections of paragraphs, figures and tables, written as one offline HTML
//! page, one CSV per table and a Markdown summary.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::figure::Figure;
use crate::grid::grid;
use crate::table::Table;
use crate::text::{escape, slug, unique};

/// One element of a section, in reading order.
#[derive(Clone, Debug)]
pub enum Block {
    /// Plain text (escaped, never interpreted as markup).
    Paragraph(String),
    /// A figure with its caption; numbered "Figure n" across the report.
    Figure {
        /// The chart.
        figure: Figure,
        /// What the reader should see in it.
        caption: String,
    },
    /// Small multiples drawn by [`grid`] as one figure with one caption.
    Grid {
        /// The panels, row by row.
        figures: Vec<Figure>,
        /// Panels per row (at least 1).
        columns: usize,
        /// What the reader should see in them.
        caption: String,
    },
    /// A table; numbered "Table n" across the report and also written as CSV.
    Table(Table),
}

/// A headed part of a report.
#[derive(Clone, Debug, Default)]
pub struct Section {
    /// The heading, listed in the table of contents.
    pub heading: String,
    /// The content, in reading order.
    pub blocks: Vec<Block>,
}

impl Section {
    /// An empty section.
    pub fn new(heading: &str) -> Self {
        Section {
            heading: heading.to_string(),
            blocks: Vec::new(),
        }
    }

    /// Appends a paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.blocks.push(Block::Paragraph(text.to_string()));
        self
    }

    /// Appends a figure with its caption.
    pub fn figure(&mut self, figure: Figure, caption: &str) -> &mut Self {
        self.blocks.push(Block::Figure {
            figure,
            caption: caption.to_string(),
        });
        self
    }

    /// Appends small multiples, `columns` panels per row, with one caption.
    ///
    /// # Panics
    /// If `columns` is 0.
    pub fn grid(&mut self, figures: Vec<Figure>, columns: usize, caption: &str) -> &mut Self {
        assert!(columns > 0, "Section::grid: columns must be at least 1");
        self.blocks.push(Block::Grid {
            figures,
            columns,
            caption: caption.to_string(),
        });
        self
    }

    /// Appends a table.
    pub fn table(&mut self, table: Table) -> &mut Self {
        self.blocks.push(Block::Table(table));
        self
    }
}

/// A report: a title, introductory paragraphs and sections.
///
/// ```
/// use rbf_kmeans_report::{Figure, LineStyle, Report, Section, Table};
///
/// let mut fig = Figure::new("Distortion per iteration").x_label("iteration");
/// fig.line("Lloyd", &[0.0, 1.0, 2.0], &[9.0, 4.0, 3.5], LineStyle::SOLID.with_markers());
/// let mut table = Table::new("Final distortion", &["method", "inertia"]);
/// table.push_row(vec!["Lloyd".into(), 3.5.into()]);
///
/// let mut section = Section::new("Convergence");
/// section.paragraph("Lloyd's iterations never increase the distortion.");
/// section.figure(fig, "The distortion falls, then stalls.").table(table);
/// let mut report = Report::new("rbf-kmeans experiments");
/// report.section(section);
///
/// let html = report.to_html();
/// assert!(html.contains("<svg") && html.contains("The distortion falls, then stalls."));
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    /// The page title and top heading.
    pub title: String,
    /// Paragraphs before the table of contents, e.g. how and when the report was made.
    pub intro: Vec<String>,
    /// The sections in order.
    pub sections: Vec<Section>,
    /// Decimals of floats in the HTML and Markdown tables (the CSV files keep every digit).
    pub float_digits: usize,
}

impl Report {
    /// An empty report; tables show 4 decimals.
    pub fn new(title: &str) -> Self {
        Report {
            title: title.to_string(),
            intro: Vec::new(),
            sections: Vec::new(),
            float_digits: 4,
        }
    }

    /// Appends an introductory paragraph of plain text.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        self.intro.push(text.to_string());
        self
    }

    /// Appends a section.
    pub fn section(&mut self, section: Section) -> &mut Self {
        self.sections.push(section);
        self
    }

    /// The report as one self-contained HTML5 page: inline style, a table of contents, figures
    /// as inline SVG in `<figure>` with `<figcaption>`, tables with a link to their CSV file (as
    /// written by [`write_dir`](Report::write_dir)). It needs no network and no other file to
    /// display.
    pub fn to_html(&self) -> String {
        let csv_names = self.csv_names();
        let svgs = self.figure_svgs();
        let mut section_ids = Vec::new();
        let ids: Vec<String> = self
            .sections
            .iter()
            .map(|s| {
                unique(
                    format!("sec-{}", slug(&s.heading, "section")),
                    &mut section_ids,
                )
            })
            .collect();

        let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n");
        out.push_str("<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(&format!(
            "<title>{}</title>\n<style>{STYLE}</style>\n",
            escape(&self.title)
        ));
        out.push_str("</head>\n<body>\n<main>\n");
        out.push_str(&format!("<h1>{}</h1>\n", escape(&self.title)));
        for p in &self.intro {
            out.push_str(&format!("<p>{}</p>\n", escape(p)));
        }
        if !self.sections.is_empty() {
            out.push_str("<nav>\n<h2>Contents</h2>\n<ol>\n");
            for (section, id) in self.sections.iter().zip(&ids) {
                out.push_str(&format!(
                    "<li><a href=\"#{id}\">{}</a></li>\n",
                    escape(&section.heading)
                ));
            }
            out.push_str("</ol>\n</nav>\n");
        }

        let (mut n_figure, mut n_table) = (0, 0);
        for (section, id) in self.sections.iter().zip(&ids) {
            out.push_str(&format!(
                "<section id=\"{id}\">\n<h2>{}</h2>\n",
                escape(&section.heading)
            ));
            for block in &section.blocks {
                match block {
                    Block::Paragraph(text) => out.push_str(&format!("<p>{}</p>\n", escape(text))),
                    Block::Figure { caption, .. } | Block::Grid { caption, .. } => {
                        write_figure(&mut out, &svgs[n_figure], n_figure + 1, caption);
                        n_figure += 1;
                    }
                    Block::Table(table) => {
                        let csv = &csv_names[n_table];
                        n_table += 1;
                        let mut numbered = table.clone();
                        numbered.title = format!("Table {n_table}. {}", table.title);
                        out.push_str("<div class=\"table\">");
                        out.push_str(&numbered.to_html(self.float_digits));
                        out.push_str(&format!(
                            "<p class=\"csv\"><a href=\"{0}\">{0}</a></p></div>\n",
                            escape(csv)
                        ));
                    }
                }
            }
            out.push_str("</section>\n");
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }

    /// A Markdown summary for reading in a terminal or a code host: the headings, paragraphs,
    /// figures (as images linking to the SVG files [`Report::write_dir`] writes) with their
    /// captions, and tables with a link to their CSV files.
    pub fn to_markdown(&self) -> String {
        let csv_names = self.csv_names();
        let flat = |s: &str| s.replace(['\r', '\n'], " ");
        let mut out = format!("# {}\n\n", flat(&self.title));
        for p in &self.intro {
            out.push_str(&format!("{p}\n\n"));
        }
        let (mut n_figure, mut n_table) = (0, 0);
        for section in &self.sections {
            out.push_str(&format!("## {}\n\n", flat(&section.heading)));
            for block in &section.blocks {
                match block {
                    Block::Paragraph(text) => out.push_str(&format!("{text}\n\n")),
                    Block::Figure { caption, .. } | Block::Grid { caption, .. } => {
                        n_figure += 1;
                        let file = figure_file(n_figure);
                        out.push_str(&format!(
                            "![Figure {n_figure}]({file})\n\n**Figure {n_figure}.** {}\n\n",
                            flat(caption)
                        ));
                    }
                    Block::Table(table) => {
                        let csv = &csv_names[n_table];
                        n_table += 1;
                        out.push_str(&format!(
                            "**Table {n_table}.** {} ([{csv}]({csv}))\n\n{}\n",
                            flat(&table.title),
                            table.to_markdown(self.float_digits)
                        ));
                    }
                }
            }
        }
        out
    }

    /// Writes the report into `dir` (created if needed): `index.html`, `summary.md`, one CSV per
    /// table, named after its title (slugified, made unique with `-2`, `-3`, …), and each figure
    /// as a standalone SVG file `figures/figure-N.svg`. Returns the paths written, `index.html`
    /// first. Existing files of those names are replaced.
    pub fn write_dir(&self, dir: &Path) -> io::Result<Vec<PathBuf>> {
        fs::create_dir_all(dir)?;
        let mut written = Vec::new();
        let mut write = |name: &str, contents: String| -> io::Result<()> {
            let path = dir.join(name);
            fs::write(&path, contents)?;
            written.push(path);
            Ok(())
        };
        write("index.html", self.to_html())?;
        write("summary.md", self.to_markdown())?;
        for (table, name) in self.tables().zip(self.csv_names()) {
            write(&name, table.to_csv())?;
        }
        let svgs = self.figure_svgs();
        if !svgs.is_empty() {
            fs::create_dir_all(dir.join("figures"))?;
        }
        for (n, svg) in svgs.into_iter().enumerate() {
            write(&figure_file(n + 1), svg)?;
        }
        Ok(written)
    }

    /// Every figure and grid drawn as SVG, in reading order.
    fn figure_svgs(&self) -> Vec<String> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Figure { figure, .. } => Some(figure.to_svg()),
                Block::Grid {
                    figures, columns, ..
                } => Some(grid(figures, *columns)),
                _ => None,
            })
            .collect()
    }

    fn tables(&self) -> impl Iterator<Item = &Table> {
        self.sections
            .iter()
            .flat_map(|s| &s.blocks)
            .filter_map(|b| match b {
                Block::Table(t) => Some(t),
                _ => None,
            })
    }

    /// The CSV file name of each table, in order.
    fn csv_names(&self) -> Vec<String> {
        let mut taken = Vec::new();
        self.tables()
            .map(|t| unique(slug(&t.title, "table"), &mut taken) + ".csv")
            .collect()
    }
}

/// The path, relative to the report directory, of figure `number` (counted from 1).
fn figure_file(number: usize) -> String {
    format!("figures/figure-{number}.svg")
}

fn write_figure(out: &mut String, svg: &str, number: usize, caption: &str) {
    out.push_str("<figure>\n");
    out.push_str(svg);
    out.push_str(&format!(
        "\n<figcaption><b>Figure {number}.</b> {}</figcaption>\n</figure>\n",
        escape(caption)
    ));
}

const STYLE: &str = "\
body{margin:0;background:#f4f4f4;color:#222;line-height:1.5;\
font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif}\
main{max-width:1120px;margin:0 auto;padding:24px 40px 64px;background:#fff}\
h1{font-size:1.9em;margin:.3em 0 .4em}\
h2{font-size:1.35em;margin-top:2em;padding-bottom:.2em;border-bottom:1px solid #ddd}\
nav h2{margin-top:1em}\
figure{margin:1.6em 0;text-align:center}\
figure svg{max-width:100%;height:auto}\
figcaption{max-width:820px;margin:.5em auto 0;text-align:left;color:#444;font-size:.95em}\
.table{overflow-x:auto;margin:1.4em 0}\
table{border-collapse:collapse;font-size:.92em;font-variant-numeric:tabular-nums}\
caption{caption-side:top;text-align:left;font-weight:600;padding-bottom:.4em}\
th,td{padding:.25em .75em;text-align:left;border-bottom:1px solid #e6e6e6}\
th{border-bottom:2px solid #bbb}\
.num{text-align:right}\
tbody tr:nth-child(even){background:#f8f8f8}\
.csv{margin:.3em 0 0;font-size:.85em}";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LineStyle, Scale};

    fn sample() -> Report {
        let mut fig = Figure::new("σ <path> & co").x_scale(Scale::Log10);
        fig.line("a", &[1.0, 10.0], &[1.0, 2.0], LineStyle::SOLID);
        let mut a = Section::new("Paths & <limits>");
        a.paragraph("x < y & z")
            .figure(fig.clone(), "First caption & more");
        a.grid(vec![fig.clone(), fig], 2, "Second caption");
        let mut t = Table::new("Final distortion", &["seed", "inertia"]);
        t.push_row(vec![1.into(), 0.1.into()]);
        let mut b = Section::new("Paths & <limits>");
        b.table(t.clone()).table(t);
        let mut report = Report::new("Report <1>");
        report.paragraph("made by a test").section(a).section(b);
        report
    }

    #[test]
    fn html_is_escaped_and_numbered() {
        let html = sample().to_html();
        assert!(html.contains("<title>Report &lt;1&gt;</title>"));
        assert!(html.contains("<p>x &lt; y &amp; z</p>"));
        assert!(html.contains("<b>Figure 2.</b> Second caption"));
        assert!(html.contains("<caption>Table 2. Final distortion</caption>"));
        assert!(html.contains(r#"<a href="final-distortion-2.csv">"#));
        assert!(html.contains(r##"href="#sec-paths-limits-2""##));
        assert_eq!(
            html.matches("<section").count(),
            html.matches("</section>").count()
        );
        assert_eq!(html.matches("<figure>").count(), 2);
        assert!(!html.contains("NaN") && !html.contains("inf\""));
    }

    #[test]
    fn write_dir_writes_every_file() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "rbf-kmeans-report-test-{}-{nanos}",
            std::process::id()
        ));
        let written = sample().write_dir(&dir).unwrap();

        let names: Vec<String> = written
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "index.html",
                "summary.md",
                "final-distortion.csv",
                "final-distortion-2.csv",
                "figure-1.svg",
                "figure-2.svg"
            ]
        );
        let standalone = fs::read_to_string(dir.join("figures/figure-2.svg")).unwrap();
        assert!(standalone.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        let html = fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(html.contains("First caption &amp; more") && html.contains("Second caption"));
        assert_eq!(html.matches("<svg").count(), 1 + 3);
        let md = fs::read_to_string(dir.join("summary.md")).unwrap();
        assert!(md.starts_with("# Report <1>\n"));
        assert!(
            md.contains("![Figure 1](figures/figure-1.svg)\n\n**Figure 1.** First caption & more")
        );
        assert!(md.contains("| seed | inertia |"));
        let csv = fs::read_to_string(dir.join("final-distortion.csv")).unwrap();
        assert_eq!(csv, "seed,inertia\n1,0.1\n");
        fs::remove_dir_all(&dir).unwrap();
    }
}
