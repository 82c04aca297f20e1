//! Sufficient statistics of a linear (or flat) trend with additive features: the trend is
//! `rate_c t + offset_c` on segment c (rate 0 and offset m when flat), so every sum over rows
//! the likelihood and its gradient need is a combination of per-segment sums computed once per
//! fit, and one evaluation costs O(S·K + K²) instead of O(T·K). Here, at the kernel's
//! opt-level, because the set-up (O(T·K²)) and the evaluation are a fit's hot code.

use crate::{Kernel, Trend, DELTA0, LN_SIGMA_MIN};

#[derive(Debug, Clone)]
pub struct Gram {
    /// X'X (K x K, beta order) and X'y.
    g: Vec<f64>,
    xy: Vec<f64>,
    /// Per segment (row c, K columns): sum of X_i and of X_i t_i over its rows.
    sx: Vec<f64>,
    sxt: Vec<f64>,
    /// Per segment: rows, sum t, sum t², sum y, sum y t.
    nc: Vec<f64>,
    st: Vec<f64>,
    stt: Vec<f64>,
    sy: Vec<f64>,
    syt: Vec<f64>,
    yy: f64,
}

/// r'r below this share of the terms it is the difference of is left to the row-wise
/// evaluation: rounding of order ε × terms would make the objective and its gradient noisy.
/// (1e-9 let large offsets through — y far from zero with a small spread —, where L-BFGS on
/// the noisy objective stopped far short: issue 14's fuzzer, docs/prophet.md.)
const GRAM_MIN_SSE: f64 = 1e-6;

impl Gram {
    /// The statistics of `kernel`'s model from the caller's design matrix (`data_x`, row-major,
    /// `kk` columns; `s_a` the additive mask; `col_order` beta's column order); `None` for a
    /// logistic trend or multiplicative features.
    pub fn new(
        kernel: &Kernel,
        data_x: &[f64],
        s_a: &[i32],
        col_order: &[usize],
        kk: usize,
    ) -> Option<Self> {
        if kernel.trend == Trend::Logistic || kernel.x_mul.is_some() {
            return None;
        }
        let (n, k, s) = (kernel.n, kernel.k, kernel.s);
        // X in beta order, row-major, additive mask applied.
        let mut x = vec![0.0; n * k];
        for (p, &j) in col_order.iter().enumerate() {
            let w = f64::from(s_a[j] != 0);
            for i in 0..n {
                x[i * k + p] = data_x[i * kk + j] * w;
            }
        }
        let mut g = vec![0.0; k * k];
        let mut xy = vec![0.0; k];
        let mut sx = vec![0.0; (s + 1) * k];
        let mut sxt = vec![0.0; (s + 1) * k];
        let zeros = || vec![0.0; s + 1];
        let (mut nc, mut st, mut stt, mut sy, mut syt) =
            (zeros(), zeros(), zeros(), zeros(), zeros());
        let mut yy = 0.0;
        for i in 0..n {
            let row = &x[i * k..(i + 1) * k];
            let (y, t, c) = (kernel.y[i], kernel.t[i], kernel.segment[i]);
            for a in 0..k {
                let xa = row[a];
                if xa == 0.0 {
                    continue;
                }
                // Upper triangle only; mirrored below.
                for (gab, &xb) in g[a * k + a..(a + 1) * k].iter_mut().zip(&row[a..]) {
                    *gab += xa * xb;
                }
                xy[a] += xa * y;
                sx[c * k + a] += xa;
                sxt[c * k + a] += xa * t;
            }
            nc[c] += 1.0;
            st[c] += t;
            stt[c] += t * t;
            sy[c] += y;
            syt[c] += y * t;
            yy += y * y;
        }
        for a in 0..k {
            for b in 0..a {
                g[a * k + b] = g[b * k + a];
            }
        }
        Some(Self {
            g,
            xy,
            sx,
            sxt,
            nc,
            st,
            stt,
            sy,
            syt,
            yy,
        })
    }

    /// The objective and gradient from the statistics: with r = y - trend - Xβ,
    /// r'r = y'y + trend'trend + β'X'Xβ - 2 y'trend - 2 β'X'y + 2 β'X'trend, and the
    /// gradient's sums X'r and per-segment sums of r and r·t expand the same way.
    ///
    /// `None` when r'r is so small against the terms it is the difference of that rounding
    /// would dominate it (a nearly exact fit, where sigma_obs heads for its floor): the caller
    /// evaluates row by row then.
    pub fn value_grad(&self, kernel: &Kernel, theta: &[f64], grad: &mut [f64]) -> Option<f64> {
        let (k, m) = (theta[0], theta[1]);
        let ln_sigma = theta[2].max(LN_SIGMA_MIN);
        let sigma = ln_sigma.exp();
        let delta = &theta[DELTA0..DELTA0 + kernel.s];
        let beta = &theta[DELTA0 + kernel.s..];
        let kk = kernel.k;
        let flat = kernel.trend == Trend::Flat;
        let (rate, off) = if flat {
            (vec![0.0; kernel.s + 1], vec![m; kernel.s + 1])
        } else {
            kernel.linear_segments(k, m, delta)
        };
        // X'trend, trend'trend and y'trend, segment by segment.
        let mut xtr = vec![0.0; kk];
        let mut tt = 0.0;
        let mut ytr = 0.0;
        for c in 0..=kernel.s {
            let (r, o) = (rate[c], off[c]);
            let (sxt, sx) = (
                &self.sxt[c * kk..(c + 1) * kk],
                &self.sx[c * kk..(c + 1) * kk],
            );
            for ((x, a), b) in xtr.iter_mut().zip(sxt).zip(sx) {
                *x += r * a + o * b;
            }
            tt += r * r * self.stt[c] + 2.0 * r * o * self.st[c] + o * o * self.nc[c];
            ytr += r * self.syt[c] + o * self.sy[c];
        }
        let gb: Vec<f64> = self
            .g
            .chunks_exact(kk.max(1))
            .take(kk)
            .map(|row| row.iter().zip(beta).map(|(x, b)| x * b).sum())
            .collect();
        let bgb: f64 = beta.iter().zip(&gb).map(|(b, v)| b * v).sum();
        let bxy: f64 = beta.iter().zip(&self.xy).map(|(b, v)| b * v).sum();
        let bxtr: f64 = beta.iter().zip(&xtr).map(|(b, v)| b * v).sum();
        let sse = self.yy + tt + bgb - 2.0 * ytr - 2.0 * bxy + 2.0 * bxtr;
        if sse.is_nan() || sse <= GRAM_MIN_SSE * (self.yy + tt + bgb) {
            return None;
        }
        let inv_var = 1.0 / (sigma * sigma);
        let f = kernel.log_posterior(theta, sse);
        grad.fill(0.0);
        for a in 0..kk {
            let xte = (self.xy[a] - xtr[a] - gb[a]) * inv_var;
            grad[DELTA0 + kernel.s + a] = beta[a] * kernel.inv_sigma2_beta[a] - xte;
        }
        kernel.prior_and_sigma_grad(theta, sse, grad);
        let mut sum_g = vec![0.0; kernel.s + 1];
        let mut sum_gt = vec![0.0; kernel.s + 1];
        for c in 0..=kernel.s {
            let (r, o) = (rate[c], off[c]);
            let sxb: f64 = self.sx[c * kk..(c + 1) * kk]
                .iter()
                .zip(beta)
                .map(|(x, b)| x * b)
                .sum();
            let sxtb: f64 = self.sxt[c * kk..(c + 1) * kk]
                .iter()
                .zip(beta)
                .map(|(x, b)| x * b)
                .sum();
            sum_g[c] = (self.sy[c] - r * self.st[c] - o * self.nc[c] - sxb) * inv_var;
            sum_gt[c] = (self.syt[c] - r * self.stt[c] - o * self.st[c] - sxtb) * inv_var;
        }
        if flat {
            grad[1] -= sum_g.iter().sum::<f64>();
            return Some(f);
        }
        kernel.linear_trend_chain(&sum_g, &sum_gt, grad);
        Some(f)
    }
}
