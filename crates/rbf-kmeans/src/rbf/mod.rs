//! The RBF network view of K-Means: responsibility maps, objectives, gradients, training and
//! annealing.

pub mod maps;
