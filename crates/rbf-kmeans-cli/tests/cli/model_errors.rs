//! Bad model files and data that does not fit a model: one line naming the model file.

use crate::util::{assert_absent, csv, fails, ok, Dir, THREE_PAIRS};

/// A fitted model of the three pairs, returned as JSON.
fn fitted(dir: &Dir) -> serde_json::Value {
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("good.json");
    ok(&["fit", "-i", &input, "-k", "3", "-o", &model]);
    serde_json::from_str(&dir.read("good.json")).unwrap()
}

/// `predict`, `transform` and `soft-assign` with a model file holding `contents` all fail with
/// the model file and `needles` named.
fn every_command_fails(dir: &Dir, contents: &str, needles: &[&str]) {
    let model = dir.write("model.json", contents);
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let out = dir.path("out.csv");
    let mut all = vec![model.as_str()];
    all.extend(needles);
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
    ] {
        fails(command, &all);
    }
    assert_absent(&out);
}

#[test]
fn missing_model_file() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv(THREE_PAIRS));
    let model = dir.path("nope.json");
    fails(
        &["predict", "-m", &model, "-i", &input],
        &[&model, "No such file"],
    );
}

#[test]
fn model_not_json() {
    let dir = Dir::new();
    every_command_fails(&dir, "centers: [[1, 2]]\n", &["not valid JSON"]);
    every_command_fails(&dir, "", &["not valid JSON"]);
}

#[test]
fn model_of_another_program() {
    let dir = Dir::new();
    every_command_fails(
        &dir,
        "{\"centers\": [[1, 2]]}",
        &["not an rbf-kmeans model file"],
    );
}

#[test]
fn model_of_another_version() {
    let dir = Dir::new();
    let mut v = fitted(&dir);
    v["format_version"] = 2.into();
    v["library_version"] = "9.9.9".into();
    every_command_fails(&dir, &v.to_string(), &["format version 2", "9.9.9"]);
    v.as_object_mut().unwrap().remove("format_version");
    every_command_fails(&dir, &v.to_string(), &["format version missing"]);
}

#[test]
fn model_missing_keys() {
    let dir = Dir::new();
    for key in ["centers", "inertia", "n_iter"] {
        let mut v = fitted(&dir);
        v.as_object_mut().unwrap().remove(key);
        every_command_fails(&dir, &v.to_string(), &["missing field", key]);
    }
}

#[test]
fn model_with_bad_centers() {
    let dir = Dir::new();
    let mut v = fitted(&dir);
    v["centers"] = serde_json::json!([[1.0, 2.0], [3.0]]);
    every_command_fails(&dir, &v.to_string(), &["center 2 has 1 values, expected 2"]);
    v["centers"] = serde_json::json!([]);
    every_command_fails(&dir, &v.to_string(), &["no centers"]);
    v["centers"] = serde_json::json!([["a", 1.0]]);
    every_command_fails(&dir, &v.to_string(), &["malformed"]);
}

#[test]
fn data_with_the_wrong_number_of_columns() {
    let dir = Dir::new();
    fitted(&dir);
    let model = dir.path("good.json");
    let input = dir.write("x3.csv", "1,2,3\n4,5,6\n");
    let out = dir.path("out.csv");
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
    ] {
        fails(command, &[&input, "2", "3"]);
    }
    assert_absent(&out);
}
