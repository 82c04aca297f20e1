//! Root-cause hints, component attribution and time to threshold on synthetic data with a
//! planted answer.

use foresight_core::insight::{
    attribute_components, describe_crossing, format_duration, label_breakdown, root_cause,
    time_to_threshold, unit_mismatch, AttributionOptions, Cause, ComponentInput, CrossingState,
    ForecastPath, Labels, LastObserved, NamedValues, RootCause, RootCauseOptions,
    ThresholdDirection,
};
use foresight_core::{detect, AnomalyOptions, Error, Incident, Series};

const MIN: f64 = 60_000.0;
const HOUR: f64 = 3_600_000.0;
const T0: f64 = 1.7e12;

/// Deterministic noise in [-1, 1].
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }
}

/// Trapezoid bump: ramps up over 5 points from `start`, holds, ramps down over 5.
fn bump(i: usize, start: usize, len: usize) -> f64 {
    let i = i as f64;
    let (s, e) = (start as f64, (start + len) as f64);
    if i < s || i > e {
        0.0
    } else {
        ((i - s) / 5.0).min((e - i) / 5.0).min(1.0)
    }
}

const N: usize = 600;
const ONSET: usize = 400;
const LAG: usize = 5;

/// Six series: instance db-1..3 × status 2xx/5xx. db-2's series degrade at minute 400 by
/// 12 units; the others follow 5 minutes later by 5 units.
fn planted() -> (Vec<Series>, Vec<Labels>) {
    let ts: Vec<f64> = (0..N).map(|i| T0 + i as f64 * MIN).collect();
    let mut series = Vec::new();
    let mut labels = Vec::new();
    let mut rng = Lcg(42);
    for instance in ["db-1", "db-2", "db-3"] {
        for (k, status) in ["2xx", "5xx"].into_iter().enumerate() {
            let level = if k == 0 { 100.0 } else { 20.0 };
            let (onset, size) = if instance == "db-2" {
                (ONSET, 12.0)
            } else {
                (ONSET + LAG, 5.0)
            };
            let values: Vec<f64> = (0..N)
                .map(|i| {
                    level
                        + 3.0 * (2.0 * std::f64::consts::PI * i as f64 / 60.0).sin()
                        + 0.5 * rng.next()
                        + size * bump(i, onset, 40)
                })
                .collect();
            series.push(Series::new(&ts, &values).unwrap());
            labels.push(
                [
                    ("instance".to_string(), instance.to_string()),
                    ("status".to_string(), status.to_string()),
                ]
                .into(),
            );
        }
    }
    (series, labels)
}

fn strongest_incident(incidents: &[Incident], series: usize) -> Incident {
    incidents
        .iter()
        .filter(|i| i.series == series)
        .max_by(|a, b| a.peak_score.total_cmp(&b.peak_score))
        .unwrap_or_else(|| panic!("series {series} has no incident"))
        .clone()
}

#[test]
fn the_degraded_instance_ranks_first_and_moved_first() {
    let (series, labels) = planted();
    let detection = detect(&series, &AnomalyOptions::default()).unwrap();
    // The operator selects db-1's 5xx incident (a follower).
    let incident = strongest_incident(&detection.incidents, 1);
    let rc = root_cause(
        &detection.series,
        &incident,
        &labels,
        &RootCauseOptions::default(),
    )
    .unwrap();
    let RootCause::Compared {
        related,
        labels: shares,
        anomalous_series,
        ..
    } = rc
    else {
        panic!("expected a comparison, got {rc:?}");
    };
    assert_eq!(related.len(), 5);
    let top: Vec<usize> = related.iter().take(2).map(|r| r.series).collect();
    assert!(
        top.contains(&2) && top.contains(&3),
        "db-2's series (2, 3) must rank first: {related:#?}"
    );
    for r in related.iter().filter(|r| r.series == 2 || r.series == 3) {
        let lag = r.lag_ms.expect("a lag");
        assert!(
            lag < 0.0,
            "db-2 moved first: its lag must be negative, got {lag} ({r:?})"
        );
        assert!(
            (lag + LAG as f64 * MIN).abs() <= 2.0 * MIN,
            "lag about -5 min, got {} min",
            lag / MIN
        );
        assert!(r.correlation.unwrap() > 0.8, "{r:?}");
    }
    assert!(anomalous_series >= 3, "{anomalous_series}");
    let first = &shares[0];
    assert_eq!(
        (first.name.as_str(), first.value.as_str()),
        ("instance", "db-2"),
        "{shares:#?}"
    );
    assert!(first.lift > 1.3, "{first:?}");
    assert!(first.anomaly_share > first.series_share);
}

#[test]
fn from_the_leaders_side_the_followers_lag_behind() {
    let (series, labels) = planted();
    let detection = detect(&series, &AnomalyOptions::default()).unwrap();
    let incident = strongest_incident(&detection.incidents, 3); // db-2 5xx
    let RootCause::Compared { related, .. } = root_cause(
        &detection.series,
        &incident,
        &labels,
        &RootCauseOptions::default(),
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(
        related[0].series, 2,
        "its sibling db-2 2xx first: {related:#?}"
    );
    for r in related.iter().filter(|r| ![2, 3].contains(&r.series)) {
        if let Some(lag) = r.lag_ms {
            if r.correlation.unwrap_or(0.0) > 0.5 {
                assert!(lag > 0.0, "followers move after db-2: {r:?}");
            }
        }
    }
}

#[test]
fn root_cause_is_deterministic_and_works_without_labels() {
    let (series, labels) = planted();
    let detection = detect(&series, &AnomalyOptions::default()).unwrap();
    let incident = strongest_incident(&detection.incidents, 1);
    let a = root_cause(&detection.series, &incident, &labels, &Default::default()).unwrap();
    let b = root_cause(&detection.series, &incident, &labels, &Default::default()).unwrap();
    assert_eq!(a, b);
    let RootCause::Compared { labels, note, .. } =
        root_cause(&detection.series, &incident, &[], &Default::default()).unwrap()
    else {
        panic!()
    };
    assert!(labels.is_empty());
    assert!(note.unwrap().to_lowercase().contains("no labels"));
}

#[test]
fn a_single_series_has_no_peers() {
    let (series, _) = planted();
    let detection = detect(&series[..1], &AnomalyOptions::default()).unwrap();
    let incident = strongest_incident(&detection.incidents, 0);
    let rc = root_cause(&detection.series, &incident, &[], &Default::default()).unwrap();
    match rc {
        RootCause::NoPeers { series, message } => {
            assert_eq!(series, 0);
            assert!(message.contains("no other series"), "{message}");
        }
        other => panic!("expected NoPeers, got {other:?}"),
    }
}

#[test]
fn root_cause_bad_input_is_a_typed_error() {
    let (series, labels) = planted();
    let detection = detect(&series, &AnomalyOptions::default()).unwrap();
    let mut incident = strongest_incident(&detection.incidents, 1);
    // A window between two samples holds no point.
    incident.start = T0 + 10.2 * MIN;
    incident.end = T0 + 10.8 * MIN;
    let err = root_cause(&detection.series, &incident, &labels, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("holds no point"), "{err}");
    incident.series = 9;
    let err = root_cause(&detection.series, &incident, &labels, &Default::default()).unwrap_err();
    assert!(err.to_string().contains("out of range"), "{err}");
    let incident = strongest_incident(&detection.incidents, 1);
    let err = root_cause(
        &detection.series,
        &incident,
        &labels[..2],
        &Default::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("one label set per series"),
        "{err}"
    );
    assert_eq!(
        root_cause(&[], &incident, &[], &Default::default()),
        Err(Error::Empty)
    );
    // Lags and context longer than any series are refused before they size an allocation.
    for (lag, context) in [(100_000_000, 30), (u32::MAX as usize, 30), (10, usize::MAX)] {
        let options = RootCauseOptions {
            max_lag_points: lag,
            context_points: context,
            ..Default::default()
        };
        let err = root_cause(&detection.series, &incident, &labels, &options).unwrap_err();
        assert!(matches!(err, Error::InvalidOption { .. }), "{err}");
        assert!(
            err.to_string().contains("at most the longest series"),
            "{err}"
        );
    }
}

#[test]
fn label_breakdown_ranks_by_excess_over_share() {
    let l = |i: &str, s: &str| -> Labels {
        [
            ("instance".to_string(), i.to_string()),
            ("status".to_string(), s.to_string()),
        ]
        .into()
    };
    let labels = vec![
        l("db-1", "2xx"),
        l("db-1", "5xx"),
        l("db-2", "2xx"),
        l("db-2", "5xx"),
    ];
    // All anomaly on status=5xx, spread over both instances.
    let shares = label_breakdown(&labels, &[0.0, 10.0, 0.0, 10.0]);
    assert_eq!(
        (shares[0].name.as_str(), shares[0].value.as_str()),
        ("status", "5xx")
    );
    assert!(shares[0].covers_all_anomalous);
    assert_eq!(shares[0].lift, 2.0);
    assert!(label_breakdown(&labels, &[0.0; 4]).is_empty());
}

// ---- component attribution ----

/// A named event component.
type Event<'a> = (&'a str, Box<dyn Fn(usize) -> f64>);

fn hourly(n: usize) -> Vec<f64> {
    (0..n).map(|i| T0 + i as f64 * HOUR).collect()
}

fn daily(i: usize) -> f64 {
    5.0 * (2.0 * std::f64::consts::PI * i as f64 / 24.0).sin()
}

/// Components of an additive model: trend, a daily seasonality, optional event; actual =
/// yhat + small noise + `extra`.
fn components(
    n: usize,
    trend: impl Fn(usize) -> f64,
    event: Option<Event>,
    extra: impl Fn(usize) -> f64,
    seasonal_scale: impl Fn(usize) -> f64,
) -> ComponentInput {
    let mut rng = Lcg(7);
    let trend_v: Vec<f64> = (0..n).map(&trend).collect();
    let season: Vec<f64> = (0..n).map(daily).collect();
    let ev: Vec<f64> = (0..n)
        .map(|i| event.as_ref().map_or(0.0, |(_, f)| f(i)))
        .collect();
    let yhat: Vec<f64> = (0..n).map(|i| trend_v[i] + season[i] + ev[i]).collect();
    let actual: Vec<f64> = (0..n)
        .map(|i| trend_v[i] + seasonal_scale(i) * season[i] + ev[i] + 0.2 * rng.next() + extra(i))
        .collect();
    ComponentInput {
        timestamps: hourly(n),
        actual,
        yhat,
        trend: trend_v,
        seasonalities: vec![NamedValues {
            name: "daily".into(),
            values: season,
        }],
        events: event
            .map(|(name, _)| {
                vec![NamedValues {
                    name: name.into(),
                    values: ev.clone(),
                }]
            })
            .unwrap_or_default(),
        drivers: Vec::new(),
    }
}

fn window(from: usize, to: usize) -> (f64, f64) {
    (T0 + from as f64 * HOUR, T0 + to as f64 * HOUR)
}

#[test]
fn a_planted_trend_change_is_a_trend_change() {
    let input = components(
        200,
        |i| 100.0 + i as f64 * 0.1 + if i > 150 { (i - 150) as f64 * 2.0 } else { 0.0 },
        None,
        |_| 0.0,
        |_| 1.0,
    );
    let (s, e) = window(151, 175);
    let a = attribute_components(&input, s, e, &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::TrendChange, "{a:#?}");
    assert!(a.trend.share > 0.8, "{a:#?}");
    assert!(a.trend.mean > 0.0);
}

#[test]
fn a_planted_one_off_event_is_an_event() {
    let input = components(
        200,
        |i| 100.0 + i as f64 * 0.1,
        Some((
            "launch",
            Box::new(|i| if (160..164).contains(&i) { 25.0 } else { 0.0 }),
        )),
        |_| 0.0,
        |_| 1.0,
    );
    let (s, e) = window(160, 163);
    let a = attribute_components(&input, s, e, &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::Event, "{a:#?}");
    assert_eq!(a.active_events, vec!["launch".to_string()]);
    assert!(a.event.share > 0.8, "{a:#?}");
}

#[test]
fn an_unexplained_spike_is_a_residual_spike_and_a_stronger_season_a_seasonal_deviation() {
    let input = components(
        200,
        |i| 100.0 + i as f64 * 0.1,
        None,
        |i| if (160..163).contains(&i) { 30.0 } else { 0.0 },
        |_| 1.0,
    );
    let (s, e) = window(160, 162);
    let a = attribute_components(&input, s, e, &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::ResidualSpike, "{a:#?}");
    assert!(a.active_events.is_empty());

    // The daily swing doubles from hour 150 on.
    let input = components(
        200,
        |i| 100.0 + i as f64 * 0.1,
        None,
        |_| 0.0,
        |i| if i >= 150 { 2.0 } else { 1.0 },
    );
    let (s, e) = window(150, 173);
    let a = attribute_components(&input, s, e, &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::SeasonalDeviation, "{a:#?}");
}

#[test]
fn a_multi_hour_departure_is_not_a_spike() {
    // Five hours of 5-minute points 12 units off the model (60 points, well above the
    // noise), nothing in the trend, the season or the events: a sustained departure.
    let n = 24 * 12 * 3;
    let five_minutes = HOUR / 12.0;
    let (lo, hi) = (n - 200, n - 140);
    let mut input = components(
        n,
        |_| 100.0,
        None,
        |i| if (lo..hi).contains(&i) { 12.0 } else { 0.0 },
        |_| 1.0,
    );
    input.timestamps = (0..n).map(|i| T0 + i as f64 * five_minutes).collect();
    let at = |i: usize| T0 + i as f64 * five_minutes;
    let a =
        attribute_components(&input, at(lo), at(hi - 1), &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::ResidualShift, "{a:#?}");
    assert!(a.residual.share > 0.8, "{a:#?}");

    // The same window holding one 3-point spike instead is a spike, and a single point of it
    // too: the cause follows where the departure sits, not how long the window is.
    let (p0, p1) = (lo + 30, lo + 33);
    let mut input = components(
        n,
        |_| 100.0,
        None,
        |i| if (p0..p1).contains(&i) { 40.0 } else { 0.0 },
        |_| 1.0,
    );
    input.timestamps = (0..n).map(|i| T0 + i as f64 * five_minutes).collect();
    let a =
        attribute_components(&input, at(lo), at(hi - 1), &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::ResidualSpike, "{a:#?}");
    let a = attribute_components(&input, at(p0), at(p0), &AttributionOptions::default()).unwrap();
    assert_eq!(a.cause, Cause::ResidualSpike, "{a:#?}");
}

#[test]
fn attribution_from_a_prophet_fit_sees_the_event() {
    use foresight_core::prophet::{ForecastOptions, ProphetModel};
    let n = 24 * 40;
    // Midnight UTC: a Prophet holiday covers its whole calendar day.
    let base = (T0 / 86_400_000.0).floor() * 86_400_000.0;
    let ts: Vec<f64> = (0..n).map(|i| base + i as f64 * HOUR).collect();
    let event_day = 30 * 24;
    let values: Vec<f64> = (0..n)
        .map(|i| {
            100.0
                + 0.01 * i as f64
                + daily(i)
                + if (event_day..event_day + 24).contains(&i) {
                    30.0
                } else {
                    0.0
                }
        })
        .collect();
    let series = Series::new(&ts, &values).unwrap();
    let options: ForecastOptions = serde_json::from_value(serde_json::json!({
        "daily_seasonality": true,
        "holidays": [{ "holiday": "campaign", "ds": ts[event_day] }],
        "uncertainty_samples": 0
    }))
    .unwrap();
    let model = ProphetModel::fit(&series, &options).unwrap();
    let forecast = model.predict(&ts).unwrap();
    let input = ComponentInput::from_forecast(&model, &forecast, &values).unwrap();
    assert_eq!(
        input.events.len(),
        1,
        "{:?}",
        input.events.iter().map(|e| &e.name).collect::<Vec<_>>()
    );
    let a = attribute_components(
        &input,
        ts[event_day + 2],
        ts[event_day + 20],
        &AttributionOptions::default(),
    )
    .unwrap();
    assert_eq!(a.cause, Cause::Event, "{a:#?}");
    assert_eq!(a.active_events, vec!["campaign".to_string()]);
}

#[test]
fn attribution_bad_input() {
    let input = components(50, |_| 1.0, None, |_| 0.0, |_| 1.0);
    // Empty window.
    let err = attribute_components(
        &input,
        T0 + 10.5 * HOUR,
        T0 + 10.6 * HOUR,
        &AttributionOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("holds no timestamp"), "{err}");
    // No reference before the window.
    let (s, e) = window(0, 5);
    let err = attribute_components(&input, s, e, &AttributionOptions::default()).unwrap_err();
    assert!(err.to_string().contains("before the window"), "{err}");
    let mut bad = input.clone();
    bad.trend.pop();
    let (s, e) = window(20, 25);
    assert!(attribute_components(&bad, s, e, &AttributionOptions::default()).is_err());
}

// ---- time to threshold ----

/// A linear ramp from 50 at the last observation, +10 per hour, over `hours`, with bands of
/// ±10.
fn ramp(hours: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let ts: Vec<f64> = (1..=hours * 12)
        .map(|k| T0 + k as f64 * 5.0 * MIN)
        .collect();
    let yhat: Vec<f64> = ts.iter().map(|t| 50.0 + 10.0 * (t - T0) / HOUR).collect();
    let lower = yhat.iter().map(|v| v - 10.0).collect();
    let upper = yhat.iter().map(|v| v + 10.0).collect();
    (ts, yhat, lower, upper)
}

fn last(value: f64) -> LastObserved {
    LastObserved {
        time: T0,
        value: Some(value),
    }
}

#[test]
fn a_linear_ramp_crosses_at_the_known_time() {
    let (ts, yhat, lower, upper) = ramp(8);
    let path = ForecastPath {
        timestamps: &ts,
        yhat: &yhat,
        lower: Some(&lower),
        upper: Some(&upper),
    };
    let c = time_to_threshold(path, last(50.0), 90.0, ThresholdDirection::Above).unwrap();
    let CrossingState::Crosses {
        at,
        in_ms,
        interval,
    } = c.state
    else {
        panic!("{c:?}")
    };
    assert!((in_ms - 4.0 * HOUR).abs() < 1.0, "{in_ms}");
    assert!((at - (T0 + 4.0 * HOUR)).abs() < 1.0);
    let iv = interval.unwrap();
    assert!((iv.earliest_ms - 3.0 * HOUR).abs() < 1.0, "{iv:?}");
    assert!((iv.latest_ms.unwrap() - 5.0 * HOUR).abs() < 1.0, "{iv:?}");
    assert_eq!(
        describe_crossing(&c, Some(0.8), ""),
        "crosses 90 in about 4 h; 80 % interval 3 h – 5 h"
    );
    assert_eq!(c.sort_key_ms(), in_ms);

    // A horizon of 4.5 h: the point forecast crosses, the optimistic edge does not.
    let (ts, yhat, lower, upper) = ramp(8);
    let k = 54; // 4.5 h
    let path = ForecastPath {
        timestamps: &ts[..k],
        yhat: &yhat[..k],
        lower: Some(&lower[..k]),
        upper: Some(&upper[..k]),
    };
    let c = time_to_threshold(path, last(50.0), 90.0, ThresholdDirection::Above).unwrap();
    let CrossingState::Crosses { interval, .. } = c.state else {
        panic!("{c:?}")
    };
    assert_eq!(interval.unwrap().latest_ms, None);
    assert!(
        describe_crossing(&c, Some(0.8), " %").contains("beyond the forecast horizon (4 h 30 min)")
    );
}

#[test]
fn a_falling_ramp_crosses_a_lower_threshold() {
    let (ts, yhat, lower, upper) = ramp(8);
    let down: Vec<f64> = yhat.iter().map(|v| 100.0 - v).collect();
    let down_lower: Vec<f64> = upper.iter().map(|v| 100.0 - v).collect();
    let down_upper: Vec<f64> = lower.iter().map(|v| 100.0 - v).collect();
    let path = ForecastPath {
        timestamps: &ts,
        yhat: &down,
        lower: Some(&down_lower),
        upper: Some(&down_upper),
    };
    // 50 → falls 10/h: 20 at 3 h; lower edge at 2 h, upper at 4 h.
    let c = time_to_threshold(path, last(50.0), 20.0, ThresholdDirection::Below).unwrap();
    let CrossingState::Crosses {
        in_ms, interval, ..
    } = c.state
    else {
        panic!("{c:?}")
    };
    assert!((in_ms - 3.0 * HOUR).abs() < 1.0);
    let iv = interval.unwrap();
    assert!((iv.earliest_ms - 2.0 * HOUR).abs() < 1.0);
    assert!((iv.latest_ms.unwrap() - 4.0 * HOUR).abs() < 1.0);
}

#[test]
fn explicit_states_when_nothing_crosses() {
    let (ts, yhat, lower, upper) = ramp(2);
    let path = ForecastPath {
        timestamps: &ts,
        yhat: &yhat,
        lower: Some(&lower),
        upper: Some(&upper),
    };
    // Heading there, but not within 2 h.
    let c = time_to_threshold(path, last(50.0), 90.0, ThresholdDirection::Above).unwrap();
    assert!(
        matches!(
            c.state,
            CrossingState::NotWithinHorizon {
                earliest_ms: None,
                ..
            }
        ),
        "{c:?}"
    );
    assert!(describe_crossing(&c, None, "")
        .starts_with("does not cross 90 within the forecast horizon (2 h)"));

    // Already beyond now.
    let c = time_to_threshold(path, last(95.0), 90.0, ThresholdDirection::Above).unwrap();
    assert_eq!(c.state, CrossingState::AlreadyBeyond { value: 95.0 });
    assert_eq!(
        describe_crossing(&c, None, " %"),
        "already above 90 % (now 95 %)"
    );

    // A saturating forecast levelling off at 80 never reaches 90.
    let sat: Vec<f64> = ts
        .iter()
        .map(|t| 80.0 - 30.0 * (-(t - T0) / (0.3 * HOUR)).exp())
        .collect();
    let path = ForecastPath {
        timestamps: &ts,
        yhat: &sat,
        lower: None,
        upper: None,
    };
    let c = time_to_threshold(path, last(50.0), 90.0, ThresholdDirection::Above).unwrap();
    assert!(
        matches!(c.state, CrossingState::NeverReaches { .. }),
        "{c:?}"
    );
    assert!(describe_crossing(&c, None, "").starts_with("not expected to reach 90"));

    // Moving away.
    let c = time_to_threshold(path, last(50.0), 10.0, ThresholdDirection::Below).unwrap();
    assert!(
        matches!(c.state, CrossingState::NeverReaches { .. }),
        "{c:?}"
    );
}

#[test]
fn threshold_bad_input() {
    let (ts, yhat, lower, _) = ramp(2);
    let path = ForecastPath {
        timestamps: &ts,
        yhat: &yhat,
        lower: None,
        upper: None,
    };
    assert!(time_to_threshold(path, last(50.0), f64::NAN, ThresholdDirection::Above).is_err());
    // Nothing after the last observation.
    let late = LastObserved {
        time: ts[ts.len() - 1],
        value: Some(50.0),
    };
    let err = time_to_threshold(path, late, 90.0, ThresholdDirection::Above).unwrap_err();
    assert!(err.to_string().contains("no numeric point after"), "{err}");
    let err = time_to_threshold(
        ForecastPath {
            lower: Some(&lower),
            ..path
        },
        last(50.0),
        90.0,
        ThresholdDirection::Above,
    )
    .unwrap_err();
    assert!(err.to_string().contains("both edges"), "{err}");
    let err = time_to_threshold(
        ForecastPath {
            yhat: &yhat[1..],
            ..path
        },
        last(50.0),
        90.0,
        ThresholdDirection::Above,
    )
    .unwrap_err();
    assert!(matches!(err, Error::LengthMismatch { .. }));
}

#[test]
fn thresholds_in_another_unit_are_flagged() {
    let ratio = [0.2, 0.5, 0.7];
    assert!(unit_mismatch(&ratio, 90.0).unwrap().contains("percentage"));
    assert_eq!(unit_mismatch(&ratio, 0.9), None);
    assert!(unit_mismatch(&[1.0, 2.0], 1e6)
        .unwrap()
        .contains("1000 times"));
    assert_eq!(unit_mismatch(&[50.0, 70.0], 90.0), None);
}

#[test]
fn durations_read_like_a_person_wrote_them() {
    assert_eq!(format_duration(3.0 * HOUR + 20.0 * MIN), "3 h 20 min");
    assert_eq!(format_duration(45_000.0), "45 s");
    assert_eq!(format_duration(12.0 * MIN), "12 min");
    assert_eq!(format_duration(2.0 * HOUR), "2 h");
    assert_eq!(format_duration(52.0 * HOUR), "2 d 4 h");
    assert_eq!(format_duration(10.0 * 24.0 * HOUR), "10 d");
    assert_eq!(format_duration(59.6 * MIN), "1 h");
}
