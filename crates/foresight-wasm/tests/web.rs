//! Runs in headless Chromium (`wasm-pack test --headless --chrome`).
use foresight_wasm::{rolling_baseline, version};
use js_sys::{Float64Array, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn field(obj: &JsValue, key: &str) -> JsValue {
    Reflect::get(obj, &JsValue::from_str(key)).unwrap()
}

#[wasm_bindgen_test]
fn baseline_returns_typed_arrays_aligned_with_input() {
    let ts: Vec<f64> = (0..100).map(|i| 1.7e12 + i as f64 * 15_000.0).collect();
    let mut vs: Vec<f64> = (0..100).map(|i| 50.0 + (i as f64 / 5.0).sin()).collect();
    vs[40] = f64::NAN;
    vs[60] = 500.0;
    let out: JsValue = rolling_baseline(&ts, &vs, JsValue::UNDEFINED)
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
    let out: JsValue = rolling_baseline(&ts, &vs, opts.into()).unwrap().into();
    assert_eq!(field(&out, "window").as_f64(), Some(7.0));
}

#[wasm_bindgen_test]
fn bad_input_is_a_js_error_not_a_panic() {
    let err = rolling_baseline(&[], &[], JsValue::UNDEFINED).unwrap_err();
    let msg = JsValue::from(err);
    let text = js_sys::Error::from(msg).message().as_string().unwrap();
    assert!(text.contains("empty"), "{text}");

    let err = rolling_baseline(&[1.0, 2.0], &[f64::NAN, f64::NAN], JsValue::UNDEFINED).unwrap_err();
    let text = js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap();
    assert!(text.contains("no numeric values"), "{text}");

    let bad = js_sys::Object::new();
    Reflect::set(&bad, &"bandSigmas".into(), &JsValue::from_str("wide")).unwrap();
    let err = rolling_baseline(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], bad.into()).unwrap_err();
    let text = js_sys::Error::from(JsValue::from(err))
        .message()
        .as_string()
        .unwrap();
    assert!(text.contains("invalid options"), "{text}");
}
