//! Properties of rendered figures, checked on the SVG text without an XML parser.

use super::*;

/// Balanced open/close counts of the container elements, and nothing non-finite.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    assert_eq!(svg.matches("<svg").count(), svg.matches("</svg>").count());
    let open_g = svg.matches("<g>").count() + svg.matches("<g ").count();
    assert_eq!(open_g, svg.matches("</g>").count());
    assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());
    for bad in ["NaN", "inf", "Inf"] {
        assert!(!svg.contains(bad), "{bad} in {svg}");
    }
}

#[test]
fn log_log_lines_with_a_bound() {
    let sigma: Vec<f64> = (0..30).map(|i| 10f64.powf(-3.0 + i as f64 * 0.2)).collect();
    let delta: Vec<f64> = sigma.iter().map(|s| (-1.0 / s).exp()).collect();
    let bound: Vec<f64> = sigma.iter().map(|s| 2.0 * (-0.5 / s).exp()).collect();
    let mut fig = Figure::new("δ(σ) <vs> σ & bound")
        .x_label("σ")
        .y_label("δ")
        .x_scale(Scale::Log10)
        .y_scale(Scale::Log10);
    fig.line("δ(σ)", &sigma, &delta, LineStyle::SOLID.with_markers());
    fig.line("bound", &sigma, &bound, LineStyle::DASHED);
    let svg = fig.to_svg();
    assert_well_formed(&svg);
    assert!(svg.contains("<title>δ(σ) &lt;vs&gt; σ &amp; bound</title>"));
    assert!(svg.contains(r#"stroke-dasharray="6 4""#));
    assert!(svg.contains("10<tspan"));
}

#[test]
fn log_axes_skip_non_positive_and_non_finite_values() {
    let mut fig = Figure::new("t").y_scale(Scale::Log10);
    let xs = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    fig.line(
        "a",
        &xs,
        &[1.0, 0.0, -2.0, f64::NAN, 10.0, f64::INFINITY],
        LineStyle::SOLID,
    );
    let svg = fig.to_svg();
    assert_well_formed(&svg);
    // Only the first and fifth points can be drawn; each stands alone, so no polyline has two
    // points and both are drawn as dots.
    let polylines: Vec<&str> = svg.split("<polyline points=\"").skip(1).collect();
    assert!(polylines
        .iter()
        .all(|p| !p.split('"').next().unwrap().contains(' ')));
    assert_eq!(svg.matches("<circle").count(), 2);
}

#[test]
fn degenerate_data_still_renders() {
    let empty = Figure::new("").x_scale(Scale::Log10);
    assert_well_formed(&empty.to_svg());
    assert!(empty.to_svg().contains("no data"));

    let mut single = Figure::new("one point");
    single.line("p", &[3.0], &[3.0], LineStyle::SOLID);
    assert_well_formed(&single.to_svg());

    let mut constant = Figure::new("constant");
    constant.line("c", &[0.0, 1.0, 2.0], &[7.0; 3], LineStyle::SOLID);
    constant.hline(7.0, "seven");
    assert_well_formed(&constant.to_svg());

    let mut huge = Figure::new("huge").size(f64::NAN, 10.0);
    huge.scatter(
        &[-f64::MAX, f64::MAX],
        &[1e-300, 2e-300],
        None,
        f64::INFINITY,
        f64::NAN,
    );
    assert_well_formed(&huge.to_svg());
}

#[test]
fn scatter_with_paths() {
    let mut fig = Figure::new("paths").legend(Legend::Outside);
    let xs = [0.0, 0.1, 5.0, 5.2, 9.0];
    fig.scatter(
        &xs,
        &[0.0, 0.2, 5.0, 4.9, 1.0],
        Some(&[0, 0, 1, 1, 2]),
        3.0,
        0.4,
    );
    fig.path(&[4.0, 2.0, 0.1], &[3.0, 1.5, 0.1], Colour::Palette(0));
    fig.path(&[4.0], &[3.0], Colour::Palette(1));
    let svg = fig.to_svg();
    assert_well_formed(&svg);
    assert!(svg.contains(r#"fill-opacity="0.4""#));
    assert!(svg.contains(">start</text>") && svg.contains(">end</text>"));
    assert!(svg.contains(&Colour::Palette(2).hex()));
}

#[test]
fn strip_chart_compares_methods() {
    let mut fig = Figure::new("final distortion").y_label("inertia");
    for (category, shift) in [("blobs", 0.0), ("moons", 3.0)] {
        let lloyd: Vec<f64> = (0..20)
            .map(|i| shift + 1.0 + (i % 7) as f64 * 0.1)
            .collect();
        let rbf: Vec<f64> = (0..20)
            .map(|i| shift + 0.9 + (i % 3) as f64 * 0.05)
            .collect();
        fig.strip(category, "Lloyd", &lloyd)
            .strip(category, "annealed RBF", &rbf);
    }
    let svg = fig.to_svg();
    assert_well_formed(&svg);
    assert!(svg.contains(">blobs</text>") && svg.contains(">annealed RBF</text>"));
    assert_eq!(
        svg.matches("<rect").count(),
        2 + 4,
        "background, legend, one box per strip"
    );
}

#[test]
#[should_panic(expected = "Figure::line: xs has 2 values but ys has 1")]
fn mismatched_lengths_panic() {
    Figure::new("t").line("a", &[1.0, 2.0], &[1.0], LineStyle::SOLID);
}

#[test]
#[should_panic(expected = "cannot have strips")]
fn strips_do_not_mix_with_numeric_x() {
    let mut fig = Figure::new("t");
    fig.line("a", &[1.0], &[1.0], LineStyle::SOLID)
        .strip("c", "m", &[1.0]);
}
