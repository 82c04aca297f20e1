//! argmin's L-BFGS on the Prophet objective, instantiated in this crate (see the crate docs).

use std::{cell::RefCell, collections::VecDeque};

use argmin::{
    core::{
        CostFunction, Executor, Gradient, IterState, Problem as ArgminProblem, Solver, State,
        TerminationReason, TerminationStatus, KV,
    },
    solver::{linesearch::MoreThuenteLineSearch, quasinewton::LBFGS},
};

use crate::vector::Theta;

/// A point, the objective there and its (reduced) gradient.
type Evaluation = (Vec<f64>, f64, Vec<f64>);

/// Evaluations in a row without a new best point after which a run is stopped. argmin runs
/// its line search without an iteration limit, and on a degenerate posterior (an exact fit
/// driving sigma_obs to its floor) More-Thuente can cycle for ever; a healthy L-BFGS
/// iteration improves the best point within a few evaluations.
const MAX_STALLED_EVALUATIONS: usize = 200;

/// The best point seen during a run (reduced coordinates) and the stall counter.
#[derive(Default)]
struct Best {
    point: Option<(Vec<f64>, f64)>,
    stalled: usize,
    evaluations: u64,
}

/// The objective restricted to the coordinates in `free`; the others stay at `base`.
struct Problem<'a> {
    objective: &'a dyn Fn(&[f64], &mut [f64]) -> f64,
    base: Vec<f64>,
    free: Vec<usize>,
    /// The last evaluated point: argmin asks for the cost and the gradient separately, but one
    /// pass computes both.
    cache: RefCell<Option<Evaluation>>,
    best: &'a RefCell<Best>,
}

impl Problem<'_> {
    fn full(&self, reduced: &[f64]) -> Vec<f64> {
        let mut x = self.base.clone();
        for (&i, &v) in self.free.iter().zip(reduced) {
            x[i] = v;
        }
        x
    }

    fn eval(&self, theta: &Theta) -> Result<(f64, Vec<f64>), argmin::core::Error> {
        if let Some((x, f, g)) = self.cache.borrow().as_ref() {
            if *x == theta.0 {
                return Ok((*f, g.clone()));
            }
        }
        let mut g = vec![0.0; self.base.len()];
        let f = (self.objective)(&self.full(&theta.0), &mut g);
        let g: Vec<f64> = self.free.iter().map(|&i| g[i]).collect();
        *self.cache.borrow_mut() = Some((theta.0.clone(), f, g.clone()));
        let mut best = self.best.borrow_mut();
        best.evaluations += 1;
        if f.is_finite() && best.point.as_ref().map_or(true, |(_, b)| f < *b) {
            best.point = Some((theta.0.clone(), f));
            best.stalled = 0;
        } else {
            best.stalled += 1;
            if best.stalled > MAX_STALLED_EVALUATIONS {
                return Err(argmin::core::Error::msg(STALLED));
            }
        }
        Ok((f, g))
    }
}

const STALLED: &str = "no progress";
const STEP_BELOW_TOL_PARAM: &str = "step below tol_param";

impl CostFunction for Problem<'_> {
    type Param = Theta;
    type Output = f64;
    fn cost(&self, theta: &Theta) -> Result<f64, argmin::core::Error> {
        Ok(self.eval(theta)?.0)
    }
}

impl Gradient for Problem<'_> {
    type Param = Theta;
    type Gradient = Theta;
    fn gradient(&self, theta: &Theta) -> Result<Theta, argmin::core::Error> {
        Ok(Theta(self.eval(theta)?.1))
    }
}

type LbfgsState = IterState<Theta, Theta, (), (), (), f64>;

/// argmin's L-BFGS stopped by Stan's tests instead of argmin's (an absolute change of the
/// objective, scaled once by |f(start)|, and no relative-gradient test): CmdStan usually
/// stops Prophet's fits on the relative gradient, and a fixed scale is too strict once the
/// objective has moved far from its starting value, so argmin alone ran many more
/// iterations (docs/prophet.md, "Stopping tests").
struct StanStop<S> {
    solver: S,
    settings: LbfgsSettings,
    /// The last `history` (step, gradient change) pairs, newest last, for g·H⁻¹g.
    pairs: VecDeque<(Vec<f64>, Vec<f64>)>,
    /// The previous iterate and its gradient (argmin's L-BFGS takes them out of the state).
    previous: Option<(Vec<f64>, Vec<f64>)>,
}

impl<S> StanStop<S> {
    /// g·H⁻¹g by L-BFGS's two-loop recursion over the kept pairs (H₀ scaled by the newest
    /// pair's s·y / y·y, as Stan's update does).
    fn gradient_h_gradient(&self, g: &[f64]) -> f64 {
        let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
        let mut q = g.to_vec();
        let mut alphas = Vec::with_capacity(self.pairs.len());
        for (s, y) in self.pairs.iter().rev() {
            let rho = 1.0 / dot(y, s);
            let a = rho * dot(s, &q);
            q.iter_mut().zip(y).for_each(|(qi, yi)| *qi -= a * yi);
            alphas.push((rho, a));
        }
        if let Some((s, y)) = self.pairs.back() {
            let gamma = dot(s, y) / dot(y, y);
            q.iter_mut().for_each(|qi| *qi *= gamma);
        }
        for ((s, y), (rho, a)) in self.pairs.iter().zip(alphas.iter().rev()) {
            let b = rho * dot(y, &q);
            q.iter_mut().zip(s).for_each(|(qi, si)| *qi += (a - b) * si);
        }
        dot(g, &q)
    }
}

impl<'a, S> Solver<Problem<'a>, LbfgsState> for StanStop<S>
where
    S: Solver<Problem<'a>, LbfgsState>,
{
    fn name(&self) -> &str {
        self.solver.name()
    }

    fn init(
        &mut self,
        problem: &mut ArgminProblem<Problem<'a>>,
        state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.solver.init(problem, state)
    }

    fn next_iter(
        &mut self,
        problem: &mut ArgminProblem<Problem<'a>>,
        state: LbfgsState,
    ) -> Result<(LbfgsState, Option<KV>), argmin::core::Error> {
        self.solver.next_iter(problem, state)
    }

    fn terminate(&mut self, state: &LbfgsState) -> TerminationStatus {
        let (Some(x), Some(g)) = (state.get_param(), state.get_gradient()) else {
            return TerminationStatus::NotTerminated;
        };
        let Some((x0, g0)) = self.previous.replace((x.0.clone(), g.0.clone())) else {
            return TerminationStatus::NotTerminated;
        };
        let step: Vec<f64> = x.0.iter().zip(&x0).map(|(a, b)| a - b).collect();
        let change: Vec<f64> = g.0.iter().zip(&g0).map(|(a, b)| a - b).collect();
        let step_norm = step.iter().map(|v| v * v).sum::<f64>().sqrt();
        let grad_norm = g.0.iter().map(|v| v * v).sum::<f64>().sqrt();
        if step.iter().zip(&change).map(|(a, b)| a * b).sum::<f64>() > 0.0 {
            if self.pairs.len() == self.settings.history {
                self.pairs.pop_front();
            }
            self.pairs.push_back((step, change));
        }
        let (f, f0) = (state.get_cost(), state.get_prev_cost());
        if step_norm < self.settings.tol_param {
            // Stan stops here too, but with More-Thuente this happens at kinks of |delta| with
            // the gradient still large (peyton_default: step 2.5e-9, gradient norm 563), not
            // at an optimum: report a stall, so that the caller restarts with fresh curvature
            // memory (a restart that cannot improve the point counts as converged there).
            return TerminationStatus::Terminated(TerminationReason::SolverExit(
                STEP_BELOW_TOL_PARAM.to_string(),
            ));
        }
        // The objective-change tests stop a run only near an optimum: the quadratic model's
        // remaining decrease ½·g·H⁻¹g at most `max_gap` nats. Without that condition (Stan's
        // tests alone) a run could stop on a flat stretch thousands of nats short of the optimum
        // (issue 14's fuzzer: docs/prophet.md, "Convergence check").
        let ghg = self.gradient_h_gradient(&g.0);
        let near = 0.5 * ghg <= self.settings.max_gap;
        let converged = ((f0 - f).abs() < self.settings.tol_obj && near)
            || grad_norm < self.settings.tol_grad
            || ((f0 - f).abs() / f0.abs().max(f.abs()).max(1.0) < self.settings.tol_rel && near)
            || ghg / f.abs().max(1.0) < self.settings.tol_rel_grad;
        if converged {
            TerminationStatus::Terminated(TerminationReason::SolverConverged)
        } else {
            TerminationStatus::NotTerminated
        }
    }
}

/// Settings of one L-BFGS run: Stan's stopping tests, checked after every iteration in
/// Stan's order (CmdStan's `optimize` defaults: 1e-12, 1e-8, 1e-8, 1e4 and 1e7 times epsilon).
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsSettings {
    /// Relative tolerance on the objective's change (Stan's `tol_rel_obj` times epsilon):
    /// |f(k-1) - f(k)| / max(|f(k-1)|, |f(k)|, 1).
    pub tol_rel: f64,
    /// Relative tolerance on the gradient (Stan's `tol_rel_grad` times epsilon):
    /// g·H⁻¹g / max(|f|, 1), H⁻¹ the L-BFGS inverse-Hessian estimate.
    pub tol_rel_grad: f64,
    /// Absolute tolerance on the objective's change (Stan's `tol_obj`).
    pub tol_obj: f64,
    /// Tolerance on the gradient's norm.
    pub tol_grad: f64,
    /// Tolerance on the step's norm (Stan's `tol_param`).
    pub tol_param: f64,
    /// Curvature pairs kept.
    pub history: usize,
    /// Iteration budget.
    pub iters: u64,
    /// The objective-change tests count only when ½·g·H⁻¹g, the decrease the quadratic model
    /// still expects, is at most this many nats (`f64::INFINITY`: Stan's tests unchanged).
    pub max_gap: f64,
}

/// Runs argmin's L-BFGS (More-Thuente line search) on `objective` (value and gradient at a
/// point, the gradient written into its second argument) from `start`, moving only the
/// coordinates in `free`; returns the best point, its cost, iterations and whether a
/// convergence criterion (rather than a line-search failure or the budget) stopped it.
///
/// Not generic on purpose: argmin's solver is instantiated here, so it is compiled with this
/// crate's optimisation settings (opt-level 3 in the wasm build), not the caller's.
#[inline(never)]
pub fn lbfgs(
    objective: &dyn Fn(&[f64], &mut [f64]) -> f64,
    start: Vec<f64>,
    free: Vec<usize>,
    settings: &LbfgsSettings,
) -> Result<(Vec<f64>, f64, u64, bool), String> {
    let reduced: Vec<f64> = free.iter().map(|&i| start[i]).collect();
    let best = RefCell::new(Best::default());
    let problem = Problem {
        objective,
        base: start.clone(),
        free: free.clone(),
        cache: RefCell::new(None),
        best: &best,
    };
    let mut g0 = vec![0.0; start.len()];
    let f0 = objective(&start, &mut g0);
    if !f0.is_finite() {
        return Err("the objective is not finite at the initial values".to_string());
    }
    let iters = settings.iters;
    let linesearch = MoreThuenteLineSearch::new();
    // argmin's own tests are off (tolerance 0): `StanStop` applies Stan's.
    let solver = LBFGS::new(linesearch, settings.history)
        .with_tolerance_grad(0.0)
        .and_then(|s| s.with_tolerance_cost(0.0))
        .map_err(|e| e.to_string())?;
    let solver = StanStop {
        solver,
        settings: settings.clone(),
        pairs: VecDeque::with_capacity(settings.history),
        previous: None,
    };
    let full = |reduced: &[f64]| {
        let mut x = start.clone();
        for (&i, &v) in free.iter().zip(reduced) {
            x[i] = v;
        }
        x
    };
    let result = match Executor::new(problem, solver)
        .configure(|state| state.param(Theta(reduced)).max_iters(iters))
        .run()
    {
        Ok(result) => result,
        Err(e) if e.to_string() == STALLED => {
            // Stopped for lack of progress: the best point seen is the answer (not converged).
            let best = best.into_inner();
            let (x, f) = best.point.ok_or("the optimiser made no evaluation")?;
            return Ok((full(&x), f, best.evaluations, false));
        }
        Err(e) => return Err(e.to_string()),
    };
    let state = result.state();
    let converged = matches!(
        state.get_termination_status(),
        TerminationStatus::Terminated(TerminationReason::SolverConverged)
    );
    let best = state
        .get_best_param()
        .or_else(|| state.get_param())
        .ok_or("the optimiser returned no parameters")?;
    // (argmin keeps the problem inside a failed line search, so rebuild the full vector here.)
    Ok((
        full(&best.0),
        state.get_best_cost(),
        state.get_iter(),
        converged,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tol_rel_grad: f64) -> LbfgsSettings {
        LbfgsSettings {
            tol_rel: 1e4 * f64::EPSILON,
            tol_rel_grad,
            tol_obj: 1e-12,
            tol_grad: 1e-8,
            tol_param: 1e-8,
            history: 5,
            iters: 1000,
            max_gap: f64::INFINITY,
        }
    }

    fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
        let (a, b) = (x[0], x[1]);
        g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
        g[1] = 200.0 * (b - a * a);
        (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
    }

    #[test]
    fn two_loop_recovers_the_inverse_hessian_of_a_quadratic() {
        // f = (a x² + b y²) / 2: the pairs along both axes are A-conjugate, so the L-BFGS
        // estimate is A⁻¹ exactly and g·H⁻¹g = gx²/a + gy²/b.
        let (a, b) = (4.0, 0.5);
        let mut stop = StanStop {
            solver: (),
            settings: settings(0.0),
            pairs: VecDeque::new(),
            previous: None,
        };
        stop.pairs.push_back((vec![1.0, 0.0], vec![a, 0.0]));
        stop.pairs.push_back((vec![0.0, 2.0], vec![0.0, 2.0 * b]));
        let g = [3.0, -1.0];
        let expected = 9.0 / a + 1.0 / b;
        assert!((stop.gradient_h_gradient(&g) - expected).abs() < 1e-12);
    }

    #[test]
    fn minimises_rosenbrock_and_reports_convergence() {
        let (x, f, _, converged) = lbfgs(
            &rosenbrock,
            vec![-1.2, 1.0],
            vec![0, 1],
            &settings(1e7 * f64::EPSILON),
        )
        .unwrap();
        assert!(converged);
        assert!(f < 1e-8, "f = {f}");
        assert!(
            (x[0] - 1.0).abs() < 1e-4 && (x[1] - 1.0).abs() < 1e-4,
            "{x:?}"
        );
    }

    #[test]
    fn the_relative_gradient_test_stops_a_run_sooner() {
        let run = |tol_rel_grad| {
            lbfgs(
                &rosenbrock,
                vec![-1.2, 1.0],
                vec![0, 1],
                &settings(tol_rel_grad),
            )
            .unwrap()
        };
        let (_, _, strict, _) = run(0.0);
        let (_, f_loose, loose, converged) = run(1e-3);
        assert!(converged);
        assert!(loose < strict, "{loose} vs {strict} iterations");
        assert!(f_loose > 0.0);
    }
}
