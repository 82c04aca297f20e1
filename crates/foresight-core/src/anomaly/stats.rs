//! Small robust-statistics helpers shared by the detectors.

/// The median, the MAD and the sorted window live in the kernel crate, which the wasm
/// build compiles for speed: they are the detector's innermost loops.
pub(crate) use foresight_kernel::robust::{
    median, median_in_place, median_sigma, SortedWindow, MAD_TO_SIGMA,
};

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
