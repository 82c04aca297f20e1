//! The fast model behind the band: a seasonal profile (period found by autocorrelation)
//! plus a robust level (rolling median of the deseasonalised series), with a band of `k`
//! robust standard deviations of the residuals. The same pieces run causally (trailing
//! windows, updated point by point) or in batch (the whole range, centred windows).

use std::collections::VecDeque;

use foresight_kernel::robust::{
    finite_abs, rolling_max_centred, rolling_median_centred, rolling_median_trailing, select_total,
    sort_total, Bins,
};

use super::season::{detect_period, typical_step};
use super::stats::{median_in_place, median_sigma, SortedWindow, MAD_TO_SIGMA};
use super::{AnomalyKind, AnomalyOptions, BandModel, Direction, Mode, SeriesAnomalies};
use crate::error::Result;
use crate::series::Series;

/// The model's settings (window sizes in points, thresholds, switches of its parts). The
/// defaults are what [`super::detect`] uses, tuned on NAB (docs/evaluation.md); other values
/// are for the CLI's experiments (`experiments` feature).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Trailing (causal) or centred (batch) median giving the level.
    pub level_window: usize,
    /// Recent points kept out of the level, so a fresh shift is scored against the level
    /// before it.
    pub recent_window: usize,
    /// Recent points whose median is tested for a collective shift...
    pub collective_window: usize,
    /// ...against the median of this many points before them.
    pub collective_reference: usize,
    /// Residuals behind the band's scale.
    pub resid_window: usize,
    /// Raw values behind the global (median / MAD) test.
    pub global_window: usize,
    /// Points kept for period re-detection and refits (causal).
    pub history: usize,
    /// Cycles of memory of the causal seasonal profile.
    pub season_memory: f64,
    /// A collective shift is flagged at this fraction of the point band.
    pub collective_fraction: f64,
    /// After this many consecutive flags in one direction the model adopts the new regime.
    pub accept_after: usize,
    /// The band scale is also at least this quantile of |residual| over its normal value
    /// (0.5 is the MAD alone): heavier-tailed series get a wider band.
    pub scale_quantile: f64,
    /// Batch: the band scale also follows the residual spread at each phase of the period
    /// (never narrower than the overall scale), so a noisier part of the cycle is not
    /// flagged throughout.
    pub phase_scale: bool,
    /// Batch: excursions that recur at the same phase of the period (or of a day / week)
    /// in most cycles are learnt as seasonal: the band there widens to this quantile of
    /// their heights across cycles (0 disables).
    pub recurring_quantile: f64,
    /// ...when the median over the cycles of the largest excursion near that phase is
    /// beyond this fraction of the band (the excursion is there in most cycles).
    pub recurring_gate: f64,
    /// Batch: the band scale is also at least this quantile of |residual| over its normal
    /// value (heavy-tailed series get a wider band; 0 disables).
    pub tail_quantile: f64,
    /// ...measured on the first fit, before excursions are masked.
    pub tail_unmasked: bool,
    /// Batch: Prophet's fit as the expected value instead of the fast model (experiment).
    pub prophet_band: bool,
    /// Batch: the collective shift is also measured against the spread of such shifts
    /// over the series (a wandering level is not flagged throughout).
    pub collective_self_scale: bool,
    /// Batch: runs of identical values far longer than the series' usual runs are flagged
    /// (stuck sensors).
    pub stuck_runs: bool,
    /// Batch: the band is never narrower than 1.5 steps of the data's resolution (counts:
    /// one count is not an anomaly by itself). Causal mode measured worse with it (NAB CV
    /// 69.85 → 67.56, docs/evaluation.md).
    pub resolution_floor: bool,
    /// Incidents: flagged runs separated by at most this many unflagged points are one
    /// incident.
    pub merge_gap: usize,
    /// Incidents: an incident whose peak score stays under this bar is dropped (its points
    /// unflagged); 1 keeps every flagged run.
    pub min_peak: f64,
    /// Incidents: a single flagged point needs at least this peak score.
    pub min_peak_single: f64,
    /// Batch incidents: kept only when their evidence (the sum, or the peak, of their
    /// scores above `evidence_floor`) exceeds what the series' own ordinary excursions reach
    /// this many times per 1,000 points (0 disables; `significance.rs`).
    pub chance_rate: f64,
    /// ...the fraction of the band above which a score counts as evidence.
    pub evidence_floor: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            level_window: 8,
            recent_window: 8,
            collective_window: 16,
            collective_reference: 64,
            resid_window: 2000,
            global_window: 5000,
            history: 8192,
            season_memory: 20.0,
            collective_fraction: 0.6,
            accept_after: 48,
            scale_quantile: 0.5,
            phase_scale: true,
            recurring_quantile: 0.6,
            recurring_gate: 0.5,
            tail_quantile: 0.95,
            tail_unmasked: false,
            prophet_band: false,
            collective_self_scale: true,
            stuck_runs: true,
            resolution_floor: true,
            merge_gap: 12,
            min_peak: 1.0,
            min_peak_single: 2.0,
            chance_rate: 4.0,
            evidence_floor: 0.5,
        }
    }
}

/// Residuals needed before the causal band is trusted.
const MIN_TRAIN: usize = 24;

/// The band's half-width in steps of the data's resolution, at least: a value one step
/// from the expected one scores 0.67, two steps 1.33 (a lone point needs `min_peak_single`).
pub(crate) const QUANTA: f64 = 1.5;

/// The data's resolution when its values are quantised (counts, integer percentages): the
/// median gap between consecutive distinct values when there are at most a quarter as many
/// distinct values as values; 0 for continuous data.
pub(crate) fn resolution(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.len() < 8 {
        return 0.0;
    }
    sort_total(&mut v);
    let n = v.len();
    v.dedup();
    if v.len() < 2 || v.len() * 4 > n {
        return 0.0;
    }
    let mut gaps: Vec<f64> = v.windows(2).map(|w| w[1] - w[0]).collect();
    let q = median_in_place(&mut gaps);
    if q.is_finite() && q > 0.0 {
        q
    } else {
        0.0
    }
}

/// Largest score reported: keeps scores finite (and comparable) for absurd deviations.
const MAX_SCORE: f64 = 1e12;

/// One scored point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PointAnomaly {
    pub expected: f64,
    pub lower: f64,
    pub upper: f64,
    /// Distance from the expected value in band half-widths (0 for gaps).
    pub score: f64,
    /// +1 above, −1 below, 0 not flagged.
    pub direction: i8,
    pub kind: Option<AnomalyKind>,
}

impl PointAnomaly {
    fn gap() -> Self {
        Self {
            expected: f64::NAN,
            lower: f64::NAN,
            upper: f64::NAN,
            score: 0.0,
            direction: 0,
            kind: None,
        }
    }
}

fn sane(score: f64) -> f64 {
    if score.is_nan() {
        0.0
    } else {
        score.clamp(0.0, MAX_SCORE)
    }
}

/// Deviation counted in the requested direction only.
fn directed(dev: f64, direction: Direction) -> f64 {
    match direction {
        Direction::Up => dev.max(0.0),
        Direction::Down => (-dev).max(0.0),
        Direction::Both => dev.abs(),
    }
}

/// Robust residual scale: 1.4826 × median |r|, floored by a fraction of the mean |r| (for
/// quantised data whose median residual is zero) and by a tiny fraction of the level.
fn residual_sigma(abs_resid: &SortedWindow, level: f64) -> f64 {
    residual_sigma_from(abs_resid.median(), abs_resid.mean(), level)
}

/// [`residual_sigma`] from the median and the mean of the absolute residuals.
pub(crate) fn residual_sigma_from(median: f64, mean: f64, level: f64) -> f64 {
    let mad = MAD_TO_SIGMA * median;
    let floor = 1e-9 * level.abs() + f64::MIN_POSITIVE;
    let s = mad.max(0.5 * 1.2533 * mean);
    if s.is_finite() {
        s.max(floor)
    } else {
        floor
    }
}

pub(crate) fn residual_sigma_of(abs_resid: &SortedWindow, level: f64) -> f64 {
    residual_sigma(abs_resid, level)
}

/// Robust sigma of a window from its interquartile range (O(1) on a sorted window).
fn iqr_sigma(w: &SortedWindow) -> f64 {
    (w.quantile(0.75) - w.quantile(0.25)) / 1.349
}

/// Streaming detector: each `update` scores a point from earlier points only, then learns
/// from it. Period detection and the seasonal profile are refitted on the recent history at
/// growing intervals.
#[derive(Debug, Clone)]
pub struct CausalDetector {
    opts: AnomalyOptions,
    k: f64,
    tun: Tuning,
    hist_t: VecDeque<f64>,
    hist_v: VecDeque<f64>,
    seen: usize,
    next_fit: usize,
    last_t: f64,
    period: Option<usize>,
    step: f64,
    t0: f64,
    seasonal: Vec<f64>,
    seasonal_n: Vec<f64>,
    level: SortedWindow,
    recent: SortedWindow,
    recent_queue: VecDeque<f64>,
    collective_queue: VecDeque<f64>,
    collective_ref: SortedWindow,
    resid: SortedWindow,
    raw: SortedWindow,
    run: i64,
}

impl CausalDetector {
    pub fn new(options: &AnomalyOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self::with_tuning(options, Tuning::default()))
    }

    pub(crate) fn with_tuning(options: &AnomalyOptions, tun: Tuning) -> Self {
        Self {
            opts: options.clone(),
            k: options.band_sigmas(),
            tun,
            hist_t: VecDeque::new(),
            hist_v: VecDeque::new(),
            seen: 0,
            next_fit: 256,
            last_t: f64::NEG_INFINITY,
            period: None,
            step: 1.0,
            t0: f64::NAN,
            seasonal: Vec::new(),
            seasonal_n: Vec::new(),
            level: SortedWindow::new(tun.level_window),
            recent: SortedWindow::new(tun.recent_window),
            recent_queue: VecDeque::new(),
            collective_queue: VecDeque::new(),
            collective_ref: SortedWindow::new(tun.collective_reference),
            resid: SortedWindow::new(tun.resid_window),
            raw: SortedWindow::new(tun.global_window),
            run: 0,
        }
    }

    /// The seasonal period currently used, in points.
    pub fn period(&self) -> Option<usize> {
        self.period
    }

    /// Scores the point at `t` (ms) with value `v` (NaN for a gap), then learns from it.
    /// Out-of-order or non-finite timestamps are ignored (a gap result).
    pub fn update(&mut self, t: f64, v: f64) -> PointAnomaly {
        if !(t.is_finite() && t > self.last_t) {
            return PointAnomaly::gap();
        }
        self.last_t = t;
        if self.t0.is_nan() {
            self.t0 = t;
        }
        if self.seen == self.next_fit {
            self.refit();
            self.next_fit = (self.next_fit * 2).min(self.seen + 4 * self.tun.history);
        }
        self.seen += 1;
        self.hist_t.push_back(t);
        self.hist_v.push_back(v);
        if self.hist_t.len() > self.tun.history {
            self.hist_t.pop_front();
            self.hist_v.pop_front();
        }
        self.step_point(t, v, true)
    }

    fn bin(&self, t: f64) -> Option<usize> {
        let p = self.period?;
        let i = ((t - self.t0) / self.step).round();
        if !i.is_finite() {
            return None;
        }
        Some((i as i64).rem_euclid(p as i64) as usize)
    }

    /// Re-detects the period on the history and rebuilds the state by replaying it.
    fn refit(&mut self) {
        let ts: Vec<f64> = self.hist_t.iter().copied().collect();
        let vs: Vec<f64> = self.hist_v.iter().copied().collect();
        let period = match self.opts.period {
            Some(0) => None,
            Some(p) => Some(p),
            None => detect_period(&ts, &vs),
        };
        self.step = typical_step(&ts).unwrap_or(1.0);
        self.period = period.filter(|&p| p >= 2 && p * 2 <= ts.len());
        match self.period {
            Some(p) => {
                let (profile, cycles) = seasonal_profile(&ts, &vs, p, self.step, self.t0);
                self.seasonal = profile;
                self.seasonal_n = vec![cycles; p];
            }
            None => {
                self.seasonal.clear();
                self.seasonal_n.clear();
            }
        }
        self.level.clear();
        self.recent.clear();
        self.recent_queue.clear();
        self.collective_queue.clear();
        self.collective_ref.clear();
        self.resid.clear();
        self.raw.clear();
        self.run = 0;
        for (&t, &v) in ts.iter().zip(&vs) {
            self.step_point(t, v, false);
        }
    }

    /// Scores one point and updates the model; `flag` false only trains (replay).
    fn step_point(&mut self, t: f64, v: f64, flag: bool) -> PointAnomaly {
        let bin = self.bin(t);
        let s = bin.map_or(0.0, |b| self.seasonal[b]);
        let level = self.level.median();
        let level = if level.is_finite() {
            level
        } else {
            self.recent.median()
        };
        let shock = self.opts.in_shock(t);
        if !v.is_finite() {
            self.push_deseasonalised(f64::NAN);
            self.resid.push(f64::NAN);
            let expected = level + s;
            let hw = self.half_width(expected, self.sigma(level));
            return PointAnomaly {
                expected,
                lower: expected - hw,
                upper: expected + hw,
                ..PointAnomaly::gap()
            };
        }
        let d = v - s;
        if !level.is_finite() {
            // First point: nothing to compare with yet.
            if !shock {
                self.push_deseasonalised(d);
                self.raw.push(v);
            }
            return PointAnomaly {
                expected: v,
                lower: v,
                upper: v,
                ..PointAnomaly::gap()
            };
        }
        let sigma = self.sigma(level);
        let expected = level + s;
        let hw = self.half_width(expected, sigma);
        let r = d - level;
        let dir = self.opts.direction;
        let point_score = sane(directed(r, dir) / hw);

        // Collective: the median of the last points (this one included) against the
        // median of the stretch before them; longer windows than the level's, so noise
        // alone rarely moves one median away from the other.
        let mut collective = 0.0;
        let mut shift = 0.0;
        let cw = self.tun.collective_window.max(2);
        if self.collective_queue.len() + 1 >= cw
            && self.collective_ref.len() * 2 >= self.tun.collective_reference
        {
            let mut buf: Vec<f64> = self
                .collective_queue
                .iter()
                .skip(self.collective_queue.len() + 1 - cw)
                .copied()
                .filter(|x| x.is_finite())
                .chain(std::iter::once(d))
                .collect();
            shift = median_in_place(&mut buf) - self.collective_ref.median();
            collective = sane(directed(shift, dir) / (self.tun.collective_fraction * hw));
        }
        // Global: the raw value against the series' own robust distribution so far.
        let global_sigma = iqr_sigma(&self.raw);
        let global_hw = self.half_width(self.raw.median(), global_sigma);
        let global = sane(directed(v - self.raw.median(), dir) / global_hw);

        // A point outside the band keeps its point score and kind even inside a shift:
        // letting the (larger) collective score take precedence here, as batch does for
        // labelling, measured worse for alerting (NAB standard 63.7 → 63.0).
        let (mut score, mut kind, mut sign) = (point_score, None, r.signum() as i8);
        if point_score > 1.0 {
            kind = Some(if global > 1.0 {
                AnomalyKind::Global
            } else {
                AnomalyKind::Contextual
            });
        } else if collective > 1.0 {
            kind = Some(AnomalyKind::Collective);
            score = collective;
            sign = shift.signum() as i8;
        }
        // Until the residual scale rests on enough points, nothing is flagged or clipped.
        let warm = self.resid.len() >= MIN_TRAIN;
        if !warm {
            score = score.min(1.0);
        }
        if shock || !flag || !warm {
            kind = None;
        }

        // Robust training: a flagged value enters the model clipped to the band edge,
        // until a run long enough says the regime changed.
        if kind.is_some() || point_score > 1.0 {
            self.run = if (self.run >= 0) == (r > 0.0) {
                self.run + r.signum() as i64
            } else {
                r.signum() as i64
            };
        } else {
            self.run = 0;
        }
        if !shock {
            let accept = self.run.unsigned_abs() as usize >= self.tun.accept_after;
            let r_used = if self.opts.robust && warm && point_score > 1.0 && !accept {
                r.clamp(-hw, hw)
            } else {
                r
            };
            let d_used = level + r_used;
            if let Some(b) = bin {
                let n = (self.seasonal_n[b] + 1.0).min(self.tun.season_memory);
                self.seasonal_n[b] = n;
                self.seasonal[b] += (d_used + s - level - self.seasonal[b]) / n;
            }
            self.push_deseasonalised(d_used);
            self.resid.push(r_used.abs());
            self.raw.push(if self.opts.robust { d_used + s } else { v });
        }
        PointAnomaly {
            expected,
            lower: expected - hw,
            upper: expected + hw,
            score,
            direction: if kind.is_some() { sign } else { 0 },
            kind,
        }
    }

    fn sigma(&self, level: f64) -> f64 {
        let base = residual_sigma(&self.resid, level);
        let q = self.tun.scale_quantile;
        if q > 0.5 && q < 1.0 {
            let tail = self.resid.quantile(q) / super::stats::half_normal_quantile(q);
            if tail.is_finite() {
                return base.max(tail);
            }
        }
        base
    }

    fn half_width(&self, expected: f64, sigma: f64) -> f64 {
        let hw = (self.k * sigma)
            .max(self.opts.min_abs_deviation)
            .max(self.opts.min_rel_deviation * expected.abs());
        if hw.is_finite() && hw > 0.0 {
            hw
        } else if hw.is_infinite() {
            f64::MAX
        } else {
            f64::MIN_POSITIVE
        }
    }

    /// The recent window feeds the level window with a lag, so a fresh shift is tested
    /// against a level that has not absorbed it yet.
    fn push_deseasonalised(&mut self, d: f64) {
        self.recent.push(d);
        self.recent_queue.push_back(d);
        if self.recent_queue.len() > self.tun.recent_window {
            if let Some(old) = self.recent_queue.pop_front() {
                self.level.push(old);
            }
        }
        self.collective_queue.push_back(d);
        if self.collective_queue.len() > self.tun.collective_window.max(2) {
            if let Some(old) = self.collective_queue.pop_front() {
                self.collective_ref.push(old);
            }
        }
    }
}

/// Per-bin median of the series minus a centred rolling median over one period, centred
/// to median zero; also returns how many cycles it saw.
fn seasonal_profile(ts: &[f64], vs: &[f64], p: usize, step: f64, t0: f64) -> (Vec<f64>, f64) {
    let trend = rolling_median_centred(vs, p | 1);
    // Near the ends the window holds part of a cycle and its median is biased by the
    // seasonal shape itself: use full windows only when there are enough of them.
    let half = p / 2;
    let range = if vs.len() > 2 * p {
        half..vs.len() - half
    } else {
        0..vs.len()
    };
    let x: Vec<f64> = range.clone().map(|i| vs[i] - trend[i]).collect();
    let bin: Vec<usize> = range
        .map(|i| (((ts[i] - t0) / step).round() as i64).rem_euclid(p as i64) as usize)
        .collect();
    let mut bins = Bins::of_finite(p, &bin, &x);
    let mut profile: Vec<f64> = (0..p)
        .map(|b| {
            let m = median_in_place(bins.bin_mut(b));
            if m.is_finite() {
                m
            } else {
                0.0
            }
        })
        .collect();
    let mut sorted = profile.clone();
    let centre = median_in_place(&mut sorted);
    if centre.is_finite() {
        profile.iter_mut().for_each(|x| *x -= centre);
    }
    let cycles = (vs.len() as f64 / p as f64).max(1.0);
    (profile, cycles)
}

/// Scores one series in the requested mode.
pub(crate) fn score_series_tuned(
    series: &Series,
    opts: &AnomalyOptions,
    tun: Tuning,
) -> Result<SeriesAnomalies> {
    opts.validate()?;
    let ts = series.timestamps();
    // Values near f64::MAX would overflow differences: work in units scaled by a power of
    // two (exact), and scale the outputs back.
    let max_abs = series
        .values()
        .iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let scale = if max_abs > 1e100 {
        2f64.powi((max_abs.log2().ceil() as i32).min(1023))
    } else {
        1.0
    };
    let vs: Vec<f64> = series.values().iter().map(|v| v / scale).collect();
    let mut scaled_opts = opts.clone();
    scaled_opts.min_abs_deviation /= scale;
    let mut out = match opts.mode {
        Mode::Causal => causal(ts, &vs, &scaled_opts, tun),
        Mode::Batch => batch(ts, &vs, &scaled_opts, tun),
    };
    if scale != 1.0 {
        for x in out
            .expected
            .iter_mut()
            .chain(out.lower.iter_mut())
            .chain(out.upper.iter_mut())
        {
            *x = (*x * scale).clamp(-f64::MAX, f64::MAX);
        }
    }
    out.values = series.values().to_vec();
    Ok(out)
}

fn empty_result(ts: &[f64]) -> SeriesAnomalies {
    let n = ts.len();
    SeriesAnomalies {
        timestamps: ts.to_vec(),
        values: Vec::new(),
        expected: vec![f64::NAN; n],
        lower: vec![f64::NAN; n],
        upper: vec![f64::NAN; n],
        score: vec![0.0; n],
        direction: vec![0; n],
        kind: vec![None; n],
        period: None,
        residual_spread: None,
    }
}

fn causal(ts: &[f64], vs: &[f64], opts: &AnomalyOptions, tun: Tuning) -> SeriesAnomalies {
    let mut det = CausalDetector::with_tuning(opts, tun);
    let mut out = empty_result(ts);
    for i in 0..ts.len() {
        let p = det.update(ts[i], vs[i]);
        out.expected[i] = p.expected;
        out.lower[i] = p.lower;
        out.upper[i] = p.upper;
        out.score[i] = p.score;
        out.direction[i] = p.direction;
        out.kind[i] = p.kind;
    }
    out.period = det.period();
    out
}

/// Batch: the model sees the whole range. Fit (seasonal profile, centred level, residual
/// scale per phase of the cycle), mask what scores above 1 if robust, refit, then score
/// every point. Excursions that recur at the same phase in most cycles widen the band
/// there (they are part of the seasonal pattern), and collective shifts are measured
/// against the spread of such shifts over the series.
fn batch(ts: &[f64], vs: &[f64], opts: &AnomalyOptions, tun: Tuning) -> SeriesAnomalies {
    let n = ts.len();
    let k = opts.band_sigmas();
    let step = typical_step(ts).unwrap_or(1.0);
    let period = match opts.period {
        Some(0) => None,
        Some(p) => Some(p),
        None => detect_period(ts, vs),
    }
    .filter(|&p| p >= 2 && p * 2 <= n);
    let t0 = ts.first().copied().unwrap_or(0.0);
    let dir = opts.direction;
    let quantum = if tun.resolution_floor {
        resolution(vs)
    } else {
        0.0
    };
    let half_width = |expected: f64, sigma: f64| {
        let hw = (k * sigma)
            .max(QUANTA * quantum)
            .max(opts.min_abs_deviation)
            .max(opts.min_rel_deviation * expected.abs());
        if hw.is_finite() && hw > 0.0 {
            hw
        } else {
            f64::MIN_POSITIVE
        }
    };
    // Each point's phase in a period of `p` points (computed once per period).
    let cycle_index: Vec<f64> = ts.iter().map(|&t| ((t - t0) / step).round()).collect();
    let phases_of = |p: usize| -> Vec<usize> {
        cycle_index
            .iter()
            .map(|&i| {
                if i.is_finite() {
                    (i as i64).rem_euclid(p as i64) as usize
                } else {
                    0
                }
            })
            .collect()
    };
    let phase: Vec<usize> = period.map(phases_of).unwrap_or_default();
    // Cycles in which recurring excursions are looked for: the detected period, and a day
    // and a week of the sampling step when the range holds enough of them (operations
    // data recur daily and weekly even when another period dominates the autocorrelation).
    let recurring_periods: Vec<usize> = {
        let mut ps: Vec<usize> = period.into_iter().collect();
        if opts.period.is_none() {
            for span in [86_400_000.0, 7.0 * 86_400_000.0] {
                let p = (span / step).round();
                if p.is_finite() && p >= 4.0 && (p as usize) * 3 <= n {
                    ps.push(p as usize);
                }
            }
        }
        foresight_kernel::merge_sort_by(&mut ps, |a, b| a <= b);
        ps.dedup();
        ps
    };
    let recurring_phases: Vec<Vec<usize>> = recurring_periods
        .iter()
        .map(|&p| {
            if Some(p) == period {
                phase.clone()
            } else {
                phases_of(p)
            }
        })
        .collect();
    let mut train: Vec<f64> = ts
        .iter()
        .zip(vs)
        .map(|(&t, &v)| if opts.in_shock(t) { f64::NAN } else { v })
        .collect();
    let passes = if opts.robust { 2 } else { 1 };
    let mut out = empty_result(ts);
    out.period = period;
    let mut tail_sigma = 0.0;
    for pass in 0..passes {
        // The expected value: Prophet's (when asked for and it fits), else the fast
        // model's seasonal profile plus a centred rolling level.
        let prophet = if tun.prophet_band || opts.model == BandModel::Prophet {
            prophet_expected(ts, &train)
        } else {
            None
        };
        let seasonal: Vec<f64> = match (&prophet, period) {
            (Some(yhat), _) => yhat.clone(),
            (None, Some(p)) => {
                let (profile, _) = seasonal_profile(ts, &train, p, step, t0);
                phase.iter().map(|&b| profile[b]).collect()
            }
            (None, None) => vec![0.0; n],
        };
        let d_train: Vec<f64> = train.iter().zip(&seasonal).map(|(v, s)| v - s).collect();
        let level_window = tun.level_window.max(period.unwrap_or(0) / 2) | 1;
        let level = if prophet.is_some() {
            vec![0.0; n]
        } else {
            rolling_median_centred(&d_train, level_window)
        };
        let resid: Vec<f64> = d_train.iter().zip(&level).map(|(d, l)| d - l).collect();
        let mut sigma = robust_scale(&resid);
        // The tail of the residuals is a property of the series: measured on the first,
        // unmasked fit when `tail_unmasked`, so masking the excursions does not hide it.
        if tun.tail_quantile > 0.5 && tun.tail_quantile < 1.0 {
            if pass == 0 || !tun.tail_unmasked {
                tail_sigma = tail_scale(&resid, tun.tail_quantile);
            }
            sigma = sigma.max(tail_sigma);
        }
        out.residual_spread = Some(sigma).filter(|s| s.is_finite());
        let (gmed, gsigma) = median_sigma(&train);
        let d_all: Vec<f64> = vs.iter().zip(&seasonal).map(|(v, s)| v - s).collect();
        // The trailing level stands in where the centred one has no value (a long gap);
        // without one it is not needed.
        let reference = if level.iter().all(|l| l.is_finite()) {
            Vec::new()
        } else {
            rolling_median_trailing(&d_train, tun.level_window)
        };
        let lvl: Vec<f64> = (0..n)
            .map(|i| {
                if level[i].is_finite() {
                    level[i]
                } else {
                    reference[i]
                }
            })
            .collect();
        // Band scale per point: the overall scale, or the spread at this phase when wider.
        let point_sigma: Vec<f64> = match period {
            Some(p) if tun.phase_scale => {
                let local = phase_scales(&resid, &phase, p);
                phase.iter().map(|&b| sigma.max(local[b])).collect()
            }
            _ => vec![sigma; n],
        };
        let hw: Vec<f64> = (0..n)
            .map(|i| {
                let expected = lvl[i] + seasonal[i];
                let floor = 1e-9 * lvl[i].abs() + f64::MIN_POSITIVE;
                half_width(expected, point_sigma[i].max(floor))
            })
            .collect();
        // Residuals of every value (masked ones included) against the fit.
        let r_all: Vec<f64> = (0..n).map(|i| vs[i] - (lvl[i] + seasonal[i])).collect();
        let (mut up_hw, mut down_hw) = (hw.clone(), hw.clone());
        if tun.recurring_quantile > 0.0 {
            for (&p, ph) in recurring_periods.iter().zip(&recurring_phases) {
                widen_recurring(
                    &r_all,
                    &hw,
                    p,
                    (tun.recurring_quantile, tun.recurring_gate),
                    ph,
                    1.0,
                    &mut up_hw,
                );
                widen_recurring(
                    &r_all,
                    &hw,
                    p,
                    (tun.recurring_quantile, tun.recurring_gate),
                    ph,
                    -1.0,
                    &mut down_hw,
                );
            }
        }
        // Collective: the last `cw` points against the stretch just before them.
        let cw = tun.collective_window.max(2);
        let before = rolling_median_trailing(&d_train, tun.collective_reference);
        let mut recent = SortedWindow::new(cw);
        let shifts: Vec<f64> = (0..n)
            .map(|i| {
                recent.push(d_all[i]);
                if i + 1 >= cw && recent.slots() >= cw {
                    recent.median() - before[i + 1 - cw]
                } else {
                    f64::NAN
                }
            })
            .collect();
        // A shift that recurs at the same phase in most cycles is a mismatch of the
        // seasonal shape, not an event: remove the typical shift at each phase.
        let shifts: Vec<f64> = match period {
            Some(p) if tun.collective_self_scale && n >= 3 * p => {
                let typical = phase_medians(&shifts, &phase, p);
                phase
                    .iter()
                    .zip(&shifts)
                    .map(|(&b, &x)| x - typical[b])
                    .collect()
            }
            _ => shifts,
        };
        let shift_bar = if tun.collective_self_scale {
            let (_, s) = median_sigma(&shifts);
            // Shifts below a millionth of the series' magnitude are rounding, not events.
            let floor = 1e-6 * (gmed.abs() + gsigma);
            if s.is_finite() {
                (k * s).max(floor)
            } else {
                floor
            }
        } else {
            0.0
        };
        let mut next_train = train.clone();
        for i in 0..n {
            let expected = lvl[i] + seasonal[i];
            out.expected[i] = expected;
            out.lower[i] = expected - down_hw[i];
            out.upper[i] = expected + up_hw[i];
            let v = vs[i];
            if !(v.is_finite() && expected.is_finite()) {
                out.score[i] = 0.0;
                out.kind[i] = None;
                out.direction[i] = 0;
                continue;
            }
            let r = v - expected;
            let side = if r >= 0.0 { up_hw[i] } else { down_hw[i] };
            let point = sane(directed(r, dir) / side);
            let shift = shifts[i];
            let collective = if shift.is_finite() {
                sane(directed(shift, dir) / (tun.collective_fraction * hw[i]).max(shift_bar))
            } else {
                0.0
            };
            let floor = 1e-9 * lvl[i].abs() + f64::MIN_POSITIVE;
            let global = sane(directed(v - gmed, dir) / half_width(gmed, gsigma.max(floor)));
            let (score, kind, sign) = if collective > 1.0 && collective >= point {
                (
                    collective,
                    Some(AnomalyKind::Collective),
                    shift.signum() as i8,
                )
            } else if point > 1.0 {
                let kind = if global > 1.0 {
                    AnomalyKind::Global
                } else {
                    AnomalyKind::Contextual
                };
                (point, Some(kind), r.signum() as i8)
            } else if collective > 1.0 {
                (
                    collective,
                    Some(AnomalyKind::Collective),
                    shift.signum() as i8,
                )
            } else {
                (point, None, 0)
            };
            let kind = if opts.in_shock(ts[i]) { None } else { kind };
            out.score[i] = score;
            out.kind[i] = kind;
            out.direction[i] = if kind.is_some() { sign } else { 0 };
            // Recurring excursions are kept out of the fit too: the widened band
            // accounts for them, the profile and the scale should not.
            if pass + 1 < passes && directed(r, dir) > hw[i] {
                next_train[i] = f64::NAN;
            }
        }
        train = next_train;
    }
    if tun.stuck_runs {
        flag_stuck_runs(vs, &ts_shock(ts, opts), &mut out);
    }
    out
}

/// Which points fall in a shock window (never flagged).
fn ts_shock(ts: &[f64], opts: &AnomalyOptions) -> Vec<bool> {
    ts.iter().map(|&t| opts.in_shock(t)).collect()
}

/// Batch: a frozen value (a stuck sensor) is a run of identical values much longer than the
/// series' usual runs: at least 12 points and 3 times the run length that 90 % of the points
/// sit in. Series that rest at one value (idle counters, square waves) have long usual runs
/// and are not flagged; a constant series has nothing to compare with.
fn flag_stuck_runs(vs: &[f64], shock: &[bool], out: &mut SeriesAnomalies) {
    let n = vs.len();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < n {
        if !vs[i].is_finite() {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < n && vs[j] == vs[i] {
            j += 1;
        }
        runs.push((i, j - i));
        i = j;
    }
    if runs.len() < 2 {
        return;
    }
    // The run length of each point, and the length 90 % of the points are in runs up to.
    let mut lengths: Vec<f64> = runs
        .iter()
        .flat_map(|&(_, len)| std::iter::repeat(len as f64).take(len))
        .collect();
    let qi = ((lengths.len() - 1) as f64 * 0.9).round() as usize;
    let usual = select_total(&mut lengths, qi);
    let bar = (3.0 * usual).max(12.0);
    for &(start, len) in &runs {
        if (len as f64) < bar {
            continue;
        }
        let score = (len as f64 / bar).clamp(1.0 + 1e-9, 10.0);
        for j in start..start + len {
            if shock[j] || out.score[j] > score {
                continue;
            }
            out.score[j] = score;
            out.kind[j] = Some(AnomalyKind::Collective);
            out.direction[j] = if vs[j] >= out.expected[j] { 1 } else { -1 };
        }
    }
}

/// Prophet's fitted values at `ts` from the finite values of `train` (None when the fit
/// fails or gives non-finite values).
#[cfg(feature = "prophet")]
fn prophet_expected(ts: &[f64], train: &[f64]) -> Option<Vec<f64>> {
    use crate::prophet::{ForecastOptions, ProphetModel};
    let series = Series::new(ts, train).ok()?;
    let mut options = ForecastOptions {
        uncertainty_samples: Some(0),
        ..Default::default()
    };
    // A band's centre, not Stan's exact stop: the panel's faster settings (docs/prophet.md,
    // "Stopping sooner for the panel"; docs/evaluation.md, "Prophet behind the band").
    options.optimize.tol_rel_obj = Some(1e9);
    options.optimize.sufficient_statistics = true;
    let model = ProphetModel::fit(&series, &options).ok()?;
    let f = model.predict(ts).ok()?;
    f.yhat.iter().all(|y| y.is_finite()).then_some(f.yhat)
}

/// Without Prophet in the build (the detection-only WebAssembly module) the band is the fast
/// model's, as when a fit fails; the panel asks that module for the fast model only.
#[cfg(not(feature = "prophet"))]
fn prophet_expected(_ts: &[f64], _train: &[f64]) -> Option<Vec<f64>> {
    None
}

/// Robust scale of residuals: 1.4826 × median |r|, floored by a fraction of the mean |r|
/// (quantised data whose median residual is zero).
fn robust_scale(resid: &[f64]) -> f64 {
    robust_scale_of_abs(&mut finite_abs(resid))
}

/// [`robust_scale`] of values already finite and absolute (reorders them).
fn robust_scale_of_abs(abs: &mut [f64]) -> f64 {
    if abs.is_empty() {
        return 0.0;
    }
    let mean = abs.iter().sum::<f64>() / abs.len() as f64;
    let mad = MAD_TO_SIGMA * median_in_place(abs);
    mad.max(0.5 * 1.2533 * mean)
}

/// The scale implied by the `q` quantile of |residual| for normal residuals (0 when there
/// are none).
fn tail_scale(resid: &[f64], q: f64) -> f64 {
    let mut abs = finite_abs(resid);
    if abs.is_empty() {
        return 0.0;
    }
    let qi = ((abs.len() - 1) as f64 * q).round() as usize;
    let at = select_total(&mut abs, qi);
    let tail = at / super::stats::half_normal_quantile(q);
    if tail.is_finite() {
        tail
    } else {
        0.0
    }
}

/// Half-width of the phase neighbourhood (in bins) used for per-phase statistics: about a
/// 48th of the cycle (half an hour of a day), at least one bin.
fn phase_radius(p: usize) -> usize {
    (p / 48).max(1)
}

/// The same radius for statistics that gather every neighbouring bin (a median over
/// them): capped, so a long period in fine-grained data costs O(n), not O(n · p / 24).
fn stat_radius(p: usize) -> usize {
    phase_radius(p).min(16)
}

/// The finite values of `x` grouped by their phase (`phase[i]`, in a period of `p` points).
fn phase_bins(x: &[f64], phase: &[usize], p: usize) -> Bins {
    Bins::of_finite(p, phase, x)
}

/// The residual scale at each phase of a period of `p` points, from the residuals of all
/// cycles within a few bins of that phase.
fn phase_scales(resid: &[f64], phase: &[usize], p: usize) -> Vec<f64> {
    let w = stat_radius(p);
    phase_bins(resid, phase, p)
        .cyclic_windows(w, true)
        .iter()
        .map(|s| {
            // Too few cycles to tell a phase's spread from chance: no opinion. Otherwise
            // `robust_scale` of the window's residuals.
            if s.count < 3 * (2 * w + 1) {
                0.0
            } else {
                let mean = s.sum / s.count as f64;
                (MAD_TO_SIGMA * s.median).max(0.5 * 1.2533 * mean)
            }
        })
        .collect()
}

/// The median of `x` at each phase of a period of `p` points, over all cycles and a few
/// bins either side.
fn phase_medians(x: &[f64], phase: &[usize], p: usize) -> Vec<f64> {
    phase_bins(x, phase, p)
        .cyclic_windows(stat_radius(p), false)
        .iter()
        .map(|s| {
            let m = s.median;
            if m.is_finite() {
                m
            } else {
                0.0
            }
        })
        .collect()
}

/// Widens one side of the band (`sign` +1 upper, −1 lower) where excursions recur: for
/// each point, the largest residual within a few bins of it; at each phase of a period of
/// `p` points, when the median of these over the cycles is beyond half the band (the
/// excursion is there in most cycles) and their `q` quantile is beyond the band, the band
/// on that side is widened to hold that quantile plus the normal band.
#[allow(clippy::too_many_arguments)]
fn widen_recurring(
    r: &[f64],
    hw: &[f64],
    p: usize,
    (q, gate): (f64, f64),
    phase: &[usize],
    sign: f64,
    side_hw: &mut [f64],
) {
    let n = r.len();
    let w = phase_radius(p);
    // Centred rolling max of the signed residual, in band half-widths.
    let x: Vec<f64> = (0..n)
        .map(|i| {
            let v = sign * r[i] / hw[i];
            if v.is_finite() {
                v
            } else {
                f64::NEG_INFINITY
            }
        })
        .collect();
    let m = rolling_max_centred(&x, w);
    let mut bins = phase_bins(&m, phase, p);
    let width: Vec<f64> = (0..p)
        .map(|b| {
            let b = bins.bin_mut(b);
            if b.len() < 3 {
                return 0.0;
            }
            sort_total(b);
            let med = b[(b.len() - 1) / 2];
            if med <= gate {
                return 0.0;
            }
            let qi = ((b.len() - 1) as f64 * q).round() as usize;
            b[qi.min(b.len() - 1)]
        })
        .collect();
    for (i, &b) in phase.iter().enumerate() {
        let f = width[b];
        // The recurring excursion is part of the expected shape, and the normal band
        // goes around it: f + 1 half-widths (blended in from f = 1, so the band does not
        // jump at the threshold).
        if f > 1.0 {
            side_hw[i] = side_hw[i].max((2.0 * f - 1.0).min(f + 1.0) * hw[i]);
        }
    }
}
