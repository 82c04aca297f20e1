//! Prediction from a fitted [`ProphetModel`] at any timestamps: point forecast, components
//! in Prophet's names, and uncertainty intervals sampled for the timestamps asked for only.

use std::collections::HashMap;

use augurs_prophet::{PredictionData, Predictions};
use foresight_kernel::merge_sort_by;

use super::columns::{to_seconds, ExtraColumns};
use super::fit::{model_error, ProphetModel, MAX_ABS_MS, MAX_PREDICT_TIMESTAMPS, MAX_SAMPLE_CELLS};
use super::options::{Growth, Mode};
use crate::error::{Error, Result};

/// One named component of a forecast, in y's units (multiplicative components are relative
/// factors, as in Prophet).
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name: String,
    pub values: Vec<f64>,
}

/// A forecast at the timestamps asked for, in the order they were given.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub ds: Vec<f64>,
    pub yhat: Vec<f64>,
    /// Interval edges; `None` when `uncertainty_samples` is 0.
    pub yhat_lower: Option<Vec<f64>>,
    pub yhat_upper: Option<Vec<f64>>,
    pub trend: Vec<f64>,
    /// Every seasonality, every holiday, `holidays` (their sum, when there are holidays),
    /// every extra regressor, `extra_regressors_additive` / `extra_regressors_multiplicative`
    /// (their sums by mode, when there is a regressor of that mode), `additive_terms` and
    /// `multiplicative_terms`, named as Prophet names them.
    pub components: Vec<Component>,
}

impl Forecast {
    pub fn component(&self, name: &str) -> Option<&[f64]> {
        self.components
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.values.as_slice())
    }
}

impl ProphetModel {
    /// Predicts at `timestamps` (ms UTC, any order, inside or beyond the history). Interval
    /// sampling runs only for these timestamps.
    pub fn predict(&self, timestamps: &[f64]) -> Result<Forecast> {
        self.predict_with(timestamps, &ExtraColumns::default(), true)
    }

    /// [`predict`](Self::predict) for a model with extra regressors or condition columns:
    /// `columns` must give every regressor's value at every timestamp
    /// ([`Error::MissingRegressorValue`] names the first one missing).
    pub fn predict_with_columns(
        &self,
        timestamps: &[f64],
        columns: &ExtraColumns,
    ) -> Result<Forecast> {
        self.predict_with(timestamps, columns, true)
    }

    /// [`predict_point`](Self::predict_point) with extra columns.
    pub fn predict_point_with_columns(
        &self,
        timestamps: &[f64],
        columns: &ExtraColumns,
    ) -> Result<Forecast> {
        self.predict_with(timestamps, columns, false)
    }

    /// Like [`predict`](Self::predict) without the uncertainty intervals (`yhat_lower` and
    /// `yhat_upper` are `None`): the expected value and components only, as in-sample
    /// explanations need, at a fraction of the cost (no sampling).
    pub fn predict_point(&self, timestamps: &[f64]) -> Result<Forecast> {
        self.predict_with(timestamps, &ExtraColumns::default(), false)
    }

    fn predict_with(
        &self,
        timestamps: &[f64],
        columns: &ExtraColumns,
        intervals: bool,
    ) -> Result<Forecast> {
        let n = timestamps.len();
        if n == 0 {
            return Err(Error::Empty);
        }
        if let Some(index) = timestamps
            .iter()
            .position(|t| !t.is_finite() || t.abs() > MAX_ABS_MS)
        {
            return Err(Error::NonFiniteTimestamp { index });
        }
        // Only a prediction with intervals draws samples.
        let samples = if intervals {
            self.uncertainty_samples
        } else {
            0
        };
        let max = MAX_SAMPLE_CELLS
            .checked_div(samples)
            .map_or(MAX_PREDICT_TIMESTAMPS, |m| m.min(MAX_PREDICT_TIMESTAMPS));
        if n > max {
            return Err(Error::TooManyTimestamps { requested: n, max });
        }
        // augurs-prophet returns rows sorted by time: predict in sorted order and put the
        // results back in the caller's order.
        let mut order: Vec<usize> = (0..n).collect();
        merge_sort_by(&mut order, |&a, &b| {
            timestamps[a].total_cmp(&timestamps[b]).is_le()
        });
        let ds: Vec<i64> = order.iter().map(|&i| to_seconds(timestamps[i])).collect();
        let data = self.prediction_data(&ds, columns)?;
        let p = self.prophet.predict(data).map_err(model_error)?;
        let unsort = |sorted: &[f64]| {
            let mut out = vec![f64::NAN; n];
            for (j, &i) in order.iter().enumerate() {
                out[i] = sorted[j];
            }
            out
        };

        let components = self.components(&p, &unsort);
        let (yhat_lower, yhat_upper) = match &self.intervals {
            _ if !intervals => (None, None),
            Some(model) => {
                let (lo, hi) =
                    model.intervals(&ds, &p.yhat.point, &p.trend.point, &p.multiplicative.point);
                (Some(unsort(&lo)), Some(unsort(&hi)))
            }
            None => (
                p.yhat.lower.as_deref().map(unsort),
                p.yhat.upper.as_deref().map(unsort),
            ),
        };
        let forecast = Forecast {
            ds: timestamps.to_vec(),
            yhat: unsort(&p.yhat.point),
            yhat_lower,
            yhat_upper,
            trend: unsort(&p.trend.point),
            components,
        };
        if forecast.yhat.iter().any(|v| !v.is_finite()) {
            return Err(Error::Optimization(
                "the model produced a non-finite forecast".into(),
            ));
        }
        Ok(forecast)
    }

    /// augurs-prophet's prediction input at `ds` (seconds, sorted): cap and floor, the
    /// regressors standardised as in the fit, the condition columns.
    fn prediction_data(&self, ds: &[i64], columns: &ExtraColumns) -> Result<PredictionData> {
        let n = ds.len();
        let mut data = PredictionData::new(ds.to_vec());
        if self.options.growth == Growth::Logistic {
            let cap = self.options.cap.ok_or(Error::MissingCap)?;
            data = data.with_cap(vec![cap; n]).map_err(model_error)?;
            if let Some(floor) = self.options.floor {
                data = data.with_floor(vec![floor; n]).map_err(model_error)?;
            }
        }
        if !self.regressors.is_empty() {
            let mut x = HashMap::with_capacity(self.regressors.len());
            for r in &self.regressors {
                let mut values = columns.regressor_at(&r.name, ds)?;
                values.iter_mut().for_each(|v| *v = (*v - r.mu) / r.std);
                x.insert(r.name.clone(), values);
            }
            data = data.with_regressors(x).map_err(model_error)?;
        }
        let mut conditions = HashMap::new();
        for s in &self.seasonalities {
            if let Some(name) = &s.condition_name {
                if !conditions.contains_key(name) {
                    conditions.insert(name.clone(), columns.condition_at(name, ds)?);
                }
            }
        }
        if !conditions.is_empty() {
            data = data
                .with_seasonality_conditions(conditions)
                .map_err(model_error)?;
        }
        Ok(data)
    }

    /// The forecast's named components, Prophet's names and order, each put back in the
    /// caller's order by `unsort`.
    fn components(&self, p: &Predictions, unsort: &impl Fn(&[f64]) -> Vec<f64>) -> Vec<Component> {
        let n = p.yhat.point.len();
        let mut components = Vec::new();
        for s in &self.seasonalities {
            if let Some(f) = p.seasonalities.get(&s.name) {
                components.push(Component {
                    name: s.name.clone(),
                    values: unsort(&f.point),
                });
            }
        }
        if !self.holiday_groups.is_empty() {
            let mut total = vec![0.0; n];
            for (name, parts) in &self.holiday_groups {
                let mut sum = vec![0.0; n];
                for part in parts {
                    if let Some(f) = p.holidays.get(part) {
                        sum.iter_mut().zip(&f.point).for_each(|(a, b)| *a += b);
                    }
                }
                total.iter_mut().zip(&sum).for_each(|(a, b)| *a += b);
                components.push(Component {
                    name: name.clone(),
                    values: unsort(&sum),
                });
            }
            components.push(Component {
                name: "holidays".into(),
                values: unsort(&total),
            });
        }
        for mode in [Mode::Additive, Mode::Multiplicative] {
            let mut total = vec![0.0; n];
            let mut any = false;
            for r in self.regressors.iter().filter(|r| r.mode == mode) {
                if let Some(f) = p.regressors.get(&r.name) {
                    total.iter_mut().zip(&f.point).for_each(|(a, b)| *a += b);
                    components.push(Component {
                        name: r.name.clone(),
                        values: unsort(&f.point),
                    });
                    any = true;
                }
            }
            if any {
                let name = match mode {
                    Mode::Additive => "extra_regressors_additive",
                    Mode::Multiplicative => "extra_regressors_multiplicative",
                };
                components.push(Component {
                    name: name.into(),
                    values: unsort(&total),
                });
            }
        }
        components.push(Component {
            name: "additive_terms".into(),
            values: unsort(&p.additive.point),
        });
        components.push(Component {
            name: "multiplicative_terms".into(),
            values: unsort(&p.multiplicative.point),
        });
        components
    }
}
