//! The CLI under hostile input (issue 20): every bad file, number or option ends in a one-line
//! error on standard error and a non-zero exit — never a panic message — and what it accepts
//! it answers with finite numbers.

use std::path::PathBuf;
use std::process::Command;

fn temp(name: &str, text: &str) -> PathBuf {
    let path =
        std::env::temp_dir().join(format!("foresight-hostile-{}-{name}", std::process::id()));
    std::fs::write(&path, text).expect("temp file written");
    path
}

/// Runs the binary; returns (success, stdout, stderr) after checking no panic reached stderr.
fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_foresight"))
        .args(args)
        .output()
        .expect("the foresight binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "foresight {args:?} panicked: {stderr}"
    );
    if !out.status.success() {
        assert!(
            stderr.starts_with("Error: ") || stderr.starts_with("error: "),
            "foresight {args:?}: {stderr}"
        );
    }
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        stderr,
    )
}

fn wave_csv(n: usize, last: &str) -> String {
    let mut text = String::from("ds,y\n");
    for i in 0..n {
        let y = if i + 1 == n {
            last.to_string()
        } else {
            format!("{}", 50.0 + 10.0 * (i as f64 / 4.0).sin())
        };
        text.push_str(&format!(
            "{},{}\n",
            1_700_000_000_000u64 + i as u64 * 3_600_000,
            y
        ));
    }
    text
}

#[test]
fn bad_files_numbers_and_options_are_errors_not_panics() {
    let good = temp("good.csv", &wave_csv(24 * 15, "51"));
    let g = good.to_str().unwrap();
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            "empty".into(),
            vec![temp("empty.csv", "").to_str().unwrap().into()],
        ),
        (
            "header only".into(),
            vec![temp("header.csv", "ds,y\n").to_str().unwrap().into()],
        ),
        (
            "text values".into(),
            vec![temp("text.csv", "ds,y\n1,a\n2,b\n3,c\n")
                .to_str()
                .unwrap()
                .into()],
        ),
        (
            "binary".into(),
            vec![temp("bin.csv", "\u{0}\u{1}\u{7f}\u{fffd}")
                .to_str()
                .unwrap()
                .into()],
        ),
        (
            "huge value".into(),
            vec![temp("huge.csv", &wave_csv(100, "1e300"))
                .to_str()
                .unwrap()
                .into()],
        ),
        ("missing".into(), vec!["/nonexistent/x.csv".into()]),
    ];
    for (what, input) in &cases {
        for command in ["baseline", "forecast"] {
            let mut args = vec![command, "--input", input[0].as_str()];
            if command == "forecast" {
                args.extend(["--horizon", "3"]);
            }
            let (ok, _, _) = run(&args);
            assert!(!ok, "{command} accepted {what}");
        }
    }
    for window in ["0", "1000000000", "18446744073709551615", "-1", "x"] {
        let (ok, _, _) = run(&["baseline", "--input", g, "--window", window]);
        assert!(!ok, "window {window}");
    }
    for sigmas in ["NaN", "inf", "-1", "0"] {
        let (ok, _, _) = run(&["baseline", "--input", g, "--band-sigmas", sigmas]);
        assert!(!ok, "band sigmas {sigmas}");
    }
    let options = [
        "not json",
        "[]",
        r#"{"growth": "exponential"}"#,
        r#"{"sensitivty": 1}"#,
        r#"{"holidays": [{"holiday": "x", "ds": 1700000000000, "lower_window": -2147483648, "upper_window": 2147483647}]}"#,
        r#"{"holidays": [{"holiday": "daily", "ds": 1700000000000}]}"#,
        r#"{"seasonalities": [{"name": "__proto__", "period": 3, "fourier_order": 2}]}"#,
        r#"{"n_changepoints": 1e300}"#,
        r#"{"optimize": {"iter": 0}}"#,
    ];
    for (i, o) in options.iter().enumerate() {
        let path = temp(&format!("options-{i}.json"), o);
        let (ok, _, _) = run(&[
            "forecast",
            "--input",
            g,
            "--horizon",
            "3",
            "--options",
            path.to_str().unwrap(),
        ]);
        assert!(!ok, "options {o}");
    }
    for (horizon, freq) in [
        ("-1", "h"),
        ("x", "h"),
        ("3", "fortnight"),
        ("99999999999", "h"),
    ] {
        let (ok, _, _) = run(&[
            "forecast",
            "--input",
            g,
            "--horizon",
            horizon,
            "--freq",
            freq,
        ]);
        assert!(!ok, "horizon {horizon} {freq}");
    }
}

#[test]
fn what_the_cli_accepts_it_answers_with_finite_numbers() {
    let good = temp("good2.csv", &wave_csv(24 * 15, "51"));
    let g = good.to_str().unwrap();
    let (ok, out, err) = run(&[
        "forecast",
        "--input",
        g,
        "--horizon",
        "20000",
        "--freq",
        "h",
    ]);
    assert!(ok, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(rows.len(), 1 + 24 * 15 + 20_000);
    for row in rows.iter().skip(1) {
        assert!(!row.contains("inf") && !row.contains("NaN"), "{row}");
    }
    // Past what one prediction may sample (rows x uncertainty_samples): refused, naming it.
    let (ok, _, err) = run(&[
        "forecast",
        "--input",
        g,
        "--horizon",
        "30000",
        "--freq",
        "h",
    ]);
    assert!(!ok && err.contains("uncertainty_samples"), "{err}");
    let (ok, out, err) = run(&["baseline", "--input", g]);
    assert!(ok, "{err}");
    assert!(out.lines().skip(1).all(|r| !r.contains("inf")));
}
