//! Reading and writing the matrices rbf-kmeans works on: CSV and NumPy `.npy`.
#![deny(missing_docs)]
