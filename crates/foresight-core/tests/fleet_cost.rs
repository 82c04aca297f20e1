//! Cost of the panel's batch detection at scale, and a digest of the detector's full output
//! (for checking that a speed-up changes no result). Both are `#[ignore]`d: they print,
//! they do not assert.
//!
//! ```sh
//! cargo test -p foresight-core --release --test fleet_cost -- --ignored --nocapture detect_fleet_cost
//! cargo test -p foresight-core --release --test fleet_cost -- --ignored --nocapture batch_digest
//! ```
//!
//! The workload is `tests/fixtures/fleet.mjs` (the panel's scale benchmark): 100 series of
//! 2,016 points at a 5-minute step, a daily cycle, noise and one spike each, detected in one
//! call with the panel's options (batch, sensitivity 0.5, robust, period detected, peer on),
//! then root-cause hints for the 20 highest-peaked incidents as the panel's worker asks them.

use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use foresight_core::insight::{root_cause, Labels, RootCauseOptions};
use foresight_core::{detect, AnomalyOptions, Detection, DetectionMode, Incident, Series};

const STEP_MS: f64 = 300_000.0;

/// `tests/fixtures/fleet.mjs` in Rust, with the same floating-point operations (its LCG runs
/// in doubles, so it is ported in doubles). Returns (timestamps ms, values) per series.
fn fleet(count: usize, points: usize) -> Vec<(Vec<f64>, Vec<f64>)> {
    let end_ms = 1_704_672_000_000.0; // Date.UTC(2024, 0, 8)
    let start = end_ms / 1000.0 - ((points - 1) as f64 * STEP_MS) / 1000.0;
    let mut seed = 7.0_f64;
    let m = 2f64.powi(31);
    let mut rand = || {
        seed = (seed * 1_103_515_245.0 + 12345.0) % m;
        seed / m
    };
    (0..count)
        .map(|s| {
            let mut ts = Vec::with_capacity(points);
            let mut vs = Vec::with_capacity(points);
            for i in 0..points {
                let t = start + (i as f64 * STEP_MS) / 1000.0;
                let day = (2.0 * std::f64::consts::PI * (t % 86400.0) / 86400.0).sin();
                let spike = if i == points * 3 / 4 + s { 80.0 } else { 0.0 };
                ts.push(t * 1000.0);
                vs.push(100.0 + s as f64 + 30.0 * day + 5.0 * (rand() - 0.5) + spike);
            }
            (ts, vs)
        })
        .collect()
}

fn fleet_series() -> (Vec<Series>, Vec<Labels>) {
    let data = fleet(100, 2016);
    let series = data
        .iter()
        .map(|(t, v)| Series::new(t, v).expect("valid series"))
        .collect();
    let labels = (0..data.len())
        .map(|s| {
            Labels::from([
                ("__name__".into(), "http_requests_per_second".into()),
                ("instance".into(), format!("pod-{s}")),
                ("job".into(), "api".into()),
            ])
        })
        .collect();
    (series, labels)
}

/// The 20 highest-peaked incidents, as the panel's worker picks them (a stable sort).
fn worst(incidents: &[Incident]) -> Vec<Incident> {
    let mut all = incidents.to_vec();
    all.sort_by(|a, b| b.peak_score.total_cmp(&a.peak_score));
    all.truncate(20);
    all
}

/// CPU time of this thread so far, in ms (Linux; 0 elsewhere): on a shared machine it
/// moves less than the wall clock when another job takes the core.
fn thread_cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |ns| ns / 1e6)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Hash of every output bit of a detection.
fn digest(d: &Detection) -> u64 {
    let mut h = DefaultHasher::new();
    for s in &d.series {
        for xs in [&s.expected, &s.lower, &s.upper, &s.score] {
            xs.iter().for_each(|x| x.to_bits().hash(&mut h));
        }
        s.direction.hash(&mut h);
        s.kind
            .iter()
            .map(|k| k.map(|k| k.code()))
            .for_each(|k| k.hash(&mut h));
        s.period.hash(&mut h);
        s.residual_spread.map(f64::to_bits).hash(&mut h);
    }
    serde_json::to_string(&d.incidents).unwrap().hash(&mut h);
    h.finish()
}

#[test]
#[ignore = "a measurement: prints medians"]
fn detect_fleet_cost() {
    let repeats: usize = std::env::var("FORESIGHT_REPEATS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let (series, labels) = fleet_series();
    let options = AnomalyOptions::default();
    let (mut detect_ms, mut cause_ms) = (Vec::new(), Vec::new());
    let (mut detect_cpu, mut cause_cpu) = (Vec::new(), Vec::new());
    let mut last = None;
    for _ in 0..repeats {
        let (started, cpu) = (Instant::now(), thread_cpu_ms());
        let d = detect(&series, &options).expect("detection");
        detect_ms.push(started.elapsed().as_secs_f64() * 1e3);
        detect_cpu.push(thread_cpu_ms() - cpu);
        let (started, cpu) = (Instant::now(), thread_cpu_ms());
        let causes: Vec<_> = worst(&d.incidents)
            .iter()
            .map(|inc| root_cause(&d.series, inc, &labels, &RootCauseOptions::default()).unwrap())
            .collect();
        cause_ms.push(started.elapsed().as_secs_f64() * 1e3);
        cause_cpu.push(thread_cpu_ms() - cpu);
        last = Some((d, causes));
    }
    let (d, causes) = last.expect("one repeat");
    let causes_json = serde_json::to_string(&causes).unwrap();
    let mut h = DefaultHasher::new();
    causes_json.hash(&mut h);
    println!(
        "fleet 100 x 2016: detect median {:.1} ms {:?} (cpu {:.1}); root causes (20) median \
         {:.1} ms {:?} (cpu {:.1}); {} incidents; detection digest {:016x}; root-cause digest \
         {:016x}",
        median(detect_ms.clone()),
        detect_ms.iter().map(|x| x.round()).collect::<Vec<_>>(),
        median(detect_cpu),
        median(cause_ms.clone()),
        cause_ms.iter().map(|x| x.round()).collect::<Vec<_>>(),
        median(cause_cpu),
        d.incidents.len(),
        digest(&d),
        h.finish(),
    );
    if let Ok(path) = std::env::var("FORESIGHT_FLEET_DUMP") {
        let json = serde_json::json!({ "detection": d, "rootCauses": causes });
        std::fs::write(path, serde_json::to_string(&json).unwrap()).unwrap();
    }
}

/// The NAB dev subset kept in the repository (`tests/data/nab`).
fn nab_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/nab/data")
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) in ms.
fn parse_time_ms(s: &str) -> f64 {
    let n: Vec<i64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap())
        .collect();
    let (y, m, d) = (n[0], n[1], n[2]);
    // Days from civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    ((days * 86_400 + n[3] * 3600 + n[4] * 60 + n.get(5).copied().unwrap_or(0)) * 1000) as f64
}

fn read_csv(path: &Path) -> (Vec<f64>, Vec<f64>) {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (t, v) = l.split_once(',').unwrap();
            (
                parse_time_ms(t),
                v.trim().parse::<f64>().unwrap_or(f64::NAN),
            )
        })
        .unzip()
}

#[test]
#[ignore = "a check by hand: prints digests to compare before and after a change"]
fn batch_digest() {
    let mut digests: BTreeMap<String, u64> = BTreeMap::new();
    let (series, _) = fleet_series();
    digests.insert(
        "fleet (peer)".into(),
        digest(&detect(&series, &AnomalyOptions::default()).unwrap()),
    );
    {
        let dir = nab_data();
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
            .map(|f| f.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
            .collect();
        files.sort();
        for f in files {
            let (ts, vs) = read_csv(&f);
            let s = Series::new(&ts, &vs).unwrap();
            let name = f.file_stem().unwrap().to_string_lossy().to_string();
            for (mode, label) in [
                (DetectionMode::Batch, "batch"),
                (DetectionMode::Causal, "causal"),
            ] {
                let options = AnomalyOptions {
                    mode,
                    ..Default::default()
                };
                let d = detect(std::slice::from_ref(&s), &options).unwrap();
                digests.insert(format!("{name} {label}"), digest(&d));
            }
        }
    }
    let mut all = DefaultHasher::new();
    for (k, v) in &digests {
        println!("{k}: {v:016x}");
        (k, v).hash(&mut all);
    }
    println!("{} digests, overall {:016x}", digests.len(), all.finish());
}

#[test]
#[ignore = "a check by hand: prints a digest to compare before and after a change"]
fn root_cause_digest() {
    // Series on partly different grids (shifted by a step or two, gaps, one series
    // shorter), spikes near both ends: every incident, several option sets.
    let data = fleet(12, 700);
    let series: Vec<Series> = data
        .iter()
        .enumerate()
        .map(|(j, (t, v))| {
            let shift = (j % 3) as f64 * STEP_MS;
            let len = if j == 5 { 500 } else { t.len() };
            let ts: Vec<f64> = t[..len].iter().map(|x| x + shift).collect();
            let vs: Vec<f64> = v[..len]
                .iter()
                .enumerate()
                .map(|(i, &x)| match i {
                    _ if i % 97 == j => f64::NAN,
                    3 | 4 if j % 2 == 0 => x + 90.0,
                    _ if i + 3 == len && j % 3 == 1 => x - 90.0,
                    _ => x,
                })
                .collect();
            Series::new(&ts, &vs).unwrap()
        })
        .collect();
    let labels: Vec<Labels> = (0..series.len())
        .map(|s| Labels::from([("pod".into(), format!("p{}", s % 4))]))
        .collect();
    let d = detect(&series, &AnomalyOptions::default()).unwrap();
    let mut h = DefaultHasher::new();
    for options in [
        RootCauseOptions::default(),
        RootCauseOptions {
            context_points: 0,
            max_lag_points: 40,
            min_pairs: 3,
        },
        RootCauseOptions {
            context_points: 5,
            max_lag_points: 0,
            min_pairs: 20,
        },
    ] {
        for inc in &d.incidents {
            let rc = root_cause(&d.series, inc, &labels, &options);
            format!("{rc:?}").hash(&mut h);
        }
    }
    println!(
        "{} incidents, detection digest {:016x}, root-cause digest {:016x}",
        d.incidents.len(),
        digest(&d),
        h.finish()
    );
}
