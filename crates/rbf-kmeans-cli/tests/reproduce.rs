//! End-to-end test of `rbf-kmeans reproduce --quick`: every file is written, the headline is
//! recomputed from the raw CSV files, and the claims themselves are asserted on the raw data.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A parsed CSV file: the header and rows of fields.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Csv {
        let text = fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut records = parse_csv(&text);
        assert!(!records.is_empty(), "{} is empty", path.display());
        let header = records.remove(0);
        for (i, r) in records.iter().enumerate() {
            assert_eq!(
                r.len(),
                header.len(),
                "{} row {} has {} fields, header has {}",
                path.display(),
                i + 2,
                r.len(),
                header.len()
            );
        }
        Csv {
            header,
            rows: records,
        }
    }

    fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.header))
    }

    /// Every row as a map from column name to field.
    fn records(&self) -> Vec<BTreeMap<&str, &str>> {
        self.rows
            .iter()
            .map(|r| {
                self.header
                    .iter()
                    .map(String::as_str)
                    .zip(r.iter().map(String::as_str))
                    .collect()
            })
            .collect()
    }
}

/// RFC 4180 records: quoted fields may hold commas, quotes (doubled) and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' => quoted = true,
            ',' => record.push(std::mem::take(&mut field)),
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            '\r' => {}
            other => field.push(other),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

fn num(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| panic!("not a number in a CSV file: {s:?}"))
}

fn max(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(f64::NEG_INFINITY, f64::max)
}

fn min(v: impl Iterator<Item = f64>) -> f64 {
    v.fold(f64::INFINITY, f64::min)
}

fn run_quick(dir: &Path, threads: &str) -> std::process::Output {
    let _ = fs::remove_dir_all(dir);
    Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
        .args(["reproduce", "--quick", "--threads", threads, "--out"])
        .arg(dir)
        .output()
        .expect("the binary runs")
}

fn out_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn quick_reproduction_writes_a_consistent_report_and_asserts_every_claim() {
    let dir = out_dir("reproduce-quick");
    let out = run_quick(&dir, "2");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "reproduce --quick failed:\n{stdout}\n{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    // Every file, non-empty.
    for name in [
        "index.html",
        "summary.md",
        "headline.csv",
        "annealing-runs.csv",
        "largest-gap-over-bound.csv",
        "certificate-temperatures.csv",
        "trajectory-deviation-from-lloyd.csv",
        "gradient-step-against-soft-lloyd-step.csv",
        "low-temperature-summary.csv",
        "final-distortion-by-method.csv",
        "data/collapse.csv",
        "data/gamma.csv",
        "data/certificates.csv",
        "data/trajectory.csv",
        "data/steps.csv",
        "data/stability.csv",
        "data/benchmark.csv",
    ] {
        let path = dir.join(name);
        let len = fs::metadata(&path)
            .unwrap_or_else(|e| panic!("{} missing: {e}", path.display()))
            .len();
        assert!(len > 0, "{} is empty", path.display());
    }

    // The page opens offline: figures inline, each with a caption, nothing fetched.
    let html = fs::read_to_string(dir.join("index.html")).unwrap();
    let figures = html.matches("<figure>").count();
    assert!(figures >= 6, "only {figures} figures");
    assert_eq!(figures, html.matches("<figcaption>").count());
    assert!(html.matches("<svg").count() >= figures);
    // Each figure also stands alone, for the README and for code hosts.
    for n in 1..=figures {
        let svg = fs::read_to_string(dir.join(format!("figures/figure-{n}.svg")))
            .unwrap_or_else(|e| panic!("figures/figure-{n}.svg: {e}"));
        assert!(svg.starts_with("<svg xmlns=") && svg.trim_end().ends_with("</svg>"));
    }
    for remote in ["src=\"http", "href=\"http", "<script src", "@import"] {
        assert!(!html.contains(remote), "index.html loads {remote}");
    }
    // Non-finite numbers in coordinates or paths (titles may say "NaN" in words).
    for bad in [
        "=\"NaN", "=\"inf", "=\"-inf", ",NaN", "NaN,", " NaN ", "L NaN", "M NaN",
    ] {
        for svg in html.split("<svg").skip(1) {
            let svg = svg.find("</svg>").map_or(svg, |end| &svg[..end]);
            assert!(!svg.contains(bad), "an SVG contains {bad}");
        }
    }

    // The headline, as printed on the terminal and in the files.
    let headline = Csv::read(&dir.join("headline.csv"));
    let value: BTreeMap<String, f64> = headline
        .records()
        .iter()
        .map(|r| (r["id"].to_string(), num(r["value"])))
        .collect();
    let summary = fs::read_to_string(dir.join("summary.md")).unwrap();
    for r in headline.records() {
        assert!(
            stdout.contains(r["id"]),
            "terminal headline lacks {}",
            r["id"]
        );
        assert!(summary.contains(r["id"]), "summary.md lacks {}", r["id"]);
        assert_ne!(r["verdict"], "FAIL", "claim {} failed", r["id"]);
        assert!(["PASS", "INFO"].contains(&r["verdict"]));
    }
    let v = |id: &str| {
        *value
            .get(id)
            .unwrap_or_else(|| panic!("no headline row {id}"))
    };

    // Claim 1, recomputed from data/gamma.csv.
    let gamma = Csv::read(&dir.join("data/gamma.csv"));
    let gamma = gamma.records();
    assert!(!gamma.is_empty());
    let loss_ratio =
        |r: &BTreeMap<&str, &str>| (num(r["loss"]) - num(r["distortion"])) / num(r["loss_bound"]);
    let fe_ratio = |r: &BTreeMap<&str, &str>| {
        (num(r["distortion"]) - num(r["free_energy"])) / num(r["free_energy_bound"])
    };
    let max_loss = max(gamma.iter().map(loss_ratio));
    let max_fe = max(gamma.iter().map(fe_ratio));
    let min_both = min(gamma.iter().flat_map(|r| [loss_ratio(r), fe_ratio(r)]));
    assert_eq!(max_loss, v("gamma-loss"));
    assert_eq!(max_fe, v("gamma-free-energy"));
    assert_eq!(min_both, v("gamma-nonnegative"));
    assert!(
        max_loss <= 1.0 && max_fe <= 1.0,
        "a Γ gap exceeds its bound"
    );
    assert!(min_both >= -1e-9, "a Γ gap is negative");
    // The gaps vanish as σ → 0: at the smallest σ of each series they are far below the largest.
    let smallest = min(gamma.iter().map(|r| num(r["sigma_rel"])));
    for r in gamma.iter().filter(|r| num(r["sigma_rel"]) == smallest) {
        let w = num(r["total_weight"]);
        let gap = (num(r["loss"]) - num(r["distortion"])) / w;
        assert!(
            gap <= num(r["loss_bound"]) / w,
            "{r:?}: loss gap above its bound at the smallest σ"
        );
    }

    // Claim 2, from data/steps.csv.
    let steps = Csv::read(&dir.join("data/steps.csv"));
    let step_max = max(steps.records().iter().map(|r| num(r["difference"])));
    assert_eq!(step_max, v("gradient-step"));
    assert!(step_max <= 1e-12);

    // Claim 3, from data/trajectory.csv: identical below the certificate, not above it.
    let traj = Csv::read(&dir.join("data/trajectory.csv"));
    let traj = traj.records();
    let below = max(traj
        .iter()
        .filter(|r| r["map"] == "entmax-1.5" && num(r["factor"]) <= 0.5)
        .map(|r| num(r["deviation"])));
    assert_eq!(below, v("trajectory-below"));
    assert!(
        below <= 1e-12,
        "entmax-1.5 left Lloyd's trajectory below σ*"
    );
    let mut above: BTreeMap<&str, f64> = BTreeMap::new();
    for r in traj
        .iter()
        .filter(|r| r["map"] == "entmax-1.5" && num(r["factor"]) == 4.0)
    {
        let e = above.entry(r["geometry"]).or_insert(0.0);
        *e = e.max(num(r["deviation"]));
    }
    let above = min(above.values().copied());
    assert_eq!(above, v("trajectory-above"));
    assert!(above > 1e-12);

    // Claim 4, from data/stability.csv.
    let stab = Csv::read(&dir.join("data/stability.csv"));
    let stab = stab.records();
    let smallest = min(stab.iter().map(|r| num(r["sigma_rel"])));
    let naive_nan: f64 = stab
        .iter()
        .filter(|r| r["map"] == "softmax-naive" && num(r["sigma_rel"]) == smallest)
        .map(|r| num(r["nan_rows"]))
        .sum();
    assert_eq!(naive_nan, v("naive-nan"));
    assert!(naive_nan > 0.0, "the naive softmax did not break down");
    let stable_nan: f64 = stab
        .iter()
        .filter(|r| r["map"] != "softmax-naive")
        .map(|r| num(r["nan_rows"]))
        .sum();
    assert_eq!(stable_nan, v("stable-nan"));
    assert_eq!(stable_nan, 0.0);
    let kept = min(stab
        .iter()
        .filter(|r| r["map"] == "entmax-1.5")
        .map(|r| num(r["kept_rows"]) / num(r["n_samples"])));
    assert_eq!(kept, v("entmax-partition"));
    assert_eq!(kept, 1.0);

    // Claim 5, from data/collapse.csv: δ never rises on the well-separated blobs.
    let coll = Csv::read(&dir.join("data/collapse.csv"));
    let mut runs: BTreeMap<(String, String), Vec<(f64, f64)>> = BTreeMap::new();
    for r in coll.records() {
        runs.entry((r["geometry"].to_string(), r["map"].to_string()))
            .or_default()
            .push((num(r["delta"]), num(r["scale"])));
    }
    assert_eq!(runs.len(), 30, "10 geometries × 3 maps");
    let rises = |d: &[(f64, f64)]| {
        d.windows(2)
            .filter(|w| w[1].0 > w[0].0 + 1e-9 * w[0].1)
            .count()
    };
    let separated: Vec<_> = runs
        .iter()
        .filter(|((g, _), _)| g == "blobs" || g == "blobs-32d")
        .collect();
    assert_eq!(separated.len(), 6);
    for ((g, m), d) in &separated {
        assert_eq!(rises(d), 0, "δ rose on {g} with {m}");
        assert!(d.len() >= 3, "too few stages on {g} with {m}");
    }
    assert_eq!(v("collapse-monotone-separated"), separated.len() as f64);
    let monotone = runs.values().filter(|d| rises(d) == 0).count();
    assert_eq!(monotone as f64, v("collapse-monotone-all"));
    let total: usize = runs.values().map(|d| rises(d)).sum();
    assert_eq!(total as f64, v("collapse-violations"));
    let final_delta = max(runs.values().map(|d| {
        let (delta, scale) = d[d.len() - 1];
        delta / scale
    }));
    assert_eq!(final_delta, v("collapse-final"));
    assert!(final_delta <= 1e-3);

    // Beyond the paper, from data/benchmark.csv.
    let bench = Csv::read(&dir.join("data/benchmark.csv"));
    let mut by_set: BTreeMap<(String, String), BTreeMap<String, f64>> = BTreeMap::new();
    for r in bench.records() {
        by_set
            .entry((r["geometry"].to_string(), r["seed"].to_string()))
            .or_default()
            .insert(r["method"].to_string(), num(r["inertia"]));
    }
    let wins = |a: &str, b: &str| {
        by_set
            .values()
            .filter(|m| m[a] <= m[b] * (1.0 + 1e-9))
            .count() as f64
    };
    assert_eq!(
        wins("anneal entmax-1.5", "k-means++ n_init=1"),
        v("benchmark-entmax-vs-kpp1")
    );
    assert_eq!(
        wins("anneal entmax-1.5", "k-means++ n_init=10"),
        v("benchmark-entmax-vs-kpp10")
    );
    assert_eq!(
        wins("anneal softmax", "k-means++ n_init=10"),
        v("benchmark-softmax-vs-kpp10")
    );

    // The summary tables agree with the raw data they summarise.
    let runs_table = Csv::read(&dir.join("annealing-runs.csv"));
    let (g, m, vi) = (
        runs_table.col("geometry"),
        runs_table.col("map"),
        runs_table.col("violations"),
    );
    for row in &runs_table.rows {
        let d = &runs[&(row[g].clone(), row[m].clone())];
        assert_eq!(num(&row[vi]) as usize, rises(d), "{row:?}");
    }
}

#[test]
fn the_report_does_not_depend_on_the_thread_count() {
    let one = out_dir("reproduce-threads-1");
    let two = out_dir("reproduce-threads-2");
    assert!(run_quick(&one, "1").status.success());
    assert!(run_quick(&two, "2").status.success());
    for name in [
        "headline.csv",
        "data/collapse.csv",
        "data/gamma.csv",
        "data/trajectory.csv",
        "data/benchmark.csv",
        "index.html",
    ] {
        let a = fs::read(one.join(name)).unwrap();
        let b = fs::read(two.join(name)).unwrap();
        assert!(a == b, "{name} differs between 1 and 2 threads");
    }
}

#[test]
fn an_unwritable_output_directory_is_a_clear_error() {
    let file = out_dir("reproduce-not-a-dir");
    fs::write(&file, "a file, not a directory").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
        .args(["reproduce", "--quick", "--out"])
        .arg(file.join("report"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("reproduce-not-a-dir"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
