//! Seasonal period detection from the data (autocorrelation of a regularised copy), never
//! from the spacing of the first timestamps.

use super::stats::{median, median_in_place, median_sigma};
use foresight_kernel::robust::{rolling_median_centred, Bins};
use foresight_kernel::unrolled_dot;

/// Longest regular grid analysed at full resolution; longer series are block-averaged.
const MAX_ACF_POINTS: usize = 4096;
/// A period must repeat at least this many times in the analysed span.
const MIN_CYCLES: f64 = 2.5;
/// Autocorrelation a peak needs to count as seasonality.
const MIN_ACF: f64 = 0.3;

/// The typical sampling step: median of the positive gaps between timestamps.
pub(crate) fn typical_step(timestamps: &[f64]) -> Option<f64> {
    let gaps: Vec<f64> = timestamps
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d > 0.0 && d.is_finite())
        .collect();
    let step = median(&gaps);
    (step.is_finite() && step > 0.0).then_some(step)
}

/// Values placed on a regular grid of `step` (gaps filled by linear interpolation), or None
/// when the grid would be absurdly sparse.
fn regular_grid(timestamps: &[f64], values: &[f64], step: f64) -> Option<Vec<f64>> {
    let t0 = *timestamps.first()?;
    let span = timestamps.last()? - t0;
    let len = (span / step).round() + 1.0;
    // Gaps of days in minute data are fine; a grid 20x longer than the data is not.
    if !(len.is_finite() && len >= 1.0 && len <= (20 * values.len()).max(64) as f64) {
        return None;
    }
    let len = len as usize;
    let mut grid = vec![f64::NAN; len];
    for (&t, &v) in timestamps.iter().zip(values) {
        if v.is_finite() {
            let i = (((t - t0) / step).round() as usize).min(len - 1);
            grid[i] = v;
        }
    }
    // Linear interpolation over gaps; flat extension at the ends.
    let mut last: Option<usize> = None;
    for i in 0..len {
        if grid[i].is_finite() {
            if let Some(j) = last {
                if i > j + 1 {
                    let (a, b) = (grid[j], grid[i]);
                    for (k, g) in grid.iter_mut().enumerate().take(i).skip(j + 1) {
                        let f = (k - j) as f64 / (i - j) as f64;
                        *g = a + (b - a) * f;
                    }
                }
            } else {
                let first = grid[i];
                grid[..i].iter_mut().for_each(|g| *g = first);
            }
            last = Some(i);
        }
    }
    let j = last?;
    let tail = grid[j];
    grid[j + 1..].iter_mut().for_each(|g| *g = tail);
    Some(grid)
}

/// Autocorrelation of `x` (mean removed) at `lag`, normalised by the lag-0 variance.
fn acf_at(x: &[f64], var: f64, lag: usize) -> f64 {
    if lag >= x.len() || var <= 0.0 {
        return 0.0;
    }
    // Eight partial sums (the kernel's dot): the autocorrelation over every lag is the
    // detector's costliest step, and one running sum is bound by the latency of each add.
    unrolled_dot(&x[..x.len() - lag], &x[lag..]) / var
}

/// Detected seasonal period in points of the typical step, or None when the data show none.
///
/// The series is put on a regular grid, linearly detrended, block-averaged to at most
/// 4096 points, and the highest prominent autocorrelation peak (≥ 0.3, at least 2.5 cycles
/// in the data) wins; a peak at a multiple of a nearly as strong shorter peak yields to it.
pub(crate) fn detect_period(timestamps: &[f64], values: &[f64]) -> Option<usize> {
    let step = typical_step(timestamps)?;
    let grid = regular_grid(timestamps, values, step)?;
    let n = grid.len();
    if n < 16 {
        return None;
    }
    // Spikes would dominate the autocorrelation: winsorise at 4 robust sigmas first.
    let (med, sigma) = median_sigma(&grid);
    let grid: Vec<f64> = if sigma > 0.0 && sigma.is_finite() {
        grid.iter()
            .map(|v| v.clamp(med - 4.0 * sigma, med + 4.0 * sigma))
            .collect()
    } else {
        grid
    };
    let block = n.div_ceil(MAX_ACF_POINTS);
    let mut x: Vec<f64> = grid
        .chunks(block)
        .map(|c| c.iter().sum::<f64>() / c.len() as f64)
        .collect();
    // Scale first so huge values cannot overflow the sums below.
    let scale = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if !(scale > 0.0 && scale.is_finite()) {
        return None;
    }
    x.iter_mut().for_each(|v| *v /= scale);
    detrend(&mut x);
    let var: f64 = x.iter().map(|v| v * v).sum();
    if var.is_nan() || var <= 1e-24 * x.len() as f64 {
        return None;
    }
    let m = x.len();
    let max_lag = ((m as f64 / MIN_CYCLES) as usize).min(m - 1);
    let min_lag = (4usize.div_ceil(block)).max(2);
    if max_lag <= min_lag + 1 {
        return None;
    }
    let acf: Vec<f64> = (0..=max_lag + 1).map(|l| acf_at(&x, var, l)).collect();
    // Peaks: local maxima that stand out from the dip before them.
    let mut peaks: Vec<(usize, f64)> = Vec::new();
    let mut running_min = f64::INFINITY;
    for l in 1..=max_lag {
        running_min = running_min.min(acf[l]);
        if l >= min_lag
            && acf[l] >= acf[l - 1]
            && acf[l] > acf[l + 1]
            && acf[l] >= MIN_ACF
            && acf[l] - running_min >= 0.2
        {
            peaks.push((l, acf[l]));
        }
    }
    let &(best_lag, best) = peaks.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
    // Prefer the fundamental: the shortest peak nearly as strong whose multiple is the best.
    let chosen = peaks
        .iter()
        .filter(|&&(l, a)| l < best_lag && a >= 0.6 * best && is_multiple(best_lag, l))
        .map(|&(l, _)| l)
        .min()
        .unwrap_or(best_lag);
    Some(refine(&grid, chosen, block))
}

fn is_multiple(long: usize, short: usize) -> bool {
    let r = long as f64 / short as f64;
    (r - r.round()).abs() < 0.1 && r.round() >= 2.0
}

/// Back to full resolution: the best lag within one block of the coarse estimate, when the
/// search is cheap enough; otherwise the coarse lag times the block.
fn refine(grid: &[f64], coarse: usize, block: usize) -> usize {
    let centre = coarse * block;
    if block == 1 || grid.len() * 2 * block > 20_000_000 {
        return centre;
    }
    let mut x = grid.to_vec();
    let scale = x.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    x.iter_mut().for_each(|v| *v /= scale);
    detrend(&mut x);
    let var: f64 = x.iter().map(|v| v * v).sum();
    (centre.saturating_sub(block).max(2)..=(centre + block).min(grid.len() / 2))
        .max_by(|&a, &b| acf_at(&x, var, a).total_cmp(&acf_at(&x, var, b)))
        .unwrap_or(centre)
}

/// Removes the least-squares line.
fn detrend(x: &mut [f64]) {
    let n = x.len() as f64;
    let mx = (n - 1.0) / 2.0;
    let my = x.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in x.iter().enumerate() {
        let d = i as f64 - mx;
        sxy += d * (v - my);
        sxx += d * d;
    }
    let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    for (i, v) in x.iter_mut().enumerate() {
        *v -= my + slope * (i as f64 - mx);
    }
}

/// Per-bin median of the series minus a centred rolling median over one period, centred
/// to median zero; also returns how many cycles it saw.
pub(crate) fn seasonal_profile(
    ts: &[f64],
    vs: &[f64],
    p: usize,
    step: f64,
    t0: f64,
) -> (Vec<f64>, f64) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(n: usize, step: f64) -> Vec<f64> {
        (0..n).map(|i| i as f64 * step).collect()
    }

    #[test]
    fn finds_daily_period_in_five_minute_data() {
        let n = 288 * 7;
        let v: Vec<f64> = (0..n)
            .map(|i| {
                let phase = (i % 288) as f64 / 288.0 * std::f64::consts::TAU;
                10.0 + 5.0 * phase.sin() + ((i * 7919) % 13) as f64 * 0.1
            })
            .collect();
        let p = detect_period(&ts(n, 300_000.0), &v).unwrap();
        assert!((286..=290).contains(&p), "period {p}");
    }

    #[test]
    fn noise_and_trend_have_no_period() {
        // xorshift noise on a trend: nothing repeats.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let v: Vec<f64> = (0..1000)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                i as f64 * 0.01 + (state % 1000) as f64 / 1000.0
            })
            .collect();
        assert_eq!(detect_period(&ts(1000, 1.0), &v), None);
        assert_eq!(detect_period(&ts(100, 1.0), &[3.0; 100]), None);
    }
}
