//! What both modes share: one series scored in the requested mode (values rescaled when
//! near f64's limits), one scored point, the band's residual scale and floors, and scores
//! kept finite and directed.

use foresight_kernel::robust::sort_total;

use super::batch::batch;
use super::causal::causal;
use super::stats::{median_in_place, SortedWindow, MAD_TO_SIGMA};
use super::{AnomalyKind, AnomalyOptions, DetectionMode, Direction, SeriesAnomalies, Tuning};
use crate::error::Result;
use crate::series::Series;

/// The band's half-width in steps of the data's resolution, at least: a value one step
/// from the expected one scores 0.67, two steps 1.33 (a lone point needs `min_peak_single`).
pub(crate) const QUANTA: f64 = 1.5;

/// The data's resolution when its values are quantised (counts, integer percentages): the
/// median gap between consecutive distinct values when there are at most a quarter as many
/// distinct values as values; 0 for continuous data.
pub(crate) fn resolution(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 8 {
        return 0.0;
    }
    sort_total(&mut v);
    let n = v.len();
    v.dedup();
    if v.len() < 2 || v.len() * 4 > n {
        return 0.0;
    }
    let mut gaps: Vec<f64> = v.windows(2).map(|w| w[1] - w[0]).collect();
    let q = median_in_place(&mut gaps);
    if q.is_finite() && q > 0.0 {
        q
    } else {
        0.0
    }
}

/// Largest score reported: keeps scores finite (and comparable) for absurd deviations.
const MAX_SCORE: f64 = 1e12;

/// One scored point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointAnomaly {
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    /// Distance from the expected value in band half-widths (0 for gaps).
    pub score: f64,
    /// +1 above, −1 below, 0 not flagged.
    pub direction: i8,
    pub kind: Option<AnomalyKind>,
}

impl PointAnomaly {
    pub(super) fn gap() -> Self {
        Self {
            expected: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
            score: 0.0,
            direction: 0,
            kind: None,
        }
    }
}

pub(super) fn sane(score: f64) -> f64 {
    if score.is_nan() {
        0.0
    } else {
        score.clamp(0.0, MAX_SCORE)
    }
}

/// Deviation counted in the requested direction only.
pub(super) fn directed(dev: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Up => dev.max(0.0),
        Direction::Down => (-dev).max(0.0),
        Direction::Both => dev.abs(),
    }
}

/// Robust residual scale: 1.4826 × median |r|, floored by a fraction of the mean |r| (for
/// quantised data whose median residual is zero) and by a tiny fraction of the level.
pub(crate) fn residual_sigma(abs_resid: &SortedWindow, level: f64) -> f64 {
    residual_sigma_from(abs_resid.median(), abs_resid.mean(), level)
}

/// [`residual_sigma`] from the median and the mean of the absolute residuals.
pub(crate) fn residual_sigma_from(median: f64, mean: f64, level: f64) -> f64 {
    let mad = MAD_TO_SIGMA * median;
    let floor = 1e-9 * level.abs() + f64::MIN_POSITIVE;
    let s = mad.max(0.5 * 1.2533 * mean);
    if s.is_finite() {
        s.max(floor)
    } else {
        floor
    }
}

/// Scores one series in the requested mode; `opts` validated by the caller (once per call).
pub(crate) fn score_series(
    series: &Series,
    opts: &AnomalyOptions,
    tun: Tuning,
) -> Result<SeriesAnomalies> {
    let ts = series.timestamps();
    // Values near f64::MAX would overflow differences: work in units scaled by a power of
    // two (exact), and scale the outputs back.
    let max_abs = series
        .values()
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let scale = if max_abs > 1e100 {
        2f64.powi((max_abs.log2().ceil() as i32).min(1023))
    } else {
        1.0
    };
    let vs: Vec<f64> = series.values().iter().map(|v| v / scale).collect();
    let mut scaled_opts = opts.clone();
    scaled_opts.min_abs_deviation /= scale;
    let mut out = match opts.mode {
        DetectionMode::Causal => causal(ts, &vs, &scaled_opts, tun),
        DetectionMode::Batch => batch(ts, &vs, &scaled_opts, tun),
    };
    if scale != 1.0 {
        for x in out
            .expected
            .iter_mut()
            .chain(out.lower.iter_mut())
            .chain(out.upper.iter_mut())
        {
            *x = (*x * scale).clamp(-f64::MAX, f64::MAX);
        }
    }
    out.values = series.values().to_vec();
    Ok(out)
}

pub(super) fn empty_result(ts: &[f64]) -> SeriesAnomalies {
    let n = ts.len();
    SeriesAnomalies {
        timestamps: ts.to_vec(),
        values: Vec::new(),
        expected: vec![f64::NAN; n],
        lower: vec![f64::NAN; n],
        upper: vec![f64::NAN; n],
        score: vec![0.0; n],
        direction: vec![0; n],
        kind: vec![None; n],
        period: None,
        residual_spread: None,
    }
}
