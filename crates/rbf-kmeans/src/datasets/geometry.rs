//! The catalogue of synthetic geometries: names, descriptions and the facts a caller needs before
//! generating (dimension, true and default number of clusters).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A family of synthetic data sets, each built to exercise one strength or weakness of K-Means.
///
/// The variants follow the spirit of the classic comparison of clustering algorithms on toy data:
/// convex and well separated, stretched, of unequal spread or size, overlapping, non-convex, and
/// structureless. See the [module docs](super) for the table of parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Geometry {
    /// Three isotropic Gaussian blobs (std 1) with well-separated centers.
    Blobs,
    /// The three blobs of [`Geometry::Blobs`] mapped by a fixed linear map that stretches them by
    /// 3 along one axis and shrinks them to 0.3 along the other.
    Anisotropic,
    /// Three Gaussian blobs with standard deviations 0.5, 1.5 and 3 (labels 0, 1, 2 in that
    /// order).
    UnequalVariance,
    /// Three Gaussian blobs (std 1) whose sizes are in the ratio 10:3:1.
    Unbalanced,
    /// Three Gaussian blobs (std 1) whose centers are only about two standard deviations apart.
    Overlapping,
    /// Two interleaving half circles with Gaussian noise: non-convex clusters.
    Moons,
    /// Two concentric circles of radii 1 and 0.5 with Gaussian noise.
    Rings,
    /// Points uniform on the unit square `[0, 1)²`: no cluster structure.
    UniformSquare,
    /// Five isotropic Gaussian blobs in 32 dimensions.
    Blobs32d,
    /// Three tight, well-separated blobs fitted with more clusters (6) than there are.
    Overclustered,
}

impl Geometry {
    /// Every geometry, in the order of the module's table.
    pub const ALL: [Geometry; 10] = [
        Geometry::Blobs,
        Geometry::Anisotropic,
        Geometry::UnequalVariance,
        Geometry::Unbalanced,
        Geometry::Overlapping,
        Geometry::Moons,
        Geometry::Rings,
        Geometry::UniformSquare,
        Geometry::Blobs32d,
        Geometry::Overclustered,
    ];

    /// The kebab-case name a user types, for example `"unequal-variance"` or `"two-moons"`.
    pub fn name(&self) -> &'static str {
        match self {
            Geometry::Blobs => "blobs",
            Geometry::Anisotropic => "anisotropic",
            Geometry::UnequalVariance => "unequal-variance",
            Geometry::Unbalanced => "unbalanced",
            Geometry::Overlapping => "overlapping",
            Geometry::Moons => "two-moons",
            Geometry::Rings => "rings",
            Geometry::UniformSquare => "uniform-square",
            Geometry::Blobs32d => "blobs-32d",
            Geometry::Overclustered => "overclustered",
        }
    }

    /// The geometry called `name` (see [`Geometry::name`]); ASCII case is ignored.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `geometry` and listing the valid names when `name` is
    /// not one of them.
    pub fn parse(name: &str) -> Result<Geometry> {
        let wanted = name.trim();
        Geometry::ALL
            .into_iter()
            .find(|g| g.name().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| Error::InvalidParameter {
                name: "geometry",
                reason: format!(
                    "unknown geometry `{name}`; valid names are {}",
                    Geometry::ALL.map(|g| g.name()).join(", ")
                ),
            })
    }

    /// One sentence saying what the data looks like, for reports and `--help`.
    pub fn description(&self) -> &'static str {
        match self {
            Geometry::Blobs => "Three isotropic Gaussian blobs (std 1) with well-separated centers.",
            Geometry::Anisotropic => {
                "Three Gaussian blobs stretched 10:1 by a linear map, so Euclidean distance misleads."
            }
            Geometry::UnequalVariance => {
                "Three Gaussian blobs with standard deviations 0.5, 1.5 and 3."
            }
            Geometry::Unbalanced => "Three Gaussian blobs (std 1) with sizes in the ratio 10:3:1.",
            Geometry::Overlapping => {
                "Three Gaussian blobs (std 1) whose centers are about two standard deviations apart."
            }
            Geometry::Moons => "Two interleaving half circles with noise: non-convex clusters.",
            Geometry::Rings => "Two noisy concentric circles of radii 1 and 0.5.",
            Geometry::UniformSquare => "Points uniform on the unit square: no cluster structure.",
            Geometry::Blobs32d => "Five isotropic Gaussian blobs (std 1) in 32 dimensions.",
            Geometry::Overclustered => {
                "Three tight, well-separated blobs fitted with k = 6, more clusters than exist."
            }
        }
    }

    /// The number of clusters to fit with: the true number, except for
    /// [`Geometry::UniformSquare`] (4, a partition of structureless data) and
    /// [`Geometry::Overclustered`] (6, twice the true number).
    pub fn default_n_clusters(&self) -> usize {
        match self {
            Geometry::UniformSquare => 4,
            Geometry::Overclustered => 6,
            other => other.n_true_clusters(),
        }
    }

    /// The number of ground-truth clusters the generator draws from; 1 for
    /// [`Geometry::UniformSquare`].
    pub fn n_true_clusters(&self) -> usize {
        match self {
            Geometry::Moons | Geometry::Rings => 2,
            Geometry::UniformSquare => 1,
            Geometry::Blobs32d => 5,
            Geometry::Blobs
            | Geometry::Anisotropic
            | Geometry::UnequalVariance
            | Geometry::Unbalanced
            | Geometry::Overlapping
            | Geometry::Overclustered => 3,
        }
    }

    /// The number of columns of the generated data: 32 for [`Geometry::Blobs32d`], 2 otherwise.
    pub fn dimension(&self) -> usize {
        match self {
            Geometry::Blobs32d => 32,
            _ => 2,
        }
    }
}

impl fmt::Display for Geometry {
    /// Writes [`Geometry::name`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Geometry {
    type Err = Error;

    /// Same as [`Geometry::parse`].
    fn from_str(s: &str) -> Result<Geometry> {
        Geometry::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_back_to_its_geometry() {
        for g in Geometry::ALL {
            assert_eq!(Geometry::parse(g.name()), Ok(g));
            assert_eq!(g.to_string().parse::<Geometry>(), Ok(g));
            assert_eq!(Geometry::parse(&g.name().to_uppercase()), Ok(g));
        }
    }

    #[test]
    fn names_are_distinct_kebab_case() {
        let mut names: Vec<&str> = Geometry::ALL.iter().map(|g| g.name()).collect();
        for name in &names {
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{name}"
            );
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Geometry::ALL.len());
    }

    #[test]
    fn unknown_name_error_lists_the_valid_names() {
        let err = Geometry::parse("spirals").unwrap_err();
        let Error::InvalidParameter { name, reason } = &err else {
            panic!("unexpected error {err:?}");
        };
        assert_eq!(*name, "geometry");
        assert!(reason.contains("spirals"), "{reason}");
        for g in Geometry::ALL {
            assert!(reason.contains(g.name()), "{reason} misses {}", g.name());
        }
    }

    #[test]
    fn descriptions_are_single_sentences() {
        for g in Geometry::ALL {
            let d = g.description();
            assert!(d.ends_with('.') && !d.contains('\n'), "{d}");
            assert!(d.chars().next().is_some_and(char::is_uppercase), "{d}");
        }
    }

    #[test]
    fn cluster_counts_and_dimensions() {
        for g in Geometry::ALL {
            assert!(
                g.n_true_clusters() >= 1 && g.default_n_clusters() >= 2,
                "{g}"
            );
            assert!(g.dimension() >= 2, "{g}");
        }
        assert!(Geometry::Overclustered.default_n_clusters() > 3);
        assert_eq!(Geometry::Overclustered.n_true_clusters(), 3);
        assert_eq!(Geometry::Moons.default_n_clusters(), 2);
        assert_eq!(Geometry::Rings.default_n_clusters(), 2);
        assert_eq!(Geometry::Blobs32d.dimension(), 32);
    }
}
