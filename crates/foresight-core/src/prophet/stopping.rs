//! When a fit stops: CmdStan's `optimize` defaults as Prophet calls it, overridden by the
//! settings a fit passes (Prophet's `fit` keyword arguments, [`OptimizeOpts`]). Every engine
//! stops on these: the default (argmin's L-BFGS, through foresight-kernel's settings), the
//! Stan-style L-BFGS of the fallback and the convergence check, and Newton's iteration budget.

use augurs_prophet::optimizer::OptimizeOpts;

/// Stan's iteration budget as Prophet calls `optimize` (`iter = 10^4`).
pub(crate) const DEFAULT_ITER: u64 = 10_000;

/// A run stops on a small change of the objective (Stan's `tol_obj`, `tol_rel_obj`) only
/// when the L-BFGS model expects at most this many nats more from going on (½·g·H⁻¹g):
/// parity with Stan is judged in nats from its optimum (issue 14), and a stop far above
/// this bound is a stall, not an optimum.
const MAX_GAP: f64 = 0.01;

/// The loosest `tol_rel_obj` a fit uses: a looser one asked for is capped, since looser
/// settings stopped well short of the optimum and, with the convergence check's restart, cost
/// more iterations in all (docs/prophet.md, "Parity fuzzer").
const MAX_TOL_REL_OBJ: f64 = 1e7;

/// The stopping settings of one run.
#[derive(Debug, Clone)]
pub(crate) struct Stopping {
    pub history: usize,
    pub init_alpha: f64,
    pub tol_obj: f64,
    pub tol_rel_obj: f64,
    pub tol_grad: f64,
    pub tol_rel_grad: f64,
    pub tol_param: f64,
    pub max_iter: usize,
    /// The objective-change tests (absolute and relative) stop a run only when the quadratic
    /// model's remaining decrease, ½·g·H⁻¹g, is at most this many nats (Stan: no such
    /// condition, `f64::INFINITY`).
    pub max_gap: f64,
    /// When positive, a run also stops once the objective fell by less than `window_gain`
    /// nats over the last `window` iterations.
    pub window: usize,
    pub window_gain: f64,
}

impl Default for Stopping {
    /// CmdStan's defaults, as Prophet calls `optimize`.
    fn default() -> Self {
        Self {
            history: 5,
            init_alpha: 1e-3,
            tol_obj: 1e-12,
            tol_rel_obj: 1e4,
            tol_grad: 1e-8,
            tol_rel_grad: 1e7,
            tol_param: 1e-8,
            max_iter: DEFAULT_ITER as usize,
            max_gap: f64::INFINITY,
            window: 0,
            window_gain: 0.0,
        }
    }
}

impl Stopping {
    /// Stan's defaults, overridden by whatever `opts` sets; the gap bound always on.
    pub(crate) fn from_opts(opts: &OptimizeOpts) -> Self {
        let d = Self::default();
        Self {
            history: opts.history_size.map_or(d.history, |h| h.max(1) as usize),
            init_alpha: opts.init_alpha.filter(|a| *a > 0.0).unwrap_or(d.init_alpha),
            tol_obj: opts.tol_obj.unwrap_or(d.tol_obj),
            tol_rel_obj: opts
                .tol_rel_obj
                .map_or(d.tol_rel_obj, |t| t.min(MAX_TOL_REL_OBJ)),
            tol_grad: opts.tol_grad.unwrap_or(d.tol_grad),
            tol_rel_grad: opts.tol_rel_grad.unwrap_or(d.tol_rel_grad),
            tol_param: opts.tol_param.unwrap_or(d.tol_param),
            max_iter: opts.iter.map_or(d.max_iter, |i| i.max(1) as usize),
            max_gap: MAX_GAP,
            window: 0,
            window_gain: 0.0,
        }
    }
}
