//! Anomaly detection over one or many series: global, contextual, collective and peer
//! anomalies with one normalised score.
//!
//! Every point gets an expected value and a band; its score is the distance from the
//! expected value in band half-widths, so 0–1 is inside the band, above 1 outside, and one
//! threshold means the same on every series. Flagged points carry a kind and a direction,
//! and consecutive flagged points of a series are merged into incidents.
//!
//! Two modes: `batch` fits the model on the whole visible range (centred windows), `causal`
//! scores each point from earlier points only, updating the model incrementally as a live
//! dashboard would ([`CausalDetector`] exposes the streaming form).

mod batch;
mod causal;
mod drivers;
mod incidents;
#[cfg(feature = "experiments")]
pub mod nab_transform;
mod peer;
mod score;
mod season;
mod significance;
pub(crate) mod stats;
mod tuning;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::series::Series;

pub use causal::CausalDetector;
pub use score::PointAnomaly;
#[cfg(feature = "experiments")]
pub use tuning::Tuning;
#[cfg(not(feature = "experiments"))]
use tuning::Tuning;

/// Which side of the band counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    Up,
    Down,
    #[default]
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DetectionMode {
    /// The model sees the whole range (best for looking back at a dashboard).
    #[default]
    Batch,
    /// Each point is scored from earlier points only (live data, benchmarks).
    Causal,
}

/// The model behind the band (batch mode; causal mode always uses the fast model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum BandModel {
    /// Chosen from the data: the fast model, since Prophet's band scored no better on NAB
    /// and costs several times more (docs/evaluation.md, "Prophet behind the band").
    #[default]
    Auto,
    /// Seasonal profile (detected period) plus a robust rolling level.
    Fast,
    /// Prophet's fit (`crate::prophet::ProphetModel`, default options) as the expected
    /// value; the band is built from its residuals as for the fast model.
    Prophet,
}

/// What made a point anomalous.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AnomalyKind {
    /// Extreme against the series' own robust distribution (median / MAD).
    Global,
    /// Outside the band of the seasonal / level model, though not extreme overall.
    Contextual,
    /// Part of a sustained level shift no single point shows.
    Collective,
    /// Unlike the other series of the same query at the same time.
    Peer,
}

impl AnomalyKind {
    /// Stable small-integer code for typed arrays (0 is "not anomalous").
    pub fn code(self) -> u8 {
        match self {
            AnomalyKind::Global => 1,
            AnomalyKind::Contextual => 2,
            AnomalyKind::Collective => 3,
            AnomalyKind::Peer => 4,
        }
    }
}

/// A time range (ms UTC, inclusive) treated as a one-off event: never used to fit the
/// model and never flagged.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShockWindow {
    pub start: f64,
    pub end: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AnomalyOptions {
    pub mode: DetectionMode,
    /// 0–1; higher flags more. 0.5 gives a band of ±3 robust standard deviations,
    /// 0 gives ±4.5 and 1 gives ±1.5.
    pub sensitivity: f64,
    pub direction: Direction,
    /// Business-significance floor: the band is never narrower than this (value units).
    pub min_abs_deviation: f64,
    /// Floor relative to the expected value (0.1 = deviations under 10 % never count).
    pub min_rel_deviation: f64,
    /// Incidents shorter than this (ms, end − start) are dropped; 0 keeps single points.
    pub min_duration_ms: f64,
    pub shock_windows: Vec<ShockWindow>,
    /// Fit, mask what is anomalous, refit: one spike does not widen the band.
    pub robust: bool,
    /// Seasonal period in points; `None` detects it from the data, `Some(0)` disables it.
    pub period: Option<usize>,
    /// Score each series against its siblings too (needs at least three series).
    pub peer: bool,
    /// The model behind the band (batch mode).
    pub model: BandModel,
    /// Driver series (indices into the series given): every other series is scored on what
    /// the drivers' values do not explain (drivers.rs).
    pub drivers: Vec<usize>,
}

impl Default for AnomalyOptions {
    fn default() -> Self {
        Self {
            mode: DetectionMode::Batch,
            sensitivity: DEFAULT_SENSITIVITY,
            direction: Direction::Both,
            min_abs_deviation: 0.0,
            min_rel_deviation: 0.0,
            min_duration_ms: 0.0,
            shock_windows: Vec::new(),
            robust: true,
            period: None,
            peer: true,
            model: BandModel::Auto,
            drivers: Vec::new(),
        }
    }
}

/// Longest duration an option may take.
const TEN_YEARS_MS: f64 = 3660.0 * 86_400_000.0;

/// The detector's default sensitivity.
pub const DEFAULT_SENSITIVITY: f64 = 0.5;

/// Band half-width, in robust standard deviations of the residuals, for a sensitivity in
/// [0, 1]: the one rule the detector, the alert rules and the root-cause deviations share.
pub const fn band_sigmas(sensitivity: f64) -> f64 {
    1.5 + 3.0 * (1.0 - sensitivity)
}

impl AnomalyOptions {
    /// Band half-width in robust standard deviations.
    pub fn band_sigmas(&self) -> f64 {
        band_sigmas(self.sensitivity)
    }

    pub fn validate(&self) -> Result<()> {
        let bad = |name: &'static str, reason: String| Err(crate::error::invalid(name, reason));
        if !(self.sensitivity.is_finite() && (0.0..=1.0).contains(&self.sensitivity)) {
            return bad(
                "sensitivity",
                format!("must be between 0 and 1, got {}", self.sensitivity),
            );
        }
        // Upper ends: a floor beyond the largest value a series may hold (or 1000 times the
        // expected value) only overflows the band; durations beyond ten years mean nothing.
        for (name, v, max) in [
            (
                "minAbsDeviation",
                self.min_abs_deviation,
                crate::series::MAX_ABS_VALUE,
            ),
            ("minRelDeviation", self.min_rel_deviation, 1000.0),
            ("minDurationMs", self.min_duration_ms, TEN_YEARS_MS),
        ] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return bad(name, format!("must be a number from 0 to {max}, got {v}"));
            }
        }
        for w in &self.shock_windows {
            if !(w.start.is_finite() && w.end.is_finite() && w.start <= w.end) {
                return bad(
                    "shockWindows",
                    format!("each window needs finite start <= end, got {w:?}"),
                );
            }
        }
        Ok(())
    }

    pub(crate) fn in_shock(&self, t: f64) -> bool {
        self.shock_windows
            .iter()
            .any(|w| t >= w.start && t <= w.end)
    }
}

/// Per-point results for one series, aligned with its (validated) timestamps.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesAnomalies {
    pub timestamps: Vec<f64>,
    pub values: Vec<f64>,
    pub expected: Vec<f64>,
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// Distance from the expected value in band half-widths (0 for gaps); never NaN.
    pub score: Vec<f64>,
    /// +1 above the band, −1 below, 0 not flagged.
    pub direction: Vec<i8>,
    /// The kind of flagged points, `None` elsewhere.
    pub kind: Vec<Option<AnomalyKind>>,
    /// The seasonal period used, in points (None: no seasonality found).
    pub period: Option<usize>,
    /// The robust spread (one sigma, series' units) of the residuals the band was fitted on,
    /// before the minimum-deviation floors: the band is ± `band_sigmas()` of it. Batch mode.
    pub residual_spread: Option<f64>,
}

/// Consecutive flagged points of one series.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Incident {
    pub series: usize,
    pub start: f64,
    pub end: f64,
    pub peak_time: f64,
    pub peak_score: f64,
    /// The kind at the peak.
    pub kind: AnomalyKind,
    pub direction: Direction,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Detection {
    pub series: Vec<SeriesAnomalies>,
    pub incidents: Vec<Incident>,
}

/// Detects anomalies in each series and, with three or more series, peer anomalies across
/// them (series are matched on equal timestamps).
pub fn detect(series: &[Series], options: &AnomalyOptions) -> Result<Detection> {
    detect_with(series, options, Tuning::default())
}

/// [`detect`] with explicit model settings (for tuning experiments; the defaults are what
/// [`detect`] uses).
#[cfg(feature = "experiments")]
pub fn detect_tuned(
    series: &[Series],
    options: &AnomalyOptions,
    tuning: Tuning,
) -> Result<Detection> {
    detect_with(series, options, tuning)
}

fn detect_with(series: &[Series], options: &AnomalyOptions, tuning: Tuning) -> Result<Detection> {
    if series.is_empty() {
        return Err(Error::Empty);
    }
    crate::series::check_total_points(series.iter().map(Series::len).sum())?;
    options.validate()?;
    let mut results: Vec<SeriesAnomalies> = series
        .iter()
        .map(|s| score::score_series(s, options, tuning))
        .collect::<Result<_>>()?;
    if !options.drivers.is_empty() {
        drivers::explain(series, options, tuning, &mut results)?;
    }
    if options.peer && series.len() >= 3 {
        peer::apply(series, options, &mut results);
    }
    let mut incidents = Vec::new();
    for (i, r) in results.iter_mut().enumerate() {
        incidents.extend(incidents::finalise(i, r, options, &tuning));
    }
    Ok(Detection {
        series: results,
        incidents,
    })
}

/// One series; see [`detect`].
pub fn detect_series(series: &Series, options: &AnomalyOptions) -> Result<SeriesAnomalies> {
    let mut d = detect(std::slice::from_ref(series), options)?;
    Ok(d.series.remove(0))
}

/// One series with explicit model settings, without peer or driver scoring (for tuning
/// experiments; the defaults are what [`detect`] uses).
#[cfg(feature = "experiments")]
pub fn detect_series_tuned(
    series: &Series,
    options: &AnomalyOptions,
    tuning: Tuning,
) -> Result<SeriesAnomalies> {
    options.validate()?;
    let mut r = score::score_series(series, options, tuning)?;
    incidents::finalise(0, &mut r, options, &tuning);
    Ok(r)
}
