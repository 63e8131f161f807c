//! `transform` and `soft-assign`: shapes and values against the model's centers.

use crate::util::{csv_of, irregular, model_centers, ok, parse_matrix, Dir};

/// A model of `k` centers fitted to `rows`, and the data file; returns (model path, data path,
/// centers).
fn fitted(dir: &Dir, rows: &[Vec<f64>], k: &str) -> (String, String, Vec<Vec<f64>>) {
    let input = dir.write("x.csv", csv_of(rows));
    let model = dir.path("model.json");
    ok(&["fit", "-i", &input, "-k", k, "-o", &model, "--seed", "5"]);
    let centers = model_centers(&dir.read("model.json"));
    (model, input, centers)
}

fn sq_distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

fn assert_close(a: f64, b: f64) {
    assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "{a} vs {b}");
}

#[test]
fn transform_gives_the_distance_to_every_center() {
    let rows = irregular(50, 3, 4);
    let dir = Dir::new();
    let (model, input, centers) = fitted(&dir, &rows, "4");

    let distances = parse_matrix(&ok(&["transform", "-m", &model, "-i", &input]));
    let out = dir.path("sq.csv");
    ok(&[
        "transform",
        "-m",
        &model,
        "-i",
        &input,
        "--squared",
        "-o",
        &out,
    ]);
    let squared = parse_matrix(&dir.read("sq.csv"));

    assert_eq!(distances.len(), 50);
    assert_eq!(squared.len(), 50);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(distances[i].len(), 4);
        for (j, c) in centers.iter().enumerate() {
            assert_close(squared[i][j], sq_distance(row, c));
            assert_close(distances[i][j], sq_distance(row, c).sqrt());
        }
    }
}

#[test]
fn the_centers_are_read_back_exactly() {
    // Distances from the centers to themselves are exactly zero only if the model file gave the
    // centers back to the last bit.
    let dir = Dir::new();
    let (model, _, centers) = fitted(&dir, &irregular(80, 2, 6), "5");
    let at_centers = dir.write("c.csv", csv_of(&centers));
    let sq = parse_matrix(&ok(&[
        "transform",
        "-m",
        &model,
        "-i",
        &at_centers,
        "--squared",
    ]));
    for (j, row) in sq.iter().enumerate() {
        assert_eq!(row[j], 0.0, "center {j}: {row:?}");
    }
}

#[test]
fn soft_assign_rows_are_on_the_simplex() {
    let rows = irregular(40, 2, 7);
    let dir = Dir::new();
    let (model, input, _) = fitted(&dir, &rows, "3");
    for map in ["softmax", "entmax15", "sparsemax", "entmax:1.3", "hard"] {
        for t in ["0.01", "1", "100"] {
            let args = [
                "soft-assign",
                "-m",
                &model,
                "-i",
                &input,
                "-t",
                t,
                "--map",
                map,
            ];
            let r = parse_matrix(&ok(&args));
            assert_eq!(r.len(), 40);
            for row in &r {
                assert_eq!(row.len(), 3);
                assert!(
                    row.iter().all(|&p| (0.0..=1.0).contains(&p)),
                    "{map} {t}: {row:?}"
                );
                let total: f64 = row.iter().sum();
                assert!((total - 1.0).abs() < 1e-9, "{map} at {t}: sums to {total}");
            }
            if map == "hard" {
                assert!(r.iter().flatten().all(|&p| p == 0.0 || p == 1.0));
            }
        }
    }
}

#[test]
fn soft_assign_at_low_temperature_agrees_with_predict() {
    let rows = irregular(40, 2, 8);
    let dir = Dir::new();
    let (model, input, _) = fitted(&dir, &rows, "3");
    let labels = crate::util::parse_labels(&ok(&["predict", "-m", &model, "-i", &input]));
    let args = [
        "soft-assign",
        "-m",
        &model,
        "-i",
        &input,
        "-t",
        "1e-6",
        "--map",
        "sparsemax",
    ];
    let r = parse_matrix(&ok(&args));
    for (row, &label) in r.iter().zip(&labels) {
        assert_eq!(row[label], 1.0, "{row:?}");
    }
}
