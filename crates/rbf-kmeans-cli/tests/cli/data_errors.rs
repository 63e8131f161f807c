//! Bad data files given to `fit`: each is one line naming the file and, where it applies, the
//! line and column, and no model is written.

use crate::util::{assert_absent, fails, Dir};

/// Runs `fit` on a data file holding `contents`; asserts the error and that no model was written.
fn fit_fails(contents: impl AsRef<[u8]>, needles: &[&str]) -> String {
    let dir = Dir::new();
    let input = dir.write("x.csv", contents);
    let model = dir.path("model.json");
    let line = fails(
        &["fit", "--input", &input, "-k", "2", "--output", &model],
        needles,
    );
    assert_absent(&model);
    assert!(line.contains(&input), "the file is named: {line}");
    line
}

#[test]
fn missing_input_file() {
    let dir = Dir::new();
    let input = dir.path("nope.csv");
    let model = dir.path("model.json");
    fails(
        &["fit", "--input", &input, "-k", "2", "--output", &model],
        &[&input, "No such file"],
    );
    assert_absent(&model);
}

#[test]
fn directory_as_input() {
    let dir = Dir::new();
    let model = dir.path("model.json");
    for input in [dir.path("sub"), dir.path("sub.npy")] {
        std::fs::create_dir_all(&input).unwrap();
        fails(
            &["fit", "--input", &input, "-k", "2", "--output", &model],
            &[&input, "directory"],
        );
    }
    assert_absent(&model);
}

#[test]
fn empty_file() {
    fit_fails("", &["holds no data"]);
    fit_fails("\n# a comment\n\n", &["holds no data"]);
}

#[test]
fn header_only() {
    fit_fails("x,y\n", &["header on line 1", "no data rows"]);
}

#[test]
fn ragged_rows() {
    fit_fails(
        "1,2\n3,4\n5\n",
        &["line 3 has 1 fields, expected 2 (from line 1)"],
    );
}

#[test]
fn text_in_a_numeric_field() {
    fit_fails(
        "1,2\n3,4\n5,abc\n",
        &["line 3, column 2", "'abc' is not a number"],
    );
}

#[test]
fn empty_field() {
    fit_fails("1,2\n3,\n", &["line 2, column 2", "empty field"]);
}

#[test]
fn nan_and_infinities() {
    for bad in ["nan", "NaN", "inf", "-inf", "1e999"] {
        let line = fit_fails(
            format!("1,2\n3,4\n5,{bad}\n"),
            &["line 3, column 2", "non-finite"],
        );
        assert!(line.contains(bad), "{line}");
    }
}

#[test]
fn bad_data_on_stdin_is_named_stdin() {
    let dir = Dir::new();
    let model = dir.path("model.json");
    let args = ["fit", "--input", "-", "-k", "2", "--output", &model];
    let r = crate::util::run_with_stdin(&args, b"1,2\n3,x\n");
    crate::util::assert_user_error(&r, &args, &["<stdin>", "line 2, column 2"]);
    let r = crate::util::run_with_stdin(&args, b"");
    crate::util::assert_user_error(&r, &args, &["<stdin>", "holds no data"]);
    assert_absent(&model);
}

#[test]
fn binary_file_as_csv() {
    fit_fails(b"1,2\n3,\xff\xfe\n", &["line 2", "not valid UTF-8"]);
}

#[test]
fn values_so_spread_out_that_squared_distances_overflow() {
    // These once gave an infinite inertia from fit and a panic from anneal.
    for command in ["fit", "anneal"] {
        let dir = Dir::new();
        let input = dir.write("x.csv", "1e200,0\n-1e200,0\n1e300,1\n-1e300,5\n");
        let model = dir.path("model.json");
        let line = fails(
            &[command, "--input", &input, "-k", "2", "--output", &model],
            &["too wide a range", "rescale"],
        );
        assert!(line.contains(&input), "{line}");
        assert_absent(&model);
    }
}

#[test]
fn large_but_safe_values_are_fitted() {
    let dir = Dir::new();
    let input = dir.write("x.csv", "1e150,0\n-1e150,0\n1e150,1\n-1e150,5\n");
    let model = dir.path("model.json");
    crate::util::ok(&["fit", "--input", &input, "-k", "2", "--output", &model]);
}
