//! Parity with Python Prophet 1.5.0 (cmdstan MAP fit) on the reference cases in
//! `tests/data/prophet` (see its README). Run with `--nocapture` to see the measured
//! errors per case (they are the numbers in docs/prophet.md).
//!
//! Tolerances (issue 3): trend and yhat within 0.2 % of range(y) on training rows and 1 % on
//! the horizon; interval edges within 5 % of the reference band width on training rows;
//! automatically chosen seasonalities and changepoints equal to the reference's.
//!
//! The reference's intervals are Monte-Carlo estimates (1000 samples; ours are exact on
//! training rows and sampled beyond them): the reference's own per-row sampling error is
//! about 2 % of the band width, so the interval check is on the mean absolute edge error over
//! training rows, with the maximum reported alongside.

use std::time::Instant;

use foresight_core::prophet::{Engine, ForecastOptions, Mode, ProphetModel};
use foresight_core::Series;
use serde_json::Value;

mod common;
use common::{load_case, load_columns, number, our_seasonalities, read_csv, their_seasonalities};

struct Column<'a>(&'a [String], &'a [Vec<String>]);

impl Column<'_> {
    fn get(&self, name: &str) -> Option<Vec<f64>> {
        let i = self.0.iter().position(|h| h == name)?;
        Some(self.1.iter().map(|r| number(&r[i])).collect())
    }
}

fn max_abs_diff(a: &[f64], b: &[f64], rows: &[usize]) -> f64 {
    rows.iter()
        .map(|&i| (a[i] - b[i]).abs())
        .fold(0.0, f64::max)
}

fn mean_abs_diff(a: &[f64], b: &[f64], rows: &[usize]) -> f64 {
    rows.iter().map(|&i| (a[i] - b[i]).abs()).sum::<f64>() / rows.len() as f64
}

/// The engine under test: the default, or `FORESIGHT_PROPHET_ENGINE=argmin|stan|sufficient`.
fn engine() -> Engine {
    match std::env::var("FORESIGHT_PROPHET_ENGINE").as_deref() {
        Ok("argmin") => Engine::Argmin,
        Ok("stan") => Engine::Stan,
        Ok("sufficient") => Engine::ArgminSufficientStats,
        _ => Engine::default(),
    }
}

fn run_case(name: &str) {
    let (dir, case, series, options) = load_case(name);
    let columns = load_columns(&dir, &case, &options);
    let model = ProphetModel::fit_with_columns_and_engine(&series, &options, &columns, engine())
        .expect("fit");

    // Extra regressors as Prophet set them up (standardisation, prior scale, mode).
    for r in model.regressors() {
        let theirs = &case["regressors"][&r.name];
        let mode = if r.mode == Mode::Additive {
            "additive"
        } else {
            "multiplicative"
        };
        assert_eq!(
            theirs["mode"].as_str(),
            Some(mode),
            "{name}: {} mode",
            r.name
        );
        assert_eq!(theirs["prior_scale"].as_f64(), Some(r.prior_scale));
        let (mu, std) = (
            theirs["mu"].as_f64().unwrap(),
            theirs["std"].as_f64().unwrap(),
        );
        assert!(
            (r.mu - mu).abs() <= 1e-9 * mu.abs().max(1.0) && (r.std - std).abs() <= 1e-9 * std,
            "{name}: {} standardised with mu {} std {}, Prophet {mu} {std}",
            r.name,
            r.mu,
            r.std
        );
    }

    // Automatic choices.
    let ours = our_seasonalities(&model);
    let theirs = their_seasonalities(&case["seasonalities"]);
    assert_eq!(ours, theirs, "{name}: seasonalities differ");
    let ref_cps: Vec<f64> = case["changepoints_ms"]
        .as_array()
        .expect("changepoints")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert_eq!(
        model.changepoints(),
        ref_cps.as_slice(),
        "{name}: changepoints differ"
    );

    // Predictions at the reference's rows.
    let (fh, frows) = read_csv(&dir.join(format!("cases/{name}.forecast.csv")));
    let col = Column(&fh, &frows);
    let ds = col.get("ds").expect("ds");
    let y = col.get("y").expect("y");
    let forecast = model.predict_with_columns(&ds, &columns).expect("predict");
    let train: Vec<usize> = (0..ds.len()).filter(|&i| y[i].is_finite()).collect();
    let horizon: Vec<usize> = (0..ds.len()).filter(|&i| !y[i].is_finite()).collect();
    assert_eq!(train.len() as u64, case["n_train"].as_u64().unwrap());
    let (lo, hi) = train
        .iter()
        .map(|&i| y[i])
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    let range = hi - lo;

    let mut failures = Vec::new();
    let fit = model.fit_report();
    let mut report = format!(
        "{name}: -lp ours {:.4} stan {:.4} ({} iterations, converged {});",
        fit.objective,
        -case["params"]["lp__"][0].as_f64().unwrap(),
        fit.iterations,
        fit.converged
    );
    for (what, ours, theirs) in [
        ("trend", &forecast.trend, col.get("trend").unwrap()),
        ("yhat", &forecast.yhat, col.get("yhat").unwrap()),
    ] {
        let tr = max_abs_diff(ours, &theirs, &train) / range;
        let hz = if horizon.is_empty() {
            0.0
        } else {
            max_abs_diff(ours, &theirs, &horizon) / range
        };
        report += &format!(
            " {what} train {:.4}% horizon {:.4}%;",
            tr * 100.0,
            hz * 100.0
        );
        if tr > 0.002 {
            failures.push(format!(
                "{what} on training rows: {:.4}% of range(y) > 0.2%",
                tr * 100.0
            ));
        }
        if hz > 0.01 {
            failures.push(format!(
                "{what} on the horizon: {:.4}% of range(y) > 1%",
                hz * 100.0
            ));
        }
    }

    // Components named as Prophet names them.
    for name_c in fh.iter().filter(|c| {
        !c.ends_with("_lower")
            && !c.ends_with("_upper")
            && !["ds", "y", "yhat", "trend", "cap", "floor"].contains(&c.as_str())
    }) {
        let Some(ours) = forecast.component(name_c) else {
            failures.push(format!("component {name_c} missing"));
            continue;
        };
        let theirs = col.get(name_c).unwrap();
        // Multiplicative components are relative factors: scale by the trend to compare them
        // in y's units, as they enter yhat.
        let multiplicative = name_c == "multiplicative_terms"
            || name_c == "extra_regressors_multiplicative"
            || model
                .seasonalities()
                .iter()
                .any(|s| &s.name == name_c && s.mode == Mode::Multiplicative)
            || model
                .regressors()
                .iter()
                .any(|r| &r.name == name_c && r.mode == Mode::Multiplicative);
        let scaled = |v: &[f64]| -> Vec<f64> {
            if multiplicative {
                v.iter().zip(&forecast.trend).map(|(a, t)| a * t).collect()
            } else {
                v.to_vec()
            }
        };
        let err = max_abs_diff(&scaled(ours), &scaled(&theirs), &train) / range;
        if err > 0.002 {
            failures.push(format!(
                "component {name_c} on training rows: {:.4}% of range(y) > 0.2%",
                err * 100.0
            ));
        }
    }

    let (ref_lo, ref_hi) = (
        col.get("yhat_lower").unwrap(),
        col.get("yhat_upper").unwrap(),
    );
    let width = train.iter().map(|&i| ref_hi[i] - ref_lo[i]).sum::<f64>() / train.len() as f64;
    let our_lo = forecast.yhat_lower.as_ref().expect("intervals");
    let our_hi = forecast.yhat_upper.as_ref().expect("intervals");
    let mean_err = (mean_abs_diff(our_lo, &ref_lo, &train)
        + mean_abs_diff(our_hi, &ref_hi, &train))
        / 2.0
        / width;
    let max_err =
        max_abs_diff(our_lo, &ref_lo, &train).max(max_abs_diff(our_hi, &ref_hi, &train)) / width;
    report += &format!(
        " interval edges mean {:.2}% max {:.2}% of band width",
        mean_err * 100.0,
        max_err * 100.0
    );
    if mean_err > 0.05 {
        failures.push(format!(
            "interval edges: mean error {:.2}% of band width > 5%",
            mean_err * 100.0
        ));
    }
    eprintln!("{report}");
    assert!(failures.is_empty(), "{name}: {}", failures.join("; "));
}

#[test]
fn peyton_default() {
    run_case("peyton_default");
}

#[test]
#[ignore = "trend 0.44% / yhat 0.42% of range(y) on training rows > 0.2%: Stan stops 0.57 nats short of the MAP (our -lp is lower), see docs/prophet.md"]
fn peyton_holidays() {
    run_case("peyton_holidays");
}

#[test]
fn peyton_custom_seasonality() {
    run_case("peyton_custom_seasonality");
}

#[test]
fn peyton_flat() {
    run_case("peyton_flat");
}

#[test]
fn r_logistic() {
    run_case("r_logistic");
}

#[test]
fn air_passengers_multiplicative() {
    run_case("air_passengers_multiplicative");
}

#[test]
#[ignore = "trend 0.63% / yhat 0.63% of range(y) on training rows > 0.2%: Stan stops 1.8 nats short of the MAP (our -lp is lower since the check's orthant-wise run), see docs/prophet.md"]
fn retail_monthly() {
    run_case("retail_monthly");
}

#[test]
#[ignore = "trend 0.32% / yhat 0.26% of range(y) on training rows > 0.2%: Stan stops 1.6 nats short of the MAP, see docs/prophet.md"]
fn pedestrians_covid_lockdowns() {
    run_case("pedestrians_covid_lockdowns");
}

#[test]
#[ignore = "trend 2.13% / yhat 2.10% of range(y) on training rows > 0.2%: Stan stops 69 nats short of the MAP (tau = 0.01), see docs/prophet.md"]
fn yosemite_subdaily() {
    run_case("yosemite_subdaily");
}

#[test]
#[ignore = "trend 0.33% / yhat 0.26% of range(y) on training rows > 0.2%: Stan stops 1.1 nats short of the MAP on outlier-driven changepoints, see docs/prophet.md"]
fn r_outliers() {
    run_case("r_outliers");
}

#[test]
#[ignore = "trend 0.28% / yhat 0.27% of range(y) on training rows > 0.2%: Stan stops 0.99 nats short of the MAP (our -lp is lower), see docs/prophet.md"]
fn peyton_nfl_sunday() {
    run_case("peyton_nfl_sunday");
}

#[test]
fn peyton_conditional_weekly() {
    run_case("peyton_conditional_weekly");
}

#[test]
fn service_orders_additive() {
    run_case("service_orders_additive");
}

#[test]
fn service_orders_multiplicative() {
    run_case("service_orders_multiplicative");
}

#[test]
fn service_weekday_weekend() {
    run_case("service_weekday_weekend");
}

/// The weekday / weekend conditions the engine derives from the time (UTC) are the columns
/// pandas derives (`ds.dt.day_of_week`): the fit without the columns is the fit with them.
#[test]
fn builtin_weekday_weekend_conditions_are_pandas() {
    let (dir, case, series, options) = load_case("service_weekday_weekend");
    let given = load_columns(&dir, &case, &options);
    let ds: Vec<f64> = {
        let (h, rows) = read_csv(&dir.join(case["columns"].as_str().unwrap()));
        let i = h.iter().position(|c| c == "ds").unwrap();
        rows.iter().map(|r| number(&r[i])).collect()
    };
    let orders = {
        let (h, rows) = read_csv(&dir.join(case["columns"].as_str().unwrap()));
        let i = h.iter().position(|c| c == "orders").unwrap();
        rows.iter().map(|r| number(&r[i])).collect::<Vec<_>>()
    };
    let derived = foresight_core::prophet::ExtraColumns::new()
        .with_regressor("orders", &ds, &orders)
        .unwrap();
    let a = ProphetModel::fit_with_columns(&series, &options, &given).unwrap();
    let b = ProphetModel::fit_with_columns(&series, &options, &derived).unwrap();
    assert_eq!(a.fit_report().objective, b.fit_report().objective);
    let (fa, fb) = (
        a.predict_point_with_columns(&ds, &given).unwrap(),
        b.predict_point_with_columns(&ds, &derived).unwrap(),
    );
    // Same fit; predictions equal up to the order augurs-prophet sums feature columns in
    // (its hash maps' order, which differs between two models).
    let close = |x: &[f64], y: &[f64]| x.iter().zip(y).all(|(u, v)| (u - v).abs() <= 1e-9);
    assert!(close(&fa.yhat, &fb.yhat));
    assert_eq!(fa.components.len(), fb.components.len());
    for (ca, cb) in fa.components.iter().zip(&fb.components) {
        assert_eq!(ca.name, cb.name);
        assert!(close(&ca.values, &cb.values), "{}", ca.name);
    }
}

const CASES: [&str; 10] = [
    "peyton_default",
    "peyton_holidays",
    "peyton_custom_seasonality",
    "peyton_flat",
    "r_logistic",
    "air_passengers_multiplicative",
    "retail_monthly",
    "pedestrians_covid_lockdowns",
    "yosemite_subdaily",
    "r_outliers",
];

/// Native fit times of both L-BFGS engines on every case (medians), for docs/benchmarks.md.
/// A measurement, not a test: `cargo test -p foresight-core --release --test prophet_parity
/// -- --ignored --nocapture engine_fit_times`.
#[test]
#[ignore = "benchmark: prints fit times of both engines, asserts nothing about speed"]
fn engine_fit_times() {
    let runs: usize = std::env::var("FORESIGHT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    eprintln!("| case | points | argmin fit (ms) | argmin iterations | Stan-style fit (ms) | Stan-style iterations | argmin / Stan-style |");
    eprintln!("| --- | --- | --- | --- | --- | --- | --- |");
    let (mut total_a, mut total_s) = (0.0, 0.0);
    for name in CASES {
        let (_, case, series, options) = load_case(name);
        let mut row = Vec::new();
        for engine in [Engine::Argmin, Engine::Stan] {
            let mut times = Vec::with_capacity(runs);
            let mut iterations = 0;
            for _ in 0..runs {
                let start = Instant::now();
                let model = ProphetModel::fit_with_engine(&series, &options, engine).expect("fit");
                times.push(start.elapsed().as_secs_f64() * 1000.0);
                iterations = model.fit_report().iterations;
            }
            times.sort_by(f64::total_cmp);
            row.push((times[runs / 2], iterations));
        }
        total_a += row[0].0;
        total_s += row[1].0;
        eprintln!(
            "| {name} | {} | {:.1} | {} | {:.1} | {} | {:.2} |",
            case["n_train"],
            row[0].0,
            row[0].1,
            row[1].0,
            row[1].1,
            row[0].0 / row[1].0
        );
    }
    eprintln!(
        "| total | | {total_a:.1} | | {total_s:.1} | | {:.2} |",
        total_a / total_s
    );
}

/// Native predict time at 600 timestamps (the last 300 training rows and 300 ahead, 1000
/// uncertainty samples): `-- --ignored --nocapture predict_times`. Prints, asserts nothing.
#[test]
#[ignore = "benchmark: prints predict times, asserts nothing about speed"]
fn predict_times() {
    for name in CASES {
        let (_, _, series, options) = load_case(name);
        let model = ProphetModel::fit(&series, &options).expect("fit");
        let ts = series.timestamps();
        let step = ts[ts.len() - 1] - ts[ts.len() - 2];
        let mut at: Vec<f64> = ts[ts.len().saturating_sub(300)..].to_vec();
        let last = ts[ts.len() - 1];
        at.extend((1..=300).map(|i| last + step * f64::from(i)));
        let mut times: Vec<f64> = (0..7)
            .map(|_| {
                let start = Instant::now();
                let f = model.predict(&at).expect("predict");
                assert!(f.yhat_lower.is_some());
                start.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        times.sort_by(f64::total_cmp);
        eprintln!("{name}: predict {} timestamps {:.1} ms", at.len(), times[3]);
    }
}

/// The browser benchmark's synthetic series (tests/bench/run.mjs): 5-minute samples with daily
/// and weekly seasonality, a slow trend and seeded noise.
fn synthetic_series(points: usize) -> Series {
    const DAY: f64 = 86_400_000.0;
    let mut seed: u64 = points as u64;
    let mut rand = || {
        seed = (seed * 1_103_515_245 + 12_345) % (1 << 31);
        seed as f64 / (1u64 << 31) as f64
    };
    let start = 1_704_067_200_000.0; // 2024-01-01T00:00Z
    let ds: Vec<f64> = (0..points).map(|i| start + i as f64 * 300_000.0).collect();
    let y: Vec<f64> = ds
        .iter()
        .enumerate()
        .map(|(i, &t)| {
            let day = (t % DAY) / DAY;
            let week = ((t / DAY + 3.0) % 7.0) / 7.0;
            100.0
                + i as f64 * 0.001
                + 20.0 * (2.0 * std::f64::consts::PI * day).sin()
                + 8.0 * (2.0 * std::f64::consts::PI * week).sin()
                + 4.0 * (rand() - 0.5)
        })
        .collect();
    Series::new(&ds, &y).expect("valid series")
}

/// Native fit times on the browser benchmark's inputs (`npm run bench`: the reference cases
/// with growth, cap/floor, seasonality_mode and changepoint_prior_scale only, plus the
/// synthetic series), default engine, median of `FORESIGHT_BENCH_RUNS` (5) fits:
/// `-- --ignored --nocapture bench_fit_times`. Prints, asserts nothing.
#[test]
#[ignore = "benchmark: prints fit times on the browser benchmark's inputs"]
fn bench_fit_times() {
    let runs: usize = std::env::var("FORESIGHT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let only = std::env::var("FORESIGHT_BENCH_ONLY").ok();
    let mut inputs: Vec<(String, Series, ForecastOptions)> = Vec::new();
    for name in CASES {
        let (_, case, series, _) = load_case(name);
        let kw = &case["prophet_kwargs"];
        let mut o = serde_json::Map::new();
        for key in ["growth", "seasonality_mode", "changepoint_prior_scale"] {
            if let Some(v) = kw.get(key) {
                o.insert(key.to_string(), v.clone());
            }
        }
        for key in ["cap", "floor"] {
            if let Some(v) = case["extra"].get(key) {
                o.insert(key.to_string(), v.clone());
            }
        }
        let options: ForecastOptions =
            serde_json::from_value(Value::Object(o)).expect("bench options parse");
        inputs.push((name.to_string(), series, options));
    }
    for points in [2016, 8640, 25920] {
        inputs.push((
            format!("synthetic_5min_{points}"),
            synthetic_series(points),
            ForecastOptions::default(),
        ));
    }
    eprintln!("| series | points | fit (ms) | iterations | ms / iteration | objective |");
    eprintln!("| --- | --- | --- | --- | --- | --- |");
    let mut total = 0.0;
    for (name, series, options) in inputs {
        if only.as_deref().is_some_and(|o| !name.contains(o)) {
            continue;
        }
        let mut times = Vec::with_capacity(runs);
        let mut report = None;
        for _ in 0..runs {
            let start = Instant::now();
            let model = ProphetModel::fit_with_engine(&series, &options, engine()).expect("fit");
            times.push(start.elapsed().as_secs_f64() * 1000.0);
            report = Some(model.fit_report().clone());
        }
        times.sort_by(f64::total_cmp);
        let report = report.expect("at least one run");
        let median = times[runs / 2];
        total += median;
        eprintln!(
            "| {name} | {} | {median:.1} | {} | {:.3} | {:.3} |",
            series.timestamps().len(),
            report.iterations,
            median / report.iterations.max(1) as f64,
            report.objective
        );
    }
    eprintln!("| total | | {total:.1} | | | |");
}
