//! Batch scoring: the model sees the whole range. Fit (seasonal profile, centred level,
//! residual scale per phase of the cycle), mask what scores above 1 if robust, refit, then
//! score every point. Excursions that recur at the same phase in most cycles widen the band
//! there (they are part of the seasonal pattern), and collective shifts are measured against
//! the spread of such shifts over the series.

use foresight_kernel::robust::{
    finite_abs, rolling_max_centred, rolling_median_centred, rolling_median_trailing, select_total,
    sort_total, Bins,
};

use super::score::{directed, empty_result, resolution, sane, QUANTA};
use super::season::{detect_period, seasonal_profile, typical_step};
use super::stats::{
    half_normal_quantile, median_in_place, median_sigma, SortedWindow, MAD_TO_SIGMA,
};
use super::{AnomalyKind, AnomalyOptions, BandModel, SeriesAnomalies, Tuning};

/// The series laid out in cycles, the same for every pass.
struct Cycles {
    step: f64,
    t0: f64,
    period: Option<usize>,
    /// Each point's phase in `period` (empty without one).
    phase: Vec<usize>,
    /// Cycles in which recurring excursions are looked for, with each point's phase in each.
    recurring: Vec<(usize, Vec<usize>)>,
}

impl Cycles {
    fn new(ts: &[f64], vs: &[f64], opts: &AnomalyOptions) -> Self {
        let n = ts.len();
        let step = typical_step(ts).unwrap_or(1.0);
        let period = match opts.period {
            Some(0) => None,
            Some(p) => Some(p),
            None => detect_period(ts, vs),
        }
        .filter(|&p| p >= 2 && p * 2 <= n);
        let t0 = ts.first().copied().unwrap_or(0.0);
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
        let recurring = recurring_periods
            .into_iter()
            .map(|p| {
                let ph = if Some(p) == period {
                    phase.clone()
                } else {
                    phases_of(p)
                };
                (p, ph)
            })
            .collect();
        Self {
            step,
            t0,
            period,
            phase,
            recurring,
        }
    }
}

/// The band's half-width rule: `k` residual scales, never narrower than the data's
/// resolution (`quantum`) or the options' floors.
struct HalfWidth {
    k: f64,
    quantum: f64,
    min_abs: f64,
    min_rel: f64,
}

impl HalfWidth {
    fn at(&self, expected: f64, sigma: f64) -> f64 {
        let hw = (self.k * sigma)
            .max(QUANTA * self.quantum)
            .max(self.min_abs)
            .max(self.min_rel * expected.abs());
        if hw.is_finite() && hw > 0.0 {
            hw
        } else {
            f64::MIN_POSITIVE
        }
    }
}

/// One pass's fit: the expected value is `level + seasonal` at each point.
struct Fit {
    seasonal: Vec<f64>,
    /// The centred level, the trailing one where the centred one has no value.
    level: Vec<f64>,
    /// Training values less the seasonal part (NaN where masked).
    d_train: Vec<f64>,
    /// Training residuals from the centred level.
    resid: Vec<f64>,
}

/// One pass's band around the fit.
struct Band {
    /// Half-width of the point band, before recurring excursions widen it.
    hw: Vec<f64>,
    up_hw: Vec<f64>,
    down_hw: Vec<f64>,
    /// The collective shift at each point (NaN before enough points) and the bar it is
    /// measured against besides the band.
    shifts: Vec<f64>,
    shift_bar: Vec<f64>,
    /// The series' robust centre and scale, for the global test.
    centre: f64,
    spread: f64,
}

pub(super) fn batch(ts: &[f64], vs: &[f64], opts: &AnomalyOptions, tun: Tuning) -> SeriesAnomalies {
    let cycles = Cycles::new(ts, vs, opts);
    let width = HalfWidth {
        k: opts.band_sigmas(),
        quantum: if tun.resolution_floor {
            resolution(vs)
        } else {
            0.0
        },
        min_abs: opts.min_abs_deviation,
        min_rel: opts.min_rel_deviation,
    };
    let mut train: Vec<f64> = ts
        .iter()
        .zip(vs)
        .map(|(&t, &v)| if opts.in_shock(t) { f64::NAN } else { v })
        .collect();
    let passes = if opts.robust { 2 } else { 1 };
    let mut out = empty_result(ts);
    out.period = cycles.period;
    let mut tail_sigma = 0.0;
    for pass in 0..passes {
        let fit = fit_pass(ts, &train, &cycles, opts, &tun);
        let mut sigma = robust_scale(&fit.resid);
        // The tail of the residuals is a property of the series: measured on the first,
        // unmasked fit when `tail_unmasked`, so masking the excursions does not hide it.
        if tun.tail_quantile > 0.5 && tun.tail_quantile < 1.0 {
            if pass == 0 || !tun.tail_unmasked {
                tail_sigma = tail_scale(&fit.resid, tun.tail_quantile);
            }
            sigma = sigma.max(tail_sigma);
        }
        out.residual_spread = Some(sigma).filter(|s| s.is_finite());
        let band = band_around(vs, &train, &fit, sigma, &cycles, &width, &tun);
        let mask = pass + 1 < passes;
        train = score_points(
            ts, vs, &fit, &band, &width, opts, &tun, mask, &mut out, train,
        );
    }
    if tun.stuck_runs {
        flag_stuck_runs(vs, &ts_shock(ts, opts), &mut out);
    }
    out
}

/// The expected value: Prophet's (when asked for and it fits), else the fast model's
/// seasonal profile plus a centred rolling level, fitted on `train` (NaN where masked).
fn fit_pass(
    ts: &[f64],
    train: &[f64],
    cycles: &Cycles,
    opts: &AnomalyOptions,
    tun: &Tuning,
) -> Fit {
    let n = ts.len();
    let period = cycles.period;
    let prophet = if tun.prophet_band || opts.model == BandModel::Prophet {
        prophet_expected(ts, train)
    } else {
        None
    };
    let seasonal: Vec<f64> = match (&prophet, period) {
        (Some(yhat), _) => yhat.clone(),
        (None, Some(p)) => {
            let (profile, _) = seasonal_profile(ts, train, p, cycles.step, cycles.t0);
            cycles.phase.iter().map(|&b| profile[b]).collect()
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
    // The trailing level stands in where the centred one has no value (a long gap);
    // without one it is not needed.
    let reference = if level.iter().all(|l| l.is_finite()) {
        Vec::new()
    } else {
        rolling_median_trailing(&d_train, tun.level_window)
    };
    let level: Vec<f64> = (0..n)
        .map(|i| {
            if level[i].is_finite() {
                level[i]
            } else {
                reference[i]
            }
        })
        .collect();
    Fit {
        seasonal,
        level,
        d_train,
        resid,
    }
}

/// The band around one pass's fit (residual scale `sigma`): per point, widened where
/// excursions recur, and the collective shifts with their bar.
fn band_around(
    vs: &[f64],
    train: &[f64],
    fit: &Fit,
    sigma: f64,
    cycles: &Cycles,
    width: &HalfWidth,
    tun: &Tuning,
) -> Band {
    let n = vs.len();
    let (lvl, seasonal) = (&fit.level, &fit.seasonal);
    let (centre, spread) = median_sigma(train);
    // Band scale per point: the overall scale, or the spread at this phase when wider.
    let point_sigma: Vec<f64> = match cycles.period {
        Some(p) if tun.phase_scale => {
            let local = phase_scales(&fit.resid, &cycles.phase, p, 3, true);
            cycles.phase.iter().map(|&b| sigma.max(local[b])).collect()
        }
        _ => vec![sigma; n],
    };
    let hw: Vec<f64> = (0..n)
        .map(|i| {
            let expected = lvl[i] + seasonal[i];
            let floor = 1e-9 * lvl[i].abs() + f64::MIN_POSITIVE;
            width.at(expected, point_sigma[i].max(floor))
        })
        .collect();
    // Residuals of every value (masked ones included) against the fit.
    let r_all: Vec<f64> = (0..n).map(|i| vs[i] - (lvl[i] + seasonal[i])).collect();
    let (mut up_hw, mut down_hw) = (hw.clone(), hw.clone());
    if tun.recurring_quantile > 0.0 {
        for (p, ph) in &cycles.recurring {
            for (sign, side) in [(1.0, &mut up_hw), (-1.0, &mut down_hw)] {
                widen_recurring(
                    &r_all,
                    &hw,
                    *p,
                    (tun.recurring_quantile, tun.recurring_gate),
                    ph,
                    sign,
                    side,
                );
            }
        }
    }
    let shifts = collective_shifts(vs, fit, cycles, tun);
    let shift_bar = if tun.collective_self_scale {
        let (_, s) = median_sigma(&shifts);
        // Shifts below a millionth of the series' magnitude are rounding, not events.
        let floor = 1e-6 * (centre.abs() + spread);
        if s.is_finite() {
            (width.k * s).max(floor)
        } else {
            floor
        }
    } else {
        0.0
    };
    // The bar follows the phase as the point band does: where the shape's timing varies
    // from cycle to cycle (the steep edges of a daily cycle), shifts vary more.
    let shift_bar: Vec<f64> = match cycles.period {
        Some(p) if tun.phase_scale && tun.collective_self_scale => {
            // The MAD alone: shifts are continuous, no mean floor for quantised data.
            let local = phase_scales(&shifts, &cycles.phase, p, SHIFT_SCALE_CYCLES, false);
            cycles
                .phase
                .iter()
                .map(|&b| shift_bar.max(width.k * local[b]))
                .collect()
        }
        _ => vec![shift_bar; n],
    };
    Band {
        hw,
        up_hw,
        down_hw,
        shifts,
        shift_bar,
        centre,
        spread,
    }
}

/// Collective shifts: the median of the last `collective_window` points against the
/// stretch just before them; with a period, less the typical shift at each phase.
fn collective_shifts(vs: &[f64], fit: &Fit, cycles: &Cycles, tun: &Tuning) -> Vec<f64> {
    let n = vs.len();
    let d_all: Vec<f64> = vs.iter().zip(&fit.seasonal).map(|(v, s)| v - s).collect();
    let cw = tun.collective_window.max(2);
    let before = rolling_median_trailing(&fit.d_train, tun.collective_reference);
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
    match cycles.period {
        Some(p) if tun.collective_self_scale && n >= 3 * p => {
            let typical = phase_medians(&shifts, &cycles.phase, p);
            cycles
                .phase
                .iter()
                .zip(&shifts)
                .map(|(&b, &x)| x - typical[b])
                .collect()
        }
        _ => shifts,
    }
}

/// Scores every point against the pass's band into `out`; returns the next pass's training
/// values: `train` with what lies outside the band masked when `mask`.
#[allow(clippy::too_many_arguments)]
fn score_points(
    ts: &[f64],
    vs: &[f64],
    fit: &Fit,
    band: &Band,
    width: &HalfWidth,
    opts: &AnomalyOptions,
    tun: &Tuning,
    mask: bool,
    out: &mut SeriesAnomalies,
    train: Vec<f64>,
) -> Vec<f64> {
    let dir = opts.direction;
    let (lvl, seasonal) = (&fit.level, &fit.seasonal);
    let (hw, up_hw, down_hw) = (&band.hw, &band.up_hw, &band.down_hw);
    let (gmed, gsigma) = (band.centre, band.spread);
    let mut next_train = train;
    for i in 0..vs.len() {
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
        let shift = band.shifts[i];
        let collective = if shift.is_finite() {
            sane(directed(shift, dir) / (tun.collective_fraction * hw[i]).max(band.shift_bar[i]))
        } else {
            0.0
        };
        let floor = 1e-9 * lvl[i].abs() + f64::MIN_POSITIVE;
        let global = sane(directed(v - gmed, dir) / width.at(gmed, gsigma.max(floor)));
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
        if mask && directed(r, dir) > hw[i] {
            next_train[i] = f64::NAN;
        }
    }
    next_train
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
    use crate::series::Series;
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
    let tail = at / half_normal_quantile(q);
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

/// Cycles a phase's spread of collective shifts needs: each shift is the median of
/// `collective_window` points, so neighbouring phases are not independent samples.
const SHIFT_SCALE_CYCLES: usize = 14;

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
fn phase_scales(
    resid: &[f64],
    phase: &[usize],
    p: usize,
    min_cycles: usize,
    mean_floor: bool,
) -> Vec<f64> {
    let w = stat_radius(p);
    phase_bins(resid, phase, p)
        .cyclic_windows(w, true)
        .iter()
        .map(|s| {
            // Too few cycles to tell a phase's spread from chance: no opinion. Otherwise
            // `robust_scale` of the window's residuals (the MAD, floored by the mean
            // absolute value when `mean_floor`).
            if s.count < min_cycles * (2 * w + 1) {
                0.0
            } else if mean_floor {
                let mean = s.sum / s.count as f64;
                (MAD_TO_SIGMA * s.median).max(0.5 * 1.2533 * mean)
            } else {
                MAD_TO_SIGMA * s.median
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
