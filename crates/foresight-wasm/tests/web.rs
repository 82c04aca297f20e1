//! Runs in headless Chromium (`wasm-pack test --headless --chrome`).
use foresight_wasm::{
    detect_anomalies, prophet_fit, prophet_predict, prophet_seasonalities, rolling_baseline,
    version,
};
use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A slice as the Float64Array a JS caller passes.
fn fa(values: &[f64]) -> JsValue {
    Float64Array::from(values).into()
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

#[wasm_bindgen_test]
fn baseline_returns_typed_arrays_aligned_with_input() {
    let ts: Vec<f64> = (0..100).map(|i| 1.7e12 + i as f64 * 15_000.0).collect();
    let mut vs: Vec<f64> = (0..100).map(|i| 50.0 + (i as f64 / 5.0).sin()).collect();
    vs[40] = f64::NAN;
    vs[60] = 500.0;
    let out: JsValue = rolling_baseline(fa(&ts), fa(&vs), JsValue::UNDEFINED)
        .unwrap()
        .into();
    let expected = Float64Array::from(field(&out, "expected")).to_vec();
    let upper = Float64Array::from(field(&out, "upper")).to_vec();
    assert_eq!(expected.len(), 100);
    assert!(expected.iter().all(|e| e.is_finite()));
    assert!(upper[60] < 500.0, "the spike must fall outside the band");
    assert!(!version().is_empty());
}

#[wasm_bindgen_test]
fn options_are_read_from_a_js_object() {
    let ts: Vec<f64> = (0..50).map(|i| i as f64).collect();
    let vs: Vec<f64> = (0..50).map(|i| i as f64).collect();
    let opts = js_sys::Object::new();
    Reflect::set(&opts, &"window".into(), &JsValue::from(7)).unwrap();
    let out: JsValue = rolling_baseline(fa(&ts), fa(&vs), opts.into())
        .unwrap()
        .into();
    assert_eq!(field(&out, "window").as_f64(), Some(7.0));
}

#[wasm_bindgen_test]
fn bad_input_is_a_js_error_not_a_panic() {
    let err = rolling_baseline(fa(&[]), fa(&[]), JsValue::UNDEFINED).unwrap_err();
    let msg = JsValue::from(err);
    let text = js_sys::Error::from(msg).message().as_string().unwrap();
    assert!(text.contains("empty"), "{text}");

    let err = rolling_baseline(
        fa(&[1.0, 2.0]),
        fa(&[f64::NAN, f64::NAN]),
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    let text = js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap();
    assert!(text.contains("no numeric values"), "{text}");

    let bad = js_sys::Object::new();
    Reflect::set(&bad, &"bandSigmas".into(), &JsValue::from_str("wide")).unwrap();
    let err = rolling_baseline(fa(&[1.0, 2.0, 3.0]), fa(&[1.0, 2.0, 3.0]), bad.into()).unwrap_err();
    let text = js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap();
    assert!(text.contains("invalid options"), "{text}");
}

fn error_message(err: wasm_bindgen::JsError) -> String {
    js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap()
}

/// Python Prophet's forecast of the retail example (training rows and 24 months ahead).
fn retail_reference() -> Vec<[f64; 4]> {
    include_str!("fixtures/retail_monthly.csv")
        .lines()
        .skip(2)
        .map(|line| {
            let mut cols = line
                .split(',')
                .map(|c| c.parse::<f64>().unwrap_or(f64::NAN));
            [(); 4].map(|_| cols.next().unwrap())
        })
        .collect()
}

#[wasm_bindgen_test]
fn prophet_fits_and_predicts_like_python_prophet_in_the_browser() {
    let rows = retail_reference();
    let train: Vec<&[f64; 4]> = rows.iter().filter(|r| r[1].is_finite()).collect();
    let ts: Vec<f64> = train.iter().map(|r| r[0]).collect();
    let ys: Vec<f64> = train.iter().map(|r| r[1]).collect();
    let model = JsValue::from(
        prophet_fit(fa(&ts), fa(&ys), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap(),
    );

    let all: Vec<f64> = rows.iter().map(|r| r[0]).collect();
    let out: JsValue = prophet_predict(model.clone(), fa(&all), JsValue::UNDEFINED)
        .unwrap()
        .into();
    let yhat = Float64Array::from(field(&out, "yhat")).to_vec();
    let trend = Float64Array::from(field(&out, "trend")).to_vec();
    let lower = Float64Array::from(field(&out, "yhatLower")).to_vec();
    let upper = Float64Array::from(field(&out, "yhatUpper")).to_vec();
    assert!(field(&field(&out, "components"), "yearly").is_object());

    let range =
        ys.iter().cloned().fold(f64::MIN, f64::max) - ys.iter().cloned().fold(f64::MAX, f64::min);
    for (i, r) in rows.iter().enumerate() {
        // Issue 14's criterion: 0.5 % of range(y) on training rows and 1 % on the horizon,
        // the training rows' bound waived where our objective is lower than Stan's by more
        // than 0.5 nats — here by 1.8 since the check's orthant-wise run (0.63 % off on
        // training rows; prophet_parity checks the objective, docs/prophet.md).
        let tol = 0.01 * range;
        assert!(
            (yhat[i] - r[2]).abs() <= tol,
            "yhat row {i}: {} vs {}",
            yhat[i],
            r[2]
        );
        assert!(
            (trend[i] - r[3]).abs() <= tol,
            "trend row {i}: {} vs {}",
            trend[i],
            r[3]
        );
        assert!(lower[i] < yhat[i] && yhat[i] < upper[i], "interval row {i}");
    }
    let seasonalities = Array::from(&prophet_seasonalities(model).unwrap());
    assert_eq!(
        seasonalities.length(),
        1,
        "retail is monthly: yearly seasonality only"
    );
    assert_eq!(
        field(&seasonalities.get(0), "name").as_string().unwrap(),
        "yearly"
    );
}

#[wasm_bindgen_test]
fn prophet_bad_input_and_options_are_js_errors() {
    let err = prophet_fit(
        fa(&[1.0]),
        fa(&[1.0]),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    assert!(!error_message(err).is_empty());

    let opts = Object::new();
    Reflect::set(&opts, &"growth".into(), &"logistic".into()).unwrap();
    let ts: Vec<f64> = (0..50).map(|i| i as f64 * 86_400_000.0).collect();
    let vs: Vec<f64> = (0..50).map(|i| i as f64).collect();
    let err = prophet_fit(fa(&ts), fa(&vs), opts.into(), JsValue::UNDEFINED).unwrap_err();
    assert!(error_message(err).contains("cap"));

    // Properties set to undefined mean "not set", as JS callers write them.
    let opts = Object::new();
    Reflect::set(&opts, &"growth".into(), &JsValue::UNDEFINED).unwrap();
    Reflect::set(
        &opts,
        &"changepoint_prior_scale".into(),
        &JsValue::UNDEFINED,
    )
    .unwrap();
    assert!(prophet_fit(fa(&ts), fa(&vs), opts.into(), JsValue::UNDEFINED).is_ok());

    let opts = Object::new();
    Reflect::set(&opts, &"growth".into(), &"exponential".into()).unwrap();
    let err = prophet_fit(fa(&ts), fa(&vs), opts.into(), JsValue::UNDEFINED).unwrap_err();
    assert!(error_message(err).contains("invalid options"));
}

fn series_object(ts: &[f64], vs: &[f64]) -> Object {
    let o = Object::new();
    Reflect::set(&o, &"timestamps".into(), &Float64Array::from(ts)).unwrap();
    Reflect::set(&o, &"values".into(), &Float64Array::from(vs)).unwrap();
    o
}

#[wasm_bindgen_test]
fn anomalies_are_found_and_returned_as_typed_arrays() {
    let ts: Vec<f64> = (0..600).map(|i| 1.7e12 + i as f64 * 60_000.0).collect();
    let mut vs: Vec<f64> = (0..600)
        .map(|i| {
            100.0
                + 10.0 * (i as f64 * std::f64::consts::TAU / 60.0).sin()
                + ((i * 7919) % 13) as f64 * 0.1
        })
        .collect();
    vs[400] = 400.0;
    let input = Array::new();
    input.push(&series_object(&ts, &vs));
    let out: JsValue = detect_anomalies(input.into(), JsValue::UNDEFINED)
        .unwrap()
        .into();
    let first = Array::from(&field(&out, "series")).get(0);
    let kind = Uint8Array::from(field(&first, "kind")).to_vec();
    let score = Float64Array::from(field(&first, "score")).to_vec();
    assert_eq!(kind.len(), 600);
    assert!(kind[400] != 0, "the spike is flagged");
    assert!(score[400] > 1.0 && score.iter().all(|s| s.is_finite()));
    let incidents = Array::from(&field(&out, "incidents"));
    let peaks: Vec<f64> = incidents
        .iter()
        .map(|i| field(&i, "peakTime").as_f64().unwrap())
        .collect();
    assert!(
        peaks.contains(&ts[400]),
        "an incident peaks at the spike: {peaks:?}"
    );
}

#[wasm_bindgen_test]
fn anomaly_bad_input_names_the_series() {
    let input = Array::new();
    input.push(&series_object(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]));
    input.push(&series_object(&[1.0, 2.0], &[f64::NAN, f64::NAN]));
    let err = detect_anomalies(input.into(), JsValue::UNDEFINED).unwrap_err();
    assert!(error_message(err).starts_with("series 1"));

    let input = Array::new();
    input.push(&JsValue::from_str("not a series"));
    let err = detect_anomalies(input.into(), JsValue::UNDEFINED).unwrap_err();
    assert!(error_message(err).contains("timestamps"));

    let opts = Object::new();
    Reflect::set(&opts, &"sensitivity".into(), &JsValue::from(7)).unwrap();
    let input = Array::new();
    input.push(&series_object(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]));
    let err = detect_anomalies(input.into(), opts.into()).unwrap_err();
    assert!(error_message(err).contains("sensitivity"));
}
