//! Temperature schedules for annealing.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How `σ` falls from stage to stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Schedule {
    /// `σ_{m+1} = factor · σ_m`, `0 < factor < 1`.
    Geometric {
        /// The cooling factor.
        factor: f64,
    },
    /// The schedule of Deep k-Means (Fard, Thonet and Gaussier 2020), which raises the inverse
    /// temperature `α = 1/σ` by `α_{m+1} = 2^{1/ln(m+2)²} α_m`: fast at first, then slower.
    DeepKMeans,
    /// These temperatures, in this order (each positive; typically decreasing).
    List(Vec<f64>),
}

impl Schedule {
    /// Parses `geometric:FACTOR`, `deep-kmeans` or `list:S1,S2,...`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] named `"schedule"`.
    pub fn parse(text: &str) -> Result<Schedule> {
        let bad = |reason: String| Error::InvalidParameter {
            name: "schedule",
            reason,
        };
        let t = text.trim();
        let s = if let Some(f) = t.strip_prefix("geometric:") {
            let factor: f64 = f
                .trim()
                .parse()
                .map_err(|_| bad(format!("`{f}` is not a number in `{t}`")))?;
            Schedule::Geometric { factor }
        } else if t == "geometric" {
            Schedule::Geometric { factor: 0.8 }
        } else if t == "deep-kmeans" || t == "dkm" {
            Schedule::DeepKMeans
        } else if let Some(list) = t.strip_prefix("list:") {
            let values: std::result::Result<Vec<f64>, _> =
                list.split(',').map(|v| v.trim().parse::<f64>()).collect();
            Schedule::List(values.map_err(|_| bad(format!("`{list}` is not a list of numbers")))?)
        } else {
            return Err(bad(format!(
                "`{t}`; expected geometric:FACTOR, deep-kmeans or list:S1,S2,..."
            )));
        };
        s.validate()?;
        Ok(s)
    }

    /// Checks the schedule's own numbers.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] named `"schedule"`.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(Error::InvalidParameter {
                name: "schedule",
                reason,
            })
        };
        match self {
            Schedule::Geometric { factor } if !(*factor > 0.0 && *factor < 1.0) => bad(format!(
                "the geometric factor must lie strictly between 0 and 1, got {factor}"
            )),
            Schedule::List(v) if v.is_empty() => bad("the list of temperatures is empty".into()),
            Schedule::List(v) => match v.iter().find(|s| !(**s > 0.0 && s.is_finite())) {
                Some(s) => bad(format!("temperatures must be positive and finite, got {s}")),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The temperatures from `start` down to `end` (inclusive bounds; a list is used as is).
    pub fn temperatures(&self, start: f64, end: f64) -> Vec<f64> {
        match self {
            Schedule::List(v) => v.clone(),
            Schedule::Geometric { factor } => {
                let mut out = vec![start];
                let mut s = start;
                while s * factor >= end && out.len() < 100_000 {
                    s *= factor;
                    out.push(s);
                }
                out
            }
            Schedule::DeepKMeans => {
                let mut out = vec![start];
                let mut s = start;
                for m in 0..100_000 {
                    let ln = ((m + 2) as f64).ln();
                    s /= 2f64.powf(1.0 / (ln * ln));
                    if s < end {
                        break;
                    }
                    out.push(s);
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_generates_decreasing_temperatures() {
        let g = Schedule::parse("geometric:0.5").unwrap();
        assert_eq!(g.temperatures(8.0, 1.0), vec![8.0, 4.0, 2.0, 1.0]);
        let l = Schedule::parse("list:3, 2,1e-3").unwrap();
        assert_eq!(l.temperatures(0.0, 0.0), vec![3.0, 2.0, 1e-3]);
        let d = Schedule::parse("deep-kmeans")
            .unwrap()
            .temperatures(1.0, 1e-3);
        assert!(d.windows(2).all(|w| w[1] < w[0]) && *d.last().unwrap() >= 1e-3);
        for bad in [
            "geometric:1.5",
            "list:",
            "list:1,-2",
            "cosine",
            "geometric:x",
        ] {
            let e = Schedule::parse(bad).unwrap_err().to_string();
            assert!(e.contains("schedule"), "{bad}: {e}");
        }
    }
}
