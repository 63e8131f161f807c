//! Training the centers at a fixed temperature: the soft-Lloyd fixed point, gradient descent
//! with the per-center step `1 / (2 N_k)` (which lands on the same point, THEORY.md claim 2) or a
//! constant step, and Adam.

use serde::{Deserialize, Serialize};

use crate::data::Samples;
use crate::error::{Error, Result};
use crate::float::Float;
use crate::rbf::gradient::{fixed_from_pass, full_from_pass, GradientKind};
use crate::rbf::maps::Map;
use crate::rbf::objective::Objective;
use crate::rbf::pass::{soft_pass, soft_pass_with, PassOptions, PassTotals};

/// How the centers move at each iteration.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Optimizer {
    /// `c_k ← S_k / N_k`, the responsibility-weighted mean (soft Lloyd).
    SoftLloyd,
    /// `c_k ← c_k − η_k ∇_{c_k}` with `η_k = 1 / (2 N_k)`; with the fixed-responsibility
    /// gradient this equals [`Optimizer::SoftLloyd`].
    LloydStep,
    /// `c ← c − lr ∇`.
    Sgd {
        /// Step size.
        lr: f64,
    },
    /// Adam (Kingma and Ba 2015) on the centers.
    Adam {
        /// Step size.
        lr: f64,
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// Denominator guard.
        eps: f64,
    },
}

impl Optimizer {
    /// Adam with the usual constants and step `lr`.
    pub fn adam(lr: f64) -> Self {
        Optimizer::Adam {
            lr,
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
        }
    }
}

/// Options of training at a fixed temperature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    /// The responsibility map.
    pub map: Map,
    /// The temperature `σ > 0`.
    pub temperature: f64,
    /// How to move the centers. Default soft Lloyd.
    pub optimizer: Optimizer,
    /// The objective whose gradient the gradient optimisers follow. Default `L_σ`.
    pub objective: Objective,
    /// Fixed-responsibility or full gradient (for `L_σ`). Default fixed.
    pub gradient: GradientKind,
    /// Iteration limit. Default 300.
    pub max_iter: usize,
    /// Stop when `max_k ‖c_k^new − c_k^old‖²` is at most this. Default `1e-12` times the mean
    /// feature variance is applied by callers that want a relative tolerance; here it is absolute.
    pub tol: f64,
}

impl TrainParams {
    /// Defaults for `map` at `temperature`.
    pub fn new(map: Map, temperature: f64) -> Self {
        TrainParams {
            map,
            temperature,
            optimizer: Optimizer::SoftLloyd,
            objective: Objective::Loss,
            gradient: GradientKind::FixedResponsibilities,
            max_iter: 300,
            tol: 0.0,
        }
    }

    /// Checks the options.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming the bad option.
    pub fn check(&self) -> Result<()> {
        check_temperature(self.temperature, "temperature")?;
        self.map.validate()?;
        if !(self.tol >= 0.0 && self.tol.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "tol",
                reason: format!("must be finite and non-negative, got {}", self.tol),
            });
        }
        let lr = match self.optimizer {
            Optimizer::Sgd { lr } | Optimizer::Adam { lr, .. } => lr,
            _ => 1.0,
        };
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(Error::InvalidParameter {
                name: "lr",
                reason: format!("the step size must be positive and finite, got {lr}"),
            });
        }
        Ok(())
    }
}

/// Rejects a temperature that is not a positive finite number.
pub fn check_temperature(sigma: f64, name: &'static str) -> Result<()> {
    if sigma > 0.0 && sigma.is_finite() {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            reason: format!("the temperature must be a positive finite number, got {sigma}"),
        })
    }
}

/// What training at a fixed temperature produced.
#[derive(Clone, Debug)]
pub struct TrainResult<F> {
    /// Final centers, row-major `k × d`.
    pub centers: Vec<F>,
    /// Iterations run.
    pub n_iter: usize,
    /// Whether the shift fell to `tol` before `max_iter`.
    pub converged: bool,
    /// `L_σ` before each iteration.
    pub loss_history: Vec<f64>,
    /// The pass at the final centers.
    pub last: PassTotals,
}

/// The soft-Lloyd step from a pass: `c_k ← S_k / N_k`; a center with `N_k = 0` stays put.
pub fn soft_lloyd_from_pass<F: Float>(centers: &[F], pass: &PassTotals, out: &mut [F]) {
    let d = centers.len() / pass.masses.len();
    for (j, &m) in pass.masses.iter().enumerate() {
        for t in 0..d {
            // `!= 0` so that a NaN mass (a broken-down naive softmax) yields NaN centers.
            out[j * d + t] = if m != 0.0 {
                F::from_f64_round(pass.sums[j * d + t] / m)
            } else {
                centers[j * d + t]
            };
        }
    }
}

/// The gradient step `c_k ← c_k − η_k g_k` with `η_k = 1/(2 N_k)` (centers with `N_k = 0`
/// stay put).
pub fn lloyd_gradient_step<F: Float>(centers: &[F], grad: &[f64], masses: &[f64], out: &mut [F]) {
    let d = centers.len() / masses.len();
    for (j, &m) in masses.iter().enumerate() {
        for t in 0..d {
            let c = centers[j * d + t].to_f64_lossless();
            out[j * d + t] = if m > 0.0 {
                F::from_f64_round(c - grad[j * d + t] / (2.0 * m))
            } else {
                centers[j * d + t]
            };
        }
    }
}

/// Trains from `init` (row-major `k × d`) at a fixed temperature, on the current rayon pool.
///
/// # Errors
/// Bad options (see [`TrainParams::check`]).
pub fn train<F: Float>(
    samples: &Samples<'_, F>,
    init: Vec<F>,
    params: &TrainParams,
) -> Result<TrainResult<F>> {
    params.check()?;
    let (map, sigma) = (params.map, params.temperature);
    let full = params.objective == Objective::Loss && params.gradient == GradientKind::Full;
    let needs_grad = !matches!(params.optimizer, Optimizer::SoftLloyd);
    let mut centers = init;
    let mut next = centers.clone();
    let mut m1 = vec![0.0; centers.len()];
    let mut m2 = vec![0.0; centers.len()];
    let mut history = Vec::new();
    let mut converged = false;
    let mut n_iter = 0;
    let d = samples.n_features();

    for it in 1..=params.max_iter {
        let options = PassOptions {
            full: full && needs_grad,
            diagnostics: false,
        };
        let pass = soft_pass_with(samples, &centers, map, sigma, options);
        history.push(pass.loss);
        match params.optimizer {
            Optimizer::SoftLloyd => soft_lloyd_from_pass(&centers, &pass, &mut next),
            opt => {
                let g = if full {
                    full_from_pass(&centers, &pass)
                } else {
                    fixed_from_pass(&centers, &pass)
                };
                match opt {
                    Optimizer::LloydStep => {
                        lloyd_gradient_step(&centers, &g, &pass.masses, &mut next)
                    }
                    Optimizer::Sgd { lr } => {
                        for ((o, c), gi) in next.iter_mut().zip(&centers).zip(&g) {
                            *o = F::from_f64_round(c.to_f64_lossless() - lr * gi);
                        }
                    }
                    Optimizer::Adam {
                        lr,
                        beta1,
                        beta2,
                        eps,
                    } => {
                        let (b1t, b2t) = (1.0 - beta1.powi(it as i32), 1.0 - beta2.powi(it as i32));
                        for i in 0..g.len() {
                            m1[i] = beta1 * m1[i] + (1.0 - beta1) * g[i];
                            m2[i] = beta2 * m2[i] + (1.0 - beta2) * g[i] * g[i];
                            let step = lr * (m1[i] / b1t) / ((m2[i] / b2t).sqrt() + eps);
                            next[i] = F::from_f64_round(centers[i].to_f64_lossless() - step);
                        }
                    }
                    Optimizer::SoftLloyd => unreachable!(),
                }
            }
        }
        let shift = max_center_shift(&centers, &next, d);
        std::mem::swap(&mut centers, &mut next);
        n_iter = it;
        if shift <= params.tol {
            converged = true;
            break;
        }
    }
    let last = soft_pass(samples, &centers, map, sigma, false);
    Ok(TrainResult {
        centers,
        n_iter,
        converged,
        loss_history: history,
        last,
    })
}

/// `max_k ‖a_k − b_k‖²`; NaN if any shift is NaN, so a run that broke down never looks
/// converged.
pub fn max_center_shift<F: Float>(a: &[F], b: &[F], d: usize) -> f64 {
    a.chunks_exact(d)
        .zip(b.chunks_exact(d))
        .map(|(x, y)| crate::distance::sq_euclidean(x, y))
        .fold(0.0, |m, v| {
            if v.is_nan() || m.is_nan() {
                f64::NAN
            } else {
                m.max(v)
            }
        })
}
