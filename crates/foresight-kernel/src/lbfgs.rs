//! argmin's L-BFGS on the Prophet objective, instantiated in this crate (see the crate docs).

use std::cell::RefCell;

use argmin::{
    core::{CostFunction, Executor, Gradient, State, TerminationReason, TerminationStatus},
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

/// Settings of one L-BFGS run.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsSettings {
    /// Relative tolerance on the objective's change (Stan's `tol_rel_obj` times epsilon):
    /// the run stops when the change falls below it times max(|f(start)|, 1).
    pub tol_rel: f64,
    /// Tolerance on the gradient's norm.
    pub tol_grad: f64,
    /// Curvature pairs kept.
    pub history: usize,
    /// Iteration budget.
    pub iters: u64,
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
    let tol_cost = settings.tol_rel * f0.abs().max(1.0);
    let iters = settings.iters;
    let linesearch = MoreThuenteLineSearch::new();
    let solver = LBFGS::new(linesearch, settings.history)
        .with_tolerance_grad(settings.tol_grad)
        .and_then(|s| s.with_tolerance_cost(tol_cost))
        .map_err(|e| e.to_string())?;
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
