//! The engine's stated limits (docs/options.md, "Limits"): what lies beyond them is refused up
//! front with an error naming it, and what lies within them answers with finite numbers — the
//! hostile inputs of issue 20 that used to hang, overflow or answer wrongly.

use foresight_core::prophet::{
    ForecastOptions, HolidayRow, ProphetModel, TimeValue, MAX_FIT_POINTS,
};
use foresight_core::{detect, AnomalyOptions, Error, Series};

const STEP: f64 = 3_600_000.0;
const T0: f64 = 1.7e12;
const DAY: f64 = 86_400_000.0;

fn wave(n: usize) -> (Vec<f64>, Vec<f64>) {
    let ts: Vec<f64> = (0..n).map(|i| T0 + i as f64 * STEP).collect();
    let vs: Vec<f64> = (0..n)
        .map(|i| {
            50.0 + 10.0 * (i as f64 * std::f64::consts::TAU / 24.0).sin() + (i % 7) as f64 * 0.3
        })
        .collect();
    (ts, vs)
}

#[test]
fn values_and_timestamps_beyond_the_limits_are_refused_by_every_model() {
    let (ts, mut vs) = wave(300);
    vs[17] = 1e300;
    match Series::new(&ts, &vs) {
        Err(Error::OutOfRange {
            what: "value",
            index: 17,
            ..
        }) => {}
        other => panic!("{other:?}"),
    }
    let (mut ts, vs) = wave(300);
    ts[299] = 1e17;
    let err = Series::new(&ts, &vs).unwrap_err();
    assert!(
        err.to_string().contains("timestamp at position 299"),
        "{err}"
    );
    // Just within the limit: finite bands and scores, no infinity.
    let (ts, vs) = wave(300);
    let big: Vec<f64> = vs.iter().map(|v| v * 1e98).collect();
    let d = detect(
        &[Series::new(&ts, &big).unwrap()],
        &AnomalyOptions::default(),
    )
    .unwrap();
    let s = &d.series[0];
    assert!(s
        .lower
        .iter()
        .chain(&s.upper)
        .chain(&s.score)
        .all(|v| v.is_finite()));
}

#[test]
fn deviation_floors_beyond_their_range_are_refused() {
    let (ts, vs) = wave(300);
    let series = [Series::new(&ts, &vs).unwrap()];
    for (rel, abs) in [(1e308, 0.0), (1001.0, 0.0), (0.0, 1e101), (-1.0, 0.0)] {
        let options = AnomalyOptions {
            min_rel_deviation: rel,
            min_abs_deviation: abs,
            ..Default::default()
        };
        let err = detect(&series, &options).unwrap_err().to_string();
        assert!(err.contains("Deviation"), "{rel} {abs}: {err}");
    }
    let options = AnomalyOptions {
        min_rel_deviation: 1000.0,
        ..Default::default()
    };
    let d = detect(&series, &options).unwrap();
    assert!(d.series[0].upper.iter().all(|v| v.is_finite()));
    assert!(
        d.incidents.is_empty(),
        "a band of 1000 x the value flags nothing"
    );
}

#[test]
fn prophet_refuses_too_many_points_before_fitting() {
    let (ts, vs) = wave(MAX_FIT_POINTS + 1);
    let series = Series::new(&ts, &vs).unwrap();
    match ProphetModel::fit(&series, &ForecastOptions::default()) {
        Err(Error::TooManyPoints { points, max }) => {
            assert_eq!((points, max), (MAX_FIT_POINTS + 1, MAX_FIT_POINTS));
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn extreme_holiday_windows_are_refused_not_looped_over() {
    let (ts, vs) = wave(24 * 21);
    let series = Series::new(&ts, &vs).unwrap();
    let options = ForecastOptions {
        holidays: vec![HolidayRow {
            holiday: "launch".into(),
            ds: TimeValue::Millis(T0 + 5.0 * DAY),
            lower_window: i32::MIN,
            upper_window: i32::MAX,
            prior_scale: None,
        }],
        ..Default::default()
    };
    let err = ProphetModel::fit(&series, &options)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("10 years"), "{err}");
}

#[test]
fn component_names_prophet_refuses_are_refused() {
    let (ts, vs) = wave(24 * 21);
    let series = Series::new(&ts, &vs).unwrap();
    for name in ["__proto__", "additive_terms", "holidays", "daily"] {
        let options: ForecastOptions = serde_json::from_str(&format!(
            r#"{{"holidays": [{{"holiday": "{name}", "ds": {}}}]}}"#,
            T0 + 5.0 * DAY
        ))
        .unwrap();
        let err = ProphetModel::fit(&series, &options)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("holiday name"), "{name}: {err}");
    }
    let options: ForecastOptions = serde_json::from_str(
        r#"{"seasonalities": [{"name": "__proto__", "period": 3, "fourier_order": 2}]}"#,
    )
    .unwrap();
    let err = ProphetModel::fit(&series, &options)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("seasonality name"), "{err}");
}

#[test]
fn far_horizons_and_many_point_predictions_answer() {
    let (ts, vs) = wave(24 * 21);
    let series = Series::new(&ts, &vs).unwrap();
    let model = ProphetModel::fit(&series, &ForecastOptions::default()).unwrap();
    // One timestamp 300 years ahead, one microsecond timestamp read as milliseconds (within
    // the Date range): intervals sampled for those rows only, finite, lower <= upper.
    let last = ts[ts.len() - 1];
    let asked = [last + STEP, last + 300.0 * 365.25 * DAY, 8.6e15];
    let f = model.predict(&asked).unwrap();
    let (lo, hi) = (f.yhat_lower.unwrap(), f.yhat_upper.unwrap());
    for i in 0..asked.len() {
        assert!(
            lo[i].is_finite() && hi[i].is_finite() && lo[i] <= hi[i],
            "row {i}: {} {}",
            lo[i],
            hi[i]
        );
    }
    // Without intervals nothing is sampled: 30,000 timestamps with 1,000 samples set.
    let many: Vec<f64> = (0..30_000).map(|i| last + (i + 1) as f64 * STEP).collect();
    let p = model.predict_point(&many).unwrap();
    assert_eq!(p.yhat.len(), 30_000);
}

#[test]
fn detection_and_root_cause_refuse_more_than_their_points_and_incidents() {
    use foresight_core::insight::{root_causes, RootCauseOptions, MAX_ROOT_CAUSE_INCIDENTS};
    use foresight_core::series::MAX_TOTAL_POINTS;
    let (ts, vs) = wave(MAX_TOTAL_POINTS / 4 + 1);
    let one = Series::new(&ts, &vs).unwrap();
    let four = vec![one.clone(), one.clone(), one.clone(), one];
    match detect(&four, &AnomalyOptions::default()) {
        Err(Error::TooLarge { got, max, .. }) => {
            assert_eq!((got, max), (MAX_TOTAL_POINTS + 4, MAX_TOTAL_POINTS))
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
    let (ts, vs) = wave(24 * 14);
    let series: Vec<Series> = (0..3).map(|_| Series::new(&ts, &vs).unwrap()).collect();
    let d = detect(&series, &AnomalyOptions::default()).unwrap();
    let incident = foresight_core::Incident {
        series: 0,
        start: ts[100],
        end: ts[110],
        peak_time: ts[105],
        peak_score: 2.0,
        kind: foresight_core::AnomalyKind::Collective,
        direction: foresight_core::Direction::Up,
    };
    let many = vec![incident.clone(); MAX_ROOT_CAUSE_INCIDENTS + 1];
    let err = root_causes(&d.series, &many, &[], &RootCauseOptions::default()).unwrap_err();
    assert!(err.to_string().contains("too many incidents"), "{err}");
    let fine = root_causes(&d.series, &many[..2], &[], &RootCauseOptions::default()).unwrap();
    assert_eq!(fine.len(), 2);
}
