//! A pure-Rust replacement for Stan's `optimize` on Prophet's model.

use std::sync::{Arc, Mutex};

use foresight_kernel::{Gram, LbfgsSettings};

use augurs_prophet::{
    optimizer::{self, Data, InitialParams, OptimizeOpts, OptimizedParams},
    Algorithm, Optimizer, PositiveFloat,
};

use super::newton;
use super::objective::{Objective, DELTA0, LN_SIGMA_MIN};
use super::stan_lbfgs;
use super::stopping::{Stopping, DEFAULT_ITER};

/// Prophet's switch from L-BFGS to Newton (`algorithm='Newton' if T < 100`).
const NEWTON_BELOW_ROWS: usize = 100;
/// Each Newton step builds and decomposes a dense Hessian (4·dim gradients, O(dim³)): past
/// this many parameters (well above what Prophet's short problems have) L-BFGS fits instead,
/// and past this many steps a Newton run that has not settled hands over to the convergence
/// check's L-BFGS (docs/prophet.md, "Newton for fewer than 100 points").
const NEWTON_MAX_DIM: usize = 120;
const NEWTON_MAX_ITER: usize = 200;

/// Finds the MAP estimate of Prophet's Stan model with L-BFGS on an analytic gradient
/// (argmin's, More-Thuente line search, by default; see `Engine`). Implements augurs-prophet's [`Optimizer`], so it plugs into
/// [`augurs_prophet::Prophet`] where `cmdstan`/`wasmstan` would, and builds for wasm32.
///
/// It records a report of its last call (changepoints, feature count, convergence); clones
/// share that record, so a clone kept aside can read what the copy inside `Prophet` did.
#[derive(Debug, Default, Clone)]
pub struct LbfgsOptimizer {
    engine: Engine,
    last: Arc<Mutex<Option<FitReport>>>,
    column_hint: Arc<Mutex<Option<Vec<f64>>>>,
    state: Arc<Mutex<Option<FitState>>>,
    /// When set, `optimize` does not optimise: it evaluates the objective at these
    /// parameters and returns them ([`crate::prophet::ProphetModel::from_params`]).
    #[cfg(feature = "experiments")]
    probe: Arc<Mutex<Option<ProphetParams>>>,
}

/// Prophet's fitted parameters on its scaled axes, as Python Prophet's `m.params` holds them
/// (`beta` in Prophet's column order: seasonalities in insertion order, sin/cos per harmonic,
/// then holiday features sorted by name).
#[derive(Debug, Clone, PartialEq)]
pub struct ProphetParams {
    pub k: f64,
    pub m: f64,
    pub sigma_obs: f64,
    pub delta: Vec<f64>,
    pub beta: Vec<f64>,
}

/// What prediction needs from the last fit beyond augurs-prophet's point forecast.
#[derive(Debug, Clone)]
pub(crate) struct FitState {
    /// Trend parameters and sigma_obs on the scaled axes.
    pub k: f64,
    pub m: f64,
    pub delta: Vec<f64>,
    pub sigma_obs: f64,
    /// Smallest and largest scaled y (to recover augurs-prophet's y_scale).
    pub y_min: f64,
    pub y_max: f64,
}

/// Which L-BFGS implementation runs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// argmin's L-BFGS (More-Thuente line search), restarted once when a line search gives
    /// up at the kinks of |delta|. Default: it matches Prophet on more of the reference
    /// cases and is faster (docs/benchmarks.md, "Optimizer: own Stan-style L-BFGS vs argmin").
    #[default]
    Argmin,
    /// argmin's L-BFGS as [`Engine::Argmin`], the objective evaluated from sufficient
    /// statistics when the trend is linear or flat and every feature additive: one evaluation costs
    /// O(S·K + K²) instead of O(T·K), so a fit takes a few times less (docs/prophet.md,
    /// "Speed"). The same objective up to rounding, so on Prophet's flat posteriors L-BFGS
    /// stops at a slightly different point, and fewer reference cases pass (docs/prophet.md,
    /// "Opt-in: `Engine::ArgminSufficientStats`").
    /// Chosen by `optimize.sufficient_statistics` (the panel's forecasts use it).
    ArgminSufficientStats,
    /// The Stan-style L-BFGS (`stan_lbfgs`: the line search, step-size guesses and stopping
    /// rules of CmdStan's `optimize`) from the start. Not a fit's engine, for comparison
    /// (`fit_with_engine`): on Prophet's flat, kinked posteriors it does not follow Stan's path
    /// closely enough to land where Stan lands. The default engine uses it as its fallback
    /// and for the convergence check.
    #[cfg(feature = "experiments")]
    Stan,
}

/// What the last optimisation saw and did.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Changepoint times on Prophet's scaled time axis (0 = first, 1 = last training point).
    pub t_change: Vec<f64>,
    /// Number of feature columns (seasonal terms, holidays, regressors).
    pub n_features: usize,
    pub iterations: u64,
    /// Negative log posterior at the optimum (Stan's `lp__` up to sign and constants).
    pub objective: f64,
    /// Whether the run that produced the point met a stopping test, after the convergence
    /// check (a restart with fresh curvature memory; see `check_convergence`). `false`: the
    /// iteration budget ran out or every line search failed, and the forecast may be far from
    /// the optimum's (the CLI warns, the bindings return it).
    pub converged: bool,
}

impl LbfgsOptimizer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_engine(engine: Engine) -> Self {
        Self {
            engine,
            ..Self::default()
        }
    }

    /// Tells the next fit in which order Prophet (Python) lays out the feature columns, as
    /// fingerprints of the expected columns. An L-BFGS path, hence where it stops on a flat
    /// posterior, depends on that order through floating-point rounding; following Prophet's
    /// order measurably keeps the fit closer to Prophet's (docs/prophet.md). Columns are matched by content, so a wrong or partial
    /// hint only falls back to a content-sorted order.
    pub(crate) fn set_column_hint(&self, hint: Option<Vec<f64>>) {
        if let Ok(mut h) = self.column_hint.lock() {
            *h = hint;
        }
    }

    /// The parameters to evaluate instead of fitting, if any: parity checks only
    /// (`experiments` feature), so the shipped engine carries no probe path.
    #[cfg(feature = "experiments")]
    fn probe(&self) -> Option<ProphetParams> {
        self.probe.lock().ok().and_then(|p| p.clone())
    }

    #[cfg(not(feature = "experiments"))]
    fn probe(&self) -> Option<ProphetParams> {
        None
    }

    #[cfg(feature = "experiments")]
    pub(crate) fn set_probe(&self, params: Option<ProphetParams>) {
        if let Ok(mut p) = self.probe.lock() {
            *p = params;
        }
    }

    pub(crate) fn last_state(&self) -> Option<FitState> {
        self.state.lock().ok().and_then(|r| r.clone())
    }

    /// The report of the last successful call to [`Optimizer::optimize`].
    pub fn last_report(&self) -> Option<FitReport> {
        self.last.lock().ok().and_then(|r| r.clone())
    }
}

/// Runs L-BFGS from `start` (foresight-kernel's [`foresight_kernel::lbfgs`], with Stan's
/// defaults where `opts` leaves a setting unset); returns the best point, its cost,
/// iterations and whether a convergence criterion stopped it.
fn lbfgs(
    objective: &Objective,
    start: Vec<f64>,
    free: Vec<usize>,
    opts: &OptimizeOpts,
) -> Result<(Vec<f64>, f64, u64, bool), String> {
    // Stan's tolerances (unset ones at CmdStan's defaults); the relative ones are multiples
    // of epsilon.
    let stop = Stopping::from_opts(opts);
    let settings = LbfgsSettings {
        tol_rel: stop.tol_rel_obj * f64::EPSILON,
        tol_rel_grad: stop.tol_rel_grad * f64::EPSILON,
        tol_obj: stop.tol_obj,
        tol_grad: stop.tol_grad,
        tol_param: stop.tol_param,
        history: stop.history,
        iters: stop.max_iter as u64,
        max_gap: stop.max_gap,
    };
    foresight_kernel::lbfgs(
        &|x: &[f64], g: &mut [f64]| objective.value_grad(x, g),
        start,
        free,
        &settings,
    )
}

/// argmin's L-BFGS, restarted once with fresh curvature memory when a run stops before a
/// convergence test holds (its line search gives up: at the kinks of |delta| the L-BFGS
/// direction can stop being a descent direction). When that is not enough — argmin can stall
/// within a few iterations far short of the optimum, and restarts keep stalling (its update
/// does not skip the pairs of negative curvature a kink produces; docs/prophet.md, "A fix
/// found on the way") — the Stan-style L-BFGS (`stan_lbfgs`, whose strong-Wolfe
/// search keeps its updates positive definite) carries on from the best point, with what is
/// left of the iteration budget; the better point wins.
fn argmin_fit(
    objective: &Objective,
    start: Vec<f64>,
    opts: &OptimizeOpts,
) -> Result<(Vec<f64>, f64, u64, bool), optimizer::Error> {
    let all: Vec<usize> = (0..objective.dim()).collect();
    let (mut theta, mut cost, mut iterations, mut converged) =
        lbfgs(objective, start, all.clone(), opts).map_err(optimizer::Error::string)?;
    // Restarts spend what is left of the iteration budget, so `iter` bounds the whole fit.
    let budget = opts.iter.map_or(DEFAULT_ITER, u64::from);
    let rest = |used: u64| OptimizeOpts {
        iter: Some((budget - used) as u32),
        ..opts.clone()
    };
    if converged || iterations >= budget {
        return Ok((theta, cost, iterations, converged));
    }
    let (t2, c2, i2, conv2) = lbfgs(objective, theta.clone(), all, &rest(iterations))
        .map_err(optimizer::Error::string)?;
    iterations += i2;
    // A restart that cannot improve on the point has found a (kinked) optimum.
    converged = conv2 || (cost - c2).abs() <= 1e-9 * cost.abs().max(1.0);
    if c2 <= cost {
        (theta, cost) = (t2, c2);
    }
    if converged || iterations >= budget {
        return Ok((theta, cost, iterations, converged));
    }
    let out = stan_lbfgs::minimize(
        &|x: &[f64], g: &mut [f64]| objective.value_grad(x, g),
        theta.clone(),
        &Stopping::from_opts(&rest(iterations)),
    )
    .map_err(optimizer::Error::string)?;
    iterations += out.iterations as u64;
    if out.f <= cost {
        (theta, cost, converged) = (out.x, out.f, out.termination.converged());
    }
    Ok((theta, cost, iterations, converged))
}

/// The convergence check after every fit (issue 14): L-BFGS's stopping tests look at the last
/// step only, and on Prophet's flat, kinked posterior a run can pass them far from the
/// optimum (the fuzzer found such stalls, and the panel's loose `tol_rel_obj` stopping short;
/// docs/prophet.md, "Parity fuzzer and the convergence check"). So the fit goes on from its
/// point with fresh curvature memory (the Stan-style L-BFGS) until the objective stops
/// falling: the relative tests (`tol_rel_obj`, `tol_rel_grad`), which hold on a slow crawl
/// along a flat valley as well as at an optimum, are off, and the run ends when it gained
/// less than [`CHECK_WINDOW_GAIN`] nats over the last [`CHECK_WINDOW`] iterations (or on an
/// absolute test, or the budget). At an optimum that costs a few iterations.
/// When that restart still finds more than [`RESTART_GAIN`] nats at Stan's tolerance, the
/// first run had stopped short, and a second run from Prophet's initial point (same
/// stopping) is tried as well — after every fit where the objective is evaluated from
/// sufficient statistics; then an orthant-wise run (`owlqn`) from the best point, for the kinks
/// of |delta|, whose point wins when it is more than [`RESTART_GAIN`] lower. The lowest
/// objective wins, and the fit counts as converged
/// when the run that produced it met a stopping test. With `gram` the runs evaluate the
/// objective from those sufficient statistics, and their end points are compared on
/// `objective` itself.
fn check_convergence(
    objective: &Objective,
    gram: Option<&Gram>,
    init: Vec<f64>,
    (mut theta, mut cost, mut iterations, mut converged): (Vec<f64>, f64, u64, bool),
    opts: &OptimizeOpts,
) -> Result<(Vec<f64>, f64, u64, bool), optimizer::Error> {
    let budget = opts.iter.map_or(DEFAULT_ITER, u64::from);
    let f = |x: &[f64], g: &mut [f64]| match gram {
        Some(gm) => objective.value_grad_from(gm, x, g),
        None => objective.value_grad(x, g),
    };
    // A run's end point on the fit's own objective (evaluated again when the run used the
    // sufficient statistics: the same value up to rounding).
    let exact = |out: &stan_lbfgs::Outcome| {
        if gram.is_some() {
            let mut g = vec![0.0; out.x.len()];
            objective.value_grad(&out.x, &mut g)
        } else {
            out.f
        }
    };
    let until_no_gain = |used: u64| Stopping {
        tol_rel_obj: 0.0,
        tol_rel_grad: 0.0,
        window: CHECK_WINDOW,
        window_gain: CHECK_WINDOW_GAIN,
        ..Stopping::from_opts(&OptimizeOpts {
            iter: Some(budget.saturating_sub(used).max(1) as u32),
            ..opts.clone()
        })
    };
    // At Stan's own tolerance (or a tighter one) a restart that still gains is a stall; at a
    // looser one it is the tolerance.
    let stan_tolerance = opts
        .tol_rel_obj
        .map_or(true, |t| t <= Stopping::default().tol_rel_obj);
    if iterations >= budget {
        return Ok((theta, cost, iterations, converged));
    }
    let out = stan_lbfgs::minimize(&f, theta.clone(), &until_no_gain(iterations))
        .map_err(optimizer::Error::string)?;
    iterations += out.iterations as u64;
    let out_f = exact(&out);
    let gain = cost - out_f;
    if out_f <= cost {
        (theta, cost) = (out.x, out_f);
        converged = out.termination.converged() || gain <= 1e-9 * cost.abs().max(1.0);
    }
    // Where the check evaluates from sufficient statistics a run from Prophet's initial point
    // costs little beside the fit, so it is made after every fit: it finds the better basin or
    // the way past a kink of |delta| where the restart from the fit's point is stuck
    // (docs/prophet.md, "A run from Prophet's initial point where it is cheap").
    let cheap = gram.is_some() || objective.has_sufficient_statistics();
    if (cheap || (gain > RESTART_GAIN && stan_tolerance) || !converged) && iterations < budget {
        let out = stan_lbfgs::minimize(&f, init, &until_no_gain(iterations))
            .map_err(optimizer::Error::string)?;
        iterations += out.iterations as u64;
        let out_f = exact(&out);
        if out_f < cost {
            (theta, cost, converged) = (out.x, out_f, out.termination.converged());
        }
    }
    // Last, an orthant-wise run (OWL-QN) from the best point: L-BFGS can stop at a kink of
    // |delta| (the Laplace prior on the changepoints' rate changes), where neither restart
    // moves; OWL-QN steps along the kinks (docs/prophet.md, "Orthant-wise"). Its point wins
    // when it gains more than RESTART_GAIN.
    if iterations < budget {
        let out = super::owlqn::minimize(
            &f,
            theta.clone(),
            DELTA0..DELTA0 + objective.s,
            1.0 / objective.tau,
            &until_no_gain(iterations),
        );
        iterations += out.iterations as u64;
        let out_f = exact(&out);
        // A smaller gain is a move along a flat posterior, not past a kink: the point the
        // fit's own path reached is kept then.
        if out_f < cost - RESTART_GAIN {
            (theta, cost) = (out.x, out_f);
            converged = converged || out.termination.converged();
        }
    }
    Ok((theta, cost, iterations, converged))
}

/// Nats a restart from a fit's own point may still gain before the fit counts as stopped
/// short (then a run from Prophet's initial point is tried too).
const RESTART_GAIN: f64 = 0.5;
/// The convergence check's runs stop when the objective fell by less than
/// [`CHECK_WINDOW_GAIN`] nats over this many iterations. A trade-off between reaching the
/// optimum and iterations, not a plateau (measured on the fuzzer: docs/prophet.md).
const CHECK_WINDOW: usize = 100;
const CHECK_WINDOW_GAIN: f64 = 0.05;
/// Prophet's initial point, packed in the objective's column order.
fn start_point(init: &InitialParams, objective: &Objective) -> Result<Vec<f64>, optimizer::Error> {
    let mut start = Vec::with_capacity(objective.dim());
    start.extend([init.k, init.m, init.sigma_obs.ln().max(LN_SIGMA_MIN)]);
    start.extend(&init.delta);
    start.extend(objective.col_order.iter().map(|&j| init.beta[j]));
    if start.iter().any(|v| !v.is_finite()) {
        return Err(optimizer::Error::static_str(
            "initial values must be finite",
        ));
    }
    Ok(start)
}

/// The objective at given parameters instead of a fit (a probe, `ProphetModel::from_params`).
fn at_params(
    objective: &Objective,
    p: &ProphetParams,
) -> Result<(Vec<f64>, f64, u64, bool), optimizer::Error> {
    if p.delta.len() != objective.s || p.beta.len() != objective.k {
        return Err(optimizer::Error::string(format!(
            "the parameters have {} deltas and {} betas, the model {} and {}",
            p.delta.len(),
            p.beta.len(),
            objective.s,
            objective.k
        )));
    }
    let mut theta = vec![p.k, p.m, p.sigma_obs.ln().max(LN_SIGMA_MIN)];
    theta.extend(&p.delta);
    theta.extend(&p.beta);
    let mut g = vec![0.0; theta.len()];
    let f = objective.value_grad(&theta, &mut g);
    Ok((theta, f, 0, true))
}

impl Optimizer for LbfgsOptimizer {
    fn optimize(
        &self,
        init: &InitialParams,
        data: &Data,
        opts: &OptimizeOpts,
    ) -> Result<OptimizedParams, optimizer::Error> {
        let hint = self.column_hint.lock().ok().and_then(|h| h.clone());
        let objective = if self.engine == Engine::ArgminSufficientStats {
            Objective::with_sufficient_statistics(data, hint.as_deref())
        } else {
            Objective::with_column_hint(data, hint.as_deref())
        };
        let objective = objective.map_err(optimizer::Error::string)?;
        if init.delta.len() != objective.s || init.beta.len() != objective.k {
            return Err(optimizer::Error::static_str(
                "initial values do not match the data's S and K",
            ));
        }
        let start = start_point(init, &objective)?;
        // Prophet asks Stan for Newton's method below 100 rows, L-BFGS otherwise; an explicit
        // `algorithm` wins (BFGS runs as L-BFGS).
        let newton = match opts.algorithm {
            Some(Algorithm::Newton) => true,
            Some(Algorithm::Lbfgs | Algorithm::Bfgs) => false,
            None => objective.n < NEWTON_BELOW_ROWS && objective.dim() <= NEWTON_MAX_DIM,
        };
        let probe = self.probe();
        let probe_set = probe.is_some();
        let (theta, cost, iterations, converged) = match self.engine {
            _ if probe.is_some() => at_params(&objective, &probe.expect("checked"))?,
            _ if newton => {
                let out = newton::minimize(
                    &|x: &[f64], g: &mut [f64]| objective.value_grad(x, g),
                    start.clone(),
                    opts.iter
                        .map_or(DEFAULT_ITER as usize, |i| i.max(1) as usize)
                        .min(NEWTON_MAX_ITER),
                )
                .map_err(optimizer::Error::string)?;
                (out.x, out.f, out.iterations as u64, out.converged)
            }
            #[cfg(feature = "experiments")]
            Engine::Stan => {
                let settings = Stopping::from_opts(opts);
                let out = stan_lbfgs::minimize(
                    &|x: &[f64], g: &mut [f64]| objective.value_grad(x, g),
                    start.clone(),
                    &settings,
                )
                .map_err(optimizer::Error::string)?;
                let converged = out.termination.converged();
                (out.x, out.f, out.iterations as u64, converged)
            }
            _ => argmin_fit(&objective, start.clone(), opts)?,
        };
        let (theta, cost, iterations, converged) = if probe_set {
            (theta, cost, iterations, converged)
        } else {
            // The default engine's check runs on sufficient statistics where the model allows
            // them (linear or flat trend, additive features): the same objective up to
            // rounding, at O(S·K + K²) an iteration instead of O(T·K). Its restarts crawl for
            // up to thousands of iterations on long series (docs/prophet.md, "The check on
            // sufficient statistics"); the fit's own run stays on the rows.
            let gram = match self.engine {
                Engine::Argmin => objective.sufficient_statistics(data),
                _ => None,
            };
            check_convergence(
                &objective,
                gram.as_ref(),
                start,
                (theta, cost, iterations, converged),
                opts,
            )?
        };
        if theta.iter().any(|v| !v.is_finite()) || !cost.is_finite() {
            return Err(optimizer::Error::static_str(
                "the optimiser diverged (non-finite parameters)",
            ));
        }
        let s = objective.s;
        let sigma_obs = PositiveFloat::try_from(theta[2].max(LN_SIGMA_MIN).exp())
            .map_err(|_| optimizer::Error::static_str("sigma_obs is not positive"))?;
        let report = FitReport {
            t_change: data.t_change.clone(),
            n_features: objective.k,
            iterations,
            objective: cost,
            converged,
        };
        if let Ok(mut last) = self.last.lock() {
            *last = Some(report);
        }
        if let Ok(mut state) = self.state.lock() {
            *state = Some(FitState {
                k: theta[0],
                m: theta[1],
                delta: theta[DELTA0..DELTA0 + s].to_vec(),
                sigma_obs: *sigma_obs,
                y_min: data.y.iter().copied().fold(f64::INFINITY, f64::min),
                y_max: data.y.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            });
        }
        Ok(OptimizedParams {
            k: theta[0],
            m: theta[1],
            sigma_obs,
            delta: theta[DELTA0..DELTA0 + s].to_vec(),
            beta: {
                let mut beta = vec![0.0; objective.k];
                for (p, &j) in objective.col_order.iter().enumerate() {
                    beta[j] = theta[DELTA0 + s + p];
                }
                beta
            },
            trend: objective.trend(&theta),
        })
    }
}
