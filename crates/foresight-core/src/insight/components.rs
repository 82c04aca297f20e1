//! Component attribution: is an incident a trend change, a seasonal deviation, an
//! event/holiday effect or a residual spike, judged from the forecast model's components.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
#[cfg(feature = "prophet")]
use crate::prophet::{Forecast, Mode, ProphetModel};

/// One named additive contribution, in the series' units, aligned with the timestamps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedValues {
    pub name: String,
    pub values: Vec<f64>,
}

/// The model's decomposition over a range that holds the incident window and the points
/// before it. Every vector aligns with `timestamps` (ms UTC, increasing); NaN marks a gap in
/// `actual`. Contributions are additive, in the series' units: `yhat = trend + Σ
/// seasonalities + Σ events` (use [`ComponentInput::from_forecast`] to convert a
/// multiplicative Prophet model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ComponentInput {
    pub timestamps: Vec<f64>,
    pub actual: Vec<f64>,
    pub yhat: Vec<f64>,
    pub trend: Vec<f64>,
    #[serde(default)]
    pub seasonalities: Vec<NamedValues>,
    /// Holidays and events (deploys, campaigns…), one entry each.
    #[serde(default)]
    pub events: Vec<NamedValues>,
}

#[cfg(feature = "prophet")]
const AGGREGATES: [&str; 3] = ["holidays", "additive_terms", "multiplicative_terms"];

#[cfg(feature = "prophet")]
impl ComponentInput {
    /// Builds the input from a Prophet forecast at the series' timestamps (`forecast.ds`) and
    /// the observed values there. Multiplicative seasonalities and holidays become additive
    /// contributions (`trend × factor`), as Prophet composes `yhat`.
    pub fn from_forecast(
        model: &ProphetModel,
        forecast: &Forecast,
        actual: &[f64],
    ) -> Result<Self> {
        if actual.len() != forecast.ds.len() {
            return Err(Error::LengthMismatch {
                timestamps: forecast.ds.len(),
                values: actual.len(),
            });
        }
        let trend = &forecast.trend;
        let contribution = |values: &[f64], mode: Mode| -> Vec<f64> {
            match mode {
                Mode::Additive => values.to_vec(),
                Mode::Multiplicative => values.iter().zip(trend).map(|(v, t)| v * t).collect(),
            }
        };
        let mut seasonalities = Vec::new();
        for s in model.seasonalities() {
            if let Some(values) = forecast.component(&s.name) {
                seasonalities.push(NamedValues {
                    name: s.name.clone(),
                    values: contribution(values, s.mode),
                });
            }
        }
        let options = model.options();
        let holiday_mode = options.holidays_mode.unwrap_or(options.seasonality_mode);
        let events = forecast
            .components
            .iter()
            .filter(|c| {
                !AGGREGATES.contains(&c.name.as_str())
                    && !model.seasonalities().iter().any(|s| s.name == c.name)
            })
            .map(|c| NamedValues {
                name: c.name.clone(),
                values: contribution(&c.values, holiday_mode),
            })
            .collect();
        Ok(Self {
            timestamps: forecast.ds.clone(),
            actual: actual.to_vec(),
            yhat: forecast.yhat.clone(),
            trend: trend.clone(),
            seasonalities,
            events,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributionOptions {
    /// Points before the window that serve as the reference (the trend is extrapolated from
    /// them, events are compared with their level there). `None`: as many as the window has,
    /// at least 24.
    pub reference_points: Option<usize>,
}

/// The verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Cause {
    /// The trend in the window departs from the trend before it (a changepoint).
    TrendChange,
    /// The window's residual follows the seasonal shape: the pattern is stronger, weaker or
    /// shifted compared with the model's seasonality.
    SeasonalDeviation,
    /// A holiday/event component is active in the window.
    Event,
    /// None of the components explains it, and the departure sits at a few points: a
    /// one-off spike or dip.
    ResidualSpike,
    /// None of the components explains it, and the departure is spread over the window (a
    /// stretch at another level, or noisier, than the model): a multi-hour collective
    /// incident is not a spike.
    ResidualShift,
    /// Nothing departs from the reference (all contributions are zero).
    NoDeviation,
}

/// One part of the attribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Part {
    /// Root mean square of the part's contribution over the window (series' units).
    pub magnitude: f64,
    /// Mean (signed) contribution over the window.
    pub mean: f64,
    /// `magnitude` over the sum of the four magnitudes (0 when all are 0).
    pub share: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    pub cause: Cause,
    pub trend: Part,
    pub seasonal: Part,
    pub event: Part,
    pub residual: Part,
    /// Events active in the window (non-zero contribution), largest first.
    pub active_events: Vec<String>,
    /// Points in the window and in the reference.
    pub window_points: usize,
    pub reference_points: usize,
}

fn invalid(name: &'static str, reason: String) -> Error {
    Error::InvalidOption { name, reason }
}

/// Splits the departure inside `[start, end]` (ms UTC, inclusive) into four parts:
///
/// - trend: the trend minus the straight line fitted to the trend over the reference points
///   just before the window, extended into it;
/// - event: the sum of event components minus its mean over the reference;
/// - seasonal: the part of the residual (actual − yhat) that follows the window's seasonal
///   shape (least-squares projection on the centred sum of seasonalities);
/// - residual: the rest of the residual.
///
/// Each part's size is its root mean square over the window; the largest names the cause.
pub fn attribute_components(
    input: &ComponentInput,
    start: f64,
    end: f64,
    options: &AttributionOptions,
) -> Result<Attribution> {
    let n = input.timestamps.len();
    if n == 0 {
        return Err(Error::Empty);
    }
    for (name, len) in [
        ("actual", input.actual.len()),
        ("yhat", input.yhat.len()),
        ("trend", input.trend.len()),
    ] {
        if len != n {
            return Err(invalid(
                name,
                format!("has {len} values for {n} timestamps"),
            ));
        }
    }
    for c in input.seasonalities.iter().chain(&input.events) {
        if c.values.len() != n {
            return Err(invalid(
                "components",
                format!(
                    "component `{}` has {} values for {n} timestamps",
                    c.name,
                    c.values.len()
                ),
            ));
        }
    }
    if let Some(index) = input.timestamps.iter().position(|t| !t.is_finite()) {
        return Err(Error::NonFiniteTimestamp { index });
    }
    if !input.timestamps.windows(2).all(|w| w[0] < w[1]) {
        return Err(invalid("timestamps", "must be strictly increasing".into()));
    }
    if !(start.is_finite() && end.is_finite() && start <= end) {
        return Err(invalid(
            "window",
            format!("needs finite start <= end, got {start} .. {end}"),
        ));
    }
    let lo = input.timestamps.partition_point(|&t| t < start);
    let hi = input.timestamps.partition_point(|&t| t <= end);
    if hi <= lo {
        return Err(invalid(
            "window",
            format!("the window {start} .. {end} holds no timestamp of the components"),
        ));
    }
    let window: Vec<usize> = (lo..hi).collect();
    let want = options.reference_points.unwrap_or(window.len().max(24));
    let reference: Vec<usize> = (lo.saturating_sub(want)..lo).collect();
    if reference.len() < 2 {
        return Err(invalid(
            "window",
            format!(
                "at least 2 points before the window are needed as a reference, there are {}",
                reference.len()
            ),
        ));
    }
    let t = &input.timestamps;

    // Trend: departure from the reference's straight line.
    let (a, b) = line_fit(
        &reference.iter().map(|&i| t[i]).collect::<Vec<_>>(),
        &reference
            .iter()
            .map(|&i| input.trend[i])
            .collect::<Vec<_>>(),
    );
    let trend_c: Vec<f64> = window
        .iter()
        .map(|&i| input.trend[i] - (a + b * (t[i] - t[reference[0]])))
        .collect();

    // Events: departure from their reference level.
    let event_sum = |i: usize| input.events.iter().map(|c| c.values[i]).sum::<f64>();
    let event_ref = mean(&reference.iter().map(|&i| event_sum(i)).collect::<Vec<_>>());
    let event_c: Vec<f64> = window.iter().map(|&i| event_sum(i) - event_ref).collect();

    // Residual and its seasonal-shaped part.
    let seasonal_sum = |i: usize| input.seasonalities.iter().map(|c| c.values[i]).sum::<f64>();
    let s: Vec<f64> = window.iter().map(|&i| seasonal_sum(i)).collect();
    let s_mean = mean(&s);
    let s_centred: Vec<f64> = s.iter().map(|v| v - s_mean).collect();
    let resid: Vec<f64> = window
        .iter()
        .map(|&i| input.actual[i] - input.yhat[i])
        .collect();
    let (mut num, mut den) = (0.0, 0.0);
    for (r, sc) in resid.iter().zip(&s_centred) {
        if r.is_finite() {
            num += r * sc;
            den += sc * sc;
        }
    }
    let scale = s.iter().map(|v| v.abs()).fold(0.0, f64::max);
    let coef = if den > 1e-12 * (1.0 + scale * scale) {
        num / den
    } else {
        0.0
    };
    let seasonal_c: Vec<f64> = resid
        .iter()
        .zip(&s_centred)
        .map(|(r, sc)| if r.is_finite() { coef * sc } else { f64::NAN })
        .collect();
    let residual_c: Vec<f64> = resid
        .iter()
        .zip(&seasonal_c)
        .map(|(r, sc)| r - sc)
        .collect();

    let parts = [
        part(&trend_c),
        part(&seasonal_c),
        part(&event_c),
        part(&residual_c),
    ];
    let total: f64 = parts.iter().map(|p| p.magnitude).sum();
    let parts = parts.map(|mut p| {
        p.share = if total > 0.0 {
            p.magnitude / total
        } else {
            0.0
        };
        p
    });
    let residual_cause = if concentrated(&residual_c) {
        Cause::ResidualSpike
    } else {
        Cause::ResidualShift
    };
    let causes = [
        Cause::TrendChange,
        Cause::SeasonalDeviation,
        Cause::Event,
        residual_cause,
    ];
    let cause = if total > 0.0 {
        let mut best = 0;
        for k in 1..4 {
            if parts[k].magnitude > parts[best].magnitude {
                best = k;
            }
        }
        causes[best]
    } else {
        Cause::NoDeviation
    };

    let mut active: Vec<(f64, &str)> = input
        .events
        .iter()
        .map(|c| {
            let rms = rms(&window.iter().map(|&i| c.values[i]).collect::<Vec<_>>());
            (rms, c.name.as_str())
        })
        .filter(|(m, _)| *m > 0.0)
        .collect();
    foresight_kernel::merge_sort_by(&mut active, |x, y| {
        y.0.total_cmp(&x.0).then(x.1.cmp(y.1)).is_le()
    });
    let [trend, seasonal, event, residual] = parts;
    Ok(Attribution {
        cause,
        trend,
        seasonal,
        event,
        residual,
        active_events: active.into_iter().map(|(_, n)| n.to_string()).collect(),
        window_points: window.len(),
        reference_points: reference.len(),
    })
}

/// Points of a departure that still make it a spike.
const SPIKE_POINTS: usize = 3;

/// Whether at least half of the departure's energy (sum of squares of the finite values) sits
/// in its `SPIKE_POINTS` largest points: a spike, or a dip, of a few points, however long the
/// window around it.
fn concentrated(values: &[f64]) -> bool {
    let mut sq: Vec<f64> = values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v * v)
        .collect();
    let total: f64 = sq.iter().sum();
    if sq.len() <= SPIKE_POINTS || total <= 0.0 {
        return true;
    }
    foresight_kernel::merge_sort_by(&mut sq, |a, b| a >= b);
    2.0 * sq[..SPIKE_POINTS].iter().sum::<f64>() >= total
}

fn part(values: &[f64]) -> Part {
    Part {
        magnitude: rms(values),
        mean: mean(values),
        share: 0.0,
    }
}

/// Mean of the finite values (0 when there are none).
fn mean(xs: &[f64]) -> f64 {
    let (s, c) = xs
        .iter()
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if c == 0 {
        0.0
    } else {
        s / c as f64
    }
}

fn rms(xs: &[f64]) -> f64 {
    let sq: Vec<f64> = xs.iter().map(|v| v * v).collect();
    mean(&sq).sqrt()
}

/// Least-squares line `y = a + b (x − x0)`, x0 the first x; flat through the mean when x
/// does not vary.
fn line_fit(xs: &[f64], ys: &[f64]) -> (f64, f64) {
    let x0 = xs[0];
    let pairs: Vec<(f64, f64)> = xs
        .iter()
        .zip(ys)
        .filter(|(_, y)| y.is_finite())
        .map(|(x, y)| (x - x0, *y))
        .collect();
    if pairs.is_empty() {
        return (0.0, 0.0);
    }
    let n = pairs.len() as f64;
    let mx = pairs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pairs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (my - b * mx, b)
}
