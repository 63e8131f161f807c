//! Random rows as initial centers.

use crate::data::Samples;
use crate::float::Float;
use crate::rng::Rng;

/// `k` distinct rows of positive weight, drawn without replacement with probability proportional
/// to weight (Efraimidis–Spirakis keys `u^(1/w)`), in the order drawn. Rows equal to one
/// already drawn are skipped, so the centers are distinct.
///
/// # Panics
/// If the data has fewer than `k` distinct rows of positive weight (callers check this first).
pub fn random_rows<F: Float>(samples: &Samples<'_, F>, k: usize, rng: &mut Rng) -> Vec<F> {
    let n = samples.n_samples();
    let mut keyed: Vec<(f64, usize)> = (0..n)
        .filter(|&i| samples.weight(i) > 0.0)
        .map(|i| (rng.uniform().ln() / samples.weight(i), i))
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));

    let mut chosen: Vec<usize> = Vec::with_capacity(k);
    for (_, i) in keyed {
        if chosen.iter().all(|&c| samples.row(c) != samples.row(i)) {
            chosen.push(i);
            if chosen.len() == k {
                break;
            }
        }
    }
    assert_eq!(chosen.len(), k, "random_rows: fewer than k distinct rows");
    chosen
        .iter()
        .flat_map(|&i| samples.row(i).iter().copied())
        .collect()
}
