//! `rbf-kmeans fit --mini-batch B`: mini-batch K-Means on an input read in chunks.
//!
//! The input (CSV or `.npy` from a file, CSV or `.npy` on standard input) is never held whole:
//! memory is bounded by the init sample (`max(3·B, k)` rows), one batch and one chunk of the
//! final pass, whatever the file size.
//!
//! 1. The first `max(3·B, k)` rows are read and the initialisation (`--init`) runs on them.
//! 2. Each pass cuts the rows, in file order, into batches of `B` and takes one
//!    `partial_fit` step per batch; the init rows are the first batches of pass 1. This is the
//!    library's `MiniBatchKMeans` fit with `shuffle` off, with `--passes` epochs and no early
//!    stopping.
//! 3. For a file, a final pass labels every row and computes the exact inertia (standard input
//!    can be read only once: the model then reports the sum of the batch inertias of the pass,
//!    each taken before its step).

use std::io::Write;

use anyhow::{bail, Context, Result};
use ndarray::ArrayView2;
use rbf_kmeans::distance::sq_euclidean;
use rbf_kmeans::minibatch::{MiniBatchKMeans, MiniBatchKMeansParams};
use rbf_kmeans::model_file::{ModelFile, ModelKind};
use rbf_kmeans::Float;
use rbf_kmeans_io::{Element, MatrixStream, ReadOptions};
use serde_json::json;

use crate::cli::FitArgs;
use crate::{input, output};

/// Rows per chunk of the final labelling pass.
const FINAL_CHUNK_ROWS: usize = 1 << 16;

/// The data and weight inputs, opened together and read in step.
struct Inputs {
    data: MatrixStream,
    weights: Option<MatrixStream>,
    data_name: String,
}

impl Inputs {
    fn open(args: &FitArgs, opts: &ReadOptions) -> Result<Self> {
        let data = MatrixStream::open(&args.input, opts, false)
            .with_context(|| format!("cannot read the data {}", args.input))?;
        let weights = match &args.weights {
            Some(p) => Some(
                MatrixStream::open(p, opts, true)
                    .with_context(|| format!("cannot read the weights {p}"))?,
            ),
            None => None,
        };
        Ok(Inputs {
            data,
            weights,
            data_name: args.input.clone(),
        })
    }

    /// Appends up to `rows` rows (and their weights) and returns how many were read.
    fn read<F: Float + Element>(
        &mut self,
        rows: usize,
        x: &mut Vec<F>,
        w: &mut Vec<f64>,
    ) -> Result<usize> {
        let got = self
            .data
            .read_rows(rows, x)
            .with_context(|| format!("cannot read the data {}", self.data_name))?;
        if let Some(ws) = &mut self.weights {
            // At the end of the data, one more weight would be one too many.
            let wgot = ws
                .read_rows(got.max(1), w)
                .context("cannot read the weights")?;
            if got > 0 && wgot < got {
                bail!(
                    "the weights end after {} rows but the data {} has more",
                    ws.rows_read(),
                    self.data_name
                );
            }
            if got == 0 && wgot > 0 {
                bail!(
                    "the weights have more rows than the data {} ({})",
                    self.data_name,
                    self.data.rows_read()
                );
            }
        }
        Ok(got)
    }

    fn weights<'a>(&self, w: &'a [f64]) -> Option<&'a [f64]> {
        self.weights.as_ref().map(|_| w)
    }
}

pub fn run(args: FitArgs, quiet: bool) -> Result<()> {
    let batch = args.mini_batch.expect("called for --mini-batch");
    if args.passes == 0 {
        bail!("--passes must be at least 1");
    }
    if args.n_init != 1 {
        bail!("--n-init does not apply to --mini-batch (one streaming run)");
    }
    if args.input == "-" && args.passes != 1 {
        bail!("standard input can be read only once: --passes must be 1 with --input -");
    }
    if args.input == "-" && args.labels.is_some() {
        bail!("--labels needs a second pass over the input, so not with --input -");
    }
    let opts = input::read_options(args.header);
    let params = MiniBatchKMeansParams::new(args.n_clusters)
        .batch_size(batch)
        .max_iter(args.passes)
        .shuffle(false)
        .max_no_improvement(None)
        .seed(args.seed)
        .threads(args.threads);
    let inputs = Inputs::open(&args, &opts)?;
    if inputs.data.dtype_name() == "f32" {
        fit_typed::<f32>(inputs, params, &args, &opts, quiet)
    } else {
        fit_typed::<f64>(inputs, params, &args, &opts, quiet)
    }
}

fn fit_typed<F: Float + Element>(
    mut inputs: Inputs,
    params: MiniBatchKMeansParams,
    args: &FitArgs,
    opts: &ReadOptions,
    quiet: bool,
) -> Result<()> {
    let batch = params.batch_size;
    let (mut x, mut w): (Vec<F>, Vec<f64>) = (Vec::new(), Vec::new());

    // Pass 1 starts with the init sample, which then feeds the first batches.
    let init_size = params.clone().check()?.init_size(usize::MAX);
    let m = inputs.read(init_size, &mut x, &mut w)?;
    let d = inputs.data.n_columns().expect("known after a row");
    let init = input::init(&args.init, opts, args.n_clusters, d)?;
    let valid = params.init(init).check()?;
    let mut state = MiniBatchKMeans::<F>::new(valid.clone())?;
    state
        .initialize(view(&x, m, d), inputs.weights(&w))
        .with_context(|| format!("cannot initialise from the first {m} rows"))?;
    let mut pass = PassTotals::default();
    for start in (0..m).step_by(batch) {
        let end = (start + batch).min(m);
        let wb = inputs.weights(&w).map(|w| &w[start..end]);
        pass.add(state.partial_fit(view(&x[start * d..end * d], end - start, d), wb)?);
    }
    let mut n_samples = m + stream_pass(&mut inputs, &mut state, &mut pass, batch, d)?;
    tracing::info!(
        pass = 1,
        rows = n_samples,
        inertia = pass.inertia,
        "mini-batch pass"
    );

    for p in 2..=args.passes {
        inputs = Inputs::open(args, opts)?;
        pass = PassTotals::default();
        n_samples = stream_pass(&mut inputs, &mut state, &mut pass, batch, d)?;
        tracing::info!(
            pass = p,
            rows = n_samples,
            inertia = pass.inertia,
            "mini-batch pass"
        );
    }

    let model = state.model().expect("initialised");
    let mut file = ModelFile::new(ModelKind::Kmeans, model.centers());
    let k = model.n_clusters();
    if args.input == "-" {
        file.inertia = pass.inertia;
        file.extra.insert("inertia_source".into(), json!("batches"));
    } else {
        let totals = final_pass::<F>(args, opts, &state, k, d)?;
        file.inertia = totals.inertia;
        file.extra
            .insert("inertia_source".into(), json!("final-pass"));
        file.extra
            .insert("cluster_sizes".into(), json!(totals.sizes));
        file.extra
            .insert("cluster_weights".into(), json!(totals.weights));
        n_samples = totals.n;
    }
    file.n_iter = state.n_steps();
    file.converged = false;
    file.stop_reason = "passes".into();
    file.seed = args.seed;
    file.options = json!({
        "algorithm": "mini-batch",
        "n_clusters": args.n_clusters,
        "init": args.init,
        "batch_size": batch,
        "passes": args.passes,
        "init_size": valid.init_size(usize::MAX),
        "reassignment_ratio": valid.params().reassignment_ratio,
        "threads": args.threads,
        "weighted": args.weights.is_some(),
    });
    file.extra.insert("n_samples".into(), json!(n_samples));
    file.extra.insert("counts".into(), json!(state.counts()));
    output::text(Some(&args.output), &file.to_json())?;
    if !quiet {
        println!(
            "fitted {k} clusters to {n_samples} points in {d} dimensions ({}) by mini-batches \
             of {batch}: inertia {}, {} steps over {} pass(es)",
            <F as Float>::NAME,
            file.inertia,
            file.n_iter,
            args.passes
        );
    }
    Ok(())
}

fn view<F>(x: &[F], rows: usize, d: usize) -> ArrayView2<'_, F> {
    ArrayView2::from_shape((rows, d), x).expect("rows × d")
}

/// The batch inertias of one pass, each taken before its step.
#[derive(Default)]
struct PassTotals {
    inertia: f64,
}

impl PassTotals {
    fn add(&mut self, s: rbf_kmeans::minibatch::BatchStats) {
        self.inertia += s.inertia;
    }
}

/// Steps over the rest of the input in batches; returns the rows read.
fn stream_pass<F: Float + Element>(
    inputs: &mut Inputs,
    state: &mut MiniBatchKMeans<F>,
    pass: &mut PassTotals,
    batch: usize,
    d: usize,
) -> Result<usize> {
    let (mut x, mut w): (Vec<F>, Vec<f64>) =
        (Vec::with_capacity(batch * d), Vec::with_capacity(batch));
    let mut rows = 0;
    loop {
        x.clear();
        w.clear();
        let got = inputs.read(batch, &mut x, &mut w)?;
        if got == 0 {
            return Ok(rows);
        }
        rows += got;
        let stats = state
            .partial_fit(view(&x, got, d), inputs.weights(&w))
            .with_context(|| {
                format!(
                    "rows {} to {} of {}",
                    rows - got + 1,
                    rows,
                    inputs.data_name
                )
            })?;
        pass.add(stats);
    }
}

/// What the final pass found at the final centers.
struct FinalTotals {
    n: usize,
    inertia: f64,
    sizes: Vec<usize>,
    weights: Vec<f64>,
}

/// Labels every row at the final centers (written to `--labels` if given) and sums the exact
/// inertia.
fn final_pass<F: Float + Element>(
    args: &FitArgs,
    opts: &ReadOptions,
    state: &MiniBatchKMeans<F>,
    k: usize,
    d: usize,
) -> Result<FinalTotals> {
    let model = state.model().expect("initialised");
    let centers = model
        .centers()
        .as_slice()
        .expect("standard layout")
        .to_vec();
    let mut inputs = Inputs::open(args, opts)?;
    let mut totals = FinalTotals {
        n: 0,
        inertia: 0.0,
        sizes: vec![0; k],
        weights: vec![0.0; k],
    };
    let mut run = |out: Option<&mut dyn Write>| -> Result<()> {
        let mut out = out;
        let (mut x, mut w): (Vec<F>, Vec<f64>) = (Vec::new(), Vec::new());
        loop {
            x.clear();
            w.clear();
            let got = inputs.read(FINAL_CHUNK_ROWS, &mut x, &mut w)?;
            if got == 0 {
                return Ok(());
            }
            let labels = model.predict(view(&x, got, d))?;
            for (r, &j) in labels.iter().enumerate() {
                let wi = inputs.weights(&w).map_or(1.0, |w| w[r]);
                let dist = sq_euclidean(&x[r * d..(r + 1) * d], &centers[j * d..(j + 1) * d]);
                totals.inertia += wi * dist;
                totals.sizes[j] += 1;
                totals.weights[j] += wi;
            }
            totals.n += got;
            if let Some(out) = out.as_mut() {
                rbf_kmeans_io::write_labels(&mut **out, &labels)?;
            }
        }
    };
    match &args.labels {
        None => run(None)?,
        Some(path) => {
            let mut failure = None;
            let written = rbf_kmeans_io::write_to_path_or_stdout(Some(path), |out| {
                run(Some(out)).map_err(|e| {
                    failure = Some(e);
                    std::io::Error::other("the final pass failed")
                })
            });
            if let Some(e) = failure {
                return Err(e);
            }
            written.with_context(|| format!("cannot write labels to {path}"))?;
        }
    }
    Ok(totals)
}
