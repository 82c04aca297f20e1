//! `foresight corpus-eval`: a generated, labelled yardstick for the anomaly detector.
//!
//! Normal-looking series — NAB's no-anomaly files, Prophet's example series (stretches of
//! them) and synthetic operations series (request rates, CPU, latency, mostly-zero queue
//! depths, counter rates, at 1-minute, 5-minute and 1-hour steps, and fleets of sibling
//! series) — get one labelled anomaly each of a known kind and magnitude, or none (clean
//! series). Everything is drawn from one seeded generator (ChaCha8), so a seed gives the
//! same corpus on every machine. The detector runs on each series (each fleet as one query,
//! so peer scoring applies) and every incident is matched with the labels.

use std::path::Path;

use anyhow::{Context, Result};
use foresight_core::anomaly::{detect_tuned, Tuning};
use foresight_core::{AnomalyKind, AnomalyOptions, DetectionMode, Series};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, Poisson};
use serde_json::json;

use crate::table;

const MINUTE: f64 = 60_000.0;
const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 86_400_000.0;
/// 2024-01-01T00:00:00Z: synthetic series start at a midnight.
const EPOCH: f64 = 1_704_067_200_000.0;

/// What was injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// One to three points far up or down (global).
    Spike,
    /// A stretch with the values of the opposite phase of the cycle: normal for the series,
    /// wrong for the time of day (or week).
    Contextual,
    /// A step that stays.
    LevelShift,
    /// A stretch of extra noise.
    VarianceChange,
    /// A change of slope that stays.
    TrendBreak,
    /// The value frozen (a stuck sensor).
    Stuck,
    /// A slow ramp away from normal, then back (a leak and its fix).
    SlowLeak,
    /// One series of a fleet moving away from its siblings.
    Peer,
}

pub const KINDS: [Kind; 8] = [
    Kind::Spike,
    Kind::Contextual,
    Kind::LevelShift,
    Kind::VarianceChange,
    Kind::TrendBreak,
    Kind::Stuck,
    Kind::SlowLeak,
    Kind::Peer,
];

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Spike => "spike",
            Kind::Contextual => "contextual",
            Kind::LevelShift => "level_shift",
            Kind::VarianceChange => "variance",
            Kind::TrendBreak => "trend_break",
            Kind::Stuck => "stuck",
            Kind::SlowLeak => "slow_leak",
            Kind::Peer => "peer",
        }
    }
}

pub const MAGNITUDES: [&str; 3] = ["subtle", "moderate", "strong"];

/// One labelled anomaly: points `start..=end` of its series.
#[derive(Debug, Clone)]
pub struct Label {
    pub kind: Kind,
    /// 0 subtle, 1 moderate, 2 strong.
    pub magnitude: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone)]
pub struct Labelled {
    pub name: String,
    pub timestamps: Vec<f64>,
    pub values: Vec<f64>,
    pub label: Option<Label>,
    /// "1m", "5m", "1h" or "1d+" (the sampling step).
    pub step: &'static str,
}

/// Series detected together (a fleet), or one series alone.
pub struct Group {
    pub series: Vec<Labelled>,
}

/// A normal series to inject into: values, timestamps, and the points per day (or per week
/// for daily data) when it has such a cycle.
#[derive(Clone)]
struct Base {
    name: String,
    timestamps: Vec<f64>,
    values: Vec<f64>,
    cycle: Option<usize>,
    step: &'static str,
}

fn step_name(step_ms: f64) -> &'static str {
    if step_ms <= 1.5 * MINUTE {
        "1m"
    } else if step_ms <= 10.0 * MINUTE {
        "5m"
    } else if step_ms <= 1.5 * HOUR {
        "1h"
    } else {
        "1d+"
    }
}

/// Synthetic operations shapes.
#[derive(Clone, Copy)]
enum Shape {
    RequestRate,
    Cpu,
    Latency,
    QueueDepth,
    CounterRate,
}

const SHAPES: [Shape; 5] = [
    Shape::RequestRate,
    Shape::Cpu,
    Shape::Latency,
    Shape::QueueDepth,
    Shape::CounterRate,
];

impl Shape {
    fn name(self) -> &'static str {
        match self {
            Shape::RequestRate => "requests",
            Shape::Cpu => "cpu",
            Shape::Latency => "latency",
            Shape::QueueDepth => "queue",
            Shape::CounterRate => "bytes",
        }
    }
}

/// A synthetic series: a daily cycle (peak in the afternoon), a weaker weekly one, and the
/// shape's noise. `level` and `phase` vary between siblings of a fleet.
fn synthetic(shape: Shape, step_ms: f64, n: usize, level: f64, rng: &mut ChaCha8Rng) -> Vec<f64> {
    let std_normal = Normal::<f64>::new(0.0, 1.0).expect("unit normal");
    let phase_jitter: f64 = rng.gen_range(-0.02..0.02);
    (0..n)
        .map(|i| {
            let t = EPOCH + i as f64 * step_ms;
            let day = (t / DAY).fract() + phase_jitter;
            let weekday = ((t / DAY).floor() as i64 + 1).rem_euclid(7); // 0 = Sunday... roughly
            let weekend = if weekday == 0 || weekday == 6 {
                0.7
            } else {
                1.0
            };
            // 0 at 04:00, 1 at 16:00.
            let daily = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * (day - 4.0 / 24.0)).cos();
            let z = std_normal.sample(rng);
            match shape {
                Shape::RequestRate => {
                    let lambda = level * (0.3 + 0.7 * daily) * weekend;
                    poisson(lambda, rng)
                }
                Shape::Cpu => (level * (0.4 + 0.6 * daily) * weekend + 3.0 * z).clamp(0.0, 100.0),
                Shape::Latency => level * (1.0 + 0.3 * daily) * (0.12 * z).exp(),
                Shape::QueueDepth => {
                    // Mostly zero: a low rate that rises in the afternoon.
                    let lambda = (level / 50.0) * (0.1 + 1.5 * daily);
                    poisson(lambda, rng)
                }
                Shape::CounterRate => {
                    level * 1000.0 * (0.5 + 0.5 * daily) * weekend * (1.0 + 0.03 * z)
                }
            }
        })
        .collect()
}

fn poisson(lambda: f64, rng: &mut ChaCha8Rng) -> f64 {
    if lambda <= 0.0 {
        return 0.0;
    }
    Poisson::new(lambda).map(|p| p.sample(rng)).unwrap_or(0.0)
}

fn shape_level(shape: Shape, rng: &mut ChaCha8Rng) -> f64 {
    match shape {
        Shape::RequestRate => rng.gen_range(20.0..400.0),
        Shape::Cpu => rng.gen_range(25.0..70.0),
        Shape::Latency => rng.gen_range(40.0..300.0),
        Shape::QueueDepth => rng.gen_range(20.0..100.0),
        Shape::CounterRate => rng.gen_range(5.0..50.0),
    }
}

/// The robust noise scale of a series: the MAD of its first differences over √2, floored
/// by 1 % of its 5–95 % range (smooth or noiseless series).
fn noise_scale(v: &[f64]) -> f64 {
    let mut d: Vec<f64> = v
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|x| x.is_finite())
        .collect();
    let mut sorted: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if d.is_empty() || sorted.is_empty() {
        return 1.0;
    }
    d.sort_by(f64::total_cmp);
    sorted.sort_by(f64::total_cmp);
    let q = |s: &[f64], p: f64| s[((s.len() - 1) as f64 * p).round() as usize];
    let mad = 1.4826 * q(&d, 0.5) / std::f64::consts::SQRT_2;
    let range = q(&sorted, 0.95) - q(&sorted, 0.05);
    let s = mad.max(0.01 * range);
    if s > 0.0 && s.is_finite() {
        s
    } else {
        1.0
    }
}

/// Injects one anomaly of `kind` and `magnitude` into `base` at a random place after the
/// first 40 % (causal detection needs history) and returns the labelled series.
fn inject(base: &Base, kind: Kind, magnitude: usize, rng: &mut ChaCha8Rng) -> Labelled {
    let n = base.values.len();
    let mut v = base.values.clone();
    let s = noise_scale(&v);
    let m = magnitude.min(2);
    let std_normal = Normal::<f64>::new(0.0, 1.0).expect("unit normal");
    let lo = (n * 2) / 5;
    let hi = n - n / 8;
    let at = |rng: &mut ChaCha8Rng| rng.gen_range(lo..hi);
    // Points per hour, at least one.
    let step = table_step(&base.timestamps);
    let per_hour = ((HOUR / step).round() as usize).max(1);
    let (start, end) = match kind {
        Kind::Spike => {
            let a = [5.0, 8.0, 14.0][m];
            let i = at(rng);
            let len = rng.gen_range(1..=3).min(n - i);
            let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
            for x in &mut v[i..i + len] {
                *x += sign * a * s;
            }
            (i, i + len - 1)
        }
        Kind::Contextual => {
            let cycle = base.cycle.unwrap_or(n / 8).max(4);
            let half = cycle / 2;
            let len = (per_hour * 2).clamp(3, (cycle / 6).max(3));
            let f = [0.5, 0.75, 1.0][m];
            // The stretch where the opposite phase differs most (of a few tries).
            let mut best = (lo, -1.0);
            for _ in 0..24 {
                let i = at(rng).min(n - len);
                if i < half {
                    continue;
                }
                let contrast: f64 = (i..i + len).map(|j| (v[j - half] - v[j]).abs()).sum();
                if contrast > best.1 {
                    best = (i, contrast);
                }
            }
            let i = best.0;
            for (j, x) in v.iter_mut().enumerate().skip(i).take(len) {
                *x += f * (base.values[j - half] - base.values[j]);
            }
            (i, i + len - 1)
        }
        Kind::LevelShift => {
            let a = [3.0, 5.0, 10.0][m];
            let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
            let i = at(rng);
            for x in &mut v[i..] {
                *x += sign * a * s;
            }
            (i, (i + (n / 50).max(16)).min(n - 1))
        }
        Kind::VarianceChange => {
            let a = [2.0, 3.0, 5.0][m];
            let i = at(rng);
            let len = (n / 12).max(24).min(n - i);
            for x in &mut v[i..i + len] {
                *x += a * s * std_normal.sample(rng);
            }
            (i, i + len - 1)
        }
        Kind::TrendBreak => {
            let a = [3.0, 5.0, 10.0][m];
            let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
            let ramp = (n / 20).max(12) as f64;
            let i = at(rng);
            for (j, x) in v[i..].iter_mut().enumerate() {
                *x += sign * a * s * j as f64 / ramp;
            }
            (i, (i + 2 * ramp as usize).min(n - 1))
        }
        Kind::Stuck => {
            let len = [(n / 100).max(12), (n / 40).max(24), (n / 15).max(48)][m];
            let i = at(rng);
            let len = len.min(n - i);
            let frozen = v[i];
            for x in &mut v[i..i + len] {
                *x = frozen;
            }
            (i, i + len - 1)
        }
        Kind::SlowLeak => {
            let a = [4.0, 8.0, 16.0][m];
            let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
            let i = at(rng);
            let len = (n / 8).max(24).min(n - i);
            for (j, x) in v[i..i + len].iter_mut().enumerate() {
                *x += sign * a * s * (j + 1) as f64 / len as f64;
            }
            (i, i + len - 1)
        }
        Kind::Peer => {
            let a = [3.0, 5.0, 8.0][m];
            let sign = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
            let i = at(rng);
            let len = (n / 20).max(12).min(n - i);
            for x in &mut v[i..i + len] {
                *x += sign * a * s;
            }
            (i, i + len - 1)
        }
    };
    Labelled {
        name: format!("{}/{}/{}", base.name, kind.name(), MAGNITUDES[m]),
        timestamps: base.timestamps.clone(),
        values: v,
        label: Some(Label {
            kind,
            magnitude: m,
            start,
            end,
        }),
        step: base.step,
    }
}

fn table_step(ts: &[f64]) -> f64 {
    let mut d: Vec<f64> = ts.windows(2).map(|w| w[1] - w[0]).collect();
    if d.is_empty() {
        return MINUTE;
    }
    d.sort_by(f64::total_cmp);
    d[d.len() / 2]
}

fn clean(base: &Base) -> Labelled {
    Labelled {
        name: format!("{}/clean", base.name),
        timestamps: base.timestamps.clone(),
        values: base.values.clone(),
        label: None,
        step: base.step,
    }
}

/// Stretches of a real series (`len` points from evenly spaced starts), as bases.
fn real_bases(
    name: &str,
    ts: &[f64],
    vs: &[f64],
    len: usize,
    count: usize,
    cycle: Option<usize>,
) -> Vec<Base> {
    let n = ts.len();
    if n < 64 {
        return Vec::new();
    }
    let len = len.min(n);
    let count = if len == n { 1 } else { count };
    (0..count)
        .map(|k| {
            let start = if count > 1 {
                (n - len) * k / (count - 1)
            } else {
                0
            };
            Base {
                name: format!("{name}@{start}"),
                timestamps: ts[start..start + len].to_vec(),
                values: vs[start..start + len].to_vec(),
                cycle,
                step: step_name(table_step(ts)),
            }
        })
        .collect()
}

/// The real series the corpus starts from, read from the repository's test data folder
/// (`tests/data`: `nab/data/artificialNoAnomaly/*.csv`, `prophet/data/*.csv`).
fn real_series(data_root: &Path) -> Result<Vec<Base>> {
    let mut bases = Vec::new();
    let nab = data_root.join("nab/data/artificialNoAnomaly");
    let mut files: Vec<_> = std::fs::read_dir(&nab)
        .with_context(|| format!("cannot list {}", nab.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    for f in files {
        let (ts, vs) = table::read_series(&f)?;
        let name = f
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        bases.extend(real_bases(&name, &ts, &vs, ts.len(), 1, Some(288)));
    }
    // Prophet's examples: (file, stretch length, stretches, cycle in points).
    let prophet = [
        ("example_yosemite_temps", 2016, 8, Some(288)),
        ("example_wp_log_peyton_manning", 730, 3, Some(7)),
        ("example_wp_log_R", 730, 3, Some(7)),
        ("example_pedestrians_covid", 730, 2, Some(7)),
        ("example_retail_sales", 293, 1, Some(12)),
    ];
    for (file, len, count, cycle) in prophet {
        let path = data_root.join(format!("prophet/data/{file}.csv"));
        let (ts, vs) = table::read_series(&path)?;
        // Gaps (Yosemite has a few) are kept: the detector must live with them.
        bases.extend(real_bases(file, &ts, &vs, len, count, cycle));
    }
    Ok(bases)
}

/// Corpus size: `Full` (the yardstick, 600+ series) or `Small` (the part `cargo test`
/// runs: strong and moderate anomalies on a few bases).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Full,
    Small,
}

/// Generates the corpus for a seed.
pub fn generate(data_root: &Path, seed: u64, size: Size) -> Result<Vec<Group>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    // Synthetic bases: each shape at each step.
    let steps: [(f64, usize); 3] = [(MINUTE, 2880), (5.0 * MINUTE, 2016), (HOUR, 1008)];
    let mut bases: Vec<Base> = Vec::new();
    for &(step_ms, n) in &steps {
        for shape in SHAPES {
            let level = shape_level(shape, &mut rng);
            let values = synthetic(shape, step_ms, n, level, &mut rng);
            bases.push(Base {
                name: format!("{}_{}", shape.name(), step_name(step_ms)),
                timestamps: (0..n).map(|i| EPOCH + i as f64 * step_ms).collect(),
                values,
                cycle: Some((DAY / step_ms).round() as usize),
                step: step_name(step_ms),
            });
        }
    }
    let real = real_series(data_root)?;
    let magnitudes: &[usize] = match size {
        Size::Full => &[0, 1, 2],
        Size::Small => &[1, 2],
    };
    let bases: Vec<Base> = match size {
        Size::Full => bases.into_iter().chain(real).collect(),
        // Two shapes per step and three real stretches.
        Size::Small => bases
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % 5 == 0 || i % 5 == 1)
            .map(|(_, b)| b)
            .chain(real.into_iter().step_by(6))
            .collect(),
    };
    let mut groups = Vec::new();
    for base in &bases {
        for &kind in &KINDS[..7] {
            for &m in magnitudes {
                groups.push(Group {
                    series: vec![inject(base, kind, m, &mut rng)],
                });
            }
        }
        groups.push(Group {
            series: vec![clean(base)],
        });
    }
    // Fleets of siblings: the same shape, each with its own level, phase and noise; one
    // member diverges (peer), or none (a clean fleet).
    let fleet_sizes: &[usize] = match size {
        Size::Full => &[10, 25],
        Size::Small => &[10],
    };
    let repeats = match size {
        Size::Full => 2,
        Size::Small => 1,
    };
    for &(step_ms, n) in &steps {
        for (fi, &members) in fleet_sizes.iter().enumerate() {
            let shape = SHAPES[(fi + steps.len()) % SHAPES.len()];
            let plan = magnitudes
                .iter()
                .flat_map(|&m| std::iter::repeat(m).take(repeats))
                .chain(std::iter::once(usize::MAX));
            for m in plan {
                let level = shape_level(shape, &mut rng);
                let mut series = Vec::with_capacity(members);
                let odd = rng.gen_range(0..members);
                for j in 0..members {
                    let lv = level * rng.gen_range(0.8..1.25);
                    let base = Base {
                        name: format!(
                            "fleet_{}_{}x{members}#{j}",
                            shape.name(),
                            step_name(step_ms)
                        ),
                        timestamps: (0..n).map(|i| EPOCH + i as f64 * step_ms).collect(),
                        values: synthetic(shape, step_ms, n, lv, &mut rng),
                        cycle: Some((DAY / step_ms).round() as usize),
                        step: step_name(step_ms),
                    };
                    series.push(if j == odd && m != usize::MAX {
                        inject(&base, Kind::Peer, m, &mut rng)
                    } else {
                        clean(&base)
                    });
                }
                groups.push(Group { series });
            }
        }
    }
    Ok(groups)
}

/// Counts for one kind (or the clean series).
#[derive(Default, Clone, Copy)]
struct Tally {
    events: usize,
    hit: usize,
    by_magnitude: [(usize, usize); 3],
    /// Incidents on series with this kind of label: overlapping the label, and not.
    incidents_in: usize,
    incidents_out: usize,
    /// Found anomalies whose first overlapping incident has a kind that fits (see
    /// [`kind_fits`]).
    kind_agrees: usize,
}

/// Whether the detector's kind for an incident fits what was injected: a spike is a point
/// outside the band (global or contextual); a contextual stretch is contextual (or, when it
/// lasts, collective); shifts, trend breaks, leaks and stuck values are collective (stuck
/// values also contextual, when the frozen value leaves the band); a peer divergence is a
/// peer anomaly. Variance changes fit any kind.
fn kind_fits(injected: Kind, found: AnomalyKind) -> bool {
    use AnomalyKind::*;
    match injected {
        Kind::Spike => matches!(found, Global | Contextual),
        Kind::Contextual => matches!(found, Contextual | Collective),
        Kind::LevelShift | Kind::TrendBreak | Kind::SlowLeak => found == Collective,
        Kind::Stuck => matches!(found, Collective | Contextual),
        Kind::VarianceChange => true,
        Kind::Peer => found == Peer,
    }
}

#[derive(Default)]
pub struct Report {
    kinds: Vec<(Kind, Tally)>,
    steps: Vec<(&'static str, usize, usize)>,
    pub series: usize,
    normal_points: usize,
    false_incidents: usize,
    clean_points: usize,
    clean_incidents: usize,
    seconds: f64,
    /// False incidents and points per base (the name before the first `/`, fleets by shape
    /// and step), for `--verbose`.
    by_base: std::collections::BTreeMap<String, (usize, usize)>,
}

impl Report {
    fn to_json(&self) -> serde_json::Value {
        let kinds: serde_json::Map<String, serde_json::Value> = self
            .kinds
            .iter()
            .map(|(k, t)| {
                (
                    k.name().to_string(),
                    json!({
                        "events": t.events,
                        "recall": t.hit as f64 / t.events.max(1) as f64,
                        "recall_by_magnitude": t.by_magnitude.iter()
                            .map(|&(e, h)| h as f64 / e.max(1) as f64).collect::<Vec<_>>(),
                        "precision": precision(t),
                        "kind_agrees": t.kind_agrees as f64 / t.hit.max(1) as f64,
                    }),
                )
            })
            .collect();
        json!({
            "series": self.series,
            "kinds": kinds,
            "recall_by_step": self.steps.iter().map(|&(s, e, h)| (s.to_string(), json!(h as f64 / e.max(1) as f64))).collect::<serde_json::Map<_, _>>(),
            "false_incidents_per_1000": 1000.0 * self.false_incidents as f64 / self.normal_points.max(1) as f64,
            "clean_incidents_per_1000": 1000.0 * self.clean_incidents as f64 / self.clean_points.max(1) as f64,
        })
    }
}

fn precision(t: &Tally) -> f64 {
    let all = t.incidents_in + t.incidents_out;
    if all == 0 {
        1.0
    } else {
        t.incidents_in as f64 / all as f64
    }
}

/// Points either side of a label within which an incident still counts as finding it.
const TOLERANCE: usize = 2;

/// Runs the detector over the corpus and matches incidents with labels.
pub fn evaluate(groups: &[Group], options: &AnomalyOptions, tuning: Tuning) -> Result<Report> {
    let started = std::time::Instant::now();
    let mut kinds: Vec<(Kind, Tally)> = KINDS.iter().map(|&k| (k, Tally::default())).collect();
    let mut steps: Vec<(&'static str, usize, usize)> = ["1m", "5m", "1h", "1d+"]
        .iter()
        .map(|&s| (s, 0, 0))
        .collect();
    let mut report = Report::default();
    for g in groups {
        let series: Vec<Series> = g
            .series
            .iter()
            .map(|l| Series::new(&l.timestamps, &l.values).with_context(|| l.name.clone()))
            .collect::<Result<_>>()?;
        let d = detect_tuned(&series, options, tuning)?;
        for (si, l) in g.series.iter().enumerate() {
            report.series += 1;
            let ts = &l.timestamps;
            let n = ts.len();
            // Label span in time, with the tolerance.
            let span = l.label.as_ref().map(|lab| {
                let a = ts[lab.start.saturating_sub(TOLERANCE)];
                let b = ts[(lab.end + TOLERANCE).min(n - 1)];
                (a, b)
            });
            let (mut inside, mut outside) = (0, 0);
            let mut first_kind = None;
            for inc in d.incidents.iter().filter(|i| i.series == si) {
                match span {
                    Some((a, b)) if inc.start <= b && inc.end >= a => {
                        inside += 1;
                        first_kind.get_or_insert(inc.kind);
                    }
                    _ => outside += 1,
                }
            }
            let label_points = l.label.as_ref().map_or(0, |lab| {
                (lab.end + TOLERANCE).min(n - 1) + 1 - lab.start.saturating_sub(TOLERANCE)
            });
            report.normal_points += n - label_points;
            report.false_incidents += outside;
            let base = l
                .name
                .split(['/', '@', '#'])
                .next()
                .unwrap_or("")
                .to_string();
            let e = report.by_base.entry(base).or_default();
            e.0 += outside;
            e.1 += n - label_points;
            match &l.label {
                None => {
                    report.clean_points += n;
                    report.clean_incidents += outside;
                }
                Some(lab) => {
                    let t = &mut kinds
                        .iter_mut()
                        .find(|(k, _)| *k == lab.kind)
                        .expect("kind")
                        .1;
                    t.events += 1;
                    t.by_magnitude[lab.magnitude].0 += 1;
                    t.incidents_in += inside;
                    t.incidents_out += outside;
                    let st = steps
                        .iter_mut()
                        .find(|(s, _, _)| *s == l.step)
                        .expect("step");
                    st.1 += 1;
                    if inside > 0 {
                        t.hit += 1;
                        if first_kind.is_some_and(|k| kind_fits(lab.kind, k)) {
                            t.kind_agrees += 1;
                        }
                        t.by_magnitude[lab.magnitude].1 += 1;
                        st.2 += 1;
                    }
                }
            }
        }
    }
    report.kinds = kinds;
    report.steps = steps;
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

fn print_report(mode: &str, r: &Report) {
    println!(
        "{mode}: {} series, {:.2} s; incidents per 1,000 normal points {:.2} (clean series {:.2})",
        r.series,
        r.seconds,
        1000.0 * r.false_incidents as f64 / r.normal_points.max(1) as f64,
        1000.0 * r.clean_incidents as f64 / r.clean_points.max(1) as f64,
    );
    println!(
        "  {:<12} {:>6} {:>7} {:>7} {:>8} {:>7} {:>9} {:>6}",
        "kind", "events", "recall", "subtle", "moderate", "strong", "precision", "kind"
    );
    for (k, t) in &r.kinds {
        let m = |i: usize| {
            let (e, h) = t.by_magnitude[i];
            if e == 0 {
                "-".to_string()
            } else {
                format!("{:.2}", h as f64 / e as f64)
            }
        };
        println!(
            "  {:<12} {:>6} {:>7.2} {:>7} {:>8} {:>7} {:>9.2} {:>6.2}",
            k.name(),
            t.events,
            t.hit as f64 / t.events.max(1) as f64,
            m(0),
            m(1),
            m(2),
            precision(t),
            t.kind_agrees as f64 / t.hit.max(1) as f64
        );
    }
    let steps: Vec<String> = r
        .steps
        .iter()
        .filter(|(_, e, _)| *e > 0)
        .map(|(s, e, h)| format!("{s} {:.2} ({e})", *h as f64 / *e as f64))
        .collect();
    println!("  recall by step: {}", steps.join(", "));
    if std::env::var_os("FORESIGHT_CORPUS_VERBOSE").is_some() {
        let mut bases: Vec<_> = r.by_base.iter().collect();
        bases.sort_by(|a, b| (b.1 .0 * a.1 .1).cmp(&(a.1 .0 * b.1 .1)));
        for (name, (inc, pts)) in bases {
            println!(
                "    {name:<40} {inc:>5} false incidents, {:.2} per 1,000 points",
                1000.0 * *inc as f64 / (*pts).max(1) as f64
            );
        }
    }
}

/// `foresight corpus-eval`.
pub fn run(
    data_root: &Path,
    seed: u64,
    small: bool,
    modes: &[DetectionMode],
    as_json: bool,
) -> Result<()> {
    let size = if small { Size::Small } else { Size::Full };
    let groups = generate(data_root, seed, size)?;
    let mut out = serde_json::Map::new();
    for &mode in modes {
        // The panel's defaults; experiment knobs as for `foresight incidents`.
        let (options, tuning) = crate::incidents::options(mode, None)?;
        let report = evaluate(&groups, &options, tuning)?;
        let name = match mode {
            DetectionMode::Batch => "batch",
            DetectionMode::Causal => "causal",
        };
        if as_json {
            out.insert(name.to_string(), report.to_json());
        } else {
            print_report(name, &report);
        }
    }
    if as_json {
        println!("{}", serde_json::Value::Object(out));
    }
    Ok(())
}
