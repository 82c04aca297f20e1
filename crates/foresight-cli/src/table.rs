//! CSV in and out: the only place the CLI knows about files and time formats.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use chrono::{NaiveDate, NaiveDateTime};

const TIME_COLUMNS: [&str; 3] = ["ds", "timestamp", "time"];
const VALUE_COLUMNS: [&str; 3] = ["y", "value", "values"];

/// Reads a `time,value` CSV. Times may be ms or s since the epoch, or dates/datetimes (UTC).
/// Empty or non-numeric values become NaN gaps.
pub fn read_series(path: &Path) -> Result<(Vec<f64>, Vec<f64>)> {
    let (raw_times, vs) = read_raw(path)?;
    let ts = raw_times
        .iter()
        .enumerate()
        .map(|(row, raw)| {
            parse_time_ms(raw)
                .with_context(|| format!("{} row {}: bad time {raw:?}", path.display(), row + 2))
        })
        .collect::<Result<_>>()?;
    Ok((ts, vs))
}

/// Reads a `time,value` CSV keeping the times as written (NAB's scorer matches rows on
/// them); empty or non-numeric values become NaN gaps.
pub fn read_raw(path: &Path) -> Result<(Vec<String>, Vec<f64>)> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.trim()))
            .ok_or_else(|| {
                anyhow!(
                    "{}: no column named {} (found: {:?})",
                    path.display(),
                    names.join(" or "),
                    headers
                )
            })
    };
    let (ti, vi) = (find(&TIME_COLUMNS)?, find(&VALUE_COLUMNS)?);
    let (mut ts, mut vs) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record?;
        ts.push(record.get(ti).unwrap_or("").to_string());
        vs.push(
            record
                .get(vi)
                .and_then(|v| v.trim().parse::<f64>().ok())
                .unwrap_or(f64::NAN),
        );
    }
    Ok((ts, vs))
}

/// Reads the time column and the named numeric columns of a CSV (empty or non-numeric cells
/// become NaN): the extra columns of a Prophet case (regressors, 1/0 conditions).
pub fn read_named_columns(path: &Path, names: &[&str]) -> Result<(Vec<f64>, Vec<Vec<f64>>)> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read {}", path.display()))?;
    let headers = reader.headers()?.clone();
    let find = |wanted: &[&str]| {
        headers
            .iter()
            .position(|h| wanted.contains(&h.trim()))
            .ok_or_else(|| {
                anyhow!(
                    "{}: no column named {}",
                    path.display(),
                    wanted.join(" or ")
                )
            })
    };
    let ti = find(&TIME_COLUMNS)?;
    let indices: Vec<usize> = names.iter().map(|n| find(&[n])).collect::<Result<_>>()?;
    let (mut ts, mut cols) = (Vec::new(), vec![Vec::new(); names.len()]);
    for (row, record) in reader.records().enumerate() {
        let record = record?;
        let raw = record.get(ti).unwrap_or("");
        ts.push(
            parse_time_ms(raw)
                .with_context(|| format!("{} row {}: bad time {raw:?}", path.display(), row + 2))?,
        );
        for (col, &i) in cols.iter_mut().zip(&indices) {
            col.push(
                record
                    .get(i)
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .unwrap_or(f64::NAN),
            );
        }
    }
    Ok((ts, cols))
}

/// Milliseconds since the epoch from a number (values below 1e11 are taken as seconds) or an
/// ISO-like date / datetime without zone (taken as UTC).
pub fn parse_time_ms(raw: &str) -> Result<f64> {
    let s = raw.trim();
    if let Ok(n) = s.parse::<f64>() {
        return Ok(if n.abs() < 1e11 { n * 1000.0 } else { n });
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%SZ",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(dt.and_utc().timestamp_millis() as f64);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let dt = d
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| anyhow!("invalid date"))?;
        return Ok(dt.and_utc().timestamp_millis() as f64);
    }
    bail!("not a number or a date")
}

/// The CSV files of a NAB-layout folder (`DIR/<category>/<file>.csv`), sorted.
pub fn nab_files(data: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files = Vec::new();
    for category in
        std::fs::read_dir(data).with_context(|| format!("cannot list {}", data.display()))?
    {
        let category = category?.path();
        if !category.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&category)? {
            let file = file?.path();
            if file.extension().is_some_and(|e| e == "csv") {
                files.push(file);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Writes equal-length columns as CSV; NaN is written as an empty cell.
pub fn write_columns(out: Option<&Path>, columns: &[(&str, &[f64])]) -> Result<()> {
    let sink: Box<dyn Write> = match out {
        Some(p) => Box::new(
            std::fs::File::create(p).with_context(|| format!("cannot write {}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(columns.iter().map(|(name, _)| *name))?;
    let rows = columns.first().map_or(0, |(_, c)| c.len());
    for i in 0..rows {
        w.write_record(columns.iter().map(|(_, c)| {
            if c[i].is_nan() {
                String::new()
            } else {
                c[i].to_string()
            }
        }))?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_dates() {
        assert_eq!(parse_time_ms("1700000000").unwrap(), 1.7e12);
        assert_eq!(parse_time_ms("1700000000000").unwrap(), 1.7e12);
        assert_eq!(parse_time_ms("1970-01-02").unwrap(), 86_400_000.0);
        assert_eq!(parse_time_ms("1970-01-01 00:01:00").unwrap(), 60_000.0);
        assert_eq!(
            parse_time_ms("1970-01-01 00:01:00.000000").unwrap(),
            60_000.0
        );
        assert!(parse_time_ms("yesterday").is_err());
    }
}
