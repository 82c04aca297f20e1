//! The extra columns of Prophet's data frame: values of extra regressors and the boolean
//! condition columns of conditional seasonalities, given by time so that the caller need not
//! align them with the series' rows (the series is sorted and de-duplicated on the way in).

use crate::by_name::ByName;
use crate::error::{Error, Result};
use foresight_kernel::merge_sort_by;

/// Conditions the engine derives from the time itself when the data do not give them:
/// `weekday` (Monday to Friday, UTC) and `weekend` (Saturday and Sunday, UTC).
pub const BUILTIN_CONDITIONS: [&str; 2] = ["weekday", "weekend"];

/// Values of regressors and conditions by time (whole seconds, as the model's time axis:
/// timestamps less than a second apart are the same row, the later one given wins).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExtraColumns {
    regressors: ByName<Vec<(i64, f64)>>,
    conditions: ByName<Vec<(i64, bool)>>,
}

pub(crate) fn to_seconds(ms: f64) -> i64 {
    (ms / 1000.0).round() as i64
}

/// Rows sorted by time, duplicates resolved to the last one given.
fn keyed<T: Copy>(name: &str, timestamps: &[f64], values: &[T]) -> Result<Vec<(i64, T)>> {
    if timestamps.len() != values.len() {
        return Err(Error::LengthMismatch {
            timestamps: timestamps.len(),
            values: values.len(),
        });
    }
    if let Some(index) = timestamps
        .iter()
        .position(|t| !t.is_finite() || t.abs() > 8.64e15)
    {
        return Err(Error::NonFiniteTimestamp { index });
    }
    if name.is_empty() {
        return Err(Error::InvalidOption {
            name: "regressors",
            reason: "every extra column needs a name".into(),
        });
    }
    let mut order: Vec<usize> = (0..timestamps.len()).collect();
    merge_sort_by(&mut order, |&a, &b| {
        timestamps[a].total_cmp(&timestamps[b]).is_le()
    });
    let mut rows: Vec<(i64, T)> = Vec::with_capacity(order.len());
    for i in order {
        let s = to_seconds(timestamps[i]);
        match rows.last_mut() {
            Some(last) if last.0 == s => last.1 = values[i],
            _ => rows.push((s, values[i])),
        }
    }
    Ok(rows)
}

fn lookup<T: Copy>(rows: &[(i64, T)], s: i64) -> Option<T> {
    rows.binary_search_by_key(&s, |r| r.0)
        .ok()
        .map(|i| rows[i].1)
}

impl ExtraColumns {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) the values of regressor `name` at `timestamps` (ms UTC). NaN or
    /// infinite values count as missing.
    pub fn with_regressor(
        mut self,
        name: impl Into<String>,
        timestamps: &[f64],
        values: &[f64],
    ) -> Result<Self> {
        let name = name.into();
        let rows = keyed(&name, timestamps, values)?;
        self.regressors.insert(name, rows);
        Ok(self)
    }

    /// Adds (or replaces) condition column `name` at `timestamps` (ms UTC).
    pub fn with_condition(
        mut self,
        name: impl Into<String>,
        timestamps: &[f64],
        values: &[bool],
    ) -> Result<Self> {
        let name = name.into();
        let rows = keyed(&name, timestamps, values)?;
        self.conditions.insert(name, rows);
        Ok(self)
    }

    pub fn is_empty(&self) -> bool {
        self.regressors.is_empty() && self.conditions.is_empty()
    }

    pub fn regressor_names(&self) -> impl Iterator<Item = &str> {
        self.regressors.iter().map(|(name, _)| name)
    }

    /// The values of regressor `name` at `seconds`: an error names the first time without a
    /// finite value.
    pub(crate) fn regressor_at(&self, name: &str, seconds: &[i64]) -> Result<Vec<f64>> {
        let rows = self
            .regressors
            .get(name)
            .ok_or_else(|| Error::MissingColumn {
                name: name.to_string(),
                what: "an extra regressor",
            })?;
        seconds
            .iter()
            .map(|&s| {
                lookup(rows, s).filter(|v| v.is_finite()).ok_or_else(|| {
                    Error::MissingRegressorValue {
                        name: name.to_string(),
                        timestamp: s as f64 * 1000.0,
                    }
                })
            })
            .collect()
    }

    /// Condition `name` at `seconds`: from the data when given (an error names the first
    /// time it does not cover), else a built-in condition of the time.
    pub(crate) fn condition_at(&self, name: &str, seconds: &[i64]) -> Result<Vec<bool>> {
        if let Some(rows) = self.conditions.get(name) {
            return seconds
                .iter()
                .map(|&s| {
                    lookup(rows, s).ok_or_else(|| Error::MissingConditionValue {
                        name: name.to_string(),
                        timestamp: s as f64 * 1000.0,
                    })
                })
                .collect();
        }
        let weekend = |s: i64| {
            // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
            (s.div_euclid(86_400) + 3).rem_euclid(7) >= 5
        };
        match name {
            "weekday" => Ok(seconds.iter().map(|&s| !weekend(s)).collect()),
            "weekend" => Ok(seconds.iter().map(|&s| weekend(s)).collect()),
            _ => Err(Error::MissingColumn {
                name: name.to_string(),
                what: "a seasonality condition",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_time_whatever_the_order() {
        let c = ExtraColumns::new()
            .with_regressor(
                "x",
                &[3000.0, 1000.0, 2000.0, 1000.4],
                &[3.0, 1.0, 2.0, 9.0],
            )
            .unwrap();
        // 1000.4 ms rounds to the same second as 1000 ms and was given later: it wins.
        assert_eq!(
            c.regressor_at("x", &[1, 2, 3]).unwrap(),
            vec![9.0, 2.0, 3.0]
        );
        assert!(matches!(
            c.regressor_at("x", &[4]),
            Err(Error::MissingRegressorValue { timestamp, .. }) if timestamp == 4000.0
        ));
        assert!(matches!(
            c.regressor_at("y", &[1]),
            Err(Error::MissingColumn { .. })
        ));
        let gap = ExtraColumns::new()
            .with_regressor("x", &[0.0], &[f64::NAN])
            .unwrap();
        assert!(gap.regressor_at("x", &[0]).is_err());
        assert!(ExtraColumns::new()
            .with_regressor("x", &[0.0, 1.0], &[1.0])
            .is_err());
    }

    #[test]
    fn weekday_and_weekend_come_from_the_utc_day() {
        let c = ExtraColumns::new();
        // 2024-01-05 is a Friday, 2024-01-06 a Saturday, 2024-01-07 a Sunday, then Monday.
        let days: Vec<i64> = (0..4).map(|d| 1_704_412_800 + d * 86_400 + 3_600).collect();
        assert_eq!(
            c.condition_at("weekend", &days).unwrap(),
            vec![false, true, true, false]
        );
        assert_eq!(
            c.condition_at("weekday", &days).unwrap(),
            vec![true, false, false, true]
        );
        assert!(c.condition_at("on_season", &days).is_err());
        let given = c.with_condition("weekend", &[1_704_412_800_000.0 + 3_600_000.0], &[true]);
        let given = given.unwrap();
        assert_eq!(
            given.condition_at("weekend", &days[..1]).unwrap(),
            vec![true]
        );
        assert!(matches!(
            given.condition_at("weekend", &days[..2]),
            Err(Error::MissingConditionValue { .. })
        ));
    }
}
