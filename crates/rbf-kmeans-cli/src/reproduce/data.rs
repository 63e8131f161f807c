//! The raw measurements of every experiment as long-format tables, written to `data/*.csv`
//! beside the report. Every number of the headline and of the report's tables is a function of
//! these files; the end-to-end test recomputes the headline from them.

use rbf_kmeans_report::{Cell, Table};

use super::common::map_label;
use super::headline::Results;

/// File name and table of every raw data set, in a fixed order.
pub fn tables(r: &Results) -> Vec<(&'static str, Table)> {
    vec![
        ("collapse.csv", collapse(r)),
        ("gamma.csv", gamma(r)),
        ("certificates.csv", certificates(r)),
        ("trajectory.csv", trajectory(r)),
        ("steps.csv", steps(r)),
        ("stability.csv", stability(r)),
        ("benchmark.csv", benchmark(r)),
    ]
}

fn collapse(r: &Results) -> Table {
    let mut t = Table::new(
        "Annealing stages",
        &[
            "geometry",
            "map",
            "stage",
            "sigma",
            "sigma_critical",
            "scale",
            "delta",
            "hard_fraction",
            "n_distinct_centers",
        ],
    );
    for run in &r.collapse {
        for s in 0..run.sigmas.len() {
            t.push_row(vec![
                run.geometry.into(),
                map_label(run.map).into(),
                s.into(),
                run.sigmas[s].into(),
                run.sigma_critical.into(),
                run.scale.into(),
                run.deltas[s].into(),
                run.hard_fraction[s].into(),
                run.n_distinct[s].into(),
            ]);
        }
    }
    t
}

fn gamma(r: &Results) -> Table {
    let mut t = Table::new(
        "Gamma-convergence evaluations",
        &[
            "geometry",
            "centers",
            "map",
            "sigma",
            "sigma_rel",
            "total_weight",
            "distortion",
            "loss",
            "free_energy",
            "loss_bound",
            "free_energy_bound",
        ],
    );
    for g in &r.gamma {
        t.push_row(vec![
            g.geometry.into(),
            g.centers.into(),
            map_label(g.map).into(),
            g.sigma.into(),
            g.sigma_rel.into(),
            g.total_weight.into(),
            g.distortion.into(),
            g.loss.into(),
            g.free_energy.into(),
            g.loss_bound.into(),
            g.free_energy_bound.into(),
        ]);
    }
    t
}

fn certificates(r: &Results) -> Table {
    let mut t = Table::new(
        "Certificate temperatures",
        &["geometry", "scale", "n_iter", "sigma_star", "argmin_iter"],
    );
    for c in &r.trajectory.certificates {
        t.push_row(vec![
            c.geometry.into(),
            c.scale.into(),
            c.n_iter.into(),
            c.sigma_star.into(),
            c.argmin_iter.into(),
        ]);
    }
    t
}

fn trajectory(r: &Results) -> Table {
    let mut t = Table::new(
        "Trajectory deviations",
        &[
            "geometry",
            "map",
            "factor",
            "sigma",
            "iteration",
            "deviation",
        ],
    );
    for row in &r.trajectory.rows {
        for (i, dev) in row.per_iter.iter().enumerate() {
            t.push_row(vec![
                row.geometry.into(),
                map_label(row.map).into(),
                row.factor.into(),
                row.sigma.into(),
                (i + 1).into(),
                (*dev).into(),
            ]);
        }
    }
    t
}

fn steps(r: &Results) -> Table {
    let mut t = Table::new(
        "Gradient step against soft-Lloyd step",
        &["geometry", "map", "sigma_rel", "difference"],
    );
    for s in &r.trajectory.steps {
        t.push_row(vec![
            s.geometry.into(),
            map_label(s.map).into(),
            s.sigma_rel.into(),
            s.difference.into(),
        ]);
    }
    t
}

fn stability(r: &Results) -> Table {
    let mut t = Table::new(
        "Low-temperature evaluations",
        &[
            "geometry",
            "map",
            "sigma_rel",
            "n_samples",
            "nan_rows",
            "kept_rows",
            "runner_up_mean",
            "grad_full",
            "grad_fixed",
            "grad_through_r",
        ],
    );
    for s in &r.stability {
        t.push_row(vec![
            s.geometry.into(),
            map_label(s.map).into(),
            s.sigma_rel.into(),
            s.n_samples.into(),
            s.nan_rows.into(),
            s.kept_rows.into(),
            s.runner_up_mean.into(),
            s.grad_full.into(),
            s.grad_fixed.into(),
            s.grad_through_r.into(),
        ]);
    }
    t
}

fn benchmark(r: &Results) -> Table {
    let mut t = Table::new(
        "Final distortions",
        &["geometry", "seed", "method", "inertia"],
    );
    for b in &r.benchmark {
        t.push_row(vec![
            b.geometry.into(),
            Cell::Int(b.seed as i64),
            b.method.into(),
            b.inertia.into(),
        ]);
    }
    t
}
