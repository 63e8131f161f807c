//! NumPy `.npy` files: reading 2-D matrices and vectors, writing 2-D matrices.

mod header;
mod read;
mod stream;
mod write;

pub(crate) use header::MAGIC;
pub use read::{npy_matrix_from_bytes, npy_vector_from_bytes, read_npy, read_npy_vector};
pub use stream::NpyStream;
pub use write::{write_npy, write_npy_f32, write_npy_f64};
