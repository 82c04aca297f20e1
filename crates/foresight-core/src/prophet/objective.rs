//! Prophet's Stan model (`prophet.stan` in augurs-prophet) as a differentiable objective.
//!
//! The objective is the negative log posterior Stan's `optimize` maximises: constants dropped
//! (Stan's `~` statements drop them), `sigma_obs` on the log scale (its unconstrained
//! parameterisation) and no Jacobian term. Parameters are packed as
//! `[k, m, ln sigma_obs, delta[0..S], beta[0..K]]`.

use augurs_prophet::{optimizer::Data, TrendIndicator};
use foresight_kernel::{Design, Gram, Kernel, Trend};
use std::ops::Deref;

#[cfg(test)]
use ndarray::{Array1, ArrayView1};

#[cfg(test)]
use foresight_kernel::sign;
pub(crate) use foresight_kernel::{DELTA0, LN_SIGMA_MIN};

/// The data of one Stan fit, prepared for fast repeated evaluation: the evaluation itself
/// ([`Kernel::value_grad`]) lives in the `foresight-kernel` crate, which the wasm build
/// optimises for speed while this crate is optimised for size.
#[derive(Debug, Clone)]
pub(crate) struct Objective {
    kernel: Kernel,
    /// Canonical column order: position `p` of `beta` here is column `col_order[p]` of the
    /// caller's X. augurs-prophet orders features by hash-map iteration, which changes from
    /// run to run; sorting columns by content makes the optimiser's path, hence the fit,
    /// reproducible.
    pub(crate) col_order: Vec<usize>,
    /// Sufficient statistics, when the model allows them and they were asked for: then
    /// `value_grad` costs O(S·K + K²) instead of O(T·K).
    gram: Option<Gram>,
}

impl Deref for Objective {
    type Target = Kernel;
    fn deref(&self) -> &Kernel {
        &self.kernel
    }
}

impl Objective {
    #[cfg(test)]
    pub(crate) fn new(data: &Data) -> Result<Self, String> {
        Self::with_column_hint(data, None)
    }

    /// Like [`Objective::new`], ordering X's columns as `hint` lists them (fingerprints, see
    /// [`foresight_kernel::fingerprint`]) when every column can be matched; otherwise by
    /// content.
    pub(crate) fn with_column_hint(data: &Data, hint: Option<&[f64]>) -> Result<Self, String> {
        Self::build(data, hint, true)
    }

    /// Like [`Objective::with_column_hint`], evaluating from sufficient statistics when the
    /// trend is linear and every feature additive (otherwise the same as without them). The
    /// value is the same up to rounding, not bit for bit, so the optimiser's path differs.
    pub(crate) fn with_sufficient_statistics(
        data: &Data,
        hint: Option<&[f64]>,
    ) -> Result<Self, String> {
        let mut objective = Self::build(data, hint, true)?;
        objective.gram = objective.sufficient_statistics(data);
        Ok(objective)
    }

    /// The sufficient statistics of this objective's model (`None` for a logistic trend or
    /// multiplicative features), for [`Objective::value_grad_from`].
    pub(crate) fn sufficient_statistics(&self, data: &Data) -> Option<Gram> {
        let kk = usize::try_from(data.K).ok()?;
        Gram::new(&self.kernel, &data.X, &data.s_a, &self.col_order, kk)
    }

    /// Whether [`Objective::value_grad`] evaluates from sufficient statistics.
    pub(crate) fn has_sufficient_statistics(&self) -> bool {
        self.gram.is_some()
    }

    /// [`Objective::value_grad`] from the given sufficient statistics (the same value up to
    /// rounding), row by row where they leave it to the rows.
    pub(crate) fn value_grad_from(&self, gram: &Gram, theta: &[f64], grad: &mut [f64]) -> f64 {
        gram.value_grad(&self.kernel, theta, grad)
            .unwrap_or_else(|| self.kernel.value_grad(theta, grad))
    }

    fn build(data: &Data, hint: Option<&[f64]>, allow_sparse: bool) -> Result<Self, String> {
        let n = usize::try_from(data.T).map_err(|_| "negative T")?;
        let k = usize::try_from(data.K).map_err(|_| "negative K")?;
        let s = usize::try_from(data.S).map_err(|_| "negative S")?;
        let sigmas: Vec<f64> = data.sigmas.iter().map(|s| **s).collect();
        let design = Design {
            n,
            k,
            s,
            x: &data.X,
            y: &data.y,
            t: &data.t,
            cap: &data.cap,
            s_a: &data.s_a,
            s_m: &data.s_m,
            sigmas: &sigmas,
            t_change: &data.t_change,
            tau: *data.tau,
            trend: match data.trend_indicator {
                TrendIndicator::Linear => Trend::Linear,
                TrendIndicator::Logistic => Trend::Logistic,
                TrendIndicator::Flat => Trend::Flat,
            },
        };
        let (kernel, col_order) = Kernel::new(&design, hint, allow_sparse)?;
        Ok(Self {
            kernel,
            col_order,
            gram: None,
        })
    }

    /// Negative log posterior and its gradient with respect to the packed parameters
    /// ([`Kernel::value_grad`], or from the sufficient statistics when they were asked for).
    pub(crate) fn value_grad(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        if let Some(f) = self
            .gram
            .as_ref()
            .and_then(|gm| gm.value_grad(&self.kernel, theta, grad))
        {
            return f;
        }
        self.kernel.value_grad(theta, grad)
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
            Trend::Flat => grad[1] -= g_trend.sum(),
            Trend::Linear => self.linear_grad(g_trend.view(), grad),
            Trend::Logistic => self.logistic_grad(theta, g_trend.view(), grad),
        }
        f
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
