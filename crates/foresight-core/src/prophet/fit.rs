//! Fitting Prophet on a [`Series`]: the history put on Prophet's axes and checked, the
//! options translated to augurs-prophet's, the features resolved as Prophet resolves them
//! (features.rs), the fit run by our optimiser, and what interval sampling needs kept for
//! prediction (predict.rs).

use std::num::NonZeroU32;

use augurs_prophet::{
    optimizer::OptimizeOpts, FeatureMode, GrowthType, IntervalWidth, OptProphetOptions,
    PositiveFloat, Prophet, Regressor, Seasonality, SeasonalityOption, TrainingData,
};

use super::columns::{to_seconds, ExtraColumns};
use super::features::{
    build_holidays, prophet_column_order, resolve_conditions, resolve_regressors,
    resolve_seasonalities, Conditions,
};
use super::optimizer::{Engine, FitReport, FitState, LbfgsOptimizer, ProphetParams};
use super::options::{invalid, ForecastOptions, Growth, Mode, Scaling};
use crate::error::{Error, Result};
use crate::series::Series;
use foresight_kernel::uncertainty::{IntervalModel, LogisticEnd};

pub(super) const DAY_MS: f64 = 86_400_000.0;
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
pub(super) const MAX_ABS_MS: f64 = 8.64e15;

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

/// A fitted Prophet model.
#[derive(Debug)]
pub struct ProphetModel {
    pub(super) prophet: Prophet<LbfgsOptimizer>,
    pub(super) options: ForecastOptions,
    pub(super) seasonalities: Vec<SeasonalityInfo>,
    pub(super) regressors: Vec<RegressorInfo>,
    pub(super) changepoints: Vec<f64>,
    /// Original holiday name -> internal per-day-offset names (one feature each, as Prophet).
    pub(super) holiday_groups: Vec<(String, Vec<String>)>,
    pub(super) uncertainty_samples: usize,
    /// Our interval computation; `None` when intervals are off (no samples).
    pub(super) intervals: Option<IntervalModel>,
    pub(super) report: FitReport,
}

pub(super) fn positive(name: &'static str, value: f64) -> Result<PositiveFloat> {
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

pub(super) fn model_error(e: augurs_prophet::Error) -> Error {
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
    #[cfg(feature = "experiments")]
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

    /// Fits, or with `probe` (parity checks, `experiments` feature) evaluates the model at
    /// those parameters.
    #[cfg_attr(not(feature = "experiments"), allow(unused_variables))]
    fn build(
        series: &Series,
        options: &ForecastOptions,
        columns: &ExtraColumns,
        engine: Engine,
        probe: Option<ProphetParams>,
    ) -> Result<Self> {
        super::names::check_names(options)?;
        let (ds, y) = history(series)?;
        let n = ds.len();
        let first_ms = ds[0] as f64 * 1000.0;
        let last_ms = ds[n - 1] as f64 * 1000.0;
        let range_days = (last_ms - first_ms) / DAY_MS;
        let min_diff_days = ds
            .windows(2)
            .map(|w| (w[1] - w[0]) as f64 / 86_400.0)
            .fold(f64::INFINITY, f64::min);
        let (mut opts, seasonality_prior_scale) = prophet_options(options, n, first_ms, last_ms)?;
        let uncertainty_samples = options.uncertainty_samples.unwrap_or(1000);

        let (y_lo, y_hi) = y
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        let training = training_data(options, ds.clone(), y)?;
        let seasonalities =
            resolve_seasonalities(options, range_days, min_diff_days, seasonality_prior_scale)?;
        let conditions = resolve_conditions(&seasonalities, columns, &ds)?;
        let (regressors, regressor_values) = resolve_regressors(options, columns, &ds)?;
        check_design_size(options, n, &seasonalities, regressors.len())?;
        let (holidays, holiday_groups, holiday_days) = build_holidays(options)?;
        opts.holidays = Some(holidays);

        let optimizer = LbfgsOptimizer::with_engine(engine);
        #[cfg(feature = "experiments")]
        optimizer.set_probe(probe);
        optimizer.set_column_hint(Some(prophet_column_order(
            &ds,
            &seasonalities,
            &conditions,
            &holiday_days,
            &regressor_values,
        )));
        let mut prophet = Prophet::new(opts.into(), optimizer.clone());
        add_features(&mut prophet, &seasonalities, &regressors)?;
        let training = with_feature_columns(training, &regressors, regressor_values, conditions)?;
        prophet
            .fit(training, optimize_opts(options)?)
            .map_err(|e| Error::Optimization(e.to_string()))?;
        let report = optimizer
            .last_report()
            .ok_or_else(|| Error::Optimization("the optimiser did not run".into()))?;
        let changepoints = changepoints_ms(&report.t_change, first_ms, last_ms);
        let intervals = match optimizer.last_state() {
            Some(state) if uncertainty_samples > 0 => Some(interval_model(
                options,
                &state,
                &report,
                &ds,
                y_hi - y_lo,
                uncertainty_samples as usize,
            )),
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
}

/// The finite values of `series` on augurs-prophet's time axis (whole seconds), checked:
/// times within range, at least two points, at most [`MAX_FIT_POINTS`].
fn history(series: &Series) -> Result<(Vec<i64>, Vec<f64>)> {
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
    Ok((ds, y))
}

/// augurs-prophet's options for `options` (every seasonality off: they are added one by one,
/// resolved as Prophet resolves them), checked; also the default seasonality prior scale.
fn prophet_options(
    options: &ForecastOptions,
    n: usize,
    first_ms: f64,
    last_ms: f64,
) -> Result<(OptProphetOptions, f64)> {
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
    Ok((opts, seasonality_prior_scale))
}

/// The training rows, with the logistic trend's cap and floor.
fn training_data(options: &ForecastOptions, ds: Vec<i64>, y: Vec<f64>) -> Result<TrainingData> {
    let n = ds.len();
    let mut training = TrainingData::new(ds, y).map_err(model_error)?;
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
    Ok(training)
}

/// Refuses a design matrix (rows x feature columns) beyond [`MAX_DESIGN_CELLS`].
fn check_design_size(
    options: &ForecastOptions,
    n: usize,
    seasonalities: &[SeasonalityInfo],
    n_regressors: usize,
) -> Result<()> {
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
        + n_regressors;
    if n.saturating_mul(n_features.max(1)) > MAX_DESIGN_CELLS {
        return Err(Error::ModelTooLarge {
            rows: n,
            columns: n_features,
            max_cells: MAX_DESIGN_CELLS,
        });
    }
    Ok(())
}

/// Adds the resolved seasonalities and regressors to the model.
fn add_features(
    prophet: &mut Prophet<LbfgsOptimizer>,
    seasonalities: &[SeasonalityInfo],
    regressors: &[RegressorInfo],
) -> Result<()> {
    for s in seasonalities {
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
    for r in regressors {
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
    Ok(())
}

/// The training rows with the regressors' (standardised) values and the condition columns.
fn with_feature_columns(
    mut training: TrainingData,
    regressors: &[RegressorInfo],
    regressor_values: Vec<Vec<f64>>,
    conditions: Conditions,
) -> Result<TrainingData> {
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
            .with_seasonality_conditions(conditions.into_pairs().collect())
            .map_err(model_error)?;
    }
    Ok(training)
}

/// Stan's `optimize` settings the options override, checked.
fn optimize_opts(options: &ForecastOptions) -> Result<OptimizeOpts> {
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
    Ok(fit_opts)
}

/// Changepoint times in ms from Prophet's scaled times.
fn changepoints_ms(t_change: &[f64], first_ms: f64, last_ms: f64) -> Vec<f64> {
    // augurs-prophet, like Prophet, fits with a dummy changepoint at t = 0 when there are
    // none; only real ones are reported.
    if t_change == [0.0] {
        Vec::new()
    } else {
        t_change
            .iter()
            .map(|t| (first_ms + t * (last_ms - first_ms)).round())
            .collect()
    }
}

/// What interval sampling needs from the fit (foresight-kernel's `uncertainty`); `y_range`
/// is the range of the training values.
fn interval_model(
    options: &ForecastOptions,
    state: &FitState,
    report: &FitReport,
    ds: &[i64],
    y_range: f64,
    samples: usize,
) -> IntervalModel {
    // augurs-prophet's y_scale: y maps affinely onto the scaled y it fitted.
    let y_scale = if state.y_max > state.y_min && y_range > 0.0 {
        y_range / (state.y_max - state.y_min)
    } else {
        1.0
    };
    let mean_abs_delta = if state.delta.is_empty() {
        0.0
    } else {
        state.delta.iter().map(|d| d.abs()).sum::<f64>() / state.delta.len() as f64
    };
    IntervalModel {
        n_changepoints: report.t_change.len(),
        delta_scale: mean_abs_delta + 1e-8,
        sigma_y: state.sigma_obs * y_scale,
        y_scale,
        start_s: ds[0] as f64,
        t_scale_s: ((ds[ds.len() - 1] - ds[0]) as f64).max(1.0),
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
        samples,
        interval_width: options.interval_width.unwrap_or(0.8),
    }
}

#[cfg(test)]
#[path = "fit_tests.rs"]
mod tests;
