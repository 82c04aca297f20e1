//! The parity fuzzer (issue 14): every problem in `tests/data/prophet/fuzz` (generated from a
//! seed by `scripts/prophet-fuzz.sh`, fitted there by Python Prophet) and the ten reference
//! cases of `tests/data/prophet/cases`, fitted by our engine with the default settings and
//! with the panel's (`tol_rel_obj` 1e9, sufficient statistics), against the criterion:
//!
//! 1. **objective**: our negative log posterior ≤ Stan's (ours evaluated at Python Prophet's
//!    fitted parameters) + 0.5 nats;
//! 2. **rmse**: in-sample RMSE ≤ 1.02 × Python's;
//! 3. **training rows**: trend and yhat within 0.5 % of range(y) at the sampled training rows,
//!    waived where our objective is lower than Stan's by more than 0.5 nats (Stan stopped
//!    early); **horizon**: within 1 % beyond the history;
//! 4. **choices**: seasonalities and changepoints as Prophet chose them.
//!
//! A fit that stalls far from the optimum fails 1 and 2. Problems Python Prophet refused
//! must end in a typed error or a finite forecast, never a panic. `--nocapture` prints a line
//! per problem and the pass counts per criterion and group (docs/prophet.md).

use std::collections::BTreeMap;
use std::path::PathBuf;

use foresight_core::prophet::{
    parse_datetime_ms, ForecastOptions, OptimizeSettings, ProphetModel, ProphetParams,
};
use foresight_core::Series;
use serde_json::Value;

mod common;
use common::{
    load_case, number, our_seasonalities, read_csv, reference_dir, their_seasonalities, Choice,
};

const OBJECTIVE_SLACK: f64 = 0.5;
const RMSE_RATIO: f64 = 1.02;
const TRAIN_TOL: f64 = 0.005;
const HORIZON_TOL: f64 = 0.01;
/// Our prediction at Python's parameters against Python's, in range(y).
const PROBE_TOL: f64 = 1e-4;

/// One problem: the series, options and what Python Prophet made of it.
struct Problem {
    id: String,
    group: String,
    series: Series,
    options: ForecastOptions,
    python: Option<Python>,
}

struct Python {
    params: ProphetParams,
    seasonalities: Vec<Choice>,
    changepoints: Vec<f64>,
    rmse: f64,
    /// Rows to compare at: ds (ms), whether a training row, yhat, trend.
    check: Vec<(f64, bool, f64, f64)>,
}

fn scalar(v: &Value) -> f64 {
    match v {
        Value::Array(a) => a[0].as_f64().expect("number"),
        v => v.as_f64().expect("number"),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().map(|x| x.as_f64().expect("number")).collect())
        .unwrap_or_default()
}

fn python_part(p: &Value, check: Vec<(f64, bool, f64, f64)>, rmse: f64) -> Python {
    let params = &p["params"];
    let seasonalities = their_seasonalities(&p["seasonalities"]);
    Python {
        params: ProphetParams {
            k: scalar(&params["k"]),
            m: scalar(&params["m"]),
            sigma_obs: scalar(&params["sigma_obs"]),
            delta: floats(&params["delta"]),
            beta: floats(&params["beta"]),
        },
        seasonalities,
        changepoints: floats(&p["changepoints_ms"]),
        rmse,
        check,
    }
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

fn load_fuzz(path: &PathBuf) -> Problem {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read problem"))
        .expect("problem json");
    let d = &v["data"];
    let t0 = d["t0"].as_i64().unwrap();
    let idx: Vec<i64> = d["idx"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            let (a, c) = (r[0].as_i64().unwrap(), r[1].as_i64().unwrap());
            a..a + c
        })
        .collect();
    let ts: Vec<f64> = if d["monthly"].as_bool().unwrap_or(false) {
        let day0 = t0.div_euclid(86_400_000);
        let (y, m, dd) = civil_from_days(day0);
        idx.iter()
            .map(|&i| {
                let months = (m - 1) + i;
                let date = format!(
                    "{:04}-{:02}-{:02}",
                    y + months.div_euclid(12),
                    months.rem_euclid(12) + 1,
                    dd
                );
                parse_datetime_ms(&date).unwrap() + (t0 - day0 * 86_400_000) as f64
            })
            .collect()
    } else {
        let step = d["step"].as_i64().unwrap();
        idx.iter().map(|&i| (t0 + step * i) as f64).collect()
    };
    let (y0, dy) = (d["y0"].as_f64().unwrap(), d["dy"].as_f64().unwrap());
    let y: Vec<f64> = d["q"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| y0 + dy * q.as_i64().unwrap() as f64)
        .collect();
    let options: ForecastOptions =
        serde_json::from_value(v["options"].clone()).expect("problem options parse");
    let python = v.get("python").map(|p| {
        let c = &p["check"];
        let train: Vec<bool> = c["train"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        let check = floats(&c["ds"])
            .into_iter()
            .zip(train)
            .zip(floats(&c["yhat"]).into_iter().zip(floats(&c["trend"])))
            .map(|((ds, tr), (yh, t))| (ds, tr, yh, t))
            .collect();
        python_part(p, check, p["insample_rmse"].as_f64().unwrap())
    });
    Problem {
        id: v["id"].as_str().unwrap().to_string(),
        group: v["shape"].as_str().unwrap().to_string(),
        series: Series::new(&ts, &y).expect("valid series"),
        options,
        python,
    }
}

/// A reference case (tests/data/prophet/cases) as a problem, checked at every row.
fn load_reference(name: &str) -> Problem {
    let (dir, case, series, options) = load_case(name);
    let (fh, frows) = read_csv(&dir.join(format!("cases/{name}.forecast.csv")));
    let col = |name: &str| fh.iter().position(|c| c == name).unwrap();
    let (d, y, yh, tr) = (col("ds"), col("y"), col("yhat"), col("trend"));
    let check = frows
        .iter()
        .map(|r| {
            (
                number(&r[d]),
                number(&r[y]).is_finite(),
                number(&r[yh]),
                number(&r[tr]),
            )
        })
        .collect();
    Problem {
        id: name.to_string(),
        group: "reference".to_string(),
        series,
        options,
        python: Some(python_part(
            &case,
            check,
            case["insample_rmse"].as_f64().unwrap(),
        )),
    }
}

const REFERENCE: [&str; 10] = [
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

/// Problems left out unless `FORESIGHT_FUZZ_ALL` is set: short series (Newton's method, as
/// Prophet below 100 rows) with 60-90 parameters, whose finite-difference Hessians take 10 s
/// to minutes per fit in the test profile (s14_078: an exact fit, sigma_obs at its floor,
/// 10^4 Newton steps; Python Prophet takes 76 s on it too).
const SLOW: [&str; 4] = ["s14_078", "s14_182", "s14_184", "s14_208"];

fn problems() -> Vec<Problem> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(reference_dir().join("fuzz"))
        .expect("tests/data/prophet/fuzz (scripts/prophet-fuzz.sh)")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut out: Vec<Problem> = REFERENCE.iter().map(|n| load_reference(n)).collect();
    out.extend(paths.iter().map(load_fuzz));
    if std::env::var("FORESIGHT_FUZZ_ALL").is_err() {
        out.retain(|p| !SLOW.contains(&p.id.as_str()));
    }
    if let Ok(only) = std::env::var("FORESIGHT_FUZZ_ONLY") {
        out.retain(|p| only.split(',').any(|o| p.id.contains(o) || p.group == o));
    }
    out
}

/// The criteria one fit met.
#[derive(Default, Clone, Copy)]
struct Outcome {
    objective: bool,
    rmse: bool,
    train: bool,
    horizon: bool,
    choices: bool,
}

impl Outcome {
    fn all(&self) -> bool {
        self.objective && self.rmse && self.train && self.horizon && self.choices
    }
}

fn max_rel(
    rows: &[(f64, bool, f64, f64)],
    ours: &[f64],
    pick: fn(&(f64, bool, f64, f64)) -> f64,
    train: bool,
    range: f64,
) -> f64 {
    rows.iter()
        .zip(ours)
        .filter(|(r, _)| r.1 == train)
        .map(|(r, o)| (o - pick(r)).abs() / range)
        .fold(0.0, f64::max)
}

/// Fits one problem with one setting; `None` when Python Prophet refused it (then only
/// "no panic, typed error or finite forecast" is checked).
fn check(p: &Problem, panel: bool, stan_objective: f64, log: &mut String) -> Option<Outcome> {
    let mut options = p.options.clone();
    options.uncertainty_samples = Some(0);
    if panel {
        options.optimize = OptimizeSettings {
            tol_rel_obj: Some(1e9),
            sufficient_statistics: true,
            ..options.optimize
        };
    }
    let fitted = ProphetModel::fit(&p.series, &options);
    let Some(py) = &p.python else {
        if let Ok(model) = fitted {
            let f = model.predict(p.series.timestamps()).expect("predict");
            assert!(
                f.yhat.iter().all(|v| v.is_finite()),
                "{}: NaN forecast",
                p.id
            );
        }
        return None;
    };
    let model = match fitted {
        Ok(m) => m,
        Err(e) => {
            *log += &format!(" FIT ERROR {e}");
            return Some(Outcome::default());
        }
    };
    let report = model.fit_report().clone();
    let ts = p.series.timestamps();
    let values = p.series.values();
    let train_rows: Vec<usize> = (0..ts.len()).filter(|&i| values[i].is_finite()).collect();
    let (lo, hi) = train_rows
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &i| {
            (a.min(values[i]), b.max(values[i]))
        });
    let range = (hi - lo).max(f64::MIN_POSITIVE);
    let at: Vec<f64> = train_rows.iter().map(|&i| ts[i]).collect();
    let f = model.predict(&at).expect("predict");
    let rmse = (train_rows
        .iter()
        .zip(&f.yhat)
        .map(|(&i, yh)| (values[i] - yh).powi(2))
        .sum::<f64>()
        / train_rows.len() as f64)
        .sqrt();
    let ds: Vec<f64> = py.check.iter().map(|r| r.0).collect();
    let fc = model.predict(&ds).expect("predict");
    let dlp = report.objective - stan_objective;
    let mut o = Outcome {
        objective: dlp <= OBJECTIVE_SLACK,
        // (an absolute floor for exact fits, where both RMSEs are rounding)
        rmse: rmse <= RMSE_RATIO * py.rmse + 1e-9 * range,
        ..Outcome::default()
    };
    let tr = max_rel(&py.check, &fc.trend, |r| r.3, true, range).max(max_rel(
        &py.check,
        &fc.yhat,
        |r| r.2,
        true,
        range,
    ));
    let hz = max_rel(&py.check, &fc.trend, |r| r.3, false, range).max(max_rel(
        &py.check,
        &fc.yhat,
        |r| r.2,
        false,
        range,
    ));
    o.train = tr <= TRAIN_TOL || dlp < -OBJECTIVE_SLACK;
    o.horizon = hz <= HORIZON_TOL || dlp < -OBJECTIVE_SLACK;
    let ours = our_seasonalities(&model);
    o.choices = ours == py.seasonalities && model.changepoints() == py.changepoints.as_slice();
    *log += &format!(
        " {}: Δlp {dlp:+.3} rmse {:.4} ({:.4}) train {:.3}% horizon {:.3}% it {} conv {}{}",
        if panel { "panel" } else { "default" },
        rmse / py.rmse.max(f64::MIN_POSITIVE),
        rmse,
        tr * 100.0,
        hz * 100.0,
        report.iterations,
        report.converged,
        if o.all() { "" } else { " FAIL" },
    );
    Some(o)
}

/// What one problem gave: its log line, Python's refusal, the probe's error and per setting
/// the criteria met.
struct Run {
    log: String,
    refused: bool,
    probe_off: bool,
    outcomes: Vec<(&'static str, Outcome)>,
}

fn run_problem(p: &Problem) -> Run {
    let started = std::time::Instant::now();
    let mut log = format!("{} [{}]", p.id, p.group);
    let mut run = Run {
        log: String::new(),
        refused: p.python.is_none(),
        probe_off: false,
        outcomes: Vec::new(),
    };
    let stan_objective = match &p.python {
        Some(py) => {
            let mut options = p.options.clone();
            options.uncertainty_samples = Some(0);
            let probe =
                ProphetModel::from_params(&p.series, &options, &py.params).unwrap_or_else(|e| {
                    panic!("{}: Python's parameters do not fit the model: {e}", p.id)
                });
            // Our prediction at Python's parameters against Python's (checks the column order
            // and the data decoding; off by Python's 10 printed digits on large offsets).
            let ds: Vec<f64> = py.check.iter().map(|r| r.0).collect();
            let f = probe.predict(&ds).expect("predict");
            let (lo, hi) = p
                .series
                .values()
                .iter()
                .copied()
                .filter(|v| v.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v), b.max(v))
                });
            let err = max_rel(&py.check, &f.yhat, |r| r.2, true, (hi - lo).max(1e-300));
            log += &format!(" probe {err:.1e}");
            run.probe_off = err > PROBE_TOL;
            probe.fit_report().objective
        }
        None => f64::NAN,
    };
    let only = std::env::var("FORESIGHT_FUZZ_SETTING").ok();
    for (setting, panel) in [("default", false), ("panel", true)] {
        if only.as_deref().is_some_and(|o| o != setting) {
            continue;
        }
        if let Some(o) = check(p, panel, stan_objective, &mut log) {
            run.outcomes.push((setting, o));
        }
    }
    log += &format!(" ({} ms)", started.elapsed().as_millis());
    run.log = log;
    run
}

/// Failures measured and accepted (`tests/data/prophet/fuzz-known-failures.txt`: `id setting
/// criterion` per line, `#` comments): Stan's and our optimum differ on flat posteriors,
/// local optima. Any other failure fails the test, so a new stall cannot pass unnoticed.
fn known_failures() -> std::collections::BTreeSet<String> {
    std::fs::read_to_string(reference_dir().join("fuzz-known-failures.txt"))
        .unwrap_or_default()
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn fuzzed_problems_reach_stans_optimum() {
    let problems = problems();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let runs: Vec<(usize, Run)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(p) = problems.get(i) else { break };
                        let run = run_problem(p);
                        eprintln!("{}", run.log);
                        out.push((i, run));
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().expect("worker"))
            .collect()
    });
    let mut counts: BTreeMap<(String, &str), [usize; 7]> = BTreeMap::new();
    let mut failures = Vec::new();
    let (mut refused, mut probe_off) = (0, Vec::new());
    for (i, run) in &runs {
        let p = &problems[*i];
        refused += usize::from(run.refused);
        if run.probe_off {
            probe_off.push(p.id.clone());
        }
        for (setting, o) in &run.outcomes {
            let c = counts.entry((p.group.clone(), setting)).or_default();
            let met = [o.objective, o.rmse, o.train, o.horizon, o.choices, o.all()];
            for (k, ok) in met.into_iter().enumerate() {
                c[k] += usize::from(ok);
            }
            c[6] += 1;
            for (name, ok) in ["objective", "rmse", "train", "horizon", "choices"]
                .iter()
                .zip(met)
            {
                if !ok {
                    failures.push(format!("{} {setting} {name}", p.id));
                }
            }
        }
    }
    failures.sort();
    eprintln!(
        "problems Python Prophet refused (ours: a typed error or a finite forecast): {refused}"
    );
    eprintln!("our prediction at Python's parameters off Python's by > {PROBE_TOL:e} of range(y): {probe_off:?}");
    eprintln!("| group | setting | problems | objective | rmse | training rows | horizon | choices | all |");
    eprintln!("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let mut total: BTreeMap<&str, [usize; 7]> = BTreeMap::new();
    for ((group, setting), c) in &counts {
        eprintln!(
            "| {group} | {setting} | {} | {} | {} | {} | {} | {} | {} |",
            c[6], c[0], c[1], c[2], c[3], c[4], c[5]
        );
        let t = total.entry(setting).or_default();
        t[0] += c[6];
        for k in 0..6 {
            t[k + 1] += c[k];
        }
    }
    for (setting, t) in &total {
        eprintln!(
            "| all | {setting} | {} | {} | {} | {} | {} | {} | {} |",
            t[0], t[1], t[2], t[3], t[4], t[5], t[6]
        );
    }
    let known = known_failures();
    let fixed: Vec<&String> = known
        .iter()
        .filter(|k| !k.contains('*') && !failures.contains(k))
        .collect();
    if !fixed.is_empty() && std::env::var("FORESIGHT_FUZZ_ONLY").is_err() {
        eprintln!("known failures that pass now (remove them from the list): {fixed:?}");
    }
    if std::env::var("FORESIGHT_FUZZ_WRITE_KNOWN").is_ok() {
        eprintln!("failures:\n{}", failures.join("\n"));
    }
    // An entry's setting or criterion may be `*` (problems whose fit is not reproducible
    // from run to run: columns identical in content, whose order augurs-prophet takes from a
    // hash map).
    let listed = |f: &String| {
        let mut parts = f.split(' ');
        let (id, setting, criterion) = (parts.next(), parts.next(), parts.next());
        known.iter().any(|k| {
            let mut kp = k.split_whitespace();
            let m = |a: Option<&str>, b: Option<&str>| b == Some("*") || a == b;
            m(id, kp.next()) && m(setting, kp.next()) && m(criterion, kp.next())
        })
    };
    let new: Vec<&String> = failures.iter().filter(|f| !listed(f)).collect();
    assert!(
        new.is_empty(),
        "{} new failures of the criterion: {new:?}",
        new.len()
    );
}
