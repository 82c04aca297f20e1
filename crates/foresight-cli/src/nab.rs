//! `foresight nab`: runs the causal anomaly detector over a NAB-layout folder
//! (`DIR/<category>/<file>.csv`, columns timestamp,value) and writes
//! `OUT/<category>/<file>.csv` with `timestamp,value,anomaly_score` for NAB's scorer.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use foresight_core::anomaly::nab_transform::{nab_levels_with_drift, NabTransformOptions};
use foresight_core::anomaly::{detect_series_tuned, Tuning};
use foresight_core::{AnomalyOptions, DetectionMode, Series};

use crate::{nab_score, table};

/// Experiment knobs, read from `FORESIGHT_NAB` as `name=value,...` (empty: the defaults).
#[derive(Clone)]
struct Knobs {
    options: AnomalyOptions,
    tuning: Tuning,
    alert: NabTransformOptions,
}

fn knobs() -> Result<Knobs> {
    let mut k = Knobs {
        options: AnomalyOptions {
            mode: DetectionMode::Causal,
            // A wider band (3.6 sigma) clips less of what the model learns; measured
            // better on NAB than 0.5 (docs/evaluation.md).
            sensitivity: 0.3,
            ..Default::default()
        },
        // For alerting, short collective windows (8 recent points against the 8 before)
        // react faster; the library defaults (16 against 64) label kinds more reliably.
        // Both measured in docs/evaluation.md.
        tuning: Tuning {
            collective_window: 8,
            collective_reference: 8,
            collective_fraction: 0.5,
            ..Tuning::default()
        },
        alert: NabTransformOptions::default(),
    };
    let spec = std::env::var("FORESIGHT_NAB").unwrap_or_default();
    for item in spec.split(',').filter(|s| !s.trim().is_empty()) {
        let (name, value) = item
            .split_once('=')
            .with_context(|| format!("FORESIGHT_NAB: `{item}` is not name=value"))?;
        let f: f64 = value
            .trim()
            .parse()
            .with_context(|| format!("FORESIGHT_NAB: bad number in `{item}`"))?;
        // Every knob is a size, a level or a weight: a negative or non-finite one is a typo,
        // refused here rather than met as a panic deep in the detector (f64::clamp).
        if !(f.is_finite() && f >= 0.0) {
            anyhow::bail!("FORESIGHT_NAB: `{item}` must be a finite number >= 0");
        }
        apply(&mut k, name, f)?;
    }
    Ok(k)
}

/// Sets one knob (`FORESIGHT_NAB`'s names).
fn apply(k: &mut Knobs, name: &str, f: f64) -> Result<()> {
    let u = f as usize;
    match name.trim() {
        "sensitivity" => k.options.sensitivity = f,
        "robust" => k.options.robust = f != 0.0,
        "period" => k.options.period = Some(u),
        "level" => k.tuning.level_window = u,
        "recent" => k.tuning.recent_window = u,
        "resid" => k.tuning.resid_window = u,
        "global" => k.tuning.global_window = u,
        "season_memory" => k.tuning.season_memory = f,
        "collective" => k.tuning.collective_fraction = f,
        "cwin" => k.tuning.collective_window = u,
        "cref" => k.tuning.collective_reference = u,
        "accept" => k.tuning.accept_after = u,
        "scale_q" => k.tuning.scale_quantile = f,
        "averaging" => k.alert.averaging = u,
        "history" => k.alert.history = u,
        "warmup" => k.alert.warmup = u,
        "fire" => k.alert.fire_level = f,
        "hold" => k.alert.hold = u,
        "damping" => k.alert.hold_damping = f,
        "quantile" => k.alert.quantile = f,
        "range" => k.alert.range_tolerance = f,
        "saturation" => k.alert.saturation = f,
        "decades" => k.alert.decades = f,
        "robust_fit" => k.alert.robust_fit = f != 0.0,
        "range_min" => k.alert.range_min_score = f,
        "drift_kappa" => k.alert.drift_kappa = f,
        "drift_h" => k.alert.drift_h = f,
        "drift_clip" => k.alert.drift_clip = f,
        "range_hold" => k.alert.range_breaks_hold = f != 0.0,
        other => anyhow::bail!("FORESIGHT_NAB: unknown knob `{other}`"),
    }
    Ok(())
}

/// The grid `foresight nab --cv` cross-validates: the knobs that matter most on NAB (band
/// width and alert hold, docs/evaluation.md), around the defaults.
const GRID_SENSITIVITY: [f64; 3] = [0.2, 0.3, 0.4];
const GRID_HOLD: [usize; 3] = [200, 300, 400];

/// The settings `--cv` scores: sensitivity × hold around `base`, or the product of the knob
/// values in `FORESIGHT_NAB_GRID` (`name=a|b|c;name=d|e`), to cross-validate other constants.
fn grid_settings(base: &Knobs) -> Result<Vec<(String, Knobs)>> {
    let spec = std::env::var("FORESIGHT_NAB_GRID").unwrap_or_default();
    let axes: Vec<(String, Vec<f64>)> = if spec.trim().is_empty() {
        vec![
            ("sensitivity".into(), GRID_SENSITIVITY.to_vec()),
            ("hold".into(), GRID_HOLD.iter().map(|&h| h as f64).collect()),
        ]
    } else {
        spec.split(';')
            .filter(|a| !a.trim().is_empty())
            .map(|axis| {
                let (name, values) = axis
                    .split_once('=')
                    .with_context(|| format!("FORESIGHT_NAB_GRID: `{axis}` is not name=a|b"))?;
                let values = values
                    .split('|')
                    .map(|v| v.trim().parse::<f64>())
                    .collect::<std::result::Result<Vec<_>, _>>()
                    .with_context(|| format!("FORESIGHT_NAB_GRID: bad number in `{axis}`"))?;
                Ok((name.trim().to_string(), values))
            })
            .collect::<Result<_>>()?
    };
    let mut settings = vec![(String::new(), base.clone())];
    for (name, values) in &axes {
        let mut next = Vec::with_capacity(settings.len() * values.len());
        for (label, k) in &settings {
            for &v in values {
                let mut k = k.clone();
                apply(&mut k, name, v)?;
                let sep = if label.is_empty() { "" } else { "," };
                next.push((format!("{label}{sep}{name}={v}"), k));
            }
        }
        settings = next;
    }
    Ok(settings)
}

pub fn run(data: &Path, out: &Path, cv: Option<&Path>) -> Result<()> {
    let knobs = knobs()?;
    let started = Instant::now();
    let files = crate::table::nab_files(data)?;
    for file in &files {
        let rel = file.strip_prefix(data).unwrap_or(file);
        let target = out.join(rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        score_file(file, &target, &knobs).with_context(|| format!("in {}", file.display()))?;
    }
    eprintln!(
        "scored {} files in {:.2} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    if let Some(windows) = cv {
        cross_validated(data, windows, &knobs)?;
    }
    Ok(())
}

/// Scores the corpus at the given settings and at every setting of the grid, and prints,
/// per profile, the plain dev score (settings and threshold chosen on all files), the
/// leave-one-category-out score of the given settings (threshold chosen without the
/// category), and that of the grid (settings and threshold chosen without the category).
fn cross_validated(data: &Path, windows: &Path, base: &Knobs) -> Result<()> {
    let started = Instant::now();
    let corpus = nab_score::load_corpus(data, windows)?;
    let inputs: Vec<(Vec<f64>, Vec<f64>)> = corpus
        .files
        .iter()
        .map(|f| {
            let path = data.join(&f.name);
            let (raw_times, values) = table::read_raw(&path)?;
            let ts = raw_times
                .iter()
                .map(|t| table::parse_time_ms(t))
                .collect::<Result<Vec<_>>>()?;
            Ok((ts, values))
        })
        .collect::<Result<_>>()?;
    let settings = grid_settings(base)?;
    let run_setting = |k: &Knobs| -> Result<Vec<Vec<f64>>> {
        inputs
            .iter()
            .map(|(ts, vs)| Ok(file_scores(ts, vs, k)?.0))
            .collect()
    };
    let dev = run_setting(base)?;
    // Two workers: the grid is independent settings.
    let grid: Vec<Vec<Vec<f64>>> = std::thread::scope(|scope| {
        let half = settings.len().div_ceil(2);
        let (a, b) = settings.split_at(half);
        let worker = |part: &[(String, Knobs)]| -> Result<Vec<Vec<Vec<f64>>>> {
            part.iter().map(|(_, k)| run_setting(k)).collect()
        };
        let hb = scope.spawn(move || worker(b));
        let mut out = worker(a)?;
        out.extend(
            hb.join()
                .map_err(|_| anyhow::anyhow!("grid worker panicked"))??,
        );
        Ok::<_, anyhow::Error>(out)
    })?;
    println!(
        "{:<15} {:>8} {:>10} {:>9}   per left-out category: setting@threshold",
        "profile", "dev", "CV(thr.)", "CV(grid)"
    );
    for profile in nab_score::PROFILES {
        let plain = nab_score::score(&corpus, &dev, profile, None);
        let cv_one = nab_score::cross_validate(&corpus, std::slice::from_ref(&dev), profile);
        let cv_grid = nab_score::cross_validate(&corpus, &grid, profile);
        let folds: Vec<String> = cv_grid
            .folds
            .iter()
            .map(|f| {
                format!(
                    "{} {}@{:.3}",
                    f.category
                        .replace("artificial", "art")
                        .replace("Anomaly", "")
                        .replace("real", ""),
                    settings[f.candidate].0,
                    f.threshold
                )
            })
            .collect();
        println!(
            "{:<15} {:>8.2} {:>10.2} {:>9.2}   {}",
            profile.name,
            plain.score,
            cv_one.score,
            cv_grid.score,
            folds.join(", ")
        );
    }
    // The grid's own dev scores: what choosing on all files would have picked.
    let best: Vec<String> = nab_score::PROFILES
        .iter()
        .map(|&p| {
            let (k, s) = grid
                .iter()
                .enumerate()
                .map(|(k, g)| (k, nab_score::score(&corpus, g, p, None).score))
                .fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
            format!("{} {} ({:.2})", p.name, settings[k].0, s)
        })
        .collect();
    println!("best grid setting on all files: {}", best.join("; "));
    eprintln!(
        "cross-validated {} settings in {:.2} s",
        settings.len() + 1,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The alert level (what NAB scores) and the band score of every input row.
fn file_scores(ts: &[f64], values: &[f64], knobs: &Knobs) -> Result<(Vec<f64>, Vec<f64>)> {
    let mut scores = vec![0.0; ts.len()];
    let mut raw = vec![0.0; ts.len()];
    if let Ok(series) = Series::new(ts, values) {
        let result = detect_series_tuned(&series, &knobs.options, knobs.tuning)?;
        // Signed residual in band half-widths, for the drift evidence (CUSUM).
        let signed: Vec<f64> = (0..result.values.len())
            .map(|j| {
                let hw = 0.5 * (result.upper[j] - result.lower[j]);
                let z = (result.values[j] - result.expected[j]) / hw;
                if z.is_finite() {
                    z
                } else {
                    0.0
                }
            })
            .collect();
        let alert = nab_levels_with_drift(&result.score, &result.values, &signed, &knobs.alert);
        // Back to input rows: the validated series is sorted and deduplicated.
        for (i, t) in ts.iter().enumerate() {
            if let Ok(j) = result.timestamps.binary_search_by(|x| x.total_cmp(t)) {
                scores[i] = alert[j];
                raw[i] = result.score[j];
            }
        }
    }
    Ok((scores, raw))
}

fn score_file(input: &Path, target: &Path, knobs: &Knobs) -> Result<()> {
    let (raw_times, values) = table::read_raw(input)?;
    let ts: Vec<f64> = raw_times
        .iter()
        .map(|t| table::parse_time_ms(t))
        .collect::<Result<_>>()?;
    let (scores, raw) = file_scores(&ts, &values, knobs)?;
    let mut w = csv::Writer::from_path(target)
        .with_context(|| format!("cannot write {}", target.display()))?;
    // raw_score (the detector's band score) is ignored by the scorer; kept for diagnosis.
    w.write_record(["timestamp", "value", "anomaly_score", "raw_score"])?;
    for (i, t) in raw_times.iter().enumerate() {
        let v = values[i];
        let v = if v.is_finite() {
            v.to_string()
        } else {
            String::new()
        };
        let (s, r) = (format!("{:.6}", scores[i]), format!("{:.4}", raw[i]));
        w.write_record([t.as_str(), v.as_str(), s.as_str(), r.as_str()])?;
    }
    w.flush()?;
    Ok(())
}
