//! Bad weights and initial-center files: one line naming the file and the problem, no model.

use crate::util::{assert_absent, csv, fails, Dir, THREE_PAIRS};

/// `fit -k k` on the three pairs with `option` set to a file `side.csv` holding `contents`.
fn fit_with_file_fails(option: &str, k: &str, contents: &str, needles: &[&str]) {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let file = dir.write("side.csv", contents);
    let model = dir.path("model.json");
    let args = ["fit", "-i", &input, "-k", k, "-o", &model, option, &file];
    fails(&args, needles);
    assert_absent(&model);
}

#[test]
fn negative_weight() {
    fit_with_file_fails(
        "--weights",
        "2",
        "1\n1\n-0.5\n1\n1\n1\n",
        &["side.csv", "row 3", "negative"],
    );
}

#[test]
fn all_zero_weights() {
    fit_with_file_fails(
        "--weights",
        "2",
        "0\n0\n0\n0\n0\n0\n",
        &["side.csv", "all zero", "at least one must be positive"],
    );
}

#[test]
fn nan_weight() {
    fit_with_file_fails(
        "--weights",
        "2",
        "1\n1\nnan\n1\n1\n1\n",
        &["side.csv", "line 3", "non-finite"],
    );
}

#[test]
fn weights_of_the_wrong_length() {
    fit_with_file_fails(
        "--weights",
        "2",
        "1\n1\n1\n",
        &["side.csv", "3 values", "6 rows"],
    );
    fit_with_file_fails(
        "--weights",
        "2",
        "1\n1\n1\n1\n1\n1\n1\n",
        &["side.csv", "7 values", "6 rows"],
    );
}

#[test]
fn weights_with_two_columns() {
    fit_with_file_fails(
        "--weights",
        "2",
        "1,1\n1,1\n1,1\n1,1\n1,1\n1,1\n",
        &["side.csv", "2 columns", "one number per line"],
    );
}

#[test]
fn too_heavy_weights_sum_to_infinity() {
    fit_with_file_fails(
        "--weights",
        "2",
        "1e308\n1e308\n1e308\n1\n1\n1\n",
        &["sum to inf"],
    );
}

#[test]
fn init_with_the_wrong_number_of_centers() {
    fit_with_file_fails(
        "--init",
        "3",
        "0,0\n10,10\n",
        &["side.csv", "2 centers", "--n-clusters is 3"],
    );
}

#[test]
fn init_with_the_wrong_number_of_columns() {
    fit_with_file_fails(
        "--init",
        "2",
        "0,0,0\n10,10,10\n",
        &["side.csv", "3 columns", "the data has 2"],
    );
}

#[test]
fn init_with_bad_values() {
    fit_with_file_fails(
        "--init",
        "2",
        "0,0\n10,inf\n",
        &["side.csv", "line 2, column 2"],
    );
}

#[test]
fn missing_init_file_is_named() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("model.json");
    let init = dir.path("c.csv");
    let args = [
        "fit", "-i", &input, "-k", "2", "-o", &model, "--init", &init,
    ];
    fails(&args, &[&init, "No such file"]);
    let args = [
        "fit", "-i", &input, "-k", "2", "-o", &model, "--init", "kmeans+",
    ];
    fails(&args, &["kmeans+"]);
    assert_absent(&model);
}
