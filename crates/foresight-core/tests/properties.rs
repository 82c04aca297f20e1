//! Property tests over the engine's public API (issue 20): generated series and options, some
//! of them hostile (gaps, constants, extreme magnitudes, out-of-range options, any text). Every
//! call returns a result with the promised shape and numbers, or a typed error: never a panic.
//! `PROPTEST_CASES` sets the number of cases (scripts/properties.sh runs a longer seeded pass).

use foresight_core::insight::{alert_rules, root_causes, AlertRuleOptions, RootCauseOptions};
use foresight_core::prophet::{ForecastOptions, ProphetModel};
use foresight_core::{
    detect, rolling_baseline, AnomalyOptions, BaselineOptions, DetectionMode, Direction, Series,
};
use proptest::prelude::*;

/// Timestamps on a step with optional jitter, values a wave with noise, gaps and outliers, at
/// a magnitude from tiny to near the largest float.
fn series() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (
        0usize..400,
        prop::sample::select(vec![1_000.0, 60_000.0, 300_000.0, 3_600_000.0]),
        prop::sample::select(vec![1e-300, 1e-6, 1.0, 1e6, 1e97, 1e150, 1e300]),
        0u32..6,
        any::<u64>(),
    )
        .prop_map(|(n, step, scale, shape, seed)| {
            let mut state = seed | 1;
            let mut next = move || {
                // xorshift: enough randomness for values, reproducible from the case.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 11) as f64 / (1u64 << 53) as f64
            };
            let ts: Vec<f64> = (0..n).map(|i| 1.7e12 + i as f64 * step).collect();
            let vs: Vec<f64> = (0..n)
                .map(|i| {
                    let u = next();
                    let base = match shape {
                        0 => 1.0,                                      // constant
                        1 => (i as f64 / 12.0).sin(),                  // a wave
                        2 => f64::from(u > 0.97) * 5.0,                // mostly zero counts
                        3 => i as f64 * 0.01 + (i as f64 / 7.0).sin(), // trend and wave
                        _ => u - 0.5,                                  // noise
                    };
                    if next() < 0.05 {
                        f64::NAN
                    } else if next() < 0.01 {
                        scale * 50.0 * (u - 0.5).signum()
                    } else {
                        scale * (base + 0.1 * (next() - 0.5))
                    }
                })
                .collect();
            (ts, vs)
        })
}

fn anomaly_options() -> impl Strategy<Value = AnomalyOptions> {
    (
        prop::sample::select(vec![DetectionMode::Batch, DetectionMode::Causal]),
        prop::sample::select(vec![0.0, 0.2, 0.3, 0.5, 0.5, 0.7, 0.9, 1.0, 2.0, f64::NAN]),
        prop::sample::select(vec![Direction::Up, Direction::Down, Direction::Both]),
        prop::sample::select(vec![0.0, 0.0, 0.0, 1.0, 1e308, -1.0]),
        prop::sample::select(vec![0.0, 0.0, 0.0, 0.1, 1e308]),
        prop::option::of(0usize..60),
        any::<bool>(),
    )
        .prop_map(
            |(mode, sensitivity, direction, min_abs, min_rel, period, robust)| AnomalyOptions {
                mode,
                sensitivity,
                direction,
                min_abs_deviation: min_abs,
                min_rel_deviation: min_rel,
                period,
                robust,
                ..Default::default()
            },
        )
}

/// 256 cases in `cargo test`; `PROPTEST_CASES` for a longer run.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn detection_has_the_promised_shape_or_a_typed_error(
        (ts, vs) in series(),
        options in anomaly_options(),
        copies in 1usize..4,
    ) {
        let Ok(s) = Series::new(&ts, &vs) else { return Ok(()) };
        let many = vec![s; copies];
        if let Ok(d) = detect(&many, &options) {
            prop_assert_eq!(d.series.len(), copies);
            for r in &d.series {
                let n = r.timestamps.len();
                for v in [&r.values, &r.expected, &r.lower, &r.upper, &r.score] {
                    prop_assert_eq!(v.len(), n);
                }
                prop_assert_eq!(r.direction.len(), n);
                prop_assert_eq!(r.kind.len(), n);
                for i in 0..n {
                    prop_assert!(!r.score[i].is_nan() && r.score[i] >= 0.0, "score {} at {}", r.score[i], i);
                    if !r.lower[i].is_nan() && !r.upper[i].is_nan() {
                        prop_assert!(r.lower[i] <= r.upper[i], "band {}..{} at {}", r.lower[i], r.upper[i], i);
                    }
                }
            }
            for inc in &d.incidents {
                prop_assert!(inc.series < copies);
                prop_assert!(inc.start <= inc.end);
                prop_assert!(!inc.peak_score.is_nan());
            }
        }
    }

    #[test]
    fn baseline_has_the_promised_shape_or_a_typed_error(
        (ts, vs) in series(),
        window in prop::option::of(prop::sample::select(vec![0usize, 1, 5, 51, 1_000, usize::MAX])),
        band_sigmas in prop::sample::select(vec![-1.0, 0.0, 1.0, 3.0, f64::INFINITY]),
    ) {
        let Ok(s) = Series::new(&ts, &vs) else { return Ok(()) };
        if let Ok(b) = rolling_baseline(&s, &BaselineOptions { window, band_sigmas }) {
            let n = b.timestamps.len();
            prop_assert!(b.expected.len() == n && b.lower.len() == n && b.upper.len() == n);
            for i in 0..n {
                if !b.lower[i].is_nan() && !b.upper[i].is_nan() {
                    prop_assert!(b.lower[i] <= b.upper[i]);
                }
            }
        }
    }

    #[test]
    fn alert_rules_are_yaml_without_raw_controls_or_a_typed_error(
        query in "\\PC{0,40}",
        name in any::<String>(),
        label in any::<String>(),
        spread in prop::sample::select(vec![0.0, 1.0, 1e300, 1e308, f64::NAN]),
        duration in prop::sample::select(vec![0.0, 60_000.0, 1e12, 1e300, -1.0]),
        period in prop::option::of(prop::sample::select(vec![0.0, 3.6e6, 8.64e7, 1e18])),
    ) {
        let o = AlertRuleOptions {
            query,
            name,
            labels: [("team".to_string(), label)].into(),
            residual_spread: spread,
            min_duration_ms: duration,
            period_ms: period,
            ..Default::default()
        };
        if let Ok(r) = alert_rules(&o) {
            for c in r.yaml.chars() {
                let code = c as u32;
                prop_assert!(
                    c == '\n' || !(code < 0x20 || (0x7f..=0x9f).contains(&code) || c == '\u{feff}'),
                    "raw U+{:04X}", code
                );
            }
            prop_assert!(!r.yaml.contains("inf") && !r.yaml.contains("NaN"));
            prop_assert!(!r.yaml.contains("9223372036854775807"));
        }
    }
}

/// Prophet fits cost far more than detection: an eighth of the cases.
fn prophet_cases() -> u32 {
    (cases() / 8).max(8)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: prophet_cases(), ..ProptestConfig::default() })]

    #[test]
    fn prophet_forecasts_are_finite_and_ordered_or_a_typed_error(
        (ts, vs) in series(),
        growth in prop::sample::select(vec!["linear", "flat", "logistic"]),
        mode in prop::sample::select(vec!["additive", "multiplicative"]),
        n_changepoints in prop::sample::select(vec![0u32, 3, 25]),
        samples in prop::sample::select(vec![0u32, 50]),
        ahead in prop::collection::vec(0.0f64..1e12, 0..8),
    ) {
        let Ok(s) = Series::new(&ts, &vs) else { return Ok(()) };
        let cap = vs.iter().copied().filter(|v| v.is_finite()).fold(f64::MIN, f64::max) * 2.0 + 1.0;
        let options: ForecastOptions = serde_json::from_value(serde_json::json!({
            "growth": growth,
            "cap": cap,
            "seasonality_mode": mode,
            "n_changepoints": n_changepoints,
            "uncertainty_samples": samples,
            "optimize": { "iter": 300 },
        }))
        .expect("valid options");
        let Ok(model) = ProphetModel::fit(&s, &options) else { return Ok(()) };
        prop_assert!(model.fit_report().objective.is_finite());
        let last = ts[ts.len() - 1];
        let asked: Vec<f64> = ahead.iter().map(|a| last + a).collect();
        if let Ok(f) = model.predict(&asked) {
            prop_assert_eq!(f.yhat.len(), asked.len());
            prop_assert!(f.yhat.iter().chain(&f.trend).all(|v| v.is_finite()));
            if let (Some(lo), Some(hi)) = (&f.yhat_lower, &f.yhat_upper) {
                for i in 0..asked.len() {
                    prop_assert!(lo[i].is_finite() && hi[i].is_finite() && lo[i] <= hi[i], "{} {}", lo[i], hi[i]);
                }
            }
        }
    }

    #[test]
    fn root_causes_answer_each_incident_or_a_typed_error(
        (ts, vs) in series(),
        copies in 2usize..5,
        max_lag in prop::sample::select(vec![0usize, 5, 50, 100_000]),
        context in prop::sample::select(vec![0usize, 20, 1_000_000]),
    ) {
        let Ok(s) = Series::new(&ts, &vs) else { return Ok(()) };
        let many = vec![s; copies];
        let Ok(d) = detect(&many, &AnomalyOptions { peer: false, ..Default::default() }) else { return Ok(()) };
        let options = RootCauseOptions { max_lag_points: max_lag, context_points: context, ..Default::default() };
        if let Ok(answers) = root_causes(&d.series, &d.incidents, &[], &options) {
            prop_assert_eq!(answers.len(), d.incidents.len());
        }
    }
}
