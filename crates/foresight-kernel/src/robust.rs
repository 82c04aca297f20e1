//! Robust-statistics primitives of the anomaly detector (foresight-core's `anomaly`): the
//! median of a slice, a sorted sliding window and the rolling medians over it, a rolling
//! maximum, sorting and selection, values grouped by bin. Here rather than in foresight-core so the
//! wasm build compiles them for speed (with the engine's size settings, the selection's
//! comparisons and the window's binary searches were not inlined, and these loops were
//! most of a batch detection's time in the browser). Same code, same results.

use std::collections::VecDeque;

/// Median of a slice of finite values; reorders it. NaN when empty.
pub fn median_in_place(xs: &mut [f64]) -> f64 {
    let n = xs.len();
    if n == 0 {
        return f64::NAN;
    }
    let mid = n / 2;
    let (_, &mut upper_mid, _) = xs.select_nth_unstable_by(mid, f64::total_cmp);
    if n % 2 == 1 {
        upper_mid
    } else {
        // The largest of the lower half by comparison (f64::max is a libm call in wasm):
        // the same value, and where the two could differ (which zero of a tie +0 / -0)
        // the halved sum below comes out the same.
        let lower_mid = xs[..mid]
            .iter()
            .fold(f64::NEG_INFINITY, |m, &v| if v > m { v } else { m });
        lower_mid / 2.0 + upper_mid / 2.0
    }
}

/// Scales a MAD to a standard deviation for normally distributed data.
pub const MAD_TO_SIGMA: f64 = 1.482_602_218_505_602;

/// The finite values of `xs`, in order.
pub fn finite(xs: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(xs.len());
    out.extend(xs.iter().copied().filter(|v| v.is_finite()));
    out
}

/// The absolute values of the finite values of `xs`, in order.
pub fn finite_abs(xs: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(xs.len());
    out.extend(xs.iter().filter(|v| v.is_finite()).map(|v| v.abs()));
    out
}

/// Median of the finite values of `xs` (reorders a copy); NaN when there are none.
pub fn median(xs: &[f64]) -> f64 {
    median_in_place(&mut finite(xs))
}

/// Median and robust sigma (1.4826 × MAD) of the finite values; NaN when there are none.
pub fn median_sigma(xs: &[f64]) -> (f64, f64) {
    let mut buf = finite(xs);
    let med = median_in_place(&mut buf);
    for v in buf.iter_mut() {
        *v = (*v - med).abs();
    }
    (med, MAD_TO_SIGMA * median_in_place(&mut buf))
}

/// A sliding window over the last `cap` values (gaps included, so the window spans a fixed
/// number of points); its finite values are also kept sorted, so the median and other
/// quantiles cost O(1) and an update O(cap) memory moves.
#[derive(Debug, Clone)]
pub struct SortedWindow {
    order: VecDeque<f64>,
    sorted: Vec<f64>,
    cap: usize,
    sum: f64,
}

impl SortedWindow {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        Self {
            order: VecDeque::with_capacity(cap + 1),
            sorted: Vec::with_capacity(cap + 1),
            cap,
            sum: 0.0,
        }
    }

    /// Adds a value (a non-finite one is a gap: it takes a slot but no statistic sees it),
    /// evicting the oldest when full.
    pub fn push(&mut self, v: f64) {
        let old = if self.order.len() == self.cap {
            self.order.pop_front().filter(|o| o.is_finite())
        } else {
            None
        };
        self.order.push_back(v);
        // A full window replaces its oldest value: one binary search each and one move of
        // the values between the two positions, instead of a removal and an insertion that
        // each move everything after them. The sorted values end up exactly where removing
        // then inserting puts them (equal values included), and the sum sees the same
        // subtraction then addition.
        match old {
            Some(old) => {
                let a = self.sorted.partition_point(|&x| x < old);
                if a == self.sorted.len() {
                    // Not held (cannot happen for a finite value pushed earlier).
                    if v.is_finite() {
                        self.insert(v);
                    }
                    return;
                }
                self.sum -= old;
                if !v.is_finite() {
                    self.sorted.remove(a);
                    return;
                }
                let b = self.sorted.partition_point(|&x| x < v);
                // Where `v` goes once `old` is out.
                let b = if a < b { b - 1 } else { b };
                if b >= a {
                    self.sorted.copy_within(a + 1..b + 1, a);
                } else {
                    self.sorted.copy_within(b..a, b + 1);
                }
                self.sorted[b] = v;
                self.sum += v;
            }
            None if v.is_finite() => self.insert(v),
            None => {}
        }
    }

    fn insert(&mut self, v: f64) {
        let at = self.sorted.partition_point(|&x| x < v);
        self.sorted.insert(at, v);
        self.sum += v;
    }

    /// Number of slots in use (gaps included).
    pub fn slots(&self) -> usize {
        self.order.len()
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    pub fn clear(&mut self) {
        self.order.clear();
        self.sorted.clear();
        self.sum = 0.0;
    }

    /// Mean of the finite values; NaN when empty.
    pub fn mean(&self) -> f64 {
        if self.sorted.is_empty() {
            return f64::NAN;
        }
        if self.sorted.len() == 1 {
            return self.sorted[0];
        }
        self.sum / self.sorted.len() as f64
    }

    /// Quantile `q` in [0, 1] by nearest rank; NaN when empty.
    pub fn quantile(&self, q: f64) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return f64::NAN;
        }
        let i = ((n - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
        self.sorted[i.min(n - 1)]
    }

    pub fn median(&self) -> f64 {
        let n = self.sorted.len();
        if n == 0 {
            return f64::NAN;
        }
        if n % 2 == 1 {
            self.sorted[n / 2]
        } else {
            self.sorted[n / 2 - 1] / 2.0 + self.sorted[n / 2] / 2.0
        }
    }
}

/// Centred rolling median (odd window), ignoring gaps; NaN where the window has no value.
pub fn rolling_median_centred(x: &[f64], window: usize) -> Vec<f64> {
    let n = x.len();
    let half = window / 2;
    let mut w = SortedWindow::new(window);
    let mut out = vec![f64::NAN; n];
    for &v in x.iter().take(half.min(n)) {
        w.push(v);
    }
    for i in 0..n {
        if i + half < n {
            w.push(x[i + half]);
        } else {
            // Past the end: shrink from the left by pushing gaps.
            w.push(f64::NAN);
        }
        out[i] = w.median();
    }
    out
}

/// Trailing rolling median over the `window` points before each index (not including it).
pub fn rolling_median_trailing(x: &[f64], window: usize) -> Vec<f64> {
    let mut w = SortedWindow::new(window);
    x.iter()
        .map(|&v| {
            let m = w.median();
            w.push(v);
            m
        })
        .collect()
}

/// Values grouped into bins, in the order given, in one flat array: bin `b` is
/// `items[start[b]..start[b + 1]]` (one allocation instead of one per bin).
pub struct Bins {
    start: Vec<usize>,
    items: Vec<f64>,
}

impl Bins {
    /// The finite `values[i]` in bin `keys[i]` (each key below `bins`).
    pub fn of_finite(bins: usize, keys: &[usize], values: &[f64]) -> Self {
        let mut start = vec![0usize; bins + 1];
        for (&b, v) in keys.iter().zip(values) {
            if v.is_finite() {
                start[b + 1] += 1;
            }
        }
        for b in 0..bins {
            start[b + 1] += start[b];
        }
        let mut next = start.clone();
        let mut items = vec![0.0; start[bins]];
        for (&b, &v) in keys.iter().zip(values) {
            if v.is_finite() {
                items[next[b]] = v;
                next[b] += 1;
            }
        }
        Self { start, items }
    }

    pub fn bin(&self, b: usize) -> &[f64] {
        &self.items[self.start[b]..self.start[b + 1]]
    }

    pub fn bin_mut(&mut self, b: usize) -> &mut [f64] {
        &mut self.items[self.start[b]..self.start[b + 1]]
    }
}

/// Count, sum and median of the values of a run of bins ([`Bins::cyclic_windows`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowStat {
    pub count: usize,
    /// The values added up in bin order, each bin in its own order.
    pub sum: f64,
    /// As [`median_in_place`] gives it (NaN when there are no values).
    pub median: f64,
}

impl Bins {
    /// For each bin `b`, the values of bins `b - w ..= b + w` (cyclically), taken as
    /// absolute values when `abs`: their count, their sum (in that order) and their median
    /// ([`median_in_place`] of them gathered in that order).
    pub fn cyclic_windows(&self, w: usize, abs: bool) -> Vec<WindowStat> {
        let p = self.start.len() - 1;
        let w = w as i64;
        let mut vals: Vec<f64> = Vec::new();
        (0..p as i64)
            .map(|b| {
                vals.clear();
                for o in -w..=w {
                    let bin = self.bin((b + o).rem_euclid(p as i64) as usize);
                    if abs {
                        vals.extend(bin.iter().map(|v| v.abs()));
                    } else {
                        vals.extend_from_slice(bin);
                    }
                }
                let sum = vals.iter().sum::<f64>();
                WindowStat {
                    count: vals.len(),
                    sum,
                    median: median_in_place(&mut vals),
                }
            })
            .collect()
    }
}

/// The largest |x| over the finite values (0 when there are none).
pub fn max_abs_finite(xs: &[f64]) -> f64 {
    // A comparison rather than f64::max, which wasm builds call out for (NaN rules).
    xs.iter()
        .filter(|v| v.is_finite())
        .fold(0.0_f64, |m, v| if v.abs() > m { v.abs() } else { m })
}

/// Pearson correlation of the pairs `(x[j], y[j])` where both are finite, in order; None
/// with fewer than `min_pairs` such pairs or without spread.
pub fn finite_pairs_correlation(x: &[f64], y: &[f64], min_pairs: usize) -> Option<f64> {
    let pairs = || {
        x.iter()
            .zip(y)
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|(&a, &b)| (a, b))
    };
    let count = pairs().count();
    if count < min_pairs || count == 0 {
        return None;
    }
    let n = count as f64;
    let mx = pairs().map(|p| p.0).sum::<f64>() / n;
    let my = pairs().map(|p| p.1).sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in pairs() {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    let d = (sxx * syy).sqrt();
    if d > 0.0 && d.is_finite() {
        Some((sxy / d).clamp(-1.0, 1.0))
    } else {
        None
    }
}

/// Centred rolling maximum over `x[i - w..=i + w]` (clipped at the ends; monotone deque).
pub fn rolling_max_centred(x: &[f64], w: usize) -> Vec<f64> {
    let n = x.len();
    let mut m = vec![f64::NEG_INFINITY; n];
    let mut dq: VecDeque<usize> = VecDeque::new();
    for j in 0..n + w {
        if j < n {
            while dq.back().is_some_and(|&b| x[b] <= x[j]) {
                dq.pop_back();
            }
            dq.push_back(j);
        }
        if j >= w {
            let i = j - w;
            while dq.front().is_some_and(|&f| f + w < i) {
                dq.pop_front();
            }
            if let Some(&f) = dq.front() {
                m[i] = x[f];
            }
        }
    }
    m
}

/// Sorts by `f64::total_cmp`.
pub fn sort_total(xs: &mut [f64]) {
    xs.sort_unstable_by(f64::total_cmp);
}

/// The `k`-th smallest by `f64::total_cmp` (reorders `xs`; `k < xs.len()`).
pub fn select_total(xs: &mut [f64], k: usize) -> f64 {
    let (_, &mut at, _) = xs.select_nth_unstable_by(k, f64::total_cmp);
    at
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_matches_the_f64_max_version() {
        // The lower middle used to be found with f64::max: same medians, bit for bit,
        // signed zeros and ties included.
        fn old_median(xs: &mut [f64]) -> f64 {
            let n = xs.len();
            if n == 0 {
                return f64::NAN;
            }
            let mid = n / 2;
            let (_, &mut upper_mid, _) = xs.select_nth_unstable_by(mid, f64::total_cmp);
            if n % 2 == 1 {
                upper_mid
            } else {
                let lower_mid = xs[..mid].iter().copied().fold(f64::NEG_INFINITY, f64::max);
                lower_mid / 2.0 + upper_mid / 2.0
            }
        }
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = (state % 12) as usize;
            let xs: Vec<f64> = (0..n)
                .map(|i| match (state >> (i * 4)) % 5 {
                    0 => 0.0,
                    1 => -0.0,
                    2 => 1.5,
                    3 => -2.0,
                    _ => ((state >> (i * 3)) % 7) as f64,
                })
                .collect();
            let (mut a, mut b) = (xs.clone(), xs);
            assert_eq!(
                median_in_place(&mut a).to_bits(),
                old_median(&mut b).to_bits()
            );
        }
    }

    #[test]
    fn cyclic_windows_match_gathering_each_window() {
        // Ties, signed zeros, empty bins, a window wider than the cycle.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for (p, w) in [(2, 1), (3, 1), (7, 2), (48, 1), (300, 6)] {
            for abs in [false, true] {
                let (keys, values): (Vec<usize>, Vec<f64>) = (0..p * 5)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        let v = match state % 9 {
                            0 => f64::NAN,
                            1 => 0.0,
                            2 => -0.0,
                            _ => ((state >> 20) % 13) as f64 / 4.0 - 1.5,
                        };
                        ((state >> 40) as usize % p, v)
                    })
                    .unzip();
                let bins = Bins::of_finite(p, &keys, &values);
                let stats = bins.cyclic_windows(w, abs);
                for (b, s) in stats.iter().enumerate() {
                    let mut vals: Vec<f64> = Vec::new();
                    for o in -(w as i64)..=w as i64 {
                        let bin = bins.bin((b as i64 + o).rem_euclid(p as i64) as usize);
                        vals.extend(bin.iter().map(|&v| if abs { v.abs() } else { v }));
                    }
                    let sum = vals.iter().sum::<f64>();
                    let median = median_in_place(&mut vals);
                    assert_eq!(s.count, vals.len());
                    assert_eq!(s.sum.to_bits(), sum.to_bits());
                    assert_eq!(s.median.to_bits(), median.to_bits(), "p {p} w {w} bin {b}");
                }
            }
        }
    }

    #[test]
    fn window_tracks_median_and_evicts() {
        let mut w = SortedWindow::new(3);
        for v in [5.0, 1.0, f64::NAN, 3.0, 10.0] {
            w.push(v);
        }
        // Holds NaN, 3, 10.
        assert_eq!(w.len(), 2);
        assert_eq!(w.slots(), 3);
        assert_eq!(w.median(), 6.5);
        w.push(2.0);
        // Holds 3, 10, 2.
        assert_eq!(w.median(), 3.0);
        assert_eq!(w.quantile(1.0), 10.0);
    }

    /// The window as it was: remove the oldest, then insert the new value.
    fn naive_push(order: &mut VecDeque<f64>, sorted: &mut Vec<f64>, cap: usize, v: f64) {
        if order.len() == cap {
            let old = order.pop_front().unwrap();
            if old.is_finite() {
                let at = sorted.partition_point(|&x| x < old);
                sorted.remove(at);
            }
        }
        order.push_back(v);
        if v.is_finite() {
            let at = sorted.partition_point(|&x| x < v);
            sorted.insert(at, v);
        }
    }

    #[test]
    fn replacing_the_oldest_keeps_the_exact_layout() {
        // Ties, signed zeros and gaps: the sorted values must match bit for bit.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for cap in [1, 2, 3, 8, 17, 64] {
            let mut w = SortedWindow::new(cap);
            let (mut order, mut sorted) = (VecDeque::new(), Vec::new());
            for _ in 0..5000 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let v = match state % 11 {
                    0 => f64::NAN,
                    1 => 0.0,
                    2 => -0.0,
                    _ => (state >> 20) as f64 % 7.0 - 3.0,
                };
                w.push(v);
                naive_push(&mut order, &mut sorted, cap, v);
                let bits = |xs: &[f64]| xs.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&w.sorted), bits(&sorted));
            }
        }
    }
}
