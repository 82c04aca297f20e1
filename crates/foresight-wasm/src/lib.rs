#![doc = include_str!("../README.md")]
//! Bindings only: every function converts JS input, calls `foresight_core`, and converts the
//! result back. Engine errors become JS `Error`s carrying the engine's message.

use foresight_core::{BaselineOptions, Series};
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

mod anomaly;
mod insight;
mod prophet;

pub use anomaly::detect_anomalies;
pub use insight::{
    alert_rules, component_attribution, format_duration, root_cause, root_causes, time_to_threshold,
};
pub use prophet::JsProphetModel;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export interface BaselineOptions { window?: number; bandSigmas?: number }
export interface BaselineResult {
  timestamps: Float64Array;
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  window: number;
}
"#;

/// The engine's version, for the panel's diagnostics.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Robust rolling baseline over one series.
///
/// `timestamps` in ms UTC and `values` (NaN for gaps) as Float64Arrays; `options` an object
/// `{ window?: number, bandSigmas?: number }` or undefined. Returns
/// `{ timestamps, expected, lower, upper: Float64Array, window: number }`.
#[wasm_bindgen(js_name = rollingBaseline, unchecked_return_type = "BaselineResult")]
pub fn rolling_baseline(
    timestamps: &[f64],
    values: &[f64],
    #[wasm_bindgen(unchecked_param_type = "BaselineOptions | undefined")] options: JsValue,
) -> Result<Object, JsError> {
    let options: BaselineOptions = parse_options(options)?;
    let series = Series::new(timestamps, values)?;
    let b = foresight_core::rolling_baseline(&series, &options)?;
    let out = Object::new();
    set(
        &out,
        "timestamps",
        &Float64Array::from(b.timestamps.as_slice()),
    )?;
    set(&out, "expected", &Float64Array::from(b.expected.as_slice()))?;
    set(&out, "lower", &Float64Array::from(b.lower.as_slice()))?;
    set(&out, "upper", &Float64Array::from(b.upper.as_slice()))?;
    set(&out, "window", &JsValue::from(b.window as f64))?;
    Ok(out)
}

pub(crate) fn parse_options<T: serde::de::DeserializeOwned + Default>(
    value: JsValue,
) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    serde_wasm_bindgen::from_value(without_undefined(value)?)
        .map_err(|e| JsError::new(&format!("invalid options: {e}")))
}

/// A copy of `value` without its `undefined` properties: JS callers write `{ growth: undefined }`
/// to mean "not set", which serde would otherwise read as a value of the wrong type.
fn without_undefined(value: JsValue) -> Result<JsValue, JsError> {
    let Some(object) = value.dyn_ref::<Object>() else {
        return Ok(value);
    };
    if Array::is_array(&value) {
        return Ok(value);
    }
    let copy = Object::new();
    for entry in Object::entries(object).iter() {
        let pair = Array::from(&entry);
        let v = pair.get(1);
        if !v.is_undefined() {
            Reflect::set(&copy, &pair.get(0), &v)
                .map_err(|_| JsError::new("invalid options: cannot copy the options object"))?;
        }
    }
    Ok(copy.into())
}

pub(crate) fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| JsError::new(&format!("could not set `{key}` on the result")))
}

/// A Float64Array or an array of numbers (null/undefined are gaps) as a Vec.
pub(crate) fn numbers(value: &JsValue, what: &str) -> Result<Vec<f64>, JsError> {
    if let Some(array) = value.dyn_ref::<Float64Array>() {
        return Ok(array.to_vec());
    }
    if Array::is_array(value) {
        return Array::from(value)
            .iter()
            .map(|v| match v.as_f64() {
                Some(x) => Ok(x),
                None if v.is_null() || v.is_undefined() => Ok(f64::NAN),
                None => Err(()),
            })
            .collect::<Result<Vec<f64>, ()>>()
            .map_err(|_| JsError::new(&format!("{what} must hold only numbers")));
    }
    Err(JsError::new(&format!(
        "{what} must be a Float64Array or an array of numbers"
    )))
}
