//! Insight bindings in headless Chromium (`wasm-pack test --headless --chrome`).
use foresight_wasm::{
    alert_rules, component_attribution, detect_anomalies, root_cause, root_causes,
    time_to_threshold,
};
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::{JsError, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &JsValue::from_str(k), v).unwrap();
    }
    o.into()
}

fn f64s(v: &[f64]) -> JsValue {
    Float64Array::from(v).into()
}

fn message(err: JsError) -> String {
    js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap()
}

/// Three series; the second one shifts up at point 150 for 30 points.
fn detection() -> JsValue {
    let ts: Vec<f64> = (0..300).map(|i| 1.7e12 + i as f64 * 60_000.0).collect();
    let list = Array::new();
    for k in 0..3 {
        let vs: Vec<f64> = (0..300)
            .map(|i| {
                let noise = ((i * 7919 + k * 104_729) % 97) as f64 / 97.0 - 0.5;
                let bump = if k == 1 && (150..180).contains(&i) {
                    10.0
                } else {
                    0.0
                };
                50.0 + noise + bump
            })
            .collect();
        list.push(&obj(&[("timestamps", f64s(&ts)), ("values", f64s(&vs))]));
    }
    detect_anomalies(list.into(), JsValue::UNDEFINED)
        .unwrap()
        .into()
}

#[wasm_bindgen_test]
fn root_cause_reads_the_detection_as_returned() {
    let d = detection();
    let series = Array::from(&field(&d, "series"));
    let incidents = Array::from(&field(&d, "incidents"));
    let incident = incidents
        .iter()
        .find(|i| field(i, "series").as_f64() == Some(1.0))
        .expect("an incident on series 1");
    let labels = Array::new();
    for name in ["db-1", "db-2", "db-3"] {
        labels.push(&obj(&[("instance", JsValue::from_str(name))]));
    }
    let rc = root_cause(
        series.clone().into(),
        incident.clone(),
        labels.into(),
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(field(&rc, "status").as_string().unwrap(), "compared");
    assert_eq!(Array::from(&field(&rc, "related")).length(), 2);
    let top = Array::from(&field(&rc, "labels")).get(0);
    assert_eq!(field(&top, "value").as_string().unwrap(), "db-2");

    // One series: no peers, not an error.
    let one = Array::new();
    one.push(&series.get(1));
    let single = obj(&[
        ("series", JsValue::from(0)),
        ("start", field(&incident, "start")),
        ("end", field(&incident, "end")),
    ]);
    let rc = root_cause(one.into(), single, JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap();
    assert_eq!(field(&rc, "status").as_string().unwrap(), "noPeers");

    let bad = obj(&[
        ("series", JsValue::from(7)),
        ("start", JsValue::from(0)),
        ("end", JsValue::from(1)),
    ]);
    let err = root_cause(series.into(), bad, JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap_err();
    assert!(message(err).contains("out of range"));
}

#[wasm_bindgen_test]
fn root_causes_answers_each_incident_as_root_cause_does() {
    let d = detection();
    let series = Array::from(&field(&d, "series"));
    let incidents = Array::from(&field(&d, "incidents"));
    let bad = obj(&[
        ("series", JsValue::from(7)),
        ("start", JsValue::from(0)),
        ("end", JsValue::from(1)),
    ]);
    let asked: Array = incidents.iter().collect();
    asked.push(&bad);
    let all = root_causes(
        series.clone().into(),
        asked.into(),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap();
    assert_eq!(all.length(), incidents.length() + 1);
    for (i, incident) in incidents.iter().enumerate() {
        let one = root_cause(
            series.clone().into(),
            incident,
            JsValue::UNDEFINED,
            JsValue::UNDEFINED,
        )
        .unwrap();
        assert_eq!(
            js_sys::JSON::stringify(&all.get(i as u32)).unwrap(),
            js_sys::JSON::stringify(&one).unwrap()
        );
    }
    // The incident the engine rejects is a null, the others still answered.
    assert!(all.get(incidents.length()).is_null());
    // Series that cannot be read are an error for the whole call.
    let err = root_causes(
        Array::of1(&JsValue::from(3)).into(),
        Array::new().into(),
        JsValue::UNDEFINED,
        JsValue::UNDEFINED,
    )
    .unwrap_err();
    let msg = message(err);
    assert!(msg.contains("timestamps"), "{msg}");
}

#[wasm_bindgen_test]
fn component_attribution_names_the_event() {
    let n = 100;
    let ts: Vec<f64> = (0..n).map(|i| i as f64 * 3_600_000.0).collect();
    let trend: Vec<f64> = (0..n).map(|i| 10.0 + i as f64 * 0.1).collect();
    let ev: Vec<f64> = (0..n)
        .map(|i| if (80..84).contains(&i) { 20.0 } else { 0.0 })
        .collect();
    let yhat: Vec<f64> = (0..n).map(|i| trend[i] + ev[i]).collect();
    let input = obj(&[
        ("timestamps", f64s(&ts)),
        ("actual", f64s(&yhat)),
        ("yhat", f64s(&yhat)),
        ("trend", f64s(&trend)),
        ("events", obj(&[("deploy", f64s(&ev))])),
    ]);
    let a = component_attribution(input, ts[80], ts[83], JsValue::UNDEFINED).unwrap();
    assert_eq!(field(&a, "cause").as_string().unwrap(), "event");
    let events = Array::from(&field(&a, "activeEvents"));
    assert_eq!(events.get(0).as_string().unwrap(), "deploy");
}

#[wasm_bindgen_test]
fn time_to_threshold_takes_a_prophet_forecast_shape() {
    let t0 = 1.7e12;
    let hour = 3_600_000.0;
    let ds: Vec<f64> = (1..=96).map(|k| t0 + k as f64 * 300_000.0).collect();
    let yhat: Vec<f64> = ds.iter().map(|t| 50.0 + 10.0 * (t - t0) / hour).collect();
    let lo: Vec<f64> = yhat.iter().map(|v| v - 10.0).collect();
    let hi: Vec<f64> = yhat.iter().map(|v| v + 10.0).collect();
    let forecast = obj(&[
        ("ds", f64s(&ds)),
        ("yhat", f64s(&yhat)),
        ("yhatLower", f64s(&lo)),
        ("yhatUpper", f64s(&hi)),
    ]);
    let last = obj(&[("time", JsValue::from(t0)), ("value", JsValue::from(50.0))]);
    let spec = obj(&[
        ("value", JsValue::from(90.0)),
        ("direction", JsValue::from_str("above")),
        ("intervalWidth", JsValue::from(0.8)),
    ]);
    let c = time_to_threshold(forecast.clone(), last.clone(), spec).unwrap();
    let state = field(&c, "state");
    assert_eq!(field(&state, "kind").as_string().unwrap(), "crosses");
    assert!((field(&state, "inMs").as_f64().unwrap() - 4.0 * hour).abs() < 1.0);
    assert_eq!(
        field(&c, "text").as_string().unwrap(),
        "crosses 90 in about 4 h; 80 % interval 3 h – 5 h"
    );
    assert!(field(&c, "warning").is_undefined());

    let never = obj(&[
        ("value", JsValue::from(10.0)),
        ("direction", JsValue::from_str("below")),
    ]);
    let c = time_to_threshold(forecast.clone(), last.clone(), never).unwrap();
    assert_eq!(
        field(&field(&c, "state"), "kind").as_string().unwrap(),
        "neverReaches"
    );

    let bad = obj(&[("value", JsValue::from_str("ninety"))]);
    let err = time_to_threshold(forecast, last, bad).unwrap_err();
    assert!(message(err).contains("threshold"));
}

#[wasm_bindgen_test]
fn alert_rules_returns_yaml_and_rejects_bad_options() {
    let options = obj(&[
        ("query", JsValue::from_str("rate(http_requests_total[5m])")),
        ("name", JsValue::from_str("requests")),
        ("periodMs", JsValue::from(86_400_000.0)),
        ("residualSpread", JsValue::from(2.0)),
        ("direction", JsValue::from_str("up")),
        ("minDurationMs", JsValue::from(300_000.0)),
        ("labels", obj(&[("team", JsValue::from_str("sre"))])),
    ]);
    let r = alert_rules(options).unwrap();
    let yaml = field(&r, "yaml").as_string().unwrap();
    assert!(yaml.contains("for: 300s"), "{yaml}");
    assert!(yaml.contains("team: \"sre\""), "{yaml}");
    assert_eq!(
        field(&r, "alert").as_string().unwrap(),
        "ForesightRequestsAnomaly"
    );
    let err = alert_rules(obj(&[("query", JsValue::from_str("up"))])).unwrap_err();
    assert!(message(err).contains("zero width"));
    let err = alert_rules(JsValue::UNDEFINED).unwrap_err();
    assert!(message(err).contains("query"));
}
