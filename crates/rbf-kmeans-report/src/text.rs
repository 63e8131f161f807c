//! Escaping and number formatting shared by the SVG, HTML, Markdown and CSV writers.

use std::fmt;

/// Escapes `s` for XML and HTML text and attribute values (`&`, `<`, `>`, `"`, `'`).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A pixel coordinate written with at most two decimals and no trailing zeros.
///
/// A non-finite value is written as `0`: the renderer filters those out before they get here, and
/// a stray one must never put `NaN` into an SVG file.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Px(pub f64);

impl fmt::Display for Px {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        debug_assert!(self.0.is_finite(), "non-finite pixel coordinate {}", self.0);
        let rounded = if self.0.is_finite() {
            (self.0 * 100.0).round() / 100.0
        } else {
            0.0
        };
        if rounded == 0.0 {
            return f.write_str("0");
        }
        let s = format!("{rounded:.2}");
        f.write_str(s.trim_end_matches('0').trim_end_matches('.'))
    }
}

/// Replaces an ASCII hyphen-minus sign with the typographic minus `−` (U+2212).
pub(crate) fn typographic_minus(s: String) -> String {
    match s.strip_prefix('-') {
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// A float for humans: `digits` decimals, or scientific notation with `digits` decimals when the
/// magnitude is at least `1e6` or would round to zero.
pub(crate) fn float_fixed(v: f64, digits: usize) -> String {
    if !v.is_finite() {
        return float_exact(v);
    }
    let a = v.abs();
    let tiny = a != 0.0 && a < 0.5 * 10f64.powi(-(digits.min(300) as i32));
    if a >= 1e6 || tiny {
        format!("{v:.digits$e}")
    } else {
        let s = format!("{v:.digits$}");
        // `-0.00` reads as a sign error; a value that rounds to zero is zero.
        if s.starts_with('-') && s[1..].chars().all(|c| c == '0' || c == '.') {
            s[1..].to_string()
        } else {
            s
        }
    }
}

/// A float for machines: the shortest decimal that parses back to the same `f64` bits.
///
/// Plain notation (Rust `{}`) for magnitudes in `[1e-5, 1e16)` and zero, `{:e}` outside, so that
/// `1e300` is not written with three hundred digits; both forms round-trip. Non-finite values are
/// written `NaN`, `inf` and `-inf`, which Rust, NumPy and pandas all parse.
pub(crate) fn float_exact(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    let a = v.abs();
    if a == 0.0 || (1e-5..1e16).contains(&a) || a.is_infinite() {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// A file-name-safe slug: lower-case ASCII letters and digits separated by single hyphens.
///
/// Returns `fallback` when nothing usable is left.
pub(crate) fn slug(s: &str, fallback: &str) -> String {
    let mut out = String::new();
    let mut pending_hyphen = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !out.is_empty() {
                out.push('-');
            }
            pending_hyphen = false;
            out.push(c.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    out.truncate(60);
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        fallback.to_string()
    } else {
        out
    }
}

/// Makes `base` unique among `taken` by appending `-2`, `-3`, … and records the result.
pub(crate) fn unique(base: String, taken: &mut Vec<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape(r#"a<b & "c" 'd'>"#),
            "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;"
        );
    }

    #[test]
    fn px_is_compact() {
        assert_eq!(Px(1.0).to_string(), "1");
        assert_eq!(Px(1.5).to_string(), "1.5");
        assert_eq!(Px(1.234_567).to_string(), "1.23");
        assert_eq!(Px(-0.001).to_string(), "0");
        assert_eq!(Px(120.0).to_string(), "120");
    }

    #[test]
    fn float_fixed_switches_to_scientific_at_extremes() {
        assert_eq!(float_fixed(1.23456, 3), "1.235");
        assert_eq!(float_fixed(-0.0001, 2), "-1.00e-4");
        assert_eq!(float_fixed(-0.004, 2), "-4.00e-3");
        assert_eq!(float_fixed(-0.006, 2), "-0.01");
        assert_eq!(float_fixed(2.5e7, 1), "2.5e7");
        assert_eq!(float_fixed(0.0, 2), "0.00");
        assert_eq!(float_fixed(f64::NAN, 2), "NaN");
    }

    #[test]
    fn float_exact_round_trips() {
        for v in [
            0.1,
            1.0 / 3.0,
            1e-300,
            5e-324,
            1e300,
            -2.5e-7,
            123_456.789,
            f64::MAX,
            0.0,
        ] {
            let s = float_exact(v);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), v.to_bits(), "{s}");
        }
        assert_eq!(
            float_exact(f64::NEG_INFINITY).parse::<f64>().unwrap(),
            f64::NEG_INFINITY
        );
    }

    #[test]
    fn slugs_are_unique_and_safe() {
        let mut taken = Vec::new();
        assert_eq!(
            unique(slug("Final distortion (σ → 0)", "table"), &mut taken),
            "final-distortion-0"
        );
        assert_eq!(
            unique(slug("Final distortion: σ→0!", "table"), &mut taken),
            "final-distortion-0-2"
        );
        assert_eq!(unique(slug("   ", "table"), &mut taken), "table");
    }
}
