//! Prophet's options under Prophet's own (snake_case) names, with camelCase aliases for JS.

use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Trend model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Growth {
    #[default]
    Linear,
    Logistic,
    Flat,
}

/// How a component combines with the trend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Additive,
    Multiplicative,
}

/// Scaling of y before fitting (Prophet's `scaling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scaling {
    #[default]
    Absmax,
    Minmax,
}

/// `yearly_seasonality` and friends: `"auto"`, `true`/`false`, or a Fourier order
/// (0 turns it off, as in Prophet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "RawSeasonality", into = "RawSeasonality")]
pub enum SeasonalitySetting {
    #[default]
    Auto,
    On(bool),
    Order(u32),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RawSeasonality {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl TryFrom<RawSeasonality> for SeasonalitySetting {
    type Error = String;
    fn try_from(raw: RawSeasonality) -> std::result::Result<Self, String> {
        match raw {
            RawSeasonality::Bool(b) => Ok(Self::On(b)),
            RawSeasonality::Number(n) if n >= 0.0 && n.fract() == 0.0 && n <= u32::MAX as f64 => {
                Ok(Self::Order(n as u32))
            }
            RawSeasonality::Number(n) => Err(format!(
                "a seasonality's Fourier order must be a whole number >= 0, got {n}"
            )),
            RawSeasonality::Text(s) if s.eq_ignore_ascii_case("auto") => Ok(Self::Auto),
            RawSeasonality::Text(s) if s.eq_ignore_ascii_case("true") => Ok(Self::On(true)),
            RawSeasonality::Text(s) if s.eq_ignore_ascii_case("false") => Ok(Self::On(false)),
            RawSeasonality::Text(s) => Err(format!(
                "expected \"auto\", true, false or a Fourier order, got {s:?}"
            )),
        }
    }
}

impl From<SeasonalitySetting> for RawSeasonality {
    fn from(s: SeasonalitySetting) -> Self {
        match s {
            SeasonalitySetting::Auto => Self::Text("auto".into()),
            SeasonalitySetting::On(b) => Self::Bool(b),
            SeasonalitySetting::Order(n) => Self::Number(f64::from(n)),
        }
    }
}

/// A point in time: milliseconds since the Unix epoch (UTC) or an ISO date / date-time
/// string (`2010-02-07`, `2010-02-07 12:00:00`, `2010-02-07T12:00:00Z`), read as UTC.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TimeValue {
    Millis(f64),
    Text(String),
}

impl TimeValue {
    pub fn to_millis(&self) -> Result<f64> {
        match self {
            Self::Millis(ms) if ms.is_finite() => Ok(*ms),
            Self::Millis(ms) => Err(invalid("ds", format!("{ms} is not a finite time"))),
            Self::Text(s) => parse_datetime_ms(s)
                .ok_or_else(|| invalid("ds", format!("cannot read {s:?} as a date"))),
        }
    }
}

/// One row of Prophet's `holidays` data frame.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HolidayRow {
    pub holiday: String,
    pub ds: TimeValue,
    /// Days before the date that also count (0 or negative, as in Prophet).
    #[serde(default, alias = "lowerWindow")]
    pub lower_window: i32,
    /// Days after the date that also count (0 or positive).
    #[serde(default, alias = "upperWindow")]
    pub upper_window: i32,
    #[serde(default, alias = "priorScale")]
    pub prior_scale: Option<f64>,
}

/// A seasonality added with Prophet's `add_seasonality`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddedSeasonality {
    pub name: String,
    /// Period in days.
    pub period: f64,
    #[serde(alias = "fourierOrder")]
    pub fourier_order: u32,
    #[serde(default, alias = "priorScale")]
    pub prior_scale: Option<f64>,
    #[serde(default)]
    pub mode: Option<Mode>,
    /// Prophet's `condition_name`: the seasonality acts only on rows where this condition
    /// column is true (given with the data, [`super::ExtraColumns`]; `weekday` and `weekend`
    /// are derived from the timestamps, in UTC, when the data do not give them).
    #[serde(default, alias = "conditionName")]
    pub condition_name: Option<String>,
}

/// Whether an extra regressor is standardised (Prophet's `standardize`: `"auto"`, true, false).
/// `auto` standardises unless the regressor takes only the values 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "RawSeasonality", into = "RawSeasonality")]
pub enum Standardize {
    #[default]
    Auto,
    Yes,
    No,
}

impl TryFrom<RawSeasonality> for Standardize {
    type Error = String;
    fn try_from(raw: RawSeasonality) -> std::result::Result<Self, String> {
        match raw {
            RawSeasonality::Bool(true) => Ok(Self::Yes),
            RawSeasonality::Bool(false) => Ok(Self::No),
            RawSeasonality::Text(s) if s.eq_ignore_ascii_case("auto") => Ok(Self::Auto),
            RawSeasonality::Text(s) if s.eq_ignore_ascii_case("true") => Ok(Self::Yes),
            RawSeasonality::Text(s) if s.eq_ignore_ascii_case("false") => Ok(Self::No),
            _ => Err("standardize must be \"auto\", true or false".into()),
        }
    }
}

impl From<Standardize> for RawSeasonality {
    fn from(s: Standardize) -> Self {
        match s {
            Standardize::Auto => Self::Text("auto".into()),
            Standardize::Yes => Self::Bool(true),
            Standardize::No => Self::Bool(false),
        }
    }
}

/// An extra regressor (Prophet's `add_regressor`): its values come with the data
/// ([`super::ExtraColumns`]), at every training row and every timestamp to predict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegressorOptions {
    pub name: String,
    /// Prior scale of its coefficient; Prophet's default is `holidays_prior_scale`.
    #[serde(default, alias = "priorScale")]
    pub prior_scale: Option<f64>,
    #[serde(default)]
    pub standardize: Standardize,
    /// Additive or multiplicative; Prophet's default is `seasonality_mode`.
    #[serde(default)]
    pub mode: Option<Mode>,
}

/// Prophet's options. Every field is optional; defaults are Prophet's.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ForecastOptions {
    pub growth: Growth,
    /// Carrying capacity for logistic growth (constant over time).
    pub cap: Option<f64>,
    /// Saturating minimum for logistic growth (constant; Prophet's default 0).
    pub floor: Option<f64>,
    /// Explicit changepoints (ms or dates); overrides `n_changepoints`.
    pub changepoints: Option<Vec<TimeValue>>,
    #[serde(alias = "nChangepoints")]
    pub n_changepoints: Option<u32>,
    #[serde(alias = "changepointRange")]
    pub changepoint_range: Option<f64>,
    #[serde(alias = "changepointPriorScale")]
    pub changepoint_prior_scale: Option<f64>,
    #[serde(alias = "yearlySeasonality")]
    pub yearly_seasonality: SeasonalitySetting,
    #[serde(alias = "weeklySeasonality")]
    pub weekly_seasonality: SeasonalitySetting,
    #[serde(alias = "dailySeasonality")]
    pub daily_seasonality: SeasonalitySetting,
    #[serde(alias = "seasonalityMode")]
    pub seasonality_mode: Mode,
    #[serde(alias = "seasonalityPriorScale")]
    pub seasonality_prior_scale: Option<f64>,
    /// Added seasonalities (Prophet's `add_seasonality` calls).
    pub seasonalities: Vec<AddedSeasonality>,
    pub holidays: Vec<HolidayRow>,
    /// Extra regressors (Prophet's `add_regressor` calls), in the order they were added.
    pub regressors: Vec<RegressorOptions>,
    #[serde(alias = "holidaysPriorScale")]
    pub holidays_prior_scale: Option<f64>,
    #[serde(alias = "holidaysMode")]
    pub holidays_mode: Option<Mode>,
    #[serde(alias = "intervalWidth")]
    pub interval_width: Option<f64>,
    #[serde(alias = "uncertaintySamples")]
    pub uncertainty_samples: Option<u32>,
    pub scaling: Scaling,
    /// Stopping settings of the fit, as Prophet passes them to Stan's `optimize` (its `fit`
    /// keyword arguments); unset ones are Stan's defaults.
    pub optimize: OptimizeSettings,
}

/// Stan `optimize` settings a fit may override (Prophet: `m.fit(df, tol_rel_obj=..., iter=...)`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OptimizeSettings {
    /// Relative change of the objective, in units of machine epsilon, below which L-BFGS stops
    /// (Stan's default 10^4). Larger stops sooner: the panel's forecasts use 10^9
    /// (docs/prophet.md, "Stopping sooner for the panel").
    #[serde(alias = "tolRelObj")]
    pub tol_rel_obj: Option<f64>,
    /// Most L-BFGS iterations (Stan's default 10^4).
    pub iter: Option<u32>,
    /// Evaluate the objective from sufficient statistics when the model allows it (linear or
    /// flat trend, additive features): the same objective up to rounding, several times
    /// cheaper per iteration (`Engine::ArgminSufficientStats`). Not Stan's:
    /// off by default, so fits follow the path that matches Prophet on most reference cases.
    #[serde(alias = "sufficientStatistics")]
    pub sufficient_statistics: bool,
}

pub(crate) use crate::error::invalid;

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Parses `YYYY-MM-DD` with an optional ` HH:MM[:SS[.fff]]` or `T...` part and optional `Z`.
pub fn parse_datetime_ms(s: &str) -> Option<f64> {
    let s = s.trim().trim_end_matches('Z');
    let (date, time) = match s.find([' ', 'T']) {
        Some(i) => (&s[..i], Some(s[i + 1..].trim())),
        None => (s, None),
    };
    let mut parts = date.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, m, d) as f64 * 86_400_000.0;
    if let Some(time) = time.filter(|t| !t.is_empty()) {
        let mut hms = time.split(':');
        let h: i64 = hms.next()?.parse().ok()?;
        let mi: i64 = hms.next().map_or(Some(0), |v| v.parse().ok())?;
        let sec_ms = hms.next().map_or(Some(0.0), seconds_ms)?;
        if hms.next().is_some() || !(0..24).contains(&h) || !(0..60).contains(&mi) {
            return None;
        }
        ms += ((h * 60 + mi) * 60_000) as f64 + sec_ms;
    }
    Some(ms)
}

/// `SS` or `SS.fff…` as milliseconds. Read digit by digit rather than with `f64::from_str`,
/// whose tables would be the only reason the wasm module carries them (docs/benchmarks.md,
/// "Engine module size").
fn seconds_ms(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return None;
    }
    let mut ms = whole.parse::<u32>().ok()? as f64 * 1000.0;
    let mut scale = 100.0;
    for b in fraction.bytes() {
        ms += f64::from(b - b'0') * scale;
        scale /= 10.0;
    }
    Some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dates_as_utc() {
        assert_eq!(parse_datetime_ms("1970-01-01"), Some(0.0));
        assert_eq!(parse_datetime_ms("2010-02-07"), Some(1_265_500_800_000.0));
        assert_eq!(
            parse_datetime_ms("2017-05-01 00:05:00"),
            Some(1_493_596_800_000.0 + 300_000.0)
        );
        assert_eq!(
            parse_datetime_ms("2017-05-01T00:05:00Z"),
            Some(1_493_597_100_000.0)
        );
        assert_eq!(
            parse_datetime_ms("2017-05-01 00:05:07.25"),
            Some(1_493_597_107_250.0)
        );
        assert_eq!(parse_datetime_ms("2017-05-01 00:05:x"), None);
        assert_eq!(parse_datetime_ms("2017-13-01"), None);
        assert_eq!(parse_datetime_ms("yesterday"), None);
    }

    #[test]
    fn reads_prophet_and_camel_case_names() {
        let o: ForecastOptions = serde_json::from_str(
            r#"{"growth":"logistic","cap":8.5,"yearly_seasonality":false,
                "weeklySeasonality":5,"daily_seasonality":"auto","changepoint_prior_scale":0.5,
                "holidays":[{"holiday":"x","ds":"2010-02-07","lower_window":-1,"upper_window":1}],
                "seasonalities":[{"name":"monthly","period":30.5,"fourier_order":5}]}"#,
        )
        .unwrap();
        assert_eq!(o.growth, Growth::Logistic);
        assert_eq!(o.yearly_seasonality, SeasonalitySetting::On(false));
        assert_eq!(o.weekly_seasonality, SeasonalitySetting::Order(5));
        assert_eq!(o.daily_seasonality, SeasonalitySetting::Auto);
        assert_eq!(o.holidays[0].lower_window, -1);
        assert_eq!(o.seasonalities[0].fourier_order, 5);
        assert!(serde_json::from_str::<ForecastOptions>(r#"{"weekly_seasonality":2.5}"#).is_err());
        assert!(serde_json::from_str::<ForecastOptions>(r#"{"no_such_option":1}"#).is_err());
    }

    #[test]
    fn reads_regressors_and_conditions() {
        let o: ForecastOptions = serde_json::from_str(
            r#"{"regressors":[{"name":"orders","priorScale":0.5,"standardize":false,
                               "mode":"multiplicative"},{"name":"promo","standardize":"auto"}],
                "seasonalities":[{"name":"daily_weekend","period":1,"fourier_order":4,
                                  "conditionName":"weekend"}]}"#,
        )
        .unwrap();
        assert_eq!(o.regressors[0].standardize, Standardize::No);
        assert_eq!(o.regressors[0].mode, Some(Mode::Multiplicative));
        assert_eq!(o.regressors[0].prior_scale, Some(0.5));
        assert_eq!(o.regressors[1].standardize, Standardize::Auto);
        assert_eq!(o.regressors[1].mode, None);
        assert_eq!(
            o.seasonalities[0].condition_name.as_deref(),
            Some("weekend")
        );
        for bad in [
            r#"{"regressors":[{"name":"x","standardize":"sometimes"}]}"#,
            r#"{"regressors":[{"name":"x","scale":1}]}"#,
            r#"{"regressors":[{"prior_scale":1}]}"#,
        ] {
            assert!(
                serde_json::from_str::<ForecastOptions>(bad).is_err(),
                "{bad}"
            );
        }
    }
}
