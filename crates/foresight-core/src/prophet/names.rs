//! Component names, checked once for every kind of component as Prophet's
//! `validate_column_name` checks them, plus the one key a JS object cannot hold (`__proto__`):
//! each name becomes a column of the forecast and a key of its `components`, so a clash would
//! silently overwrite another component instead of failing.

use super::options::{invalid, ForecastOptions};
use crate::Result;

/// Prophet's own columns; their `_lower` / `_upper` forms are reserved too.
const COMPONENT_COLUMNS: [&str; 11] = [
    "trend",
    "additive_terms",
    "daily",
    "weekly",
    "yearly",
    "holidays",
    "zeros",
    "extra_regressors_additive",
    "yhat",
    "extra_regressors_multiplicative",
    "multiplicative_terms",
];
const DATA_COLUMNS: [&str; 6] = ["ds", "y", "cap", "floor", "y_scaled", "cap_scaled"];
/// A custom seasonality may replace one of these (Prophet's `add_seasonality` allows it).
const BUILT_IN_SEASONALITIES: [&str; 3] = ["daily", "weekly", "yearly"];

fn reserved(name: &str) -> bool {
    DATA_COLUMNS.contains(&name)
        || COMPONENT_COLUMNS.iter().any(|c| {
            name.strip_prefix(c)
                .is_some_and(|rest| rest.is_empty() || rest == "_lower" || rest == "_upper")
        })
}

/// Checks the names of the seasonalities, holidays and regressors of `options`: non-empty, no
/// `_delim_` (the holiday windows' separator), not `__proto__`, not reserved by Prophet, a
/// custom seasonality not named like a holiday, a regressor like neither, regressors unique.
pub(crate) fn check_names(options: &ForecastOptions) -> Result<()> {
    let refuse = |field: &'static str, what: &str, name: &str, why: &str| {
        Err(invalid(field, format!("{what} name {name:?} {why}")))
    };
    let basic = |field: &'static str, what: &str, name: &str| {
        if name.is_empty() {
            return refuse(field, what, name, "is empty");
        }
        if name.contains("_delim_") {
            return refuse(field, what, name, "contains \"_delim_\"");
        }
        if name == "__proto__" {
            return refuse(field, what, name, "cannot name a component");
        }
        Ok(())
    };
    for h in &options.holidays {
        basic("holidays", "holiday", &h.holiday)?;
        if reserved(&h.holiday) {
            return refuse("holidays", "holiday", &h.holiday, "is reserved by Prophet");
        }
    }
    let holiday = |name: &str| options.holidays.iter().any(|h| h.holiday == name);
    for s in &options.seasonalities {
        basic("seasonalities", "seasonality", &s.name)?;
        if reserved(&s.name) && !BUILT_IN_SEASONALITIES.contains(&s.name.as_str()) {
            return refuse(
                "seasonalities",
                "seasonality",
                &s.name,
                "is reserved by Prophet",
            );
        }
        if holiday(&s.name) {
            return refuse(
                "seasonalities",
                "seasonality",
                &s.name,
                "is already used for a holiday",
            );
        }
    }
    for (i, r) in options.regressors.iter().enumerate() {
        basic("regressors", "regressor", &r.name)?;
        if reserved(&r.name) {
            return refuse("regressors", "regressor", &r.name, "is reserved by Prophet");
        }
        if holiday(&r.name) {
            return refuse(
                "regressors",
                "regressor",
                &r.name,
                "is already used for a holiday",
            );
        }
        if options.seasonalities.iter().any(|s| s.name == r.name) {
            return refuse(
                "regressors",
                "regressor",
                &r.name,
                "is already used for a seasonality",
            );
        }
        if options.regressors[..i].iter().any(|o| o.name == r.name) {
            return refuse("regressors", "regressor", &r.name, "is given twice");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prophet::{AddedSeasonality, HolidayRow, RegressorOptions, TimeValue};

    fn holiday(name: &str) -> HolidayRow {
        HolidayRow {
            holiday: name.into(),
            ds: TimeValue::Millis(0.0),
            lower_window: 0,
            upper_window: 0,
            prior_scale: None,
        }
    }

    fn seasonality(name: &str) -> AddedSeasonality {
        AddedSeasonality {
            name: name.into(),
            period: 7.0,
            fourier_order: 3,
            prior_scale: None,
            mode: None,
            condition_name: None,
        }
    }

    fn regressor(name: &str) -> RegressorOptions {
        RegressorOptions {
            name: name.into(),
            prior_scale: None,
            standardize: Default::default(),
            mode: None,
        }
    }

    fn message(options: &ForecastOptions) -> String {
        check_names(options).unwrap_err().to_string()
    }

    #[test]
    fn prophet_reserved_names_and_clashes_are_refused() {
        for name in [
            "__proto__",
            "additive_terms",
            "holidays",
            "daily",
            "yhat_upper",
            "cap",
            "a_delim_b",
            "",
        ] {
            let o = ForecastOptions {
                holidays: vec![holiday(name)],
                ..Default::default()
            };
            assert!(message(&o).contains("holiday name"), "{name}");
        }
        for name in [
            "__proto__",
            "additive_terms",
            "holidays",
            "trend_lower",
            "y",
        ] {
            let o = ForecastOptions {
                seasonalities: vec![seasonality(name)],
                ..Default::default()
            };
            assert!(message(&o).contains("seasonality name"), "{name}");
        }
        let o = ForecastOptions {
            holidays: vec![holiday("launch")],
            seasonalities: vec![seasonality("launch")],
            ..Default::default()
        };
        assert!(message(&o).contains("already used for a holiday"));
        let o = ForecastOptions {
            seasonalities: vec![seasonality("monthly")],
            regressors: vec![regressor("orders"), regressor("monthly")],
            ..Default::default()
        };
        assert!(message(&o).contains("already used for a seasonality"));
        let o = ForecastOptions {
            regressors: vec![regressor("orders"), regressor("orders")],
            ..Default::default()
        };
        assert!(message(&o).contains("given twice"));
    }

    #[test]
    fn ordinary_names_and_built_in_overrides_pass() {
        let o = ForecastOptions {
            holidays: vec![
                holiday("christmas"),
                holiday("christmas"),
                holiday("trendy"),
            ],
            seasonalities: vec![seasonality("daily"), seasonality("monthly")],
            regressors: vec![regressor("orders")],
            ..Default::default()
        };
        assert!(check_names(&o).is_ok());
    }
}
