//! Where everything goes: margins, axes fitted to the marks, the plot frame and the legend box.

use super::marks::{legend_entries, Entry, Mark};
use super::{Figure, Legend};
use crate::axis::Axis;

/// Approximate advance of one character of the 11 px sans-serif tick and legend font.
pub(super) const CHAR_WIDTH: f64 = 6.6;
/// Height of one legend row.
pub(super) const ROW_HEIGHT: f64 = 16.0;
/// Gap between the frame and the outermost data position, so marks never sit on the axes.
const INSET: f64 = 8.0;

/// A rectangle in pixels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rect {
    pub(super) left: f64,
    pub(super) top: f64,
    pub(super) right: f64,
    pub(super) bottom: f64,
}

impl Rect {
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.left && x <= self.right && y >= self.top && y <= self.bottom
    }
}

/// The resolved geometry of a figure.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    /// The plot frame; axes run along its left and bottom edges.
    pub(super) frame: Rect,
    /// The numeric x axis; `None` when x holds categories.
    pub(super) x: Option<Axis>,
    pub(super) y: Axis,
    pub(super) categories: usize,
    pub(super) entries: Vec<Entry>,
    pub(super) legend: Option<Rect>,
}

impl Layout {
    pub(super) fn new(fig: &Figure) -> Self {
        let top = if fig.title.is_empty() { 12.0 } else { 34.0 };
        let bottom = fig.height - if fig.x_label.is_empty() { 26.0 } else { 44.0 };
        let categorical = !fig.categories.is_empty();

        let ys = fig
            .marks
            .iter()
            .flat_map(Mark::ys)
            .chain(fig.y_include.iter().copied());
        let y = Axis::fit(
            fig.y_scale,
            ys,
            ((bottom - top) / 50.0).clamp(3.0, 8.0) as usize,
        );

        let y_label_chars = y
            .major
            .iter()
            .map(|(_, l)| l.width_chars())
            .fold(1.0, f64::max);
        let mut left = 12.0 + y_label_chars * CHAR_WIDTH;
        if !fig.y_label.is_empty() {
            left += 20.0;
        }

        let entries = legend_entries(&fig.marks, &fig.methods);
        let legend_size = (!entries.is_empty() && fig.legend != Legend::Hidden).then(|| {
            let chars = entries
                .iter()
                .map(|e| e.label.chars().count())
                .max()
                .unwrap_or(0);
            (
                44.0 + chars as f64 * CHAR_WIDTH,
                8.0 + entries.len() as f64 * ROW_HEIGHT,
            )
        });
        let mut right = fig.width - 18.0;
        if let (Some((w, _)), Legend::Outside) = (legend_size, fig.legend) {
            right = (right - w - 4.0).max(left + 40.0);
        }
        let frame = Rect {
            left,
            top,
            right,
            bottom,
        };

        let x = (!categorical).then(|| {
            let xs = fig
                .marks
                .iter()
                .flat_map(Mark::xs)
                .chain(fig.x_include.iter().copied());
            Axis::fit(
                fig.x_scale,
                xs,
                ((right - left) / 75.0).clamp(2.0, 9.0) as usize,
            )
        });

        let mut layout = Layout {
            frame,
            x,
            y,
            categories: fig.categories.len(),
            entries,
            legend: None,
        };
        layout.legend = legend_size.map(|(w, h)| layout.place_legend(fig, w, h));
        layout
    }

    /// The horizontal pixel of data value `x`, if the scale can place it.
    pub(super) fn px(&self, x: f64) -> Option<f64> {
        let f = self.x.as_ref()?.fraction(x)?;
        Some(self.frame.left + INSET + f * (self.frame.right - self.frame.left - 2.0 * INSET))
    }

    /// The vertical pixel of data value `y`, if the scale can place it.
    pub(super) fn py(&self, y: f64) -> Option<f64> {
        let f = self.y.fraction(y)?;
        Some(self.frame.bottom - INSET - f * (self.frame.bottom - self.frame.top - 2.0 * INSET))
    }

    /// The pixel of data point `(x, y)`, if both scales can place it.
    pub(super) fn point(&self, (x, y): (f64, f64)) -> Option<(f64, f64)> {
        Some((self.px(x)?, self.py(y)?))
    }

    /// The centre and width of category `i`'s band.
    pub(super) fn band(&self, i: usize) -> (f64, f64) {
        let width = (self.frame.right - self.frame.left - 2.0 * INSET) / self.categories as f64;
        (self.frame.left + INSET + (i as f64 + 0.5) * width, width)
    }

    fn place_legend(&self, fig: &Figure, w: f64, h: f64) -> Rect {
        let f = self.frame;
        let at = |left: f64, top: f64| Rect {
            left,
            top,
            right: left + w,
            bottom: top + h,
        };
        let top_right = at(f.right - w - 6.0, f.top + 6.0);
        let top_left = at(f.left + 6.0, f.top + 6.0);
        let bottom_right = at(f.right - w - 6.0, f.bottom - h - 6.0);
        let bottom_left = at(f.left + 6.0, f.bottom - h - 6.0);
        match fig.legend {
            Legend::TopRight | Legend::Hidden => top_right,
            Legend::TopLeft => top_left,
            Legend::BottomRight => bottom_right,
            Legend::BottomLeft => bottom_left,
            Legend::Outside => at(f.right + 8.0, f.top),
            Legend::Auto => {
                let points = self.sample_points(fig);
                let covered = |r: &Rect| points.iter().filter(|&&p| r.contains(p)).count();
                [top_right, top_left, bottom_right, bottom_left]
                    .into_iter()
                    .enumerate()
                    .min_by_key(|(i, r)| (covered(r), *i))
                    .map_or(top_right, |(_, r)| r)
            }
        }
    }

    /// Pixels the marks pass through: every point, plus points along each line segment.
    fn sample_points(&self, fig: &Figure) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for mark in &fig.marks {
            match mark {
                Mark::Line { points, .. } | Mark::Path { points, .. } => {
                    let px: Vec<_> = points.iter().filter_map(|&p| self.point(p)).collect();
                    out.extend(px.iter().copied());
                    for pair in px.windows(2) {
                        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
                        out.extend((1..8).map(|t| {
                            let t = t as f64 / 8.0;
                            (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                        }));
                    }
                }
                Mark::Scatter { points, .. } => {
                    out.extend(points.iter().filter_map(|&p| self.point(p)));
                }
                Mark::Strip {
                    category, values, ..
                } => {
                    let (cx, _) = self.band(*category);
                    out.extend(values.iter().filter_map(|&v| Some((cx, self.py(v)?))));
                }
                Mark::HLine { y, .. } => {
                    if let Some(py) = self.py(*y) {
                        let (l, r) = (self.frame.left, self.frame.right);
                        out.extend((0..=16).map(|t| (l + t as f64 / 16.0 * (r - l), py)));
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::axis::Scale;
    use crate::figure::LineStyle;

    #[test]
    fn data_maps_inside_the_frame() {
        let mut fig = Figure::new("t").x_scale(Scale::Log10);
        fig.line("a", &[0.1, 1.0, 100.0], &[-3.0, 0.0, 5.0], LineStyle::SOLID);
        let layout = Layout::new(&fig);
        let f = layout.frame;
        for p in [(0.1, -3.0), (1.0, 0.0), (100.0, 5.0)] {
            let (x, y) = layout.point(p).unwrap();
            assert!(
                x > f.left && x < f.right && y > f.top && y < f.bottom,
                "{p:?}"
            );
        }
        assert!(layout.px(0.1).unwrap() < layout.px(100.0).unwrap());
        assert!(
            layout.py(-3.0).unwrap() > layout.py(5.0).unwrap(),
            "y grows upwards"
        );
        assert_eq!(layout.px(0.0), None);
    }

    #[test]
    fn auto_legend_avoids_the_data() {
        let mut fig = Figure::new("t");
        let xs: Vec<f64> = (0..50).map(|i| i as f64).collect();
        fig.line("rising", &xs, &xs, LineStyle::SOLID);
        let layout = Layout::new(&fig);
        let legend = layout.legend.unwrap();
        let f = layout.frame;
        // A rising diagonal crosses the top-right and bottom-left corners; top left is free.
        assert!(legend.left < (f.left + f.right) / 2.0 && legend.top < (f.top + f.bottom) / 2.0);
    }
}
