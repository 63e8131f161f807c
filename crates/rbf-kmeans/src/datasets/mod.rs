//! Seeded generators of synthetic data sets.
