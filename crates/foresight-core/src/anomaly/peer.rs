//! Peer anomalies: one series unlike its siblings at the same time. At each timestamp shared
//! by at least three series, each series' gap to the cross-series median is compared with
//! its usual gap (its median offset) in units of its usual spread (robust sigma), so
//! siblings at different levels or noise amplitudes compare fairly.

use super::score::{residual_sigma, residual_sigma_from, resolution, QUANTA};
use super::stats::{median_in_place, SortedWindow};
use super::{AnomalyKind, AnomalyOptions, DetectionMode, SeriesAnomalies};
use crate::series::Series;

/// Trailing memory of the causal offsets and spreads, in shared timestamps.
const CAUSAL_WINDOW: usize = 1000;
const PEER_EXTRA_SIGMAS: f64 = 1.5;
/// Shared timestamps needed before a series' peer score means anything.
const MIN_HISTORY: usize = 30;

pub(crate) fn apply(series: &[Series], opts: &AnomalyOptions, results: &mut [SeriesAnomalies]) {
    let m = series.len();
    // Gap to the cross-series median, per series, in time order.
    let mut gaps: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
    let mut buf = Vec::with_capacity(m);
    let first = series[0].timestamps();
    let same_grid = series.iter().all(|s| {
        s.timestamps().len() == first.len()
            && s.timestamps()
                .iter()
                .zip(first)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    });
    if same_grid {
        // The usual case (series put on the query's step): the series sharing a timestamp
        // are those with a value at the same index, in series order, as below.
        let mut members: Vec<(usize, usize)> = Vec::with_capacity(m);
        for i in 0..first.len() {
            members.clear();
            members.extend(
                (0..m)
                    .filter(|&si| series[si].values()[i].is_finite())
                    .map(|si| (si, i)),
            );
            gaps_to_median(series, &members, &mut buf, &mut gaps);
        }
    } else {
        // (timestamp, series, index) of every finite value, grouped by timestamp in time
        // order; a stable sort keeps each group in series order (one map type fewer in the
        // module than a BTreeMap).
        let mut at: Vec<(f64, usize, usize)> = Vec::new();
        for (si, s) in series.iter().enumerate() {
            for (i, (&t, &v)) in s.timestamps().iter().zip(s.values()).enumerate() {
                if v.is_finite() {
                    at.push((t, si, i));
                }
            }
        }
        foresight_kernel::merge_sort_by(&mut at, |a, b| a.0.total_cmp(&b.0).is_le());
        let mut members: Vec<(usize, usize)> = Vec::with_capacity(m);
        for group in at.chunk_by(|a, b| a.0.to_bits() == b.0.to_bits()) {
            members.clear();
            members.extend(group.iter().map(|&(_, si, i)| (si, i)));
            gaps_to_median(series, &members, &mut buf, &mut gaps);
        }
    }
    // Gaps to a cross-series median are heavier-tailed than one series' residuals (the
    // median itself jitters): a wider band keeps noise from reading as a peer outlier.
    let k = opts.band_sigmas() + PEER_EXTRA_SIGMAS;
    for (si, g) in gaps.iter().enumerate() {
        if g.len() < MIN_HISTORY {
            continue;
        }
        // Batch: a gap of a step or so of a quantised series' resolution is not a divergence
        // (as for the series' own band; causal measured no better with it, docs/evaluation.md).
        let floor = match opts.mode {
            DetectionMode::Batch => QUANTA * resolution(series[si].values()),
            DetectionMode::Causal => 0.0,
        };
        let scores: Vec<(usize, f64)> = match opts.mode {
            DetectionMode::Batch => {
                let mut vals: Vec<f64> = g.iter().map(|x| x.1).collect();
                let offset = median_in_place(&mut vals);
                // The median and mean of the finite |gap − offset| (what a sorted window
                // over all of them gives, without keeping one sorted point by point).
                vals.clear();
                vals.extend(
                    g.iter()
                        .map(|x| (x.1 - offset).abs())
                        .filter(|v| v.is_finite()),
                );
                let mean = match vals.len() {
                    0 => f64::NAN,
                    1 => vals[0],
                    len => vals.iter().fold(0.0, |s, v| s + v) / len as f64,
                };
                let sigma = residual_sigma_from(median_in_place(&mut vals), mean, offset);
                let devs: Vec<f64> = g.iter().map(|x| x.1 - offset).collect();
                g.iter()
                    .enumerate()
                    .map(|(j, &(i, _))| {
                        (i, signed_score(sustained(&devs, j), k * sigma, floor, opts))
                    })
                    .collect()
            }
            DetectionMode::Causal => {
                let mut offsets = SortedWindow::new(CAUSAL_WINDOW);
                let mut abs = SortedWindow::new(CAUSAL_WINDOW);
                let mut devs: Vec<f64> = Vec::with_capacity(g.len());
                g.iter()
                    .map(|&(i, x)| {
                        let offset = offsets.median();
                        devs.push(x - offset);
                        let score = if offsets.len() >= MIN_HISTORY {
                            let sigma = residual_sigma(&abs, offset);
                            signed_score(sustained(&devs, devs.len() - 1), k * sigma, floor, opts)
                        } else {
                            0.0
                        };
                        // Robust training: flagged gaps are not learned as normal.
                        if score.abs() <= 1.0 || !opts.robust {
                            offsets.push(x);
                            abs.push((x - offsets.median()).abs());
                        }
                        (i, score)
                    })
                    .collect()
            }
        };
        let r = &mut results[si];
        for (i, s) in scores {
            let t = r.timestamps[i];
            if s.abs() > 1.0 && s.abs() > r.score[i] && !opts.in_shock(t) {
                r.score[i] = s.abs();
                r.kind[i] = Some(AnomalyKind::Peer);
                r.direction[i] = s.signum() as i8;
            }
        }
    }
}

/// Appends to `gaps` each member's gap to the members' median at one timestamp (members are
/// `(series, index)`, in series order; fewer than three: nothing to compare).
fn gaps_to_median(
    series: &[Series],
    members: &[(usize, usize)],
    buf: &mut Vec<f64>,
    gaps: &mut [Vec<(usize, f64)>],
) {
    if members.len() < 3 {
        return;
    }
    buf.clear();
    buf.extend(members.iter().map(|&(si, i)| series[si].values()[i]));
    let med = median_in_place(buf);
    for &(si, i) in members {
        gaps[si].push((i, series[si].values()[i] - med));
    }
}

/// A peer anomaly is a sustained difference, not one odd sample (that is the series' own
/// global or contextual anomaly): the median of the deviation over the last three points.
fn sustained(devs: &[f64], j: usize) -> f64 {
    if j < 2 {
        return 0.0;
    }
    let mut w = [devs[j - 2], devs[j - 1], devs[j]];
    if !w.iter().all(|d| d.is_finite()) {
        return 0.0;
    }
    median_in_place(&mut w)
}

/// Signed score of a deviation from the usual gap, honouring direction and floors.
fn signed_score(dev: f64, band: f64, floor: f64, opts: &AnomalyOptions) -> f64 {
    let hw = band
        .max(floor)
        .max(opts.min_abs_deviation)
        .max(f64::MIN_POSITIVE);
    let s = match opts.direction {
        super::Direction::Up => dev.max(0.0),
        super::Direction::Down => dev.min(0.0),
        super::Direction::Both => dev,
    } / hw;
    if s.is_nan() {
        0.0
    } else {
        s.clamp(-1e12, 1e12)
    }
}
