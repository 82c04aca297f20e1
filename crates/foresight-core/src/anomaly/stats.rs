//! Small robust-statistics helpers shared by the detectors.

/// The median and the sorted window live in the kernel crate, which the wasm build
/// compiles for speed: they are the detector's innermost loops.
pub(crate) use foresight_kernel::robust::{median_in_place, SortedWindow};

/// Scales a MAD to a standard deviation for normally distributed data.
pub(crate) const MAD_TO_SIGMA: f64 = 1.482_602_218_505_602;

/// Median of the finite values of `xs` (reorders a copy); NaN when there are none.
pub(crate) fn median(xs: &[f64]) -> f64 {
    let mut buf: Vec<f64> = xs.iter().copied().filter(|v| v.is_finite()).collect();
    median_in_place(&mut buf)
}

/// Median and robust sigma (1.4826 × MAD) of the finite values; NaN when there are none.
pub(crate) fn median_sigma(xs: &[f64]) -> (f64, f64) {
    let mut buf: Vec<f64> = xs.iter().copied().filter(|v| v.is_finite()).collect();
    let med = median_in_place(&mut buf);
    for v in buf.iter_mut() {
        *v = (*v - med).abs();
    }
    (med, MAD_TO_SIGMA * median_in_place(&mut buf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_ignore_gaps() {
        assert_eq!(median(&[f64::NAN, 1.0, 9.0, 2.0]), 2.0);
        assert!(median(&[f64::NAN]).is_nan());
        let (m, s) = median_sigma(&[1.0, 1.0, 1.0, 100.0]);
        assert_eq!((m, s), (1.0, 0.0));
    }
}
