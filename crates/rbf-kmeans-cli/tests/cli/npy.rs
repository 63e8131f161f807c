//! NumPy `.npy` inputs: both precisions read, every malformed file rejected in one line.

use crate::util::{
    assert_absent, f32_bytes, f64_bytes, fails, model_centers, npy, ok, parse_labels,
    run_with_stdin, Dir,
};

/// The three pairs of `util::THREE_PAIRS`, flattened row by row.
const PAIRS: [f64; 12] = [
    0.0, 0.0, 0.1, 0.2, 10.0, 10.0, 10.2, 9.9, -10.0, 10.0, -9.8, 10.1,
];

/// Fits three clusters to `file` in `dir`; returns the model JSON and the labels.
fn fit(dir: &Dir, file: &str) -> (String, Vec<usize>) {
    let (model, labels) = (dir.path("model.json"), dir.path("labels.csv"));
    ok(&[
        "fit", "-i", file, "-k", "3", "-o", &model, "--labels", &labels,
    ]);
    (
        dir.read("model.json"),
        parse_labels(&dir.read("labels.csv")),
    )
}

/// Pairs of rows share a label and the three pairs differ.
fn assert_pairs(labels: &[usize]) {
    assert_eq!(labels.len(), 6);
    for p in 0..3 {
        assert_eq!(labels[2 * p], labels[2 * p + 1], "{labels:?}");
    }
    assert!(labels[0] != labels[2] && labels[2] != labels[4] && labels[0] != labels[4]);
}

#[test]
fn f64_and_f32_files_are_fitted_in_their_precision() {
    let dir = Dir::new();
    let x64 = dir.write("x64.npy", npy("<f8", false, "(6, 2)", &f64_bytes(&PAIRS)));
    let (model, labels) = fit(&dir, &x64);
    assert!(model.contains("\"dtype\": \"f64\""), "{model}");
    assert_pairs(&labels);

    let pairs32: Vec<f32> = PAIRS.iter().map(|&v| v as f32).collect();
    let x32 = dir.write("x32.npy", npy("<f4", false, "(6, 2)", &f32_bytes(&pairs32)));
    let (model, labels) = fit(&dir, &x32);
    assert!(model.contains("\"dtype\": \"f32\""), "{model}");
    assert_pairs(&labels);
    for c in model_centers(&model).into_iter().flatten() {
        assert_eq!(c as f32 as f64, c, "an f32 center is stored exactly");
    }

    let m = dir.path("model.json");
    let predicted = parse_labels(&ok(&["predict", "-m", &m, "-i", &x32]));
    assert_eq!(predicted, labels);
}

#[test]
fn fortran_order_is_the_same_matrix() {
    let dir = Dir::new();
    let columns: Vec<f64> = (0..2)
        .flat_map(|j| (0..6).map(move |i| PAIRS[2 * i + j]))
        .collect();
    let c_order = dir.write("c.npy", npy("<f8", false, "(6, 2)", &f64_bytes(&PAIRS)));
    let f_order = dir.write("f.npy", npy("<f8", true, "(6, 2)", &f64_bytes(&columns)));
    assert_eq!(fit(&dir, &c_order), fit(&dir, &f_order));
}

#[test]
fn npy_on_stdin() {
    let dir = Dir::new();
    let bytes = npy("<f8", false, "(6, 2)", &f64_bytes(&PAIRS));
    let from_file = fit(&dir, &dir.write("x.npy", &bytes));
    let (model, labels) = (dir.path("model.json"), dir.path("labels.csv"));
    let args = [
        "fit", "-i", "-", "-k", "3", "-o", &model, "--labels", &labels,
    ];
    let r = run_with_stdin(&args, &bytes);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(
        from_file,
        (
            dir.read("model.json"),
            parse_labels(&dir.read("labels.csv"))
        )
    );
}

/// `fit` on a `.npy` file holding `bytes` fails naming the file and `needles`; no model.
fn npy_fails(bytes: &[u8], needles: &[&str]) {
    let dir = Dir::new();
    let input = dir.write("x.npy", bytes);
    let model = dir.path("model.json");
    let mut all = vec![input.as_str()];
    all.extend(needles);
    fails(&["fit", "-i", &input, "-k", "2", "-o", &model], &all);
    // The same bytes under another name are recognised by their magic string.
    let other = dir.write("x.dat", bytes);
    all[0] = &other;
    fails(&["fit", "-i", &other, "-k", "2", "-o", &model], &all);
    assert_absent(&model);
}

#[test]
fn wrong_dtype() {
    npy_fails(&npy("<f2", false, "(2, 2)", &[0; 8]), &["dtype '<f2'"]);
    npy_fails(&npy("|u1", false, "(2, 2)", &[0; 4]), &["dtype '|u1'"]);
    npy_fails(&npy("<c16", false, "(1, 1)", &[0; 16]), &["dtype '<c16'"]);
}

#[test]
fn three_dimensions() {
    let data = f64_bytes(&[1.0; 12]);
    npy_fails(
        &npy("<f8", false, "(2, 3, 2)", &data),
        &["shape (2, 3, 2)", "2 dimensions"],
    );
    npy_fails(
        &npy("<f8", false, "(12,)", &data),
        &["shape (12,)", "reshape(-1, 1)"],
    );
}

#[test]
fn truncated_data() {
    let data = f64_bytes(&[1.0, 2.0, 3.0]);
    npy_fails(
        &npy("<f8", false, "(2, 2)", &data),
        &["promises 32 bytes", "holds 24", "truncated"],
    );
    let whole = npy("<f8", false, "(2, 2)", &f64_bytes(&[1.0; 4]));
    npy_fails(&whole[..9], &["invalid .npy header"]);
}

#[test]
fn non_finite_values() {
    let data = f64_bytes(&[1.0, 2.0, f64::NAN, 4.0]);
    npy_fails(
        &npy("<f8", false, "(2, 2)", &data),
        &["NaN at row 2, column 1"],
    );
    let data = f32_bytes(&[1.0, f32::NEG_INFINITY, 3.0, 4.0]);
    npy_fails(
        &npy("<f4", false, "(2, 2)", &data),
        &["-inf at row 1, column 2"],
    );
}

#[test]
fn not_an_npy_file() {
    let dir = Dir::new();
    let input = dir.write("x.npy", "1,2\n3,4\n");
    let model = dir.path("model.json");
    fails(
        &["fit", "-i", &input, "-k", "2", "-o", &model],
        &[&input, "not a NumPy .npy file"],
    );
    let input = dir.write("empty.npy", "");
    fails(
        &["fit", "-i", &input, "-k", "2", "-o", &model],
        &[&input, "not a NumPy .npy file"],
    );
    assert_absent(&model);
}
