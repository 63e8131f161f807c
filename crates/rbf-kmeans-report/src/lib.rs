//! # rbf-kmeans-report
//!
//! Experiment reports that a person would rather look at than read: charts rendered to SVG by
//! hand (no plotting dependency), tables, and a report that bundles them.
//!
//! - [`Figure`] is one chart: line plots (solid or dashed, with or without markers), scatter
//!   plots coloured by cluster, paths of centers as the temperature `σ` falls, strip charts
//!   comparing methods over many seeds, horizontal reference lines; linear or `log10` axes with
//!   1-2-5 or decade ticks. [`grid`] lays several figures out as small multiples.
//! - [`Table`] holds results and writes CSV (floats at full precision, so they parse back
//!   bit for bit), Markdown, HTML and aligned terminal text.
//! - [`Report`] gathers [`Section`]s of paragraphs, figures and tables and writes a directory
//!   with an `index.html` that opens offline (figures inline, styles inline), one CSV per table
//!   and a `summary.md`.
//!
//! Every string is escaped for the format it lands in, and no NaN or infinity ever reaches an
//! SVG coordinate: points that an axis cannot place (non-finite, or `≤ 0` on a log axis) are
//! skipped.
//!
//! ```
//! use rbf_kmeans_report::{Colour, Figure, Report, Section};
//!
//! let mut fig = Figure::new("Centers as σ falls").x_label("x₁").y_label("x₂");
//! fig.scatter(&[0.0, 0.2, 3.0, 3.1], &[0.0, 0.3, 3.0, 2.8], Some(&[0, 0, 1, 1]), 3.0, 0.5);
//! fig.path(&[1.5, 0.8, 0.1], &[1.5, 0.8, 0.15], Colour::Palette(0));
//! fig.path(&[1.5, 2.3, 3.05], &[1.5, 2.2, 2.9], Colour::Palette(1));
//!
//! let mut section = Section::new("Annealing");
//! section.figure(fig, "Both centers start at the mean and split as σ falls.");
//! let mut report = Report::new("rbf-kmeans");
//! report.section(section);
//! assert!(report.to_html().contains("<figcaption>"));
//! ```
#![deny(missing_docs)]

mod axis;
mod figure;
mod grid;
mod palette;
mod report;
mod table;
mod text;

pub use axis::Scale;
pub use figure::{Figure, Legend, LineStyle};
pub use grid::grid;
pub use palette::{Colour, PALETTE_LEN};
pub use report::{Block, Report, Section};
pub use table::{Cell, Table};
