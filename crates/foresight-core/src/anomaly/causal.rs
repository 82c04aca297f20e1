//! Causal scoring: each point from earlier points only, the model updated point by point
//! as a live dashboard would (trailing windows; the period and the seasonal profile refitted
//! on the recent history at growing intervals).

use std::collections::VecDeque;

use super::score::{directed, empty_result, residual_sigma, sane, PointAnomaly};
use super::season::{detect_period, seasonal_profile, typical_step};
use super::stats::{half_normal_quantile, median_in_place, SortedWindow};
use super::{AnomalyKind, AnomalyOptions, SeriesAnomalies, Tuning};
use crate::error::Result;

/// Residuals needed before the causal band is trusted.
const MIN_TRAIN: usize = 24;

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
        let (collective, shift) = self.collective(d, hw);
        let global = self.global(v);

        // A point outside the band keeps its point score and kind even inside a shift:
        // letting the (larger) collective score take precedence here, as batch does for
        // labelling, measured worse for alerting (docs/evaluation.md).
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
        self.count_run(kind.is_some() || point_score > 1.0, r);
        if !shock {
            self.learn(v, (s, bin), level, r, hw, warm && point_score > 1.0);
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

    /// The collective score of deseasonalised value `d` and its shift: the median of the
    /// last points (this one included) against the median of the stretch before them;
    /// longer windows than the level's, so noise alone rarely moves one median away from
    /// the other.
    fn collective(&self, d: f64, hw: f64) -> (f64, f64) {
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
            let shift = median_in_place(&mut buf) - self.collective_ref.median();
            let score =
                sane(directed(shift, self.opts.direction) / (self.tun.collective_fraction * hw));
            (score, shift)
        } else {
            (0.0, 0.0)
        }
    }

    /// The global score: the raw value against the series' own robust distribution so far.
    fn global(&self, v: f64) -> f64 {
        let global_sigma = iqr_sigma(&self.raw);
        let global_hw = self.half_width(self.raw.median(), global_sigma);
        sane(directed(v - self.raw.median(), self.opts.direction) / global_hw)
    }

    /// Counts consecutive points outside the band on one side (`r`'s), 0 after one inside.
    fn count_run(&mut self, outside: bool, r: f64) {
        if outside {
            self.run = if (self.run >= 0) == (r > 0.0) {
                self.run + r.signum() as i64
            } else {
                r.signum() as i64
            };
        } else {
            self.run = 0;
        }
    }

    /// Robust training: a value outside the band (`clip`) enters the model clipped to the
    /// band edge, until a run long enough says the regime changed. `r` is its residual from
    /// `level`, `s` the seasonal value at its phase `bin`.
    fn learn(
        &mut self,
        v: f64,
        (s, bin): (f64, Option<usize>),
        level: f64,
        r: f64,
        hw: f64,
        clip: bool,
    ) {
        let accept = self.run.unsigned_abs() as usize >= self.tun.accept_after;
        let r_used = if self.opts.robust && clip && !accept {
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

    fn sigma(&self, level: f64) -> f64 {
        let base = residual_sigma(&self.resid, level);
        let q = self.tun.scale_quantile;
        if q > 0.5 && q < 1.0 {
            let tail = self.resid.quantile(q) / half_normal_quantile(q);
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

pub(super) fn causal(
    ts: &[f64],
    vs: &[f64],
    opts: &AnomalyOptions,
    tun: Tuning,
) -> SeriesAnomalies {
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
