#![doc = include_str!("../README.md")]
//! Bindings only: every function converts JS input, calls `foresight_core`, and converts the
//! result back. Engine errors become JS `Error`s carrying the engine's message.

use foresight_core::{BaselineOptions, Series};
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

mod anomaly;
#[cfg(feature = "insight")]
mod insight;
#[cfg(feature = "prophet")]
mod prophet;

pub use anomaly::detect_anomalies;
#[cfg(feature = "insight")]
pub use insight::{alert_rules, component_attribution, root_cause, root_causes, time_to_threshold};
#[cfg(all(feature = "insight", feature = "prophet"))]
pub use insight::{forecast_plan, prophet_attribution};
#[cfg(feature = "prophet")]
pub use prophet::{
    prophet_changepoints, prophet_fit, prophet_fit_report, prophet_free, prophet_models,
    prophet_predict, prophet_predict_point, prophet_regressors, prophet_seasonalities,
};

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
/// `timestamps` in ms UTC and `values` (NaN, null or a hole for gaps) as Float64Arrays or
/// arrays of numbers; `options` an object `{ window?: number, bandSigmas?: number }` or
/// undefined. Returns `{ timestamps, expected, lower, upper: Float64Array, window: number }`.
#[wasm_bindgen(js_name = rollingBaseline, unchecked_return_type = "BaselineResult")]
pub fn rolling_baseline(
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] values: JsValue,
    #[wasm_bindgen(unchecked_param_type = "BaselineOptions | undefined")] options: JsValue,
) -> Result<Object, JsError> {
    let options: BaselineOptions = parse_options(options)?;
    let timestamps = numbers(&timestamps, "timestamps")?;
    let values = numbers(&values, "values")?;
    let series = Series::new(&timestamps, &values)?;
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

// JS operations that may throw (getters, proxies), imported so that a throw comes back as an
// `Err` instead of unwinding through the module's frames: an exception crossing wasm frames
// skips their epilogues and leaks the shadow stack, and enough of them corrupt the module.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = Object, js_name = keys)]
    pub(crate) fn own_keys(object: &JsValue) -> Result<Array, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Array, js_name = isArray)]
    fn is_array(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = ArrayBuffer, js_name = isView)]
    fn is_view(value: &JsValue) -> Result<bool, JsValue>;
    #[wasm_bindgen(catch, js_namespace = Float64Array, js_name = from)]
    fn float64_from(value: &JsValue) -> Result<Float64Array, JsValue>;
    // A copy into a plain array: a proxy's traps and getters run here, inside a catching call,
    // and the copy is then read without running any JS.
    #[wasm_bindgen(catch, js_namespace = Array, js_name = from)]
    fn array_copy(value: &JsValue) -> Result<Array, JsValue>;
}

/// Nesting deeper than any option object of the engine is refused, not followed.
const MAX_DEPTH: usize = 16;

/// Options from JS: `undefined` or `null` is the defaults, anything else is read by
/// [`from_js`].
pub(crate) fn parse_options<T: serde::de::DeserializeOwned + Default>(
    value: JsValue,
) -> Result<T, JsError> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    // An object only: serde would read an array as the fields in order.
    if !value.is_object() || is_array(&value).unwrap_or(true) || is_view(&value).unwrap_or(true) {
        return Err(JsError::new("invalid options: must be an object"));
    }
    from_js(&value, "invalid options")
}

/// A JS value read into a Rust type as JSON would be: own enumerable properties only (nothing
/// inherited, so a polluted `Object.prototype` is not read), `__proto__` keys ignored,
/// `undefined` properties left out (JS callers write `{ growth: undefined }` for "not set"),
/// unknown keys refused by the types themselves, every JS throw turned into an error.
pub(crate) fn from_js<T: serde::de::DeserializeOwned>(
    value: &JsValue,
    context: &str,
) -> Result<T, JsError> {
    let plain = plain(value, "", 0).map_err(|e| JsError::new(&format!("{context}: {e}")))?;
    serde_json::from_value(plain.unwrap_or(serde_json::Value::Null))
        .map_err(|e| JsError::new(&format!("{context}: {e}")))
}

/// `value` as plain data, `None` for `undefined`.
fn plain(value: &JsValue, path: &str, depth: usize) -> Result<Option<serde_json::Value>, String> {
    use serde_json::Value;
    let at = |what: &str| {
        if path.is_empty() {
            what.to_string()
        } else {
            format!("`{path}` {what}")
        }
    };
    if depth > MAX_DEPTH {
        return Err(at("is nested too deeply"));
    }
    if value.is_undefined() {
        return Ok(None);
    }
    if value.is_null() {
        return Ok(Some(Value::Null));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Some(Value::Bool(b)));
    }
    if let Some(x) = value.as_f64() {
        // Whole numbers as integers, so that they read into integer fields as in JSON.
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if x.fract() == 0.0 && x.abs() <= EXACT {
            let n = if x >= 0.0 {
                serde_json::Number::from(x as u64)
            } else {
                serde_json::Number::from(x as i64)
            };
            return Ok(Some(Value::Number(n)));
        }
        return serde_json::Number::from_f64(x)
            .map(|n| Some(Value::Number(n)))
            .ok_or_else(|| at(&format!("must be a finite number, got {x}")));
    }
    if let Some(s) = value.as_string() {
        return Ok(Some(Value::String(s)));
    }
    if !value.is_object() {
        return Err(at("must be a number, string, boolean, array or object"));
    }
    let failed = |_| at("cannot be read");
    if is_view(value).map_err(failed)? {
        let numbers = float64_from(value).map_err(failed)?.to_vec();
        return numbers
            .into_iter()
            .map(|x| plain(&JsValue::from(x), path, depth + 1).map(|v| v.unwrap_or(Value::Null)))
            .collect::<Result<Vec<_>, _>>()
            .map(|v| Some(Value::Array(v)));
    }
    if is_array(value).map_err(failed)? {
        let array = array_copy(value).map_err(failed)?;
        let mut out = Vec::with_capacity(array.length() as usize);
        for (i, item) in array.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            out.push(plain(&item, &item_path, depth + 1)?.unwrap_or(Value::Null));
        }
        return Ok(Some(Value::Array(out)));
    }
    let mut out = serde_json::Map::new();
    for key in own_keys(value).map_err(failed)?.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        if name == "__proto__" {
            continue;
        }
        let item_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        let item =
            Reflect::get(value, &key).map_err(|_| format!("`{item_path}` cannot be read"))?;
        if let Some(v) = plain(&item, &item_path, depth + 1)? {
            out.insert(name, v);
        }
    }
    Ok(Some(Value::Object(out)))
}

pub(crate) fn set(target: &Object, key: &str, value: &JsValue) -> Result<(), JsError> {
    Reflect::set(target, &JsValue::from_str(key), value)
        .map(|_| ())
        .map_err(|_| JsError::new(&format!("could not set `{key}` on the result")))
}

/// The elements of a JS array as a plain copy (safe to read without running JS), or an error
/// naming `what` when `value` is not one or cannot be read.
pub(crate) fn array(value: &JsValue, what: &str) -> Result<Array, JsError> {
    if !is_array(value).unwrap_or(false) {
        return Err(JsError::new(&format!("{what} must be an array")));
    }
    array_copy(value).map_err(|_| JsError::new(&format!("{what} cannot be read")))
}

/// A typed array or an array of numbers (null, undefined and holes are gaps) as a Vec.
pub(crate) fn numbers(value: &JsValue, what: &str) -> Result<Vec<f64>, JsError> {
    // `ArrayBuffer.isView` is true only for real typed arrays and DataViews (never a proxy), so
    // what follows reads memory, not getters.
    if is_view(value).unwrap_or(false) {
        if let Some(array) = value.dyn_ref::<Float64Array>() {
            return Ok(array.to_vec());
        }
        if value.dyn_ref::<js_sys::DataView>().is_none() {
            if let Ok(array) = float64_from(value) {
                return Ok(array.to_vec());
            }
        }
        return Err(JsError::new(&format!(
            "{what} must be a Float64Array or an array of numbers"
        )));
    }
    if is_array(value).unwrap_or(false) {
        return array(value, what)?
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
