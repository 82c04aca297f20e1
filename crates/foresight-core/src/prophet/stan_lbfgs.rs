//! L-BFGS as Stan's `optimize` runs it, for parity with Prophet's fits.
//!
//! Prophet's posterior is flat along several directions and has kinks (the Laplace prior on
//! changepoint deltas), so where an optimiser stops depends on its path and its stopping
//! rules, not only on the model. Following the same algorithm as Stan (CmdStan's defaults:
//! history 5, first step 1e-3 along the negative gradient, a strong-Wolfe line search with
//! cubic interpolation and step growth x10, initial steps from a cubic fit of the previous
//! step, and Stan's six termination tests) lands where Prophet lands.
//!
//! Written from the algorithm's description (Nocedal & Wright, ch. 3 and 7; Stan reference
//! manual, "Optimization"), with Stan's default constants.

use std::collections::VecDeque;

use super::stopping::Stopping;

const C1: f64 = 1e-4;
const C2: f64 = 0.9;
const MIN_ALPHA: f64 = 1e-12;
const MAX_LS_ITERS: usize = 20;
const MAX_LS_RESTARTS: usize = 10;
const MIN_RANGE: f64 = 1e-16;
const MAX_ZOOM_ITERS: usize = 1000;

/// Why the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Termination {
    AbsObjective,
    AbsGradient,
    AbsParameter,
    RelObjective,
    RelGradient,
    MaxIterations,
    LineSearchFailed,
    /// The objective fell by less than `Stopping::window_gain` over the last
    /// `Stopping::window` iterations.
    NoProgress,
}

impl Termination {
    pub(crate) fn converged(self) -> bool {
        !matches!(self, Self::MaxIterations | Self::LineSearchFailed)
    }
}

pub(crate) struct Outcome {
    pub x: Vec<f64>,
    pub f: f64,
    pub iterations: usize,
    pub termination: Termination,
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(x0: &[f64], alpha: f64, p: &[f64]) -> Vec<f64> {
    x0.iter().zip(p).map(|(x, d)| x + alpha * d).collect()
}

/// Objective value and gradient; `None` when either is not finite (a failed evaluation).
struct Func<'a, F: Fn(&[f64], &mut [f64]) -> f64> {
    f: &'a F,
}

impl<F: Fn(&[f64], &mut [f64]) -> f64> Func<'_, F> {
    fn eval(&self, x: &[f64]) -> Option<(f64, Vec<f64>)> {
        let mut g = vec![0.0; x.len()];
        let v = (self.f)(x, &mut g);
        (v.is_finite() && g.iter().all(|v| v.is_finite())).then_some((v, g))
    }
}

/// Minimiser over [lo, hi] of the cubic through (0, 0) with slope `df0` and (x1, f1) with
/// slope `df1`, checking both ends and the interior stationary points.
fn cubic_min(df0: f64, x1: f64, f1: f64, df1: f64, lo: f64, hi: f64) -> f64 {
    let c3 = (-12.0 * f1 + 6.0 * x1 * (df0 + df1)) / (x1 * x1 * x1);
    let c2 = -(4.0 * df0 + 2.0 * df1) / x1 + 6.0 * f1 / (x1 * x1);
    let c1 = df0;
    let value = |x: f64| x * (x * (x * c3 / 3.0 + c2) / 2.0 + c1);
    let disc = (c2 * c2 - 2.0 * c1 * c3).sqrt();
    let mut best = (value(lo), lo);
    let v = value(hi);
    if v < best.0 {
        best = (v, hi);
    }
    for root in [-(c2 + disc) / c3, -(c2 - disc) / c3] {
        if lo < root && root < hi {
            let v = value(root);
            if v < best.0 {
                best = (v, root);
            }
        }
    }
    best.1
}

struct Point {
    alpha: f64,
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
}

/// Strong-Wolfe line search from `x0` along `p`, starting with step `alpha`.
fn wolfe<F: Fn(&[f64], &mut [f64]) -> f64>(
    func: &Func<F>,
    alpha: f64,
    p: &[f64],
    x0: &[f64],
    f0: f64,
    g0: &[f64],
) -> Option<Point> {
    let dfp = dot(g0, p);
    let (c1dfp, c2dfp) = (C1 * dfp, C2 * dfp);
    let (mut a_prev, mut a) = (MIN_ALPHA, alpha);
    let (mut f_prev, mut dfp_prev) = (f0, dfp);
    let (mut iters, mut restarts) = (0, 0);
    loop {
        if iters >= MAX_LS_ITERS {
            return None;
        }
        let x1 = axpy(x0, a, p);
        let Some((f1, g1)) = func.eval(&x1) else {
            if restarts >= MAX_LS_RESTARTS {
                return None;
            }
            a = 0.5 * (a_prev + a);
            restarts += 1;
            continue;
        };
        restarts = 0;
        let dfp1 = dot(&g1, p);
        // Sufficient decrease is tested against the first trial step, as Stan does.
        if f1 > f0 + alpha * c1dfp || (f1 >= f_prev && iters > 0) {
            return zoom(
                func,
                (x0, f0, c1dfp, c2dfp, p),
                (a_prev, f_prev, dfp_prev),
                (a, f1, dfp1),
            );
        }
        if dfp1.abs() <= -c2dfp {
            return Some(Point {
                alpha: a,
                x: x1,
                f: f1,
                g: g1,
            });
        }
        if dfp1 >= 0.0 {
            return zoom(
                func,
                (x0, f0, c1dfp, c2dfp, p),
                (a, f1, dfp1),
                (a_prev, f_prev, dfp_prev),
            );
        }
        a_prev = a;
        f_prev = f1;
        dfp_prev = dfp1;
        a *= 10.0;
        iters += 1;
    }
}

/// Narrows a bracket [lo, hi] (step, value, slope) to a strong-Wolfe point.
#[allow(clippy::type_complexity)]
fn zoom<F: Fn(&[f64], &mut [f64]) -> f64>(
    func: &Func<F>,
    (x0, f0, c1dfp, c2dfp, p): (&[f64], f64, f64, f64, &[f64]),
    (mut lo, mut lo_f, mut lo_d): (f64, f64, f64),
    (mut hi, mut hi_f, mut hi_d): (f64, f64, f64),
) -> Option<Point> {
    let mut it = 0;
    loop {
        it += 1;
        // Stan's only exit is the bracket collapsing; the cap is a guard against a hang that
        // bisection every fifth step makes unreachable in practice.
        if (lo - hi).abs() < MIN_RANGE || it > MAX_ZOOM_ITERS {
            return None;
        }
        let mut alpha = if it % 5 == 0 {
            0.5 * (lo + hi)
        } else {
            let d1 = lo_d + hi_d - 3.0 * (lo_f - hi_f) / (lo - hi);
            let mut d2 = (d1 * d1 - lo_d * hi_d).sqrt();
            if hi < lo {
                d2 = -d2;
            }
            let a = hi - (hi - lo) * (hi_d + d2 - d1) / (hi_d - lo_d + 2.0 * d2);
            let margin = 0.01 * (lo - hi).abs();
            if !a.is_finite() || a < lo.min(hi) + margin || a > lo.max(hi) - margin {
                0.5 * (lo + hi)
            } else {
                a
            }
        };
        let (x, f, g) = loop {
            let x = axpy(x0, alpha, p);
            if let Some((f, g)) = func.eval(&x) {
                break (x, f, g);
            }
            let prev = alpha;
            alpha = 0.5 * (alpha + lo.min(hi));
            if (lo.min(hi) - alpha).abs() < MIN_RANGE || alpha == prev {
                return None;
            }
        };
        let d = dot(&g, p);
        if f > f0 + alpha * c1dfp || f >= lo_f {
            (hi, hi_f, hi_d) = (alpha, f, d);
        } else {
            if d.abs() <= -c2dfp {
                return Some(Point { alpha, x, f, g });
            }
            if d * (hi - lo) >= 0.0 {
                (hi, hi_f, hi_d) = (lo, lo_f, lo_d);
            }
            (lo, lo_f, lo_d) = (alpha, f, d);
        }
    }
}

/// Limited-memory inverse-Hessian approximation (two-loop recursion).
struct Memory {
    size: usize,
    pairs: VecDeque<(f64, Vec<f64>, Vec<f64>)>,
    gamma: f64,
}

impl Memory {
    /// Adds a (y, s) pair; on `reset` forgets the others. Returns the scale of the initial
    /// Hessian on reset (y'y / s'y), 1 otherwise.
    fn update(&mut self, y: Vec<f64>, s: Vec<f64>, reset: bool) -> f64 {
        let sy = dot(&y, &s);
        let yy = dot(&y, &y);
        let b0 = if reset {
            self.pairs.clear();
            yy / sy
        } else {
            1.0
        };
        self.gamma = sy / yy;
        if self.pairs.len() == self.size {
            self.pairs.pop_front();
        }
        self.pairs.push_back((1.0 / sy, y, s));
        b0
    }

    fn direction(&self, g: &[f64]) -> Vec<f64> {
        let mut p: Vec<f64> = g.iter().map(|v| -v).collect();
        let mut alphas = vec![0.0; self.pairs.len()];
        for (i, (rho, y, s)) in self.pairs.iter().enumerate().rev() {
            let a = rho * dot(s, &p);
            p.iter_mut().zip(y).for_each(|(pi, yi)| *pi -= a * yi);
            alphas[i] = a;
        }
        p.iter_mut().for_each(|pi| *pi *= self.gamma);
        for (i, (rho, y, s)) in self.pairs.iter().enumerate() {
            let b = rho * dot(y, &p);
            p.iter_mut()
                .zip(s)
                .for_each(|(pi, si)| *pi += (alphas[i] - b) * si);
        }
        p
    }
}

/// Minimises `f` (value, gradient written into the slice) from `x0`.
pub(crate) fn minimize<F: Fn(&[f64], &mut [f64]) -> f64>(
    f: &F,
    x0: Vec<f64>,
    settings: &Stopping,
) -> Result<Outcome, String> {
    let func = Func { f };
    let (mut fk, mut gk) = func
        .eval(&x0)
        .ok_or("the objective is not finite at the initial values")?;
    let mut xk = x0;
    let mut pk: Vec<f64> = gk.iter().map(|v| -v).collect();
    // The previous iterate, its gradient, direction and step (for the step-size guess).
    let mut fk_1 = fk;
    let mut gk_1 = gk.clone();
    let mut pk_1 = pk.clone();
    let mut alphak_1 = settings.init_alpha;
    let mut memory = Memory {
        size: settings.history.max(1),
        pairs: VecDeque::new(),
        gamma: 1.0,
    };
    let eps = f64::EPSILON;
    let mut it = 0;
    let mut recent: VecDeque<f64> = VecDeque::new();
    loop {
        it += 1;
        // 0: keep the approximation; 1: first step; 2: reset after a failed line search.
        let mut reset = u8::from(it == 1);
        let point = loop {
            if reset != 0 {
                pk = gk.iter().map(|v| -v).collect();
            }
            let alpha = if it > 1 && reset != 2 {
                let guess = cubic_min(
                    dot(&gk_1, &pk_1),
                    alphak_1,
                    fk - fk_1,
                    dot(&gk, &pk_1),
                    MIN_ALPHA,
                    1.0,
                );
                (1.01 * guess).min(1.0)
            } else {
                settings.init_alpha
            };
            let alpha = if alpha.is_finite() && alpha > 0.0 {
                alpha
            } else {
                settings.init_alpha
            };
            match wolfe(&func, alpha, &pk, &xk, fk, &gk) {
                Some(p) => break p,
                None if reset != 0 => {
                    return Ok(Outcome {
                        x: xk,
                        f: fk,
                        iterations: it,
                        termination: Termination::LineSearchFailed,
                    })
                }
                None => reset = 2,
            }
        };
        let sk: Vec<f64> = point.x.iter().zip(&xk).map(|(a, b)| a - b).collect();
        let yk: Vec<f64> = point.g.iter().zip(&gk).map(|(a, b)| a - b).collect();
        fk_1 = std::mem::replace(&mut fk, point.f);
        gk_1 = std::mem::replace(&mut gk, point.g);
        xk = point.x;
        pk_1 = std::mem::take(&mut pk);
        let grad_norm = dot(&gk, &gk).sqrt();
        let step_norm = dot(&sk, &sk).sqrt();
        if reset != 0 {
            let b0 = memory.update(yk, sk, true);
            pk_1.iter_mut().for_each(|v| *v /= b0);
            alphak_1 = point.alpha * b0;
        } else {
            memory.update(yk, sk, false);
            alphak_1 = point.alpha;
        }
        pk = memory.direction(&gk);
        if settings.window > 0 {
            if recent.len() == settings.window {
                recent.pop_front();
            }
            recent.push_back(fk_1);
        }

        let scale = fk_1.abs().max(fk.abs()).max(1.0);
        let ghg = -dot(&pk, &gk);
        let near = 0.5 * ghg <= settings.max_gap;
        let termination = if (fk_1 - fk).abs() < settings.tol_obj && near {
            Some(Termination::AbsObjective)
        } else if grad_norm < settings.tol_grad {
            Some(Termination::AbsGradient)
        } else if step_norm < settings.tol_param {
            Some(Termination::AbsParameter)
        } else if it >= settings.max_iter {
            Some(Termination::MaxIterations)
        } else if (fk_1 - fk).abs() / scale < settings.tol_rel_obj * eps && near {
            Some(Termination::RelObjective)
        } else if ghg / fk.abs().max(1.0) < settings.tol_rel_grad * eps {
            Some(Termination::RelGradient)
        } else if settings.window > 0
            && recent.len() == settings.window
            && recent
                .front()
                .is_some_and(|&f0| f0 - fk < settings.window_gain)
        {
            Some(Termination::NoProgress)
        } else {
            None
        };
        if let Some(termination) = termination {
            return Ok(Outcome {
                x: xk,
                f: fk,
                iterations: it,
                termination,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let f = |x: &[f64], g: &mut [f64]| {
            let (a, b) = (x[0], x[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let out = minimize(&f, vec![-1.2, 1.0], &Stopping::default()).unwrap();
        assert!(out.termination.converged(), "{:?}", out.termination);
        assert!((out.x[0] - 1.0).abs() < 1e-4 && (out.x[1] - 1.0).abs() < 1e-4);
    }

    #[test]
    fn cubic_minimum_is_exact_for_a_cubic() {
        // f(x) = x^3 - x: f(0) = 0, f'(0) = -1, f(2) = 6, f'(2) = 11; minimum at 1/sqrt(3).
        let m = cubic_min(-1.0, 2.0, 6.0, 11.0, 0.0, 2.0);
        assert!((m - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        // Restricted to [0, 0.5] the minimum is at the upper end.
        assert_eq!(cubic_min(-1.0, 2.0, 6.0, 11.0, 0.0, 0.5), 0.5);
    }
}
