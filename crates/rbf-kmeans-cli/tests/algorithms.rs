//! End-to-end: `fit --algorithm elkan|hamerly|auto` gives exactly the labels and centers of
//! `--algorithm lloyd`, and the model file records what was asked for and what ran.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use rbf_kmeans::rng::Rng;
use serde_json::Value;

fn out_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Overlapping 3-D blobs plus lattice points (exact ties between lattice-aligned centers), as CSV
/// without a header, and initial centers taken from the data.
fn write_data(dir: &Path) -> (PathBuf, PathBuf) {
    let mut rng = Rng::new(17);
    let mut rows: Vec<[f64; 3]> = (0..6000)
        .map(|i| {
            let c = (i % 7) as f64 * 2.5;
            [c + rng.normal(), c - rng.normal(), rng.normal()]
        })
        .collect();
    rows.extend((0..1000).map(|_| {
        [
            (rng.uniform() * 8.0).floor(),
            (rng.uniform() * 8.0).floor(),
            0.0,
        ]
    }));
    let csv = |rs: &[[f64; 3]]| -> String {
        rs.iter()
            .map(|r| format!("{},{},{}\n", r[0], r[1], r[2]))
            .collect()
    };
    let data = dir.join("data.csv");
    let init = dir.join("init.csv");
    fs::write(&data, csv(&rows)).unwrap();
    let centers: Vec<[f64; 3]> = (0..12).map(|j| rows[6000 + j * 5]).collect();
    fs::write(&init, csv(&centers)).unwrap();
    (data, init)
}

/// Runs `fit` and returns the label file's text and the model file.
fn fit(dir: &Path, data: &Path, init: &Path, algorithm: &str, threads: &str) -> (String, Value) {
    let model = dir.join(format!("model-{algorithm}-{threads}.json"));
    let labels = dir.join(format!("labels-{algorithm}-{threads}.txt"));
    let out = Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
        .args(["fit", "-k", "12", "--tol", "0", "--max-iter", "100"])
        .args(["--threads", threads, "--algorithm", algorithm, "--input"])
        .arg(data)
        .arg("--init")
        .arg(init)
        .arg("--output")
        .arg(&model)
        .arg("--labels")
        .arg(&labels)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "fit --algorithm {algorithm} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let model: Value = serde_json::from_str(&fs::read_to_string(model).unwrap()).unwrap();
    (fs::read_to_string(labels).unwrap(), model)
}

#[test]
fn every_algorithm_gives_lloyds_labels_and_centers() {
    let dir = out_dir("algorithms-same-labels");
    let (data, init) = write_data(&dir);
    let (want_labels, want) = fit(&dir, &data, &init, "lloyd", "1");
    assert_eq!(want["extra"]["algorithm"], "lloyd");
    for (algorithm, threads) in [
        ("elkan", "1"),
        ("elkan", "2"),
        ("hamerly", "2"),
        ("auto", "2"),
    ] {
        let (labels, model) = fit(&dir, &data, &init, algorithm, threads);
        assert!(
            labels == want_labels,
            "{algorithm}: labels differ from Lloyd's"
        );
        for key in ["centers", "inertia", "n_iter", "stop_reason"] {
            assert_eq!(model[key], want[key], "{algorithm}: {key} differs");
        }
        assert_eq!(model["options"]["algorithm"], algorithm);
        if algorithm != "auto" {
            assert_eq!(model["extra"]["algorithm"], algorithm);
        }
    }
}

#[test]
fn an_unknown_algorithm_is_a_clear_error() {
    let dir = out_dir("algorithms-unknown");
    let (data, init) = write_data(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_rbf-kmeans"))
        .args(["fit", "-k", "12", "--algorithm", "fast", "--input"])
        .arg(&data)
        .arg("--init")
        .arg(&init)
        .arg("--output")
        .arg(dir.join("model.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("fast") && stderr.contains("elkan"),
        "{stderr}"
    );
}
