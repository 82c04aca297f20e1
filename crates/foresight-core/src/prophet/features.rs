//! The model's features as Prophet resolves them: seasonalities (automatic ones by Prophet's
//! rules), condition columns, extra regressors (standardised as Prophet does), holidays (one
//! feature per day offset), and the order of Prophet's own feature columns.

use std::collections::HashMap;

use augurs_prophet::{Holiday, HolidayOccurrence};
use foresight_kernel::{fingerprint, fourier_fingerprints, merge_sort_by, merge_sort_vec_by};

use super::columns::ExtraColumns;
use super::fit::{positive, RegressorInfo, SeasonalityInfo, DAY_MS, MAX_ABS_MS, MAX_FOURIER_ORDER};
use super::options::{invalid, ForecastOptions, SeasonalitySetting, Standardize};
use crate::by_name::ByName;
use crate::error::{Error, Result};

/// Prophet's rules for `"auto"`: yearly with two years of history; weekly with two weeks and
/// samples closer than a week; daily with two days and samples closer than a day. A custom
/// seasonality of the same name replaces an automatic one.
pub(super) fn resolve_seasonalities(
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

/// Condition columns by name.
pub(super) type Conditions = ByName<Vec<bool>>;

/// The condition columns of the conditional seasonalities at the training rows; a condition
/// never true there would leave its seasonality without data.
pub(super) fn resolve_conditions(
    seasonalities: &[SeasonalityInfo],
    columns: &ExtraColumns,
    ds: &[i64],
) -> Result<Conditions> {
    let mut out = Conditions::default();
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
        if out.get(name).is_none() {
            out.insert(name.clone(), columns.condition_at(name, ds)?);
        }
        if !out.get(name).is_some_and(|c| c.iter().any(|&b| b)) {
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
pub(super) fn resolve_regressors(
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
/// one augurs-prophet holiday per pair and remember how to sum them back per holiday
/// (holidays by name, each with its pairs by offset). Also returns, per internal name (sorted
/// by it, as Prophet sorts its holiday columns), the days (whole days since the epoch) it
/// covers. Sorted Vecs rather than maps: fewer map types in the wasm module.
#[allow(clippy::type_complexity)]
pub(super) fn build_holidays(
    options: &ForecastOptions,
) -> Result<(
    HashMap<String, Holiday>,
    Vec<(String, Vec<String>)>,
    Vec<(String, Vec<i64>)>,
)> {
    // (holiday, offset, day in seconds, prior scale) for every day a row covers, in row order.
    let mut parts: Vec<(&str, i32, i64, Option<f64>)> = Vec::new();
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
            parts.push((
                &row.holiday,
                offset,
                day + i64::from(offset) * 86_400,
                row.prior_scale,
            ));
        }
    }
    // Stable: each (holiday, offset) keeps its rows in the order given.
    merge_sort_by(&mut parts, |a, b| (a.0, a.1) <= (b.0, b.1));
    let mut holidays = HashMap::new();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut days: Vec<(String, Vec<i64>)> = Vec::new();
    for pair in parts.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (name, offset) = (pair[0].0, pair[0].1);
        let internal = internal_name(name, offset);
        let mut h = Holiday::new(
            pair.iter()
                .map(|p| HolidayOccurrence::for_day(p.2))
                .collect(),
        );
        // The last prior scale given for the holiday wins, as Prophet reads its rows.
        if let Some(ps) = pair.iter().rev().find_map(|p| p.3) {
            h = h.with_prior_scale(positive("prior_scale", ps)?);
        }
        holidays.insert(internal.clone(), h);
        days.push((
            internal.clone(),
            pair.iter().map(|p| p.2 / 86_400).collect(),
        ));
        match groups.last_mut() {
            Some((last, members)) if last == name => members.push(internal),
            _ => groups.push((name.to_string(), vec![internal])),
        }
    }
    merge_sort_vec_by(&mut days, |a, b| a.0 <= b.0);
    Ok((holidays, groups, days))
}

/// Prophet's name for the feature of one day offset of a holiday (`playoff_delim_+1`).
fn internal_name(holiday: &str, offset: i32) -> String {
    format!("{holiday}_delim_{offset:+}")
}

/// Fingerprints of the feature columns in the order Prophet (Python) builds its X:
/// seasonalities in insertion order (sin, cos per harmonic; zero where a conditional one's
/// condition is false), then holiday features sorted by name, then extra regressors in the
/// order they were added. See `LbfgsOptimizer::set_column_hint`.
pub(super) fn prophet_column_order(
    ds: &[i64],
    seasonalities: &[SeasonalityInfo],
    conditions: &Conditions,
    holiday_days: &[(String, Vec<i64>)],
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
    // Sorted by internal name, as Prophet sorts its holiday columns.
    for (_, covered) in holiday_days {
        let mut covered = covered.clone();
        merge_sort_by(&mut covered, |a, b| a <= b);
        let column: Vec<f64> = ds
            .iter()
            .map(|&s| {
                f64::from(u8::from(
                    covered.binary_search(&s.div_euclid(86_400)).is_ok(),
                ))
            })
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
