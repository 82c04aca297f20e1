#![doc = include_str!("../README.md")]

pub mod anomaly;
pub mod baseline;
mod by_name;
pub mod error;
pub mod insight;
#[cfg(feature = "prophet")]
pub mod prophet;
pub mod series;

pub use anomaly::{
    detect, detect_series, AnomalyKind, AnomalyOptions, CausalDetector, Detection, DetectionMode,
    Direction, Incident, SeriesAnomalies, ShockWindow,
};
pub use baseline::{rolling_baseline, Baseline, BaselineOptions};
pub use error::{Error, Result};
pub use series::Series;
