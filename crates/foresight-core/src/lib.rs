#![doc = include_str!("../README.md")]

pub mod baseline;
pub mod error;
pub mod series;

pub use baseline::{rolling_baseline, Baseline, BaselineOptions};
pub use error::{Error, Result};
pub use series::Series;
