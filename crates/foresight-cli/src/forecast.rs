//! `foresight forecast`: fit Prophet on a series and write the training rows plus a horizon.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, Datelike, Months, NaiveDate};
use foresight_core::prophet::{ExtraColumns, ForecastOptions, ProphetModel};
use foresight_core::Series;
use serde_json::Value;

use crate::table;

/// Where the series, options and horizon come from.
pub enum Source {
    /// A reference case JSON (`data`, `prophet_kwargs`, `extra`, `horizon`).
    Case(PathBuf),
    /// A `ds,y` CSV, optional options JSON, horizon in steps of `freq` (inferred if absent).
    Input {
        input: PathBuf,
        options: Option<PathBuf>,
        horizon: usize,
        freq: Option<String>,
    },
}

/// The warning printed when the fit stopped without meeting a stopping test (iteration
/// budget, failed line search): its forecast may be far from the optimum's.
fn convergence_warning(model: &ProphetModel) -> Option<String> {
    let report = model.fit_report();
    (!report.converged).then(|| {
        format!(
            "warning: the Prophet fit did not converge ({} iterations, negative log posterior \
             {:.4}): the forecast may be far from Prophet's",
            report.iterations, report.objective
        )
    })
}

pub fn run(source: Source, out: Option<&Path>) -> Result<()> {
    let (ts, vs, options, horizon, freq, columns) = match source {
        Source::Case(path) => read_case(&path)?,
        Source::Input {
            input,
            options,
            horizon,
            freq,
        } => {
            let (ts, vs) = table::read_series(&input)?;
            let options = match options {
                Some(p) => {
                    let text = std::fs::read_to_string(&p)
                        .with_context(|| format!("cannot read {}", p.display()))?;
                    let context = || format!("{}: invalid Prophet options", p.display());
                    // An object only: serde would read a JSON array as the fields in order.
                    let value: Value = serde_json::from_str(&text).with_context(context)?;
                    if !value.is_object() {
                        return Err(anyhow!("options must be a JSON object")).with_context(context);
                    }
                    serde_json::from_value(value).with_context(context)?
                }
                None => ForecastOptions::default(),
            };
            (ts, vs, options, horizon, freq, ExtraColumns::new())
        }
    };
    let series = Series::new(&ts, &vs)?;
    let model = ProphetModel::fit_with_columns(&series, &options, &columns)?;
    if let Some(warning) = convergence_warning(&model) {
        eprintln!("{warning}");
    }

    // Prophet's history: the rows with a value, then the horizon after the last of them.
    let (mut ds, mut y) = (Vec::new(), Vec::new());
    for (&t, &v) in series.timestamps().iter().zip(series.values()) {
        if v.is_finite() {
            ds.push(t);
            y.push(v);
        }
    }
    let last = *ds.last().ok_or_else(|| anyhow!("no values to fit"))?;
    let step = match freq.as_deref() {
        Some(f) => Step::parse(f)?,
        None => Step::infer(&ds)?,
    };
    let future = step.after(last, horizon)?;
    y.resize(y.len() + future.len(), f64::NAN);
    ds.extend(future);

    let f = model.predict_with_columns(&ds, &columns)?;
    let nan = vec![f64::NAN; ds.len()];
    let mut columns: Vec<(&str, &[f64])> = vec![
        ("ds", &ds),
        ("y", &y),
        ("yhat", &f.yhat),
        ("yhat_lower", f.yhat_lower.as_deref().unwrap_or(&nan)),
        ("yhat_upper", f.yhat_upper.as_deref().unwrap_or(&nan)),
        ("trend", &f.trend),
    ];
    for c in &f.components {
        columns.push((&c.name, &c.values));
    }
    table::write_columns(out, &columns)
}

type CaseInput = (
    Vec<f64>,
    Vec<f64>,
    ForecastOptions,
    usize,
    Option<String>,
    ExtraColumns,
);

fn read_case(path: &Path) -> Result<CaseInput> {
    let case: Value = serde_json::from_str(
        &std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?,
    )
    .with_context(|| format!("{}: not JSON", path.display()))?;
    // `data` is relative to the folder that holds `cases/`.
    let root = path
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| anyhow!("{}: expected to be inside a cases/ folder", path.display()))?;
    let data = case["data"]
        .as_str()
        .ok_or_else(|| anyhow!("{}: no `data` path", path.display()))?;
    let (ts, vs) = table::read_series(&root.join(data))?;
    let mut merged = case["prophet_kwargs"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if let Some(extra) = case["extra"].as_object() {
        merged.extend(extra.clone());
    }
    let options: ForecastOptions = serde_json::from_value(Value::Object(merged))
        .with_context(|| format!("{}: invalid Prophet options", path.display()))?;
    let horizon = case["horizon"]["periods"].as_u64().unwrap_or(0) as usize;
    let freq = case["horizon"]["freq"].as_str().map(str::to_string);
    // Extra regressors' values and condition columns at the forecast rows (`columns`).
    let mut columns = ExtraColumns::new();
    if let Some(file) = case["columns"].as_str() {
        let regressors: Vec<&str> = options.regressors.iter().map(|r| r.name.as_str()).collect();
        let conditions: Vec<&str> = options
            .seasonalities
            .iter()
            .filter_map(|s| s.condition_name.as_deref())
            .collect();
        let names: Vec<&str> = regressors.iter().chain(&conditions).copied().collect();
        let (cts, cols) = table::read_named_columns(&root.join(file), &names)?;
        for (name, values) in names.iter().zip(cols) {
            columns = if regressors.contains(name) {
                columns.with_regressor(*name, &cts, &values)?
            } else {
                let flags: Vec<bool> = values.iter().map(|&v| v != 0.0).collect();
                columns.with_condition(*name, &cts, &flags)?
            };
        }
    }
    Ok((ts, vs, options, horizon, freq, columns))
}

/// A pandas-style frequency: a fixed duration, or month starts (`MS`).
#[derive(Debug, PartialEq)]
enum Step {
    Fixed(f64),
    MonthStart(u32),
}

/// More future rows than this is surely a mistake (the engine also refuses huge requests).
const MAX_HORIZON: usize = 5_000_000;

impl Step {
    fn parse(freq: &str) -> Result<Self> {
        let f = freq.trim();
        let split = f.find(|c: char| !c.is_ascii_digit()).unwrap_or(f.len());
        let n: u32 = if split == 0 { 1 } else { f[..split].parse()? };
        if n == 0 {
            bail!("frequency {freq:?}: the multiple must be at least 1");
        }
        let unit_ms = match &f[split..] {
            "MS" => return Ok(Self::MonthStart(n)),
            "D" => 86_400_000.0,
            "W" => 7.0 * 86_400_000.0,
            "H" | "h" => 3_600_000.0,
            "min" | "T" => 60_000.0,
            "S" | "s" => 1000.0,
            "ms" | "L" => 1.0,
            other => bail!("unsupported frequency unit {other:?} (use D, W, h, min, s, ms or MS)"),
        };
        Ok(Self::Fixed(f64::from(n) * unit_ms))
    }

    /// Month starts when every time is midnight on the 1st and they are about a month apart
    /// (pandas' `MS`); otherwise the median spacing of the series.
    fn infer(ds: &[f64]) -> Result<Self> {
        let mut diffs: Vec<f64> = ds.windows(2).map(|w| w[1] - w[0]).collect();
        if diffs.is_empty() {
            bail!("cannot infer a frequency from one point; pass --freq");
        }
        diffs.sort_by(f64::total_cmp);
        let median = diffs[diffs.len() / 2];
        let month_start = |t: &f64| {
            t.rem_euclid(86_400_000.0) == 0.0
                && DateTime::from_timestamp_millis(*t as i64).is_some_and(|d| d.day() == 1)
        };
        let day = 86_400_000.0;
        if (28.0 * day..=31.0 * day).contains(&median) && ds.iter().all(month_start) {
            return Ok(Self::MonthStart(1));
        }
        Ok(Self::Fixed(median))
    }

    fn after(&self, last: f64, horizon: usize) -> Result<Vec<f64>> {
        if horizon > MAX_HORIZON {
            bail!("horizon {horizon} is too long (at most {MAX_HORIZON} steps)");
        }
        match *self {
            Self::Fixed(step) => Ok((1..=horizon).map(|i| last + step * i as f64).collect()),
            Self::MonthStart(n) => {
                let dt = DateTime::from_timestamp_millis(last as i64)
                    .ok_or_else(|| anyhow!("last timestamp out of range"))?;
                let first = NaiveDate::from_ymd_opt(dt.year(), dt.month(), 1)
                    .ok_or_else(|| anyhow!("bad date"))?;
                (1..=horizon)
                    .map(|i| {
                        let d = first
                            .checked_add_months(Months::new(n * i as u32))
                            .ok_or_else(|| anyhow!("date out of range"))?;
                        let ms = d
                            .and_hms_opt(0, 0, 0)
                            .ok_or_else(|| anyhow!("bad date"))?
                            .and_utc()
                            .timestamp_millis();
                        Ok(ms as f64)
                    })
                    .collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warns_when_the_fit_did_not_converge() {
        let ts: Vec<f64> = (0..300).map(|i| f64::from(i) * 3_600_000.0).collect();
        let ys: Vec<f64> = (0..300)
            .map(|i| {
                let noise = f64::from((i * 7919) % 101) / 101.0 - 0.5;
                (f64::from(i) / 24.0 * std::f64::consts::TAU).sin() + f64::from(i) * 0.01 + noise
            })
            .collect();
        let series = Series::new(&ts, &ys).unwrap();
        let converged = ProphetModel::fit(&series, &ForecastOptions::default()).unwrap();
        assert_eq!(convergence_warning(&converged), None);
        let options: ForecastOptions = serde_json::from_str(r#"{"optimize":{"iter":2}}"#).unwrap();
        let stopped = ProphetModel::fit(&series, &options).unwrap();
        let warning = convergence_warning(&stopped).expect("a warning");
        assert!(warning.contains("did not converge"), "{warning}");
    }

    #[test]
    fn parses_pandas_frequencies() {
        assert_eq!(Step::parse("D").unwrap(), Step::Fixed(86_400_000.0));
        assert_eq!(Step::parse("5min").unwrap(), Step::Fixed(300_000.0));
        assert_eq!(Step::parse("MS").unwrap(), Step::MonthStart(1));
        assert!(Step::parse("0D").is_err());
        assert!(Step::parse("fortnight").is_err());
    }

    #[test]
    fn month_starts_follow_the_calendar() {
        // 1960-12-01 -> 1961-01-01, 1961-02-01.
        let last = table::parse_time_ms("1960-12-01").unwrap();
        let next = Step::MonthStart(1).after(last, 2).unwrap();
        assert_eq!(next[0], table::parse_time_ms("1961-01-01").unwrap());
        assert_eq!(next[1], table::parse_time_ms("1961-02-01").unwrap());
    }

    #[test]
    fn infers_month_starts_and_fixed_steps() {
        let months: Vec<f64> = ["1960-10-01", "1960-11-01", "1960-12-01"]
            .iter()
            .map(|d| table::parse_time_ms(d).unwrap())
            .collect();
        assert_eq!(Step::infer(&months).unwrap(), Step::MonthStart(1));
        assert_eq!(
            Step::infer(&[0.0, 300_000.0, 600_000.0]).unwrap(),
            Step::Fixed(300_000.0)
        );
    }

    #[test]
    fn refuses_absurd_horizons() {
        assert!(Step::Fixed(1.0).after(0.0, MAX_HORIZON + 1).is_err());
    }
}
