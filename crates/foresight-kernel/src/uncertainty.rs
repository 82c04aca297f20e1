//! Prophet's uncertainty interval for linear and flat trends, computed for the requested
//! timestamps only.
//!
//! Prophet simulates `uncertainty_samples` futures: the fitted trend plus new changepoints
//! (a Poisson process of rate S on [1, T], deltas ~ Laplace(0, mean |delta|)) and Gaussian
//! observation noise (sigma_obs), and takes percentiles per timestamp. Up to the end of the
//! history (t <= 1) no new changepoint can act, so a sample is the point forecast plus noise
//! and the interval is exactly `yhat ± z · sigma_obs · y_scale`: computed in closed form there
//! (the limit Prophet's Monte-Carlo estimate approaches). Beyond the history the samples are
//! drawn as Prophet draws them, with a small deterministic generator (the same request gives
//! the same interval). For a linear trend a new changepoint at c with delta d adds
//! `d · (t - c)` for t > c, so each sample is a sweep over the sorted rows.

use rand_distr::{Distribution, StandardNormal};

/// Generator: xoshiro256** seeded through SplitMix64.
pub struct Rng {
    s: [u64; 4],
}

/// So rand_distr's samplers can draw from it.
impl rand_core::RngCore for Rng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn next_u64(&mut self) -> u64 {
        Rng::next_u64(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest)
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed;
        let mut next = || {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut x = z;
            x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            x ^ (x >> 31)
        };
        Self {
            s: [next(), next(), next(), next()],
        }
    }

    fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Standard normal, by rand_distr's ziggurat: one draw and a table lookup almost always,
    /// where Marsaglia's polar method (used before) took a logarithm, a square root and a
    /// division per pair, most of the sampling's cost in wasm (docs/benchmarks.md).
    pub fn normal(&mut self) -> f64 {
        StandardNormal.sample(self)
    }

    /// Poisson(lambda): Knuth's product method for small rates, the normal approximation
    /// above 30.
    pub fn poisson(&mut self, lambda: f64) -> usize {
        if lambda.is_nan() || lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as usize;
        }
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.uniform();
        while p > limit {
            k += 1;
            p *= self.uniform();
        }
        k
    }

    /// Laplace(0, scale).
    pub fn laplace(&mut self, scale: f64) -> f64 {
        let u = self.uniform() - 0.5;
        -scale * u.signum() * (1.0 - 2.0 * u.abs()).max(f64::MIN_POSITIVE).ln()
    }
}

/// Inverse of the standard normal CDF (Acklam's rational approximation, relative error
/// below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let p = p.clamp(1e-300, 1.0 - 1e-16);
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p <= 1.0 - 0.02425 {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    }
}

/// Prophet's percentile of samples: linear interpolation between order statistics
/// (`rank = pct · (n - 1)`). Reorders `samples`. The reference [`percentiles`] is tested against.
#[cfg(test)]
fn percentile(samples: &mut [f64], fraction: f64) -> f64 {
    let n = samples.len();
    if n == 1 {
        return samples[0];
    }
    let rank = fraction * (n - 1) as f64;
    let lo = (rank.floor() as usize).min(n - 1);
    let (_, &mut at, rest) = samples.select_nth_unstable_by(lo, f64::total_cmp);
    if lo + 1 >= n {
        return at;
    }
    let next = rest.iter().copied().fold(f64::INFINITY, f64::min);
    at + (next - at) * (rank - lo as f64)
}

/// Prophet's percentiles of samples (linear interpolation between order statistics,
/// `rank = pct · (n - 1)`) at `lo <= hi` at once: the second order statistic is selected in
/// the part above the first only (same values as two `percentile` calls, about half the
/// work). Reorders `samples`.
fn percentiles(samples: &mut [f64], lo: f64, hi: f64) -> (f64, f64) {
    let n = samples.len();
    if n == 1 {
        return (samples[0], samples[0]);
    }
    let rank = |fraction: f64| fraction * (n - 1) as f64;
    let (r_lo, r_hi) = (rank(lo), rank(hi));
    let (i_lo, i_hi) = (
        (r_lo.floor() as usize).min(n - 1),
        (r_hi.floor() as usize).min(n - 1),
    );
    let (_, &mut at_lo, above) = samples.select_nth_unstable_by(i_lo, f64::total_cmp);
    let smallest = |xs: &[f64]| xs.iter().copied().fold(f64::INFINITY, f64::min);
    let interpolate = |at: f64, next: f64, r: f64, i: usize| {
        if i + 1 >= n {
            at
        } else {
            at + (next - at) * (r - i as f64)
        }
    };
    let lower = interpolate(at_lo, smallest(above), r_lo, i_lo);
    if i_hi == i_lo {
        return (lower, interpolate(at_lo, smallest(above), r_hi, i_hi));
    }
    let (_, &mut at_hi, above_hi) = above.select_nth_unstable_by(i_hi - i_lo - 1, f64::total_cmp);
    (lower, interpolate(at_hi, smallest(above_hi), r_hi, i_hi))
}

/// A logistic trend after its last fitted changepoint: `cap · sigmoid(rate · (t - offset))`
/// on the scaled axes, continued through new changepoints as Stan's `logistic_gamma` does.
#[derive(Debug, Clone)]
pub struct LogisticEnd {
    pub rate: f64,
    pub offset: f64,
    /// (cap - floor) / y_scale, and the floor in y's units.
    pub cap_scaled: f64,
    pub floor: f64,
}

impl LogisticEnd {
    /// From the fitted k, m, deltas and changepoints.
    pub fn new(
        k: f64,
        m: f64,
        delta: &[f64],
        t_change: &[f64],
        cap_scaled: f64,
        floor: f64,
    ) -> Self {
        let (mut rate, mut offset) = (k, m);
        for (&d, &c) in delta.iter().zip(t_change) {
            (rate, offset) = Self::step(rate, offset, c, d);
        }
        Self {
            rate,
            offset,
            cap_scaled,
            floor,
        }
    }

    fn step(rate: f64, offset: f64, c: f64, d: f64) -> (f64, f64) {
        let next = rate + d;
        let offset = offset + (c - offset) * (1.0 - rate / next);
        (next, offset)
    }

    fn value(&self, rate: f64, offset: f64, t: f64, y_scale: f64) -> f64 {
        self.cap_scaled / (1.0 + (-rate * (t - offset)).exp()) * y_scale + self.floor
    }
}

/// Expected new changepoints per sample up to which they are drawn one by one over the whole
/// horizon (every ordinary forecast: 25 changepoints a unit of history, so up to 20 histories
/// ahead).
const MAX_EXPECTED_CHANGEPOINTS: f64 = 500.0;
/// Beyond that, changepoints between two asked timestamps drawn one by one up to this many.
const EXACT_PER_GAP: usize = 32;

/// `k` changepoints uniform on `(from, from + gap)` with Laplace(0, `scale`) deltas, as the sums
/// a linear trend needs after the gap, D = sum d_j and DC = sum d_j c_j, drawn from their normal
/// law given `k` (exact mean and covariance; k > 32 terms are close to normal): with
/// u_j = c_j - from, Var D = 2 s² k, Cov(D, sum d u) = 2 s² k · gap/2, Var(sum d u) = 2 s² k ·
/// gap²/3. A logistic trend steps through one changepoint: D at the position c = DC / D of the
/// linear equivalent, kept in the gap. Returns (D, DC, c).
fn aggregate_changepoints(
    rng: &mut Rng,
    k: usize,
    scale: f64,
    from: f64,
    gap: f64,
) -> (f64, f64, f64) {
    let sd = scale * (2.0 * k as f64).sqrt();
    let (z1, z2) = (rng.normal(), rng.normal());
    let d = sd * z1;
    let du = sd * gap * (0.5 * z1 + z2 / (2.0 * 3f64.sqrt()));
    let c = if d != 0.0 {
        (from + du / d).clamp(from, from + gap)
    } else {
        from + gap / 2.0
    };
    (d, d * from + du, c)
}

/// Everything the interval needs from the fitted model.
#[derive(Debug, Clone)]
pub struct IntervalModel {
    /// Number of changepoints (augurs' and Prophet's placeholder counts as one).
    pub n_changepoints: usize,
    /// Scale of new deltas: mean |delta| + 1e-8 (Prophet's).
    pub delta_scale: f64,
    /// sigma_obs in y's units.
    pub sigma_y: f64,
    pub y_scale: f64,
    /// Training start and length (seconds), for Prophet's scaled time t.
    pub start_s: f64,
    pub t_scale_s: f64,
    /// A flat trend has no changepoints to extrapolate.
    pub flat: bool,
    /// For a logistic trend, its state at the end of the history.
    pub logistic: Option<LogisticEnd>,
    pub samples: usize,
    pub interval_width: f64,
}

impl IntervalModel {
    /// Lower and upper interval edges at `ds_s` (seconds, sorted ascending) given the point
    /// forecast and the multiplicative terms there.
    #[inline(never)]
    pub fn intervals(
        &self,
        ds_s: &[i64],
        yhat: &[f64],
        trend: &[f64],
        multiplicative: &[f64],
    ) -> (Vec<f64>, Vec<f64>) {
        let n = ds_s.len();
        let p_lo = (1.0 - self.interval_width) / 2.0;
        let p_hi = (1.0 + self.interval_width) / 2.0;
        let (z_lo, z_hi) = (normal_quantile(p_lo), normal_quantile(p_hi));
        let mut lower: Vec<f64> = yhat.iter().map(|y| y + z_lo * self.sigma_y).collect();
        let mut upper: Vec<f64> = yhat.iter().map(|y| y + z_hi * self.sigma_y).collect();
        let t: Vec<f64> = ds_s
            .iter()
            .map(|&s| (s as f64 - self.start_s) / self.t_scale_s)
            .collect();
        // Rows past the history (t > 1): simulate.
        let first = t.partition_point(|&v| v <= 1.0);
        if self.flat || first == n || self.samples == 0 {
            return (lower, upper);
        }
        let t_max = t[n - 1];
        let future = n - first;
        let m = self.samples;
        let mut draws = vec![0.0; future * m];
        let mut rng = Rng::new(0x5EED_F0E5_16E7);
        let rate = self.n_changepoints as f64;
        // A far horizon means many new changepoints per sample; past this many expected, the
        // changepoints between two asked timestamps are drawn as one aggregate, so the cost
        // follows the asked timestamps, not how far ahead they lie.
        let aggregate = rate * (t_max - 1.0) > MAX_EXPECTED_CHANGEPOINTS;
        let mut cps: Vec<(f64, f64)> = Vec::new();
        for s in 0..m {
            if !aggregate {
                let k = rng.poisson(rate * (t_max - 1.0));
                cps.clear();
                cps.extend((0..k).map(|_| {
                    let c = 1.0 + rng.uniform() * (t_max - 1.0);
                    (c, rng.laplace(self.delta_scale))
                }));
                crate::merge_sort_by(&mut cps, |a, b| a.0.total_cmp(&b.0).is_le());
            }
            // Linear: dev(t) = sum over c_j < t of d_j (t - c_j) = t * D - C.
            // Logistic: the trend continued through the new changepoints, minus the point trend.
            let (mut j, mut d_sum, mut dc_sum) = (0, 0.0, 0.0);
            let (mut rate_l, mut offset) = self
                .logistic
                .as_ref()
                .map_or((0.0, 0.0), |l| (l.rate, l.offset));
            let mut from = 1.0;
            for r in first..n {
                if aggregate {
                    // The Poisson process restricted to (from, t[r]) is Poisson too: a few
                    // changepoints are drawn one by one, many as their sums (below).
                    let gap = t[r] - from;
                    if gap > 0.0 {
                        let k = rng.poisson(rate * gap);
                        cps.clear();
                        if k <= EXACT_PER_GAP {
                            cps.extend((0..k).map(|_| {
                                (from + rng.uniform() * gap, rng.laplace(self.delta_scale))
                            }));
                            crate::merge_sort_by(&mut cps, |a, b| a.0.total_cmp(&b.0).is_le());
                        } else {
                            let (d, dc, c) =
                                aggregate_changepoints(&mut rng, k, self.delta_scale, from, gap);
                            d_sum += d;
                            dc_sum += dc;
                            (rate_l, offset) = LogisticEnd::step(rate_l, offset, c, d);
                        }
                        for &(c, d) in &cps {
                            d_sum += d;
                            dc_sum += d * c;
                            (rate_l, offset) = LogisticEnd::step(rate_l, offset, c, d);
                        }
                        from = t[r];
                    }
                } else {
                    while j < cps.len() && cps[j].0 < t[r] {
                        d_sum += cps[j].1;
                        dc_sum += cps[j].1 * cps[j].0;
                        (rate_l, offset) = LogisticEnd::step(rate_l, offset, cps[j].0, cps[j].1);
                        j += 1;
                    }
                }
                let dev = match &self.logistic {
                    None => self.y_scale * (t[r] * d_sum - dc_sum),
                    Some(l) => l.value(rate_l, offset, t[r], self.y_scale) - trend[r],
                };
                let dev = if dev.is_finite() { dev } else { 0.0 };
                draws[(r - first) * m + s] =
                    yhat[r] + dev * (1.0 + multiplicative[r]) + self.sigma_y * rng.normal();
            }
        }
        for (i, row) in draws.chunks_mut(m).enumerate() {
            (lower[first + i], upper[first + i]) = percentiles(row, p_lo, p_hi);
        }
        (lower, upper)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_quantiles() {
        assert!((normal_quantile(0.1) + 1.281_551_565_5).abs() < 1e-8);
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.01) + 2.326_347_874).abs() < 1e-8);
        assert_eq!(normal_quantile(0.5), 0.0);
    }

    #[test]
    fn generator_moments() {
        let mut rng = Rng::new(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        let p: usize = (0..20_000).map(|_| rng.poisson(2.5)).sum();
        assert!((p as f64 / 20_000.0 - 2.5).abs() < 0.05);
        let l: f64 = (0..200_000).map(|_| rng.laplace(0.3).abs()).sum::<f64>() / 200_000.0;
        assert!((l - 0.3).abs() < 0.01, "{l}");
    }

    #[test]
    fn both_percentiles_at_once_equal_two_calls() {
        let mut rng = Rng::new(3);
        for n in [1, 2, 3, 7, 200, 1000] {
            let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
            for (lo, hi) in [
                (0.1, 0.9),
                (0.025, 0.975),
                (0.5, 0.5),
                (0.0, 1.0),
                (0.3, 0.31),
            ] {
                let (mut a, mut b, mut c) = (xs.clone(), xs.clone(), xs.clone());
                assert_eq!(
                    percentiles(&mut a, lo, hi),
                    (percentile(&mut b, lo), percentile(&mut c, hi)),
                    "n {n}, {lo}..{hi}"
                );
            }
        }
    }

    #[test]
    fn percentile_interpolates_like_prophet() {
        let mut v = vec![5.0, 1.0, 4.0, 2.0, 3.0];
        assert_eq!(percentile(&mut v, 0.5), 3.0);
        assert!((percentile(&mut v, 0.1) - 1.4).abs() < 1e-12);
        assert_eq!(percentile(&mut v, 1.0), 5.0);
    }

    #[test]
    fn history_rows_get_the_closed_form_interval() {
        let model = IntervalModel {
            n_changepoints: 25,
            delta_scale: 0.01,
            sigma_y: 2.0,
            y_scale: 10.0,
            start_s: 0.0,
            t_scale_s: 100.0,
            flat: false,
            logistic: None,
            samples: 1000,
            interval_width: 0.8,
        };
        let ds = [0, 50, 100, 110, 150];
        let yhat = [1.0, 2.0, 3.0, 4.0, 5.0];
        let (lo, hi) = model.intervals(&ds, &yhat, &yhat, &[0.0; 5]);
        for i in 0..3 {
            assert!((hi[i] - yhat[i] - 2.0 * 1.281_551_565_5).abs() < 1e-6);
            assert!((yhat[i] - lo[i] - 2.0 * 1.281_551_565_5).abs() < 1e-6);
        }
        // Past the history the band widens with the trend's uncertainty.
        assert!(hi[4] - lo[4] > hi[3] - lo[3] - 0.3);
        assert!(lo.iter().chain(&hi).all(|v| v.is_finite()));
        // Deterministic.
        assert_eq!(model.intervals(&ds, &yhat, &yhat, &[0.0; 5]), (lo, hi));
    }

    /// The aggregated draws of a far horizon give the band the one-by-one draws give (the same
    /// law), and asking for one timestamp 10^6 histories ahead costs what one timestamp costs.
    #[test]
    fn far_horizons_are_sampled_in_aggregate_with_the_same_law() {
        let model = |samples| IntervalModel {
            n_changepoints: 25,
            delta_scale: 0.01,
            sigma_y: 1.0,
            y_scale: 10.0,
            start_s: 0.0,
            t_scale_s: 100.0,
            flat: false,
            logistic: None,
            samples,
            interval_width: 0.8,
        };
        // 19 histories ahead (475 expected changepoints): drawn one by one. The same rows with
        // a last one at 21 histories (525): every row drawn in aggregate.
        let near: Vec<i64> = (1..=20).map(|i| 100 + i * 95).collect();
        let mut far = near.clone();
        far.push(2200);
        let widths = |ds: &[i64]| {
            let y = vec![0.0; ds.len()];
            let (lo, hi) = model(4000).intervals(ds, &y, &y, &y);
            lo.iter().zip(&hi).map(|(l, h)| h - l).collect::<Vec<f64>>()
        };
        let (a, b) = (widths(&near), widths(&far));
        for i in [4, 9, 19] {
            let rel = (a[i] - b[i]).abs() / a[i];
            assert!(rel < 0.08, "row {i}: {} vs {} ({rel})", a[i], b[i]);
        }
        let (lo, hi) =
            model(1000).intervals(&[50, 100 + 100_000_000], &[0.0; 2], &[0.0; 2], &[0.0; 2]);
        assert!(lo.iter().chain(&hi).all(|v| v.is_finite()) && hi[1] > lo[1]);
    }

    #[test]
    fn aggregate_changepoints_have_the_moments_of_the_sum() {
        let mut rng = Rng::new(9);
        let (k, scale, from, gap) = (100, 0.5, 3.0, 2.0);
        let n = 100_000;
        let (mut sd2, mut su2, mut sdu) = (0.0, 0.0, 0.0);
        for _ in 0..n {
            let (d, dc, c) = aggregate_changepoints(&mut rng, k, scale, from, gap);
            assert!((from..=from + gap).contains(&c));
            let du = dc - d * from;
            sd2 += d * d;
            su2 += du * du;
            sdu += d * du;
        }
        let v = 2.0 * scale * scale * k as f64;
        let nf = n as f64;
        assert!((sd2 / nf / v - 1.0).abs() < 0.02, "{}", sd2 / nf / v);
        assert!((sdu / nf / (v * gap / 2.0) - 1.0).abs() < 0.03);
        assert!(
            (su2 / nf / (v * gap * gap / 3.0) - 1.0).abs() < 0.03,
            "{}",
            su2 / nf / (v * gap * gap / 3.0)
        );
    }
}
