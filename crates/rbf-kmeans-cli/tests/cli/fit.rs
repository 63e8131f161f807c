//! `fit` on good data: the model file, its full precision, stdin, headers and thread counts.

use ndarray::Array2;

use crate::util::{
    csv, csv_of, fails, irregular, model_centers, ok, parse_labels, run_with_stdin, Dir,
    THREE_PAIRS,
};

/// Fits `k` clusters to `input` with `extra` options; returns the model JSON and the labels.
fn fit(dir: &Dir, input: &str, k: &str, extra: &[&str]) -> (String, Vec<usize>) {
    let (model, labels) = (dir.path("model.json"), dir.path("labels.csv"));
    let args = [
        "fit", "-i", input, "-k", k, "-o", &model, "--labels", &labels,
    ];
    ok(&[&args[..], extra].concat());
    (
        dir.read("model.json"),
        parse_labels(&dir.read("labels.csv")),
    )
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).expect("the model is JSON")
}

#[test]
fn model_has_the_documented_keys_and_labels_one_per_line() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let (model, labels) = fit(&dir, &input, "3", &[]);
    let v = json(&model);
    assert_eq!(v["centers"].as_array().unwrap().len(), 3);
    assert!(v["centers"][0].as_array().unwrap().len() == 2);
    assert!(v["inertia"].as_f64().unwrap() > 0.0);
    assert!(v["n_iter"].as_u64().unwrap() >= 1);
    assert_eq!(v["format"], "rbf-kmeans-model");
    assert_eq!(labels.len(), 6);
    assert!(labels.iter().all(|&l| l < 3));
    assert!(dir.read("labels.csv").ends_with('\n'));
}

#[test]
fn predict_on_the_training_data_gives_the_fit_labels() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv_of(&irregular(300, 3, 1)));
    let (_, labels) = fit(&dir, &input, "5", &["--seed", "3", "--n-init", "2"]);
    let model = dir.path("model.json");
    let to_stdout = parse_labels(&ok(&["predict", "-m", &model, "-i", &input]));
    assert_eq!(to_stdout, labels);
    let out = dir.path("predicted.csv");
    ok(&["predict", "-m", &model, "-i", &input, "-o", &out]);
    assert_eq!(parse_labels(&dir.read("predicted.csv")), labels);
}

#[test]
fn centers_are_the_library_fit_bit_for_bit() {
    let rows = irregular(200, 3, 2);
    let dir = Dir::new();
    let input = dir.write("x.csv", csv_of(&rows));
    let (model, labels) = fit(&dir, &input, "4", &["--seed", "11"]);

    let x = Array2::from_shape_fn((rows.len(), 3), |(i, j)| rows[i][j]);
    let lib = rbf_kmeans::KMeansParams::new(4)
        .seed(11)
        .fit(x.view(), None)
        .unwrap();
    let centers = model_centers(&model);
    assert_eq!(centers.len(), 4);
    for (file_row, lib_row) in centers.iter().zip(lib.centers().outer_iter()) {
        let file_bits: Vec<u64> = file_row.iter().map(|v| v.to_bits()).collect();
        let lib_bits: Vec<u64> = lib_row.iter().map(|v| v.to_bits()).collect();
        assert_eq!(file_bits, lib_bits);
    }
    assert_eq!(
        json(&model)["inertia"].as_f64().unwrap().to_bits(),
        lib.inertia.to_bits()
    );
    assert_eq!(labels, lib.labels);
}

#[test]
fn labels_and_centers_do_not_depend_on_the_thread_count() {
    // Over two leaves of 2048 rows, so the threads really split the work.
    let dir = Dir::new();
    let input = dir.write("x.csv", csv_of(&irregular(5000, 2, 3)));
    let (model, labels) = fit(&dir, &input, "6", &["--threads", "1", "--n-init", "2"]);
    for threads in ["2", "4", "0"] {
        let other = fit(&dir, &input, "6", &["--threads", threads, "--n-init", "2"]);
        assert_eq!(other.1, labels, "--threads {threads}");
        assert_eq!(
            model_centers(&other.0),
            model_centers(&model),
            "--threads {threads}"
        );
    }
}

#[test]
fn stdin_is_read_as_csv() {
    let dir = Dir::new();
    let text = csv(THREE_PAIRS);
    let from_file = fit(&dir, &dir.write("x.csv", &text), "3", &[]);
    let (model, labels) = (dir.path("model.json"), dir.path("labels.csv"));
    let args = [
        "fit", "-i", "-", "-k", "3", "-o", &model, "--labels", &labels,
    ];
    let r = run_with_stdin(&args, text.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let from_stdin = (
        dir.read("model.json"),
        parse_labels(&dir.read("labels.csv")),
    );
    assert_eq!(model_centers(&from_stdin.0), model_centers(&from_file.0));
    assert_eq!(from_stdin.1, from_file.1);
}

#[test]
fn a_header_row_is_detected_or_forced() {
    let dir = Dir::new();
    let plain = fit(&dir, &dir.write("plain.csv", csv(THREE_PAIRS)), "3", &[]);
    let named = dir.write("named.csv", format!("x,y\n{}", csv(THREE_PAIRS)));
    let detected = fit(&dir, &named, "3", &[]);
    assert_eq!(model_centers(&detected.0), model_centers(&plain.0));
    assert_eq!(detected.1, plain.1);
    let forced = fit(&dir, &named, "3", &["--header"]);
    assert_eq!(model_centers(&forced.0), model_centers(&plain.0));

    let model = dir.path("m.json");
    fails(
        &["fit", "-i", &named, "-k", "3", "-o", &model, "--no-header"],
        &[&named, "line 1, column 1", "'x' is not a number"],
    );
    // A numeric first line taken as a header leaves five rows.
    let plain = dir.path("plain.csv");
    let (_, labels) = fit(&dir, &plain, "3", &["--header"]);
    assert_eq!(labels.len(), 5);
}

#[test]
fn semicolons_whitespace_and_comments_are_read() {
    let dir = Dir::new();
    let plain = fit(&dir, &dir.write("plain.csv", csv(THREE_PAIRS)), "3", &[]);
    let spaced = csv(THREE_PAIRS).replace(',', "  ");
    let spaced = fit(
        &dir,
        &dir.write("s.txt", format!("# x y\n{spaced}")),
        "3",
        &[],
    );
    let semi = fit(
        &dir,
        &dir.write("e.csv", csv(THREE_PAIRS).replace(',', ";")),
        "3",
        &[],
    );
    assert_eq!(spaced, plain);
    assert_eq!(semi, plain);
}

#[test]
fn the_largest_iteration_limit_is_accepted() {
    // The progress bar's length, runs × iterations, once overflowed and panicked.
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let max = usize::MAX.to_string();
    let (_, labels) = fit(&dir, &input, "3", &["--max-iter", &max, "--n-init", "2"]);
    assert_eq!(labels.len(), 6);
}
