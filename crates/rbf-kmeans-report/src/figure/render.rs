//! SVG output of a figure.
//!
//! Writing to a `String` cannot fail, so the `fmt::Result`s of `write!` are ignored throughout.

use std::fmt::Write;

use super::layout::{Layout, Rect, ROW_HEIGHT};
use super::marks::{jitter, quartiles, Mark, Swatch};
use super::Figure;
use crate::axis::{Axis, Label};
use crate::palette::Colour;
use crate::text::{escape, Px};

const FONT: &str = "Helvetica, Arial, sans-serif";
const AXIS_GREY: &str = "#555";
const GRID_GREY: &str = "#e4e4e4";
const MINOR_GRID_GREY: &str = "#f2f2f2";

impl Figure {
    /// Renders the figure as one standalone `<svg>` element: explicit width, height and
    /// `viewBox`, inline presentation attributes, no external references, and no NaN or
    /// infinite coordinates whatever the data.
    pub fn to_svg(&self) -> String {
        let mut out = String::new();
        self.write_svg(&mut out, None);
        out
    }

    /// Writes the figure as an `<svg>` element; `at` places it inside an enclosing `<svg>` (as
    /// a panel of a grid), `None` makes it a standalone document root.
    pub(crate) fn write_svg(&self, out: &mut String, at: Option<(f64, f64)>) {
        let (w, h) = (self.width, self.height);
        match at {
            None => {
                let _ = write!(out, r#"<svg xmlns="http://www.w3.org/2000/svg" "#);
            }
            Some((x, y)) => {
                let _ = write!(out, r#"<svg x="{}" y="{}" "#, Px(x), Px(y));
            }
        }
        let _ = write!(
            out,
            r#"width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONT}" font-size="11">"#,
            w = Px(w),
            h = Px(h),
        );
        let title = escape(&self.title);
        let _ = write!(out, "<title>{title}</title>");
        let _ = write!(
            out,
            r##"<rect width="{}" height="{}" fill="#fff"/>"##,
            Px(w),
            Px(h)
        );
        if !title.is_empty() {
            let _ = write!(
                out,
                r##"<text x="{}" y="22" text-anchor="middle" font-size="14" font-weight="bold" fill="#222">{title}</text>"##,
                Px(w / 2.0)
            );
        }

        let layout = Layout::new(self);
        self.write_axes(out, &layout);
        for mark in &self.marks {
            self.write_mark(out, &layout, mark);
        }
        if self.marks.is_empty() {
            let f = layout.frame;
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="middle" fill="#999">no data</text>"##,
                Px((f.left + f.right) / 2.0),
                Px((f.top + f.bottom) / 2.0)
            );
        }
        if let Some(rect) = layout.legend {
            write_legend(out, &layout, rect);
        }
        out.push_str("</svg>");
    }

    fn write_axes(&self, out: &mut String, layout: &Layout) {
        let f = layout.frame;
        let y_ticks = placed(&layout.y, |v| layout.py(v));
        let y_minor: Vec<f64> = layout
            .y
            .minor
            .iter()
            .filter_map(|&v| layout.py(v))
            .collect();
        let (x_ticks, x_minor) = match &layout.x {
            Some(axis) => (
                placed(axis, |v| layout.px(v)),
                axis.minor.iter().filter_map(|&v| layout.px(v)).collect(),
            ),
            None => (Vec::new(), Vec::new()),
        };

        // Grid: minor lines first so major lines draw over them.
        let _ = write!(out, r#"<g stroke="{MINOR_GRID_GREY}" stroke-width="1">"#);
        for &y in &y_minor {
            hline(out, f.left, f.right, y);
        }
        for &x in &x_minor {
            vline(out, x, f.top, f.bottom);
        }
        let _ = write!(out, r#"</g><g stroke="{GRID_GREY}" stroke-width="1">"#);
        for (y, _) in &y_ticks {
            hline(out, f.left, f.right, *y);
        }
        for (x, _) in &x_ticks {
            vline(out, *x, f.top, f.bottom);
        }

        // Axis lines and tick marks, outside the frame.
        let _ = write!(out, r#"</g><g stroke="{AXIS_GREY}" stroke-width="1">"#);
        vline(out, f.left, f.top, f.bottom);
        hline(out, f.left, f.right, f.bottom);
        for (y, _) in &y_ticks {
            hline(out, f.left - 4.0, f.left, *y);
        }
        for &y in &y_minor {
            hline(out, f.left - 2.0, f.left, y);
        }
        for (x, _) in &x_ticks {
            vline(out, *x, f.bottom, f.bottom + 4.0);
        }
        for &x in &x_minor {
            vline(out, x, f.bottom, f.bottom + 2.0);
        }

        let _ = write!(out, r#"</g><g fill="{AXIS_GREY}">"#);
        for (y, label) in &y_ticks {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="end">"#,
                Px(f.left - 7.0),
                Px(y + 4.0)
            );
            write_label(out, label);
            out.push_str("</text>");
        }
        for (x, label) in &x_ticks {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle">"#,
                Px(*x),
                Px(f.bottom + 17.0)
            );
            write_label(out, label);
            out.push_str("</text>");
        }
        for (i, name) in self.categories.iter().enumerate() {
            let (cx, _) = layout.band(i);
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
                Px(cx),
                Px(f.bottom + 17.0),
                escape(name)
            );
        }
        out.push_str("</g>");

        if !self.x_label.is_empty() {
            let _ = write!(
                out,
                r##"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="#222">{}</text>"##,
                Px((f.left + f.right) / 2.0),
                Px(f.bottom + 36.0),
                escape(&self.x_label)
            );
        }
        if !self.y_label.is_empty() {
            let _ = write!(
                out,
                r##"<text transform="translate(16 {}) rotate(-90)" text-anchor="middle" font-size="12" fill="#222">{}</text>"##,
                Px((f.top + f.bottom) / 2.0),
                escape(&self.y_label)
            );
        }
    }

    fn write_mark(&self, out: &mut String, layout: &Layout, mark: &Mark) {
        match mark {
            Mark::Line {
                points,
                colour,
                dashed,
                markers,
                ..
            } => {
                let dash = if *dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let c = colour.hex();
                let _ = write!(
                    out,
                    r#"<g fill="none" stroke="{c}" stroke-width="1.8" stroke-linejoin="round" stroke-linecap="round"{dash}>"#
                );
                let runs = runs(layout, points);
                for run in &runs {
                    polyline(out, run);
                }
                out.push_str("</g>");
                let lone: Vec<_> = runs.iter().filter(|r| r.len() == 1).map(|r| r[0]).collect();
                let dots: Vec<_> = if *markers { runs.concat() } else { lone };
                circles(out, &dots, 2.6, &format!(r#"fill="{c}""#));
            }
            Mark::Scatter {
                points,
                groups,
                radius,
                opacity,
            } => {
                let _ = write!(out, r#"<g fill-opacity="{}">"#, Px(*opacity));
                let mut colours: Vec<Option<usize>> = match groups {
                    Some(g) => g.iter().map(|&k| Some(k)).collect(),
                    None => vec![None],
                };
                colours.sort_unstable();
                colours.dedup();
                for group in colours {
                    let fill = group.map_or("#777".to_string(), |k| Colour::Palette(k).hex());
                    let px: Vec<_> = points
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| groups.as_ref().map(|g| g[*i]) == group)
                        .filter_map(|(_, &p)| layout.point(p))
                        .collect();
                    circles(out, &px, *radius, &format!(r#"fill="{fill}""#));
                }
                out.push_str("</g>");
            }
            Mark::Path { points, colour } => {
                let c = colour.hex();
                let px: Vec<_> = points.iter().filter_map(|&p| layout.point(p)).collect();
                let (Some(&start), Some(&end)) = (px.first(), px.last()) else {
                    return;
                };
                // A white halo keeps the path readable over points of its own cluster colour.
                let _ = write!(
                    out,
                    r##"<g fill="none" stroke-linejoin="round"><g stroke="#fff" stroke-width="4" stroke-opacity="0.8">"##
                );
                polyline(out, &px);
                let _ = write!(out, r#"</g><g stroke="{c}" stroke-width="1.6">"#);
                polyline(out, &px);
                out.push_str("</g></g>");
                let inner = if px.len() > 2 {
                    &px[1..px.len() - 1]
                } else {
                    &[]
                };
                circles(out, inner, 1.8, &format!(r#"fill="{c}""#));
                start_marker(out, start, &c);
                end_marker(out, end, &c);
            }
            Mark::Strip {
                category,
                method,
                values,
            } => {
                let (cx, band) = layout.band(*category);
                let n_methods = self.methods.len() as f64;
                let sub = 0.8 * band / n_methods;
                let mx = cx - 0.4 * band + (*method as f64 + 0.5) * sub;
                let c = Colour::Palette(*method).hex();
                let placeable: Vec<f64> = values
                    .iter()
                    .copied()
                    .filter(|&v| layout.py(v).is_some())
                    .collect();
                if let Some([q1, q2, q3]) = quartiles(&placeable) {
                    let half = 0.35 * sub;
                    let (y1, y2, y3) = (layout.py(q1), layout.py(q2), layout.py(q3));
                    if let (Some(y1), Some(y2), Some(y3)) = (y1, y2, y3) {
                        let _ = write!(
                            out,
                            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{c}" fill-opacity="0.12" stroke="{c}" stroke-opacity="0.6"/>"#,
                            Px(mx - half),
                            Px(y3),
                            Px(2.0 * half),
                            Px(y1 - y3)
                        );
                        let _ = write!(out, r##"<g stroke="#222" stroke-width="2">"##);
                        hline(out, mx - half, mx + half, y2);
                        out.push_str("</g>");
                    }
                }
                let dots: Vec<_> = placeable
                    .iter()
                    .enumerate()
                    .filter_map(|(i, &v)| Some((mx + jitter(i) * 0.5 * sub, layout.py(v)?)))
                    .collect();
                circles(
                    out,
                    &dots,
                    2.6,
                    &format!(r#"fill="{c}" fill-opacity="0.7""#),
                );
            }
            Mark::HLine { y, label } => {
                let Some(py) = layout.py(*y) else {
                    return;
                };
                let f = layout.frame;
                let _ = write!(out, r##"<g stroke="#777" stroke-dasharray="5 4">"##);
                hline(out, f.left, f.right, py);
                out.push_str("</g>");
                if !label.is_empty() {
                    let _ = write!(
                        out,
                        r##"<text x="{}" y="{}" text-anchor="end" font-size="10" fill="#555">{}</text>"##,
                        Px(f.right - 4.0),
                        Px(py - 4.0),
                        escape(label)
                    );
                }
            }
        }
    }
}

/// The pixel position and label of each major tick the layout can place.
fn placed(axis: &Axis, to_px: impl Fn(f64) -> Option<f64>) -> Vec<(f64, &Label)> {
    axis.major
        .iter()
        .filter_map(|(v, l)| Some((to_px(*v)?, l)))
        .collect()
}

/// The maximal runs of consecutive points that both scales can place; a line breaks between
/// runs instead of jumping over the missing points.
fn runs(layout: &Layout, points: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for &p in points {
        match layout.point(p) {
            Some(px) => runs.last_mut().expect("never empty").push(px),
            None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
            None => {}
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

fn write_label(out: &mut String, label: &Label) {
    match label {
        Label::Plain(s) => out.push_str(&escape(s)),
        Label::Power(k) => {
            let k = k.to_string().replace('-', "\u{2212}");
            let _ = write!(out, r#"10<tspan dy="-5" font-size="8">{k}</tspan>"#);
        }
    }
}

fn hline(out: &mut String, x1: f64, x2: f64, y: f64) {
    let _ = write!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
        Px(x1),
        Px(y),
        Px(x2),
        Px(y)
    );
}

fn vline(out: &mut String, x: f64, y1: f64, y2: f64) {
    let _ = write!(
        out,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
        Px(x),
        Px(y1),
        Px(x),
        Px(y2)
    );
}

fn polyline(out: &mut String, points: &[(f64, f64)]) {
    out.push_str(r#"<polyline points=""#);
    for (i, (x, y)) in points.iter().enumerate() {
        let sep = if i == 0 { "" } else { " " };
        let _ = write!(out, "{sep}{},{}", Px(*x), Px(*y));
    }
    out.push_str(r#""/>"#);
}

fn circles(out: &mut String, points: &[(f64, f64)], r: f64, attrs: &str) {
    if points.is_empty() {
        return;
    }
    let _ = write!(out, "<g {attrs}>");
    for (x, y) in points {
        let _ = write!(
            out,
            r#"<circle cx="{}" cy="{}" r="{}"/>"#,
            Px(*x),
            Px(*y),
            Px(r)
        );
    }
    out.push_str("</g>");
}

fn start_marker(out: &mut String, (x, y): (f64, f64), colour: &str) {
    let _ = write!(
        out,
        r##"<rect x="{}" y="{}" width="8" height="8" fill="#fff" stroke="{colour}" stroke-width="1.8"/>"##,
        Px(x - 4.0),
        Px(y - 4.0)
    );
}

fn end_marker(out: &mut String, (x, y): (f64, f64), colour: &str) {
    let _ = write!(
        out,
        r##"<circle cx="{}" cy="{}" r="4.8" fill="{colour}" stroke="#222" stroke-width="1.3"/>"##,
        Px(x),
        Px(y)
    );
}

fn write_legend(out: &mut String, layout: &Layout, rect: Rect) {
    let _ = write!(
        out,
        r##"<g><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#fff" fill-opacity="0.9" stroke="#ccc"/>"##,
        Px(rect.left),
        Px(rect.top),
        Px(rect.right - rect.left),
        Px(rect.bottom - rect.top)
    );
    for (i, entry) in layout.entries.iter().enumerate() {
        let cy = rect.top + 4.0 + (i as f64 + 0.5) * ROW_HEIGHT;
        let (x0, x1) = (rect.left + 8.0, rect.left + 30.0);
        let mid = ((x0 + x1) / 2.0, cy);
        match &entry.swatch {
            Swatch::Line {
                colour,
                dashed,
                markers,
            } => {
                let c = colour.hex();
                let dash = if *dashed {
                    r#" stroke-dasharray="6 4""#
                } else {
                    ""
                };
                let _ = write!(out, r#"<g stroke="{c}" stroke-width="1.8"{dash}>"#);
                hline(out, x0, x1, cy);
                out.push_str("</g>");
                if *markers {
                    circles(out, &[mid], 2.6, &format!(r#"fill="{c}""#));
                }
            }
            Swatch::Dot(colour) => {
                circles(out, &[mid], 3.5, &format!(r#"fill="{}""#, colour.hex()))
            }
            Swatch::PathStart => start_marker(out, mid, "#555"),
            Swatch::PathEnd => end_marker(out, mid, "#999"),
        }
        let _ = write!(
            out,
            r##"<text x="{}" y="{}" fill="#222">{}</text>"##,
            Px(x1 + 6.0),
            Px(cy + 4.0),
            escape(&entry.label)
        );
    }
    out.push_str("</g>");
}
