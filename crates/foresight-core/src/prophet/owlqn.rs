//! Orthant-wise L-BFGS (OWL-QN; Andrew & Gao 2007) for Prophet's objective: smooth except
//! for the Laplace prior on the changepoint deltas, |delta| / tau. Plain L-BFGS can stop at a
//! kink of |delta| (a delta at or crossing zero) far from the optimum; OWL-QN steps within
//! one orthant at a time along a pseudo-gradient, sets a delta that would cross zero to zero,
//! and keeps curvature pairs of the smooth part only.

use std::collections::VecDeque;
use std::ops::Range;

use foresight_kernel::sign;

use super::stan_lbfgs::{Outcome, Termination};
use super::stopping::Stopping;

const C1: f64 = 1e-4;
const MAX_BACKTRACK: usize = 40;

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `f` (value and gradient of the whole objective, whose coordinates `l1` carry
/// `lambda · |x_i|` with gradient `lambda · sign(x_i)`, 0 at 0) from `x0`, stopping on
/// `settings`' absolute tests, budget and window.
pub(crate) fn minimize<F: Fn(&[f64], &mut [f64]) -> f64>(
    f: &F,
    x0: Vec<f64>,
    l1: Range<usize>,
    lambda: f64,
    settings: &Stopping,
) -> Outcome {
    let n = x0.len();
    let eval = |x: &[f64]| -> Option<(f64, Vec<f64>)> {
        let mut g = vec![0.0; n];
        let v = f(x, &mut g);
        // The smooth part's gradient.
        for i in l1.clone() {
            g[i] -= lambda * sign(x[i]);
        }
        (v.is_finite() && g.iter().all(|v| v.is_finite())).then_some((v, g))
    };
    let pseudo = |x: &[f64], gs: &[f64]| -> Vec<f64> {
        let mut pg = gs.to_vec();
        for i in l1.clone() {
            pg[i] = if x[i] > 0.0 {
                gs[i] + lambda
            } else if x[i] < 0.0 {
                gs[i] - lambda
            } else if gs[i] + lambda < 0.0 {
                gs[i] + lambda
            } else if gs[i] - lambda > 0.0 {
                gs[i] - lambda
            } else {
                0.0
            };
        }
        pg
    };
    let mut x = x0;
    let Some((mut fx, mut gs)) = eval(&x) else {
        return Outcome {
            x,
            f: f64::NAN,
            iterations: 0,
            termination: Termination::LineSearchFailed,
        };
    };
    let mut memory: VecDeque<(Vec<f64>, Vec<f64>, f64)> = VecDeque::new();
    let mut recent: VecDeque<f64> = VecDeque::new();
    let history = settings.history.max(1);
    let done = |x: Vec<f64>, f: f64, it: usize, t: Termination| Outcome {
        x,
        f,
        iterations: it,
        termination: t,
    };
    for it in 1..=settings.max_iter.max(1) {
        let pg = pseudo(&x, &gs);
        let pg_norm = dot(&pg, &pg).sqrt();
        if pg_norm < settings.tol_grad {
            return done(x, fx, it - 1, Termination::AbsGradient);
        }
        // Two-loop recursion on the pseudo-gradient.
        let mut q = pg.clone();
        let mut alphas = Vec::with_capacity(memory.len());
        for (s, y, rho) in memory.iter().rev() {
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push(a);
        }
        let gamma = memory
            .back()
            .map_or(1.0 / pg_norm.max(1e-300), |(s, y, _)| dot(s, y) / dot(y, y));
        q.iter_mut().for_each(|v| *v *= gamma);
        for ((s, y, rho), a) in memory.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        let mut d: Vec<f64> = q.iter().map(|v| -v).collect();
        for i in l1.clone() {
            if d[i] * pg[i] >= 0.0 {
                d[i] = 0.0;
            }
        }
        if dot(&d, &pg) >= 0.0 {
            memory.clear();
            d = pg.iter().map(|v| -v / pg_norm).collect();
        }
        let orthant: Vec<f64> = (0..n)
            .map(|i| {
                if x[i] != 0.0 {
                    sign(x[i])
                } else {
                    -sign(pg[i])
                }
            })
            .collect();
        let mut alpha = 1.0;
        let mut accepted = None;
        for _ in 0..MAX_BACKTRACK {
            let mut xn: Vec<f64> = x.iter().zip(&d).map(|(xi, di)| xi + alpha * di).collect();
            for i in l1.clone() {
                if sign(xn[i]) != orthant[i] {
                    xn[i] = 0.0;
                }
            }
            if let Some((fnew, gnew)) = eval(&xn) {
                let step: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
                if fnew <= fx + C1 * dot(&pg, &step) {
                    accepted = Some((xn, fnew, gnew, step));
                    break;
                }
            }
            alpha *= 0.5;
        }
        let Some((xn, fnew, gnew, s)) = accepted else {
            return done(x, fx, it - 1, Termination::LineSearchFailed);
        };
        let y: Vec<f64> = gnew.iter().zip(&gs).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-12 * dot(&y, &y).max(f64::MIN_POSITIVE) {
            if memory.len() == history {
                memory.pop_front();
            }
            memory.push_back((s.clone(), y, 1.0 / sy));
        }
        let step_norm = dot(&s, &s).sqrt();
        let f_prev = fx;
        (x, fx, gs) = (xn, fnew, gnew);
        if settings.window > 0 {
            if recent.len() == settings.window {
                recent.pop_front();
            }
            recent.push_back(f_prev);
        }
        if (f_prev - fx).abs() < settings.tol_obj {
            return done(x, fx, it, Termination::AbsObjective);
        }
        if step_norm < settings.tol_param {
            return done(x, fx, it, Termination::AbsParameter);
        }
        if settings.window > 0
            && recent.len() == settings.window
            && recent
                .front()
                .is_some_and(|&f0| f0 - fx < settings.window_gain)
        {
            return done(x, fx, it, Termination::NoProgress);
        }
    }
    let it = settings.max_iter.max(1);
    done(x, fx, it, Termination::MaxIterations)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A lasso-like problem whose optimum sits on a kink: min (x0 - 1)² + (x1 - 0.1)² + |x1|
    /// has x1 = 0 (the smooth pull 0.2 is below the L1 weight 1).
    #[test]
    fn finds_a_kinked_optimum() {
        let f = |x: &[f64], g: &mut [f64]| {
            g[0] = 2.0 * (x[0] - 1.0);
            g[1] = 2.0 * (x[1] - 0.1) + sign(x[1]);
            (x[0] - 1.0).powi(2) + (x[1] - 0.1).powi(2) + x[1].abs()
        };
        let out = minimize(&f, vec![-2.0, 3.0], 1..2, 1.0, &Stopping::default());
        assert!(out.termination.converged(), "{:?}", out.termination);
        assert!((out.x[0] - 1.0).abs() < 1e-6, "{:?}", out.x);
        assert_eq!(out.x[1], 0.0);
    }
}
