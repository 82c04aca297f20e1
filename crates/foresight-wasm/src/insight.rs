//! Insight: root-cause hints, component attribution, time to threshold, alert rules.
//! Translation only: JS objects and typed arrays in, `foresight_core::insight` called,
//! plain objects out.

use foresight_core::insight::{
    self, AlertRuleOptions, AttributionOptions, ComponentInput, ForecastPath, Labels, LastObserved,
    NamedValues, RootCauseOptions, ThresholdDirection,
};
use foresight_core::{AnomalyKind, Direction, Incident, SeriesAnomalies};
use js_sys::{Array, Object, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::{array, from_js, numbers, own_keys, parse_options, set};

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** One series as detectAnomalies returns it (only these fields are read). */
export interface RootCauseSeries {
  timestamps: Float64Array | number[];
  values: Float64Array | number[];
  expected: Float64Array | number[];
  score: Float64Array | number[];
  period?: number;
}
export interface RootCauseOptions { contextPoints?: number; maxLagPoints?: number; minPairs?: number }
export interface RelatedSeries {
  series: number;
  peakScore: number;
  meanScore: number;
  outsideShare: number;
  /** Mean deviation from the series' normal in the window, in band half-widths (3 robust sd). */
  deviation: number;
  /** Mean signed deviation in the window (series' units). */
  shift: number;
  correlation?: number;
  /** ms; negative: this series moved BEFORE the incident series. */
  lagMs?: number;
  rankScore: number;
}
export interface LabelShare {
  name: string;
  value: string;
  series: number;
  anomalousSeries: number;
  coversAllAnomalous: boolean;
  anomalyShare: number;
  seriesShare: number;
  lift: number;
  excess: number;
}
export type RootCause =
  | { status: 'noPeers'; series: number; message: string }
  | {
      status: 'compared';
      series: number;
      start: number;
      end: number;
      related: RelatedSeries[];
      labels: LabelShare[];
      anomalousSeries: number;
      note?: string;
    };
export interface ComponentInput {
  timestamps: Float64Array | number[];
  actual: Float64Array | number[];
  yhat: Float64Array | number[];
  trend: Float64Array | number[];
  /** Additive contributions in the series' units, by name. */
  seasonalities?: Record<string, Float64Array | number[]>;
  events?: Record<string, Float64Array | number[]>;
  /** Drivers (the model's extra regressors): their contributions, by name. */
  drivers?: Record<string, Float64Array | number[]>;
  /** The drivers' own values at the same timestamps (optional, by name): their change is named. */
  driverActual?: Record<string, Float64Array | number[]>;
}
export interface AttributionOptions { referencePoints?: number }
export interface ForecastPlan {
  /** Why the series is not forecast (absent: it is). */
  skip?: string;
  /** The cap the fit takes (the series' bound) when the options set none. */
  cap?: number;
  /** Logistic growth with no cap from either: the fit will refuse it. */
  capMissing: boolean;
}
export interface AttributionPart { magnitude: number; mean: number; share: number }
export interface Attribution {
  cause: 'trendChange' | 'seasonalDeviation' | 'event' | 'driver' | 'residualSpike' | 'residualShift' | 'noDeviation';
  trend: AttributionPart;
  seasonal: AttributionPart;
  event: AttributionPart;
  residual: AttributionPart;
  driver: AttributionPart;
  activeEvents: string[];
  /** Drivers whose contribution changed over the window, largest change first; `change` is
   * the driver's own relative change (0.4: rose 40 %) when its values were given. */
  drivers: Array<{ name: string; contribution: number; change?: number }>;
  /** The cause in words when a driver explains the incident ("followed orders, which rose 40 %"). */
  explanation?: string;
  windowPoints: number;
  referencePoints: number;
}
/** A forecast: prophetPredict's result can be passed as is. */
export interface ThresholdForecast {
  ds?: Float64Array | number[];
  timestamps?: Float64Array | number[];
  yhat: Float64Array | number[];
  yhatLower?: Float64Array | number[];
  yhatUpper?: Float64Array | number[];
}
export interface LastObserved { time: number; value?: number | null }
export interface ThresholdSpec {
  value: number;
  direction?: 'above' | 'below';
  /** Names the interval in the text, e.g. 0.8 → "80 % interval". */
  intervalWidth?: number;
  /** Appended to numbers in the text, e.g. " %". */
  unit?: string;
}
export type CrossingState =
  | { kind: 'alreadyBeyond'; value: number }
  | { kind: 'crosses'; at: number; inMs: number; interval?: { earliestMs: number; latestMs?: number } }
  | { kind: 'notWithinHorizon'; earliestMs?: number; closest: number }
  | { kind: 'neverReaches'; earliestMs?: number; closest: number; finalValue: number };
export interface ThresholdCrossing {
  threshold: number;
  direction: 'above' | 'below';
  horizonMs: number;
  state: CrossingState;
  /** One sentence for the panel. */
  text: string;
  /** Sort ascending for "soonest first": 0 already beyond, then crossing time, then not
   *  within the horizon, then Infinity (never reaches). */
  sortKeyMs: number;
  /** Set when the threshold looks like another unit than the series. */
  warning?: string;
}
export interface AlertRuleOptions {
  query: string;
  name?: string;
  periodMs?: number | null;
  seasons?: number;
  windowMs?: number;
  stepMs?: number;
  lookbackMs?: number;
  statistic?: 'median' | 'mean';
  residualSpread: number;
  sensitivity?: number;
  direction?: 'up' | 'down' | 'both';
  minAbsDeviation?: number;
  minRelDeviation?: number;
  minDurationMs?: number;
  labels?: Record<string, string>;
}
export interface AlertRules { yaml: string; group: string; alert: string; records: string[] }
"#;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    let serializer = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value
        .serialize(&serializer)
        .map_err(|e| JsError::new(&format!("could not convert the result: {e}")))
}

fn get(item: &JsValue, key: &str) -> Result<JsValue, JsError> {
    Reflect::get(item, &JsValue::from_str(key))
        .map_err(|_| JsError::new(&format!("cannot read `{key}`")))
}

fn field_numbers(item: &JsValue, key: &str, context: &str) -> Result<Vec<f64>, JsError> {
    numbers(&get(item, key)?, &format!("{context}`{key}`"))
}

fn optional_numbers(item: &JsValue, key: &str) -> Result<Option<Vec<f64>>, JsError> {
    let v = get(item, key)?;
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        numbers(&v, &format!("`{key}`")).map(Some)
    }
}

fn number(item: &JsValue, key: &str, context: &str) -> Result<f64, JsError> {
    get(item, key)?
        .as_f64()
        .ok_or_else(|| JsError::new(&format!("{context}`{key}` must be a number")))
}

/// `{ name: Float64Array | number[] }` as named vectors, in key order.
fn named(item: &JsValue, key: &str) -> Result<Vec<NamedValues>, JsError> {
    let v = get(item, key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !v.is_object() {
        return Err(JsError::new(&format!(
            "`{key}` must be an object of arrays"
        )));
    }
    let keys = own_keys(&v).map_err(|_| JsError::new(&format!("cannot read `{key}`")))?;
    let mut out = Vec::new();
    for name in keys.iter().filter_map(|k| k.as_string()) {
        if name == "__proto__" {
            continue;
        }
        let values = numbers(&get(&v, &name)?, &format!("`{key}.{name}`"))?;
        out.push(NamedValues { name, values });
    }
    Ok(out)
}

/// Root-cause hints for one incident over the series of a detection. `series` are the
/// objects `detectAnomalies` returned (timestamps, values, expected, score, period are
/// read), `incident` one of its incidents (series, start, end are read), `labels` one
/// `{name: value}` object per series (or undefined). A single series yields
/// `{ status: 'noPeers' }`; bad input throws an `Error`.
#[wasm_bindgen(js_name = rootCause, unchecked_return_type = "RootCause")]
pub fn root_cause(
    #[wasm_bindgen(unchecked_param_type = "RootCauseSeries[]")] series: JsValue,
    #[wasm_bindgen(unchecked_param_type = "{ series: number; start: number; end: number }")]
    incident: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Array<Record<string, string>> | undefined")]
    labels: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RootCauseOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: RootCauseOptions = parse_options(options)?;
    let parsed = root_cause_series(&series)?;
    let labels = root_cause_labels(labels)?;
    let rc = insight::root_cause(&parsed, &root_cause_incident(&incident)?, &labels, &options)?;
    to_js(&rc)
}

/// [`root_cause`] for several incidents of the same series: the series cross the boundary once
/// (a panel's hundred series are megabytes). One result per incident, in order; `null` for an
/// incident the engine rejects (its message is that of [`root_cause`]).
#[wasm_bindgen(js_name = rootCauses, unchecked_return_type = "Array<RootCause | null>")]
pub fn root_causes(
    #[wasm_bindgen(unchecked_param_type = "RootCauseSeries[]")] series: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Array<{ series: number; start: number; end: number }>")]
    incidents: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Array<Record<string, string>> | undefined")]
    labels: JsValue,
    #[wasm_bindgen(unchecked_param_type = "RootCauseOptions | undefined")] options: JsValue,
) -> Result<Array, JsError> {
    let options: RootCauseOptions = parse_options(options)?;
    let parsed = root_cause_series(&series)?;
    let labels = root_cause_labels(labels)?;
    // An incident that cannot be read is answered like one the engine rejects: `null`.
    let read: Vec<Option<Incident>> = array(&incidents, "incidents")?
        .iter()
        .map(|incident| root_cause_incident(&incident).ok())
        .collect();
    let readable: Vec<Incident> = read.iter().flatten().cloned().collect();
    let mut results = insight::root_causes(&parsed, &readable, &labels, &options)?.into_iter();
    let out = Array::new();
    for incident in &read {
        let result = incident
            .as_ref()
            .and_then(|_| results.next())
            .and_then(|rc| rc.ok())
            .and_then(|rc| to_js(&rc).ok());
        out.push(&result.unwrap_or(JsValue::NULL));
    }
    Ok(out)
}

fn root_cause_series(series: &JsValue) -> Result<Vec<SeriesAnomalies>, JsError> {
    let series = array(series, "series")?;
    let mut parsed = Vec::with_capacity(series.length() as usize);
    for (i, item) in series.iter().enumerate() {
        let context = format!("series {i}: ");
        let timestamps = field_numbers(&item, "timestamps", &context)?;
        let expected = field_numbers(&item, "expected", &context)?;
        let n = timestamps.len();
        let period = get(&item, "period")?.as_f64().map(|p| p as usize);
        parsed.push(SeriesAnomalies {
            values: field_numbers(&item, "values", &context)?,
            score: field_numbers(&item, "score", &context)?,
            lower: expected.clone(),
            upper: expected.clone(),
            expected,
            timestamps,
            direction: vec![0; n],
            kind: vec![None; n],
            period,
            residual_spread: None,
        });
    }
    Ok(parsed)
}

/// An incident as the engine reads it: only series, start and end matter.
fn root_cause_incident(incident: &JsValue) -> Result<Incident, JsError> {
    let index = number(incident, "series", "incident ")?;
    if !(index >= 0.0 && index.fract() == 0.0) {
        return Err(JsError::new(
            "incident `series` must be a non-negative integer",
        ));
    }
    let start = number(incident, "start", "incident ")?;
    let end = number(incident, "end", "incident ")?;
    Ok(Incident {
        series: index as usize,
        start,
        end,
        peak_time: start,
        peak_score: 0.0,
        kind: AnomalyKind::Global,
        direction: Direction::Up,
    })
}

fn root_cause_labels(labels: JsValue) -> Result<Vec<Labels>, JsError> {
    if labels.is_undefined() || labels.is_null() {
        return Ok(Vec::new());
    }
    from_js(
        &labels,
        "labels must be one {name: value} object per series",
    )
}

/// Attributes the window `[start, end]` (ms UTC) to a trend change, a seasonal deviation,
/// an event or a residual spike from the model's components (additive contributions in the
/// series' units; for a multiplicative Prophet model multiply each factor by the trend).
#[wasm_bindgen(js_name = componentAttribution, unchecked_return_type = "Attribution")]
pub fn component_attribution(
    #[wasm_bindgen(unchecked_param_type = "ComponentInput")] input: JsValue,
    start: f64,
    end: f64,
    #[wasm_bindgen(unchecked_param_type = "AttributionOptions | undefined")] options: JsValue,
) -> Result<JsValue, JsError> {
    let options: AttributionOptions = parse_options(options)?;
    let parsed = ComponentInput {
        timestamps: field_numbers(&input, "timestamps", "")?,
        actual: field_numbers(&input, "actual", "")?,
        yhat: field_numbers(&input, "yhat", "")?,
        trend: field_numbers(&input, "trend", "")?,
        seasonalities: named(&input, "seasonalities")?,
        events: named(&input, "events")?,
        drivers: {
            let mut actual = named(&input, "driverActual")?;
            named(&input, "drivers")?
                .into_iter()
                .map(|d| {
                    let own = actual
                        .iter()
                        .position(|a| a.name == d.name)
                        .map(|k| actual.swap_remove(k).values)
                        .unwrap_or_default();
                    insight::DriverValues {
                        name: d.name,
                        values: d.values,
                        actual: own,
                    }
                })
                .collect()
        },
    };
    let a = insight::attribute_components(&parsed, start, end, &options)?;
    to_js(&a)
}

/// Which Prophet component moved in the worst incidents of the series a model was fitted on
/// (`foresight_core::insight::attribute_incidents`: the most severe few, each over its window
/// and a reference stretch before it, from the model's own components, multiplicative ones
/// included). `timestamps` and `values` are the series; `incidents` its incidents (`start`,
/// `end`, `peakScore` are read); `columns.regressors` the model's extra regressors' values at
/// the same timestamps. Returns `{ incident, attribution }` for each attributed incident
/// (`incident` its index), most severe first.
#[cfg(feature = "prophet")]
#[wasm_bindgen(
    js_name = prophetAttribution,
    unchecked_return_type = "Array<{ incident: number; attribution: Attribution }>"
)]
pub fn prophet_attribution(
    #[wasm_bindgen(unchecked_param_type = "number")] model: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] timestamps: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Float64Array | number[]")] values: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "Array<{ start: number; end: number; peakScore: number }>"
    )]
    incidents: JsValue,
    #[wasm_bindgen(
        unchecked_param_type = "{ regressors?: Record<string, Float64Array | number[]> } | undefined"
    )]
    columns: JsValue,
    #[wasm_bindgen(unchecked_param_type = "AttributionOptions | undefined")] options: JsValue,
) -> Result<Array, JsError> {
    let options: AttributionOptions = parse_options(options)?;
    let timestamps = numbers(&timestamps, "timestamps")?;
    let values = numbers(&values, "values")?;
    let windows = array(&incidents, "incidents")?
        .iter()
        .enumerate()
        .map(|(i, inc)| {
            let context = format!("incident {i} ");
            Ok(insight::IncidentWindow {
                start: number(&inc, "start", &context)?,
                end: number(&inc, "end", &context)?,
                peak_score: number(&inc, "peakScore", &context)?,
            })
        })
        .collect::<Result<Vec<_>, JsError>>()?;
    let mut regressors = Vec::new();
    if !(columns.is_undefined() || columns.is_null()) {
        for (key, item) in crate::prophet::object_entries(&columns, "columns")? {
            if key != "regressors" {
                return Err(JsError::new(&format!(
                    "columns: unknown field `{key}` (expected `regressors`)"
                )));
            }
            if !item.is_undefined() {
                for (name, column) in crate::prophet::object_entries(&item, "columns.regressors")? {
                    let values = numbers(&column, &format!("columns.regressors.{name}"))?;
                    regressors.push(NamedValues { name, values });
                }
            }
        }
    }
    crate::prophet::with_model(&model, |m| {
        let out = Array::new();
        for (i, a) in
            insight::attribute_incidents(m, &timestamps, &values, &regressors, &windows, &options)?
        {
            let o = Object::new();
            set(&o, "incident", &JsValue::from(i as f64))?;
            set(&o, "attribution", &to_js(&a)?)?;
            out.push(&o);
        }
        // As an Object: the instantiation `prophetPredict` already uses.
        Ok(Object::from(out))
    })
    .map(JsCast::unchecked_into::<Array>)
}

/// Whether and how the panel forecasts one series
/// (`foresight_core::insight::forecast_plan`): skipped under the `auto` model with too few
/// points (`points`: the series' numeric points); logistic growth's cap from the series' own
/// bound (`seriesMax`, a field's Max) when the options set none (`cap`).
#[cfg(feature = "prophet")]
#[wasm_bindgen(js_name = forecastPlan, unchecked_return_type = "ForecastPlan")]
pub fn forecast_plan(
    #[wasm_bindgen(unchecked_param_type = "'auto' | 'prophet' | 'fast'")] model: &str,
    points: f64,
    #[wasm_bindgen(unchecked_param_type = "'linear' | 'logistic' | 'flat' | undefined")]
    growth: Option<String>,
    cap: Option<f64>,
    #[wasm_bindgen(js_name = seriesMax)] series_max: Option<f64>,
) -> Result<Object, JsError> {
    use foresight_core::prophet::Growth;
    let model = match model {
        "auto" => insight::ForecastModel::Auto,
        "prophet" => insight::ForecastModel::Prophet,
        "fast" => insight::ForecastModel::Fast,
        other => return Err(JsError::new(&format!("unknown model `{other}`"))),
    };
    let growth = match growth.as_deref() {
        None | Some("linear") => Growth::Linear,
        Some("logistic") => Growth::Logistic,
        Some("flat") => Growth::Flat,
        Some(other) => return Err(JsError::new(&format!("unknown growth `{other}`"))),
    };
    let plan = insight::forecast_plan(&insight::ForecastPlanInput {
        model,
        points: if points >= 0.0 { points as usize } else { 0 },
        growth,
        cap,
        series_max,
    });
    let out = Object::new();
    if let Some(skip) = &plan.skip {
        set(&out, "skip", &JsValue::from_str(skip))?;
    }
    if let Some(cap) = plan.cap {
        set(&out, "cap", &JsValue::from(cap))?;
    }
    set(&out, "capMissing", &JsValue::from_bool(plan.cap_missing))?;
    Ok(out)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ThresholdSpec {
    value: f64,
    #[serde(default)]
    direction: ThresholdDirection,
    #[serde(default)]
    interval_width: Option<f64>,
    #[serde(default)]
    unit: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ThresholdOutput<'a> {
    #[serde(flatten)]
    crossing: &'a insight::ThresholdCrossing,
    text: String,
    sort_key_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    warning: Option<String>,
}

/// Predicted time until `forecast` (prophetPredict's result, or `{ timestamps, yhat,
/// yhatLower?, yhatUpper? }`) crosses `threshold`, counted from `last` (the last observed
/// point). Returns the state, a sentence (`text`) and a `warning` when the threshold looks
/// like another unit.
#[wasm_bindgen(js_name = timeToThreshold, unchecked_return_type = "ThresholdCrossing")]
pub fn time_to_threshold(
    #[wasm_bindgen(unchecked_param_type = "ThresholdForecast")] forecast: JsValue,
    #[wasm_bindgen(unchecked_param_type = "LastObserved")] last: JsValue,
    #[wasm_bindgen(unchecked_param_type = "ThresholdSpec")] threshold: JsValue,
) -> Result<JsValue, JsError> {
    let timestamps = match optional_numbers(&forecast, "ds")? {
        Some(ds) => ds,
        None => field_numbers(&forecast, "timestamps", "forecast ")?,
    };
    let yhat = field_numbers(&forecast, "yhat", "forecast ")?;
    let lower = optional_numbers(&forecast, "yhatLower")?;
    let upper = optional_numbers(&forecast, "yhatUpper")?;
    let time = number(&last, "time", "last observation ")?;
    let value = get(&last, "value")?.as_f64();
    let spec: ThresholdSpec = from_js(
        &threshold,
        "threshold must be { value: number, direction?: 'above' | 'below' }",
    )?;
    let crossing = insight::time_to_threshold(
        ForecastPath {
            timestamps: &timestamps,
            yhat: &yhat,
            lower: lower.as_deref(),
            upper: upper.as_deref(),
        },
        LastObserved { time, value },
        spec.value,
        spec.direction,
    )?;
    let mut values = yhat.clone();
    values.extend(value);
    let out = ThresholdOutput {
        text: insight::describe_crossing(
            &crossing,
            spec.interval_width,
            spec.unit.as_deref().unwrap_or(""),
        ),
        sort_key_ms: crossing.sort_key_ms(),
        warning: insight::unit_mismatch(&values, spec.value),
        crossing: &crossing,
    };
    to_js(&out)
}

/// Prometheus recording and alerting rules (YAML) reproducing the panel's contextual
/// detection for its PromQL query.
#[wasm_bindgen(js_name = alertRules, unchecked_return_type = "AlertRules")]
pub fn alert_rules(
    #[wasm_bindgen(unchecked_param_type = "AlertRuleOptions")] options: JsValue,
) -> Result<Object, JsError> {
    if options.is_undefined() || options.is_null() {
        return Err(JsError::new(
            "alertRules needs options with at least `query` and `residualSpread`",
        ));
    }
    let options: AlertRuleOptions = parse_options(options)?;
    let rules = insight::alert_rules(&options)?;
    let out = Object::new();
    set(&out, "yaml", &JsValue::from_str(&rules.yaml))?;
    set(&out, "group", &JsValue::from_str(&rules.group))?;
    set(&out, "alert", &JsValue::from_str(&rules.alert))?;
    let records = Array::new();
    for r in &rules.records {
        records.push(&JsValue::from_str(r));
    }
    set(&out, "records", &records)?;
    Ok(out)
}
