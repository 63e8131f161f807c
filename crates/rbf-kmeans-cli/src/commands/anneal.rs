//! `rbf-kmeans anneal`: deterministic annealing of the RBF network down to K-Means.

use anyhow::Result;
use ndarray::Array2;
use rbf_kmeans::model_file::{ModelFile, ModelKind};
use rbf_kmeans::rbf::anneal::{anneal, AnnealParams};
use rbf_kmeans::rbf::schedule::Schedule;
use rbf_kmeans::rbf::Map;
use rbf_kmeans::{Float, Threads};
use rbf_kmeans_io::Matrix;
use serde_json::json;

use crate::cli::AnnealArgs;
use crate::{input, output, progress};

pub fn run(args: AnnealArgs, quiet: bool) -> Result<()> {
    output::check_destinations(&[Some(&args.output), args.trace.as_deref()])?;
    let opts = input::read_options(args.header);
    let data = input::matrix(&args.input, &opts, &format!("data {}", args.input))?;
    let weights = input::weights(args.weights.as_deref(), &opts, data.nrows())?;
    let mut params = AnnealParams::new(args.n_clusters, Map::parse(&args.map)?);
    params.schedule = Schedule::parse(&args.schedule)?;
    params.sigma_start = args.sigma_start;
    params.sigma_end = args.sigma_end;
    params.stage_max_iter = args.stage_max_iter;
    params.seed = args.seed;
    params.threads = Threads(args.threads);
    params.init = input::init(&args.init, &opts, args.n_clusters, data.ncols())?;

    let (model, trace) = match data {
        Matrix::F32(x) => anneal_typed(x, weights.as_deref(), &params, &args, quiet)?,
        Matrix::F64(x) => anneal_typed(x, weights.as_deref(), &params, &args, quiet)?,
    };
    output::text(Some(&args.output), &model.to_json())?;
    if let Some(path) = &args.trace {
        output::text(Some(path), &trace)?;
    }
    if !quiet {
        println!(
            "annealed {} centers ({}) over {} stages from sigma {:.4e}: K-Means inertia {}, {} \
             Lloyd iterations after hand-over",
            args.n_clusters,
            params.map,
            model
                .extra
                .get("n_stages")
                .and_then(|v| v.as_u64())
                .unwrap_or(0),
            model
                .extra
                .get("sigma_start")
                .and_then(|v| v.as_f64())
                .unwrap_or(f64::NAN),
            model.inertia,
            model.n_iter
        );
    }
    Ok(())
}

fn anneal_typed<F: Float>(
    x: Array2<F>,
    weights: Option<&[f64]>,
    params: &AnnealParams,
    args: &AnnealArgs,
    quiet: bool,
) -> Result<(ModelFile, String)> {
    let bar = progress::bar(0, quiet, "anneal");
    let result = anneal(params, x.view(), weights, &|stage| {
        bar.inc(1);
        bar.set_message(format!("anneal sigma={:.3e}", stage.sigma));
    })?;
    bar.finish_and_clear();

    let fit = &result.kmeans;
    let mut m = ModelFile::new(ModelKind::Rbf, fit.centers());
    m.inertia = fit.inertia;
    m.n_iter = fit.n_iter;
    m.converged = fit.converged();
    m.stop_reason = serde_json::to_value(fit.stop_reason)?
        .as_str()
        .unwrap_or("")
        .to_string();
    m.seed = params.seed;
    m.options = json!({
        "n_clusters": params.n_clusters,
        "map": params.map.name(),
        "schedule": args.schedule,
        "sigma_start": params.sigma_start,
        "sigma_end": params.sigma_end,
        "init": args.init,
        "stage_max_iter": params.stage_max_iter,
        "threads": params.threads.0,
        "weighted": weights.is_some(),
    });
    let first = result.stages.first().map_or(f64::NAN, |s| s.sigma);
    let last = result.stages.last().map_or(f64::NAN, |s| s.sigma);
    m.extra.insert("map".into(), json!(params.map.name()));
    m.extra
        .insert("n_stages".into(), json!(result.stages.len()));
    m.extra.insert("sigma_start".into(), json!(first));
    m.extra.insert("sigma_final".into(), json!(last));
    m.extra
        .insert("sigma_critical".into(), json!(result.sigma_critical));
    m.extra
        .insert("cluster_sizes".into(), json!(fit.cluster_sizes));
    m.extra.insert("n_samples".into(), json!(fit.labels.len()));

    let mut trace = String::new();
    for s in &result.stages {
        trace.push_str(&serde_json::to_string(s)?);
        trace.push('\n');
    }
    Ok((m, trace))
}
