//! Prophet's negative log posterior and its gradient over the prepared feature matrix: the
//! packed parameters, the trend (linear, logistic, flat) and its chain rule, the priors.

use std::cell::RefCell;

use ndarray::{Array1, Array2, ArrayView1};

use crate::columns::match_columns;
use crate::math::{column_sums, sigmoid, sign, unrolled_dot};
use crate::sort::merge_sort_by;

/// Smallest `sigma_obs` the objective lets the optimiser reach. A series the model fits
/// exactly (a constant, a straight line) has its posterior mode at sigma_obs = 0 with an
/// unbounded density; flooring sigma keeps the optimum finite without touching real fits
/// (whose sigma is many orders of magnitude larger on Prophet's scaled data).
pub const LN_SIGMA_MIN: f64 = -23.0; // sigma >= 1e-10

/// Position of the first `delta` and `beta` in the packed parameter vector.
pub const DELTA0: usize = 3;

/// Prophet's trend model (augurs-prophet's `TrendIndicator`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Linear,
    Logistic,
    Flat,
}

/// The data of one fit as augurs-prophet's Stan data lays it out (`X` row-major, T x K).
#[derive(Debug, Clone, Copy)]
pub struct Design<'a> {
    /// Rows (T), features (K) and changepoints (S).
    pub n: usize,
    pub k: usize,
    pub s: usize,
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub t: &'a [f64],
    pub cap: &'a [f64],
    /// Additive and multiplicative feature flags.
    pub s_a: &'a [i32],
    pub s_m: &'a [i32],
    /// Prior scales of beta.
    pub sigmas: &'a [f64],
    pub t_change: &'a [f64],
    /// Prior scale of delta.
    pub tau: f64,
    pub trend: Trend,
}

/// A column with at most one non-zero row in this many is stored sparse.
const SPARSE_RATIO: usize = 8;

/// The data of one Stan fit, prepared for fast repeated evaluation (rows in the caller's
/// canonical column order).
#[derive(Debug, Clone)]
pub struct Kernel {
    pub n: usize,
    pub s: usize,
    pub k: usize,
    pub y: Array1<f64>,
    pub t: Array1<f64>,
    pub cap: Array1<f64>,
    pub t_change: Vec<f64>,
    /// For each row, how many changepoints are at or before its time (its trend segment).
    pub segment: Vec<usize>,
    /// X restricted to additive and to multiplicative features (`X .* s_a`, `X .* s_m`),
    /// dense columns only when `dense` lists them (positions in `beta`), all columns when
    /// it is `None`.
    /// Column-major, `n` rows each (the dense columns).
    pub x_add: Vec<f64>,
    pub x_mul: Option<Vec<f64>>,
    pub kd: usize,
    pub dense: Option<Vec<usize>>,
    /// Mostly-zero columns (holiday days: one to a few rows each), kept as row lists so that
    /// a fit with hundreds of holiday features does not pay for their zeros.
    pub sparse: Vec<SparseColumn>,
    pub inv_sigma2_beta: Vec<f64>,
    pub tau: f64,
    pub trend: Trend,
    /// Work buffers of `value_grad`, kept between calls so that an evaluation allocates
    /// nothing.
    pub scratch: RefCell<Scratch>,
}

/// Per-row buffers of one objective evaluation (reused from call to call).
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    trend: Vec<f64>,
    beta_dense: Vec<f64>,
    add: Vec<f64>,
    mul: Vec<f64>,
    resid: Vec<f64>,
    e: Vec<f64>,
    g_trend: Vec<f64>,
    e_trend: Vec<f64>,
    g_add: Vec<f64>,
    g_mul: Vec<f64>,
    /// The logistic trend's sigmoid per row, kept for its gradient.
    sigmoid: Vec<f64>,
}

/// One mostly-zero feature column: its position in `beta`, its non-zero rows and its values
/// masked by `s_a` and by `s_m`.
#[derive(Debug, Clone)]
pub struct SparseColumn {
    pub pos: usize,
    pub rows: Vec<usize>,
    pub add: Vec<f64>,
    pub mul: Vec<f64>,
}

impl Kernel {
    /// Checks and lays out the data of one fit: X's columns in a canonical order (`hint`'s,
    /// fingerprints as [`crate::fingerprint`] computes them, when every column can be matched;
    /// otherwise by content), column-major, masked into additive and multiplicative parts,
    /// mostly-zero columns kept as row lists when `allow_sparse`. Returns the kernel and the
    /// order: position `p` of `beta` in the kernel is column `order[p]` of `X`.
    #[inline(never)]
    pub fn new(
        d: &Design,
        hint: Option<&[f64]>,
        allow_sparse: bool,
    ) -> Result<(Self, Vec<usize>), String> {
        let (n, k, s) = (d.n, d.k, d.s);
        if d.y.len() != n || d.t.len() != n || d.cap.len() != n {
            return Err(format!(
                "y, t and cap must have T = {n} entries (got {}, {}, {})",
                d.y.len(),
                d.t.len(),
                d.cap.len()
            ));
        }
        if d.x.len() != n * k || d.sigmas.len() != k {
            return Err("X must be T x K and sigmas must have K entries".to_string());
        }
        if d.s_a.len() != k || d.s_m.len() != k || d.t_change.len() != s {
            return Err("s_a, s_m need K entries and t_change S entries".to_string());
        }
        if d.y.iter().chain(d.t).chain(d.x).any(|v| !v.is_finite()) {
            return Err("y, t and X must be finite".to_string());
        }
        if d.trend == Trend::Logistic && d.cap.iter().any(|c| !(c.is_finite() && *c > 0.0)) {
            return Err("logistic growth needs a finite cap above the floor on every row".into());
        }
        if d.t_change.windows(2).any(|w| w[0] > w[1]) {
            return Err("changepoints must be sorted".to_string());
        }
        let x = Array2::from_shape_vec((n, k), d.x.to_vec()).map_err(|e| e.to_string())?;
        let mut col_order: Vec<usize> = (0..k).collect();
        merge_sort_by(&mut col_order, |&a, &b| {
            let key = |j: usize| (d.s_m[j], d.sigmas[j]);
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0)
                .then(ka.1.total_cmp(&kb.1))
                .then_with(|| {
                    x.column(a)
                        .iter()
                        .zip(x.column(b))
                        .map(|(u, v)| u.total_cmp(v))
                        .find(|o| o.is_ne())
                        .unwrap_or(std::cmp::Ordering::Equal)
                })
                .then(a.cmp(&b))
                .is_le()
        });
        if let Some(order) = hint.and_then(|h| match_columns(&x, h)) {
            col_order = order;
        }
        let x = x.select(ndarray::Axis(1), &col_order);
        let s_a: Vec<i32> = col_order.iter().map(|&j| d.s_a[j]).collect();
        let s_m: Vec<i32> = col_order.iter().map(|&j| d.s_m[j]).collect();
        let mask = |flags: &[i32]| Array1::from_iter(flags.iter().map(|&f| f64::from(f != 0)));
        let has_mul = s_m.iter().any(|&f| f != 0);
        let is_sparse: Vec<bool> = x
            .columns()
            .into_iter()
            .map(|c| {
                allow_sparse
                    && n >= 4 * SPARSE_RATIO
                    && c.iter().filter(|v| **v != 0.0).count() * SPARSE_RATIO <= n
            })
            .collect();
        let (x_add, x_mul, dense, sparse) = if is_sparse.iter().any(|&b| b) {
            let dense: Vec<usize> = (0..k).filter(|&p| !is_sparse[p]).collect();
            let xd = x.select(ndarray::Axis(1), &dense);
            let flags = |f: &[i32]| dense.iter().map(|&p| f[p]).collect::<Vec<_>>();
            let x_add = &xd * &mask(&flags(&s_a));
            let x_mul = has_mul.then(|| &xd * &mask(&flags(&s_m)));
            let sparse = (0..k)
                .filter(|&p| is_sparse[p])
                .map(|p| {
                    let col = x.column(p);
                    let rows: Vec<usize> = (0..n).filter(|&i| col[i] != 0.0).collect();
                    let masked = |f: i32| {
                        let w = f64::from(f != 0);
                        rows.iter().map(|&i| col[i] * w).collect()
                    };
                    SparseColumn {
                        pos: p,
                        add: masked(s_a[p]),
                        mul: masked(s_m[p]),
                        rows,
                    }
                })
                .collect();
            (x_add, x_mul, Some(dense), sparse)
        } else {
            let x_add = &x * &mask(&s_a);
            let x_mul = has_mul.then(|| &x * &mask(&s_m));
            (x_add, x_mul, None, Vec::new())
        };
        // Column-major storage (the layout `select` leaves, which `value_grad` walks).
        let kd = x_add.ncols();
        let x_add = x_add.t().as_standard_layout().iter().copied().collect();
        let x_mul = x_mul.map(|x| x.t().as_standard_layout().iter().copied().collect());
        let segment =
            d.t.iter()
                .map(|&ti| d.t_change.partition_point(|&c| c <= ti))
                .collect();
        let kernel = Kernel {
            n,
            s,
            k,
            y: Array1::from(d.y.to_vec()),
            t: Array1::from(d.t.to_vec()),
            cap: Array1::from(d.cap.to_vec()),
            t_change: d.t_change.to_vec(),
            segment,
            x_add,
            x_mul,
            kd,
            dense,
            sparse,
            inv_sigma2_beta: col_order
                .iter()
                .map(|&j| 1.0 / (d.sigmas[j] * d.sigmas[j]))
                .collect(),
            tau: d.tau,
            trend: d.trend,
            scratch: Default::default(),
        };
        Ok((kernel, col_order))
    }

    /// Length of the packed parameter vector.
    pub fn dim(&self) -> usize {
        DELTA0 + self.s + self.k
    }

    /// The trend at every row for the packed parameters.
    pub fn trend(&self, theta: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.n);
        self.trend_into(theta, &mut out);
        out
    }

    /// [`Kernel::trend`] into a reused buffer.
    pub fn trend_into(&self, theta: &[f64], out: &mut Vec<f64>) {
        let (k, m) = (theta[0], theta[1]);
        let delta = &theta[DELTA0..DELTA0 + self.s];
        out.clear();
        match self.trend {
            Trend::Flat => out.resize(self.n, m),
            Trend::Linear => {
                let (rate, offset) = self.linear_segments(k, m, delta);
                out.extend(
                    (0..self.n)
                        .map(|i| rate[self.segment[i]] * self.t[i] + offset[self.segment[i]]),
                );
            }
            Trend::Logistic => {
                let (rate, m_pr) = self.logistic_segments(k, m, delta);
                out.extend((0..self.n).map(|i| {
                    let c = self.segment[i];
                    self.cap[i] * sigmoid(rate[c] * (self.t[i] - m_pr[c]))
                }));
            }
        }
    }

    /// Rate and offset of each linear segment: `k + A·delta` and `m - A·(t_change .* delta)`.
    pub fn linear_segments(&self, k: f64, m: f64, delta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut rate = Vec::with_capacity(self.s + 1);
        let mut offset = Vec::with_capacity(self.s + 1);
        rate.push(k);
        offset.push(m);
        for j in 0..self.s {
            rate.push(rate[j] + delta[j]);
            offset.push(offset[j] - self.t_change[j] * delta[j]);
        }
        (rate, offset)
    }

    /// Rate `k_s` and offset `m_pr` of each logistic segment, as `logistic_gamma` builds them.
    pub fn logistic_segments(&self, k: f64, m: f64, delta: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut rate = Vec::with_capacity(self.s + 1);
        let mut m_pr = Vec::with_capacity(self.s + 1);
        rate.push(k);
        m_pr.push(m);
        for j in 0..self.s {
            rate.push(rate[j] + delta[j]);
            let gamma = (self.t_change[j] - m_pr[j]) * (1.0 - rate[j] / rate[j + 1]);
            m_pr.push(m_pr[j] + gamma);
        }
        (rate, m_pr)
    }

    /// Negative log posterior and its gradient with respect to the packed parameters.
    ///
    /// One pass over the rows for the forward products and one for the gradient's, no
    /// allocation. Every sum is taken in the same order as ndarray's products took it before
    /// (eight-way unrolled row dot products, column sums in row order), so the result is
    /// bit for bit that of the ndarray formulation kept in foresight-core's tests
    /// (`value_grad_ndarray`): on Prophet's flat posteriors the optimiser's path, hence the
    /// fit, depends on the last bits. One function of about 130 lines on purpose: it is the
    /// fit's hot loop, its two passes share the scratch buffers, and pieces of it would leave
    /// their inlining, hence the fit's speed in wasm, to the compiler.
    #[inline(never)]
    pub fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        debug_assert_eq!(theta.len(), self.dim());
        debug_assert_eq!(grad.len(), self.dim());
        let sigma = theta[2].max(LN_SIGMA_MIN).exp();
        let beta = &theta[DELTA0 + self.s..];
        let n = self.n;
        debug_assert_eq!(self.x_add.len(), n * self.kd);

        let mut scratch = self.scratch.borrow_mut();
        let Scratch {
            trend,
            beta_dense,
            add,
            mul,
            resid,
            e,
            g_trend,
            e_trend,
            g_add,
            g_mul,
            sigmoid: sig,
        } = &mut *scratch;
        if self.trend == Trend::Logistic {
            self.logistic_trend_into(theta, trend, sig);
        } else {
            self.trend_into(theta, trend);
        }
        beta_dense.clear();
        match &self.dense {
            Some(idx) => beta_dense.extend(idx.iter().map(|&p| beta[p])),
            None => beta_dense.extend_from_slice(beta),
        }
        let bd = &beta_dense[..];
        // X·beta summed over the columns in order for each row (ndarray's strided row dot).
        let row_products = |x: &[f64], out: &mut Vec<f64>| {
            out.clear();
            out.resize(n, 0.0);
            if n == 0 {
                return;
            }
            for (col, &b) in x.chunks_exact(n).zip(bd) {
                for (o, &v) in out.iter_mut().zip(col) {
                    *o += v * b;
                }
            }
        };
        row_products(&self.x_add, add);
        let has_mul = self.x_mul.is_some();
        if let Some(x_mul) = &self.x_mul {
            row_products(x_mul, mul);
        }
        for c in &self.sparse {
            let b = beta[c.pos];
            for (j, &r) in c.rows.iter().enumerate() {
                add[r] += c.add[j] * b;
            }
            if has_mul {
                for (j, &r) in c.rows.iter().enumerate() {
                    mul[r] += c.mul[j] * b;
                }
            }
        }
        resid.clear();
        if has_mul {
            resid.extend((0..n).map(|i| self.y[i] - ((trend[i] + add[i]) + trend[i] * mul[i])));
        } else {
            resid.extend((0..n).map(|i| self.y[i] - (trend[i] + add[i])));
        }
        let sse = unrolled_dot(resid, resid);
        let inv_var = 1.0 / (sigma * sigma);
        let f = self.log_posterior(theta, sse);

        grad.fill(0.0);
        // d f / d mu_i = -e_i.
        e.clear();
        e.extend(resid.iter().map(|r| r * inv_var));
        // d f / d trend_i = -e_i (1 + Xm_i·beta).
        g_trend.clear();
        if has_mul {
            g_trend.extend(e.iter().zip(mul.iter()).map(|(e, v)| e * (1.0 + v)));
            e_trend.clear();
            e_trend.extend(e.iter().zip(trend.iter()).map(|(e, t)| e * t));
        } else {
            g_trend.extend_from_slice(e);
        }
        // d f / d beta = beta / sigmas^2 - Xa' e - Xm' (e .* trend).
        column_sums(&self.x_add, n, e, g_add);
        if let Some(x_mul) = &self.x_mul {
            column_sums(x_mul, n, e_trend, g_mul);
            for (a, b) in g_add.iter_mut().zip(g_mul.iter()) {
                *a += b;
            }
        }
        let g_beta = &g_add[..];
        let g_all = &mut grad[DELTA0 + self.s..];
        match &self.dense {
            None => {
                for (j, g) in g_all.iter_mut().enumerate() {
                    *g = beta[j] * self.inv_sigma2_beta[j] - g_beta[j];
                }
            }
            Some(idx) => {
                for (q, &p) in idx.iter().enumerate() {
                    g_all[p] = beta[p] * self.inv_sigma2_beta[p] - g_beta[q];
                }
                for c in &self.sparse {
                    let mut dot: f64 = c.rows.iter().zip(&c.add).map(|(&r, a)| a * e[r]).sum();
                    if has_mul {
                        dot += c
                            .rows
                            .iter()
                            .zip(&c.mul)
                            .map(|(&r, m)| m * e_trend[r])
                            .sum::<f64>();
                    }
                    g_all[c.pos] = beta[c.pos] * self.inv_sigma2_beta[c.pos] - dot;
                }
            }
        }
        self.prior_and_sigma_grad(theta, sse, grad);
        // The trend's chain rule, accumulated per segment (rows share a segment's rate and
        // offset), so the cost is O(T + S) whatever the number of changepoints.
        let g_trend = ArrayView1::from(&g_trend[..]);
        match self.trend {
            Trend::Flat => grad[1] -= g_trend.sum(),
            Trend::Linear => self.linear_grad(g_trend, grad),
            Trend::Logistic => self.logistic_grad_from(theta, sig, g_trend, grad),
        }
        f
    }

    /// `g_trend` is -(d f / d trend). Adds d f / d (k, m, delta) for the linear trend.
    pub fn linear_grad(&self, g_trend: ArrayView1<f64>, grad: &mut [f64]) {
        // Per segment: sums of g and g*t; d trend/d rate_c = t, d trend/d offset_c = 1.
        let mut sum_g = vec![0.0; self.s + 1];
        let mut sum_gt = vec![0.0; self.s + 1];
        for i in 0..self.n {
            let c = self.segment[i];
            sum_g[c] += g_trend[i];
            sum_gt[c] += g_trend[i] * self.t[i];
        }
        self.linear_trend_chain(&sum_g, &sum_gt, grad);
    }

    /// Adds d f / d (k, m, delta) of a linear trend from the per-segment sums of -(d f /
    /// d trend) and of it times t: rate_c = k + sum_{j<c} delta_j and
    /// offset_c = m - sum_{j<c} t_change_j delta_j.
    pub fn linear_trend_chain(&self, sum_g: &[f64], sum_gt: &[f64], grad: &mut [f64]) {
        let (mut tail_g, mut tail_gt) = (0.0, 0.0);
        for c in (1..=self.s).rev() {
            tail_g += sum_g[c];
            tail_gt += sum_gt[c];
            grad[DELTA0 + c - 1] -= tail_gt - self.t_change[c - 1] * tail_g;
        }
        tail_g += sum_g[0];
        tail_gt += sum_gt[0];
        grad[0] -= tail_gt;
        grad[1] -= tail_g;
    }

    /// The negative log posterior given the residual sum of squares: priors k, m ~ N(0, 5),
    /// delta ~ Laplace(0, tau), sigma ~ N(0, 0.5), beta ~ N(0, sigmas), then the likelihood
    /// y ~ N(mu, sigma) (constants dropped, as Stan's `~` drops them).
    pub fn log_posterior(&self, theta: &[f64], sse: f64) -> f64 {
        let (k, m) = (theta[0], theta[1]);
        let ln_sigma = theta[2].max(LN_SIGMA_MIN);
        let sigma = ln_sigma.exp();
        let delta = &theta[DELTA0..DELTA0 + self.s];
        let beta = &theta[DELTA0 + self.s..];
        let inv_var = 1.0 / (sigma * sigma);
        let mut f = 0.5 * (k * k + m * m) / 25.0
            + delta.iter().map(|d| d.abs()).sum::<f64>() / self.tau
            + 0.5 * sigma * sigma / 0.25
            + 0.5
                * beta
                    .iter()
                    .zip(&self.inv_sigma2_beta)
                    .map(|(b, w)| b * b * w)
                    .sum::<f64>();
        f += self.n as f64 * ln_sigma + 0.5 * sse * inv_var;
        f
    }

    /// Sets d f / d (k, m, ln sigma, delta) of the priors and of sigma's likelihood terms
    /// (the trend's and beta's likelihood terms are the caller's). Zero for ln sigma below its
    /// floor, where sigma no longer moves.
    pub fn prior_and_sigma_grad(&self, theta: &[f64], sse: f64, grad: &mut [f64]) {
        let sigma = theta[2].max(LN_SIGMA_MIN).exp();
        let inv_var = 1.0 / (sigma * sigma);
        grad[2] = if theta[2] > LN_SIGMA_MIN {
            sigma * sigma / 0.25 + self.n as f64 - sse * inv_var
        } else {
            0.0
        };
        grad[0] = theta[0] / 25.0;
        grad[1] = theta[1] / 25.0;
        for j in 0..self.s {
            grad[DELTA0 + j] = sign(theta[DELTA0 + j]) / self.tau;
        }
    }

    /// The logistic trend into `out` and its sigmoid per row into `sig` (one exp per row for
    /// both the value and the gradient; the same arithmetic as [`Kernel::trend_into`]).
    fn logistic_trend_into(&self, theta: &[f64], out: &mut Vec<f64>, sig: &mut Vec<f64>) {
        let delta = &theta[DELTA0..DELTA0 + self.s];
        let (rate, m_pr) = self.logistic_segments(theta[0], theta[1], delta);
        sig.clear();
        sig.extend((0..self.n).map(|i| {
            let c = self.segment[i];
            sigmoid(rate[c] * (self.t[i] - m_pr[c]))
        }));
        out.clear();
        out.extend(sig.iter().zip(&self.cap).map(|(p, cap)| cap * p));
    }

    /// Adds d f / d (k, m, delta) for the logistic trend, back-propagating through the
    /// `logistic_gamma` recursion that keeps the trend continuous at changepoints.
    pub fn logistic_grad(&self, theta: &[f64], g_trend: ArrayView1<f64>, grad: &mut [f64]) {
        let mut sig = Vec::new();
        self.logistic_trend_into(theta, &mut Vec::new(), &mut sig);
        self.logistic_grad_from(theta, &sig, g_trend, grad);
    }

    /// [`Kernel::logistic_grad`] given the trend's sigmoid per row.
    fn logistic_grad_from(
        &self,
        theta: &[f64],
        sig: &[f64],
        g_trend: ArrayView1<f64>,
        grad: &mut [f64],
    ) {
        let (k, m) = (theta[0], theta[1]);
        let delta = &theta[DELTA0..DELTA0 + self.s];
        let (rate, m_pr) = self.logistic_segments(k, m, delta);
        // h_i = d f / d z_i with trend_i = cap_i * sigmoid(z_i), z_i = rate_c (t_i - m_pr_c).
        let mut sum_h = vec![0.0; self.s + 1];
        let mut sum_ht = vec![0.0; self.s + 1];
        for i in 0..self.n {
            let c = self.segment[i];
            let p = sig[i];
            let h = -g_trend[i] * self.cap[i] * p * (1.0 - p);
            sum_h[c] += h;
            sum_ht[c] += h * self.t[i];
        }
        // Adjoints of rate_c and m_pr_c.
        let mut adj_rate: Vec<f64> = (0..=self.s)
            .map(|c| sum_ht[c] - m_pr[c] * sum_h[c])
            .collect();
        let mut adj_m: Vec<f64> = (0..=self.s).map(|c| -rate[c] * sum_h[c]).collect();
        // m_pr_{c+1} = t_c + rho_c (m_pr_c - t_c), rho_c = rate_c / rate_{c+1}.
        for c in (0..self.s).rev() {
            let rho = rate[c] / rate[c + 1];
            let d_rho = adj_m[c + 1] * (m_pr[c] - self.t_change[c]);
            adj_m[c] += rho * adj_m[c + 1];
            adj_rate[c] += d_rho / rate[c + 1];
            adj_rate[c + 1] -= d_rho * rate[c] / (rate[c + 1] * rate[c + 1]);
        }
        // rate_c = k + sum_{j<c} delta_j.
        let mut tail = 0.0;
        for c in (1..=self.s).rev() {
            tail += adj_rate[c];
            grad[DELTA0 + c - 1] += tail;
        }
        grad[0] += tail + adj_rate[0];
        grad[1] += adj_m[0];
    }
}
