//! Bad options: each is one line naming the option, and no output is written.

use crate::util::{assert_absent, csv, fails, fails_to_parse, ok, Dir, THREE_PAIRS};

/// A data file of [`THREE_PAIRS`] and the path of a model that must not appear.
fn setup(dir: &Dir) -> (String, String) {
    (dir.write("x.csv", csv(THREE_PAIRS)), dir.path("model.json"))
}

/// `fit` on the three pairs with `extra` options fails with `needles`; no model is written.
fn fit_fails(extra: &[&str], needles: &[&str]) {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    let mut args = vec!["fit", "--input", &input, "--output", &model];
    args.extend(extra);
    fails(&args, needles);
    assert_absent(&model);
}

#[test]
fn zero_clusters() {
    fit_fails(&["-k", "0"], &["n_clusters", "at least 1"]);
}

#[test]
fn negative_or_fractional_counts_are_named_as_such() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    for (flag, value) in [("-k", "-1"), ("--n-clusters", "2.5"), ("--max-iter", "-3")] {
        let args = ["fit", "--input", &input, "--output", &model, flag, value];
        fails_to_parse(&args, &["expected a whole number", value]);
    }
    fails_to_parse(
        &[
            "fit",
            "--input",
            &input,
            "--output",
            &model,
            "--threads",
            "two",
        ],
        &["expected a whole number", "'two'"],
    );
    assert_absent(&model);
}

#[test]
fn more_clusters_than_distinct_points() {
    let dir = Dir::new();
    let input = dir.write("x.csv", "1,1\n1,1\n2,2\n2,2\n1,1\n");
    let model = dir.path("model.json");
    fails(
        &["fit", "--input", &input, "-k", "3", "--output", &model],
        &["n_clusters = 3", "distinct points (2)"],
    );
    assert_absent(&model);
}

#[test]
fn zero_iterations_and_zero_runs() {
    fit_fails(&["-k", "2", "--max-iter", "0"], &["max_iter", "at least 1"]);
    fit_fails(&["-k", "2", "--n-init", "0"], &["n_init", "at least 1"]);
}

#[test]
fn negative_tol() {
    fit_fails(&["-k", "2", "--tol", "-1"], &["tol", "non-negative", "-1"]);
    fit_fails(&["-k", "2", "--tol=-1e-3"], &["tol", "non-negative"]);
    fit_fails(&["-k", "2", "--tol", "nan"], &["tol", "NaN"]);
}

#[test]
fn zero_threads_means_all_cores() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    for threads in ["0", "1"] {
        let labels = dir.path(&format!("labels{threads}.csv"));
        let args = [
            "fit", "-i", &input, "-k", "3", "-o", &model, "--labels", &labels,
        ];
        ok(&[&args[..], &["--threads", threads]].concat());
    }
    assert_eq!(dir.read("labels0.csv"), dir.read("labels1.csv"));
}

#[test]
fn absurd_thread_count_is_refused_before_any_work() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    let args = [
        "fit",
        "-i",
        &input,
        "-k",
        "3",
        "-o",
        &model,
        "--threads",
        "100000",
    ];
    fails(&args, &["threads", "at most 1024", "100000"]);
    assert!(!std::path::Path::new(&model).exists());
}

#[test]
fn unknown_map() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    let args = [
        "anneal", "-i", &input, "-k", "2", "-o", &model, "--map", "bogus",
    ];
    fails(&args, &["unknown map `bogus`", "softmax"]);
    let args = [
        "anneal", "-i", &input, "-k", "2", "-o", &model, "--map", "entmax:7",
    ];
    fails(&args, &["map", "entmax:7"]);
    assert_absent(&model);
}

#[test]
fn bad_schedules() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    for schedule in [
        "bogus",
        "geometric:abc",
        "geometric:1.5",
        "geometric:0",
        "geometric:-0.5",
        "list:",
        "list:1,x",
        "list:1,-2",
    ] {
        let args = ["anneal", "-i", &input, "-k", "2", "-o", &model];
        fails(
            &[&args[..], &["--schedule", schedule]].concat(),
            &["schedule"],
        );
    }
    assert_absent(&model);
}

#[test]
fn bad_anneal_temperatures() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    for (option, value) in [
        ("--sigma-start", "0"),
        ("--sigma-start", "-1"),
        ("--sigma-start", "nan"),
        ("--sigma-end", "0"),
        ("--sigma-end", "-2"),
        ("--sigma-end", "NaN"),
        ("--sigma-end", "inf"),
    ] {
        let args = [
            "anneal", "-i", &input, "-k", "2", "-o", &model, option, value,
        ];
        let name = option.trim_start_matches("--").replace('-', "_");
        fails(&args, &[&name]);
    }
    let args = ["anneal", "-i", &input, "-k", "2", "-o", &model];
    fails(
        &[&args[..], &["--sigma-start", "1", "--sigma-end", "2"]].concat(),
        &["sigma_end", "above sigma_start"],
    );
    assert_absent(&model);
}

#[test]
fn bad_soft_assign_temperatures() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    ok(&["fit", "-i", &input, "-k", "3", "-o", &model]);
    let out = dir.path("r.csv");
    for t in ["0", "-1", "-0.5", "nan", "inf"] {
        let args = [
            "soft-assign",
            "-m",
            &model,
            "-i",
            &input,
            "-t",
            t,
            "-o",
            &out,
        ];
        fails(&args, &["temperature", "positive"]);
    }
    let args = [
        "soft-assign",
        "-m",
        &model,
        "-i",
        &input,
        "-t",
        "1",
        "--map",
        "nope",
    ];
    fails(&args, &["unknown map `nope`"]);
    assert_absent(&out);
}

#[test]
fn init_with_several_runs() {
    let dir = Dir::new();
    let init = dir.write("c.csv", "0,0\n10,10\n");
    fit_fails(
        &["-k", "2", "--init", &init, "--n-init", "3"],
        &["n_init", "initial centers are given"],
    );
}

#[test]
fn command_lines_that_do_not_parse_get_one_line_and_code_2() {
    let dir = Dir::new();
    let (input, model) = setup(&dir);
    let fit = ["fit", "-i", &input, "-o", &model];
    fails_to_parse(
        &[&fit[..], &["-k", "abc"]].concat(),
        &["'abc'", "--n-clusters"],
    );
    fails_to_parse(&fit, &["required", "--n-clusters"]);
    fails_to_parse(
        &[&fit[..], &["-k", "2", "--bogus"]].concat(),
        &["'--bogus'"],
    );
    fails_to_parse(
        &[&fit[..], &["-k", "2", "--tol-mode", "x"]].concat(),
        &["'x'", "relative, absolute"],
    );
    fails_to_parse(&["no-such-command"], &["'no-such-command'"]);
    assert_absent(&model);
}
