//! Prophet: fit once, predict at any timestamps.

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

/// A fitted Prophet model. Free it with `free()` when done.
#[wasm_bindgen(js_name = ProphetModel)]
pub struct JsProphetModel(ProphetModel);

#[wasm_bindgen(js_class = ProphetModel)]
impl JsProphetModel {
    /// Fits Prophet to `values` at `timestamps` (ms UTC, Float64Arrays or arrays of numbers);
    /// NaN, null and holes are gaps left out of the fit. Throws an `Error` with the engine's
    /// message on bad input or options.
    pub fn fit(
        #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] values: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ForecastOptions | undefined")] options: JsValue,
    ) -> Result<JsProphetModel, JsError> {
        let options: ForecastOptions = parse_options(options)?;
        let timestamps = numbers(&timestamps, "timestamps")?;
        let values = numbers(&values, "values")?;
        let series = Series::new(&timestamps, &values)?;
        Ok(Self(ProphetModel::fit(&series, &options)?))
    }

    /// Forecast at `timestamps` (ms UTC, any order, past or future); intervals are sampled for
    /// these timestamps only.
    #[wasm_bindgen(unchecked_return_type = "ForecastResult")]
    pub fn predict(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    ) -> Result<Object, JsError> {
        let timestamps = numbers(&timestamps, "timestamps")?;
        forecast_object(&self.0.predict(&timestamps)?)
    }

    /// As `predict`, without the uncertainty intervals (no `yhatLower` / `yhatUpper`): the
    /// expected value and components only, far cheaper (no sampling).
    #[wasm_bindgen(js_name = predictPoint, unchecked_return_type = "ForecastResult")]
    pub fn predict_point(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    ) -> Result<Object, JsError> {
        let timestamps = numbers(&timestamps, "timestamps")?;
        forecast_object(&self.0.predict_point(&timestamps)?)
    }

    /// The seasonalities the fit used (auto-detected ones included).
    #[wasm_bindgen(unchecked_return_type = "SeasonalityInfo[]")]
    pub fn seasonalities(&self) -> Result<Array, JsError> {
        let list = Array::new();
        for s in self.0.seasonalities() {
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
    }

    /// How the fit ended: `converged`, `objective` (negative log posterior) and `iterations`.
    #[wasm_bindgen(js_name = fitReport, unchecked_return_type = "FitReport")]
    pub fn fit_report(&self) -> Result<Object, JsError> {
        let r = self.0.fit_report();
        let o = Object::new();
        set(&o, "converged", &JsValue::from_bool(r.converged))?;
        set(&o, "objective", &JsValue::from(r.objective))?;
        set(&o, "iterations", &JsValue::from(r.iterations as f64))?;
        Ok(o)
    }

    /// Changepoint times (ms UTC).
    pub fn changepoints(&self) -> Float64Array {
        Float64Array::from(self.0.changepoints())
    }
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
