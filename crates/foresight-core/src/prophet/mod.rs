//! Prophet without Stan: augurs-prophet's model, fitted by a pure-Rust optimiser.
//!
//! [`LbfgsOptimizer`] implements augurs-prophet's `Optimizer` (the MAP estimate Stan's
//! `optimize` finds); [`ProphetModel`] is the forecasting API on top of augurs-prophet's
//! `Prophet`, with Prophet's option names ([`ForecastOptions`]).

mod columns;
mod features;
mod fit;
mod names;
mod newton;
mod objective;
mod optimizer;
mod options;
mod owlqn;
mod predict;
mod stan_lbfgs;
mod stopping;

pub use columns::{ExtraColumns, BUILTIN_CONDITIONS};
pub use fit::{
    ProphetModel, RegressorInfo, SeasonalityInfo, MAX_DESIGN_CELLS, MAX_FIT_POINTS,
    MAX_FOURIER_ORDER, MAX_PREDICT_TIMESTAMPS, MAX_SAMPLE_CELLS,
};
#[cfg(feature = "experiments")]
pub use optimizer::Engine;
pub use optimizer::{FitReport, LbfgsOptimizer, ProphetParams};
pub use options::{
    parse_datetime_ms, AddedSeasonality, ForecastOptions, Growth, HolidayRow, Mode,
    OptimizeSettings, RegressorOptions, Scaling, SeasonalitySetting, Standardize, TimeValue,
};
pub use predict::{Component, Forecast};
