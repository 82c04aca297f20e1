//! Bad input (issue 3): a typed error with a clear message or a correct result, never a
//! panic, a hang or a NaN forecast.
use super::*;
use crate::prophet::{AddedSeasonality, Forecast, SeasonalitySetting, Standardize};

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
