//! Generated Prometheus rules, checked and unit-tested by `promtool` on synthetic series that
//! must and must not fire. promtool is required: without it these tests fail (install it with
//! scripts/setup.sh, or `apt-get install prometheus`).

use std::path::{Path, PathBuf};
use std::process::Command;

use foresight_core::insight::{alert_rules, AlertRuleOptions, AlertRules};
use foresight_core::{Direction, Error};

const PROMTOOL: &str = "promtool";

fn promtool() -> PathBuf {
    for candidate in [
        std::env::var("PROMTOOL").ok(),
        Some("/usr/bin/promtool".into()),
        Some(PROMTOOL.into()),
    ]
    .into_iter()
    .flatten()
    {
        if Command::new(&candidate).arg("--version").output().is_ok() {
            return candidate.into();
        }
    }
    panic!(
        "promtool is not installed: these tests run `promtool check rules` and `promtool test \
         rules` on the generated rules. Install it with scripts/setup.sh (Debian: `apt-get \
         install prometheus`) or point PROMTOOL at the binary."
    );
}

fn temp_dir(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "foresight-alert-rules-{}-{test}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str], dir: &Path) -> (bool, String) {
    let out = Command::new(promtool())
        .args(args)
        .current_dir(dir)
        .output()
        .expect("promtool runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// 5 h of a 1 h sine (amplitude 10 around 100) at 1 min steps, with `bumps` of (start
/// minute, minutes, delta) added.
fn seasonal_values(bumps: &[(usize, usize, f64)]) -> String {
    (0..300)
        .map(|i| {
            let mut v = 100.0 + 10.0 * (2.0 * std::f64::consts::PI * i as f64 / 60.0).sin();
            for &(start, len, delta) in bumps {
                if i >= start && i < start + len {
                    v += delta;
                }
            }
            format!("{:.3}", v)
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn options(direction: Direction) -> AlertRuleOptions {
    AlertRuleOptions {
        query: "sum by (instance) (rate(http_requests_total{job=\"api\"}[5m]))".into(),
        name: "API request rate".into(),
        period_ms: Some(3_600_000.0),
        seasons: 2,
        window_ms: 600_000.0,
        step_ms: 60_000.0,
        residual_spread: 2.0,
        sensitivity: 0.5,
        direction,
        min_abs_deviation: 1.0,
        min_duration_ms: 300_000.0,
        ..Default::default()
    }
}

/// Rules for a plain selector (promtool's input series are raw samples, so the test query
/// is the series itself).
fn test_rules(direction: Direction) -> AlertRules {
    alert_rules(&AlertRuleOptions {
        query: "api_requests{job=\"api\"}".into(),
        ..options(direction)
    })
    .unwrap()
}

/// Writes rules.yml and test.yml, runs `check rules` and `test rules`.
fn promtool_test(test: &str, rules: &AlertRules, series: &str, alert_tests: &str) -> String {
    let dir = temp_dir(test);
    std::fs::write(dir.join("rules.yml"), &rules.yaml).unwrap();
    let (ok, text) = run(&["check", "rules", "rules.yml"], &dir);
    assert!(ok, "promtool check rules failed:\n{text}\n{}", rules.yaml);
    let test_yaml = format!(
        "rule_files:\n  - rules.yml\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{series}    alert_rule_test:\n{alert_tests}"
    );
    std::fs::write(dir.join("test.yml"), &test_yaml).unwrap();
    let (ok, text) = run(&["test", "rules", "test.yml"], &dir);
    assert!(
        ok,
        "promtool test rules failed:\n{text}\n--- rules.yml\n{}\n--- test.yml\n{test_yaml}",
        rules.yaml
    );
    let _ = std::fs::remove_dir_all(&dir);
    text
}

fn input(instance: &str, values: &str) -> String {
    format!(
        "      - series: 'api_requests{{job=\"api\",instance=\"{instance}\"}}'\n        values: '{values}'\n"
    )
}

fn expect_none(alert: &str, minutes: &[usize]) -> String {
    minutes
        .iter()
        .map(|m| {
            format!("      - eval_time: {m}m\n        alertname: {alert}\n        exp_alerts: []\n")
        })
        .collect()
}

#[test]
fn generated_rules_pass_promtool_check() {
    let dir = temp_dir("check");
    for direction in [Direction::Up, Direction::Down, Direction::Both] {
        for (period, rel) in [(Some(86_400_000.0), 0.0), (None, 0.1)] {
            let rules = alert_rules(&AlertRuleOptions {
                period_ms: period,
                min_rel_deviation: rel,
                seasons: 3,
                labels: [("team".to_string(), "payments \"core\"".to_string())].into(),
                ..options(direction)
            })
            .unwrap();
            std::fs::write(dir.join("rules.yml"), &rules.yaml).unwrap();
            let (ok, text) = run(&["check", "rules", "rules.yml"], &dir);
            assert!(ok, "promtool check rules failed:\n{text}\n{}", rules.yaml);
            assert_eq!(rules.alert, "ForesightApiRequestRateAnomaly");
            assert_eq!(rules.group, "foresight_api_request_rate");
            assert!(rules.yaml.contains("for: 300s"), "{}", rules.yaml);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_shift_beyond_the_band_for_longer_than_for_fires() {
    let rules = test_rules(Direction::Up);
    let alert = &rules.alert;
    // +40 from minute 200 to 229; the sine is 0 at minute 210, so the value there is 140.
    let series = input("db-2", &seasonal_values(&[(200, 30, 40.0)]));
    let tests = format!(
        "      - eval_time: 210m\n        alertname: {alert}\n        exp_alerts:\n          - exp_labels:\n              severity: warning\n              job: api\n              instance: db-2\n            exp_annotations:\n              summary: \"API request rate is above its seasonal band\"\n              description: \"Value 140 is above the band of ±6 around the baseline (the same time in the last 2 period(s) of 3600s). Generated by Foresight for: api_requests{{job=\\\"api\\\"}}\"\n{}",
        // Pending (not yet 5 min) at 203 min: nothing fires yet.
        expect_none(alert, &[203])
    );
    promtool_test("fires", &rules, &series, &tests);
}

#[test]
fn seasonal_behaviour_and_a_short_blip_do_not_fire() {
    let rules = test_rules(Direction::Both);
    let alert = &rules.alert;
    // A 3-minute blip of +40 at minute 240: shorter than `for: 5m`.
    let series = input("db-1", &seasonal_values(&[(240, 3, 40.0)]));
    // Seasonal peaks (135, 195 min), troughs (165, 225 min), during and after the blip.
    let tests = expect_none(
        alert,
        &[125, 135, 150, 165, 195, 225, 241, 243, 245, 250, 290],
    );
    promtool_test("quiet", &rules, &series, &tests);
}

#[test]
fn a_past_incident_does_not_leak_into_the_baseline_with_three_periods() {
    let rules = alert_rules(&AlertRuleOptions {
        query: "api_requests{job=\"api\"}".into(),
        seasons: 3,
        ..options(Direction::Both)
    })
    .unwrap();
    assert!(
        rules.yaml.contains("quantile without (foresight_season)"),
        "{}",
        rules.yaml
    );
    // The incident at 190–219 min is one period back at 250–279 min: the median across three
    // periods ignores it, so nothing fires then.
    let series = input("db-2", &seasonal_values(&[(190, 30, 40.0)]));
    let tests = expect_none(&rules.alert, &[250, 260, 270, 279, 290]);
    promtool_test("leak", &rules, &series, &tests);
}

#[test]
fn direction_is_respected() {
    // A drop of 40 for 30 minutes: fires with `down`, not with `up`.
    let series = input("db-3", &seasonal_values(&[(200, 30, -40.0)]));
    let down = test_rules(Direction::Down);
    let tests = format!(
        "      - eval_time: 210m\n        alertname: {a}\n        exp_alerts:\n          - exp_labels:\n              severity: warning\n              job: api\n              instance: db-3\n            exp_annotations:\n              summary: \"API request rate is below its seasonal band\"\n              description: \"Value 60 is below the band of ±6 around the baseline (the same time in the last 2 period(s) of 3600s). Generated by Foresight for: api_requests{{job=\\\"api\\\"}}\"\n",
        a = down.alert
    );
    promtool_test("down", &down, &series, &tests);
    let up = test_rules(Direction::Up);
    promtool_test("up", &up, &series, &expect_none(&up.alert, &[210, 220]));
}

#[test]
fn bad_options_are_typed_errors() {
    let err = alert_rules(&AlertRuleOptions {
        query: " ".into(),
        ..options(Direction::Up)
    })
    .unwrap_err();
    assert!(
        matches!(err, Error::InvalidOption { name: "query", .. }),
        "{err}"
    );
    let err = alert_rules(&AlertRuleOptions {
        residual_spread: 0.0,
        min_abs_deviation: 0.0,
        ..options(Direction::Up)
    })
    .unwrap_err();
    assert!(err.to_string().contains("zero width"), "{err}");
    let err = alert_rules(&AlertRuleOptions {
        sensitivity: 1.5,
        ..options(Direction::Up)
    })
    .unwrap_err();
    assert!(matches!(
        err,
        Error::InvalidOption {
            name: "sensitivity",
            ..
        }
    ));
    let err = alert_rules(&AlertRuleOptions {
        window_ms: 3.0 * 3_600_000.0,
        ..options(Direction::Up)
    })
    .unwrap_err();
    assert!(err.to_string().contains("twice the period"), "{err}");
    let err = alert_rules(&AlertRuleOptions {
        labels: [("bad-name".to_string(), "x".to_string())].into(),
        ..options(Direction::Up)
    })
    .unwrap_err();
    assert!(err.to_string().contains("bad-name"), "{err}");
}

#[test]
fn sensitivity_maps_to_band_sigmas_like_the_detector() {
    let o = options(Direction::Both);
    assert_eq!(o.band_sigmas(), 3.0);
    assert_eq!(
        AlertRuleOptions {
            sensitivity: 1.0,
            ..o.clone()
        }
        .band_sigmas(),
        1.5
    );
    assert_eq!(
        foresight_core::AnomalyOptions::default().band_sigmas(),
        o.band_sigmas()
    );
    // residual spread 2 × 3 sigmas = 6 > min deviation 1.
    assert_eq!(o.band_width(), 6.0);
    let y = alert_rules(&o).unwrap().yaml;
    assert!(y.contains("offset 3300s"), "{y}");
    assert!(y.contains("offset 6900s"), "{y}");
    assert!(y.contains("foresight:api_request_rate:baseline + 6"), "{y}");
}

/// Text from the query, the panel and labels can hold anything: it reaches Prometheus as
/// literal text (no template action, no raw control character), and the file still loads.
#[test]
fn hostile_text_is_escaped_for_templates_and_yaml() {
    let nasty =
        "x{{{ .Value }}}{{ $labels }} \u{7f}\u{85}\u{9f}\u{feff}\u{2028}\u{2029}\u{1}\"\\ {";
    // Inside the query, a PromQL string literal (its own escapes for `"` and `\`).
    let promql = nasty.replace('\\', "\\\\").replace('"', "\\\"");
    let dir = temp_dir("hostile");
    for direction in [Direction::Up, Direction::Both] {
        let rules = alert_rules(&AlertRuleOptions {
            query: format!("label_replace(up, \"note\", \"{promql}\", \"\", \"\")"),
            name: nasty.into(),
            labels: [("team".to_string(), nasty.to_string())].into(),
            ..options(direction)
        })
        .unwrap();
        std::fs::write(dir.join("rules.yml"), &rules.yaml).unwrap();
        let (ok, text) = run(&["check", "rules", "rules.yml"], &dir);
        assert!(ok, "promtool check rules failed:\n{text}\n{}", rules.yaml);
        // Labels and annotations are templates: their one action is the description's own
        // value. (The recorded expressions are PromQL, not templates: the query stays as it is.)
        let templated = &rules.yaml[rules.yaml.find("        labels:").unwrap()..];
        assert_eq!(templated.matches("{{").count(), 1, "{}", rules.yaml);
        assert!(rules.yaml.contains("{{ $value | humanize }}"));
        for raw in [
            '\u{7f}', '\u{85}', '\u{9f}', '\u{feff}', '\u{2028}', '\u{2029}', '\u{1}',
        ] {
            assert!(!rules.yaml.contains(raw), "raw U+{:04X}", raw as u32);
        }
        assert!(rules.yaml.contains("\\x85") && rules.yaml.contains("\\ufeff"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Durations Prometheus cannot hold and bands that are not numbers are refused up front,
/// naming the option, instead of being written as `9223372036854775807ms` or `+ inf`.
#[test]
fn out_of_range_durations_and_bands_are_typed_errors() {
    let cases: [(&str, AlertRuleOptions); 6] = [
        (
            "minDurationMs",
            AlertRuleOptions {
                min_duration_ms: 1e300,
                ..options(Direction::Up)
            },
        ),
        (
            "stepMs",
            AlertRuleOptions {
                step_ms: 1e18,
                window_ms: 1e18,
                ..options(Direction::Up)
            },
        ),
        (
            "lookbackMs",
            AlertRuleOptions {
                period_ms: None,
                lookback_ms: 1e300,
                ..options(Direction::Up)
            },
        ),
        (
            "periodMs",
            AlertRuleOptions {
                period_ms: Some(1e18),
                ..options(Direction::Up)
            },
        ),
        (
            "periodMs",
            AlertRuleOptions {
                period_ms: Some(2e11),
                seasons: 10,
                ..options(Direction::Up)
            },
        ),
        (
            "residualSpread",
            AlertRuleOptions {
                residual_spread: 1e308,
                ..options(Direction::Up)
            },
        ),
    ];
    for (field, o) in cases {
        match alert_rules(&o) {
            Err(Error::InvalidOption { name, .. }) => assert_eq!(name, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    // Long but sane: a year of lookback is written as Prometheus reads it.
    let y = alert_rules(&AlertRuleOptions {
        period_ms: None,
        lookback_ms: 365.0 * 86_400_000.0,
        ..options(Direction::Up)
    })
    .unwrap()
    .yaml;
    assert!(y.contains("[31536000s:60s]"), "{y}");
}
