//! An RBF network with soft responsibilities: the user-facing model.

use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

use crate::data::Samples;
use crate::distance::sq_euclidean;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::parallel::{Threads, LEAF_ROWS};
use crate::rbf::gradient::{center_gradient, input_gradient, GradientKind};
use crate::rbf::maps::Map;
use crate::rbf::objective::{free_energy_bound, loss_bound, Objective};
use crate::rbf::pass::soft_pass;
use crate::rbf::train::check_temperature;

/// Centers `c_k` (`k × d`), a map `ρ` and a temperature `σ > 0`: the hidden layer
/// `r(x) = ρ(−‖x − c‖²/σ)` and the output `x̂ = Σ_k r_k(x) c_k`.
#[derive(Clone, Debug, PartialEq)]
pub struct RbfNetwork<F: Float> {
    centers: Array2<F>,
    map: Map,
    temperature: f64,
    threads: Threads,
}

/// The objectives and diagnostics of a network on a data set.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Evaluation {
    /// `L_σ`.
    pub loss: f64,
    /// `F_σ`.
    pub free_energy: f64,
    /// `J`, the K-Means distortion at the same centers.
    pub distortion: f64,
    /// The uniform bound on `L_σ − J` (THEORY.md claim 1), where one is known.
    pub bound: Option<f64>,
    /// The uniform bound on `J − F_σ`.
    pub free_energy_bound: f64,
    /// Weighted mean Shannon entropy of the responsibilities.
    pub entropy: f64,
    /// Weighted mean support size.
    pub support: f64,
    /// Fraction of points whose responsibilities are exactly one-hot.
    pub hard_fraction: f64,
    /// For maps that reach one-hot at finite `σ`: the temperature below which every point is
    /// one-hot at these centers, `(α−1) min_i Δ_i` (entmax-1.5: `½ min_i Δ_i`, sparsemax
    /// `min_i Δ_i`). `None` for softmax.
    pub certificate_sigma: Option<f64>,
}

impl<F: Float> RbfNetwork<F> {
    /// A network from centers (`k × d`, finite), a map and a temperature.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] for a non-positive or non-finite temperature or a bad map,
    /// [`Error::EmptyInput`] / [`Error::NonFinite`] for bad centers.
    pub fn new(centers: Array2<F>, map: Map, temperature: f64) -> Result<Self> {
        check_temperature(temperature, "temperature")?;
        map.validate()?;
        if centers.nrows() == 0 || centers.ncols() == 0 {
            return Err(Error::EmptyInput {
                what: "the network has no centers".into(),
            });
        }
        let centers = centers.as_standard_layout().into_owned();
        crate::data::check_finite(
            centers.as_slice().expect("standard"),
            centers.ncols(),
            "centers",
        )?;
        Ok(RbfNetwork {
            centers,
            map,
            temperature,
            threads: Threads::default(),
        })
    }

    /// The same network on `threads` worker threads.
    pub fn with_threads(mut self, threads: Threads) -> Self {
        self.threads = threads;
        self
    }

    /// The centers.
    pub fn centers(&self) -> &Array2<F> {
        &self.centers
    }

    /// The map.
    pub fn map(&self) -> Map {
        self.map
    }

    /// The temperature `σ`.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    fn flat(&self) -> &[F] {
        self.centers.as_slice().expect("standard layout")
    }

    fn samples<'a>(&self, x: ArrayView2<'a, F>, w: Option<&'a [f64]>) -> Result<Samples<'a, F>> {
        Samples::for_model(x, w, self.centers.ncols(), "network")
    }

    /// The responsibilities `r_ik`, `n × k`, each row on the simplex.
    ///
    /// # Errors
    /// Bad data or a column count different from the network's.
    pub fn responsibilities(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let s = self.samples(x, None)?;
        let (n, k, d) = (s.n_samples(), self.centers.nrows(), s.n_features());
        let c = self.flat();
        let mut out = Array2::<F>::zeros((n, k));
        self.threads.install(|| {
            out.as_slice_mut()
                .expect("fresh")
                .par_chunks_mut(LEAF_ROWS * k)
                .enumerate()
                .for_each(|(l, chunk)| {
                    let mut dist = vec![F::zero(); k];
                    for (r, row) in chunk.chunks_exact_mut(k).enumerate() {
                        let xi = s.row(l * LEAF_ROWS + r);
                        for (j, dj) in dist.iter_mut().enumerate() {
                            *dj = F::from_f64_round(sq_euclidean(xi, &c[j * d..(j + 1) * d]));
                        }
                        self.map.responsibilities(&dist, self.temperature, row);
                    }
                });
        })?;
        Ok(out)
    }

    /// The reconstructions `x̂_i = Σ_k r_ik c_k`, `n × d`.
    ///
    /// # Errors
    /// As [`responsibilities`](Self::responsibilities).
    pub fn reconstruct(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        Ok(self.responsibilities(x)?.dot(&self.centers))
    }

    /// Objectives and diagnostics on `x` with optional weights.
    ///
    /// # Errors
    /// Bad data or weights.
    pub fn evaluate(&self, x: ArrayView2<'_, F>, w: Option<&[f64]>) -> Result<Evaluation> {
        let s = self.samples(x, w)?;
        let p = self
            .threads
            .install(|| soft_pass(&s, self.flat(), self.map, self.temperature, false))?;
        let total = s.total_weight();
        let k = self.centers.nrows();
        Ok(Evaluation {
            loss: p.loss,
            free_energy: p.free_energy,
            distortion: p.distortion,
            bound: loss_bound(self.map, total, k, self.temperature),
            free_energy_bound: free_energy_bound(self.map, total, k, self.temperature),
            entropy: p.entropy / total,
            support: p.support / total,
            hard_fraction: p.n_hard as f64 / s.n_samples() as f64,
            certificate_sigma: certificate(self.map, p.min_gap),
        })
    }

    /// The gradient of an objective with respect to the centers, `k × d`.
    ///
    /// # Errors
    /// Bad data or weights.
    pub fn center_gradient(
        &self,
        x: ArrayView2<'_, F>,
        w: Option<&[f64]>,
        objective: Objective,
        kind: GradientKind,
    ) -> Result<Array2<f64>> {
        let s = self.samples(x, w)?;
        let g = self.threads.install(|| {
            center_gradient(&s, self.flat(), self.map, self.temperature, objective, kind)
        })?;
        Ok(Array2::from_shape_vec(self.centers.dim(), g).expect("k × d"))
    }

    /// The gradient of an objective with respect to the inputs, `n × d`.
    ///
    /// # Errors
    /// Bad data or weights.
    pub fn input_gradient(
        &self,
        x: ArrayView2<'_, F>,
        w: Option<&[f64]>,
        objective: Objective,
    ) -> Result<Array2<f64>> {
        let s = self.samples(x, w)?;
        Ok(input_gradient(
            &s,
            self.flat(),
            self.map,
            self.temperature,
            objective,
        ))
    }
}

/// The one-hot certificate temperature for a map, from `min_i Δ_i`.
pub fn certificate(map: Map, min_gap: f64) -> Option<f64> {
    match map {
        Map::Softmax | Map::SoftmaxNaive | Map::Hard => None,
        m => Some(m.one_hot_temperature(min_gap)),
    }
}
