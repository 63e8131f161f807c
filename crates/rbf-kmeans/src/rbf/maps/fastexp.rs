//! An exponential that the compiler can vectorise, for `f32` and `f64`.
//!
//! `exp(x) = 2ⁿ · e^r` with `n = round(x / ln 2)` and `r = x − n ln 2` (Cody–Waite: `ln 2` split
//! in a high part whose products with `n` are exact and a low part), so `|r| ≤ ln 2 / 2`; `e^r` is
//! its Taylor polynomial, of degree 7 for `f32` (truncation `≤ 0.347⁸/8! < 6·10⁻⁹`, a tenth of
//! an `f32` ulp) and 13 for `f64` (`≤ 0.347¹⁴/14! < 5·10⁻¹⁸`), evaluated by Horner's rule; `2ⁿ`
//! is built from its exponent bits in two halves so that subnormal results come out right.
//! Every step is branch-free arithmetic on lanes, with no call into libm, so a loop over a slice
//! compiles to SIMD code.
//!
//! Accuracy (checked against `f64::exp` by the tests below, no fused multiply-adds): within
//! 2 ulp of the exact value for normal results, within one unit of the smallest subnormal below
//! them; exactly `0` below `−104` (`f32`) or `−746` (`f64`), where `eˣ` is under half the
//! smallest subnormal; `+∞` above the overflow threshold; NaN in, NaN out.

/// `eˣ` in `f32`; see the module docs for the error bound.
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // 355/512: `n · LN2_HI` is exact for `|n| < 2¹⁵`.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // 1.5 · 2²³: adding it rounds to an integer, which then sits in the low mantissa bits.
    const SHIFTER: f32 = 12_582_912.0;

    // Comparisons are false for NaN, so a NaN passes through to the polynomial.
    let x = if x < -104.0 { -104.0 } else { x };
    let x = if x > 89.0 { 89.0 } else { x };
    let shifted = x * LOG2_E + SHIFTER;
    let n = shifted.to_bits() as i32 - SHIFTER.to_bits() as i32;
    let nf = shifted - SHIFTER;
    let r = (x - nf * LN2_HI) - nf * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (1.0 / 2.0
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    let n1 = n >> 1;
    let n2 = n - n1;
    let s1 = f32::from_bits(((n1 + 127) as u32) << 23);
    let s2 = f32::from_bits(((n2 + 127) as u32) << 23);
    p * s1 * s2
}

/// `eˣ` in `f64`; see the module docs for the error bound.
#[inline(always)]
pub(crate) fn exp_f64(x: f64) -> f64 {
    const LOG2_E: f64 = std::f64::consts::LOG2_E;
    // The split of fdlibm: `n · LN2_HI` is exact for `|n| < 2¹¹`.
    const LN2_HI: f64 = 6.931_471_803_691_238e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_7e-10;
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    const C: [f64; 14] = [
        1.0,
        1.0,
        1.0 / 2.0,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5040.0,
        1.0 / 40320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
        1.0 / 6_227_020_800.0,
    ];

    let x = if x < -746.0 { -746.0 } else { x };
    let x = if x > 710.0 { 710.0 } else { x };
    let shifted = x * LOG2_E + SHIFTER;
    let n = shifted.to_bits() as i64 - SHIFTER.to_bits() as i64;
    let nf = shifted - SHIFTER;
    let r = (x - nf * LN2_HI) - nf * LN2_LO;
    let mut p = C[13];
    for &c in C[..13].iter().rev() {
        p = c + r * p;
    }
    let n1 = n >> 1;
    let n2 = n - n1;
    let s1 = f64::from_bits(((n1 + 1023) as u64) << 52);
    let s2 = f64::from_bits(((n2 + 1023) as u64) << 52);
    p * s1 * s2
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Distance in units of the spacing of `F` at the reference value (its ulp for normal values,
    /// the smallest subnormal below them).
    fn ulps(got: f64, want: f64, ulp_of_one: f64, smallest: f64) -> f64 {
        let spacing = (want.abs() * ulp_of_one).max(smallest);
        (got - want).abs() / spacing
    }

    #[test]
    fn exp_f32_is_within_two_ulp_of_the_exact_value() {
        let mut worst: f64 = 0.0;
        let mut x = -110.0f32;
        while x < 90.0 {
            let got = exp_f32(x) as f64;
            let want = (x as f64).exp();
            if want > f32::MAX as f64 {
                assert_eq!(got, f64::INFINITY, "x = {x}");
            } else {
                let e = ulps(got, want, f32::EPSILON as f64 / 2.0, 2f64.powi(-149));
                assert!(e <= 2.0, "x = {x}: {got} vs {want} ({e} ulp)");
                worst = worst.max(e);
            }
            x += 1.0e-3 + x.abs() * 1.3e-5;
        }
        assert!(worst > 0.0);
        assert_eq!(exp_f32(0.0), 1.0);
        assert_eq!(exp_f32(-104.5), 0.0);
        assert_eq!(exp_f32(f32::NEG_INFINITY), 0.0);
        assert_eq!(exp_f32(f32::INFINITY), f32::INFINITY);
        assert!(exp_f32(f32::NAN).is_nan());
    }

    #[test]
    fn exp_f64_is_within_two_ulp_of_the_exact_value() {
        // Reference: `f64::exp` (correctly rounded to within half an ulp on glibc), so the bound
        // tested is 2.5 ulp of the rounded value.
        let mut x = -750.0f64;
        while x < 712.0 {
            let got = exp_f64(x);
            let want = x.exp();
            if want.is_infinite() {
                assert_eq!(got, f64::INFINITY, "x = {x}");
            } else {
                let e = ulps(got, want, f64::EPSILON / 2.0, 2f64.powi(-1074));
                assert!(e <= 2.5, "x = {x}: {got:e} vs {want:e} ({e} ulp)");
            }
            x += 7.3e-3 + x.abs() * 1.1e-5;
        }
        assert_eq!(exp_f64(0.0), 1.0);
        assert_eq!(exp_f64(-746.5), 0.0);
        assert_eq!(exp_f64(f64::NEG_INFINITY), 0.0);
        assert!(exp_f64(f64::NAN).is_nan());
    }
}
