//! Incident-level significance (batch): an incident is kept only when its evidence is more
//! than the series' own ordinary stretches produce by chance at a given rate.
//!
//! Every series has many sub-threshold excursions: runs of points whose score is above
//! `floor` (a fraction of the band). Their evidence — the sum of the scores above `floor`
//! over the run, and the run's peak above it — is the series' own sample of what chance
//! produces. The upper half of each is fitted with an exponential tail (the median excess
//! over ln 2, so the few real incidents among the excursions do not set it), which gives the
//! evidence chance reaches `rate` times per 1,000 points. An incident is kept when its sum or
//! its peak is beyond that: a tall spike and a long moderate stretch both pass on a quiet
//! series, while on a bursty one (on/off jobs, ad-exchange rates), whose ordinary
//! excursions are large, only what stands out from its own bursts does.

use foresight_kernel::robust::select_total;

/// Fewest excursions the tails are fitted on; with fewer, every incident is kept.
const MIN_EXCURSIONS: usize = 20;

/// What an incident's evidence must exceed in a series of `scores` (band half-widths, 0 at
/// gaps): `(sum, peak)`, each the level chance excursions reach `rate` times per 1,000
/// points. `None` when the series has too few excursions to tell (nothing is dropped).
pub(crate) fn bars(scores: &[f64], floor: f64, rate: f64) -> Option<(f64, f64)> {
    let n = scores.len();
    if n == 0 || rate <= 0.0 || !rate.is_finite() {
        return None;
    }
    let (mut sums, mut peaks) = (Vec::new(), Vec::new());
    let (mut sum, mut peak) = (0.0, 0.0);
    for &s in scores.iter().chain(std::iter::once(&0.0)) {
        if s > floor {
            sum += s - floor;
            peak = f64::max(peak, s - floor);
        } else if sum > 0.0 {
            sums.push(sum);
            peaks.push(peak);
            (sum, peak) = (0.0, 0.0);
        }
    }
    let m = sums.len();
    if m < MIN_EXCURSIONS {
        return None;
    }
    // The upper half: the median excess is robust to the few real incidents on top.
    let top = 0.5;
    // Chance excursions beyond x: m·top × exp(−(x − q)/β), q the (1 − top) quantile;
    // allowed: rate × n / 1000.
    let ratio = top * m as f64 * 1000.0 / (rate * n as f64);
    if ratio <= 1.0 {
        return None;
    }
    Some((
        tail_level(&mut sums, top, ratio)?,
        tail_level(&mut peaks, top, ratio)?,
    ))
}

/// `q + β ln(ratio)` for an exponential tail fitted to the values above q, the (1 − top)
/// quantile.
fn tail_level(xs: &mut [f64], top: f64, ratio: f64) -> Option<f64> {
    let qi = (((xs.len() - 1) as f64) * (1.0 - top)).round() as usize;
    let q = select_total(xs, qi);
    let mut excess: Vec<f64> = xs.iter().filter(|&&x| x > q).map(|&x| x - q).collect();
    if excess.is_empty() {
        return None;
    }
    let k = excess.len() / 2;
    let beta = select_total(&mut excess, k) / std::f64::consts::LN_2;
    (beta.is_finite() && beta > 0.0).then(|| q + beta * ratio.ln())
}

/// Whether the points `scores[lo..=hi]` clear the bars: their sum above `floor`, or their
/// peak above it.
pub(crate) fn clears(scores: &[f64], lo: usize, hi: usize, floor: f64, bars: (f64, f64)) -> bool {
    let part = &scores[lo..=hi];
    let sum: f64 = part.iter().map(|&s| (s - floor).max(0.0)).sum();
    let peak = part.iter().fold(0.0, |a: f64, &s| a.max(s - floor));
    sum >= bars.0 || peak >= bars.1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic noise in [0, 1).
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 53) as f64
            })
            .collect()
    }

    #[test]
    fn bursty_series_get_a_higher_bar_than_quiet_ones() {
        let u = noise(4000, 7);
        // Quiet: scores inside the band, a tenth of them past half of it.
        let quiet: Vec<f64> = u.iter().map(|v| v * 0.55).collect();
        // Bursty: noise well inside the band, and a burst of 1.5–3 half-widths over 6
        // points every 40 (an on/off job): its excursions are its bursts.
        let bursty: Vec<f64> = (0..4000)
            .map(|i| {
                if i % 40 < 6 {
                    1.5 + 1.5 * u[(i * 7) % 4000]
                } else {
                    0.3 * u[i]
                }
            })
            .collect();
        let (qs, qp) = bars(&quiet, 0.5, 4.0).unwrap();
        let (bs, bp) = bars(&bursty, 0.5, 4.0).unwrap();
        assert!(bs > qs && bp > qp, "quiet {qs}/{qp}, bursty {bs}/{bp}");
        // One of its own bursts does not clear the bursty series' bars; on the quiet series
        // it does.
        assert!(!clears(&bursty, 320, 325, 0.5, (bs, bp)));
        let mut spiked = quiet.clone();
        spiked[320..326].copy_from_slice(&bursty[320..326]);
        assert!(clears(&spiked, 320, 325, 0.5, (qs, qp)));
        // A burst four times as tall clears both.
        let tall: Vec<f64> = bursty[320..326].iter().map(|s| 4.0 * s).collect();
        assert!(clears(&tall, 0, 5, 0.5, (bs, bp)));
    }

    #[test]
    fn too_few_excursions_keep_everything() {
        assert_eq!(bars(&[0.0; 500], 0.5, 4.0), None);
        let mut few = vec![0.0; 500];
        for i in (0..500).step_by(50) {
            few[i] = 3.0;
        }
        assert_eq!(bars(&few, 0.5, 4.0), None);
        assert_eq!(bars(&[], 0.5, 4.0), None);
        assert_eq!(bars(&noise(500, 1), 0.5, 0.0), None);
    }
}
