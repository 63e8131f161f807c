//! Shared fixtures of the `theory_*` suites: random and adversarial data with centers, naive
//! reference computations, and comparison helpers.
#![allow(dead_code)]

use ndarray::{Array2, ArrayView2};
use rbf_kmeans::rbf::network::Evaluation;
use rbf_kmeans::rbf::{Map, RbfNetwork};
use rbf_kmeans::rng::Rng;

/// A data set with centers to evaluate at, and optional sample weights.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    pub x: Array2<f64>,
    pub centers: Array2<f64>,
    pub weights: Option<Vec<f64>>,
}

impl Case {
    pub fn weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    pub fn total_weight(&self) -> f64 {
        match &self.weights {
            Some(w) => w.iter().sum(),
            None => self.x.nrows() as f64,
        }
    }

    pub fn weight(&self, i: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[i])
    }

    pub fn k(&self) -> usize {
        self.centers.nrows()
    }
}

/// `n × d` standard normal points around `k` random means spread by `sep`.
pub fn random_blobs(n: usize, d: usize, k: usize, sep: f64, rng: &mut Rng) -> Array2<f64> {
    let means: Vec<f64> = (0..k * d).map(|_| sep * rng.normal()).collect();
    let labels: Vec<usize> = (0..n).map(|_| rng.below(k)).collect();
    let mut x = Array2::zeros((n, d));
    for i in 0..n {
        for t in 0..d {
            x[[i, t]] = means[labels[i] * d + t] + rng.normal();
        }
    }
    x
}

pub fn random_matrix(rows: usize, cols: usize, scale: f64, rng: &mut Rng) -> Array2<f64> {
    Array2::from_shape_fn((rows, cols), |_| scale * rng.normal())
}

pub fn random_weights(n: usize, rng: &mut Rng) -> Vec<f64> {
    (0..n).map(|_| 0.1 + 3.0 * rng.uniform()).collect()
}

/// The random case and the adversarial ones: exact ties, duplicate points, points exactly on a
/// center, a single cluster, and as many clusters as points.
pub fn cases() -> Vec<Case> {
    let mut rng = Rng::new(20260301);
    let mut out = Vec::new();

    let x = random_blobs(240, 3, 5, 4.0, &mut rng);
    out.push(Case {
        name: "random",
        centers: random_matrix(5, 3, 3.0, &mut rng),
        weights: None,
        x: x.clone(),
    });
    out.push(Case {
        name: "random-weighted",
        centers: random_matrix(7, 3, 3.0, &mut rng),
        weights: Some(random_weights(x.nrows(), &mut rng)),
        x,
    });

    // Points on the bisector of the first two centers, and the circumcentre (0, 0.75) of all
    // three, are exactly equidistant (every coordinate is a dyadic rational).
    let mut rows = vec![[0.0, 0.75], [0.0, 0.75]];
    for j in -6..=6 {
        rows.push([0.0, 0.5 * j as f64]);
        rows.push([0.25 * j as f64, -1.0]);
    }
    out.push(Case {
        name: "ties",
        x: Array2::from_shape_fn((rows.len(), 2), |(i, t)| rows[i][t]),
        centers: ndarray::array![[-1.0, 0.0], [1.0, 0.0], [0.0, 2.0]],
        weights: None,
    });

    let base = random_blobs(8, 2, 2, 3.0, &mut rng);
    let dup = Array2::from_shape_fn((64, 2), |(i, t)| base[[i % 8, t]]);
    let w: Vec<f64> = (0..64)
        .map(|i| {
            if i % 9 == 0 {
                0.0
            } else {
                1.0 + (i % 5) as f64
            }
        })
        .collect();
    out.push(Case {
        name: "duplicates-weighted",
        centers: random_matrix(3, 2, 2.0, &mut rng),
        weights: Some(w),
        x: dup,
    });

    let x = random_blobs(60, 2, 3, 3.0, &mut rng);
    let centers = Array2::from_shape_fn((4, 2), |(j, t)| x[[7 * j, t]]);
    out.push(Case {
        name: "point-on-center",
        x,
        centers,
        weights: None,
    });

    let x = random_blobs(50, 4, 3, 3.0, &mut rng);
    out.push(Case {
        name: "k=1",
        centers: random_matrix(1, 4, 1.0, &mut rng),
        weights: Some(random_weights(50, &mut rng)),
        x,
    });

    let x = random_blobs(12, 2, 3, 3.0, &mut rng);
    out.push(Case {
        name: "k=n",
        centers: x.clone(),
        weights: None,
        x,
    });
    out
}

/// The maps of claim 1 with a proven loss bound.
pub const BOUNDED_MAPS: [Map; 3] = [Map::Softmax, Map::Entmax15, Map::Sparsemax];

/// `n` temperatures from `lo` to `hi`, evenly spaced in `log σ`.
pub fn log_space(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    let (a, b) = (lo.ln(), hi.ln());
    (0..n)
        .map(|i| (a + (b - a) * i as f64 / (n - 1) as f64).exp())
        .collect()
}

pub fn evaluate(
    x: ArrayView2<'_, f64>,
    w: Option<&[f64]>,
    centers: &Array2<f64>,
    map: Map,
    sigma: f64,
) -> Evaluation {
    RbfNetwork::new(centers.clone(), map, sigma)
        .unwrap()
        .evaluate(x, w)
        .unwrap()
}

pub fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Index of the nearest center, ties to the lowest index.
pub fn nearest(x: &[f64], centers: &Array2<f64>) -> (usize, f64, f64) {
    let (mut best, mut d1, mut d2) = (0, f64::INFINITY, f64::INFINITY);
    for (j, c) in centers.rows().into_iter().enumerate() {
        let d = sq_dist(x, c.as_slice().unwrap());
        if d < d1 {
            d2 = d1;
            d1 = d;
            best = j;
        } else if d < d2 {
            d2 = d;
        }
    }
    (best, d1, d2)
}

/// One Lloyd step computed naively (empty clusters keep their center).
pub fn naive_lloyd_step(x: &Array2<f64>, w: Option<&[f64]>, centers: &Array2<f64>) -> Array2<f64> {
    let (k, d) = centers.dim();
    let mut sums = Array2::<f64>::zeros((k, d));
    let mut mass = vec![0.0; k];
    for (i, row) in x.rows().into_iter().enumerate() {
        let wi = w.map_or(1.0, |w| w[i]);
        let (a, _, _) = nearest(row.as_slice().unwrap(), centers);
        mass[a] += wi;
        for t in 0..d {
            sums[[a, t]] += wi * row[t];
        }
    }
    Array2::from_shape_fn((k, d), |(j, t)| {
        if mass[j] > 0.0 {
            sums[[j, t]] / mass[j]
        } else {
            centers[[j, t]]
        }
    })
}

/// `max |a − b|` over all entries.
pub fn max_abs_diff<'a>(
    a: impl IntoIterator<Item = &'a f64>,
    b: impl IntoIterator<Item = &'a f64>,
) -> f64 {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

pub fn max_abs<'a>(a: impl IntoIterator<Item = &'a f64>) -> f64 {
    a.into_iter().map(|x| x.abs()).fold(0.0, f64::max)
}

/// Square root of the mean feature variance: the length scale of a data set.
pub fn length_scale(x: &Array2<f64>) -> f64 {
    let n = x.nrows() as f64;
    let var: f64 = x
        .columns()
        .into_iter()
        .map(|c| {
            let m = c.sum() / n;
            c.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n
        })
        .sum::<f64>()
        / x.ncols() as f64;
    var.sqrt()
}
