//! One chart: its settings, the marks drawn on it, and its rendering to SVG.

mod layout;
mod marks;
mod render;
#[cfg(test)]
mod tests;

use crate::axis::Scale;
use crate::palette::Colour;

/// How a named line is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LineStyle {
    /// The stroke colour; `None` takes the figure's next palette colour.
    pub colour: Option<Colour>,
    /// Dashed instead of solid, e.g. for a theoretical bound.
    pub dashed: bool,
    /// A small dot at every point.
    pub markers: bool,
}

impl LineStyle {
    /// A solid line in the next palette colour, without markers.
    pub const SOLID: LineStyle = LineStyle {
        colour: None,
        dashed: false,
        markers: false,
    };
    /// A dashed line in the next palette colour, without markers.
    pub const DASHED: LineStyle = LineStyle {
        colour: None,
        dashed: true,
        markers: false,
    };

    /// The same style in colour `colour`.
    pub fn with_colour(self, colour: Colour) -> Self {
        LineStyle {
            colour: Some(colour),
            ..self
        }
    }

    /// The same style with a dot at every point.
    pub fn with_markers(self) -> Self {
        LineStyle {
            markers: true,
            ..self
        }
    }
}

/// Where a figure's legend goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Legend {
    /// The inside corner that covers the fewest drawn points, top right on ties.
    #[default]
    Auto,
    /// Inside the plot, top right.
    TopRight,
    /// Inside the plot, top left.
    TopLeft,
    /// Inside the plot, bottom right.
    BottomRight,
    /// Inside the plot, bottom left.
    BottomLeft,
    /// To the right of the plot; the figure keeps its size and the plot narrows.
    Outside,
    /// No legend.
    Hidden,
}

/// One SVG chart: a title, two axes, a legend and the marks drawn on them.
///
/// Settings are chained on [`Figure::new`]; marks are added with [`line`](Figure::line),
/// [`scatter`](Figure::scatter), [`path`](Figure::path), [`strip`](Figure::strip) and
/// [`hline`](Figure::hline), then [`to_svg`](Figure::to_svg) renders a standalone `<svg>`.
///
/// Each axis covers every drawable value of every mark. A point with a coordinate that its scale
/// cannot place (NaN, ±∞, or `≤ 0` on a [`Scale::Log10`] axis) is skipped; a line breaks there.
///
/// A figure either plots numbers on x (lines, scatters, paths) or categories on x (strips); it
/// cannot mix the two.
///
/// ```
/// use rbf_kmeans_report::{Figure, LineStyle, Scale};
///
/// let sigma = [0.01, 0.1, 1.0, 10.0];
/// let mut fig = Figure::new("δ(σ) against σ")
///     .x_label("σ")
///     .y_label("δ(σ)")
///     .x_scale(Scale::Log10)
///     .y_scale(Scale::Log10);
/// fig.line("softmax", &sigma, &[1e-6, 1e-3, 0.05, 0.4], LineStyle::SOLID.with_markers());
/// fig.line("bound", &sigma, &[1e-5, 1e-2, 0.2, 1.0], LineStyle::DASHED);
/// let svg = fig.to_svg();
/// assert!(svg.starts_with("<svg") && svg.contains("softmax"));
/// ```
#[derive(Clone, Debug)]
pub struct Figure {
    title: String,
    x_label: String,
    y_label: String,
    width: f64,
    height: f64,
    x_scale: Scale,
    y_scale: Scale,
    legend: Legend,
    x_include: Vec<f64>,
    y_include: Vec<f64>,
    marks: Vec<marks::Mark>,
    next_colour: usize,
    categories: Vec<String>,
    methods: Vec<String>,
}

impl Figure {
    /// An empty 560 × 380 px figure with linear axes and an automatically placed legend.
    pub fn new(title: &str) -> Self {
        Figure {
            title: title.to_string(),
            x_label: String::new(),
            y_label: String::new(),
            width: 560.0,
            height: 380.0,
            x_scale: Scale::Linear,
            y_scale: Scale::Linear,
            legend: Legend::Auto,
            x_include: Vec::new(),
            y_include: Vec::new(),
            marks: Vec::new(),
            next_colour: 0,
            categories: Vec::new(),
            methods: Vec::new(),
        }
    }

    /// Sets the size in pixels (at least 120 × 90).
    pub fn size(mut self, width: f64, height: f64) -> Self {
        self.width = if width.is_finite() {
            width.max(120.0)
        } else {
            560.0
        };
        self.height = if height.is_finite() {
            height.max(90.0)
        } else {
            380.0
        };
        self
    }

    /// Sets the label under the x axis.
    pub fn x_label(mut self, label: &str) -> Self {
        self.x_label = label.to_string();
        self
    }

    /// Sets the label beside the y axis.
    pub fn y_label(mut self, label: &str) -> Self {
        self.y_label = label.to_string();
        self
    }

    /// Sets the x scale.
    pub fn x_scale(mut self, scale: Scale) -> Self {
        self.x_scale = scale;
        self
    }

    /// Sets the y scale.
    pub fn y_scale(mut self, scale: Scale) -> Self {
        self.y_scale = scale;
        self
    }

    /// Sets where the legend goes.
    pub fn legend(mut self, legend: Legend) -> Self {
        self.legend = legend;
        self
    }

    /// Makes the x axis cover at least `[lo, hi]` (it still covers all data); give every panel
    /// of a grid the same range to compare them by eye.
    pub fn x_include(mut self, lo: f64, hi: f64) -> Self {
        self.x_include.extend([lo, hi]);
        self
    }

    /// Makes the y axis cover at least `[lo, hi]`, as [`x_include`](Figure::x_include).
    pub fn y_include(mut self, lo: f64, hi: f64) -> Self {
        self.y_include.extend([lo, hi]);
        self
    }

    /// The width in pixels.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// The height in pixels.
    pub fn height(&self) -> f64 {
        self.height
    }

    /// The title.
    pub fn title(&self) -> &str {
        &self.title
    }

    /// Adds a line through the points `(xs[i], ys[i])` in the given order, listed in the legend
    /// as `name` (an empty name stays out of the legend).
    ///
    /// # Panics
    /// If `xs` and `ys` differ in length, or if the figure has strips.
    pub fn line(&mut self, name: &str, xs: &[f64], ys: &[f64], style: LineStyle) -> &mut Self {
        self.check_numeric_x("line", xs, ys);
        let colour = style.colour.unwrap_or_else(|| self.take_colour());
        let points = zip(xs, ys);
        self.marks.push(marks::Mark::Line {
            name: name.to_string(),
            points,
            colour,
            dashed: style.dashed,
            markers: style.markers,
        });
        self
    }

    /// Adds points `(xs[i], ys[i])` of radius `radius` px and fill opacity `opacity` (clamped to
    /// `[0, 1]`), coloured by `groups[i]` as `Colour::Palette(groups[i])` (cluster `k` gets the
    /// same colour as [`path`](Figure::path)s drawn with `Colour::Palette(k)`), or grey without
    /// groups. Scatters stay out of the legend.
    ///
    /// # Panics
    /// If `xs`, `ys` and `groups` differ in length, or if the figure has strips.
    pub fn scatter(
        &mut self,
        xs: &[f64],
        ys: &[f64],
        groups: Option<&[usize]>,
        radius: f64,
        opacity: f64,
    ) -> &mut Self {
        self.check_numeric_x("scatter", xs, ys);
        if let Some(g) = groups {
            assert_eq!(
                g.len(),
                xs.len(),
                "Figure::scatter: groups has {} values but xs has {}",
                g.len(),
                xs.len()
            );
        }
        self.marks.push(marks::Mark::Scatter {
            points: zip(xs, ys),
            groups: groups.map(<[usize]>::to_vec),
            radius: if radius.is_finite() {
                radius.clamp(0.2, 50.0)
            } else {
                2.0
            },
            opacity: if opacity.is_finite() {
                opacity.clamp(0.0, 1.0)
            } else {
                1.0
            },
        });
        self
    }

    /// Adds the trajectory of one point, e.g. a center as the temperature falls: a line through
    /// `(xs[i], ys[i])` with a small dot at each step, a hollow square at the start and a large
    /// dot at the end. The legend explains the two end markers once.
    ///
    /// # Panics
    /// If `xs` and `ys` differ in length, or if the figure has strips.
    pub fn path(&mut self, xs: &[f64], ys: &[f64], colour: Colour) -> &mut Self {
        self.check_numeric_x("path", xs, ys);
        self.marks.push(marks::Mark::Path {
            points: zip(xs, ys),
            colour,
        });
        self
    }

    /// Adds the values of one method in one category of a strip chart: categories along x in
    /// order of first appearance, methods side by side within each category (each method keeps
    /// one palette colour and one legend entry), every value a dot, the median a bold tick and
    /// the interquartile range a light box. Use it to compare, e.g., final distortions of two
    /// methods over many seeds.
    ///
    /// # Panics
    /// If the figure has lines, scatters or paths.
    pub fn strip(&mut self, category: &str, method: &str, values: &[f64]) -> &mut Self {
        assert!(
            !self.marks.iter().any(marks::Mark::uses_numeric_x),
            "Figure::strip: a figure with numeric x (line, scatter, path) cannot have strips"
        );
        let category = position_or_push(&mut self.categories, category);
        let method = position_or_push(&mut self.methods, method);
        self.marks.push(marks::Mark::Strip {
            category,
            method,
            values: values.to_vec(),
        });
        self
    }

    /// Adds a dashed grey horizontal reference line at `y`, labelled `label` at its right end.
    pub fn hline(&mut self, y: f64, label: &str) -> &mut Self {
        self.marks.push(marks::Mark::HLine {
            y,
            label: label.to_string(),
        });
        self
    }

    fn take_colour(&mut self) -> Colour {
        self.next_colour += 1;
        Colour::Palette(self.next_colour - 1)
    }

    fn check_numeric_x(&self, what: &str, xs: &[f64], ys: &[f64]) {
        assert_eq!(
            xs.len(),
            ys.len(),
            "Figure::{what}: xs has {} values but ys has {}",
            xs.len(),
            ys.len()
        );
        assert!(
            self.categories.is_empty(),
            "Figure::{what}: a figure with strips has categories on x and cannot take a {what}"
        );
    }
}

fn zip(xs: &[f64], ys: &[f64]) -> Vec<(f64, f64)> {
    xs.iter().copied().zip(ys.iter().copied()).collect()
}

fn position_or_push(names: &mut Vec<String>, name: &str) -> usize {
    names.iter().position(|n| n == name).unwrap_or_else(|| {
        names.push(name.to_string());
        names.len() - 1
    })
}
