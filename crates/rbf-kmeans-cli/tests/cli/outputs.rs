//! Where results go: nothing half-written on failure, quiet when piped, `-v` per iteration.

use crate::util::{assert_absent, csv, fails, run, Dir, THREE_PAIRS};

#[test]
fn model_in_a_missing_directory() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("no/such/dir/model.json");
    fails(&["fit", "-i", &input, "-k", "3", "-o", &model], &[&model]);
    assert_eq!(dir.entries(), ["x.csv"]);
}

#[test]
fn labels_in_a_missing_directory_write_no_model() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    let labels = dir.path("no/labels.csv");
    let args = [
        "fit", "-i", &input, "-k", "3", "-o", &model, "--labels", &labels,
    ];
    fails(&args, &[&labels]);
    assert_eq!(dir.entries(), ["x.csv"]);
}

#[test]
fn trace_in_a_missing_directory_writes_no_model() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    let trace = dir.path("no/trace.jsonl");
    let args = [
        "anneal", "-i", &input, "-k", "3", "-o", &model, "--trace", &trace,
    ];
    fails(&args, &[&trace]);
    assert_eq!(dir.entries(), ["x.csv"]);
}

#[test]
fn apply_outputs_in_a_missing_directory() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    crate::util::ok(&["fit", "-i", &input, "-k", "3", "-o", &model]);
    let out = dir.path("no/out.csv");
    for command in [
        &["predict", "-m", &model, "-i", &input, "-o", &out][..],
        &["transform", "-m", &model, "-i", &input, "-o", &out],
        &[
            "soft-assign",
            "-m",
            &model,
            "-i",
            &input,
            "-t",
            "1",
            "-o",
            &out,
        ],
        &["generate", "blobs", "--n", "10", "-o", &out],
    ] {
        fails(command, &[&out]);
    }
    assert_eq!(dir.entries(), ["model.json", "x.csv"]);
}

#[test]
fn a_failed_run_leaves_existing_outputs_untouched() {
    let dir = Dir::new();
    let input = dir.write("x.csv", "1,2\n3,oops\n");
    let model = dir.write("model.json", "precious model\n");
    let labels = dir.write("labels.csv", "precious labels\n");
    let args = [
        "fit", "-i", &input, "-k", "1", "-o", &model, "--labels", &labels,
    ];
    fails(&args, &["oops"]);
    assert_eq!(dir.read("model.json"), "precious model\n");
    assert_eq!(dir.read("labels.csv"), "precious labels\n");
    assert_eq!(dir.entries(), ["labels.csv", "model.json", "x.csv"]);
}

#[test]
fn piped_runs_show_no_progress() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    let r = run(&["fit", "-i", &input, "-k", "3", "-o", &model]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(r.stderr, "", "nothing on a piped stderr");
    assert!(
        r.stdout.starts_with("fitted 3 clusters to 6 points"),
        "{}",
        r.stdout
    );

    let r = run(&["-q", "fit", "-i", &input, "-k", "3", "-o", &model]);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (Some(0), "", "")
    );
}

#[test]
fn verbose_shows_the_inertia_of_every_iteration() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    let r = run(&[
        "-v", "fit", "-i", &input, "-k", "3", "-o", &model, "--tol", "0",
    ]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let n_iter: usize = serde_json::from_str::<serde_json::Value>(&dir.read("model.json")).unwrap()
        ["n_iter"]
        .as_u64()
        .unwrap() as usize;
    let iterations: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("iteration") && l.contains("inertia="))
        .collect();
    assert_eq!(iterations.len(), n_iter, "{}", r.stderr);
    assert!(!r.stderr.contains('\r'), "no progress bar on a pipe");
}

#[test]
fn stdout_outputs_are_empty_on_failure() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    crate::util::ok(&["fit", "-i", &input, "-k", "3", "-o", &model]);
    let bad = dir.write("bad.csv", "1,2\n3,4\n5,6,7\n");
    fails(&["predict", "-m", &model, "-i", &bad], &["line 3"]);
    assert_absent(&dir.path("labels.csv"));
}

#[test]
fn results_on_stdout_are_not_mixed_with_the_summary() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = crate::util::ok(&["fit", "-i", &input, "-k", "3", "-o", "-"]);
    let v: serde_json::Value = serde_json::from_str(&model).expect("only the model on stdout");
    assert_eq!(v["centers"].as_array().unwrap().len(), 3);

    let m = dir.path("model.json");
    let labels = crate::util::ok(&["fit", "-i", &input, "-k", "3", "-o", &m, "--labels", "-"]);
    assert_eq!(crate::util::parse_labels(&labels).len(), 6);

    let trace = crate::util::ok(&["anneal", "-i", &input, "-k", "3", "-o", &m, "--trace", "-"]);
    for line in trace.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("only the trace on stdout");
    }
}

#[test]
fn a_reader_that_stops_early_is_no_error() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    // Far more than a pipe's buffer, so the writer meets the closed pipe.
    let mut child = Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
        .args(["generate", "blobs", "--n", "200000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert_eq!(first.split(',').count(), 2, "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(out.status.success());
}

#[test]
fn a_terminal_gets_a_progress_bar_unless_quiet() {
    // util-linux `script` runs the binary on a pseudo-terminal; without it there is no terminal
    // to test with.
    let has_script = std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_script {
        eprintln!("skipped: no `script` command to provide a terminal");
        return;
    }
    let dir = Dir::new();
    let input = dir.write(
        "x.csv",
        crate::util::csv_of(&crate::util::irregular(3000, 2, 12)),
    );
    let model = dir.path("model.json");
    let on_terminal = |quiet: &str| {
        let command = format!(
            "{} {quiet} fit -i {input} -k 8 -o {model} --tol 0 --max-iter 30",
            env!("CARGO_BIN_EXE_rbf-kmeans")
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = on_terminal("");
    assert!(shown.contains("lloyd ["), "{shown}");
    let quiet = on_terminal("-q");
    assert!(!quiet.contains("lloyd ["), "{quiet}");
}
