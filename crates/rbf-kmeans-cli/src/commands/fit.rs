//! `rbf-kmeans fit`.

use anyhow::{bail, Result};
use ndarray::Array2;
use rbf_kmeans::kmeans::{Algorithm, KMeansFit, KMeansParams, TolMode};
use rbf_kmeans::model_file::{ModelFile, ModelKind};
use rbf_kmeans::Float;
use rbf_kmeans_io::Matrix;
use serde_json::json;

use crate::cli::{AlgorithmArg, FitArgs, TolModeArg};
use crate::{input, output, progress};

pub fn run(args: FitArgs, quiet: bool) -> Result<()> {
    output::check_destinations(&[Some(&args.output), args.labels.as_deref()])?;
    if args.mini_batch.is_some() {
        return super::fit_stream::run(args, quiet);
    }
    let opts = input::read_options(args.header);
    let data = input::matrix(&args.input, &opts, &format!("data {}", args.input))?;
    let weights = input::weights(args.weights.as_deref(), &opts, data.nrows())?;
    let init = input::init(&args.init, &opts, args.n_clusters, data.ncols())?;
    let params = KMeansParams::new(args.n_clusters)
        .init(init)
        .n_init(args.n_init)
        .max_iter(args.max_iter)
        .tol(args.tol)
        .tol_mode(match args.tol_mode {
            TolModeArg::Relative => TolMode::Relative,
            TolModeArg::Absolute => TolMode::Absolute,
        })
        .seed(args.seed)
        .threads(args.threads)
        .algorithm(match args.algorithm {
            AlgorithmArg::Lloyd => Algorithm::Lloyd,
            AlgorithmArg::Elkan => Algorithm::Elkan,
            AlgorithmArg::Hamerly => Algorithm::Hamerly,
            AlgorithmArg::Auto => Algorithm::Auto,
        });

    let (n, d) = (data.nrows(), data.ncols());
    let (model, labels) = match data {
        Matrix::F32(x) => fit_typed(x, weights.as_deref(), params, &args, quiet)?,
        Matrix::F64(x) => fit_typed(x, weights.as_deref(), params, &args, quiet)?,
        #[allow(unreachable_patterns)]
        _ => bail!("unsupported data type"),
    };

    output::text(Some(&args.output), &model.to_json())?;
    if let Some(path) = &args.labels {
        output::labels(Some(path), &labels)?;
    }
    if !quiet {
        println!(
            "fitted {} clusters to {n} points in {d} dimensions ({}): inertia {}, {} iterations, {}",
            args.n_clusters,
            model.dtype,
            model.inertia,
            model.n_iter,
            if model.converged {
                format!("converged ({})", model.stop_reason)
            } else {
                "stopped at max_iter".to_string()
            }
        );
    }
    Ok(())
}

fn fit_typed<F: Float>(
    x: Array2<F>,
    weights: Option<&[f64]>,
    params: KMeansParams,
    args: &FitArgs,
    quiet: bool,
) -> Result<(ModelFile, Vec<usize>)> {
    let valid = params.check()?;
    let p = valid.params();
    let bar = progress::bar(p.n_init.saturating_mul(p.max_iter) as u64, quiet, "lloyd");
    let fit = valid.fit_observed(x.view(), weights, &|e| {
        bar.inc(1);
        tracing::info!(
            run = e.run,
            iteration = e.iteration,
            inertia = e.inertia,
            center_shift = e.center_shift,
            changed = e.changed,
            "iteration"
        );
    })?;
    bar.finish_and_clear();
    let model = kmeans_model_file(&fit, p, args.init.as_str(), weights.is_some());
    Ok((model, fit.labels))
}

/// The model file of a K-Means fit.
pub fn kmeans_model_file<F: Float>(
    fit: &KMeansFit<F>,
    p: &KMeansParams,
    init_name: &str,
    weighted: bool,
) -> ModelFile {
    let mut m = ModelFile::new(ModelKind::Kmeans, fit.centers());
    m.inertia = fit.inertia;
    m.n_iter = fit.n_iter;
    m.converged = fit.converged();
    m.stop_reason = serde_json::to_value(fit.stop_reason)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    m.seed = p.seed;
    m.options = json!({
        "n_clusters": p.n_clusters,
        "init": init_name,
        "n_init": p.n_init,
        "max_iter": p.max_iter,
        "tol": p.tol,
        "tol_mode": p.tol_mode,
        "threads": p.threads.0,
        "weighted": weighted,
        "algorithm": p.algorithm,
    });
    m.extra.insert("n_samples".into(), json!(fit.labels.len()));
    m.extra
        .insert("cluster_sizes".into(), json!(fit.cluster_sizes));
    m.extra
        .insert("cluster_weights".into(), json!(fit.cluster_weights));
    m.extra
        .insert("cluster_inertia".into(), json!(fit.cluster_inertia));
    m.extra
        .insert("n_relocations".into(), json!(fit.n_relocations));
    m.extra.insert("run_inertia".into(), json!(fit.run_inertia));
    m.extra.insert("best_run".into(), json!(fit.best_run));
    m.extra.insert("algorithm".into(), json!(fit.algorithm));
    m
}
