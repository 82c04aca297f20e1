//! Small robust-statistics helpers shared by the detectors.

/// The median, the MAD and the sorted window live in the kernel crate, which the wasm
/// build compiles for speed: they are the detector's innermost loops.
pub(crate) use foresight_kernel::robust::{
    median, median_in_place, median_sigma, SortedWindow, MAD_TO_SIGMA,
};

/// Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7).
pub(crate) fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let r = t
        * (-z * z - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if x >= 0.0 {
        r
    } else {
        2.0 - r
    }
}

/// z such that P(|N(0,1)| <= z) = q, by bisection (q in (0, 1)).
pub(crate) fn half_normal_quantile(q: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 40.0_f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if 1.0 - erfc(mid / std::f64::consts::SQRT_2) < q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        assert!((erfc(0.0) - 1.0).abs() < 1e-6);
        assert!((erfc(1.0) - 0.157_299_207).abs() < 1e-6);
        assert!((erfc(-1.0) - 1.842_700_793).abs() < 1e-6);
    }

    #[test]
    fn medians_ignore_gaps() {
        assert_eq!(median(&[f64::NAN, 1.0, 9.0, 2.0]), 2.0);
        assert!(median(&[f64::NAN]).is_nan());
        let (m, s) = median_sigma(&[1.0, 1.0, 1.0, 100.0]);
        assert_eq!((m, s), (1.0, 0.0));
    }
}
