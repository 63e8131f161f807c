//! The element types this crate reads in chunks and writes: `f32` and `f64`.

use std::fmt::{Display, LowerExp};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type that can be written to CSV and `.npy`: `f32` or `f64`.
///
/// Sealed: the writers rely on Rust's shortest round-trip formatting of exactly these types.
pub trait Element: Copy + Display + LowerExp + sealed::Sealed + 'static {
    /// The `.npy` type descriptor, little endian: `"<f4"` or `"<f8"`.
    const NPY_DESCR: &'static str;

    /// `"f32"` or `"f64"`.
    const NAME: &'static str;

    /// Exact widening to `f64`.
    fn to_f64(self) -> f64;

    /// Appends the little-endian bytes of `self` to `out`.
    fn push_le_bytes(self, out: &mut Vec<u8>);

    /// The nearest value of this type (exact for `f64`; `f32` overflows to infinity).
    fn from_f64(value: f64) -> Self;

    /// Exact conversion from `f32`.
    fn from_f32(value: f32) -> Self;
}

impl Element for f32 {
    const NPY_DESCR: &'static str = "<f4";
    const NAME: &'static str = "f32";

    fn to_f64(self) -> f64 {
        f64::from(self)
    }

    fn push_le_bytes(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn from_f64(value: f64) -> Self {
        value as f32
    }

    fn from_f32(value: f32) -> Self {
        value
    }
}

impl Element for f64 {
    const NPY_DESCR: &'static str = "<f8";
    const NAME: &'static str = "f64";

    fn to_f64(self) -> f64 {
        self
    }

    fn push_le_bytes(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }

    fn from_f64(value: f64) -> Self {
        value
    }

    fn from_f32(value: f32) -> Self {
        f64::from(value)
    }
}
