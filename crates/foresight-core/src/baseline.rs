//! Robust rolling baseline: a centred rolling median with a band of `k` robust standard
//! deviations (1.4826 × rolling MAD). Medians ignore gaps and are not dragged by spikes,
//! which is why this, not a rolling mean, is the engine's simplest "expected" line.

use serde::{Deserialize, Serialize};

use crate::anomaly::stats::{median_in_place, MAD_TO_SIGMA};
use crate::error::{Error, Result};
use crate::series::Series;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct BaselineOptions {
    /// Window length in points (odd; even values are rounded up). `None` picks one from the
    /// series length: 1 % of it, between 5 and 301 points.
    pub window: Option<usize>,
    /// Half-width of the band in robust standard deviations.
    pub band_sigmas: f64,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        Self {
            window: None,
            band_sigmas: 3.0,
        }
    }
}

/// Per-point expected value and band, aligned with the input series (gaps give NaN only
/// where the whole window is a gap).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    pub timestamps: Vec<f64>,
    pub expected: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// The window actually used, in points.
    pub window: usize,
}

/// Fewest numeric points for which a rolling median and MAD say anything.
pub const MIN_POINTS: usize = 3;

pub fn rolling_baseline(series: &Series, options: &BaselineOptions) -> Result<Baseline> {
    series.require_points(MIN_POINTS)?;
    if !(options.band_sigmas.is_finite() && options.band_sigmas > 0.0) {
        return Err(Error::InvalidOption {
            name: "bandSigmas",
            reason: format!("must be a positive number, got {}", options.band_sigmas),
        });
    }
    let n = series.len();
    let window = match options.window {
        Some(0) => {
            return Err(Error::InvalidOption {
                name: "window",
                reason: "must be at least 1".into(),
            })
        }
        Some(w) if w > n => {
            return Err(Error::InvalidOption {
                name: "window",
                reason: format!("must be at most the series' length ({n} points), got {w}"),
            })
        }
        Some(w) => w | 1,
        None => ((n / 100) | 1).clamp(5, 301),
    }
    // Odd (centred) and no longer than the series: an even length rounds down, not up.
    .min(if n % 2 == 1 { n } else { n - 1 });
    let half = window / 2;
    let values = series.values();
    // Keeps a zero MAD (a flat stretch) from collapsing the band to nothing.
    let scale_floor = scale_floor(values);

    let mut expected = vec![f64::NAN; n];
    let mut lower = vec![f64::NAN; n];
    let mut upper = vec![f64::NAN; n];
    let mut buf: Vec<f64> = Vec::with_capacity(window);
    let mut deviations: Vec<f64> = Vec::with_capacity(window);
    for i in 0..n {
        let lo = i.saturating_sub(half);
        let hi = (i + half + 1).min(n);
        buf.clear();
        buf.extend(values[lo..hi].iter().copied().filter(|v| v.is_finite()));
        if buf.is_empty() {
            continue;
        }
        let med = median_in_place(&mut buf);
        deviations.clear();
        deviations.extend(buf.iter().map(|v| (v - med).abs()));
        let sigma = (MAD_TO_SIGMA * median_in_place(&mut deviations)).max(scale_floor);
        expected[i] = med;
        lower[i] = med - options.band_sigmas * sigma;
        upper[i] = med + options.band_sigmas * sigma;
    }
    Ok(Baseline {
        timestamps: series.timestamps().to_vec(),
        expected,
        lower,
        upper,
        window,
    })
}

fn scale_floor(values: &[f64]) -> f64 {
    let max_abs = values
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    (max_abs * 1e-6).max(f64::MIN_POSITIVE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[f64]) -> Series {
        let ts: Vec<f64> = (0..values.len()).map(|i| i as f64 * 60_000.0).collect();
        Series::new(&ts, values).unwrap()
    }

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median_in_place(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median_in_place(&mut [4.0, 1.0, 3.0, 2.0]), 2.5);
    }

    #[test]
    fn spike_does_not_move_baseline_and_falls_outside_band() {
        let mut v: Vec<f64> = (0..200).map(|i| 10.0 + (i as f64 * 0.7).sin()).collect();
        v[100] = 1000.0;
        let b = rolling_baseline(&series(&v), &BaselineOptions::default()).unwrap();
        assert!(
            (b.expected[100] - 10.0).abs() < 1.0,
            "expected {}",
            b.expected[100]
        );
        assert!(b.upper[100] < 1000.0);
        // Ordinary points sit inside their band.
        let inside = (0..200).filter(|&i| i != 100 && v[i] >= b.lower[i] && v[i] <= b.upper[i]);
        assert!(inside.count() >= 190);
    }

    #[test]
    fn gaps_are_skipped_and_constant_series_has_a_nonzero_band() {
        let mut v = vec![5.0; 50];
        v[10] = f64::NAN;
        let b = rolling_baseline(&series(&v), &BaselineOptions::default()).unwrap();
        assert!(b.expected.iter().all(|&e| e == 5.0));
        assert!(b.upper.iter().zip(&b.lower).all(|(u, l)| u > l));
    }

    #[test]
    fn typed_errors() {
        let s = series(&[1.0, f64::NAN]);
        assert_eq!(
            rolling_baseline(&s, &BaselineOptions::default()),
            Err(Error::TooFewPoints {
                needed: MIN_POINTS,
                got: 1
            })
        );
        let s = series(&[1.0, 2.0, 3.0]);
        let bad = BaselineOptions {
            band_sigmas: -1.0,
            ..Default::default()
        };
        assert!(matches!(
            rolling_baseline(&s, &bad),
            Err(Error::InvalidOption { .. })
        ));
        let bad = BaselineOptions {
            window: Some(0),
            ..Default::default()
        };
        assert!(matches!(
            rolling_baseline(&s, &bad),
            Err(Error::InvalidOption { .. })
        ));
        // Wider than the series: refused before anything is allocated for it.
        for window in [4, 1_000_000_000, usize::MAX] {
            let bad = BaselineOptions {
                window: Some(window),
                ..Default::default()
            };
            assert!(matches!(
                rolling_baseline(&s, &bad),
                Err(Error::InvalidOption { name: "window", .. })
            ));
        }
        let whole = BaselineOptions {
            window: Some(3),
            ..Default::default()
        };
        assert_eq!(rolling_baseline(&s, &whole).unwrap().window, 3);
        // The window used never exceeds the series: an even length rounds down.
        let four = series(&[1.0, 2.0, 3.0, 4.0]);
        let all = BaselineOptions {
            window: Some(4),
            ..Default::default()
        };
        assert_eq!(rolling_baseline(&four, &all).unwrap().window, 3);
        assert_eq!(
            rolling_baseline(&four, &BaselineOptions::default())
                .unwrap()
                .window,
            3
        );
    }
}
