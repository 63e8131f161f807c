//! Timings of k-means++, k-means|| and mini-batch steps on a benchmark workload, as JSON lines
//! comparable with `shared/bench/peers.py` (`sk-kpp`, `sk-minibatch-pf`).
//!
//! ```text
//! cargo run --release -p rbf-kmeans --example init_minibatch_timings -- \
//!     /tmp/bench-data/W2_f32_x.bin /tmp/bench-data/W2_f32_init.bin 1000000 32 64 1
//! ```
//!
//! Arguments: raw little-endian `f32` data (`n × d`) and initial centers (`k × d`), `n d k`, and
//! the thread count. Mini-batch steps run on 99 pre-cut random batches after an untimed first
//! call, as the `sk-minibatch-pf` peer does.

use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use rbf_kmeans::init::{kmeans_parallel, kmeans_plus_plus};
use rbf_kmeans::minibatch::{MiniBatchKMeans, MiniBatchKMeansParams};
use rbf_kmeans::rng::Rng;
use rbf_kmeans::{Init, Samples, Threads};

fn read_f32(path: &str, len: usize) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(bytes.len(), len * 4, "{path}: expected {len} f32 values");
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let num = |i: usize| -> usize { args[i].parse().expect("a number") };
    let (n, d, k, threads) = (num(2), num(3), num(4), num(5));
    let x = read_f32(&args[0], n * d);
    let c0 = read_f32(&args[1], k * d);
    let x = ArrayView2::from_shape((n, d), &x).expect("n × d");
    let c0 =
        Array2::from_shape_vec((k, d), c0.iter().map(|&v| f64::from(v)).collect()).expect("k × d");
    let samples = Samples::new(x, None).expect("data");

    for rep in 0..3 {
        let t = Instant::now();
        let c = Threads(threads)
            .install(|| kmeans_plus_plus(&samples, k, &mut Rng::new(rep)))
            .expect("pool");
        let s = t.elapsed().as_secs_f64();
        assert_eq!(c.len(), k * d);
        println!(r#"{{"peer": "ours-kpp", "threads": {threads}, "rep": {rep}, "init_s": {s}}}"#);
    }

    for rep in 0..3 {
        let t = Instant::now();
        let c = Threads(threads)
            .install(|| kmeans_parallel(&samples, k, &mut Rng::new(rep)))
            .expect("pool");
        let s = t.elapsed().as_secs_f64();
        assert_eq!(c.len(), k * d);
        println!(
            r#"{{"peer": "ours-kparallel", "threads": {threads}, "rep": {rep}, "init_s": {s}}}"#
        );
    }

    let mut rng = Rng::new(11);
    for &bs in &[1024usize, 8192] {
        let batches: Vec<Array2<f32>> = (0..100)
            .map(|_| {
                let rows: Vec<usize> = (0..bs).map(|_| rng.below(n)).collect();
                Array2::from_shape_fn((bs, d), |(i, j)| x[[rows[i], j]])
            })
            .collect();
        for rep in 0..3 {
            let params = MiniBatchKMeansParams::new(k)
                .batch_size(bs)
                .init(Init::Centers(c0.clone()))
                .seed(rep)
                .threads(threads)
                .check()
                .expect("params");
            let mut mb = MiniBatchKMeans::new(params).expect("pool");
            mb.partial_fit(batches[0].view(), None).expect("step");
            let t = Instant::now();
            for b in &batches[1..] {
                mb.partial_fit(b.view(), None).expect("step");
            }
            let s = t.elapsed().as_secs_f64() / 99.0;
            println!(
                r#"{{"peer": "ours-minibatch-pf", "threads": {threads}, "batch_size": {bs}, "rep": {rep}, "s_per_batch": {s}}}"#
            );
        }
    }
}
