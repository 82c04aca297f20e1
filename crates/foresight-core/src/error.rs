use thiserror::Error;

/// Everything the engine can refuse, with a message fit to show a user.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum Error {
    #[error("the series is empty")]
    Empty,
    #[error("timestamps and values differ in length ({timestamps} timestamps, {values} values)")]
    LengthMismatch { timestamps: usize, values: usize },
    #[error("the series has no numeric values (all are null or NaN)")]
    NoFiniteValues,
    #[error("too few points: {needed} numeric points are needed, the series has {got}")]
    TooFewPoints { needed: usize, got: usize },
    #[error("timestamp at position {index} is not a finite number")]
    NonFiniteTimestamp { index: usize },
    #[error(
        "{what} at position {index} ({value}) is out of range: at most {max} in magnitude{hint}"
    )]
    OutOfRange {
        what: &'static str,
        index: usize,
        value: f64,
        max: f64,
        hint: &'static str,
    },
    #[error("too many points for a Prophet fit: {points} (at most {max}); aggregate the series to a coarser step")]
    TooManyPoints { points: usize, max: usize },
    #[error("too many {what}: {got} (at most {max} in one call)")]
    TooLarge {
        what: &'static str,
        got: usize,
        max: usize,
    },
    #[error("invalid option `{name}`: {reason}")]
    InvalidOption { name: &'static str, reason: String },
    #[error("logistic growth needs a `cap` (the carrying capacity)")]
    MissingCap,
    #[error("the cap ({cap}) must be greater than the floor ({floor})")]
    CapNotAboveFloor { cap: f64, floor: f64 },
    #[error("the model is too large: {rows} rows x {columns} features exceeds {max_cells} cells; lower the Fourier orders or holiday windows")]
    ModelTooLarge {
        rows: usize,
        columns: usize,
        max_cells: usize,
    },
    #[error("too many timestamps to predict at once: {requested} (at most {max} with these uncertainty_samples)")]
    TooManyTimestamps { requested: usize, max: usize },
    #[error("no values were given for `{name}`, which the model uses as {what}")]
    MissingColumn { name: String, what: &'static str },
    #[error("regressor `{name}` has no value at {timestamp} ms (every training row and every timestamp to predict needs one)")]
    MissingRegressorValue { name: String, timestamp: f64 },
    #[error("condition `{name}` has no value at {timestamp} ms (every training row and every timestamp to predict needs one)")]
    MissingConditionValue { name: String, timestamp: f64 },
    #[error("regressor `{name}` is constant over the training rows ({value}): it cannot explain anything the trend does not")]
    ConstantRegressor { name: String, value: f64 },
    #[error(
        "condition `{name}` of seasonality `{seasonality}` is never true on the training rows"
    )]
    ConditionNeverTrue { name: String, seasonality: String },
    #[error("the model could not be set up: {0}")]
    Model(String),
    #[error("fitting failed: {0}")]
    Optimization(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// The error for an option with a bad value, named as the caller wrote it: the one constructor
/// every option check uses.
pub(crate) fn invalid(name: &'static str, reason: impl Into<String>) -> Error {
    Error::InvalidOption {
        name,
        reason: reason.into(),
    }
}
