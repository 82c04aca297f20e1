//! Root-cause hints for one incident: which other series moved with it (and which moved
//! first), and which label values the anomalous series share.

use serde::{Deserialize, Serialize};

use super::Labels;
use crate::anomaly::stats::{median, median_sigma};
use crate::anomaly::{Incident, SeriesAnomalies};
use crate::error::{invalid, Error, Result};
use foresight_kernel::robust::{finite_pairs_correlation, max_abs_finite};
use foresight_kernel::{merge_sort_by, merge_sort_vec_by};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RootCauseOptions {
    /// Points on each side of the incident window used for the residual correlation; the
    /// context is never shorter than the incident itself on each side.
    pub context_points: usize,
    /// Largest lag tried, in points, both ways.
    pub max_lag_points: usize,
    /// Fewest paired (finite) residuals a correlation needs; below it the correlation is
    /// reported as absent rather than guessed.
    pub min_pairs: usize,
}

impl Default for RootCauseOptions {
    fn default() -> Self {
        Self {
            context_points: 30,
            max_lag_points: 10,
            min_pairs: 8,
        }
    }
}

/// How one other series behaved around the incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedSeries {
    /// Index of the series in the detection.
    pub series: usize,
    /// Highest score of the series inside the incident window (0 when it has no points there).
    pub peak_score: f64,
    /// Mean score inside the incident window.
    pub mean_score: f64,
    /// Share of its points in the window that lie outside its band (score > 1).
    pub outside_share: f64,
    /// Mean deviation in the window from the series' normal (value − the expected value one
    /// seasonal period earlier, or − its median before the window without a period), in
    /// band half-widths of 3 robust standard deviations of that deviation before the window.
    pub deviation: f64,
    /// Mean signed deviation in the window, in the series' units.
    pub shift: f64,
    /// Pearson correlation of its deviations with the incident series' deviations around
    /// the window, at the best lag; `None` when too few points pair up.
    pub correlation: Option<f64>,
    /// Lag (ms) at which |correlation| peaks: negative means this series moved BEFORE the
    /// incident series, positive after. `None` with `correlation`.
    pub lag_ms: Option<f64>,
    /// Ranking key: `deviation × (0.5 + 0.5 × |correlation|)` (factor 0.5 without a
    /// correlation), higher first.
    pub rank_score: f64,
}

/// One label value and how much of the incident window's anomaly it carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelShare {
    pub name: String,
    pub value: String,
    /// Series carrying this label value.
    pub series: usize,
    /// Of them, series with anomaly in the window.
    pub anomalous_series: usize,
    /// True when every anomalous series carries this label value.
    pub covers_all_anomalous: bool,
    /// Share of the total anomaly these series carry (the sum, over the window's points, of
    /// the deviation in band half-widths where it exceeds 1).
    pub anomaly_share: f64,
    /// Share of all series these are.
    pub series_share: f64,
    /// `anomaly_share / series_share`: above 1 means over-represented in the anomaly.
    pub lift: f64,
    /// Ranking key: `anomaly_share − series_share` (the anomaly explained beyond what the
    /// label's size alone would explain), higher first.
    pub excess: f64,
}

/// Root-cause hints for one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum RootCause {
    /// The detection holds one series: nothing to compare with.
    #[serde(rename_all = "camelCase")]
    NoPeers { series: usize, message: String },
    #[serde(rename_all = "camelCase")]
    Compared {
        /// The incident series.
        series: usize,
        /// The incident window (ms UTC, inclusive).
        start: f64,
        end: f64,
        /// The other series, best rank first.
        related: Vec<RelatedSeries>,
        /// Label values, most over-represented first; empty without labels or without
        /// anomaly in the window.
        labels: Vec<LabelShare>,
        /// Series (the incident's included) with anomaly inside the window.
        anomalous_series: usize,
        /// A sentence for the panel when something limited the analysis (no labels, no
        /// anomaly in other series), else `None`.
        note: Option<String>,
    },
}

/// Most incidents one [`root_causes`] call explains (each compares every series).
pub const MAX_ROOT_CAUSE_INCIDENTS: usize = 200;

/// [`root_cause`] for several incidents of the same series, one result each (an incident the
/// engine rejects gets its error); more than [`MAX_ROOT_CAUSE_INCIDENTS`] are refused up front.
pub fn root_causes(
    series: &[SeriesAnomalies],
    incidents: &[Incident],
    labels: &[Labels],
    options: &RootCauseOptions,
) -> Result<Vec<Result<RootCause>>> {
    if incidents.len() > MAX_ROOT_CAUSE_INCIDENTS {
        return Err(Error::TooLarge {
            what: "incidents",
            got: incidents.len(),
            max: MAX_ROOT_CAUSE_INCIDENTS,
        });
    }
    Ok(incidents
        .iter()
        .map(|incident| root_cause(series, incident, labels, options))
        .collect())
}

/// Root-cause hints for `incident` over the `series` of a detection (as [`crate::detect`]
/// returns them). `labels` is empty (no labels) or holds one map per series.
pub fn root_cause(
    series: &[SeriesAnomalies],
    incident: &Incident,
    labels: &[Labels],
    options: &RootCauseOptions,
) -> Result<RootCause> {
    if series.is_empty() {
        return Err(Error::Empty);
    }
    if incident.series >= series.len() {
        return Err(invalid(
            "incident",
            format!(
                "series index {} is out of range ({} series)",
                incident.series,
                series.len()
            ),
        ));
    }
    if !(incident.start.is_finite() && incident.end.is_finite() && incident.start <= incident.end) {
        return Err(invalid(
            "incident",
            format!(
                "needs finite start <= end, got {} .. {}",
                incident.start, incident.end
            ),
        ));
    }
    if !labels.is_empty() && labels.len() != series.len() {
        return Err(invalid(
            "labels",
            format!(
                "one label set per series is needed ({} series, {} label sets)",
                series.len(),
                labels.len()
            ),
        ));
    }
    if options.min_pairs < 3 {
        return Err(invalid(
            "minPairs",
            format!("must be at least 3, got {}", options.min_pairs),
        ));
    }
    crate::series::check_total_points(series.iter().map(|s| s.timestamps.len()).sum())?;
    for (i, s) in series.iter().enumerate() {
        let n = s.timestamps.len();
        if s.values.len() != n || s.expected.len() != n || s.score.len() != n {
            return Err(invalid(
                "series",
                format!("series {i}: timestamps, values, expected and score differ in length"),
            ));
        }
    }
    let target = &series[incident.series];
    // Lags and context beyond the series' length read nothing more; refused before they size
    // any allocation.
    let longest = series.iter().map(|s| s.timestamps.len()).max().unwrap_or(0);
    for (name, value) in [
        ("maxLagPoints", options.max_lag_points),
        ("contextPoints", options.context_points),
    ] {
        if value > longest {
            return Err(invalid(
                name,
                format!(
                    "must be at most the longest series' length ({longest} points), got {value}"
                ),
            ));
        }
    }
    let window: Vec<usize> = indices_in(&target.timestamps, incident.start, incident.end);
    if window.is_empty() {
        return Err(invalid(
            "incident",
            format!(
                "the window {} .. {} holds no point of series {}",
                incident.start, incident.end, incident.series
            ),
        ));
    }
    if series.len() == 1 {
        return Ok(RootCause::NoPeers {
            series: incident.series,
            message: "only one series: there are no other series to compare with".into(),
        });
    }

    // Deviation context around the window on the incident series' grid.
    let (w0, w1) = (window[0], *window.last().expect("non-empty"));
    let pad = options.context_points.max(w1 - w0 + 1);
    let c0 = w0.saturating_sub(pad);
    let c1 = (w1 + pad).min(target.timestamps.len() - 1);
    let step = median_step(&target.timestamps);
    let shared = shared_period(series);
    // The indices the comparison reads (on series sharing the incident series' grid; the
    // others' deviations are computed where they are read).
    let max_lag = options.max_lag_points;
    let reach = (
        c0.saturating_sub(max_lag).min(w0.saturating_sub(pad)),
        (c1 + 1 + max_lag).max(w1 + 1),
    );
    let devs: Vec<Deviation> = series
        .iter()
        .map(|s| {
            Deviation::new(
                s,
                s.period.or(shared),
                incident.start,
                incident.end,
                pad,
                reach,
            )
        })
        .collect();
    let target_dev: Vec<f64> = (c0..=c1).map(|i| devs[incident.series].value(i)).collect();

    let mut masses = vec![0.0; series.len()];
    let mut related = Vec::new();
    for (j, s) in series.iter().enumerate() {
        let dev = &devs[j];
        let idx: Vec<usize> = (dev.lo..dev.hi).collect();
        masses[j] = idx.iter().map(|&i| excess(dev.score(i))).sum();
        if j == incident.series {
            continue;
        }
        let (peak, mean, outside) = if idx.is_empty() {
            (0.0, 0.0, 0.0)
        } else {
            let peak = idx.iter().map(|&i| s.score[i]).fold(0.0, f64::max);
            let mean = idx.iter().map(|&i| s.score[i]).sum::<f64>() / idx.len() as f64;
            let outside =
                idx.iter().filter(|&&i| s.score[i] > 1.0).count() as f64 / idx.len() as f64;
            (peak, mean, outside)
        };
        let deviation = finite_mean(idx.iter().map(|&i| dev.score(i)));
        let shift = finite_mean(idx.iter().map(|&i| dev.value(i)));
        let best = best_lag(target, &target_dev, c0, s, dev, options);
        let (correlation, lag_ms) = match best {
            Some((r, k)) => (Some(r), Some(k as f64 * step)),
            None => (None, None),
        };
        let factor = correlation.map_or(0.5, |r| 0.5 + 0.5 * r.abs());
        related.push(RelatedSeries {
            series: j,
            peak_score: peak,
            mean_score: mean,
            outside_share: outside,
            deviation,
            shift,
            correlation,
            lag_ms,
            rank_score: deviation * factor,
        });
    }
    merge_sort_vec_by(&mut related, |a, b| {
        b.rank_score
            .total_cmp(&a.rank_score)
            .then(a.series.cmp(&b.series))
            .is_le()
    });

    let anomalous_series = masses.iter().filter(|&&m| m > 0.0).count();
    let total: f64 = masses.iter().sum();
    let mut notes = Vec::new();
    let label_shares = if labels.is_empty() {
        notes.push("no labels were given, so there is no label breakdown");
        Vec::new()
    } else if total <= 0.0 {
        notes.push("no series is outside its band in this window, so there is no label breakdown");
        Vec::new()
    } else {
        label_breakdown(labels, &masses)
    };
    if !related
        .iter()
        .any(|r| r.outside_share > 0.0 || r.deviation > 1.0)
    {
        notes.push("no other series left its band in this window");
    }
    Ok(RootCause::Compared {
        series: incident.series,
        start: incident.start,
        end: incident.end,
        related,
        labels: label_shares,
        anomalous_series,
        note: (!notes.is_empty()).then(|| capitalise(&notes.join("; "))),
    })
}

/// Label values ranked by the anomaly they carry beyond their share of series.
/// `masses[i]` is the anomaly of series `i` (≥ 0); labels and masses align.
pub fn label_breakdown(labels: &[Labels], masses: &[f64]) -> Vec<LabelShare> {
    let n = labels.len().min(masses.len());
    let total: f64 = masses[..n]
        .iter()
        .filter(|m| m.is_finite() && **m > 0.0)
        .sum();
    if n == 0 || total <= 0.0 {
        return Vec::new();
    }
    let mass = |i: usize| {
        if masses[i].is_finite() && masses[i] > 0.0 {
            masses[i]
        } else {
            0.0
        }
    };
    let anomalous_total = (0..n).filter(|&i| mass(i) > 0.0).count();
    // (name, value) -> series holding it, in (name, value) order so that the output is
    // deterministic: a stable sort of (name, value, series) keeps each group's series in order.
    let mut pairs: Vec<(&str, &str, usize)> = Vec::new();
    for (i, set) in labels[..n].iter().enumerate() {
        pairs.extend(set.iter().map(|(k, v)| (k, v, i)));
    }
    merge_sort_by(&mut pairs, |a, b| (a.0, a.1) <= (b.0, b.1));
    let mut out: Vec<LabelShare> = pairs
        .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
        .filter_map(|group| {
            let (name, value) = (group[0].0, group[0].1);
            let members: Vec<usize> = group.iter().map(|p| p.2).collect();
            let anomaly: f64 = members.iter().map(|&i| mass(i)).sum();
            if anomaly <= 0.0 {
                return None;
            }
            let anomalous = members.iter().filter(|&&i| mass(i) > 0.0).count();
            let anomaly_share = anomaly / total;
            let series_share = members.len() as f64 / n as f64;
            Some(LabelShare {
                name: name.to_string(),
                value: value.to_string(),
                series: members.len(),
                anomalous_series: anomalous,
                covers_all_anomalous: anomalous == anomalous_total,
                anomaly_share,
                series_share,
                lift: anomaly_share / series_share,
                excess: anomaly_share - series_share,
            })
        })
        .collect();
    merge_sort_vec_by(&mut out, |a, b| {
        b.excess
            .total_cmp(&a.excess)
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.value.cmp(&b.value))
            .is_le()
    });
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Band half-widths of the deviation band (the detector's at its default sensitivity).
const BAND_SIGMAS: f64 = crate::anomaly::band_sigmas(crate::anomaly::DEFAULT_SENSITIVITY);

/// What a point adds to the window's anomaly: its deviation score when outside the band.
fn excess(score: f64) -> f64 {
    if score.is_finite() && score > 1.0 {
        score
    } else {
        0.0
    }
}

fn finite_mean(xs: impl Iterator<Item = f64>) -> f64 {
    let (s, c) = xs
        .filter(|v| v.is_finite())
        .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
    if c == 0 {
        0.0
    } else {
        s / c as f64
    }
}

/// The period most series have (smallest on ties): series of one query usually share their
/// seasonality, and the detector may miss it on a series the incident disturbs.
fn shared_period(series: &[SeriesAnomalies]) -> Option<usize> {
    let mut periods: Vec<usize> = series
        .iter()
        .filter_map(|s| s.period)
        .filter(|&p| p > 0)
        .collect();
    merge_sort_by(&mut periods, |a, b| a <= b);
    let mut best: Option<(usize, usize)> = None;
    for run in periods.chunk_by(|a, b| a == b) {
        if best.map_or(true, |(_, bc)| run.len() > bc) {
            best = Some((run[0], run.len()));
        }
    }
    best.map(|(p, _)| p)
}

/// A series' deviation from its normal: with a seasonal period P (its own, else the one most
/// series share), `value − expected P points earlier` when the detector modelled P on this
/// series (inside an incident the expected value partly follows it; a period earlier it
/// does not), else `value − value P points earlier`; without any period, `value − median
/// before the window`. Scaled by the robust spread of the deviation in the context before
/// the window.
struct Deviation<'a> {
    s: &'a SeriesAnomalies,
    reference: Reference,
    /// The deviation over `from..from + cached.len()`, the indices the comparison reads on
    /// the incident series' grid; elsewhere it is computed where it is read.
    from: usize,
    cached: Vec<f64>,
    sigma: f64,
    /// The incident window in this series' indices (`lo..hi`, possibly empty).
    lo: usize,
    hi: usize,
}

/// What a value is compared with (see [`Deviation`]).
enum Reference {
    /// The expected value this many points earlier.
    Expected(usize),
    /// The value this many points earlier.
    Value(usize),
    /// A fixed level.
    Level(f64),
}

impl<'a> Deviation<'a> {
    /// `reach`: the index range (this series') worth computing up front.
    fn new(
        s: &'a SeriesAnomalies,
        period: Option<usize>,
        start: f64,
        end: f64,
        context: usize,
        reach: (usize, usize),
    ) -> Self {
        let n = s.timestamps.len();
        let lo = s.timestamps.partition_point(|&t| t < start);
        let hi = s.timestamps.partition_point(|&t| t <= end).max(lo);
        let reference = match period.filter(|&p| p > 0 && p < n) {
            // The detector modelled this period: its expected value a period earlier is the
            // cleanest reference.
            Some(p) if s.period == Some(p) => Reference::Expected(p),
            // A period found on the other series only: the value a period earlier.
            Some(p) => Reference::Value(p),
            None => {
                let before = median(&s.values[..lo]);
                Reference::Level(if before.is_finite() {
                    before
                } else {
                    median(&s.values)
                })
            }
        };
        let from = reach.0.min(lo.saturating_sub(context)).min(n);
        let to = reach.1.max(hi).min(n).max(from);
        let mut dev = Self {
            s,
            reference,
            from,
            cached: Vec::new(),
            sigma: f64::NAN,
            lo,
            hi,
        };
        dev.cached = (from..to).map(|i| dev.compute(i)).collect();
        let ctx: Vec<f64> = (lo.saturating_sub(context)..lo)
            .map(|i| dev.value(i))
            .collect();
        let mut sigma = if ctx.iter().filter(|v| v.is_finite()).count() >= 5 {
            median_sigma(&ctx).1
        } else {
            let outside: Vec<f64> = (0..lo).chain(hi..n).map(|i| dev.value(i)).collect();
            median_sigma(&outside).1
        };
        // The floor is a billionth of the series' median magnitude. The largest magnitude
        // bounds it, so the median (a copy and a selection per series and incident) is
        // needed only when sigma is not clearly above the floor.
        let largest = max_abs_finite(&s.values).max(1.0);
        if !(sigma.is_finite() && sigma > 1e-9 * largest) {
            let scale = median(&s.values).abs().max(1.0);
            if !(sigma.is_finite() && sigma > 1e-9 * scale) {
                sigma = 1e-9 * scale;
            }
        }
        dev.sigma = sigma;
        dev
    }

    /// The deviation at `i` (NaN where there is none).
    fn compute(&self, i: usize) -> f64 {
        let s = self.s;
        let d = match self.reference {
            Reference::Expected(p) if i >= p => s.values[i] - s.expected[i - p],
            Reference::Value(p) if i >= p => s.values[i] - s.values[i - p],
            Reference::Level(level) => s.values[i] - level,
            _ => f64::NAN,
        };
        if d.is_finite() {
            d
        } else {
            f64::NAN
        }
    }

    fn value(&self, i: usize) -> f64 {
        match i.checked_sub(self.from) {
            Some(k) if k < self.cached.len() => self.cached[k],
            _ => self.compute(i),
        }
    }

    /// Deviation at `i` in band half-widths.
    fn score(&self, i: usize) -> f64 {
        let z = self.value(i).abs() / (BAND_SIGMAS * self.sigma);
        if z.is_finite() {
            z
        } else {
            0.0
        }
    }
}

fn indices_in(ts: &[f64], start: f64, end: f64) -> Vec<usize> {
    let lo = ts.partition_point(|&t| t < start);
    let hi = ts.partition_point(|&t| t <= end);
    (lo..hi.max(lo)).collect()
}

pub(crate) fn median_step(ts: &[f64]) -> f64 {
    let mut d: Vec<f64> = ts
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| d.is_finite() && *d > 0.0)
        .collect();
    if d.is_empty() {
        return 0.0;
    }
    crate::anomaly::stats::median_in_place(&mut d)
}

/// The deviation at `j` where `other.timestamps[j] == t`, NaN when absent.
fn value_at(other: &SeriesAnomalies, dev: &Deviation, t: f64) -> f64 {
    let i = other.timestamps.partition_point(|&x| x < t);
    if i < other.timestamps.len() && other.timestamps[i] == t {
        dev.value(i)
    } else {
        f64::NAN
    }
}

/// The lag (points on the incident series' grid) maximising |corr(target[i], other[i + k])|,
/// tried from 0 outwards so ties go to the smallest |lag| (then the negative one).
fn best_lag(
    target: &SeriesAnomalies,
    target_dev: &[f64],
    c0: usize,
    other: &SeriesAnomalies,
    other_dev: &Deviation,
    options: &RootCauseOptions,
) -> Option<(f64, i64)> {
    let n = target.timestamps.len() as i64;
    let max_lag = options.max_lag_points as i64;
    let mut best: Option<(f64, i64)> = None;
    let mut lags = vec![0i64];
    for k in 1..=max_lag {
        lags.push(-k);
        lags.push(k);
    }
    // The other series' deviation at each target index any lag reaches, looked up once
    // (directly when both series share their timestamps).
    let first = (c0 as i64 - max_lag).max(0);
    let last = ((c0 + target_dev.len()) as i64 + max_lag).min(n);
    let same_grid = other.timestamps.len() == target.timestamps.len()
        && other.timestamps[first as usize..last as usize]
            .iter()
            .zip(&target.timestamps[first as usize..last as usize])
            .all(|(a, b)| a == b);
    let at: Vec<f64> = (first..last)
        .map(|i| {
            let i = i as usize;
            if same_grid {
                other_dev.value(i)
            } else {
                value_at(other, other_dev, target.timestamps[i])
            }
        })
        .collect();
    for k in lags {
        // The offsets whose index `c0 + off + k` is on the grid, and the pairs there.
        let o0 = (-(c0 as i64 + k)).clamp(0, target_dev.len() as i64);
        let o1 = (n - (c0 as i64 + k)).clamp(o0, target_dev.len() as i64);
        if o0 == o1 {
            continue;
        }
        let y0 = (c0 as i64 + o0 + k - first) as usize;
        let x = &target_dev[o0 as usize..o1 as usize];
        let y = &at[y0..y0 + x.len()];
        if let Some(r) = finite_pairs_correlation(x, y, options.min_pairs) {
            if best.map_or(true, |(b, _)| r.abs() > b.abs() + 1e-12) {
                best = Some((r, k));
            }
        }
    }
    best
}
