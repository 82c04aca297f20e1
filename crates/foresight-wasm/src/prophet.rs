//! Prophet: fit once, predict at any timestamps; models held in the module, named by handle.

use std::cell::RefCell;
use std::collections::BTreeMap;

use foresight_core::prophet::{Forecast, ForecastOptions, ProphetModel};
use foresight_core::Series;
use js_sys::{Array, Float64Array, Object};
use wasm_bindgen::prelude::*;

use crate::{numbers, parse_options, set};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Prophet's options under Prophet's names (snake_case) or their camelCase forms. */
export interface ForecastOptions {
  growth?: 'linear' | 'logistic' | 'flat';
  cap?: number;
  floor?: number;
  changepoints?: Array<number | string>;
  n_changepoints?: number;
  changepoint_range?: number;
  changepoint_prior_scale?: number;
  yearly_seasonality?: 'auto' | boolean | number;
  weekly_seasonality?: 'auto' | boolean | number;
  daily_seasonality?: 'auto' | boolean | number;
  seasonality_mode?: 'additive' | 'multiplicative';
  seasonality_prior_scale?: number;
  seasonalities?: Array<{ name: string; period: number; fourier_order: number; prior_scale?: number; mode?: 'additive' | 'multiplicative' }>;
  holidays?: Array<{ holiday: string; ds: number | string; lower_window?: number; upper_window?: number; prior_scale?: number }>;
  holidays_prior_scale?: number;
  holidays_mode?: 'additive' | 'multiplicative';
  interval_width?: number;
  uncertainty_samples?: number;
  scaling?: 'absmax' | 'minmax';
  /** Stan `optimize` settings (Prophet's fit keyword arguments); unset ones are Stan's defaults. */
  optimize?: { tol_rel_obj?: number; iter?: number; sufficient_statistics?: boolean };
}
export interface ForecastResult {
  ds: Float64Array;
  yhat: Float64Array;
  /** Absent when uncertainty_samples is 0. */
  yhatLower?: Float64Array;
  yhatUpper?: Float64Array;
  trend: Float64Array;
  /** Every seasonality and holiday, `holidays`, `additive_terms`, `multiplicative_terms`. */
  components: Record<string, Float64Array>;
}
/** How the fit's optimiser ended: `converged` false means the fit stopped without meeting a
 * stopping test (iteration budget, failed line search) and may be far from the optimum. */
export interface FitReport { converged: boolean; objective: number; iterations: number }
export interface SeasonalityInfo { name: string; period: number; fourierOrder: number; priorScale: number; mode: string }
"#;

// Fitted models live here and cross the boundary as numeric handles, not as wasm-bindgen
// objects: a method call on a freed wasm-bindgen object fails inside the module's own frames
// (its null-pointer check throws through them), and enough such throws corrupt the instance.
// A handle that is unknown, freed or not a handle at all is an ordinary error value.
thread_local! {
    static MODELS: RefCell<Models> = RefCell::new(Models::default());
}

#[derive(Default)]
struct Models {
    next: u64,
    live: BTreeMap<u64, ProphetModel>,
}

/// Handles are whole numbers from 1 up, never reused, exact as JS numbers.
fn handle_of(value: &JsValue) -> Result<u64, JsError> {
    match value.as_f64() {
        Some(x) if x >= 1.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_991.0 => Ok(x as u64),
        _ => Err(JsError::new(
            "model must be a handle returned by prophetFit (a whole number)",
        )),
    }
}

/// Runs `f` on the model behind `handle`.
fn with_model<T>(
    handle: &JsValue,
    f: impl FnOnce(&ProphetModel) -> Result<T, JsError>,
) -> Result<T, JsError> {
    let id = handle_of(handle)?;
    MODELS.with(|m| match m.borrow().live.get(&id) {
        Some(model) => f(model),
        None => Err(JsError::new(&format!(
            "no Prophet model with handle {id}: it was freed or never fitted"
        ))),
    })
}

/// Fits Prophet to `values` at `timestamps` (ms UTC, Float64Arrays or arrays of numbers; NaN,
/// null and holes are gaps left out of the fit) and returns the model's handle, for
/// `prophetPredict` and the other `prophet*` calls until `prophetFree`. Throws an `Error` with
/// the engine's message on bad input or options.
#[wasm_bindgen(js_name = prophetFit)]
pub fn prophet_fit(
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] values: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ForecastOptions | undefined")] options: JsValue,
) -> Result<f64, JsError> {
    let options: ForecastOptions = parse_options(options)?;
    let timestamps = numbers(&timestamps, "timestamps")?;
    let values = numbers(&values, "values")?;
    let series = Series::new(&timestamps, &values)?;
    let model = ProphetModel::fit(&series, &options)?;
    Ok(MODELS.with(|m| {
        let mut m = m.borrow_mut();
        m.next += 1;
        let id = m.next;
        m.live.insert(id, model);
        id as f64
    }))
}

/// Frees the model behind `model`; true if it was live, false if it was already freed or
/// never existed (freeing twice is harmless).
#[wasm_bindgen(js_name = prophetFree)]
pub fn prophet_free(#[wasm_bindgen(unchecked_param_type = "number")] model: JsValue) -> bool {
    match handle_of(&model) {
        Ok(id) => MODELS.with(|m| m.borrow_mut().live.remove(&id).is_some()),
        Err(_) => false,
    }
}

/// How many fitted models are live (not yet freed): for callers checking they free them.
#[wasm_bindgen(js_name = prophetModels)]
pub fn prophet_models() -> f64 {
    MODELS.with(|m| m.borrow().live.len() as f64)
}

/// Forecast at `timestamps` (ms UTC, any order, past or future); intervals are sampled for
/// these timestamps only.
#[wasm_bindgen(js_name = prophetPredict, unchecked_return_type = "ForecastResult")]
pub fn prophet_predict(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
) -> Result<Object, JsError> {
    let timestamps = numbers(&timestamps, "timestamps")?;
    with_model(&model, |m| forecast_object(&m.predict(&timestamps)?))
}

/// As `prophetPredict`, without the uncertainty intervals (no `yhatLower` / `yhatUpper`): the
/// expected value and components only, far cheaper (no sampling).
#[wasm_bindgen(js_name = prophetPredictPoint, unchecked_return_type = "ForecastResult")]
pub fn prophet_predict_point(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
) -> Result<Object, JsError> {
    let timestamps = numbers(&timestamps, "timestamps")?;
    with_model(&model, |m| forecast_object(&m.predict_point(&timestamps)?))
}

/// The seasonalities the fit used (auto-detected ones included).
#[wasm_bindgen(js_name = prophetSeasonalities, unchecked_return_type = "SeasonalityInfo[]")]
pub fn prophet_seasonalities(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
) -> Result<Array, JsError> {
    with_model(&model, |m| {
        let list = Array::new();
        for s in m.seasonalities() {
            let o = Object::new();
            set(&o, "name", &JsValue::from_str(&s.name))?;
            set(&o, "period", &JsValue::from(s.period))?;
            set(&o, "fourierOrder", &JsValue::from(s.fourier_order))?;
            set(&o, "priorScale", &JsValue::from(s.prior_scale))?;
            let mode =
                serde_wasm_bindgen::to_value(&s.mode).map_err(|e| JsError::new(&e.to_string()))?;
            set(&o, "mode", &mode)?;
            list.push(&o);
        }
        Ok(list)
    })
}

/// How the fit ended: `converged`, `objective` (negative log posterior) and `iterations`.
#[wasm_bindgen(js_name = prophetFitReport, unchecked_return_type = "FitReport")]
pub fn prophet_fit_report(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
) -> Result<Object, JsError> {
    with_model(&model, |m| {
        let r = m.fit_report();
        let o = Object::new();
        set(&o, "converged", &JsValue::from_bool(r.converged))?;
        set(&o, "objective", &JsValue::from(r.objective))?;
        set(&o, "iterations", &JsValue::from(r.iterations as f64))?;
        Ok(o)
    })
}

/// Changepoint times (ms UTC).
#[wasm_bindgen(js_name = prophetChangepoints)]
pub fn prophet_changepoints(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
) -> Result<Float64Array, JsError> {
    with_model(&model, |m| Ok(Float64Array::from(m.changepoints())))
}

/// A forecast as the JS object `ForecastResult`.
fn forecast_object(f: &Forecast) -> Result<Object, JsError> {
    let out = Object::new();
    set(&out, "ds", &Float64Array::from(f.ds.as_slice()))?;
    set(&out, "yhat", &Float64Array::from(f.yhat.as_slice()))?;
    if let (Some(lower), Some(upper)) = (&f.yhat_lower, &f.yhat_upper) {
        set(&out, "yhatLower", &Float64Array::from(lower.as_slice()))?;
        set(&out, "yhatUpper", &Float64Array::from(upper.as_slice()))?;
    }
    set(&out, "trend", &Float64Array::from(f.trend.as_slice()))?;
    let components = Object::new();
    for c in &f.components {
        set(
            &components,
            &c.name,
            &Float64Array::from(c.values.as_slice()),
        )?;
    }
    set(&out, "components", &components)?;
    Ok(out)
}
