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
    #[error("invalid option `{name}`: {reason}")]
    InvalidOption { name: &'static str, reason: String },
}

pub type Result<T> = std::result::Result<T, Error>;
