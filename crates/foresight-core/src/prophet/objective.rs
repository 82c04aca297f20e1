//! Prophet's Stan model (`prophet.stan` in augurs-prophet) as a differentiable objective.
//!
//! The objective is the negative log posterior Stan's `optimize` maximises: constants dropped
//! (Stan's `~` statements drop them), `sigma_obs` on the log scale (its unconstrained
//! parameterisation) and no Jacobian term. Parameters are packed as
//! `[k, m, ln sigma_obs, delta[0..S], beta[0..K]]`.

use augurs_prophet::{optimizer::Data, TrendIndicator};
use std::cell::RefCell;

use ndarray::{Array1, Array2, ArrayView1};

/// Smallest `sigma_obs` the objective lets the optimiser reach. A series the model fits
/// exactly (a constant, a straight line) has its posterior mode at sigma_obs = 0 with an
/// unbounded density; flooring sigma keeps the optimum finite without touching real fits
/// (whose sigma is many orders of magnitude larger on Prophet's scaled data).
pub(crate) const LN_SIGMA_MIN: f64 = -23.0; // sigma >= 1e-10

/// Position of the first `delta` and `beta` in the packed parameter vector.
pub(crate) const DELTA0: usize = 3;

/// The data of one Stan fit, prepared for fast repeated evaluation.
#[derive(Debug, Clone)]
pub(crate) struct Objective {
    pub(crate) n: usize,
    pub(crate) s: usize,
    pub(crate) k: usize,
    y: Array1<f64>,
    t: Array1<f64>,
    cap: Array1<f64>,
    t_change: Vec<f64>,
    /// For each row, how many changepoints are at or before its time (its trend segment).
    segment: Vec<usize>,
    /// X restricted to additive and to multiplicative features (`X .* s_a`, `X .* s_m`),
    /// dense columns only when `dense` lists them (positions in `beta`), all columns when
    /// it is `None`.
    /// Column-major, `n` rows each (the dense columns).
    x_add: Vec<f64>,
    x_mul: Option<Vec<f64>>,
    kd: usize,
    dense: Option<Vec<usize>>,
    /// Mostly-zero columns (holiday days: one to a few rows each), kept as row lists so that
    /// a fit with hundreds of holiday features does not pay for their zeros.
    sparse: Vec<SparseColumn>,
    inv_sigma2_beta: Vec<f64>,
    tau: f64,
    trend: TrendIndicator,
    /// Canonical column order: position `p` of `beta` here is column `col_order[p]` of the
    /// caller's X. augurs-prophet orders features by hash-map iteration, which changes from
    /// run to run; sorting columns by content makes the optimiser's path, hence the fit,
    /// reproducible.
    pub(crate) col_order: Vec<usize>,
    /// Work buffers of `value_grad`, kept between calls so that an evaluation allocates
    /// nothing.
    scratch: RefCell<Scratch>,
    /// Sufficient statistics, when the model allows them and they were asked for: then
    /// `value_grad` costs O(S·K + K²) instead of O(T·K).
    #[cfg(feature = "comparison-engines")]
    gram: Option<Gram>,
}

/// Sufficient statistics of a linear (or flat) trend with additive features. The trend is
/// `rate_c t + offset_c` on segment c (rate 0 and offset m when flat), so every sum over rows the likelihood and its gradient
/// need is a combination of these per-segment sums, computed once per fit.
#[cfg(feature = "comparison-engines")]
#[derive(Debug, Clone)]
struct Gram {
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

/// Per-row buffers of one objective evaluation.
#[derive(Debug, Clone, Default)]
struct Scratch {
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
}

/// One mostly-zero feature column: its position in `beta`, its non-zero rows and its values
/// masked by `s_a` and by `s_m`.
#[derive(Debug, Clone)]
struct SparseColumn {
    pos: usize,
    rows: Vec<usize>,
    add: Vec<f64>,
    mul: Vec<f64>,
}

/// A column with at most one non-zero row in this many is stored sparse.
const SPARSE_RATIO: usize = 8;

impl Objective {
    #[cfg(test)]
    pub(crate) fn new(data: &Data) -> Result<Self, String> {
        Self::with_column_hint(data, None)
    }

    /// Like [`Objective::new`], ordering X's columns as `hint` lists them (fingerprints, see
    /// [`fingerprint`]) when every column can be matched; otherwise by content.
    pub(crate) fn with_column_hint(data: &Data, hint: Option<&[f64]>) -> Result<Self, String> {
        Self::build(data, hint, true)
    }

    /// Like [`Objective::with_column_hint`], evaluating from sufficient statistics when the
    /// trend is linear and every feature additive (otherwise the same as without them). The
    /// value is the same up to rounding, not bit for bit, so the optimiser's path differs.
    #[cfg(feature = "comparison-engines")]
    pub(crate) fn with_sufficient_statistics(
        data: &Data,
        hint: Option<&[f64]>,
    ) -> Result<Self, String> {
        let mut objective = Self::build(data, hint, true)?;
        objective.gram = objective.sufficient_statistics(data);
        Ok(objective)
    }

    fn build(data: &Data, hint: Option<&[f64]>, allow_sparse: bool) -> Result<Self, String> {
        let n = usize::try_from(data.T).map_err(|_| "negative T")?;
        let k = usize::try_from(data.K).map_err(|_| "negative K")?;
        let s = usize::try_from(data.S).map_err(|_| "negative S")?;
        if data.y.len() != n || data.t.len() != n || data.cap.len() != n {
            return Err(format!(
                "y, t and cap must have T = {n} entries (got {}, {}, {})",
                data.y.len(),
                data.t.len(),
                data.cap.len()
            ));
        }
        if data.X.len() != n * k || data.sigmas.len() != k {
            return Err("X must be T x K and sigmas must have K entries".to_string());
        }
        if data.s_a.len() != k || data.s_m.len() != k || data.t_change.len() != s {
            return Err("s_a, s_m need K entries and t_change S entries".to_string());
        }
        if data
            .y
            .iter()
            .chain(&data.t)
            .chain(&data.X)
            .any(|v| !v.is_finite())
        {
            return Err("y, t and X must be finite".to_string());
        }
        if data.trend_indicator == TrendIndicator::Logistic
            && data.cap.iter().any(|c| !(c.is_finite() && *c > 0.0))
        {
            return Err("logistic growth needs a finite cap above the floor on every row".into());
        }
        if data.t_change.windows(2).any(|w| w[0] > w[1]) {
            return Err("changepoints must be sorted".to_string());
        }
        let x = Array2::from_shape_vec((n, k), data.X.clone()).map_err(|e| e.to_string())?;
        let mut col_order: Vec<usize> = (0..k).collect();
        col_order.sort_by(|&a, &b| {
            let key = |j: usize| (data.s_m[j], *data.sigmas[j]);
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
        });
        if let Some(order) = hint.and_then(|h| match_columns(&x, h)) {
            col_order = order;
        }
        let x = x.select(ndarray::Axis(1), &col_order);
        let s_a: Vec<i32> = col_order.iter().map(|&j| data.s_a[j]).collect();
        let s_m: Vec<i32> = col_order.iter().map(|&j| data.s_m[j]).collect();
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
        let segment = data
            .t
            .iter()
            .map(|&ti| data.t_change.partition_point(|&c| c <= ti))
            .collect();
        Ok(Self {
            n,
            s,
            k,
            y: Array1::from(data.y.clone()),
            t: Array1::from(data.t.clone()),
            cap: Array1::from(data.cap.clone()),
            t_change: data.t_change.clone(),
            segment,
            x_add,
            x_mul,
            kd,
            dense,
            sparse,
            inv_sigma2_beta: col_order
                .iter()
                .map(|&j| 1.0 / (*data.sigmas[j] * *data.sigmas[j]))
                .collect(),
            col_order,
            tau: *data.tau,
            trend: data.trend_indicator,
            scratch: RefCell::new(Scratch::default()),
            #[cfg(feature = "comparison-engines")]
            gram: None,
        })
    }

    /// The sufficient statistics of a linear or flat, all-additive model (`None` for other
    /// models).
    #[cfg(feature = "comparison-engines")]
    fn sufficient_statistics(&self, data: &Data) -> Option<Gram> {
        if self.trend == TrendIndicator::Logistic || self.x_mul.is_some() {
            return None;
        }
        let (n, k, s) = (self.n, self.k, self.s);
        let kk = usize::try_from(data.K).ok()?;
        // X in beta order, row-major, additive mask applied.
        let mut x = vec![0.0; n * k];
        for (p, &j) in self.col_order.iter().enumerate() {
            let w = f64::from(data.s_a[j] != 0);
            for i in 0..n {
                x[i * k + p] = data.X[i * kk + j] * w;
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
            let (y, t, c) = (self.y[i], self.t[i], self.segment[i]);
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
        Some(Gram {
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

    /// [`Objective::value_grad`] from the sufficient statistics: with r = y - trend - Xβ,
    /// r'r = y'y + trend'trend + β'X'Xβ - 2 y'trend - 2 β'X'y + 2 β'X'trend, and the
    /// gradient's sums X'r and per-segment sums of r and r·t expand the same way.
    ///
    /// `None` when r'r is so small against the terms it is the difference of that rounding
    /// would dominate it (a nearly exact fit, where sigma_obs heads for its floor): the caller
    /// evaluates row by row then.
    #[cfg(feature = "comparison-engines")]
    fn value_grad_gram(&self, gm: &Gram, theta: &[f64], grad: &mut [f64]) -> Option<f64> {
        let (k, m) = (theta[0], theta[1]);
        let ln_sigma = theta[2].max(LN_SIGMA_MIN);
        let sigma = ln_sigma.exp();
        let delta = &theta[DELTA0..DELTA0 + self.s];
        let beta = &theta[DELTA0 + self.s..];
        let kk = self.k;
        let flat = self.trend == TrendIndicator::Flat;
        let (rate, off) = if flat {
            (vec![0.0; self.s + 1], vec![m; self.s + 1])
        } else {
            self.linear_segments(k, m, delta)
        };
        // X'trend, trend'trend and y'trend, segment by segment.
        let mut xtr = vec![0.0; kk];
        let mut tt = 0.0;
        let mut ytr = 0.0;
        for c in 0..=self.s {
            let (r, o) = (rate[c], off[c]);
            let (sxt, sx) = (&gm.sxt[c * kk..(c + 1) * kk], &gm.sx[c * kk..(c + 1) * kk]);
            for ((x, a), b) in xtr.iter_mut().zip(sxt).zip(sx) {
                *x += r * a + o * b;
            }
            tt += r * r * gm.stt[c] + 2.0 * r * o * gm.st[c] + o * o * gm.nc[c];
            ytr += r * gm.syt[c] + o * gm.sy[c];
        }
        let gb: Vec<f64> =
            gm.g.chunks_exact(kk.max(1))
                .take(kk)
                .map(|row| row.iter().zip(beta).map(|(x, b)| x * b).sum())
                .collect();
        let bgb: f64 = beta.iter().zip(&gb).map(|(b, v)| b * v).sum();
        let bxy: f64 = beta.iter().zip(&gm.xy).map(|(b, v)| b * v).sum();
        let bxtr: f64 = beta.iter().zip(&xtr).map(|(b, v)| b * v).sum();
        let sse = gm.yy + tt + bgb - 2.0 * ytr - 2.0 * bxy + 2.0 * bxtr;
        if sse.is_nan() || sse <= 1e-9 * (gm.yy + tt + bgb) {
            return None;
        }
        let inv_var = 1.0 / (sigma * sigma);
        let nf = self.n as f64;
        let mut f = 0.5 * (k * k + m * m) / 25.0
            + delta.iter().map(|d| d.abs()).sum::<f64>() / self.tau
            + 0.5 * sigma * sigma / 0.25
            + 0.5
                * beta
                    .iter()
                    .zip(&self.inv_sigma2_beta)
                    .map(|(b, w)| b * b * w)
                    .sum::<f64>();
        f += nf * ln_sigma + 0.5 * sse * inv_var;
        grad.fill(0.0);
        for a in 0..kk {
            let xte = (gm.xy[a] - xtr[a] - gb[a]) * inv_var;
            grad[DELTA0 + self.s + a] = beta[a] * self.inv_sigma2_beta[a] - xte;
        }
        grad[2] = if theta[2] > LN_SIGMA_MIN {
            sigma * sigma / 0.25 + nf - sse * inv_var
        } else {
            0.0
        };
        grad[0] = k / 25.0;
        grad[1] = m / 25.0;
        for j in 0..self.s {
            grad[DELTA0 + j] = sign(delta[j]) / self.tau;
        }
        let mut sum_g = vec![0.0; self.s + 1];
        let mut sum_gt = vec![0.0; self.s + 1];
        for c in 0..=self.s {
            let (r, o) = (rate[c], off[c]);
            let sxb: f64 = gm.sx[c * kk..(c + 1) * kk]
                .iter()
                .zip(beta)
                .map(|(x, b)| x * b)
                .sum();
            let sxtb: f64 = gm.sxt[c * kk..(c + 1) * kk]
                .iter()
                .zip(beta)
                .map(|(x, b)| x * b)
                .sum();
            sum_g[c] = (gm.sy[c] - r * gm.st[c] - o * gm.nc[c] - sxb) * inv_var;
            sum_gt[c] = (gm.syt[c] - r * gm.stt[c] - o * gm.st[c] - sxtb) * inv_var;
        }
        if flat {
            grad[1] -= sum_g.iter().sum::<f64>();
            return Some(f);
        }
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
        Some(f)
    }

    pub(crate) fn dim(&self) -> usize {
        DELTA0 + self.s + self.k
    }

    /// The trend at every row for the packed parameters.
    pub(crate) fn trend(&self, theta: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.n);
        self.trend_into(theta, &mut out);
        out
    }

    /// [`Objective::trend`] into a reused buffer.
    fn trend_into(&self, theta: &[f64], out: &mut Vec<f64>) {
        let (k, m) = (theta[0], theta[1]);
        let delta = &theta[DELTA0..DELTA0 + self.s];
        out.clear();
        match self.trend {
            TrendIndicator::Flat => out.resize(self.n, m),
            TrendIndicator::Linear => {
                let (rate, offset) = self.linear_segments(k, m, delta);
                out.extend(
                    (0..self.n)
                        .map(|i| rate[self.segment[i]] * self.t[i] + offset[self.segment[i]]),
                );
            }
            TrendIndicator::Logistic => {
                let (rate, m_pr) = self.logistic_segments(k, m, delta);
                out.extend((0..self.n).map(|i| {
                    let c = self.segment[i];
                    self.cap[i] * sigmoid(rate[c] * (self.t[i] - m_pr[c]))
                }));
            }
        }
    }

    /// Rate and offset of each linear segment: `k + A·delta` and `m - A·(t_change .* delta)`.
    fn linear_segments(&self, k: f64, m: f64, delta: &[f64]) -> (Vec<f64>, Vec<f64>) {
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
    fn logistic_segments(&self, k: f64, m: f64, delta: &[f64]) -> (Vec<f64>, Vec<f64>) {
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
    /// bit for bit that of [`Objective::value_grad_ndarray`]: on Prophet's flat posteriors the
    /// optimiser's path, hence the fit, depends on the last bits.
    pub(crate) fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        #[cfg(feature = "comparison-engines")]
        if let Some(f) = self
            .gram
            .as_ref()
            .and_then(|gm| self.value_grad_gram(gm, theta, grad))
        {
            return f;
        }
        debug_assert_eq!(theta.len(), self.dim());
        debug_assert_eq!(grad.len(), self.dim());
        let (k, m) = (theta[0], theta[1]);
        let ln_sigma = theta[2].max(LN_SIGMA_MIN);
        let sigma = ln_sigma.exp();
        let delta = &theta[DELTA0..DELTA0 + self.s];
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
        } = &mut *scratch;
        self.trend_into(theta, trend);
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
        let nf = n as f64;

        // Priors: k, m ~ N(0, 5); delta ~ Laplace(0, tau); sigma ~ N(0, 0.5); beta ~ N(0, sigmas).
        let mut f = 0.5 * (k * k + m * m) / 25.0
            + delta.iter().map(|d| d.abs()).sum::<f64>() / self.tau
            + 0.5 * sigma * sigma / 0.25
            + 0.5
                * beta
                    .iter()
                    .zip(&self.inv_sigma2_beta)
                    .map(|(b, w)| b * b * w)
                    .sum::<f64>();
        // Likelihood: y ~ N(mu, sigma).
        f += nf * ln_sigma + 0.5 * sse * inv_var;

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
        // d f / d ln sigma (zero below the floor, where sigma no longer moves).
        grad[2] = if theta[2] > LN_SIGMA_MIN {
            sigma * sigma / 0.25 + nf - sse * inv_var
        } else {
            0.0
        };
        grad[0] = k / 25.0;
        grad[1] = m / 25.0;
        for j in 0..self.s {
            grad[DELTA0 + j] = sign(delta[j]) / self.tau;
        }
        // The trend's chain rule, accumulated per segment (rows share a segment's rate and
        // offset), so the cost is O(T + S) whatever the number of changepoints.
        let g_trend = ArrayView1::from(&g_trend[..]);
        match self.trend {
            TrendIndicator::Flat => grad[1] -= g_trend.sum(),
            TrendIndicator::Linear => self.linear_grad(g_trend, grad),
            TrendIndicator::Logistic => self.logistic_grad(theta, g_trend, grad),
        }
        f
    }

    /// The straightforward ndarray formulation of [`Objective::value_grad`] (its previous
    /// implementation), kept to check that the fused one gives bit-identical results.
    #[cfg(test)]
    pub(crate) fn value_grad_ndarray(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        debug_assert_eq!(theta.len(), self.dim());
        debug_assert_eq!(grad.len(), self.dim());
        let (k, m) = (theta[0], theta[1]);
        let ln_sigma = theta[2].max(LN_SIGMA_MIN);
        let sigma = ln_sigma.exp();
        let delta = &theta[DELTA0..DELTA0 + self.s];
        let beta = ArrayView1::from(&theta[DELTA0 + self.s..]);

        let trend = Array1::from(self.trend(theta));
        let beta_dense = self
            .dense
            .as_ref()
            .map(|idx| Array1::from_iter(idx.iter().map(|&p| beta[p])));
        let bd = beta_dense.as_ref().map_or(beta, |b| b.view());
        use ndarray::ShapeBuilder;
        let shape = (self.n, self.kd).f();
        let x_add = ndarray::ArrayView2::from_shape(shape, &self.x_add).unwrap();
        let x_mul = self
            .x_mul
            .as_ref()
            .map(|x| ndarray::ArrayView2::from_shape(shape, x).unwrap());
        let mut add = x_add.dot(&bd);
        let mut mul = x_mul.as_ref().map(|x| x.dot(&bd));
        for c in &self.sparse {
            let b = beta[c.pos];
            for (j, &r) in c.rows.iter().enumerate() {
                add[r] += c.add[j] * b;
            }
            if let Some(mul) = &mut mul {
                for (j, &r) in c.rows.iter().enumerate() {
                    mul[r] += c.mul[j] * b;
                }
            }
        }
        let mut mu = &trend + &add;
        if let Some(mul) = &mul {
            mu += &(&trend * mul);
        }
        let resid = &self.y - &mu;
        let sse = resid.dot(&resid);
        let inv_var = 1.0 / (sigma * sigma);
        let n = self.n as f64;

        // Priors: k, m ~ N(0, 5); delta ~ Laplace(0, tau); sigma ~ N(0, 0.5); beta ~ N(0, sigmas).
        let mut f = 0.5 * (k * k + m * m) / 25.0
            + delta.iter().map(|d| d.abs()).sum::<f64>() / self.tau
            + 0.5 * sigma * sigma / 0.25
            + 0.5
                * beta
                    .iter()
                    .zip(&self.inv_sigma2_beta)
                    .map(|(b, w)| b * b * w)
                    .sum::<f64>();
        // Likelihood: y ~ N(mu, sigma).
        f += n * ln_sigma + 0.5 * sse * inv_var;

        grad.fill(0.0);
        // d f / d mu_i = -e_i.
        let e = &resid * inv_var;
        // d f / d trend_i = -e_i (1 + Xm_i·beta).
        let g_trend = match &mul {
            Some(mul) => &e * &mul.mapv(|v| 1.0 + v),
            None => e.clone(),
        };
        // d f / d beta = beta / sigmas^2 - Xa' e - Xm' (e .* trend).
        let mut g_beta = x_add.t().dot(&e);
        let e_trend = x_mul.as_ref().map(|_| &e * &trend);
        if let (Some(x_mul), Some(et)) = (&x_mul, &e_trend) {
            g_beta += &x_mul.t().dot(et);
        }
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
                    if let Some(et) = &e_trend {
                        dot += c
                            .rows
                            .iter()
                            .zip(&c.mul)
                            .map(|(&r, m)| m * et[r])
                            .sum::<f64>();
                    }
                    g_all[c.pos] = beta[c.pos] * self.inv_sigma2_beta[c.pos] - dot;
                }
            }
        }
        // d f / d ln sigma (zero below the floor, where sigma no longer moves).
        grad[2] = if theta[2] > LN_SIGMA_MIN {
            sigma * sigma / 0.25 + n - sse * inv_var
        } else {
            0.0
        };
        grad[0] = k / 25.0;
        grad[1] = m / 25.0;
        for j in 0..self.s {
            grad[DELTA0 + j] = sign(delta[j]) / self.tau;
        }
        // The trend's chain rule, accumulated per segment (rows share a segment's rate and
        // offset), so the cost is O(T + S) whatever the number of changepoints.
        match self.trend {
            TrendIndicator::Flat => grad[1] -= g_trend.sum(),
            TrendIndicator::Linear => self.linear_grad(g_trend.view(), grad),
            TrendIndicator::Logistic => self.logistic_grad(theta, g_trend.view(), grad),
        }
        f
    }

    /// `g_trend` is -(d f / d trend). Adds d f / d (k, m, delta) for the linear trend.
    fn linear_grad(&self, g_trend: ArrayView1<f64>, grad: &mut [f64]) {
        // Per segment: sums of g and g*t; d trend/d rate_c = t, d trend/d offset_c = 1.
        let mut sum_g = vec![0.0; self.s + 1];
        let mut sum_gt = vec![0.0; self.s + 1];
        for i in 0..self.n {
            let c = self.segment[i];
            sum_g[c] += g_trend[i];
            sum_gt[c] += g_trend[i] * self.t[i];
        }
        // rate_c = k + sum_{j<c} delta_j; offset_c = m - sum_{j<c} t_change_j delta_j.
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

    /// Adds d f / d (k, m, delta) for the logistic trend, back-propagating through the
    /// `logistic_gamma` recursion that keeps the trend continuous at changepoints.
    fn logistic_grad(&self, theta: &[f64], g_trend: ArrayView1<f64>, grad: &mut [f64]) {
        let (k, m) = (theta[0], theta[1]);
        let delta = &theta[DELTA0..DELTA0 + self.s];
        let (rate, m_pr) = self.logistic_segments(k, m, delta);
        // h_i = d f / d z_i with trend_i = cap_i * sigmoid(z_i), z_i = rate_c (t_i - m_pr_c).
        let mut sum_h = vec![0.0; self.s + 1];
        let mut sum_ht = vec![0.0; self.s + 1];
        for i in 0..self.n {
            let c = self.segment[i];
            let p = sigmoid(rate[c] * (self.t[i] - m_pr[c]));
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

/// A one-number summary of a feature column (a fixed pseudo-random weighting of its rows),
/// to recognise columns without comparing them element by element.
pub(crate) fn fingerprint(column: impl Iterator<Item = f64>) -> f64 {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    column
        .map(|v| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let w = 0.5 + (state >> 11) as f64 / (1u64 << 53) as f64;
            w * v
        })
        .sum()
}

/// For each hinted fingerprint in turn, an unused column of `x` with that fingerprint.
fn match_columns(x: &Array2<f64>, hint: &[f64]) -> Option<Vec<usize>> {
    if hint.len() != x.ncols() {
        return None;
    }
    let prints: Vec<f64> = x
        .columns()
        .into_iter()
        .map(|c| fingerprint(c.iter().copied()))
        .collect();
    let mut used = vec![false; prints.len()];
    let mut order = Vec::with_capacity(hint.len());
    for &h in hint {
        let tol = 1e-7 * h.abs().max(1.0);
        let j = (0..prints.len()).find(|&j| !used[j] && (prints[j] - h).abs() <= tol)?;
        used[j] = true;
        order.push(j);
    }
    Some(order)
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// `sum(xs[i] * ys[i])` with ndarray's eight-way unrolled summation order (the order its
/// `dot` uses on contiguous data, which `value_grad`'s results must keep).
fn unrolled_dot(xs: &[f64], ys: &[f64]) -> f64 {
    let len = xs.len().min(ys.len());
    let (mut xs, mut ys) = (&xs[..len], &ys[..len]);
    let mut sum = 0.0;
    let mut p = [0.0f64; 8];
    while xs.len() >= 8 {
        for l in 0..8 {
            p[l] += xs[l] * ys[l];
        }
        xs = &xs[8..];
        ys = &ys[8..];
    }
    sum += p[0] + p[4];
    sum += p[1] + p[5];
    sum += p[2] + p[6];
    sum += p[3] + p[7];
    for (x, y) in xs.iter().zip(ys) {
        sum += x * y;
    }
    sum
}

/// `out[j] = sum_i x[i, j] * w[i]` for a column-major `x` of `rows` rows: one contiguous
/// unrolled dot product per column, as ndarray computes `x.t().dot(w)`.
fn column_sums(x: &[f64], rows: usize, w: &[f64], out: &mut Vec<f64>) {
    out.clear();
    if rows > 0 {
        out.extend(x.chunks_exact(rows).map(|col| unrolled_dot(col, w)));
    }
}

/// Subgradient of |x| that is zero at zero, as Stan's autodiff of `fabs` gives.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use augurs_prophet::PositiveFloat;

    /// Deterministic pseudo-random numbers in [-1, 1) (no rand dependency in tests).
    fn noise(seed: &mut u64) -> f64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((*seed >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
    }

    fn data(trend: TrendIndicator, multiplicative: bool) -> Data {
        let n = 60;
        let k = 4;
        let mut seed = 7;
        let t: Vec<f64> = (0..n).map(|i| i as f64 / (n - 1) as f64).collect();
        let y = t
            .iter()
            .map(|ti| 0.3 + 0.4 * ti + 0.05 * noise(&mut seed))
            .collect();
        let x = (0..n * k).map(|_| noise(&mut seed)).collect();
        let s_m = if multiplicative {
            vec![0, 1, 0, 1]
        } else {
            vec![0; k]
        };
        let s_a = s_m.iter().map(|m| 1 - m).collect();
        let pf = |v: f64| PositiveFloat::try_from(v).unwrap();
        Data {
            T: n as i32,
            y,
            t,
            cap: vec![1.3; n],
            S: 3,
            t_change: vec![0.2, 0.5, 0.75],
            trend_indicator: trend,
            K: k as i32,
            s_a,
            s_m,
            X: x,
            sigmas: vec![pf(10.0), pf(0.5), pf(3.0), pf(1.0)],
            tau: pf(0.05),
        }
    }

    fn check_gradient(trend: TrendIndicator, multiplicative: bool) {
        let obj = Objective::new(&data(trend, multiplicative)).unwrap();
        // Away from delta = 0, where |delta| has its kink.
        let theta = vec![0.8, 0.2, -1.7, 0.3, -0.25, 0.12, 0.1, -0.2, 0.05, 0.3];
        assert_eq!(theta.len(), obj.dim());
        let mut grad = vec![0.0; theta.len()];
        let f = obj.value_grad(&theta, &mut grad);
        assert!(f.is_finite());
        for i in 0..theta.len() {
            let h = 1e-6;
            let (mut up, mut down) = (theta.clone(), theta.clone());
            up[i] += h;
            down[i] -= h;
            let mut scratch = vec![0.0; theta.len()];
            let fd = (obj.value_grad(&up, &mut scratch) - obj.value_grad(&down, &mut scratch))
                / (2.0 * h);
            let tol = 1e-5 * fd.abs().max(1.0);
            assert!(
                (fd - grad[i]).abs() < tol,
                "{trend:?} mult={multiplicative}: d/dtheta[{i}] analytic {} vs finite difference {fd}",
                grad[i]
            );
        }
    }

    /// Holiday-like columns (a few non-zero rows) go down the sparse path; it must give the
    /// dense path's value and gradient.
    #[test]
    fn sparse_columns_match_the_dense_computation() {
        for (trend, multiplicative) in [
            (TrendIndicator::Linear, false),
            (TrendIndicator::Linear, true),
            (TrendIndicator::Logistic, true),
            (TrendIndicator::Flat, false),
        ] {
            let mut d = data(trend, multiplicative);
            let (n, k) = (d.T as usize, d.K as usize);
            // Columns 1 and 3 become indicator columns of a few days.
            for i in 0..n {
                d.X[i * k + 1] = f64::from(u8::from(i % 20 == 3));
                d.X[i * k + 3] = f64::from(u8::from(i == 10 || i == 11));
            }
            let sparse = Objective::build(&d, None, true).unwrap();
            let dense = Objective::build(&d, None, false).unwrap();
            assert_eq!(sparse.sparse.len(), 2);
            assert!(dense.sparse.is_empty() && dense.dense.is_none());
            let theta = vec![0.8, 0.2, -1.7, 0.3, -0.25, 0.12, 0.1, -0.2, 0.05, 0.3];
            let (mut gs, mut gd) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
            let fs = sparse.value_grad(&theta, &mut gs);
            let fd = dense.value_grad(&theta, &mut gd);
            assert!((fs - fd).abs() < 1e-10 * fd.abs().max(1.0), "{fs} vs {fd}");
            for (a, b) in gs.iter().zip(&gd) {
                assert!((a - b).abs() < 1e-10 * b.abs().max(1.0), "{gs:?} vs {gd:?}");
            }
        }
    }

    /// The fused evaluation must reproduce the ndarray formulation bit for bit (the fit's path
    /// on a flat posterior depends on the last bits), dense and sparse, additive and
    /// multiplicative, every trend.
    #[test]
    fn fused_evaluation_is_bit_identical_to_ndarray() {
        for (trend, multiplicative) in [
            (TrendIndicator::Linear, false),
            (TrendIndicator::Linear, true),
            (TrendIndicator::Logistic, false),
            (TrendIndicator::Logistic, true),
            (TrendIndicator::Flat, true),
        ] {
            for sparse_cols in [false, true] {
                let mut d = data(trend, multiplicative);
                let (n, k) = (d.T as usize, d.K as usize);
                if sparse_cols {
                    for i in 0..n {
                        d.X[i * k + 1] = f64::from(u8::from(i % 20 == 3));
                    }
                }
                let obj = Objective::new(&d).unwrap();
                assert_eq!(obj.sparse.len(), usize::from(sparse_cols));
                let mut seed = 11;
                for _ in 0..5 {
                    let theta: Vec<f64> = (0..obj.dim()).map(|_| noise(&mut seed)).collect();
                    let (mut g1, mut g2) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
                    let f1 = obj.value_grad(&theta, &mut g1);
                    let f2 = obj.value_grad_ndarray(&theta, &mut g2);
                    assert_eq!(f1.to_bits(), f2.to_bits(), "{trend:?} {multiplicative}");
                    for (a, b) in g1.iter().zip(&g2) {
                        assert_eq!(a.to_bits(), b.to_bits(), "{trend:?} {multiplicative}");
                    }
                }
            }
        }
    }

    /// Evaluation cost of the fused and the ndarray formulations on a Prophet-sized problem
    /// (2,905 rows, 26 features, 25 changepoints): `cargo test -p foresight-core --release
    /// --lib -- --ignored --nocapture evaluation_cost`. Prints, asserts nothing.
    #[test]
    #[ignore = "benchmark: prints evaluation times"]
    fn evaluation_cost() {
        for multiplicative in [false, true] {
            let (n, k, s): (usize, usize, usize) = (2905, 26, 25);
            let mut seed = 3;
            let base = data(TrendIndicator::Linear, multiplicative);
            let d = Data {
                T: n as i32,
                y: (0..n).map(|_| noise(&mut seed)).collect(),
                t: (0..n).map(|i| i as f64 / (n - 1) as f64).collect(),
                cap: vec![1.0; n],
                S: s as i32,
                t_change: (0..s).map(|j| 0.8 * (j + 1) as f64 / s as f64).collect(),
                K: k as i32,
                s_a: (0..k)
                    .map(|j| i32::from(!multiplicative || j % 2 == 0))
                    .collect(),
                s_m: (0..k)
                    .map(|j| i32::from(multiplicative && j % 2 == 1))
                    .collect(),
                X: (0..n * k).map(|_| noise(&mut seed)).collect(),
                sigmas: vec![base.sigmas[0]; k],
                ..base
            };
            let obj = Objective::new(&d).unwrap();
            let theta: Vec<f64> = (0..obj.dim()).map(|_| 0.1 * noise(&mut seed)).collect();
            let mut g = vec![0.0; theta.len()];
            let reps = 2000;
            let mut best = [f64::INFINITY; 2];
            for _ in 0..3 {
                let t0 = std::time::Instant::now();
                for _ in 0..reps {
                    std::hint::black_box(obj.value_grad(&theta, &mut g));
                }
                best[0] = best[0].min(t0.elapsed().as_secs_f64());
                let t0 = std::time::Instant::now();
                for _ in 0..reps {
                    std::hint::black_box(obj.value_grad_ndarray(&theta, &mut g));
                }
                best[1] = best[1].min(t0.elapsed().as_secs_f64());
            }
            eprintln!(
                "multiplicative={multiplicative}: fused {:.1} us, ndarray {:.1} us per evaluation",
                best[0] / reps as f64 * 1e6,
                best[1] / reps as f64 * 1e6
            );
        }
    }

    /// The sufficient-statistics evaluation agrees with the row-wise one (to rounding), with
    /// dense and sparse columns, and is used only for a linear, all-additive model.
    #[test]
    #[cfg(feature = "comparison-engines")]
    fn sufficient_statistics_match_the_rows() {
        for (trend, sparse_cols) in [
            (TrendIndicator::Linear, false),
            (TrendIndicator::Linear, true),
            (TrendIndicator::Flat, false),
            (TrendIndicator::Flat, true),
        ] {
            let mut d = data(trend, false);
            let (n, k) = (d.T as usize, d.K as usize);
            if sparse_cols {
                for i in 0..n {
                    d.X[i * k + 1] = f64::from(u8::from(i % 20 == 3));
                }
            }
            let rows = Objective::new(&d).unwrap();
            let gram = Objective::with_sufficient_statistics(&d, None).unwrap();
            assert!(gram.gram.is_some());
            let mut seed = 5;
            for _ in 0..5 {
                let theta: Vec<f64> = (0..rows.dim()).map(|_| noise(&mut seed)).collect();
                let (mut g1, mut g2) = (vec![0.0; theta.len()], vec![0.0; theta.len()]);
                let f1 = rows.value_grad(&theta, &mut g1);
                let f2 = gram.value_grad(&theta, &mut g2);
                assert!((f1 - f2).abs() < 1e-9 * f1.abs().max(1.0), "{f1} vs {f2}");
                for (a, b) in g1.iter().zip(&g2) {
                    assert!((a - b).abs() < 1e-8 * a.abs().max(1.0), "{g1:?} vs {g2:?}");
                }
            }
        }
        for (trend, multiplicative) in [
            (TrendIndicator::Linear, true),
            (TrendIndicator::Logistic, false),
            (TrendIndicator::Flat, true),
        ] {
            let d = data(trend, multiplicative);
            let o = Objective::with_sufficient_statistics(&d, None).unwrap();
            assert!(o.gram.is_none(), "{trend:?} {multiplicative}");
        }
    }

    #[test]
    fn gradient_matches_finite_differences_linear() {
        check_gradient(TrendIndicator::Linear, false);
        check_gradient(TrendIndicator::Linear, true);
    }

    #[test]
    fn gradient_matches_finite_differences_logistic() {
        check_gradient(TrendIndicator::Logistic, false);
        check_gradient(TrendIndicator::Logistic, true);
    }

    #[test]
    fn gradient_matches_finite_differences_flat() {
        check_gradient(TrendIndicator::Flat, false);
        check_gradient(TrendIndicator::Flat, true);
    }

    #[test]
    fn trend_matches_stan_formulas() {
        // Straight from prophet.stan: linear_trend and logistic_trend with the A matrix.
        let d = data(TrendIndicator::Logistic, false);
        let theta = vec![0.8, 0.2, -1.7, 0.3, -0.25, 0.12, 0.0, 0.0, 0.0, 0.0];
        let (k, m, delta) = (theta[0], theta[1], &theta[3..6]);
        let a = |t: f64, j: usize| f64::from(t >= d.t_change[j]);
        let mut gamma = [0.0; 3];
        let mut k_s = vec![k];
        for dj in delta {
            k_s.push(k_s.last().unwrap() + dj);
        }
        let mut m_pr = m;
        for j in 0..3 {
            gamma[j] = (d.t_change[j] - m_pr) * (1.0 - k_s[j] / k_s[j + 1]);
            m_pr += gamma[j];
        }
        let logistic = Objective::new(&d).unwrap().trend(&theta);
        let linear = Objective::new(&Data {
            trend_indicator: TrendIndicator::Linear,
            ..d.clone()
        })
        .unwrap()
        .trend(&theta);
        for (i, &t) in d.t.iter().enumerate() {
            let rate = k + (0..3).map(|j| a(t, j) * delta[j]).sum::<f64>();
            let lin = rate * t + m
                - (0..3)
                    .map(|j| a(t, j) * d.t_change[j] * delta[j])
                    .sum::<f64>();
            let off = m + (0..3).map(|j| a(t, j) * gamma[j]).sum::<f64>();
            let logi = d.cap[i] / (1.0 + (-(rate * (t - off))).exp());
            assert!((linear[i] - lin).abs() < 1e-12);
            assert!((logistic[i] - logi).abs() < 1e-12);
        }
    }
}
