//! `foresight incidents`: runs the detector the way the panel does (batch mode, default
//! options unless changed) over every CSV of a NAB-layout folder and counts what an
//! operator would see: incidents, incidents overlapping a labelled window, windows hit, and
//! incidents per 1,000 points.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use foresight_core::anomaly::{detect_tuned, Tuning};
use foresight_core::{AnomalyKind, AnomalyOptions, DetectionMode, Series};

use crate::table;

/// Per-file counts.
#[derive(Default, Clone, Copy)]
struct Counts {
    points: usize,
    incidents: usize,
    inside: usize,
    windows: usize,
    hit: usize,
    kinds: [usize; 4],
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.points += o.points;
        self.incidents += o.incidents;
        self.inside += o.inside;
        self.windows += o.windows;
        self.hit += o.hit;
        for k in 0..4 {
            self.kinds[k] += o.kinds[k];
        }
    }

    fn per_1000(&self) -> f64 {
        1000.0 * self.incidents as f64 / self.points.max(1) as f64
    }
}

/// Options: the panel's defaults, with the mode and sensitivity from the command line and
/// further experiment knobs from `FORESIGHT_INCIDENTS` (`name=value,...`).
pub(crate) fn options(
    mode: DetectionMode,
    sensitivity: Option<f64>,
) -> Result<(AnomalyOptions, Tuning)> {
    let mut t = Tuning::default();
    let mut o = AnomalyOptions {
        mode,
        ..Default::default()
    };
    if let Some(s) = sensitivity {
        o.sensitivity = s;
    }
    let spec = std::env::var("FORESIGHT_INCIDENTS").unwrap_or_default();
    for item in spec.split(',').filter(|s| !s.trim().is_empty()) {
        let (name, value) = item
            .split_once('=')
            .with_context(|| format!("FORESIGHT_INCIDENTS: `{item}` is not name=value"))?;
        let f: f64 = value
            .trim()
            .parse()
            .with_context(|| format!("FORESIGHT_INCIDENTS: bad number in `{item}`"))?;
        match name.trim() {
            "sensitivity" => o.sensitivity = f,
            "min_duration_ms" => o.min_duration_ms = f,
            "robust" => o.robust = f != 0.0,
            "period" => o.period = Some(f as usize),
            "phase_scale" => t.phase_scale = f != 0.0,
            "recurring" => t.recurring_quantile = f,
            "gate" => t.recurring_gate = f,
            "tail" => t.tail_quantile = f,
            "tail_unmasked" => t.tail_unmasked = f != 0.0,
            "prophet" => t.prophet_band = f != 0.0,
            "collective_self" => t.collective_self_scale = f != 0.0,
            "collective" => t.collective_fraction = f,
            "resolution" => t.resolution_floor = f != 0.0,
            "stuck" => t.stuck_runs = f != 0.0,
            "merge_gap" => t.merge_gap = f as usize,
            "min_peak" => t.min_peak = f,
            "min_single" => t.min_peak_single = f,
            "chance_rate" => t.chance_rate = f,
            "evidence_floor" => t.evidence_floor = f,
            other => anyhow::bail!("FORESIGHT_INCIDENTS: unknown knob `{other}`"),
        }
    }
    Ok((o, t))
}

pub fn run(
    data: &Path,
    windows: Option<&Path>,
    mode: DetectionMode,
    sensitivity: Option<f64>,
    verbose: bool,
) -> Result<()> {
    let (opts, tuning) = options(mode, sensitivity)?;
    let windows_path = match windows {
        Some(p) => p.to_path_buf(),
        None => data
            .parent()
            .map(|p| p.join("windows.json"))
            .unwrap_or_else(|| PathBuf::from("windows.json")),
    };
    let labelled: BTreeMap<String, Vec<(String, String)>> = match std::fs::read(&windows_path) {
        Ok(bytes) => serde_json::from_slice::<BTreeMap<String, Vec<Vec<String>>>>(&bytes)
            .with_context(|| format!("cannot parse {}", windows_path.display()))?
            .into_iter()
            .map(|(k, ws)| {
                let pairs = ws
                    .into_iter()
                    .filter(|w| w.len() == 2)
                    .map(|w| (w[0].clone(), w[1].clone()))
                    .collect();
                (k, pairs)
            })
            .collect(),
        Err(_) => {
            eprintln!(
                "no windows file at {}: counting incidents only",
                windows_path.display()
            );
            BTreeMap::new()
        }
    };
    let started = Instant::now();
    let files = table::nab_files(data)?;
    println!(
        "{:<58} {:>6} {:>6} {:>4} {:>6} {:>7} {:>5} {:>5} {:>5}",
        "file", "points", "incid", "in", "hit", "per1000", "glo", "ctx", "col"
    );
    let mut total = Counts::default();
    for file in &files {
        let rel = file
            .strip_prefix(data)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        let ws = labelled.get(&rel).cloned().unwrap_or_default();
        let c =
            count_file(file, &ws, &opts, tuning, verbose).with_context(|| format!("in {rel}"))?;
        println!(
            "{:<58} {:>6} {:>6} {:>4} {:>6} {:>7.2} {:>5} {:>5} {:>5}",
            rel,
            c.points,
            c.incidents,
            c.inside,
            format!("{}/{}", c.hit, c.windows),
            c.per_1000(),
            c.kinds[0],
            c.kinds[1],
            c.kinds[2],
        );
        total.add(&c);
    }
    println!(
        "{:<58} {:>6} {:>6} {:>4} {:>6} {:>7.2} {:>5} {:>5} {:>5}",
        "TOTAL",
        total.points,
        total.incidents,
        total.inside,
        format!("{}/{}", total.hit, total.windows),
        total.per_1000(),
        total.kinds[0],
        total.kinds[1],
        total.kinds[2],
    );
    eprintln!(
        "{} files in {:.2} s",
        files.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn count_file(
    file: &Path,
    windows: &[(String, String)],
    opts: &AnomalyOptions,
    tuning: Tuning,
    verbose: bool,
) -> Result<Counts> {
    let (ts, vs) = table::read_series(file)?;
    let ws: Vec<(f64, f64)> = windows
        .iter()
        .map(|(a, b)| Ok((table::parse_time_ms(a)?, table::parse_time_ms(b)?)))
        .collect::<Result<_>>()?;
    let mut c = Counts {
        points: ts.len(),
        windows: ws.len(),
        ..Default::default()
    };
    let Ok(series) = Series::new(&ts, &vs) else {
        return Ok(c);
    };
    let d = detect_tuned(std::slice::from_ref(&series), opts, tuning)?;
    let mut hit = vec![false; ws.len()];
    for inc in &d.incidents {
        c.incidents += 1;
        let k = match inc.kind {
            AnomalyKind::Global => 0,
            AnomalyKind::Contextual => 1,
            AnomalyKind::Collective => 2,
            AnomalyKind::Peer => 3,
        };
        c.kinds[k] += 1;
        let mut inside = false;
        for (j, &(a, b)) in ws.iter().enumerate() {
            if inc.start <= b && inc.end >= a {
                inside = true;
                hit[j] = true;
            }
        }
        if inside {
            c.inside += 1;
        }
        if verbose {
            eprintln!(
                "  {} {:?} {} – {} peak {:.2}{}",
                file.file_name().unwrap_or_default().to_string_lossy(),
                inc.kind,
                fmt_ms(inc.start),
                fmt_ms(inc.end),
                inc.peak_score,
                if inside { " [in window]" } else { "" }
            );
        }
    }
    c.hit = hit.iter().filter(|&&h| h).count();
    if verbose {
        eprintln!("  period {:?}", d.series.first().and_then(|s| s.period));
    }
    Ok(c)
}

fn fmt_ms(ms: f64) -> String {
    chrono::DateTime::from_timestamp_millis(ms as i64)
        .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| ms.to_string())
}
