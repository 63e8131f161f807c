//! The things drawn on a figure, and what the legend says about them.

use crate::palette::Colour;

/// One mark added to a figure, stored in data units.
#[derive(Clone, Debug)]
pub(super) enum Mark {
    Line {
        name: String,
        points: Vec<(f64, f64)>,
        colour: Colour,
        dashed: bool,
        markers: bool,
    },
    Scatter {
        points: Vec<(f64, f64)>,
        groups: Option<Vec<usize>>,
        radius: f64,
        opacity: f64,
    },
    Path {
        points: Vec<(f64, f64)>,
        colour: Colour,
    },
    Strip {
        category: usize,
        method: usize,
        values: Vec<f64>,
    },
    HLine {
        y: f64,
        label: String,
    },
}

impl Mark {
    /// Whether the mark has numbers on x (as opposed to a strip's categories, or none).
    pub(super) fn uses_numeric_x(&self) -> bool {
        matches!(
            self,
            Mark::Line { .. } | Mark::Scatter { .. } | Mark::Path { .. }
        )
    }

    /// The x values the axis must cover.
    pub(super) fn xs(&self) -> Vec<f64> {
        match self {
            Mark::Line { points, .. }
            | Mark::Scatter { points, .. }
            | Mark::Path { points, .. } => points.iter().map(|p| p.0).collect(),
            Mark::Strip { .. } | Mark::HLine { .. } => Vec::new(),
        }
    }

    /// The y values the axis must cover.
    pub(super) fn ys(&self) -> Vec<f64> {
        match self {
            Mark::Line { points, .. }
            | Mark::Scatter { points, .. }
            | Mark::Path { points, .. } => points.iter().map(|p| p.1).collect(),
            Mark::Strip { values, .. } => values.clone(),
            Mark::HLine { y, .. } => vec![*y],
        }
    }
}

/// The small drawing beside a legend label.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Swatch {
    Line {
        colour: Colour,
        dashed: bool,
        markers: bool,
    },
    Dot(Colour),
    PathStart,
    PathEnd,
}

/// One legend row.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Entry {
    pub(super) label: String,
    pub(super) swatch: Swatch,
}

/// The legend rows: named lines in order, then strip methods, then the path end markers.
pub(super) fn legend_entries(marks: &[Mark], methods: &[String]) -> Vec<Entry> {
    let mut entries: Vec<Entry> = marks
        .iter()
        .filter_map(|m| match m {
            Mark::Line {
                name,
                colour,
                dashed,
                markers,
                ..
            } if !name.is_empty() => Some(Entry {
                label: name.clone(),
                swatch: Swatch::Line {
                    colour: *colour,
                    dashed: *dashed,
                    markers: *markers,
                },
            }),
            _ => None,
        })
        .collect();
    entries.extend(methods.iter().enumerate().map(|(j, name)| Entry {
        label: name.clone(),
        swatch: Swatch::Dot(Colour::Palette(j)),
    }));
    if marks.iter().any(|m| matches!(m, Mark::Path { .. })) {
        entries.push(Entry {
            label: "start".to_string(),
            swatch: Swatch::PathStart,
        });
        entries.push(Entry {
            label: "end".to_string(),
            swatch: Swatch::PathEnd,
        });
    }
    entries
}

/// The median and quartiles of the finite values, by linear interpolation between order
/// statistics; `None` when there are none.
pub(super) fn quartiles(values: &[f64]) -> Option<[f64; 3]> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (v.len() - 1) as f64;
        let (i, frac) = (pos.floor() as usize, pos.fract());
        let next = v[(i + 1).min(v.len() - 1)];
        v[i] + frac * (next - v[i])
    };
    Some([at(0.25), at(0.5), at(0.75)])
}

/// A deterministic offset in `[-0.5, 0.5)` for the `i`-th dot of a strip, spread evenly by the
/// golden-ratio sequence so that dots with equal values stay apart.
pub(super) fn jitter(i: usize) -> f64 {
    (i as f64 * 0.618_033_988_749_895).fract() - 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quartiles_interpolate() {
        assert_eq!(quartiles(&[4.0, 1.0, 3.0, 2.0, 5.0]), Some([2.0, 3.0, 4.0]));
        assert_eq!(quartiles(&[1.0, 2.0]), Some([1.25, 1.5, 1.75]));
        assert_eq!(quartiles(&[f64::NAN]), None);
    }

    #[test]
    fn jitter_stays_in_range() {
        assert!((0..1000).map(jitter).all(|j| (-0.5..0.5).contains(&j)));
    }

    #[test]
    fn legend_lists_named_lines_methods_and_path_markers() {
        let marks = vec![
            Mark::Line {
                name: "a".into(),
                points: vec![],
                colour: Colour::Palette(0),
                dashed: false,
                markers: false,
            },
            Mark::Line {
                name: String::new(),
                points: vec![],
                colour: Colour::Palette(1),
                dashed: false,
                markers: false,
            },
            Mark::Path {
                points: vec![],
                colour: Colour::Palette(2),
            },
        ];
        let labels: Vec<String> = legend_entries(&marks, &["m".into()])
            .into_iter()
            .map(|e| e.label)
            .collect();
        assert_eq!(labels, ["a", "m", "start", "end"]);
    }
}
