//! Component attribution: is an incident a trend change, a seasonal deviation, an
//! event/holiday effect or a residual spike, judged from the forecast model's components.

use serde::{Deserialize, Serialize};

use crate::error::{invalid, Error, Result};
#[cfg(feature = "prophet")]
use crate::prophet::{ExtraColumns, Forecast, Mode, ProphetModel};

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
    /// Drivers: other series the model uses as extra regressors (orders, sign-ups), one entry
    /// each, with their contribution and, when known, the driver's own values.
    #[serde(default)]
    pub drivers: Vec<DriverValues>,
}

/// A driver's contribution to the series (series' units) and, optionally, the driver's own
/// values at the same timestamps (its units), so that its change can be named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DriverValues {
    pub name: String,
    pub values: Vec<f64>,
    #[serde(default)]
    pub actual: Vec<f64>,
}

#[cfg(feature = "prophet")]
const AGGREGATES: [&str; 5] = [
    "holidays",
    "additive_terms",
    "multiplicative_terms",
    "extra_regressors_additive",
    "extra_regressors_multiplicative",
];

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
        let drivers = model
            .regressors()
            .iter()
            .filter_map(|r| {
                forecast.component(&r.name).map(|values| DriverValues {
                    name: r.name.clone(),
                    values: contribution(values, r.mode),
                    actual: Vec::new(),
                })
            })
            .collect();
        let events = forecast
            .components
            .iter()
            .filter(|c| {
                !AGGREGATES.contains(&c.name.as_str())
                    && !model.seasonalities().iter().any(|s| s.name == c.name)
                    && !model.regressors().iter().any(|r| r.name == c.name)
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
            drivers,
        })
    }
}

/// Incidents of a series attributed by [`attribute_incidents`]: the most severe ones (each
/// costs an in-sample prediction over its window).
#[cfg(feature = "prophet")]
pub const ATTRIBUTED_INCIDENTS: usize = 5;

/// Steps of the series before an incident that serve as its reference at least.
#[cfg(feature = "prophet")]
const MIN_REFERENCE_STEPS: f64 = 24.0;

/// An incident of a series as [`attribute_incidents`] reads it.
#[cfg(feature = "prophet")]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IncidentWindow {
    /// ms UTC, inclusive.
    pub start: f64,
    pub end: f64,
    /// Its severity: the most severe incidents are attributed first.
    pub peak_score: f64,
}

/// Which component of a fitted Prophet model moved in the worst incidents of the series it
/// was fitted on ([`ATTRIBUTED_INCIDENTS`] at most, most severe first): for each, the model
/// predicts over the incident and as long a stretch before it (at least 24 steps of the
/// series) at the series' own timestamps, and [`attribute_components`] judges the departure
/// from the model's own components ([`ComponentInput::from_forecast`]: multiplicative
/// components as their share of the trend). `timestamps` and `actual` are the series (NaN a
/// gap); `regressors` the model's extra regressors' values aligned with them, which are also
/// the drivers' own values, so that their change is named. An incident that cannot be
/// attributed (no points before it, a regressor value missing in its window) is left out:
/// attribution is a hint. Returns (index into `incidents`, attribution) pairs.
#[cfg(feature = "prophet")]
pub fn attribute_incidents(
    model: &ProphetModel,
    timestamps: &[f64],
    actual: &[f64],
    regressors: &[NamedValues],
    incidents: &[IncidentWindow],
    options: &AttributionOptions,
) -> Result<Vec<(usize, Attribution)>> {
    if actual.len() != timestamps.len() {
        return Err(Error::LengthMismatch {
            timestamps: timestamps.len(),
            values: actual.len(),
        });
    }
    if let Some(r) = regressors
        .iter()
        .find(|r| r.values.len() != timestamps.len())
    {
        return Err(invalid(
            "regressors",
            format!(
                "`{}` has {} values for {} timestamps",
                r.name,
                r.values.len(),
                timestamps.len()
            ),
        ));
    }
    // The most severe first (the earlier of equal ones), ATTRIBUTED_INCIDENTS at most.
    let mut order: Vec<usize> = Vec::new();
    while order.len() < ATTRIBUTED_INCIDENTS.min(incidents.len()) {
        let mut best: Option<usize> = None;
        for i in 0..incidents.len() {
            if !order.contains(&i)
                && best.map_or(true, |b| incidents[i].peak_score > incidents[b].peak_score)
            {
                best = Some(i);
            }
        }
        order.extend(best);
    }
    let step = step_of(timestamps);
    let mut out = Vec::new();
    for i in order {
        let inc = incidents[i];
        let from = inc.start - (inc.end - inc.start).max(MIN_REFERENCE_STEPS * step);
        let rows: Vec<usize> = (0..timestamps.len())
            .filter(|&j| timestamps[j] >= from && timestamps[j] <= inc.end)
            .collect();
        if let Ok(a) = attribute_rows(model, timestamps, actual, regressors, &rows, inc, options) {
            out.push((i, a));
        }
    }
    Ok(out)
}

/// One incident of [`attribute_incidents`] over the series' `rows`.
#[cfg(feature = "prophet")]
fn attribute_rows(
    model: &ProphetModel,
    timestamps: &[f64],
    actual: &[f64],
    regressors: &[NamedValues],
    rows: &[usize],
    inc: IncidentWindow,
    options: &AttributionOptions,
) -> Result<Attribution> {
    let pick = |values: &[f64]| rows.iter().map(|&j| values[j]).collect::<Vec<f64>>();
    let ts = pick(timestamps);
    let mut columns = ExtraColumns::new();
    for r in regressors {
        columns = columns.with_regressor(r.name.clone(), &ts, &pick(&r.values))?;
    }
    // The expected value and components only: an explanation needs no intervals.
    let forecast = model.predict_point_with_columns(&ts, &columns)?;
    let mut input = ComponentInput::from_forecast(model, &forecast, &pick(actual))?;
    let mut norms = Vec::new();
    for d in &mut input.drivers {
        if let Some(r) = regressors.iter().find(|r| r.name == d.name) {
            d.actual = pick(&r.values);
            norms.push(driver_norm(
                timestamps, &r.values, rows, &d.actual, &d.values,
            ));
        }
    }
    attribute_against(&input, inc.start, inc.end, options, &norms)
}

/// Days looked back for a driver's usual value at a time of day.
#[cfg(feature = "prophet")]
const USUAL_DAYS: usize = 7;

/// A driver's usual value at each of `rows` (the median of its values at the same time on the
/// [`USUAL_DAYS`] days before, where the series has them) and the contribution that value
/// makes, by the contribution's straight line in the driver's values over `rows` (exact for an
/// additive regressor). `actual` and `contribution` are the driver's values and contribution
/// at `rows`.
#[cfg(feature = "prophet")]
fn driver_norm(
    timestamps: &[f64],
    values: &[f64],
    rows: &[usize],
    actual: &[f64],
    contribution: &[f64],
) -> DriverNorm {
    const DAY: f64 = 86_400_000.0;
    let usual: Vec<f64> = rows
        .iter()
        .map(|&j| {
            let mut seen: Vec<f64> = (1..=USUAL_DAYS)
                .filter_map(|k| {
                    let t = timestamps[j] - k as f64 * DAY;
                    let at = timestamps.binary_search_by(|x| x.total_cmp(&t)).ok()?;
                    values[at].is_finite().then_some(values[at])
                })
                .collect();
            foresight_kernel::robust::median_in_place(&mut seen)
        })
        .collect();
    let (a, b) = line_fit(actual, contribution);
    let contribution = if a.is_finite() && b.is_finite() {
        usual.iter().map(|x| a + b * (x - actual[0])).collect()
    } else {
        vec![f64::NAN; usual.len()]
    };
    DriverNorm {
        actual: usual,
        contribution,
    }
}

/// The series' step: the spacing of a regular grid (the usual Prometheus series), else the
/// median spacing of its timestamps; 0 with fewer than two.
#[cfg(feature = "prophet")]
fn step_of(timestamps: &[f64]) -> f64 {
    let first = timestamps.get(1).map_or(0.0, |t| t - timestamps[0]);
    if timestamps.windows(2).all(|w| w[1] - w[0] == first) {
        return first.max(0.0);
    }
    super::root_cause::median_step(timestamps)
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
    /// A driver (an extra regressor: another series the model follows) moved, and the series
    /// with it.
    Driver,
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
    /// `magnitude` over the sum of the parts' magnitudes (0 when all are 0).
    pub share: f64,
}

/// How one driver moved over the window, compared with the reference before it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DriverMove {
    pub name: String,
    /// Mean change of its contribution to the series (series' units).
    pub contribution: f64,
    /// Relative change of the driver's own mean value (0.4: rose 40 %), when its values were
    /// given and its reference mean is not 0.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attribution {
    pub cause: Cause,
    pub trend: Part,
    pub seasonal: Part,
    pub event: Part,
    pub residual: Part,
    /// The drivers' part: their summed contribution's departure from its reference level.
    pub driver: Part,
    /// Events active in the window (non-zero contribution), largest first.
    pub active_events: Vec<String>,
    /// Drivers whose contribution changed over the window, largest change first.
    pub drivers: Vec<DriverMove>,
    /// The cause in words when a driver explains the incident ("followed orders, which rose
    /// 40 %"); `None` otherwise.
    pub explanation: Option<String>,
    /// Points in the window and in the reference.
    pub window_points: usize,
    pub reference_points: usize,
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
    attribute_against(input, start, end, options, &[])
}

/// What a driver usually does at each of the input's timestamps: its usual value there and
/// the contribution that value makes (NaN where unknown).
#[derive(Debug, Clone, Default)]
struct DriverNorm {
    actual: Vec<f64>,
    contribution: Vec<f64>,
}

/// [`attribute_components`], with the drivers' moves measured against what each usually does at
/// those times of day (`norms`, one per driver, when known for the whole window) instead of
/// against its level in the reference: a driver's own daily rise is not a move.
fn attribute_against(
    input: &ComponentInput,
    start: f64,
    end: f64,
    options: &AttributionOptions,
    norms: &[DriverNorm],
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
    for d in &input.drivers {
        if d.values.len() != n || !(d.actual.is_empty() || d.actual.len() == n) {
            return Err(invalid(
                "drivers",
                format!(
                    "driver `{}` has {} values ({} actual) for {n} timestamps",
                    d.name,
                    d.values.len(),
                    d.actual.len()
                ),
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
        return Err(invalid("timestamps", "must be strictly increasing"));
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

    // Drivers: the same, for their summed contribution, and each one's own move; against what
    // each usually does at those times when that is known over the whole window.
    let normal = norms.len() == input.drivers.len()
        && norms.iter().all(|m| {
            window
                .iter()
                .all(|&i| m.actual[i].is_finite() && m.contribution[i].is_finite())
        });
    let driver_sum = |i: usize| input.drivers.iter().map(|d| d.values[i]).sum::<f64>();
    let driver_ref = mean(&reference.iter().map(|&i| driver_sum(i)).collect::<Vec<_>>());
    let usual = |i: usize| {
        if normal {
            norms.iter().map(|m| m.contribution[i]).sum::<f64>()
        } else {
            driver_ref
        }
    };
    let driver_c: Vec<f64> = window.iter().map(|&i| driver_sum(i) - usual(i)).collect();
    let finite_mean = |values: &[f64], rows: &[usize]| {
        let v: Vec<f64> = rows
            .iter()
            .map(|&i| values[i])
            .filter(|v| v.is_finite())
            .collect();
        (!v.is_empty()).then(|| mean(&v))
    };
    let mut moves: Vec<DriverMove> = input
        .drivers
        .iter()
        .enumerate()
        .filter_map(|(k, d)| {
            let (before, before_actual) = if normal {
                (
                    finite_mean(&norms[k].contribution, &window)?,
                    finite_mean(&norms[k].actual, &window),
                )
            } else {
                (
                    finite_mean(&d.values, &reference)?,
                    finite_mean(&d.actual, &reference),
                )
            };
            let contribution = finite_mean(&d.values, &window)? - before;
            let change = if d.actual.is_empty() {
                None
            } else {
                match (finite_mean(&d.actual, &window), before_actual) {
                    (Some(w), Some(r)) if r != 0.0 => Some(w / r - 1.0),
                    _ => None,
                }
            };
            (contribution != 0.0).then(|| DriverMove {
                name: d.name.clone(),
                contribution,
                change,
            })
        })
        .collect();
    foresight_kernel::merge_sort_vec_by(&mut moves, |x, y| {
        y.contribution
            .abs()
            .total_cmp(&x.contribution.abs())
            .is_le()
    });

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
        part(&driver_c),
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
        Cause::Driver,
    ];
    let cause = if total > 0.0 {
        let mut best = 0;
        for k in 1..causes.len() {
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
    let [trend, seasonal, event, residual, driver] = parts;
    let explanation = (cause == Cause::Driver)
        .then(|| moves.first())
        .flatten()
        .map(|m| match m.change {
            Some(c) => format!(
                "followed {}, which {} {:.0} %",
                m.name,
                if c >= 0.0 { "rose" } else { "fell" },
                (c * 100.0).abs()
            ),
            None => format!("followed {}", m.name),
        });
    Ok(Attribution {
        cause,
        trend,
        seasonal,
        event,
        residual,
        driver,
        active_events: active.into_iter().map(|(_, n)| n.to_string()).collect(),
        drivers: moves,
        explanation,
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

#[cfg(test)]
mod driver_tests {
    //! Issue 19: an incident a driver explains names the driver; one it does not, does not.
    use super::*;

    const HOUR: f64 = 3_600_000.0;

    /// Hourly orders: 50 at night rising by `swing` to a peak at 14:00, with a campaign (x1.4)
    /// at hours 170-199.
    fn hourly_orders(n: usize, swing: f64) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let hour = (i % 24) as f64;
                let cycle = (std::f64::consts::PI * (hour - 8.0) / 12.0).sin().max(0.0);
                let campaign = if (170..200).contains(&i) { 1.4 } else { 1.0 };
                (50.0 + swing * cycle) * campaign
            })
            .collect()
    }

    /// Hourly: orders with a business-hours cycle and a campaign (x1.4) at hours 170-199; the
    /// series is 100 + 0.5 x (orders - 60) + a small daily seasonality, and an unexplained
    /// spike of +15 at hours 130-132.
    fn input() -> ComponentInput {
        let n = 240;
        let orders = hourly_orders(n, 20.0);
        let effect: Vec<f64> = orders.iter().map(|o| 0.5 * (o - 60.0)).collect();
        let season: Vec<f64> = (0..n)
            .map(|i| 3.0 * (std::f64::consts::TAU * i as f64 / 24.0).sin())
            .collect();
        let trend = vec![100.0; n];
        let yhat: Vec<f64> = (0..n).map(|i| trend[i] + season[i] + effect[i]).collect();
        let actual: Vec<f64> = (0..n)
            .map(|i| {
                let noise = 0.3 * (((i * 7919) % 13) as f64 / 13.0 - 0.5);
                yhat[i] + noise + if (130..133).contains(&i) { 15.0 } else { 0.0 }
            })
            .collect();
        ComponentInput {
            timestamps: (0..n).map(|i| 1.7e12 + i as f64 * HOUR).collect(),
            actual,
            yhat,
            trend,
            seasonalities: vec![NamedValues {
                name: "daily".into(),
                values: season,
            }],
            events: Vec::new(),
            drivers: vec![DriverValues {
                name: "orders".into(),
                values: effect,
                actual: orders,
            }],
        }
    }

    fn at(i: usize) -> f64 {
        1.7e12 + i as f64 * HOUR
    }

    #[test]
    fn a_campaign_the_driver_carries_names_the_driver() {
        let a = attribute_components(&input(), at(170), at(199), &Default::default()).unwrap();
        assert_eq!(a.cause, Cause::Driver, "{a:?}");
        assert_eq!(a.drivers[0].name, "orders");
        let change = a.drivers[0].change.unwrap();
        assert!((0.2..0.6).contains(&change), "{change}");
        let text = a.explanation.unwrap();
        assert!(text.starts_with("followed orders, which rose"), "{text}");
    }

    #[test]
    fn a_spike_the_driver_does_not_carry_is_not_the_drivers() {
        let a = attribute_components(&input(), at(130), at(132), &Default::default()).unwrap();
        assert_eq!(a.cause, Cause::ResidualSpike, "{a:?}");
        assert!(a.explanation.is_none());
    }

    /// A Prophet fit of `y` with `orders` as an extra regressor (no interval samples).
    #[cfg(feature = "prophet")]
    fn fit_with_orders(
        ts: &[f64],
        y: &[f64],
        orders: &[f64],
    ) -> (ProphetModel, crate::prophet::ExtraColumns) {
        use crate::prophet::{ExtraColumns, ForecastOptions, RegressorOptions};
        let options = ForecastOptions {
            uncertainty_samples: Some(0),
            regressors: vec![RegressorOptions {
                name: "orders".into(),
                prior_scale: None,
                standardize: Default::default(),
                mode: None,
            }],
            ..Default::default()
        };
        let columns = ExtraColumns::new()
            .with_regressor("orders", ts, orders)
            .unwrap();
        let series = crate::Series::new(ts, y).unwrap();
        let model = ProphetModel::fit_with_columns(&series, &options, &columns).unwrap();
        (model, columns)
    }

    /// From a Prophet fit with the driver as an extra regressor: the regressor is a driver of
    /// the input (not an event, and its sum by mode is not counted again).
    #[cfg(feature = "prophet")]
    #[test]
    fn attribution_from_a_prophet_fit_with_a_regressor_names_the_driver() {
        let base = input();
        let orders = base.drivers[0].actual.clone();
        let ts = base.timestamps.clone();
        let y: Vec<f64> = (0..ts.len())
            .map(|i| base.actual[i] - if (130..133).contains(&i) { 15.0 } else { 0.0 })
            .collect();
        let (model, columns) = fit_with_orders(&ts, &y, &orders);
        let forecast = model.predict_point_with_columns(&ts, &columns).unwrap();
        let mut from = ComponentInput::from_forecast(&model, &forecast, &y).unwrap();
        assert_eq!(from.drivers.len(), 1);
        assert!(from.events.is_empty(), "{:?}", from.events);
        from.drivers[0].actual = orders;
        let a = attribute_components(&from, at(170), at(199), &Default::default()).unwrap();
        assert_eq!(a.cause, Cause::Driver, "{a:?}");
        assert!(a.explanation.unwrap().contains("which rose"));
    }

    /// A model with multiplicative seasonality: its incidents are attributed from its own
    /// components (each seasonality as its share of the trend), the most severe first, at most
    /// ATTRIBUTED_INCIDENTS of them.
    #[cfg(feature = "prophet")]
    #[test]
    fn incidents_of_a_multiplicative_model_are_attributed() {
        use crate::prophet::{ForecastOptions, Mode, ProphetModel};
        use crate::Series;
        let n = 24 * 20;
        let ts: Vec<f64> = (0..n).map(at).collect();
        let spikes = [300, 340, 380, 400, 420, 440];
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let level = 100.0 + 0.1 * i as f64;
                let daily = 1.0 + 0.3 * (std::f64::consts::TAU * i as f64 / 24.0).sin();
                let noise = 0.3 * (((i * 7919) % 13) as f64 / 13.0 - 0.5);
                let spike = spikes
                    .iter()
                    .position(|&s| s == i)
                    .map_or(0.0, |k| 20.0 + k as f64);
                level * daily + noise + spike
            })
            .collect();
        let options = ForecastOptions {
            uncertainty_samples: Some(0),
            seasonality_mode: Mode::Multiplicative,
            ..Default::default()
        };
        let model = ProphetModel::fit(&Series::new(&ts, &y).unwrap(), &options).unwrap();
        assert!(model
            .seasonalities()
            .iter()
            .any(|s| s.mode == Mode::Multiplicative));
        let incidents: Vec<IncidentWindow> = spikes
            .iter()
            .enumerate()
            .map(|(k, &i)| IncidentWindow {
                start: at(i),
                end: at(i),
                peak_score: k as f64,
            })
            .collect();
        let attributed =
            attribute_incidents(&model, &ts, &y, &[], &incidents, &Default::default()).unwrap();
        let order: Vec<usize> = attributed.iter().map(|(i, _)| *i).collect();
        assert_eq!(order, vec![5, 4, 3, 2, 1], "most severe first, at most 5");
        for (_, a) in &attributed {
            assert_eq!(a.cause, Cause::ResidualSpike, "{a:?}");
        }
    }

    /// The series' own spike as the driver's business day begins (its morning rise): not the
    /// driver's doing, though the driver's contribution rises over the window; the campaign
    /// is. Attributed from a Prophet fit with the driver as a regressor, the driver's moves
    /// measured against what it does at those hours on the days before.
    #[cfg(feature = "prophet")]
    #[test]
    fn a_spike_at_the_drivers_morning_rise_is_not_the_drivers() {
        // A steep business day: orders 50 at night, 110 at 14:00; a campaign x1.4.
        let n = 240;
        let ts: Vec<f64> = (0..n).map(at).collect();
        let orders = hourly_orders(n, 60.0);
        let morning = 6 * 24 + 9..6 * 24 + 12;
        let y: Vec<f64> = (0..n)
            .map(|i| {
                let noise = 0.3 * (((i * 7919) % 13) as f64 / 13.0 - 0.5);
                let season = 3.0 * (std::f64::consts::TAU * i as f64 / 24.0).sin();
                let own = if morning.contains(&i) { 12.0 } else { 0.0 };
                100.0 + 0.5 * (orders[i] - 60.0) + season + noise + own
            })
            .collect();
        let (model, _) = fit_with_orders(&ts, &y, &orders);
        let incidents = [
            IncidentWindow {
                start: at(morning.start),
                end: at(morning.end + 2),
                peak_score: 2.0,
            },
            IncidentWindow {
                start: at(170),
                end: at(199),
                peak_score: 1.0,
            },
        ];
        let regressors = [NamedValues {
            name: "orders".into(),
            values: orders,
        }];
        let attributed = attribute_incidents(
            &model,
            &ts,
            &y,
            &regressors,
            &incidents,
            &Default::default(),
        )
        .unwrap();
        let cause = |k: usize| attributed.iter().find(|(i, _)| *i == k).unwrap().1.clone();
        let spike = cause(0);
        assert_ne!(spike.cause, Cause::Driver, "{spike:?}");
        assert!(spike.explanation.is_none(), "{spike:?}");
        let campaign = cause(1);
        assert_eq!(campaign.cause, Cause::Driver, "{campaign:?}");
        let change = campaign.drivers[0].change.unwrap();
        assert!((0.2..0.6).contains(&change), "{change}");
    }

    #[test]
    fn driver_values_of_another_length_are_refused() {
        let mut bad = input();
        bad.drivers[0].actual.pop();
        assert!(attribute_components(&bad, at(170), at(199), &Default::default()).is_err());
    }
}
