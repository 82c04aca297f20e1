//! Hostile input at the boundary (headless Chromium): every bad value is a JS `Error` returned
//! by the binding, nothing unwinds through the module, and gaps read the same in every export.
use foresight_wasm::{
    detect_anomalies, prophet_fit, prophet_fit_report, prophet_free, prophet_models,
    prophet_predict_point, rolling_baseline, root_causes,
};
use js_sys::{Array, Float64Array, Function, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message(err: wasm_bindgen::JsError) -> String {
    js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap()
}

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

fn js(source: &str) -> JsValue {
    Function::new_no_args(&format!("return ({source});"))
        .call0(&JsValue::NULL)
        .unwrap()
}

/// 200 points of a wave, every 15 s, as a plain JS array with `null` and a hole at 40 and 41.
fn plain_series() -> (JsValue, JsValue) {
    let ts = js("Array.from({ length: 200 }, (_, i) => 1.7e12 + i * 15000)");
    let vs = js(
        "(() => { const v = Array.from({ length: 200 }, (_, i) => 50 + Math.sin(i / 5)); \
         v[40] = null; delete v[41]; return v; })()",
    );
    (ts, vs)
}

/// A Prophet model's handle, fitted without interval samples.
fn fit_without_intervals(ts: &JsValue, vs: JsValue) -> JsValue {
    let options = js("({ uncertainty_samples: 0 })");
    JsValue::from(prophet_fit(ts.clone(), vs, options, JsValue::UNDEFINED).unwrap())
}

#[wasm_bindgen_test]
fn null_and_holes_are_gaps_in_every_export() {
    let (ts, vs) = plain_series();
    let b = rolling_baseline(ts.clone(), vs.clone(), JsValue::UNDEFINED).unwrap();
    let expected = Float64Array::from(field(&b, "expected")).to_vec();
    assert_eq!(expected.len(), 200);
    let series = Array::of1(&js("({})"));
    Reflect::set(&series.get(0), &"timestamps".into(), &ts).unwrap();
    Reflect::set(&series.get(0), &"values".into(), &vs).unwrap();
    let d = detect_anomalies(series.into(), JsValue::UNDEFINED).unwrap();
    let first = Array::from(&field(&d, "series")).get(0);
    let values = Float64Array::from(field(&first, "values")).to_vec();
    assert!(
        values[40].is_nan() && values[41].is_nan(),
        "detection reads gaps"
    );
    let model = fit_without_intervals(&ts, vs);
    // A gap is left out of the fit, not read as 0: the fitted value there stays near 50.
    let f = prophet_predict_point(model.clone(), ts, JsValue::UNDEFINED).unwrap();
    assert!(prophet_free(model));
    let yhat = Float64Array::from(field(&f, "yhat")).to_vec();
    assert!((yhat[40] - 50.0).abs() < 5.0, "{}", yhat[40]);
}

#[wasm_bindgen_test]
fn values_that_are_not_numbers_are_refused() {
    let ts = js("[1, 2, 3]");
    for bad in [
        "[1, true, 3]",
        "[1, '2', 3]",
        "[1, new Date(), 3]",
        "'123'",
        "undefined",
    ] {
        let err = rolling_baseline(ts.clone(), js(bad), JsValue::UNDEFINED).unwrap_err();
        assert!(message(err).contains("values"), "{bad}");
        let err =
            prophet_fit(ts.clone(), js(bad), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap_err();
        assert!(message(err).contains("values"), "{bad}");
    }
}

#[wasm_bindgen_test]
fn not_an_array_is_an_error_not_a_throw() {
    for bad in ["undefined", "null", "42", "({ length: 3 })"] {
        let err = detect_anomalies(js(bad), JsValue::UNDEFINED).unwrap_err();
        assert!(message(err).contains("series must be an array"), "{bad}");
        let err =
            root_causes(js(bad), js("[]"), JsValue::UNDEFINED, JsValue::UNDEFINED).unwrap_err();
        assert!(message(err).contains("series must be an array"), "{bad}");
    }
}

#[wasm_bindgen_test]
fn options_are_own_known_keys_only() {
    let (ts, vs) = plain_series();
    // A typo is named, not ignored.
    let err = rolling_baseline(ts.clone(), vs.clone(), js("({ windw: 5 })")).unwrap_err();
    let text = message(err);
    assert!(text.contains("unknown field `windw`"), "{text}");
    let series = js("[]");
    let err = detect_anomalies(series, js("({ sensitivty: 0.9 })")).unwrap_err();
    assert!(message(err).contains("sensitivty"));
    // Inherited properties (a polluted prototype) are not options.
    let inherited = js("Object.create({ window: 1e9 })");
    let b = rolling_baseline(ts.clone(), vs.clone(), inherited).unwrap();
    assert!(field(&b, "window").as_f64().unwrap() < 1000.0);
    // A `__proto__` key from JSON.parse is ignored.
    let parsed = js(r#"JSON.parse('{"__proto__": {"window": 1e9}, "window": 7}')"#);
    let b = rolling_baseline(ts.clone(), vs.clone(), parsed).unwrap();
    assert_eq!(field(&b, "window").as_f64(), Some(7.0));
    // Not an object: an array would read as the fields in order.
    for bad in ["[]", "[5]", "new Float64Array(1)", "() => 1", "'window'"] {
        let text = message(rolling_baseline(ts.clone(), vs.clone(), js(bad)).unwrap_err());
        assert!(text.contains("must be an object"), "{bad}: {text}");
    }
    // A getter that throws, a non-finite number, a function: errors naming the option.
    let getter = js("({ get window() { throw new Error('boom'); } })");
    let text = message(rolling_baseline(ts.clone(), vs.clone(), getter).unwrap_err());
    assert!(
        text.contains("window") && text.contains("cannot be read"),
        "{text}"
    );
    let text =
        message(rolling_baseline(ts.clone(), vs.clone(), js("({ window: NaN })")).unwrap_err());
    assert!(text.contains("`window` must be a finite number"), "{text}");
    let text = message(rolling_baseline(ts, vs, js("({ window: () => 5 })")).unwrap_err());
    assert!(text.contains("window"), "{text}");
}

#[wasm_bindgen_test]
fn a_freed_or_made_up_model_handle_is_an_error() {
    let (ts, vs) = plain_series();
    let before = prophet_models();
    let model = fit_without_intervals(&ts, vs);
    assert_eq!(prophet_models(), before + 1.0);
    assert!(prophet_fit_report(model.clone()).is_ok());
    assert!(prophet_free(model.clone()));
    assert!(!prophet_free(model.clone()), "freeing twice is harmless");
    assert_eq!(prophet_models(), before);
    let text = message(prophet_predict_point(model, ts.clone(), JsValue::UNDEFINED).unwrap_err());
    assert!(text.contains("freed or never fitted"), "{text}");
    for bad in [
        "undefined",
        "null",
        "0",
        "-1",
        "1.5",
        "'1'",
        "({})",
        "1e300",
    ] {
        let text =
            message(prophet_predict_point(js(bad), ts.clone(), JsValue::UNDEFINED).unwrap_err());
        assert!(text.contains("model"), "{bad}: {text}");
    }
}

#[wasm_bindgen_test]
fn arrays_behind_throwing_proxies_are_errors() {
    let ts = js("Array.from({ length: 50 }, (_, i) => i * 1000)");
    let trap = "new Proxy(Array.from({ length: 50 }, (_, i) => i), { get(t, k) { if (k === '7') throw new Error('trap'); return t[k]; } })";
    let text = message(rolling_baseline(ts.clone(), js(trap), JsValue::UNDEFINED).unwrap_err());
    assert!(text.contains("values"), "{text}");
    let text = message(detect_anomalies(js(trap), JsValue::UNDEFINED).unwrap_err());
    assert!(text.contains("series"), "{text}");
    let text = message(
        rolling_baseline(
            ts,
            js("new DataView(new ArrayBuffer(8))"),
            JsValue::UNDEFINED,
        )
        .unwrap_err(),
    );
    assert!(text.contains("values"), "{text}");
}
