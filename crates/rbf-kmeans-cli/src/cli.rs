//! Command-line options.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// K-Means and its differentiable twin, an RBF network with soft responsibilities.
#[derive(Parser, Debug)]
#[command(name = "rbf-kmeans", version, about, propagate_version = true)]
pub struct Cli {
    /// More output on stderr: -v per-iteration inertia, -vv debug events.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    /// No progress bar and no summary; errors only.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Fit K-Means to a data file and write the model.
    Fit(FitArgs),
    /// Label each row of a data file with its nearest center.
    Predict(PredictArgs),
    /// Distances from each row of a data file to every center.
    Transform(TransformArgs),
    /// Fit K-Means on built-in synthetic data and print a summary.
    Demo(DemoArgs),
    /// Anneal an RBF network from the critical temperature down to K-Means.
    Anneal(AnnealArgs),
    /// Soft responsibilities of each row under a model at a temperature.
    SoftAssign(SoftAssignArgs),
    /// Write a built-in synthetic data set as CSV.
    Generate(GenerateArgs),
    /// Run every experiment of the paper's claims on built-in data and write a report.
    Reproduce(ReproduceArgs),
}

/// Whether CSV inputs start with a header row.
#[derive(Args, Debug, Clone, Copy)]
pub struct HeaderArgs {
    /// The first CSV line is a header (default: detected).
    #[arg(long, conflicts_with = "no_header")]
    pub header: bool,
    /// The first CSV line is data (default: detected).
    #[arg(long)]
    pub no_header: bool,
}

/// Options of `fit`.
#[derive(Args, Debug)]
pub struct FitArgs {
    /// Data: a CSV file, a NumPy .npy file (2-D, f32 or f64), or - for CSV on stdin.
    #[arg(long, short = 'i')]
    pub input: String,
    /// Number of clusters.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, short = 'k')]
    pub n_clusters: usize,
    /// k-means++, k-means||, random, or a file of initial centers (CSV or .npy, k rows).
    #[arg(long, default_value = "k-means++")]
    pub init: String,
    /// Runs from different initialisations; the best is kept.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 1)]
    pub n_init: usize,
    /// Maximum Lloyd iterations per run.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 300)]
    pub max_iter: usize,
    /// Stop when the sum of squared center shifts is at most this (see --tol-mode).
    #[arg(long, default_value_t = 1e-4, allow_negative_numbers = true)]
    pub tol: f64,
    /// relative: tol is scaled by the mean feature variance, as scikit-learn does; absolute:
    /// compared as is.
    #[arg(long, value_enum, default_value_t = TolModeArg::Relative)]
    pub tol_mode: TolModeArg,
    /// Seed of all randomness.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (0: all cores). Results do not depend on it.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
    /// Assignment algorithm; all give the same labels and centers, only the speed differs.
    #[arg(long, value_enum, default_value_t = AlgorithmArg::Lloyd)]
    pub algorithm: AlgorithmArg,
    /// Sample weights: one non-negative number per data row (CSV or .npy).
    #[arg(long)]
    pub weights: Option<String>,
    /// Where to write the model (JSON).
    #[arg(long, short = 'o')]
    pub output: String,
    /// Also write the label of every row, one integer per line.
    #[arg(long)]
    pub labels: Option<String>,
    /// Mini-batch K-Means on batches of B rows, reading the input in chunks (data larger than
    /// memory); initialised on the first max(3·B, k) rows. --max-iter, --tol, --n-init do not
    /// apply.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, value_name = "B")]
    pub mini_batch: Option<usize>,
    /// With --mini-batch: passes over the input file (standard input: 1).
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 1, requires = "mini_batch")]
    pub passes: usize,
    /// CSV header handling.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// The tolerance conventions.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum TolModeArg {
    /// Scaled by the mean per-feature variance (scikit-learn).
    Relative,
    /// Compared as given.
    Absolute,
}

/// The assignment algorithms of `fit`.
#[derive(ValueEnum, Debug, Clone, Copy)]
pub enum AlgorithmArg {
    /// Every point against every center.
    Lloyd,
    /// Elkan (2003): triangle-inequality bounds per point and center (n·k memory).
    Elkan,
    /// Hamerly (2010): two bounds per point.
    Hamerly,
    /// Chosen from the data's size, dimension and number of clusters.
    Auto,
}

/// Options of `predict`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// A model written by `fit` or `anneal`.
    #[arg(long, short = 'm')]
    pub model: String,
    /// Data, as for `fit`.
    #[arg(long, short = 'i')]
    pub input: String,
    /// Where to write the labels (default: stdout).
    #[arg(long, short = 'o')]
    pub output: Option<String>,
    /// Worker threads (0: all cores).
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
    /// CSV header handling.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// Options of `transform`.
#[derive(Args, Debug)]
pub struct TransformArgs {
    /// A model written by `fit` or `anneal`.
    #[arg(long, short = 'm')]
    pub model: String,
    /// Data, as for `fit`.
    #[arg(long, short = 'i')]
    pub input: String,
    /// Where to write the n × k distances as CSV (default: stdout).
    #[arg(long, short = 'o')]
    pub output: Option<String>,
    /// Write squared distances instead of Euclidean ones.
    #[arg(long)]
    pub squared: bool,
    /// Worker threads (0: all cores).
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
    /// CSV header handling.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// Options of `demo`.
#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Number of points.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 20_000)]
    pub n: usize,
    /// Seed of the data and the fit.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (0: all cores).
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
}

/// Options of `anneal`.
#[derive(Args, Debug)]
pub struct AnnealArgs {
    /// Data, as for `fit`.
    #[arg(long, short = 'i')]
    pub input: String,
    /// Number of centers.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, short = 'k')]
    pub n_clusters: usize,
    /// Responsibility map: softmax, entmax15, sparsemax, entmax:ALPHA, hard.
    #[arg(long, default_value = "softmax")]
    pub map: String,
    /// geometric:FACTOR, deep-kmeans, or list:S1,S2,...
    #[arg(long, default_value = "geometric:0.8")]
    pub schedule: String,
    /// First temperature (default: 1.5 × the map's critical temperature, 2·λmax for softmax).
    #[arg(long, allow_negative_numbers = true)]
    pub sigma_start: Option<f64>,
    /// Last temperature (default: 1e-4 × the critical temperature).
    #[arg(long, allow_negative_numbers = true)]
    pub sigma_end: Option<f64>,
    /// k-means++, random, or a file of initial centers.
    #[arg(long, default_value = "k-means++")]
    pub init: String,
    /// Soft-Lloyd iterations per stage at most.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 500)]
    pub stage_max_iter: usize,
    /// Seed of all randomness.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Worker threads (0: all cores).
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
    /// Sample weights, one per data row.
    #[arg(long)]
    pub weights: Option<String>,
    /// Where to write the model (JSON; usable by predict and transform).
    #[arg(long, short = 'o')]
    pub output: String,
    /// Where to write the per-stage trace, one JSON object per line.
    #[arg(long)]
    pub trace: Option<String>,
    /// CSV header handling.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// Options of `soft-assign`.
#[derive(Args, Debug)]
pub struct SoftAssignArgs {
    /// A model written by `fit` or `anneal`.
    #[arg(long, short = 'm')]
    pub model: String,
    /// Data, as for `fit`.
    #[arg(long, short = 'i')]
    pub input: String,
    /// The temperature σ > 0.
    #[arg(long, short = 't', allow_hyphen_values = true)]
    pub temperature: f64,
    /// Responsibility map: softmax, softmax-naive, entmax15, sparsemax, entmax:ALPHA, hard.
    #[arg(long, default_value = "softmax")]
    pub map: String,
    /// Where to write the n × k responsibilities as CSV (default: stdout).
    #[arg(long, short = 'o')]
    pub output: Option<String>,
    /// Worker threads (0: all cores).
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
    /// CSV header handling.
    #[command(flatten)]
    pub header: HeaderArgs,
}

/// Options of `generate`.
#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// blobs, anisotropic, unequal-variance, unbalanced, overlapping, two-moons, rings,
    /// uniform-square, blobs-32d, overclustered.
    pub geometry: String,
    /// Number of points.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 1000)]
    pub n: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Where to write the CSV (default: stdout).
    #[arg(long, short = 'o')]
    pub output: Option<String>,
    /// Also write the true labels, one per line.
    #[arg(long)]
    pub labels: Option<String>,
}

/// Options of `reproduce`.
#[derive(Args, Debug)]
pub struct ReproduceArgs {
    /// Directory of the report (index.html, summary.md, one CSV per table); created if needed.
    #[arg(long, default_value = "report")]
    pub out: String,
    /// Smaller data, fewer seeds and temperatures: a smoke run of a few seconds.
    #[arg(long)]
    pub quick: bool,
    /// Worker threads (0: all cores). Results do not depend on it.
    #[arg(allow_negative_numbers = true, value_parser = whole_number, long, default_value_t = 0)]
    pub threads: usize,
    /// Base seed of every data set and algorithm.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
}

/// Parses a count: a whole number of zero or more, with a message that says so for `-1` or `2.5`
/// (clap would otherwise take `-1` for an unknown flag).
fn whole_number(s: &str) -> Result<usize, String> {
    s.trim().parse::<usize>().map_err(|_| {
        if s.trim().parse::<f64>().is_ok() {
            format!("expected a whole number of 0 or more, got {s}")
        } else {
            format!("expected a whole number, got '{s}'")
        }
    })
}
