//! The NAB alerting transform, for the benchmark's scoring only (the CLI's `nab` command;
//! behind the `experiments` feature, off in the WebAssembly build): turns a causal score stream into a [0, 1] alert level that means the
//! same on every series and fires once per episode. Each score is compared, as a short
//! moving average, with the distribution of its own recent history (a Gaussian tail on
//! log1p scores, as in Numenta's anomaly likelihood); after an alert fires, further alerts
//! are held back for a while, since one alert per incident is what an operator wants.

use serde::{Deserialize, Serialize};

use super::stats::{erfc, SortedWindow};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct NabTransformOptions {
    /// Points averaged into the current evidence.
    pub averaging: usize,
    /// Points of history the evidence is compared with.
    pub history: usize,
    /// Points of history needed before anything fires.
    pub warmup: usize,
    /// Alert level at which an alert fires and the hold starts.
    pub fire_level: f64,
    /// Points during which, after a fire, the output is damped.
    pub hold: usize,
    /// Factor applied to the output during the hold.
    pub hold_damping: f64,
    /// 0: Gaussian tail of the averaged log score; q in (0, 1]: ratio of the log score to
    /// the q-quantile of its history (a new record of the series fires).
    pub quantile: f64,
    /// Fit the Gaussian with median and IQR instead of mean and standard deviation.
    pub robust_fit: bool,
    /// Decades of tail probability mapped onto [0, 1] (10: level 1 at a tail of 1e-10).
    pub decades: f64,
    /// Positive: scores are saturated as 1 − exp(−score / saturation), bounded evidence;
    /// 0: log1p(score), which measured better on NAB.
    pub saturation: f64,
    /// A value beyond the range of every earlier value by more than this fraction of that
    /// range is alarming in itself (level 1); 0 disables. Needs `values`.
    pub range_tolerance: f64,
    /// A range break (see `range_tolerance`) fires even during the hold, and restarts it: a
    /// new record of the series is news however soon after the last alert it comes.
    pub range_breaks_hold: bool,
    /// A range break counts only when the point's score is at least this (1: outside the
    /// band; a record the model expected, on a trend, is no news).
    pub range_min_score: f64,
    /// Drift evidence (needs the signed residuals, see [`nab_levels_with_drift`]): a two-sided CUSUM
    /// of the residual in band half-widths, less this slack per point (0 disables). It
    /// adds up a run of points on one side of the expected value, each too small to alarm.
    pub drift_kappa: f64,
    /// ...reaches the fire level when the CUSUM is at least this and a record of the
    /// `history` (a series whose model drifts that much as a habit does not alarm).
    pub drift_h: f64,
    /// ...each residual clipped to this many half-widths (a spike is the point score's).
    pub drift_clip: f64,
}

impl Default for NabTransformOptions {
    fn default() -> Self {
        Self {
            averaging: 4,
            history: 2000,
            warmup: 300,
            fire_level: 0.5,
            hold: 300,
            hold_damping: 0.1,
            quantile: 0.0,
            robust_fit: false,
            decades: 10.0,
            saturation: 0.0,
            range_tolerance: 0.05,
            range_breaks_hold: true,
            range_min_score: 1.0,
            drift_kappa: 0.2,
            drift_h: 12.0,
            drift_clip: 1.0,
        }
    }
}

/// Alert levels in [0, 1] for a causal score stream (each output uses earlier scores only).
/// Non-finite scores count as 0. `values` (the series, aligned with `scores`, or empty)
/// feed the range test.
pub fn nab_levels(scores: &[f64], values: &[f64], options: &NabTransformOptions) -> Vec<f64> {
    nab_levels_with_drift(scores, values, &[], options)
}

/// As [`nab_levels`], with the signed residuals `(value − expected) / band half-width`
/// (aligned with `scores`, or empty) for the drift evidence (`drift_kappa`).
pub fn nab_levels_with_drift(
    scores: &[f64],
    values: &[f64],
    signed: &[f64],
    options: &NabTransformOptions,
) -> Vec<f64> {
    let (mut cus_p, mut cus_n) = (0.0_f64, 0.0_f64);
    // Sliding maximum of the CUSUM over the history: (index, value), values decreasing.
    let mut drift_max: std::collections::VecDeque<(usize, f64)> = Default::default();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    let averaging = options.averaging.max(1);
    let mut sum2 = Welford::default();
    let mut recent: std::collections::VecDeque<f64> = Default::default();
    let mut recent_sum = 0.0;
    let mut hold_left = 0usize;
    let mut sorted = SortedWindow::new(options.history.max(2));
    let mut out = Vec::with_capacity(scores.len());
    let mut window: std::collections::VecDeque<f64> = Default::default();
    for (i, &s) in scores.iter().enumerate() {
        let s = if s.is_finite() { s.max(0.0) } else { 0.0 };
        let x = if options.saturation > 0.0 {
            1.0 - (-s / options.saturation).exp()
        } else {
            s.ln_1p()
        };
        recent.push_back(x);
        recent_sum += x;
        if recent.len() > averaging {
            recent_sum -= recent.pop_front().unwrap_or(0.0);
        }
        let avg = recent_sum / recent.len() as f64;
        let mut level = 0.0;
        if options.quantile > 0.0 && sorted.len() >= options.warmup.max(2) {
            let q = sorted.quantile(options.quantile).max(1e-3);
            let ratio = avg / q;
            level = (ratio / (1.0 + ratio)).clamp(0.0, 1.0);
        } else if options.quantile <= 0.0 && window.len() >= options.warmup.max(2) {
            let (mean, sd) = if options.robust_fit {
                (
                    sorted.median(),
                    (sorted.quantile(0.75) - sorted.quantile(0.25)) / 1.349,
                )
            } else {
                let (mean, var) = sum2.stats();
                (mean, var.sqrt())
            };
            let sd = sd.max(1e-3);
            let z = (avg - mean) / sd;
            let tail = 0.5 * erfc(z / std::f64::consts::SQRT_2);
            // -log10 of the tail probability, 1 at 1e-10: resolution where it matters.
            level = (-tail.max(1e-300).log10() / options.decades.max(1e-3)).clamp(0.0, 1.0);
        }
        if options.drift_kappa > 0.0 {
            if let Some(&z) = signed.get(i) {
                if z.is_finite() {
                    let z = z.clamp(-options.drift_clip, options.drift_clip);
                    cus_p = (cus_p + z - options.drift_kappa).max(0.0);
                    cus_n = (cus_n - z - options.drift_kappa).max(0.0);
                }
                let c = cus_p.max(cus_n);
                while drift_max
                    .front()
                    .is_some_and(|&(j, _)| j + options.history.max(2) <= i)
                {
                    drift_max.pop_front();
                }
                // Beyond drift_h and a record of the history (0.5 at the larger of the two).
                let past = drift_max.front().map_or(0.0, |&(_, m)| m);
                let drift = 0.5 * c / options.drift_h.max(past).max(1e-9);
                while drift_max.back().is_some_and(|&(_, m)| m <= c) {
                    drift_max.pop_back();
                }
                drift_max.push_back((i, c));
                if window.len() >= options.warmup.max(2) {
                    level = level.max(drift.clamp(0.0, 1.0));
                }
            }
        }
        let mut range_break = false;
        if let Some(&v) = values.get(i) {
            if v.is_finite() {
                let tol = (hi - lo) * options.range_tolerance;
                if options.range_tolerance > 0.0
                    && hi > lo
                    && window.len() >= options.warmup.max(2)
                    && s >= options.range_min_score
                    && (v > hi + tol || v < lo - tol)
                {
                    level = 1.0;
                    range_break = true;
                }
                lo = lo.min(v);
                hi = hi.max(v);
            }
        }
        if hold_left > 0 && options.range_breaks_hold && range_break {
            hold_left = 0;
        }
        if hold_left > 0 {
            hold_left -= 1;
            level *= options.hold_damping;
        } else if level >= options.fire_level {
            hold_left = options.hold;
            // The evidence behind this alert is spent.
            cus_p = 0.0;
            cus_n = 0.0;
        }
        out.push(if level.is_finite() { level } else { 0.0 });
        window.push_back(avg);
        if options.quantile > 0.0 || options.robust_fit {
            sorted.push(avg);
        }
        sum2.add(avg);
        if window.len() > options.history.max(2) {
            if let Some(old) = window.pop_front() {
                sum2.remove(old);
            }
        }
    }
    out
}

/// Running mean and variance over a sliding window.
#[derive(Default)]
struct Welford {
    n: f64,
    sum: f64,
    sum_sq: f64,
}

impl Welford {
    fn add(&mut self, x: f64) {
        self.n += 1.0;
        self.sum += x;
        self.sum_sq += x * x;
    }
    fn remove(&mut self, x: f64) {
        self.n -= 1.0;
        self.sum -= x;
        self.sum_sq -= x * x;
    }
    fn stats(&self) -> (f64, f64) {
        if self.n < 1.0 {
            return (0.0, 0.0);
        }
        let mean = self.sum / self.n;
        (mean, (self.sum_sq / self.n - mean * mean).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spike_fires_once_and_quiet_data_stays_low() {
        let mut s: Vec<f64> = (0..1000).map(|i| ((i * 37 % 17) as f64) / 40.0).collect();
        s[600] = 30.0;
        s[601] = 25.0;
        let a = nab_levels(&s, &[], &NabTransformOptions::default());
        assert!(a.iter().all(|x| (0.0..=1.0).contains(x)));
        assert!(a[600] >= 0.5, "{}", a[600]);
        assert!(a[601] < 0.5, "held back: {}", a[601]);
        assert!(a[..600].iter().all(|&x| x < 0.5));
    }

    #[test]
    fn a_new_record_fires_during_the_hold() {
        let mut s: Vec<f64> = (0..1000).map(|i| ((i * 37 % 17) as f64) / 40.0).collect();
        s[600] = 30.0;
        s[650] = 60.0;
        let a = nab_levels(&s, &s, &NabTransformOptions::default());
        assert!(a[600] >= 0.5 && a[650] >= 0.5, "{} {}", a[600], a[650]);
        let held = NabTransformOptions {
            range_breaks_hold: false,
            ..Default::default()
        };
        assert!(nab_levels(&s, &s, &held)[650] < 0.5);
    }

    /// Signed residuals within ±0.6 band half-widths, alternating sides: no drift.
    fn alternating_small_residuals(n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| {
                let size = ((i * 37) % 17) as f64 / 17.0 * 0.6;
                if i % 2 == 0 {
                    size
                } else {
                    -size
                }
            })
            .collect()
    }

    #[test]
    fn a_run_of_small_residuals_on_one_side_fires_as_drift() {
        // Residuals within ±0.6 band half-widths, then 80 points at +0.45: no point is
        // outside the band or unusual in size, but the run adds up.
        let mut signed = alternating_small_residuals(1000);
        for z in &mut signed[700..780] {
            *z = 0.45;
        }
        let scores: Vec<f64> = signed.iter().map(|z| z.abs()).collect();
        let a = nab_levels_with_drift(&scores, &[], &signed, &NabTransformOptions::default());
        assert!(a[..700].iter().all(|&x| x < 0.5));
        let first = a.iter().position(|&x| x >= 0.5);
        assert!(
            matches!(first, Some(i) if (700..780).contains(&i)),
            "{first:?}"
        );
        assert!(nab_levels(&scores, &[], &NabTransformOptions::default())
            .iter()
            .all(|&x| x < 0.5));
    }

    #[test]
    fn a_drift_the_series_makes_as_a_habit_does_not_alarm() {
        // The same one-sided run (+0.45 half-widths) every 500 points, the first one (in
        // the warm-up) a little longer: later runs never beat the record of the history.
        let mut signed = alternating_small_residuals(2000);
        for start in [100, 500, 1000, 1500] {
            let len = if start == 100 { 100 } else { 80 };
            for z in &mut signed[start..start + len] {
                *z = 0.45;
            }
        }
        let scores: Vec<f64> = signed.iter().map(|z| z.abs()).collect();
        let a = nab_levels_with_drift(&scores, &[], &signed, &NabTransformOptions::default());
        assert!(
            a.iter().all(|&x| x < 0.5),
            "{:?}",
            a.iter().position(|&x| x >= 0.5)
        );
    }
}
