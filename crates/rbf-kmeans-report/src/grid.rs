//! Small multiples: several figures side by side in one SVG.

use std::fmt::Write;

use crate::figure::Figure;
use crate::text::Px;

/// Lays `figures` out row by row, `columns` to a row, as one standalone `<svg>`; each cell is as
/// large as the largest figure, and each figure keeps its own axes and legend (give them equal
/// ranges with [`Figure::x_include`] / [`Figure::y_include`] to compare them by eye).
///
/// An empty slice gives an empty 0 × 0 `<svg>`.
///
/// # Panics
/// If `columns` is 0.
pub fn grid(figures: &[Figure], columns: usize) -> String {
    assert!(columns > 0, "grid: columns must be at least 1");
    let cell_w = figures.iter().map(Figure::width).fold(0.0, f64::max);
    let cell_h = figures.iter().map(Figure::height).fold(0.0, f64::max);
    let cols = columns.min(figures.len().max(1));
    let rows = figures.len().div_ceil(columns);
    let (w, h) = (cell_w * cols as f64, cell_h * rows as f64);

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#,
        w = Px(w),
        h = Px(h)
    );
    let titles: Vec<&str> = figures
        .iter()
        .map(Figure::title)
        .filter(|t| !t.is_empty())
        .collect();
    let _ = write!(
        out,
        "<title>{}</title>",
        crate::text::escape(&titles.join("; "))
    );
    for (i, fig) in figures.iter().enumerate() {
        let (row, col) = (i / columns, i % columns);
        fig.write_svg(&mut out, Some((col as f64 * cell_w, row as f64 * cell_h)));
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LineStyle;

    #[test]
    fn grid_places_every_panel() {
        let figures: Vec<Figure> = (0..5)
            .map(|i| {
                let mut f = Figure::new(&format!("panel {i}")).size(300.0, 200.0);
                f.line("s", &[1.0, 2.0], &[i as f64, 1.0], LineStyle::SOLID);
                f
            })
            .collect();
        let svg = grid(&figures, 2);
        assert!(
            svg.starts_with(r#"<svg xmlns="http://www.w3.org/2000/svg" width="600" height="600""#)
        );
        assert_eq!(svg.matches("<svg").count(), 6);
        assert_eq!(svg.matches("</svg>").count(), 6);
        assert!(!svg.contains(r#"<svg x="300" y="400" "#));
        assert!(svg.contains(r#"<svg x="0" y="400" "#));
        assert!((0..5).all(|i| svg.contains(&format!("panel {i}"))));
        assert_eq!(grid(&[], 3).matches("<svg").count(), 1);
    }

    #[test]
    #[should_panic(expected = "grid: columns must be at least 1")]
    fn zero_columns_panics() {
        grid(&[], 0);
    }
}
