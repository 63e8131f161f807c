//! `anneal` and `generate`: a model usable by the other commands and a documented trace.

use crate::util::{csv_of, fails, irregular, model_centers, ok, parse_labels, parse_matrix, Dir};

/// The keys every trace line has, from the README.
const TRACE_KEYS: [&str; 11] = [
    "sigma",
    "loss",
    "free_energy",
    "distortion",
    "bound",
    "delta",
    "entropy",
    "support",
    "hard_fraction",
    "n_distinct_centers",
    "certificate_sigma",
];

#[test]
fn annealed_model_works_with_predict_and_transform() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv_of(&irregular(60, 2, 9)));
    for map in ["softmax", "entmax15", "sparsemax", "hard"] {
        let model = dir.path(&format!("{map}.json"));
        let trace = dir.path(&format!("{map}.jsonl"));
        let args = [
            "anneal", "-i", &input, "-k", "3", "--map", map, "-o", &model,
        ];
        ok(&[
            &args[..],
            &["--trace", &trace, "--schedule", "geometric:0.5"],
        ]
        .concat());

        let v: serde_json::Value = serde_json::from_str(&dir.read(&format!("{map}.json"))).unwrap();
        assert_eq!(v["kind"], "rbf");
        assert!(v["inertia"].as_f64().is_some() && v["n_iter"].as_u64().is_some());
        let labels = parse_labels(&ok(&["predict", "-m", &model, "-i", &input]));
        assert_eq!(labels.len(), 60);
        assert!(labels.iter().all(|&l| l < 3));
        let d = parse_matrix(&ok(&["transform", "-m", &model, "-i", &input]));
        assert_eq!((d.len(), d[0].len()), (60, 3));
        assert_eq!(model_centers(&dir.read(&format!("{map}.json"))).len(), 3);

        let lines: Vec<String> = dir
            .read(&format!("{map}.jsonl"))
            .lines()
            .map(String::from)
            .collect();
        assert!(!lines.is_empty(), "{map}: an empty trace");
        assert_eq!(v["extra"]["n_stages"].as_u64(), Some(lines.len() as u64));
        for line in &lines {
            let stage: serde_json::Value = serde_json::from_str(line).unwrap();
            for key in TRACE_KEYS {
                assert!(stage.get(key).is_some(), "{map}: no {key} in {line}");
            }
        }
    }
}

#[test]
fn explicit_list_schedule_gives_one_stage_per_temperature() {
    let dir = Dir::new();
    let input = dir.write("x.csv", csv_of(&irregular(30, 2, 10)));
    let (model, trace) = (dir.path("m.json"), dir.path("t.jsonl"));
    let args = [
        "anneal", "-i", &input, "-k", "2", "-o", &model, "--trace", &trace,
    ];
    ok(&[&args[..], &["--schedule", "list:4,2,1,0.5"]].concat());
    let sigmas: Vec<f64> = dir
        .read("t.jsonl")
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["sigma"]
                .as_f64()
                .unwrap()
        })
        .collect();
    assert_eq!(sigmas, [4.0, 2.0, 1.0, 0.5]);
}

#[test]
fn generated_data_can_be_fitted() {
    let dir = Dir::new();
    let (x, truth) = (dir.path("x.csv"), dir.path("truth.csv"));
    ok(&[
        "generate", "blobs", "--n", "90", "--seed", "3", "-o", &x, "--labels", &truth,
    ]);
    assert_eq!(parse_matrix(&dir.read("x.csv")).len(), 90);
    assert_eq!(parse_labels(&dir.read("truth.csv")).len(), 90);
    let model = dir.path("m.json");
    ok(&["fit", "-i", &x, "-k", "3", "-o", &model]);

    fails(
        &["generate", "no-such-shape", "--n", "5"],
        &["no-such-shape"],
    );
    fails(&["generate", "blobs", "--n", "0"], &["at least 1"]);
}
