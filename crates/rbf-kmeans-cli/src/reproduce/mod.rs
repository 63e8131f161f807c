//! `rbf-kmeans reproduce`: the experiments behind every claim of THEORY.md, on built-in data,
//! written as an offline HTML report with its figures, one CSV per table and a Markdown summary.
//!
//! | experiment | claim | module |
//! |---|---|---|
//! | monotone collapse of `δ(σ)` under annealing | 5 | [`collapse`] |
//! | `L_σ − J`, `J − F_σ` against their bounds | 1 | [`gamma`] |
//! | gradient step = soft-Lloyd step; trajectories and the entmax-1.5 certificate | 2, 3 | [`trajectory`] |
//! | NaNs, gradients and the partition at low temperature | 4 | [`stability`] |
//! | annealing against k-means++ with restarts | beyond the paper | [`benchmark`] |
//!
//! Every task is deterministic and single-threaded inside; tasks run in parallel on a pool of
//! `--threads` workers, so the report does not depend on the thread count.

mod benchmark;
mod collapse;
mod common;
mod data;
mod gamma;
mod headline;
mod plan;
mod report;
mod stability;
mod trajectory;

use std::fs;
use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cli::ReproduceArgs;
use headline::Results;
use plan::Plan;

/// Runs every experiment and writes the report.
pub fn run(args: ReproduceArgs, quiet: bool) -> Result<()> {
    let plan = Plan::new(args.quick, args.seed);
    // Fail before hours of work, not after, when the report cannot be written.
    let dir = Path::new(&args.out);
    fs::create_dir_all(dir)
        .with_context(|| format!("creating the report directory {}", dir.display()))?;
    let pool = rbf_kmeans::parallel::Threads(args.threads).pool()?;
    let started = Instant::now();
    let results = pool.install(|| run_experiments(&plan, quiet))?;
    let claims = headline::claims(&results);
    if !quiet {
        eprintln!(
            "experiments done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    let report = report::build(&plan, &results, &claims);
    let written = report
        .write_dir(dir)
        .with_context(|| format!("writing the report to {}", dir.display()))?;
    let data_dir = dir.join("data");
    fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    for (name, table) in data::tables(&results) {
        let path = data_dir.join(name);
        fs::write(&path, table.to_csv()).with_context(|| format!("writing {}", path.display()))?;
    }
    if !quiet {
        eprintln!(
            "wrote {} files and {}/*.csv to {}",
            written.len(),
            data_dir.display(),
            dir.display()
        );
    }
    println!("{}", report::headline_table(&claims).to_terminal(4));
    let failed: Vec<&str> = claims
        .iter()
        .filter(|c| c.verdict == "FAIL")
        .map(|c| c.id)
        .collect();
    if !failed.is_empty() {
        anyhow::bail!(
            "{} claim(s) not reproduced: {} (see {})",
            failed.len(),
            failed.join(", "),
            dir.join("index.html").display()
        );
    }
    Ok(())
}

fn run_experiments(plan: &Plan, quiet: bool) -> Result<Results> {
    let step = |name: &str, i: usize| {
        if !quiet {
            eprintln!("[{i}/5] {name} ...");
        }
        Instant::now()
    };
    let done = |t: Instant, what: String| {
        if !quiet {
            eprintln!("      {what} in {:.1} s", t.elapsed().as_secs_f64());
        }
    };

    let t = step("monotone collapse (claim 5)", 1);
    let collapse = collapse::run(plan)?;
    done(t, format!("{} annealing runs", collapse.len()));

    let t = step("Γ-convergence (claim 1)", 2);
    let gamma = gamma::run(plan)?;
    done(t, format!("{} evaluations", gamma.len()));

    let t = step("gradient and trajectory equivalence (claims 2, 3)", 3);
    let trajectory = trajectory::run(plan)?;
    done(t, format!("{} trajectories", trajectory.rows.len()));

    let t = step("low-temperature stability (claim 4)", 4);
    let stability = stability::run(plan)?;
    done(t, format!("{} evaluations", stability.len()));

    let t = step("annealing against k-means++ (beyond the paper)", 5);
    let benchmark = benchmark::run(plan)?;
    done(t, format!("{} fits", benchmark.len()));

    Ok(Results {
        collapse,
        gamma,
        trajectory,
        stability,
        benchmark,
    })
}
