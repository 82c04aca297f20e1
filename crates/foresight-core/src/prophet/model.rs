//! Fit Prophet on a [`Series`] and predict at any timestamps.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroU32;

use augurs_prophet::{
    optimizer::OptimizeOpts, FeatureMode, GrowthType, Holiday, HolidayOccurrence, IntervalWidth,
    OptProphetOptions, PositiveFloat, PredictionData, Prophet, Regressor, Seasonality,
    SeasonalityOption, TrainingData,
};

use super::columns::{to_seconds, ExtraColumns};
use super::optimizer::{Engine, FitReport, LbfgsOptimizer, ProphetParams};
use super::options::{
    invalid, ForecastOptions, Growth, Mode, Scaling, SeasonalitySetting, Standardize,
};
use crate::error::{Error, Result};
use crate::series::Series;
use foresight_kernel::uncertainty::{IntervalModel, LogisticEnd};
use foresight_kernel::{fingerprint, fourier_fingerprints, merge_sort_by};

const DAY_MS: f64 = 86_400_000.0;
/// Largest Fourier order accepted: beyond it the features alias each other on any sampling
/// a browser can hold, and the design matrix grows by two columns per order.
pub const MAX_FOURIER_ORDER: u32 = 100;
/// Largest design matrix (rows x feature columns) a fit may build.
pub const MAX_DESIGN_CELLS: usize = 50_000_000;
/// Most training points a fit takes: memory and time grow with them (docs/options.md, limits).
pub const MAX_FIT_POINTS: usize = 100_000;
/// Largest `timestamps x uncertainty_samples` one prediction may simulate, and the largest
/// number of timestamps without uncertainty.
pub const MAX_SAMPLE_CELLS: usize = 25_000_000;
pub const MAX_PREDICT_TIMESTAMPS: usize = 5_000_000;
/// Times must lie within JavaScript's Date range (±8.64e15 ms).
const MAX_ABS_MS: f64 = 8.64e15;

/// A seasonality as the fitted model uses it (Prophet's `m.seasonalities`).
#[derive(Debug, Clone, PartialEq)]
pub struct SeasonalityInfo {
    pub name: String,
    /// Period in days.
    pub period: f64,
    pub fourier_order: u32,
    pub prior_scale: f64,
    pub mode: Mode,
    /// The condition column it depends on (Prophet's `condition_name`), if any.
    pub condition_name: Option<String>,
}

/// An extra regressor as the fitted model uses it (Prophet's `m.extra_regressors`): its
/// values enter the model as `(x - mu) / std`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegressorInfo {
    pub name: String,
    pub prior_scale: f64,
    pub mode: Mode,
    /// Whether it was standardised (then `mu` and `std` are the training rows' mean and
    /// sample standard deviation, as Prophet computes them; otherwise 0 and 1).
    pub standardize: bool,
    pub mu: f64,
    pub std: f64,
}

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

/// A fitted Prophet model.
#[derive(Debug)]
pub struct ProphetModel {
    prophet: Prophet<LbfgsOptimizer>,
    options: ForecastOptions,
    seasonalities: Vec<SeasonalityInfo>,
    regressors: Vec<RegressorInfo>,
    changepoints: Vec<f64>,
    /// Original holiday name -> internal per-day-offset names (one feature each, as Prophet).
    holiday_groups: BTreeMap<String, Vec<String>>,
    uncertainty_samples: usize,
    /// Our interval computation; `None` when intervals are off (no samples).
    intervals: Option<IntervalModel>,
    report: FitReport,
}

fn positive(name: &'static str, value: f64) -> Result<PositiveFloat> {
    PositiveFloat::try_from(value)
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| invalid(name, format!("must be a finite number > 0, got {value}")))
}

fn feature_mode(mode: Mode) -> FeatureMode {
    match mode {
        Mode::Additive => FeatureMode::Additive,
        Mode::Multiplicative => FeatureMode::Multiplicative,
    }
}

fn model_error(e: augurs_prophet::Error) -> Error {
    Error::Model(e.to_string())
}

impl ProphetModel {
    /// Fits Prophet to the finite values of `series` (NaN gaps are left out).
    pub fn fit(series: &Series, options: &ForecastOptions) -> Result<Self> {
        Self::fit_with_columns(series, options, &ExtraColumns::default())
    }

    /// [`ProphetModel::fit`] with the values of the extra regressors and the condition
    /// columns the options name (Prophet's extra data-frame columns). Every training row
    /// needs a value of every regressor.
    pub fn fit_with_columns(
        series: &Series,
        options: &ForecastOptions,
        columns: &ExtraColumns,
    ) -> Result<Self> {
        let engine = if options.optimize.sufficient_statistics {
            Engine::ArgminSufficientStats
        } else {
            Engine::default()
        };
        Self::build(series, options, columns, engine, None)
    }

    /// [`ProphetModel::fit`] with a chosen L-BFGS implementation (for comparisons and
    /// benchmarks; the default engine is the one to use).
    #[cfg(feature = "experiments")]
    pub fn fit_with_engine(
        series: &Series,
        options: &ForecastOptions,
        engine: Engine,
    ) -> Result<Self> {
        Self::build(series, options, &ExtraColumns::default(), engine, None)
    }

    /// [`ProphetModel::fit_with_columns`] with a chosen L-BFGS implementation.
    #[cfg(feature = "experiments")]
    pub fn fit_with_columns_and_engine(
        series: &Series,
        options: &ForecastOptions,
        columns: &ExtraColumns,
        engine: Engine,
    ) -> Result<Self> {
        Self::build(series, options, columns, engine, None)
    }

    /// The model Prophet would have with `params` (Python Prophet's `m.params`, on its scaled
    /// axes) instead of fitting: its [`FitReport::objective`] is our negative log posterior at
    /// those parameters and its predictions are Prophet's for them. For parity checks (the
    /// fuzzer compares objectives at Stan's optimum and ours).
    pub fn from_params(
        series: &Series,
        options: &ForecastOptions,
        params: &ProphetParams,
    ) -> Result<Self> {
        Self::build(
            series,
            options,
            &ExtraColumns::default(),
            Engine::default(),
            Some(params.clone()),
        )
    }

    fn build(
        series: &Series,
        options: &ForecastOptions,
        columns: &ExtraColumns,
        engine: Engine,
        probe: Option<ProphetParams>,
    ) -> Result<Self> {
        super::names::check_names(options)?;
        // Whole seconds: augurs-prophet's time axis. Rounding can merge two samples less than
        // a second apart; the later one wins, as in `Series::new`.
        let mut ds: Vec<i64> = Vec::with_capacity(series.len());
        let mut y: Vec<f64> = Vec::with_capacity(series.len());
        for (&t, &v) in series.timestamps().iter().zip(series.values()) {
            if !v.is_finite() {
                continue;
            }
            if t.abs() > MAX_ABS_MS {
                return Err(invalid("ds", format!("timestamp {t} ms is out of range")));
            }
            let s = to_seconds(t);
            if ds.last() == Some(&s) {
                *y.last_mut().expect("same length") = v;
            } else {
                ds.push(s);
                y.push(v);
            }
        }
        if ds.len() > MAX_FIT_POINTS {
            return Err(Error::TooManyPoints {
                points: ds.len(),
                max: MAX_FIT_POINTS,
            });
        }
        if ds.len() < 2 {
            return Err(Error::TooFewPoints {
                needed: 2,
                got: ds.len(),
            });
        }
        let n = ds.len();
        let first_ms = ds[0] as f64 * 1000.0;
        let last_ms = ds[n - 1] as f64 * 1000.0;
        let range_days = (last_ms - first_ms) / DAY_MS;
        let min_diff_days = ds
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / 86_400.0)
            .fold(f64::INFINITY, f64::min);

        let mut opts = OptProphetOptions {
            growth: Some(match options.growth {
                Growth::Linear => GrowthType::Linear,
                Growth::Logistic => GrowthType::Logistic,
                Growth::Flat => GrowthType::Flat,
            }),
            yearly_seasonality: Some(SeasonalityOption::Manual(false)),
            weekly_seasonality: Some(SeasonalityOption::Manual(false)),
            daily_seasonality: Some(SeasonalityOption::Manual(false)),
            seasonality_mode: Some(feature_mode(options.seasonality_mode)),
            scaling: Some(match options.scaling {
                Scaling::Absmax => augurs_prophet::Scaling::AbsMax,
                Scaling::Minmax => augurs_prophet::Scaling::MinMax,
            }),
            holidays_mode: options.holidays_mode.map(feature_mode),
            ..Default::default()
        };
        let seasonality_prior_scale = options.seasonality_prior_scale.unwrap_or(10.0);
        opts.seasonality_prior_scale = Some(positive(
            "seasonality_prior_scale",
            seasonality_prior_scale,
        )?);
        if let Some(v) = options.changepoint_prior_scale {
            opts.changepoint_prior_scale = Some(positive("changepoint_prior_scale", v)?);
        }
        if let Some(v) = options.holidays_prior_scale {
            opts.holidays_prior_scale = Some(positive("holidays_prior_scale", v)?);
        }
        if let Some(v) = options.interval_width {
            if !(v > 0.0 && v < 1.0) {
                return Err(invalid(
                    "interval_width",
                    format!("must be in (0, 1), got {v}"),
                ));
            }
            opts.interval_width = Some(IntervalWidth::try_new(v).map_err(model_error)?);
        }
        let uncertainty_samples = options.uncertainty_samples.unwrap_or(1000);
        // Intervals are computed here, for the timestamps asked for only (uncertainty.rs).
        opts.uncertainty_samples = Some(0);

        // Changepoints: explicit ones must lie inside the history; automatic ones need at
        // least one point in the changepoint range.
        let changepoint_range = options.changepoint_range.unwrap_or(0.8);
        if !(changepoint_range > 0.0 && changepoint_range <= 1.0) {
            return Err(invalid(
                "changepoint_range",
                format!("must be in (0, 1], got {changepoint_range}"),
            ));
        }
        opts.changepoint_range = Some(positive("changepoint_range", changepoint_range)?);
        if let Some(cps) = &options.changepoints {
            let mut secs = Vec::with_capacity(cps.len());
            for cp in cps {
                let ms = cp.to_millis()?;
                if ms < first_ms || ms > last_ms {
                    return Err(invalid(
                        "changepoints",
                        "every changepoint must lie within the training data",
                    ));
                }
                secs.push(to_seconds(ms));
            }
            secs.sort_unstable();
            secs.dedup();
            opts.changepoints = Some(secs);
        } else {
            let hist_size = (n as f64 * changepoint_range).floor() as usize;
            if hist_size < 1 {
                return Err(invalid(
                    "changepoint_range",
                    format!("{changepoint_range} of {n} points leaves no history for changepoints"),
                ));
            }
            opts.n_changepoints = options.n_changepoints.or(Some(25));
        }

        let (y_lo, y_hi) = y
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let mut training = TrainingData::new(ds.clone(), y).map_err(model_error)?;
        if options.growth == Growth::Logistic {
            let cap = options.cap.ok_or(Error::MissingCap)?;
            let floor = options.floor.unwrap_or(0.0);
            if !cap.is_finite() || !floor.is_finite() {
                return Err(invalid("cap", "cap and floor must be finite"));
            }
            if cap <= floor {
                return Err(Error::CapNotAboveFloor { cap, floor });
            }
            training = training.with_cap(vec![cap; n]).map_err(model_error)?;
            if options.floor.is_some() {
                training = training.with_floor(vec![floor; n]).map_err(model_error)?;
            }
        }

        let seasonalities =
            resolve_seasonalities(options, range_days, min_diff_days, seasonality_prior_scale)?;
        let conditions = resolve_conditions(&seasonalities, columns, &ds)?;
        let (regressors, regressor_values) = resolve_regressors(options, columns, &ds)?;
        let holiday_cols: usize = options
            .holidays
            .iter()
            .map(|h| {
                (i64::from(h.upper_window) - i64::from(h.lower_window) + 1).clamp(0, 3661) as usize
            })
            .sum();
        let n_features: usize = seasonalities
            .iter()
            .map(|s| 2 * s.fourier_order as usize)
            .sum::<usize>()
            + holiday_cols
            + regressors.len();
        if n.saturating_mul(n_features.max(1)) > MAX_DESIGN_CELLS {
            return Err(Error::ModelTooLarge {
                rows: n,
                columns: n_features,
                max_cells: MAX_DESIGN_CELLS,
            });
        }
        let (holidays, holiday_groups, holiday_days) = build_holidays(options)?;
        opts.holidays = Some(holidays);

        let optimizer = LbfgsOptimizer::with_engine(engine);
        optimizer.set_probe(probe);
        optimizer.set_column_hint(Some(prophet_column_order(
            &ds,
            &seasonalities,
            &conditions,
            &holiday_days,
            &regressor_values,
        )));
        let mut prophet = Prophet::new(opts.into(), optimizer.clone());
        for s in &seasonalities {
            let mut season = Seasonality::new(
                positive("period", s.period)?,
                NonZeroU32::new(s.fourier_order).expect("resolved orders are > 0"),
            )
            .with_prior_scale(positive("prior_scale", s.prior_scale)?);
            season = season.with_mode(feature_mode(s.mode));
            if let Some(condition) = &s.condition_name {
                season = season.with_condition(condition.clone());
            }
            prophet
                .add_seasonality(s.name.clone(), season)
                .map_err(model_error)?;
        }
        // Standardised here rather than by augurs-prophet, which standardises with the mean
        // and population deviation of the distinct values and ignores `standardize: true`:
        // Prophet uses the rows' mean and sample deviation.
        for r in &regressors {
            let regressor = match r.mode {
                Mode::Additive => Regressor::additive(),
                Mode::Multiplicative => Regressor::multiplicative(),
            };
            prophet.add_regressor(
                r.name.clone(),
                regressor
                    .with_prior_scale(positive("prior_scale", r.prior_scale)?)
                    .with_standardize(augurs_prophet::Standardize::No),
            );
        }
        if !regressors.is_empty() {
            let x = regressors
                .iter()
                .zip(regressor_values)
                .map(|(r, v)| (r.name.clone(), v))
                .collect();
            training = training.with_regressors(x).map_err(model_error)?;
        }
        if !conditions.is_empty() {
            training = training
                .with_seasonality_conditions(conditions.into_iter().collect())
                .map_err(model_error)?;
        }
        let mut fit_opts = OptimizeOpts::default();
        if let Some(v) = options.optimize.tol_rel_obj {
            fit_opts.tol_rel_obj = Some(*positive("optimize.tol_rel_obj", v)?);
        }
        if let Some(v) = options.optimize.iter {
            if v == 0 {
                return Err(invalid("optimize.iter", "must be at least 1"));
            }
            fit_opts.iter = Some(v);
        }
        prophet
            .fit(training, fit_opts)
            .map_err(|e| Error::Optimization(e.to_string()))?;
        let report = optimizer
            .last_report()
            .ok_or_else(|| Error::Optimization("the optimiser did not run".into()))?;
        // augurs-prophet, like Prophet, fits with a dummy changepoint at t = 0 when there are
        // none; only real ones are reported.
        let changepoints = if report.t_change == [0.0] {
            Vec::new()
        } else {
            report
                .t_change
                .iter()
                .map(|t| (first_ms + t * (last_ms - first_ms)).round())
                .collect()
        };
        let intervals = match optimizer.last_state() {
            Some(state) if uncertainty_samples > 0 => {
                // augurs-prophet's y_scale: y maps affinely onto the scaled y it fitted.
                let y_scale = if state.y_max > state.y_min && y_hi > y_lo {
                    (y_hi - y_lo) / (state.y_max - state.y_min)
                } else {
                    1.0
                };
                let mean_abs_delta = if state.delta.is_empty() {
                    0.0
                } else {
                    state.delta.iter().map(|d| d.abs()).sum::<f64>() / state.delta.len() as f64
                };
                Some(IntervalModel {
                    n_changepoints: report.t_change.len(),
                    delta_scale: mean_abs_delta + 1e-8,
                    sigma_y: state.sigma_obs * y_scale,
                    y_scale,
                    start_s: ds[0] as f64,
                    t_scale_s: ((ds[n - 1] - ds[0]) as f64).max(1.0),
                    flat: options.growth == Growth::Flat,
                    logistic: (options.growth == Growth::Logistic).then(|| {
                        let floor = options.floor.unwrap_or(0.0);
                        let cap = options.cap.unwrap_or(floor + y_scale);
                        LogisticEnd::new(
                            state.k,
                            state.m,
                            &state.delta,
                            &report.t_change,
                            (cap - floor) / y_scale,
                            floor,
                        )
                    }),
                    samples: uncertainty_samples as usize,
                    interval_width: options.interval_width.unwrap_or(0.8),
                })
            }
            _ => None,
        };
        Ok(Self {
            prophet,
            options: options.clone(),
            seasonalities,
            regressors,
            changepoints,
            holiday_groups,
            uncertainty_samples: uncertainty_samples as usize,
            intervals,
            report,
        })
    }

    /// The seasonalities the model uses (automatic ones resolved as Prophet does).
    pub fn seasonalities(&self) -> &[SeasonalityInfo] {
        &self.seasonalities
    }

    /// The extra regressors, in the order the options list them.
    pub fn regressors(&self) -> &[RegressorInfo] {
        &self.regressors
    }

    /// Changepoint times in ms.
    pub fn changepoints(&self) -> &[f64] {
        &self.changepoints
    }

    /// How the optimiser ran (iterations, objective, convergence).
    pub fn fit_report(&self) -> &FitReport {
        &self.report
    }

    pub fn options(&self) -> &ForecastOptions {
        &self.options
    }

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
        let mut data = PredictionData::new(ds.clone());
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
                let mut values = columns.regressor_at(&r.name, &ds)?;
                values.iter_mut().for_each(|v| *v = (*v - r.mu) / r.std);
                x.insert(r.name.clone(), values);
            }
            data = data.with_regressors(x).map_err(model_error)?;
        }
        let mut conditions = HashMap::new();
        for s in &self.seasonalities {
            if let Some(name) = &s.condition_name {
                if !conditions.contains_key(name) {
                    conditions.insert(name.clone(), columns.condition_at(name, &ds)?);
                }
            }
        }
        if !conditions.is_empty() {
            data = data
                .with_seasonality_conditions(conditions)
                .map_err(model_error)?;
        }
        let p = self.prophet.predict(data).map_err(model_error)?;
        let unsort = |sorted: &[f64]| {
            let mut out = vec![f64::NAN; n];
            for (j, &i) in order.iter().enumerate() {
                out[i] = sorted[j];
            }
            out
        };

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
}

/// Prophet's rules for `"auto"`: yearly with two years of history; weekly with two weeks and
/// samples closer than a week; daily with two days and samples closer than a day. A custom
/// seasonality of the same name replaces an automatic one.
fn resolve_seasonalities(
    options: &ForecastOptions,
    range_days: f64,
    min_diff_days: f64,
    default_prior_scale: f64,
) -> Result<Vec<SeasonalityInfo>> {
    let mut out: Vec<SeasonalityInfo> = Vec::new();
    for s in &options.seasonalities {
        if s.name.is_empty() || out.iter().any(|o| o.name == s.name) {
            return Err(invalid(
                "seasonalities",
                format!(
                    "seasonality names must be unique and non-empty ({:?})",
                    s.name
                ),
            ));
        }
        if s.fourier_order == 0 || s.fourier_order > MAX_FOURIER_ORDER {
            return Err(invalid(
                "fourier_order",
                format!(
                    "seasonality {:?}: must be between 1 and {MAX_FOURIER_ORDER}, got {}",
                    s.name, s.fourier_order
                ),
            ));
        }
        if !(s.period.is_finite() && s.period > 0.0) {
            return Err(invalid(
                "period",
                format!("must be > 0 days, got {}", s.period),
            ));
        }
        out.push(SeasonalityInfo {
            name: s.name.clone(),
            period: s.period,
            fourier_order: s.fourier_order,
            prior_scale: s.prior_scale.unwrap_or(default_prior_scale),
            mode: s.mode.unwrap_or(options.seasonality_mode),
            condition_name: s.condition_name.clone(),
        });
    }
    let builtins = [
        (
            "yearly",
            options.yearly_seasonality,
            365.25,
            10,
            range_days < 730.0,
        ),
        (
            "weekly",
            options.weekly_seasonality,
            7.0,
            3,
            range_days < 14.0 || min_diff_days >= 7.0,
        ),
        (
            "daily",
            options.daily_seasonality,
            1.0,
            4,
            range_days < 2.0 || min_diff_days >= 1.0,
        ),
    ];
    for (name, setting, period, default_order, auto_disable) in builtins {
        let custom = out.iter().position(|s| s.name == name);
        let order = match setting {
            SeasonalitySetting::Auto if custom.is_some() || auto_disable => 0,
            SeasonalitySetting::Auto | SeasonalitySetting::On(true) => default_order,
            SeasonalitySetting::On(false) => 0,
            SeasonalitySetting::Order(o) => o,
        };
        if order > MAX_FOURIER_ORDER {
            return Err(invalid(
                "fourier_order",
                format!("{name}_seasonality: at most {MAX_FOURIER_ORDER}, got {order}"),
            ));
        }
        if order == 0 {
            continue;
        }
        let info = SeasonalityInfo {
            name: name.into(),
            period,
            fourier_order: order,
            prior_scale: default_prior_scale,
            mode: options.seasonality_mode,
            condition_name: None,
        };
        // As in Prophet, an explicitly enabled built-in replaces a custom one of its name.
        match custom {
            Some(i) => out[i] = info,
            None => out.push(info),
        }
    }
    Ok(out)
}

/// The condition columns of the conditional seasonalities at the training rows; a condition
/// never true there would leave its seasonality without data.
fn resolve_conditions(
    seasonalities: &[SeasonalityInfo],
    columns: &ExtraColumns,
    ds: &[i64],
) -> Result<BTreeMap<String, Vec<bool>>> {
    let mut out = BTreeMap::new();
    for s in seasonalities {
        let Some(name) = &s.condition_name else {
            continue;
        };
        if name.is_empty() {
            return Err(invalid(
                "condition_name",
                format!("seasonality {:?}: an empty condition name", s.name),
            ));
        }
        if !out.contains_key(name) {
            out.insert(name.clone(), columns.condition_at(name, ds)?);
        }
        if !out[name].iter().any(|&b| b) {
            return Err(Error::ConditionNeverTrue {
                name: name.clone(),
                seasonality: s.name.clone(),
            });
        }
    }
    Ok(out)
}

/// The extra regressors as the model uses them (Prophet's defaults resolved, standardisation
/// as Prophet computes it) and their standardised values at the training rows.
fn resolve_regressors(
    options: &ForecastOptions,
    columns: &ExtraColumns,
    ds: &[i64],
) -> Result<(Vec<RegressorInfo>, Vec<Vec<f64>>)> {
    let mut infos: Vec<RegressorInfo> = Vec::with_capacity(options.regressors.len());
    let mut values = Vec::with_capacity(options.regressors.len());
    for r in &options.regressors {
        let name = &r.name;
        // Names were checked with the other components' (names.rs).
        let prior_scale = r
            .prior_scale
            .unwrap_or(options.holidays_prior_scale.unwrap_or(10.0));
        positive("prior_scale", prior_scale)?;
        let mut x = columns.regressor_at(name, ds)?;
        let first = x[0];
        if x.iter().all(|&v| v == first) {
            return Err(Error::ConstantRegressor {
                name: name.clone(),
                value: first,
            });
        }
        let binary = x.iter().all(|&v| v == 0.0 || v == 1.0);
        let standardize = match r.standardize {
            Standardize::Auto => !binary,
            Standardize::Yes => true,
            Standardize::No => false,
        };
        let (mu, std) = if standardize {
            let n = x.len() as f64;
            let mu = x.iter().sum::<f64>() / n;
            let var = x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (n - 1.0);
            (mu, var.sqrt())
        } else {
            (0.0, 1.0)
        };
        if !(std.is_finite() && std > 0.0) {
            return Err(Error::ConstantRegressor {
                name: name.clone(),
                value: first,
            });
        }
        x.iter_mut().for_each(|v| *v = (*v - mu) / std);
        infos.push(RegressorInfo {
            name: name.clone(),
            prior_scale,
            mode: r.mode.unwrap_or(options.seasonality_mode),
            standardize,
            mu,
            std,
        });
        values.push(x);
    }
    Ok((infos, values))
}

/// Prophet gives every (holiday, day offset) pair its own feature and coefficient; build
/// one augurs-prophet holiday per pair and remember how to sum them back per holiday.
/// Also returns, per internal name, the days (in whole days since the epoch) it covers.
#[allow(clippy::type_complexity)]
fn build_holidays(
    options: &ForecastOptions,
) -> Result<(
    HashMap<String, Holiday>,
    BTreeMap<String, Vec<String>>,
    BTreeMap<String, Vec<i64>>,
)> {
    let mut occurrences: BTreeMap<(String, i32), (Vec<HolidayOccurrence>, Option<f64>)> =
        BTreeMap::new();
    let mut days: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for row in &options.holidays {
        if row.holiday.is_empty() {
            return Err(invalid("holidays", "every holiday needs a name"));
        }
        if row.lower_window > 0 || row.upper_window < 0 {
            return Err(invalid(
                "holidays",
                format!(
                    "{:?}: lower_window must be <= 0 and upper_window >= 0",
                    row.holiday
                ),
            ));
        }
        // In i64: the i32 difference of extreme windows overflows and would pass the check.
        if i64::from(row.upper_window) - i64::from(row.lower_window) > 3660 {
            return Err(invalid(
                "holidays",
                "a holiday window may span at most 10 years",
            ));
        }
        if let Some(ps) = row.prior_scale {
            positive("prior_scale", ps)?;
        }
        let day_ms = row.ds.to_millis()?;
        if day_ms.abs() > MAX_ABS_MS {
            return Err(invalid("holidays", "holiday date out of range"));
        }
        let day = (day_ms / DAY_MS).floor() as i64 * 86_400;
        for offset in row.lower_window..=row.upper_window {
            let entry = occurrences
                .entry((row.holiday.clone(), offset))
                .or_insert_with(|| (Vec::new(), row.prior_scale));
            entry
                .0
                .push(HolidayOccurrence::for_day(day + i64::from(offset) * 86_400));
            days.entry(internal_name(&row.holiday, offset))
                .or_default()
                .push(day / 86_400 + i64::from(offset));
            if row.prior_scale.is_some() {
                entry.1 = row.prior_scale;
            }
        }
    }
    let mut holidays = HashMap::new();
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((name, offset), (occ, prior_scale)) in occurrences {
        let internal = internal_name(&name, offset);
        let mut h = Holiday::new(occ);
        if let Some(ps) = prior_scale {
            h = h.with_prior_scale(positive("prior_scale", ps)?);
        }
        holidays.insert(internal.clone(), h);
        groups.entry(name).or_default().push(internal);
    }
    Ok((holidays, groups, days))
}

/// Prophet's name for the feature of one day offset of a holiday (`playoff_delim_+1`).
fn internal_name(holiday: &str, offset: i32) -> String {
    format!("{holiday}_delim_{offset:+}")
}

/// Fingerprints of the feature columns in the order Prophet (Python) builds its X:
/// seasonalities in insertion order (sin, cos per harmonic; zero where a conditional one's
/// condition is false), then holiday features sorted by name, then extra regressors in the
/// order they were added. See [`LbfgsOptimizer::set_column_hint`].
fn prophet_column_order(
    ds: &[i64],
    seasonalities: &[SeasonalityInfo],
    conditions: &BTreeMap<String, Vec<bool>>,
    holiday_days: &BTreeMap<String, Vec<i64>>,
    regressor_values: &[Vec<f64>],
) -> Vec<f64> {
    let t: Vec<f64> = ds.iter().map(|&s| s as f64 / 86_400.0).collect();
    let mut prints = Vec::new();
    for s in seasonalities {
        let mask = s
            .condition_name
            .as_ref()
            .and_then(|c| conditions.get(c))
            .map(Vec::as_slice);
        fourier_fingerprints(&t, s.period, s.fourier_order, mask, &mut prints);
    }
    // BTreeMap iteration is sorted by name, as Prophet sorts its holiday columns.
    for covered in holiday_days.values() {
        let covered: std::collections::HashSet<i64> = covered.iter().copied().collect();
        let column: Vec<f64> = ds
            .iter()
            .map(|&s| f64::from(u8::from(covered.contains(&s.div_euclid(86_400)))))
            .collect();
        prints.push(fingerprint(&column));
    }
    for x in regressor_values {
        prints.push(fingerprint(x));
    }
    if prints.is_empty() {
        prints.push(0.0); // Prophet's (and augurs') all-zero placeholder column.
    }
    prints
}

#[cfg(test)]
mod tests {
    //! Bad input (issue 3): a typed error with a clear message or a correct result, never a
    //! panic, a hang or a NaN forecast.
    use super::*;
    use crate::prophet::AddedSeasonality;

    const DAY: f64 = DAY_MS;

    fn daily(values: &[f64]) -> Series {
        let ts: Vec<f64> = (0..values.len()).map(|i| 1.6e12 + i as f64 * DAY).collect();
        Series::new(&ts, values).unwrap()
    }

    fn wave(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| 10.0 + 0.01 * i as f64 + (i as f64 * std::f64::consts::TAU / 7.0).sin())
            .collect()
    }

    fn quick() -> ForecastOptions {
        ForecastOptions {
            uncertainty_samples: Some(50),
            ..Default::default()
        }
    }

    fn all_finite(f: &Forecast) -> bool {
        f.yhat
            .iter()
            .chain(&f.trend)
            .chain(f.yhat_lower.iter().flatten())
            .chain(f.yhat_upper.iter().flatten())
            .chain(f.components.iter().flat_map(|c| &c.values))
            .all(|v| v.is_finite())
    }

    fn future(series: &Series, n: usize) -> Vec<f64> {
        let last = *series.timestamps().last().unwrap();
        let mut ts = series.timestamps().to_vec();
        ts.extend((1..=n).map(|i| last + i as f64 * DAY));
        ts
    }

    #[test]
    fn gaps_and_infinities_are_left_out() {
        let mut v = wave(60);
        v[3] = f64::NAN;
        v[10] = f64::INFINITY;
        v[11] = f64::NEG_INFINITY;
        let s = daily(&v);
        let m = ProphetModel::fit(&s, &quick()).unwrap();
        let f = m.predict(&future(&s, 10)).unwrap();
        assert!(all_finite(&f));
    }

    #[test]
    fn point_prediction_is_the_prediction_without_intervals() {
        let s = daily(&wave(60));
        let m = ProphetModel::fit(&s, &quick()).unwrap();
        let ts = future(&s, 10);
        let full = m.predict(&ts).unwrap();
        let point = m.predict_point(&ts).unwrap();
        assert!(full.yhat_lower.is_some() && full.yhat_upper.is_some());
        assert!(point.yhat_lower.is_none() && point.yhat_upper.is_none());
        assert_eq!(point.yhat, full.yhat);
        assert_eq!(point.trend, full.trend);
        assert_eq!(point.components, full.components);
    }

    #[test]
    fn unsorted_and_duplicate_timestamps_are_resolved() {
        let v = wave(40);
        let mut ts: Vec<f64> = (0..40).map(|i| 1.6e12 + i as f64 * DAY).collect();
        ts.reverse();
        let mut vs = v.clone();
        vs.reverse();
        // A duplicate of the first day given last: it wins.
        ts.push(1.6e12);
        vs.push(v[0] + 1.0);
        let s = Series::new(&ts, &vs).unwrap();
        assert_eq!(s.len(), 40);
        assert_eq!(s.values()[0], v[0] + 1.0);
        let m = ProphetModel::fit(&s, &quick()).unwrap();
        assert!(all_finite(&m.predict(s.timestamps()).unwrap()));
    }

    #[test]
    fn too_few_points_is_a_typed_error() {
        let s = daily(&[1.0, f64::NAN, f64::NAN]);
        assert!(matches!(
            ProphetModel::fit(&s, &quick()),
            Err(Error::TooFewPoints { needed: 2, got: 1 })
        ));
        assert!(Series::new(&[1.0, 2.0], &[f64::NAN, f64::NAN]).is_err());
    }

    fn engines() -> impl Iterator<Item = Engine> {
        [Engine::Argmin, Engine::ArgminSufficientStats, Engine::Stan].into_iter()
    }

    #[test]
    fn two_points_fit() {
        // An exact fit: sigma_obs goes to its floor (argmin's line search used to cycle).
        for engine in engines() {
            let s = daily(&[1.0, 2.0]);
            let m = ProphetModel::fit_with_engine(&s, &quick(), engine).unwrap();
            let f = m.predict(&future(&s, 3)).unwrap();
            assert!(all_finite(&f));
            assert!((f.yhat[1] - 2.0).abs() < 0.1, "{engine:?}: {:?}", f.yhat);
        }
    }

    #[test]
    fn constant_series_forecast_the_constant() {
        // 50 rows fit with Newton, 150 with each L-BFGS engine.
        for (c, n, engine) in [0.0, 5.0, -3.0].into_iter().flat_map(|c| {
            std::iter::once((c, 50, Engine::Argmin)).chain(engines().map(move |e| (c, 150, e)))
        }) {
            let s = daily(&vec![c; n]);
            let m = ProphetModel::fit_with_engine(&s, &quick(), engine).unwrap();
            let f = m.predict(&future(&s, 20)).unwrap();
            assert!(all_finite(&f), "constant {c}, {n} rows, {engine:?}");
            assert!(
                f.yhat
                    .iter()
                    .all(|v| (v - c).abs() < 1e-3 * c.abs().max(1.0)),
                "constant {c}: {:?}",
                &f.yhat[..5]
            );
        }
    }

    #[test]
    fn logistic_needs_a_cap_above_the_floor() {
        let s = daily(&wave(30));
        let mut o = quick();
        o.growth = Growth::Logistic;
        assert!(matches!(ProphetModel::fit(&s, &o), Err(Error::MissingCap)));
        o.cap = Some(5.0);
        o.floor = Some(5.0);
        assert!(matches!(
            ProphetModel::fit(&s, &o),
            Err(Error::CapNotAboveFloor { .. })
        ));
        o.cap = Some(f64::NAN);
        assert!(ProphetModel::fit(&s, &o).is_err());
    }

    #[test]
    fn logistic_with_values_above_the_cap_stays_finite() {
        let s = daily(&wave(60));
        let mut o = quick();
        o.growth = Growth::Logistic;
        o.cap = Some(8.0);
        match ProphetModel::fit(&s, &o) {
            Ok(m) => assert!(all_finite(&m.predict(&future(&s, 10)).unwrap())),
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }

    #[test]
    fn huge_horizons_are_refused_quickly() {
        let s = daily(&wave(30));
        let m = ProphetModel::fit(&s, &quick()).unwrap();
        let ts: Vec<f64> = (0..3_000_000).map(|i| 1.6e12 + i as f64 * DAY).collect();
        assert!(matches!(
            m.predict(&ts),
            Err(Error::TooManyTimestamps { .. })
        ));
        assert!(matches!(m.predict(&[]), Err(Error::Empty)));
        assert!(matches!(
            m.predict(&[f64::NAN]),
            Err(Error::NonFiniteTimestamp { index: 0 })
        ));
    }

    #[test]
    fn fourier_orders_zero_and_huge() {
        let s = daily(&wave(60));
        let mut o = quick();
        o.weekly_seasonality = SeasonalitySetting::Order(0);
        let m = ProphetModel::fit(&s, &o).unwrap();
        assert!(m.seasonalities().is_empty());
        assert!(all_finite(&m.predict(s.timestamps()).unwrap()));
        o.weekly_seasonality = SeasonalitySetting::Order(1000);
        assert!(matches!(
            ProphetModel::fit(&s, &o),
            Err(Error::InvalidOption { .. })
        ));
        o.weekly_seasonality = SeasonalitySetting::Auto;
        for order in [0, 1000] {
            o.seasonalities = vec![AddedSeasonality {
                name: "monthly".into(),
                period: 30.5,
                fourier_order: order,
                prior_scale: None,
                mode: None,
                condition_name: None,
            }];
            assert!(matches!(
                ProphetModel::fit(&s, &o),
                Err(Error::InvalidOption { .. })
            ));
        }
    }

    /// Below 100 rows the fit runs Newton's method, as Prophet does; it reaches the MAP that
    /// L-BFGS reaches on the same data.
    #[test]
    fn newton_below_100_rows_matches_lbfgs() {
        use augurs_prophet::Algorithm;
        let v = wave(90);
        let ds: Vec<i64> = (0..90).map(|i| 1_600_000_000 + i * 86_400).collect();
        let fit = |algorithm| {
            let optimizer = LbfgsOptimizer::new();
            let mut p = Prophet::new(Default::default(), optimizer.clone());
            let data = TrainingData::new(ds.clone(), v.clone()).unwrap();
            p.fit(
                data,
                OptimizeOpts {
                    algorithm,
                    ..Default::default()
                },
            )
            .unwrap();
            optimizer.last_report().unwrap()
        };
        let newton = fit(None);
        let lbfgs = fit(Some(Algorithm::Lbfgs));
        assert!(newton.converged);
        assert!(
            newton.objective <= lbfgs.objective + 1e-3,
            "Newton {} vs L-BFGS {}",
            newton.objective,
            lbfgs.objective
        );
        assert_eq!(fit(Some(Algorithm::Newton)).objective, newton.objective);
    }

    #[test]
    fn every_growth_and_mode_fits_a_short_series() {
        let s = daily(&wave(20));
        for growth in [Growth::Linear, Growth::Logistic, Growth::Flat] {
            for mode in [Mode::Additive, Mode::Multiplicative] {
                let mut o = quick();
                o.growth = growth;
                o.cap = Some(20.0);
                o.seasonality_mode = mode;
                let m = ProphetModel::fit(&s, &o).unwrap();
                assert!(all_finite(&m.predict(&future(&s, 5)).unwrap()));
            }
        }
    }

    /// A pseudo-random driver (deterministic): values in [0, 10).
    fn driver(n: usize) -> Vec<f64> {
        let mut seed: u64 = 19;
        (0..n)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (seed >> 11) as f64 / (1u64 << 53) as f64 * 10.0
            })
            .collect()
    }

    fn regressor(name: &str, mode: Option<Mode>) -> crate::prophet::RegressorOptions {
        crate::prophet::RegressorOptions {
            name: name.into(),
            prior_scale: None,
            standardize: Default::default(),
            mode,
        }
    }

    /// Slope of `a` on `b` (least squares).
    fn slope(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let var: f64 = b.iter().map(|y| (y - mb) * (y - mb)).sum();
        cov / var
    }

    #[test]
    fn an_additive_regressor_explains_its_share_and_needs_future_values() {
        let n = 150;
        let x = driver(n + 10);
        let base = wave(n);
        let y: Vec<f64> = (0..n).map(|i| base[i] + 3.0 * x[i]).collect();
        let s = daily(&y);
        let ts = future(&s, 10);
        let mut o = quick();
        o.regressors = vec![regressor("orders", None)];
        let columns = ExtraColumns::new()
            .with_regressor("orders", &ts, &x)
            .unwrap();
        let m = ProphetModel::fit_with_columns(&s, &o, &columns).unwrap();
        let r = &m.regressors()[0];
        assert!(r.standardize && r.mode == Mode::Additive && r.prior_scale == 10.0);
        // Prophet's standardisation: the rows' mean and sample deviation.
        let mu = x[..n].iter().sum::<f64>() / n as f64;
        let var = x[..n].iter().map(|v| (v - mu).powi(2)).sum::<f64>() / (n as f64 - 1.0);
        assert!((r.mu - mu).abs() < 1e-12 && (r.std - var.sqrt()).abs() < 1e-12);
        let f = m.predict_with_columns(&ts, &columns).unwrap();
        assert!(all_finite(&f));
        let effect = f.component("orders").unwrap();
        assert_eq!(f.component("extra_regressors_additive").unwrap(), effect);
        assert!(f.component("extra_regressors_multiplicative").is_none());
        let b = slope(effect, &x);
        assert!((b - 3.0).abs() < 0.1, "slope {b}");
        // The horizon follows the driver's future values.
        assert!((slope(&f.yhat[n..], &x[n..]) - 3.0).abs() < 0.3);
        assert!(matches!(
            m.predict(&ts),
            Err(Error::MissingColumn { ref name, .. }) if name == "orders"
        ));
        let short = ExtraColumns::new()
            .with_regressor("orders", &ts[..n + 5], &x[..n + 5])
            .unwrap();
        assert!(matches!(
            m.predict_with_columns(&ts, &short),
            Err(Error::MissingRegressorValue { ref name, timestamp }) if name == "orders" && timestamp == ts[n + 5]
        ));
    }

    #[test]
    fn a_multiplicative_regressor_scales_the_trend() {
        let n = 150;
        let x = driver(n);
        let y: Vec<f64> = (0..n)
            .map(|i| (50.0 + 0.1 * i as f64) * (1.0 + 0.05 * (x[i] - 5.0)))
            .collect();
        let s = daily(&y);
        let mut o = quick();
        o.weekly_seasonality = SeasonalitySetting::On(false);
        o.regressors = vec![regressor("orders", Some(Mode::Multiplicative))];
        let columns = ExtraColumns::new()
            .with_regressor("orders", s.timestamps(), &x)
            .unwrap();
        let m = ProphetModel::fit_with_columns(&s, &o, &columns).unwrap();
        let f = m.predict_with_columns(s.timestamps(), &columns).unwrap();
        let factor = f.component("orders").unwrap();
        assert_eq!(
            f.component("extra_regressors_multiplicative").unwrap(),
            factor
        );
        assert_eq!(f.component("multiplicative_terms").unwrap(), factor);
        // A relative factor, 5 % per unit of the driver.
        let b = slope(factor, &x);
        assert!((b - 0.05).abs() < 0.005, "slope {b}");
        let worst = f
            .yhat
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(worst < 0.5, "yhat off by {worst}");
    }

    #[test]
    fn regressor_bad_input_is_a_typed_error() {
        let n = 60;
        let s = daily(&wave(n));
        let mut o = quick();
        o.regressors = vec![regressor("orders", None)];
        assert!(matches!(
            ProphetModel::fit(&s, &o),
            Err(Error::MissingColumn { ref name, .. }) if name == "orders"
        ));
        let constant = ExtraColumns::new()
            .with_regressor("orders", s.timestamps(), &vec![4.0; n])
            .unwrap();
        assert!(matches!(
            ProphetModel::fit_with_columns(&s, &o, &constant),
            Err(Error::ConstantRegressor { value, .. }) if value == 4.0
        ));
        let mut gappy = driver(n);
        gappy[7] = f64::NAN;
        let gappy = ExtraColumns::new()
            .with_regressor("orders", s.timestamps(), &gappy)
            .unwrap();
        assert!(matches!(
            ProphetModel::fit_with_columns(&s, &o, &gappy),
            Err(Error::MissingRegressorValue { timestamp, .. }) if timestamp == s.timestamps()[7]
        ));
        let good = ExtraColumns::new()
            .with_regressor("orders", s.timestamps(), &driver(n))
            .unwrap();
        for bad in ["", "weekly", "yhat", "trend"] {
            o.regressors = vec![regressor(bad, None)];
            assert!(
                matches!(
                    ProphetModel::fit_with_columns(&s, &o, &good),
                    Err(Error::InvalidOption { .. })
                ),
                "{bad:?}"
            );
        }
        o.regressors = vec![regressor("orders", None), regressor("orders", None)];
        assert!(ProphetModel::fit_with_columns(&s, &o, &good).is_err());
        o.regressors = vec![regressor("orders", None)];
        o.regressors[0].prior_scale = Some(0.0);
        assert!(ProphetModel::fit_with_columns(&s, &o, &good).is_err());
    }

    #[test]
    fn binary_regressors_are_standardised_only_when_asked() {
        let n = 60;
        let s = daily(&wave(n));
        let flag: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 7 == 0))).collect();
        let columns = ExtraColumns::new()
            .with_regressor("promo", s.timestamps(), &flag)
            .unwrap();
        let mut o = quick();
        o.holidays_prior_scale = Some(3.0);
        o.regressors = vec![regressor("promo", None)];
        let m = ProphetModel::fit_with_columns(&s, &o, &columns).unwrap();
        let r = &m.regressors()[0];
        assert!(!r.standardize && r.mu == 0.0 && r.std == 1.0);
        assert_eq!(
            r.prior_scale, 3.0,
            "the default prior scale is holidays_prior_scale"
        );
        o.regressors[0].standardize = Standardize::Yes;
        let m = ProphetModel::fit_with_columns(&s, &o, &columns).unwrap();
        assert!(m.regressors()[0].standardize && m.regressors()[0].mu > 0.0);
    }

    /// Hourly data whose daily profile exists on weekdays only.
    fn weekday_profile(days: usize) -> Series {
        let start = 1_704_067_200_000.0; // Monday 2024-01-01T00:00Z
        let ts: Vec<f64> = (0..days * 24)
            .map(|i| start + i as f64 * 3_600_000.0)
            .collect();
        let ys: Vec<f64> = ts
            .iter()
            .map(|&t| {
                let day = (t / DAY).floor() as i64;
                let weekend = (day + 3).rem_euclid(7) >= 5;
                let hour = (t % DAY) / DAY;
                let profile = if weekend {
                    0.0
                } else {
                    5.0 * (std::f64::consts::TAU * hour).sin()
                };
                20.0 + profile + 0.3 * (t / 3_600_000.0 * 1.7).sin()
            })
            .collect();
        Series::new(&ts, &ys).unwrap()
    }

    fn conditional(name: &str, condition: &str) -> AddedSeasonality {
        AddedSeasonality {
            name: name.into(),
            period: 1.0,
            fourier_order: 4,
            prior_scale: None,
            mode: None,
            condition_name: Some(condition.into()),
        }
    }

    #[test]
    fn a_conditional_daily_profile_acts_on_its_days_only() {
        let s = weekday_profile(28);
        let mut o = quick();
        o.daily_seasonality = SeasonalitySetting::On(false);
        o.seasonalities = vec![
            conditional("daily_weekday", "weekday"),
            conditional("daily_weekend", "weekend"),
        ];
        // The built-in conditions: weekday / weekend of the UTC day.
        let m = ProphetModel::fit(&s, &o).unwrap();
        let names: Vec<_> = m.seasonalities().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["daily_weekday", "daily_weekend", "weekly"]);
        let ts = s.timestamps();
        let f = m.predict(ts).unwrap();
        let wd = f.component("daily_weekday").unwrap();
        let we = f.component("daily_weekend").unwrap();
        let weekend = ExtraColumns::new()
            .condition_at(
                "weekend",
                &ts.iter().map(|&t| to_seconds(t)).collect::<Vec<_>>(),
            )
            .unwrap();
        let amplitude = |c: &[f64], on: bool| {
            c.iter()
                .zip(&weekend)
                .filter(|(_, &w)| w == on)
                .map(|(v, _)| v.abs())
                .fold(0.0, f64::max)
        };
        // Zero outside its condition, as in Prophet.
        assert_eq!(amplitude(wd, true), 0.0);
        assert_eq!(amplitude(we, false), 0.0);
        assert!(
            amplitude(wd, false) > 4.0,
            "weekday profile {}",
            amplitude(wd, false)
        );
        assert!(
            amplitude(we, true) < 1.5,
            "weekend profile {}",
            amplitude(we, true)
        );
        // Conditions given with the data replace the built-in ones.
        let all_false = vec![false; ts.len()];
        let columns = ExtraColumns::new()
            .with_condition("weekend", ts, &all_false)
            .unwrap();
        assert!(matches!(
            ProphetModel::fit_with_columns(&s, &o, &columns),
            Err(Error::ConditionNeverTrue { ref name, ref seasonality }) if name == "weekend" && seasonality == "daily_weekend"
        ));
        o.seasonalities = vec![conditional("daily_on", "on_call")];
        assert!(matches!(
            ProphetModel::fit(&s, &o),
            Err(Error::MissingColumn { ref name, .. }) if name == "on_call"
        ));
    }
}
