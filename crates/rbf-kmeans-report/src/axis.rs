//! Axis scales, their data ranges and their ticks.
//!
//! A linear axis is widened to whole multiples of a "nice" step (1, 2 or 5 times a power of ten)
//! and ticked at each multiple. A log axis works on `log10` of the data: it is padded by 4% on
//! each side, ticked at the decades it contains (every `m`-th decade when there are many), with
//! minor ticks at 2…9 times each decade; when fewer than two decades fall inside, it is widened
//! to whole decades so that the reader always sees at least two labelled ticks.

use crate::text::typographic_minus;

/// How an axis maps data values to positions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scale {
    /// Position proportional to the value.
    #[default]
    Linear,
    /// Position proportional to `log10` of the value; values `≤ 0` cannot be drawn and are
    /// skipped.
    Log10,
}

impl Scale {
    /// Whether `v` can be placed on this scale: finite, and positive on a log scale.
    pub(crate) fn admits(self, v: f64) -> bool {
        v.is_finite() && (self == Scale::Linear || v > 0.0)
    }

    fn transform(self, v: f64) -> f64 {
        match self {
            Scale::Linear => v,
            Scale::Log10 => v.log10(),
        }
    }
}

/// The text of a major tick.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Label {
    /// Written as is.
    Plain(String),
    /// `10` with the exponent as a superscript.
    Power(i32),
}

impl Label {
    /// A rough width in characters, used to size the margins.
    pub(crate) fn width_chars(&self) -> f64 {
        match self {
            Label::Plain(s) => s.chars().count() as f64,
            Label::Power(k) => 2.0 + 0.75 * k.to_string().chars().count() as f64,
        }
    }
}

/// An axis fitted to data: its domain (in transformed units: the value, or its `log10`) and its
/// ticks (in data units).
#[derive(Clone, Debug)]
pub(crate) struct Axis {
    scale: Scale,
    lo: f64,
    hi: f64,
    /// Labelled ticks, increasing.
    pub(crate) major: Vec<(f64, Label)>,
    /// Unlabelled ticks (log axes only).
    pub(crate) minor: Vec<f64>,
}

/// Upper bound on generated ticks, a guard against degenerate floating-point ranges.
const MAX_TICKS: usize = 60;

impl Axis {
    /// Fits an axis to the values admitted by `scale` (others are ignored) with about
    /// `target_ticks` labelled ticks.
    pub(crate) fn fit(
        scale: Scale,
        values: impl IntoIterator<Item = f64>,
        target_ticks: usize,
    ) -> Self {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter(|&v| scale.admits(v)) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        let target = target_ticks.max(2) as f64;
        match scale {
            Scale::Linear if lo > hi => linear(0.0, 1.0, target),
            Scale::Log10 if lo > hi => log(1.0, 10.0, target),
            Scale::Linear => linear(lo, hi, target),
            Scale::Log10 => log(lo, hi, target),
        }
    }

    /// The position of `v` as a fraction of the axis length (0 at the low end, 1 at the high
    /// end), or `None` when the scale cannot place it.
    pub(crate) fn fraction(&self, v: f64) -> Option<f64> {
        if !self.scale.admits(v) {
            return None;
        }
        // Halving each term keeps the differences finite for data near ±f64::MAX.
        let t = self.scale.transform(v);
        let f = (t / 2.0 - self.lo / 2.0) / (self.hi / 2.0 - self.lo / 2.0);
        f.is_finite().then_some(f)
    }
}

fn linear(lo: f64, hi: f64, target: f64) -> Axis {
    let (lo, hi) = pad_constant(lo, hi);

    // Halving before subtracting keeps the span finite for data near ±f64::MAX.
    let half_span = hi / 2.0 - lo / 2.0;
    let step = if (2.0 * half_span).is_finite() {
        nice_step(2.0 * half_span, target)
    } else {
        2.0 * nice_step(half_span, target)
    };

    // Pad by 3% of the span and tick the step multiples inside; if fewer than two fall inside,
    // widen to the enclosing multiples instead.
    let finite_or = |v: f64, fallback: f64| if v.is_finite() { v } else { fallback };
    let (mut dlo, mut dhi) = (
        finite_or(lo - 0.06 * half_span, lo),
        finite_or(hi + 0.06 * half_span, hi),
    );
    let mut major = multiples(dlo, dhi, step);
    if major.len() < 2 {
        dlo = finite_or((lo / step).floor() * step, lo);
        dhi = finite_or((hi / step).ceil() * step, hi);
        major = multiples(dlo, dhi, step);
    }

    let big = major.iter().fold(0.0, |m: f64, v| m.max(v.abs()));
    let major = major
        .into_iter()
        .map(|v| (v, Label::Plain(linear_label(v, step, big))))
        .collect();
    Axis {
        scale: Scale::Linear,
        lo: dlo,
        hi: dhi,
        major,
        minor: Vec::new(),
    }
}

/// The multiples of `step` in `[lo, hi]` (with a tolerance of a billionth of a step for
/// rounding), increasing, at most [`MAX_TICKS`].
fn multiples(lo: f64, hi: f64, step: f64) -> Vec<f64> {
    // Near ±f64::MAX the slack itself can overflow the bound; then the bound is used as it is.
    let slack = 1e-9 * step;
    let widen = |v: f64, by: f64| if (v + by).is_finite() { v + by } else { v };
    let first = (widen(lo, -slack) / step).ceil();
    let last = (widen(hi, slack) / step).floor();
    let mut out: Vec<f64> = Vec::new();
    if !(first.is_finite() && last.is_finite()) {
        return out;
    }
    // Counting iterations, not testing `i ≤ last`, ends the loop even where `i + 1 == i`.
    let mut i = first;
    for _ in 0..MAX_TICKS {
        if i > last {
            break;
        }
        // `+ 0.0` turns `-0.0` into `0.0`.
        let v = i * step + 0.0;
        if v.is_finite() && out.last().is_none_or(|&p| p < v) {
            out.push(v);
        }
        i += 1.0;
    }
    out
}

/// Widens a zero or nearly zero range around its centre: by 10% of the value, or by 1 at zero.
fn pad_constant(lo: f64, hi: f64) -> (f64, f64) {
    let centre = lo / 2.0 + hi / 2.0;
    if hi - lo > centre.abs() * 1e-12 {
        return (lo, hi);
    }
    let d = if centre == 0.0 {
        1.0
    } else {
        centre.abs() * 0.1
    };
    (centre - d, centre + d)
}

/// The smallest of 1, 2, 5 or 10 times a power of ten that is at least `span / target`.
fn nice_step(span: f64, target: f64) -> f64 {
    let raw = span / target;
    let magnitude = 10f64.powf(raw.log10().floor());
    let normalised = raw / magnitude;
    let nice = if normalised <= 1.0 {
        1.0
    } else if normalised <= 2.0 {
        2.0
    } else if normalised <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The label of a linear tick: as many decimals as the step needs, or, when the axis reaches
/// `1e6` or stays below `1e-3`, a mantissa times the power of ten of the largest tick, shared by
/// all ticks of the axis (`0.5e12`, `1.0e12`, …).
fn linear_label(v: f64, step: f64, big: f64) -> String {
    if v == 0.0 {
        return "0".to_string();
    }
    let step_exp = decimal_exponent(step);
    let s = if !(1e-3..1e6).contains(&big) {
        let exp = decimal_exponent(big);
        let decimals = (exp - step_exp).clamp(0, 6) as usize;
        format!("{:.decimals$}e{exp}", v / 10f64.powi(exp))
    } else {
        let decimals = (-step_exp).clamp(0, 12) as usize;
        format!("{v:.decimals$}")
    };
    typographic_minus(s)
}

/// `floor(log10(|v|))`, robust to `v` being a hair below a power of ten (`2.0 * 5e-10`).
fn decimal_exponent(v: f64) -> i32 {
    (v.abs().log10() + 1e-9).floor() as i32
}

fn log(lo: f64, hi: f64, target: f64) -> Axis {
    let (mut elo, mut ehi) = (lo.log10(), hi.log10());
    if ehi - elo < 1e-9 {
        elo -= 0.5;
        ehi += 0.5;
    }
    let pad = 0.04 * (ehi - elo);
    elo -= pad;
    ehi += pad;

    let mut decades = decades_within(elo, ehi, target);
    if decades.len() < 2 {
        elo = elo.floor();
        ehi = ehi.ceil().max(elo + 1.0);
        decades = decades_within(elo, ehi, target);
    }
    let step = match decades.as_slice() {
        [a, b, ..] => b - a,
        _ => 1,
    };

    let mut minor = Vec::new();
    if step == 1 && decades.len() <= 12 {
        let mut k = elo.floor() as i32;
        while k as f64 <= ehi && minor.len() < MAX_TICKS * 4 {
            for m in 2..=9 {
                let e = (m as f64).log10() + k as f64;
                if e >= elo && e <= ehi {
                    minor.push(m as f64 * 10f64.powi(k));
                }
            }
            k += 1;
        }
    }
    let major = decades
        .into_iter()
        .map(|k| (10f64.powi(k), Label::Power(k)))
        .collect();
    Axis {
        scale: Scale::Log10,
        lo: elo,
        hi: ehi,
        major,
        minor,
    }
}

/// The decades `k` with `elo ≤ k ≤ ehi`, thinned to every `m`-th (`m` from 1, 2, 3, 5, 10, …) so
/// that there are at most about `target + 2`.
fn decades_within(elo: f64, ehi: f64, target: f64) -> Vec<i32> {
    let (first, last) = (elo.ceil() as i32, ehi.floor() as i32);
    let count = (last - first + 1).max(0) as f64;
    let step = [1, 2, 3, 5, 10, 20, 25, 50, 100]
        .into_iter()
        .find(|&m| count / m as f64 <= target + 2.0)
        .unwrap_or(100);
    (first..=last).filter(|k| k.rem_euclid(step) == 0).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(axis: &Axis) -> Vec<f64> {
        axis.major.iter().map(|(v, _)| *v).collect()
    }

    fn labels(axis: &Axis) -> Vec<String> {
        axis.major
            .iter()
            .map(|(_, l)| match l {
                Label::Plain(s) => s.clone(),
                Label::Power(k) => format!("10^{k}"),
            })
            .collect()
    }

    #[test]
    fn linear_ticks_are_nice_and_cover_the_data() {
        let axis = Axis::fit(Scale::Linear, [0.13, 0.87], 5);
        assert_eq!(values(&axis), [0.2, 0.4, 0.6000000000000001, 0.8]);
        assert_eq!(labels(&axis), ["0.2", "0.4", "0.6", "0.8"]);
        let inside = |v: f64| axis.fraction(v).is_some_and(|f| f > 0.0 && f < 1.0);
        assert!(inside(0.13) && inside(0.87) && inside(0.2) && inside(0.8));

        // Too few multiples inside the padded range: widen to the enclosing ones.
        let narrow = Axis::fit(Scale::Linear, [0.31, 0.39], 2);
        assert_eq!(labels(&narrow), ["0.30", "0.35", "0.40"]);
    }

    #[test]
    fn linear_ticks_with_negative_range() {
        let axis = Axis::fit(Scale::Linear, [-37.0, 12.0], 5);
        assert_eq!(labels(&axis), ["−30", "−20", "−10", "0", "10"]);
    }

    #[test]
    fn linear_ticks_tiny_and_huge() {
        let tiny = Axis::fit(Scale::Linear, [1e-9, 3.2e-9], 5);
        assert_eq!(
            labels(&tiny),
            ["1.0e-9", "1.5e-9", "2.0e-9", "2.5e-9", "3.0e-9"]
        );
        let huge = Axis::fit(Scale::Linear, [0.0, 2.4e12], 5);
        assert_eq!(labels(&huge), ["0", "0.5e12", "1.0e12", "1.5e12", "2.0e12"]);
        let extreme = Axis::fit(Scale::Linear, [-f64::MAX, f64::MAX], 5);
        assert!(extreme.major.len() >= 2);
        assert!(extreme
            .fraction(0.0)
            .is_some_and(|f| (0.0..=1.0).contains(&f)));
    }

    #[test]
    fn equal_min_and_max_are_padded() {
        let axis = Axis::fit(Scale::Linear, [5.0, 5.0], 5);
        assert!(axis.fraction(5.0).is_some_and(|f| (f - 0.5).abs() < 1e-12));
        assert!(axis.major.len() >= 3);
        let zero = Axis::fit(Scale::Linear, [0.0], 5);
        assert_eq!(labels(&zero), ["−1.0", "−0.5", "0", "0.5", "1.0"]);
        let log = Axis::fit(Scale::Log10, [3.0, 3.0], 5);
        assert_eq!(labels(&log), ["10^0", "10^1"]);
        assert!(Axis::fit(Scale::Linear, [], 5).major.len() >= 2);
        assert!(Axis::fit(Scale::Log10, [f64::NAN, -1.0], 5).major.len() >= 2);
    }

    #[test]
    fn log_ticks_are_decades() {
        let axis = Axis::fit(Scale::Log10, [0.002, 300.0, -5.0, 0.0], 6);
        assert_eq!(labels(&axis), ["10^-2", "10^-1", "10^0", "10^1", "10^2"]);
        let has = |m: f64| axis.minor.iter().any(|&x| (x / m - 1.0).abs() < 1e-12);
        assert!(has(0.003) && has(200.0) && !has(0.001));
        assert!(axis
            .minor
            .iter()
            .all(|&m| axis.fraction(m).is_some_and(|f| (0.0..=1.0).contains(&f))));
        assert_eq!(axis.fraction(-1.0), None);
        assert_eq!(axis.fraction(0.0), None);
    }

    #[test]
    fn many_decades_are_thinned() {
        let axis = Axis::fit(Scale::Log10, [1e-300, 1e300], 5);
        let ks: Vec<i32> = axis
            .major
            .iter()
            .map(|(_, l)| match l {
                Label::Power(k) => *k,
                Label::Plain(_) => unreachable!(),
            })
            .collect();
        assert!(ks.len() >= 2 && ks.len() <= 8, "{ks:?}");
        assert!(ks.windows(2).all(|w| w[1] - w[0] == ks[1] - ks[0]));
        assert!(axis.minor.is_empty());
    }

    #[test]
    fn mapping_is_monotone_and_inside() {
        for scale in [Scale::Linear, Scale::Log10] {
            let data = [0.013, 0.5, 2.0, 77.0, 1234.5];
            let axis = Axis::fit(scale, data, 5);
            let fractions: Vec<f64> = data.iter().map(|&v| axis.fraction(v).unwrap()).collect();
            assert!(
                fractions.windows(2).all(|w| w[0] < w[1]),
                "{scale:?}: {fractions:?}"
            );
            assert!(
                fractions.iter().all(|f| (0.0..=1.0).contains(f)),
                "{scale:?}"
            );
        }
    }
}
