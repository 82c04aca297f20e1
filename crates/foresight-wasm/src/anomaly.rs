//! Anomaly detection over the series of one query.

use foresight_core::{AnomalyOptions, Series};
use js_sys::{Array, Float64Array, Int8Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::{array, parse_options, set};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
export interface AnomalyOptions {
  mode?: 'batch' | 'causal';
  /** The model behind the band (batch mode): auto (the fast model), fast, or Prophet. */
  model?: 'auto' | 'fast' | 'prophet';
  /** 0–1, higher flags more (0.5: band of ±3 robust standard deviations). */
  sensitivity?: number;
  direction?: 'up' | 'down' | 'both';
  minAbsDeviation?: number;
  minRelDeviation?: number;
  minDurationMs?: number;
  shockWindows?: Array<{ start: number; end: number }>;
  robust?: boolean;
  /** Seasonal period in points; omitted: detected; 0: none. */
  period?: number;
  peer?: boolean;
  /** Driver series (indices into the series given): the others are scored on what the
   * drivers do not explain (a campaign the driver carries is not their anomaly). */
  drivers?: number[];
}
export interface SeriesInput { timestamps: Float64Array; values: Float64Array }
export interface SeriesAnomalies {
  timestamps: Float64Array;
  values: Float64Array;
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  /** Distance from expected in band half-widths: ≤ 1 inside the band. Never NaN. */
  score: Float64Array;
  /** +1 above the band, −1 below, 0 not flagged. */
  direction: Int8Array;
  /** 0 not anomalous, 1 global, 2 contextual, 3 collective, 4 peer. */
  kind: Uint8Array;
  period?: number;
  /** Robust spread (one sigma, series' units) of the residuals the band was fitted on (batch mode). */
  residualSpread?: number;
}
export interface Incident {
  series: number;
  start: number;
  end: number;
  peakTime: number;
  peakScore: number;
  kind: 'global' | 'contextual' | 'collective' | 'peer';
  direction: 'up' | 'down';
}
export interface Detection { series: SeriesAnomalies[]; incidents: Incident[] }
"#;

/// Detects anomalies in every series of `series` (peer anomalies across them when there are
/// three or more). Throws an `Error` naming the bad series or option.
#[wasm_bindgen(js_name = detectAnomalies, unchecked_return_type = "Detection")]
pub fn detect_anomalies(
    #[wasm_bindgen(unchecked_param_type = "SeriesInput[]")] series: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AnomalyOptions | undefined")] options: JsValue,
) -> Result<Object, JsError> {
    let options: AnomalyOptions = parse_options(options)?;
    let series = array(&series, "series")?;
    let mut parsed = Vec::with_capacity(series.length() as usize);
    for (i, item) in series.iter().enumerate() {
        let timestamps = typed_field(&item, "timestamps", i)?;
        let values = typed_field(&item, "values", i)?;
        let s = Series::new(&timestamps, &values)
            .map_err(|e| JsError::new(&format!("series {i}: {e}")))?;
        parsed.push(s);
    }
    let detection = foresight_core::detect(&parsed, &options)?;

    let list = Array::new();
    for r in &detection.series {
        let o = Object::new();
        set(
            &o,
            "timestamps",
            &Float64Array::from(r.timestamps.as_slice()),
        )?;
        set(&o, "values", &Float64Array::from(r.values.as_slice()))?;
        set(&o, "expected", &Float64Array::from(r.expected.as_slice()))?;
        set(&o, "lower", &Float64Array::from(r.lower.as_slice()))?;
        set(&o, "upper", &Float64Array::from(r.upper.as_slice()))?;
        set(&o, "score", &Float64Array::from(r.score.as_slice()))?;
        set(&o, "direction", &Int8Array::from(r.direction.as_slice()))?;
        let kinds: Vec<u8> = r.kind.iter().map(|k| k.map_or(0, |k| k.code())).collect();
        set(&o, "kind", &Uint8Array::from(kinds.as_slice()))?;
        if let Some(p) = r.period {
            set(&o, "period", &JsValue::from(p as f64))?;
        }
        if let Some(spread) = r.residual_spread {
            set(&o, "residualSpread", &JsValue::from(spread))?;
        }
        list.push(&o);
    }
    let out = Object::new();
    set(&out, "series", &list)?;
    let incidents = serde_wasm_bindgen::to_value(&detection.incidents)
        .map_err(|e| JsError::new(&format!("could not convert incidents: {e}")))?;
    set(&out, "incidents", &incidents)?;
    Ok(out)
}

/// `item[key]` as a Vec<f64>, from a Float64Array or a plain array of numbers and nulls.
fn typed_field(item: &JsValue, key: &str, index: usize) -> Result<Vec<f64>, JsError> {
    let value = Reflect::get(item, &JsValue::from_str(key))
        .map_err(|_| JsError::new(&format!("series {index}: cannot read `{key}`")))?;
    crate::numbers(&value, &format!("series {index}: `{key}`"))
}
