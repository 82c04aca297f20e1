//! The Python Prophet reference outputs kept in the repository (`tests/data/prophet`), read the
//! same way by every test that compares with them.
#![allow(dead_code)] // each test file uses the part it needs

use std::path::PathBuf;

use foresight_core::prophet::{
    parse_datetime_ms, ExtraColumns, ForecastOptions, Mode, ProphetModel,
};
use foresight_core::Series;
use serde_json::Value;

/// The reference outputs kept in the repository (`tests/data/prophet`, see its README).
pub fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/prophet")
}

/// A tiny CSV reader: header row, comma-separated, optional double quotes, any line ending
/// (one of the inputs uses old Mac `\r`).
pub fn read_csv(path: &PathBuf) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text
        .split(['\n', '\r'])
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            l.split(',')
                .map(|f| f.trim().trim_matches('"').to_string())
                .collect::<Vec<_>>()
        });
    let header = lines.next().expect("a header row");
    (header, lines.collect())
}

pub fn time_ms(raw: &str) -> f64 {
    raw.parse::<f64>()
        .ok()
        .or_else(|| parse_datetime_ms(raw))
        .unwrap_or_else(|| panic!("unreadable time {raw:?}"))
}

pub fn number(raw: &str) -> f64 {
    if raw.is_empty() || raw.eq_ignore_ascii_case("na") || raw.eq_ignore_ascii_case("nan") {
        f64::NAN
    } else {
        raw.parse()
            .unwrap_or_else(|_| panic!("unreadable number {raw:?}"))
    }
}

/// A case's JSON, its series and its options (`prophet_kwargs` plus `extra`).
pub fn load_case(name: &str) -> (PathBuf, Value, Series, ForecastOptions) {
    let dir = reference_dir();
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(format!("cases/{name}.json"))).expect("case json"),
    )
    .expect("valid case json");

    // Options: prophet_kwargs plus `extra` (cap/floor, added seasonalities) in one object.
    let mut merged = case["prophet_kwargs"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some(extra) = case["extra"].as_object() {
        merged.extend(extra.clone());
    }
    let options: ForecastOptions =
        serde_json::from_value(Value::Object(merged)).expect("reference options parse");

    let (h, rows) = read_csv(&dir.join(case["data"].as_str().expect("data path")));
    let ds_i = h.iter().position(|c| c == "ds").expect("ds column");
    let y_i = h.iter().position(|c| c == "y").expect("y column");
    let ts: Vec<f64> = rows.iter().map(|r| time_ms(&r[ds_i])).collect();
    let ys: Vec<f64> = rows.iter().map(|r| number(&r[y_i])).collect();
    let series = Series::new(&ts, &ys).expect("valid series");
    (dir, case, series, options)
}

/// A case's extra columns (`columns`: regressor values and 1/0 condition columns at every
/// forecast row, as given to Python Prophet); empty for the cases without them.
pub fn load_columns(
    dir: &std::path::Path,
    case: &Value,
    options: &ForecastOptions,
) -> ExtraColumns {
    let mut columns = ExtraColumns::new();
    let Some(path) = case["columns"].as_str() else {
        return columns;
    };
    let (h, rows) = read_csv(&dir.join(path));
    let get = |name: &str| -> Vec<f64> {
        let i = h
            .iter()
            .position(|c| c == name)
            .unwrap_or_else(|| panic!("{path}: no column {name}"));
        rows.iter().map(|r| number(&r[i])).collect()
    };
    let ds = get("ds");
    for r in &options.regressors {
        columns = columns
            .with_regressor(r.name.clone(), &ds, &get(&r.name))
            .expect("regressor column");
    }
    for name in options
        .seasonalities
        .iter()
        .filter_map(|s| s.condition_name.as_deref())
    {
        let flags: Vec<bool> = get(name).iter().map(|&v| v != 0.0).collect();
        columns = columns
            .with_condition(name, &ds, &flags)
            .expect("condition column");
    }
    columns
}

/// A seasonality as Prophet reports its choice: name, period, Fourier order, prior scale, mode.
pub type Choice = (String, f64, u32, f64, String);

/// The seasonalities our fit chose, sorted by name.
pub fn our_seasonalities(model: &ProphetModel) -> Vec<Choice> {
    let mut ours: Vec<Choice> = model
        .seasonalities()
        .iter()
        .map(|s| {
            let mode = if s.mode == Mode::Additive {
                "additive"
            } else {
                "multiplicative"
            };
            (
                s.name.clone(),
                s.period,
                s.fourier_order,
                s.prior_scale,
                mode.to_string(),
            )
        })
        .collect();
    ours.sort_by(|a, b| a.0.cmp(&b.0));
    ours
}

/// The seasonalities Python Prophet chose (`seasonalities` of a case or fuzz JSON), sorted.
pub fn their_seasonalities(seasonalities: &Value) -> Vec<Choice> {
    let mut theirs: Vec<Choice> = seasonalities
        .as_object()
        .expect("seasonalities")
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v["period"].as_f64().unwrap(),
                v["fourier_order"].as_u64().unwrap() as u32,
                v["prior_scale"].as_f64().unwrap(),
                v["mode"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    theirs.sort_by(|a, b| a.0.cmp(&b.0));
    theirs
}
