//! Prophet: fit once, predict at any timestamps; models held in the module, named by handle.

use std::cell::RefCell;
use std::collections::BTreeMap;

use foresight_core::prophet::{ExtraColumns, Forecast, ForecastOptions, ProphetModel};
use foresight_core::Series;
use js_sys::{Array, Float64Array, Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::{array, numbers, own_keys, parse_options, set};

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
  /** Added seasonalities; one with `condition_name` acts only where that condition column is
   * true (`weekday` and `weekend` are derived from the time, UTC, unless columns give them). */
  seasonalities?: Array<{ name: string; period: number; fourier_order: number; prior_scale?: number; mode?: 'additive' | 'multiplicative'; condition_name?: string }>;
  /** Extra regressors (Prophet's add_regressor); their values come in `ExtraColumns` with the
   * fit and with every prediction. Prior scale default holidays_prior_scale, mode default
   * seasonality_mode, standardize 'auto' (unless the values are only 0 and 1). */
  regressors?: Array<{ name: string; prior_scale?: number; standardize?: 'auto' | boolean; mode?: 'additive' | 'multiplicative' }>;
  holidays?: Array<{ holiday: string; ds: number | string; lower_window?: number; upper_window?: number; prior_scale?: number }>;
  holidays_prior_scale?: number;
  holidays_mode?: 'additive' | 'multiplicative';
  interval_width?: number;
  uncertainty_samples?: number;
  scaling?: 'absmax' | 'minmax';
  /** Stan `optimize` settings (Prophet's fit keyword arguments, Stan's names); unset ones are
   * Stan's defaults. `sufficientStatistics` is ours: the objective from sufficient statistics
   * where the model allows it. */
  optimize?: { tol_rel_obj?: number; iter?: number; sufficientStatistics?: boolean };
}
export interface ForecastResult {
  ds: Float64Array;
  yhat: Float64Array;
  /** Absent when uncertainty_samples is 0. */
  yhatLower?: Float64Array;
  yhatUpper?: Float64Array;
  trend: Float64Array;
  /** Every seasonality and holiday, `holidays`, every extra regressor,
   * `extra_regressors_additive` / `extra_regressors_multiplicative` (when a regressor has that
   * mode), `additive_terms`, `multiplicative_terms`. */
  components: Record<string, Float64Array>;
}
/** Extra columns of one call, aligned with that call's timestamps (one value per timestamp). */
export interface ExtraColumns {
  /** Each extra regressor's values; NaN, null or a hole is missing (an error at a row the call needs). */
  regressors?: Record<string, Float64Array | number[]>;
  /** Condition columns of conditional seasonalities: booleans, or numbers (non-zero is true). */
  conditions?: Record<string, boolean[] | number[] | Uint8Array>;
}
/** An extra regressor as the fit uses it: values enter as (x - mu) / std. */
export interface RegressorInfo { name: string; priorScale: number; mode: string; standardize: boolean; mu: number; std: number }
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
pub(crate) fn with_model<T>(
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

/// Whether `value` is a typed array or DataView (`ArrayBuffer.isView` never throws, whatever
/// it is given, so it needs no catching import).
fn is_view_of(value: &JsValue) -> bool {
    js_sys::ArrayBuffer::is_view(value)
}

/// `ExtraColumns` from JS (undefined or null: none), aligned with `timestamps`.
fn extra_columns(value: &JsValue, timestamps: &[f64]) -> Result<ExtraColumns, JsError> {
    let mut columns = ExtraColumns::new();
    if value.is_undefined() || value.is_null() {
        return Ok(columns);
    }
    let fields = object_entries(value, "columns")?;
    for (key, item) in fields {
        let regressors = match key.as_str() {
            "regressors" => true,
            "conditions" => false,
            other => {
                return Err(JsError::new(&format!(
                    "columns: unknown field `{other}` (expected `regressors` or `conditions`)"
                )))
            }
        };
        if item.is_undefined() {
            continue;
        }
        for (name, column) in object_entries(&item, &format!("columns.{key}"))? {
            let what = format!("columns.{key}.{name}");
            let values = if regressors || is_view_of(&column) {
                numbers(&column, &what)?
            } else {
                array(&column, &what)?
                    .iter()
                    .map(|v| match (v.as_bool(), v.as_f64()) {
                        (Some(b), _) => Ok(f64::from(u8::from(b))),
                        (None, Some(x)) => Ok(x),
                        _ => Err(JsError::new(&format!(
                            "{what} must hold booleans or numbers"
                        ))),
                    })
                    .collect::<Result<Vec<f64>, JsError>>()?
            };
            if values.len() != timestamps.len() {
                return Err(JsError::new(&format!(
                    "{what} has {} values for {} timestamps",
                    values.len(),
                    timestamps.len()
                )));
            }
            columns = if regressors {
                columns.with_regressor(name, timestamps, &values)?
            } else {
                let flags: Vec<bool> = values.iter().map(|&v| v != 0.0).collect();
                columns.with_condition(name, timestamps, &flags)?
            };
        }
    }
    Ok(columns)
}

/// A plain object's own (key, value) pairs, every JS throw an error naming `what`.
pub(crate) fn object_entries(
    value: &JsValue,
    what: &str,
) -> Result<Vec<(String, JsValue)>, JsError> {
    if !value.is_object() || js_sys::Array::is_array(value) || is_view_of(value) {
        return Err(JsError::new(&format!("{what} must be an object")));
    }
    let keys = own_keys(value).map_err(|_| JsError::new(&format!("{what} cannot be read")))?;
    let mut out = Vec::new();
    for key in keys.iter() {
        let Some(name) = key.as_string() else {
            continue;
        };
        if name == "__proto__" {
            continue;
        }
        let item = Reflect::get(value, &key)
            .map_err(|_| JsError::new(&format!("{what}.{name} cannot be read")))?;
        out.push((name, item));
    }
    Ok(out)
}

/// Fits Prophet to `values` at `timestamps` (ms UTC, Float64Arrays or arrays of numbers; NaN,
/// null and holes are gaps left out of the fit) and returns the model's handle, for
/// `prophetPredict` and the other `prophet*` calls until `prophetFree`. `columns` holds the
/// extra regressors' values and condition columns at the same timestamps, when the options
/// use them. Throws an `Error` with the engine's message on bad input or options.
#[wasm_bindgen(js_name = prophetFit)]
pub fn prophet_fit(
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] values: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ForecastOptions | undefined")] options: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ExtraColumns | undefined")] columns: JsValue,
) -> Result<f64, JsError> {
    let options: ForecastOptions = parse_options(options)?;
    let timestamps = numbers(&timestamps, "timestamps")?;
    let values = numbers(&values, "values")?;
    let columns = extra_columns(&columns, &timestamps)?;
    let series = Series::new(&timestamps, &values)?;
    let model = ProphetModel::fit_with_columns(&series, &options, &columns)?;
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
/// these timestamps only. A model with extra regressors needs their values at every one of
/// these timestamps in `columns`.
#[wasm_bindgen(js_name = prophetPredict, unchecked_return_type = "ForecastResult")]
pub fn prophet_predict(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ExtraColumns | undefined")] columns: JsValue,
) -> Result<Object, JsError> {
    predict(&model, &timestamps, &columns, true)
}

/// As `prophetPredict`, without the uncertainty intervals (no `yhatLower` / `yhatUpper`): the
/// expected value and components only, far cheaper (no sampling).
#[wasm_bindgen(js_name = prophetPredictPoint, unchecked_return_type = "ForecastResult")]
pub fn prophet_predict_point(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ExtraColumns | undefined")] columns: JsValue,
) -> Result<Object, JsError> {
    predict(&model, &timestamps, &columns, false)
}

fn predict(
    model: &JsValue,
    timestamps: &JsValue,
    columns: &JsValue,
    intervals: bool,
) -> Result<Object, JsError> {
    let timestamps = numbers(timestamps, "timestamps")?;
    let columns = extra_columns(columns, &timestamps)?;
    with_model(model, |m| {
        let forecast = if intervals {
            m.predict_with_columns(&timestamps, &columns)?
        } else {
            m.predict_point_with_columns(&timestamps, &columns)?
        };
        forecast_object(&forecast)
    })
}

/// The extra regressors the fit used, with Prophet's standardisation (`mu`, `std`).
#[wasm_bindgen(js_name = prophetRegressors, unchecked_return_type = "RegressorInfo[]")]
pub fn prophet_regressors(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
) -> Result<Array, JsError> {
    with_model(&model, |m| {
        let list = Array::new();
        for r in m.regressors() {
            let o = Object::new();
            set(&o, "name", &JsValue::from_str(&r.name))?;
            set(&o, "priorScale", &JsValue::from(r.prior_scale))?;
            set(&o, "mode", &mode_value(&r.mode)?)?;
            set(&o, "standardize", &JsValue::from_bool(r.standardize))?;
            set(&o, "mu", &JsValue::from(r.mu))?;
            set(&o, "std", &JsValue::from(r.std))?;
            list.push(&o);
        }
        Ok(list)
    })
}

/// A component's mode as the JS string (`"additive"` / `"multiplicative"`).
fn mode_value(mode: &foresight_core::prophet::Mode) -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(mode).map_err(|e| JsError::new(&e.to_string()))
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
            set(&o, "mode", &mode_value(&s.mode)?)?;
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
