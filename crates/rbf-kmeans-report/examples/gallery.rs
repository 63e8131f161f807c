//! Writes a sample report with every kind of figure into the directory given as the first
//! argument (default: `report-gallery` in the system temporary directory), plus each figure as
//! a standalone `.svg`, to look at the rendering.

use std::f64::consts::PI;
use std::path::PathBuf;

use rbf_kmeans_report::{grid, Colour, Figure, LineStyle, Report, Scale, Section, Table};

fn main() -> std::io::Result<()> {
    let dir = std::env::args_os().nth(1).map_or_else(
        || std::env::temp_dir().join("report-gallery"),
        PathBuf::from,
    );

    let sigma: Vec<f64> = (0..41).map(|i| 10f64.powf(-2.0 + i as f64 * 0.1)).collect();
    let mut bound_fig = Figure::new("Gap to the hard assignment")
        .x_label("temperature σ")
        .y_label("δ(σ)")
        .x_scale(Scale::Log10)
        .y_scale(Scale::Log10);
    let delta: Vec<f64> = sigma
        .iter()
        .map(|s| 0.8 * (-0.6 / s).exp() + 1e-9)
        .collect();
    let bound: Vec<f64> = sigma.iter().map(|s| (-0.4 / s).exp().max(1e-12)).collect();
    bound_fig.line(
        "measured δ(σ)",
        &sigma,
        &delta,
        LineStyle::SOLID.with_markers(),
    );
    bound_fig.line(
        "bound",
        &sigma,
        &bound,
        LineStyle::DASHED.with_colour(Colour::Rgb(0, 0, 0)),
    );
    bound_fig.hline(1e-6, "tolerance 10⁻⁶");

    let mut paths = Figure::new("Centers as σ falls")
        .x_label("x₁")
        .y_label("x₂")
        .size(520.0, 460.0);
    let centres = [(0.0, 0.0), (4.0, 1.0), (1.5, 4.0)];
    let (mut xs, mut ys, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..300 {
        let k = i % 3;
        let angle = i as f64 * 2.399;
        let r = ((i * 7919 % 101) as f64 / 101.0).sqrt() * 1.2;
        xs.push(centres[k].0 + r * angle.cos());
        ys.push(centres[k].1 + r * angle.sin());
        groups.push(k);
    }
    paths.scatter(&xs, &ys, Some(&groups), 2.6, 0.45);
    for (k, &(cx, cy)) in centres.iter().enumerate() {
        let t: Vec<f64> = (0..12).map(|j| j as f64 / 11.0).collect();
        let px: Vec<f64> = t
            .iter()
            .map(|t| 1.8 + (cx - 1.8) * t + 0.3 * (PI * t).sin())
            .collect();
        let py: Vec<f64> = t.iter().map(|t| 1.7 + (cy - 1.7) * t).collect();
        paths.path(&px, &py, Colour::Palette(k));
    }

    let panels: Vec<Figure> = ["Gaussian blobs", "anisotropic", "moons", "uniform"]
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let mut f = Figure::new(name)
                .size(360.0, 260.0)
                .x_label("σ")
                .x_scale(Scale::Log10)
                .y_scale(Scale::Log10)
                .y_include(1e-8, 1.0);
            for (j, map) in ["softmax", "entmax-1.5", "sparsemax"].iter().enumerate() {
                let ys: Vec<f64> = sigma
                    .iter()
                    .map(|s| (1.0 / (1.0 + j as f64)) * (-(0.3 + 0.1 * g as f64) / s).exp())
                    .collect();
                f.line(map, &sigma, &ys, LineStyle::SOLID);
            }
            f
        })
        .collect();

    let mut strips = Figure::new("Final distortion over 30 seeds").y_label("inertia");
    let mut table = Table::new("Final distortion", &["data", "method", "median", "best"]);
    for (c, data) in ["blobs", "moons", "uniform"].iter().enumerate() {
        for (m, method) in ["Lloyd + k-means++", "annealed RBF"].iter().enumerate() {
            let values: Vec<f64> = (0..30)
                .map(|s| {
                    10.0 + c as f64 * 4.0 - m as f64 * 0.8
                        + ((s * 37 % 17) as f64 / 17.0).powi(3) * (3.0 - 2.0 * m as f64)
                })
                .collect();
            strips.strip(data, method, &values);
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            table.push_row(vec![
                (*data).into(),
                (*method).into(),
                sorted[15].into(),
                sorted[0].into(),
            ]);
        }
    }

    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("bound.svg"), bound_fig.to_svg())?;
    std::fs::write(dir.join("paths.svg"), paths.to_svg())?;
    std::fs::write(dir.join("grid.svg"), grid(&panels, 2))?;
    std::fs::write(dir.join("strips.svg"), strips.to_svg())?;

    let mut section = Section::new("Annealing & the zero-temperature limit");
    section
        .paragraph("Synthetic curves, for checking the rendering only.")
        .figure(bound_fig, "δ(σ) stays under its bound <by construction>.")
        .figure(paths, "Centers start together and split as σ falls.")
        .grid(panels, 2, "One panel per geometry.");
    let mut compare = Section::new("Lloyd against annealing");
    compare
        .figure(strips, "Each dot is one seed; bold ticks are medians.")
        .table(table);
    let mut report = Report::new("rbf-kmeans report gallery");
    report.section(section).section(compare);
    for path in report.write_dir(&dir)? {
        println!("{}", path.display());
    }
    Ok(())
}
