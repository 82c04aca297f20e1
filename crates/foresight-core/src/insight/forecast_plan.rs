//! Whether and how the panel forecasts one series: the rules its forecasts follow beyond
//! Prophet's own options.

use serde::{Deserialize, Serialize};

use crate::prophet::Growth;

/// Under the `auto` model a series is forecast with at least this many numeric points:
/// fewer leave Prophet too little to tell a trend from a seasonality.
pub const AUTO_MIN_POINTS: usize = 30;

/// The panel's model choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForecastModel {
    /// Prophet when the series has enough history ([`AUTO_MIN_POINTS`]).
    #[default]
    Auto,
    Prophet,
    /// The fast detector only: no forecast.
    Fast,
}

/// One series as [`forecast_plan`] reads it, with the options that matter.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ForecastPlanInput {
    pub model: ForecastModel,
    /// Numeric points of the series' history.
    pub points: usize,
    /// Prophet's `growth` and `cap` as the options set them.
    pub growth: Growth,
    pub cap: Option<f64>,
    /// An upper bound the series is known to have besides the options (a dashboard field's
    /// Max, say: a disk's 100 %), the cap of logistic growth when the options set none.
    pub series_max: Option<f64>,
}

/// What [`forecast_plan`] decides.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ForecastPlan {
    /// Why the series is not forecast; `None`: it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip: Option<String>,
    /// The cap the fit takes instead of the options' (none set): the series' own bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cap: Option<f64>,
    /// Logistic growth with no cap from either: the fit will refuse it.
    pub cap_missing: bool,
}

/// Whether to forecast a series and with which cap: not under the `fast` model, nor under
/// `auto` with fewer than [`AUTO_MIN_POINTS`] points; logistic growth saturates at the
/// options' cap, else at the series' own bound.
pub fn forecast_plan(input: &ForecastPlanInput) -> ForecastPlan {
    let skip = match input.model {
        ForecastModel::Fast => Some("the fast model makes no forecast".to_string()),
        ForecastModel::Auto if input.points < AUTO_MIN_POINTS => Some(format!(
            "{} points, Prophet needs at least {AUTO_MIN_POINTS} under the auto model",
            input.points
        )),
        _ => None,
    };
    let logistic = input.growth == Growth::Logistic;
    let cap = (logistic && input.cap.is_none())
        .then_some(input.series_max)
        .flatten();
    ForecastPlan {
        skip,
        cap,
        cap_missing: logistic && input.cap.is_none() && cap.is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_forecasts_only_series_with_enough_points() {
        let plan = |model, points| {
            forecast_plan(&ForecastPlanInput {
                model,
                points,
                ..Default::default()
            })
        };
        assert_eq!(plan(ForecastModel::Auto, AUTO_MIN_POINTS).skip, None);
        assert_eq!(
            plan(ForecastModel::Auto, 29).skip.as_deref(),
            Some("29 points, Prophet needs at least 30 under the auto model")
        );
        assert_eq!(plan(ForecastModel::Prophet, 3).skip, None);
        assert!(plan(ForecastModel::Fast, 1000).skip.is_some());
    }

    #[test]
    fn logistic_growth_takes_the_series_bound_when_the_options_set_no_cap() {
        let plan = |growth, cap, series_max| {
            forecast_plan(&ForecastPlanInput {
                model: ForecastModel::Prophet,
                points: 100,
                growth,
                cap,
                series_max,
            })
        };
        let from_series = plan(Growth::Logistic, None, Some(100.0));
        assert_eq!(
            (from_series.cap, from_series.cap_missing),
            (Some(100.0), false)
        );
        let from_options = plan(Growth::Logistic, Some(80.0), Some(100.0));
        assert_eq!((from_options.cap, from_options.cap_missing), (None, false));
        let none = plan(Growth::Logistic, None, None);
        assert_eq!((none.cap, none.cap_missing), (None, true));
        let linear = plan(Growth::Linear, None, Some(100.0));
        assert_eq!((linear.cap, linear.cap_missing), (None, false));
    }
}
