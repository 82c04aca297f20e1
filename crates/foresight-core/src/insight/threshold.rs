//! Proactive: when will the forecast cross a threshold, with the interval from the bands.

use serde::{Deserialize, Serialize};

use crate::error::{invalid, Error, Result};

/// Which side of the threshold is bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ThresholdDirection {
    /// Values at or above the threshold are bad (disk usage, latency).
    #[default]
    Above,
    /// Values at or below it are bad (free space, throughput).
    Below,
}

/// A forecast path after the last observation: timestamps (ms UTC, increasing), the point
/// forecast and, optionally, the interval edges. Points at or before the last observation
/// are ignored, so a forecast over history and future can be passed as is.
#[derive(Debug, Clone, Copy)]
pub struct ForecastPath<'a> {
    pub timestamps: &'a [f64],
    pub yhat: &'a [f64],
    pub lower: Option<&'a [f64]>,
    pub upper: Option<&'a [f64]>,
}

/// The last observed point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LastObserved {
    /// ms UTC.
    pub time: f64,
    /// The observed value (None or NaN: unknown, the crossing is read from the forecast only).
    pub value: Option<f64>,
}

/// Interval of the crossing time from the forecast's bands (ms from the last observation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CrossingInterval {
    /// When the pessimistic edge (upper for `above`, lower for `below`) crosses.
    pub earliest_ms: f64,
    /// When the optimistic edge crosses; `None`: not within the forecast horizon.
    pub latest_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CrossingState {
    /// The last observed value is already beyond the threshold.
    #[serde(rename_all = "camelCase")]
    AlreadyBeyond { value: f64 },
    /// The point forecast crosses.
    #[serde(rename_all = "camelCase")]
    Crosses {
        /// Time of the crossing (ms UTC), interpolated between forecast points.
        at: f64,
        /// ms from the last observation.
        in_ms: f64,
        /// `None` when the forecast has no bands.
        interval: Option<CrossingInterval>,
    },
    /// The point forecast heads towards the threshold but does not reach it before the end
    /// of the forecast.
    #[serde(rename_all = "camelCase")]
    NotWithinHorizon {
        /// When the pessimistic edge crosses, if it does within the horizon.
        earliest_ms: Option<f64>,
        /// The point forecast's value closest to the threshold.
        closest: f64,
    },
    /// The point forecast does not cross and levels off or moves away at the end of the
    /// horizon (for example a logistic forecast saturating below the threshold).
    #[serde(rename_all = "camelCase")]
    NeverReaches {
        earliest_ms: Option<f64>,
        closest: f64,
        /// The forecast's level at the end of the horizon.
        final_value: f64,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ThresholdCrossing {
    pub threshold: f64,
    pub direction: ThresholdDirection,
    /// ms from the last observation to the last forecast point.
    pub horizon_ms: f64,
    pub state: CrossingState,
}

impl ThresholdCrossing {
    /// Key for "soonest first" lists (ms from the last observation): 0 when already beyond,
    /// the crossing time, then series not crossing within the horizon (after every
    /// crossing, by when their pessimistic edge crosses), then those never reaching it.
    pub fn sort_key_ms(&self) -> f64 {
        match &self.state {
            CrossingState::AlreadyBeyond { .. } => 0.0,
            CrossingState::Crosses { in_ms, .. } => *in_ms,
            CrossingState::NotWithinHorizon { earliest_ms, .. } => {
                1e15 + earliest_ms.unwrap_or(self.horizon_ms * 2.0)
            }
            CrossingState::NeverReaches { .. } => f64::INFINITY,
        }
    }
}

/// Predicted time until the forecast crosses `threshold`.
///
/// The crossing is the first time the point forecast reaches the threshold (linear
/// interpolation between points, starting from the last observed value when known). The
/// interval runs from the crossing of the pessimistic band edge to that of the optimistic
/// one. `NeverReaches` is reported instead of `NotWithinHorizon` when the end of the
/// forecast moves away from the threshold, approaches it so slowly that it would need more
/// than 100 horizons, or decelerates so that it levels off short of it (see `approaches`).
pub fn time_to_threshold(
    path: ForecastPath<'_>,
    last: LastObserved,
    threshold: f64,
    direction: ThresholdDirection,
) -> Result<ThresholdCrossing> {
    if !threshold.is_finite() {
        return Err(invalid(
            "threshold",
            format!("must be a finite number, got {threshold}"),
        ));
    }
    if !last.time.is_finite() {
        return Err(invalid(
            "lastObserved",
            format!("time must be finite, got {}", last.time),
        ));
    }
    let n = path.timestamps.len();
    if path.yhat.len() != n {
        return Err(Error::LengthMismatch {
            timestamps: n,
            values: path.yhat.len(),
        });
    }
    for (name, edge) in [("lower", path.lower), ("upper", path.upper)] {
        if let Some(e) = edge {
            if e.len() != n {
                return Err(invalid(
                    name,
                    format!("has {} values for {n} timestamps", e.len()),
                ));
            }
        }
    }
    if path.lower.is_some() != path.upper.is_some() {
        return Err(invalid(
            "interval",
            "give both edges of the interval (lower and upper) or neither",
        ));
    }
    if let Some(index) = path.timestamps.iter().position(|t| !t.is_finite()) {
        return Err(Error::NonFiniteTimestamp { index });
    }
    if !path.timestamps.windows(2).all(|w| w[0] < w[1]) {
        return Err(invalid(
            "timestamps",
            "the forecast's timestamps must be strictly increasing",
        ));
    }
    let first = path.timestamps.partition_point(|&t| t <= last.time);
    let future: Vec<usize> = (first..n).filter(|&i| path.yhat[i].is_finite()).collect();
    if future.is_empty() {
        return Err(invalid(
            "forecast",
            "the forecast has no numeric point after the last observation",
        ));
    }
    let horizon_ms = path.timestamps[*future.last().expect("non-empty")] - last.time;
    let beyond = |v: f64| match direction {
        ThresholdDirection::Above => v >= threshold,
        ThresholdDirection::Below => v <= threshold,
    };
    let start_value = last.value.filter(|v| v.is_finite());
    let done = |state| ThresholdCrossing {
        threshold,
        direction,
        horizon_ms,
        state,
    };
    if let Some(v) = start_value {
        if beyond(v) {
            return Ok(done(CrossingState::AlreadyBeyond { value: v }));
        }
    }

    let ts = path.timestamps;
    let crossing = |values: &[f64]| -> Option<f64> {
        let mut prev: Option<(f64, f64)> = start_value.map(|v| (last.time, v));
        for &i in &future {
            let v = values[i];
            if !v.is_finite() {
                continue;
            }
            if beyond(v) {
                return Some(match prev {
                    Some((tp, vp)) if vp != v => {
                        let f = ((threshold - vp) / (v - vp)).clamp(0.0, 1.0);
                        tp + f * (ts[i] - tp)
                    }
                    _ => ts[i],
                });
            }
            prev = Some((ts[i], v));
        }
        None
    };
    let (pessimistic, optimistic) = match direction {
        ThresholdDirection::Above => (path.upper, path.lower),
        ThresholdDirection::Below => (path.lower, path.upper),
    };
    let point = crossing(path.yhat);
    let early = pessimistic.and_then(&crossing);
    let late = optimistic.and_then(&crossing);

    if let Some(at) = point {
        let interval = pessimistic.map(|_| CrossingInterval {
            earliest_ms: early.map_or(at, |e| e.min(at)) - last.time,
            latest_ms: late.map(|l| l.max(at) - last.time),
        });
        return Ok(done(CrossingState::Crosses {
            at,
            in_ms: at - last.time,
            interval,
        }));
    }

    let closest = future
        .iter()
        .map(|&i| path.yhat[i])
        .fold(f64::NAN, |best, v| {
            if best.is_nan() || (v - threshold).abs() < (best - threshold).abs() {
                v
            } else {
                best
            }
        });
    let earliest_ms = early.map(|e| e - last.time);
    let final_value = path.yhat[*future.last().expect("non-empty")];
    let heading = approaches(
        &future,
        ts,
        path.yhat,
        threshold,
        final_value,
        direction,
        horizon_ms,
    );
    if heading {
        Ok(done(CrossingState::NotWithinHorizon {
            earliest_ms,
            closest,
        }))
    } else {
        Ok(done(CrossingState::NeverReaches {
            earliest_ms,
            closest,
            final_value,
        }))
    }
}

/// Whether the forecast's end still heads towards the threshold fast enough to reach it:
/// false when the slope over the last quarter points away (or would need more than 100
/// horizons), or when the slope decays from the third to the last quarter so fast that,
/// continuing to decay geometrically, the forecast levels off short of the threshold (a
/// saturating, e.g. logistic, forecast).
fn approaches(
    future: &[usize],
    ts: &[f64],
    yhat: &[f64],
    threshold: f64,
    final_value: f64,
    direction: ThresholdDirection,
    horizon_ms: f64,
) -> bool {
    let sign = match direction {
        ThresholdDirection::Above => 1.0,
        ThresholdDirection::Below => -1.0,
    };
    let part = |idx: &[usize]| {
        let xs: Vec<f64> = idx.iter().map(|&i| ts[i]).collect();
        let ys: Vec<f64> = idx.iter().map(|&i| yhat[i]).collect();
        let mid = (xs[0] + xs[xs.len() - 1]) / 2.0;
        (sign * slope(&xs, &ys), mid)
    };
    let gap = (threshold - final_value).abs();
    let needed = if horizon_ms > 0.0 {
        gap / (100.0 * horizon_ms)
    } else {
        f64::INFINITY
    };
    if future.len() < 8 {
        let (s, _) = part(&future[future.len() / 2..]);
        return s > needed;
    }
    let q = future.len() / 4;
    let (s3, m3) = part(&future[future.len() - 2 * q..future.len() - q]);
    let (s4, m4) = part(&future[future.len() - q..]);
    if s4 <= needed {
        return false;
    }
    if s3 > 0.0 && s4 < s3 {
        // Geometric decay of the slope by r every (m4 − m3): what is left to climb.
        let r = s4 / s3;
        let dt = m4 - m3;
        let remaining = s4 * dt * r / (1.0 - r);
        return remaining >= gap;
    }
    true
}

fn slope(xs: &[f64], ys: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    if sxx > 0.0 {
        sxy / sxx
    } else {
        0.0
    }
}

/// A warning when the threshold looks like it is in another unit than the series: a
/// percentage (above 1) against a ratio series (all values within 0–1), or a threshold more
/// than 1000 times larger (or smaller) than every value's magnitude. `None` when it looks
/// plausible (or there are no numeric values to judge by).
pub fn unit_mismatch(values: &[f64], threshold: f64) -> Option<String> {
    let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() || !threshold.is_finite() {
        return None;
    }
    let max_abs = finite.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let is_ratio = finite.iter().all(|v| (0.0..=1.0).contains(v));
    if is_ratio && threshold > 1.0 && threshold <= 100.0 {
        return Some(format!(
            "the threshold {} looks like a percentage while the series is a ratio between 0 and 1; use {} instead?",
            format_number(threshold),
            format_number(threshold / 100.0)
        ));
    }
    if max_abs > 0.0 && threshold.abs() > 1000.0 * max_abs {
        return Some(format!(
            "the threshold {} is more than 1000 times the largest value ({}): is it in another unit?",
            format_number(threshold),
            format_number(max_abs)
        ));
    }
    if threshold != 0.0
        && max_abs > 1000.0 * threshold.abs()
        && finite.iter().all(|v| v.abs() > 1000.0 * threshold.abs())
    {
        return Some(format!(
            "the threshold {} is more than 1000 times smaller than every value: is it in another unit?",
            format_number(threshold)
        ));
    }
    None
}

/// A duration for people: "45 s", "12 min", "3 h 20 min", "2 d 4 h", "12 d".
pub fn format_duration(ms: f64) -> String {
    if !ms.is_finite() {
        return "an unknown time".into();
    }
    let ms = ms.max(0.0);
    if ms < 60_000.0 {
        let s = (ms / 1000.0).round() as u64;
        return if s == 0 {
            "now".into()
        } else {
            format!("{s} s")
        };
    }
    let minutes = (ms / 60_000.0).round() as u64;
    if minutes < 60 {
        return format!("{minutes} min");
    }
    if minutes < 24 * 60 {
        let (h, m) = (minutes / 60, minutes % 60);
        return if m == 0 {
            format!("{h} h")
        } else {
            format!("{h} h {m} min")
        };
    }
    let hours = (ms / 3_600_000.0).round() as u64;
    let (d, h) = (hours / 24, hours % 24);
    if d >= 7 || h == 0 {
        format!("{d} d")
    } else {
        format!("{d} d {h} h")
    }
}

/// A number without noise: integers as such, otherwise up to 3 significant decimals.
pub fn format_number(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    if v == v.trunc() && v.abs() < 1e15 {
        return format!("{}", v as i64);
    }
    let digits = if v.abs() >= 100.0 {
        1
    } else if v.abs() >= 1.0 {
        2
    } else {
        4
    };
    let s = format!("{v:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// One sentence for the panel, e.g. "crosses 90 in about 3 h 20 min; 80 % interval 2 h –
/// 5 h". `interval_width` (0–1) names the interval; `unit` is appended to the threshold.
pub fn describe_crossing(c: &ThresholdCrossing, interval_width: Option<f64>, unit: &str) -> String {
    let thr = format!("{}{unit}", format_number(c.threshold));
    let side = match c.direction {
        ThresholdDirection::Above => "above",
        ThresholdDirection::Below => "below",
    };
    let edge = match c.direction {
        ThresholdDirection::Above => "upper",
        ThresholdDirection::Below => "lower",
    };
    let interval_name = match interval_width {
        Some(w) if w > 0.0 && w < 1.0 => format!("{} % interval", format_number(w * 100.0)),
        _ => "interval".into(),
    };
    let horizon = format_duration(c.horizon_ms);
    match &c.state {
        CrossingState::AlreadyBeyond { value } => {
            format!("already {side} {thr} (now {}{unit})", format_number(*value))
        }
        CrossingState::Crosses {
            in_ms, interval, ..
        } => {
            let mut s = format!("crosses {thr} in about {}", format_duration(*in_ms));
            if let Some(iv) = interval {
                let latest = iv.latest_ms.map_or_else(
                    || format!("beyond the forecast horizon ({horizon})"),
                    format_duration,
                );
                s.push_str(&format!(
                    "; {interval_name} {} – {latest}",
                    format_duration(iv.earliest_ms)
                ));
            }
            s
        }
        CrossingState::NotWithinHorizon { earliest_ms, .. } => {
            let mut s = format!("does not cross {thr} within the forecast horizon ({horizon})");
            if let Some(e) = earliest_ms {
                s.push_str(&format!(
                    "; the {interval_name}'s {edge} edge reaches it in about {}",
                    format_duration(*e)
                ));
            }
            s
        }
        CrossingState::NeverReaches {
            earliest_ms,
            final_value,
            ..
        } => {
            let mut s = format!(
                "not expected to reach {thr}: the forecast levels off or moves away (about {}{unit} at the end of the horizon, {horizon})",
                format_number(*final_value)
            );
            if let Some(e) = earliest_ms {
                s.push_str(&format!(
                    "; the {interval_name}'s {edge} edge reaches it in about {}",
                    format_duration(*e)
                ));
            }
            s
        }
    }
}
