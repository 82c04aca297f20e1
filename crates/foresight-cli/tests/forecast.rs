//! `foresight forecast` end to end: the binary on a reference case and on a plain CSV.

use std::path::PathBuf;
use std::process::Command;

/// The Python Prophet reference outputs kept in the repository (`tests/data/prophet`).
fn reference_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/prophet")
}

fn out_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("foresight-cli-{}-{name}.csv", std::process::id()))
}

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_foresight"))
        .args(args)
        .output()
        .expect("the foresight binary runs");
    assert!(
        out.status.success(),
        "foresight {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

#[test]
fn forecast_writes_a_reference_case() {
    let dir = reference_dir();
    let case = dir.join("cases/retail_monthly.json");
    let out = out_path("retail");
    run(&[
        "forecast",
        "--case",
        case.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).expect("output written");
    let _ = std::fs::remove_file(&out);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(
        header,
        [
            "ds",
            "y",
            "yhat",
            "yhat_lower",
            "yhat_upper",
            "trend",
            "yearly",
            "additive_terms",
            "multiplicative_terms"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // The reference's rows: 293 training months plus a 24-month horizon.
    let reference = std::fs::read_to_string(dir.join("cases/retail_monthly.forecast.csv"))
        .expect("reference forecast");
    assert_eq!(rows.len(), reference.lines().count() - 1);
    assert_eq!(rows.len(), 293 + 24);
    let ref_ds: Vec<&str> = reference
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let ours_ds: Vec<f64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    let theirs_ds: Vec<f64> = ref_ds.iter().map(|v| v.parse().unwrap()).collect();
    assert_eq!(
        ours_ds, theirs_ds,
        "same timestamps as Prophet, month starts ahead"
    );
    for r in &rows {
        assert_eq!(r.len(), header.len());
        for v in [r[2], r[3], r[4], r[5]] {
            assert!(v.parse::<f64>().unwrap().is_finite(), "{r:?}");
        }
    }
}

#[test]
fn forecast_reads_a_csv_with_options_and_horizon() {
    let dir = std::env::temp_dir();
    let input = dir.join(format!("foresight-cli-{}-in.csv", std::process::id()));
    let options = dir.join(format!("foresight-cli-{}-opts.json", std::process::id()));
    // Three weeks of hourly data with a daily cycle and a slope.
    let mut csv = String::from("ds,y\n");
    for i in 0..(21 * 24) {
        let t = 1_700_000_000_000.0 + f64::from(i) * 3_600_000.0;
        let y = 10.0 + 0.01 * f64::from(i) + (f64::from(i) * std::f64::consts::TAU / 24.0).sin();
        csv += &format!("{t},{y}\n");
    }
    std::fs::write(&input, csv).unwrap();
    std::fs::write(
        &options,
        r#"{"weekly_seasonality": false, "uncertainty_samples": 200}"#,
    )
    .unwrap();
    let text = run(&[
        "forecast",
        "--input",
        input.to_str().unwrap(),
        "--options",
        options.to_str().unwrap(),
        "--horizon",
        "48",
    ]);
    let _ = std::fs::remove_file(&input);
    let _ = std::fs::remove_file(&options);
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "ds,y,yhat,yhat_lower,yhat_upper,trend,daily,additive_terms,multiplicative_terms"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 21 * 24 + 48);
    let last: Vec<f64> = rows[rows.len() - 1]
        .split(',')
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    assert_eq!(
        last[0],
        1_700_000_000_000.0 + f64::from(21 * 24 + 47) * 3_600_000.0
    );
    assert!(last[1].is_nan(), "no y in the horizon");
    assert!(last[2].is_finite() && last[3] < last[2] && last[2] < last[4]);
}

/// A case with an extra regressor and conditional seasonalities (issue 19): the regressor's
/// future values and the condition columns come from the case's `columns` file, and the
/// horizon follows Prophet's.
#[test]
fn forecast_reads_a_case_with_regressors_and_conditions() {
    let dir = reference_dir();
    let case = dir.join("cases/service_weekday_weekend.json");
    let out = out_path("service");
    run(&[
        "forecast",
        "--case",
        case.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).expect("output written");
    let _ = std::fs::remove_file(&out);
    let table = |text: &str| -> (Vec<String>, Vec<Vec<f64>>) {
        let mut lines = text.lines();
        let header = lines
            .next()
            .unwrap()
            .split(',')
            .map(str::to_string)
            .collect();
        let rows = lines
            .map(|l| {
                l.split(',')
                    .map(|v| v.parse().unwrap_or(f64::NAN))
                    .collect()
            })
            .collect();
        (header, rows)
    };
    let (header, rows) = table(&text);
    for c in [
        "orders",
        "extra_regressors_additive",
        "daily_weekday",
        "daily_weekend",
    ] {
        assert!(header.iter().any(|h| h == c), "{c} missing from {header:?}");
    }
    let (ref_header, ref_rows) = table(
        &std::fs::read_to_string(dir.join("cases/service_weekday_weekend.forecast.csv")).unwrap(),
    );
    assert_eq!(rows.len(), ref_rows.len());
    let col = |h: &[String], name: &str| h.iter().position(|c| c == name).unwrap();
    let (yi, ri) = (col(&header, "yhat"), col(&ref_header, "yhat"));
    let ys: Vec<f64> = ref_rows
        .iter()
        .map(|r| r[col(&ref_header, "y")])
        .filter(|v| v.is_finite())
        .collect();
    let range = ys.iter().cloned().fold(f64::NEG_INFINITY, f64::max)
        - ys.iter().cloned().fold(f64::INFINITY, f64::min);
    // The horizon (a planned campaign in the orders) as Prophet forecasts it, within 1 % of
    // range(y) as the parity test asks.
    for (ours, theirs) in rows.iter().zip(&ref_rows).skip(ys.len()) {
        assert!(
            (ours[yi] - theirs[ri]).abs() <= 0.01 * range,
            "{} vs {}",
            ours[yi],
            theirs[ri]
        );
    }
}
