//! Input validation shared by every model: one place decides what a usable series is.

use crate::error::{Error, Result};
use foresight_kernel::merge_sort_by;

/// Largest timestamp magnitude (ms): JavaScript's Date range.
pub const MAX_ABS_TIMESTAMP: f64 = 8.64e15;
/// Largest value magnitude: squares and sums of values stay finite with room to spare, so no
/// band, spread or interval overflows to infinity.
pub const MAX_ABS_VALUE: f64 = 1e100;

/// Most points (all series together) one detection or root-cause call takes: a panel's own
/// cap, past which time and memory grow beyond what a browser tab should spend.
pub const MAX_TOTAL_POINTS: usize = 2_000_000;

/// Refuses `total` points beyond [`MAX_TOTAL_POINTS`].
pub fn check_total_points(total: usize) -> Result<()> {
    if total > MAX_TOTAL_POINTS {
        return Err(Error::TooLarge {
            what: "points (all series together)",
            got: total,
            max: MAX_TOTAL_POINTS,
        });
    }
    Ok(())
}

/// A validated series: timestamps in milliseconds since the Unix epoch (UTC), strictly
/// increasing; values may still hold NaN for gaps (nulls, staleness markers).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    timestamps: Vec<f64>,
    values: Vec<f64>,
}

impl Series {
    /// Validates and normalises raw input.
    ///
    /// - Timestamps must be finite and within ±[`MAX_ABS_TIMESTAMP`]; rows are sorted by time.
    /// - Finite values must lie within ±[`MAX_ABS_VALUE`].
    /// - Duplicate timestamps keep the LAST row given (the newest sample wins, as when a
    ///   scrape is retried), so the rule does not depend on the sort algorithm.
    /// - Infinite values are treated as gaps (NaN), like nulls.
    /// - At least one finite value is required.
    pub fn new(timestamps: &[f64], values: &[f64]) -> Result<Self> {
        if timestamps.len() != values.len() {
            return Err(Error::LengthMismatch {
                timestamps: timestamps.len(),
                values: values.len(),
            });
        }
        if timestamps.is_empty() {
            return Err(Error::Empty);
        }
        if let Some(index) = timestamps.iter().position(|t| !t.is_finite()) {
            return Err(Error::NonFiniteTimestamp { index });
        }
        if let Some(index) = timestamps.iter().position(|t| t.abs() > MAX_ABS_TIMESTAMP) {
            return Err(Error::OutOfRange {
                what: "timestamp",
                index,
                value: timestamps[index],
                max: MAX_ABS_TIMESTAMP,
                hint: " ms, JavaScript's Date range",
            });
        }
        if let Some(index) = values
            .iter()
            .position(|v| v.is_finite() && v.abs() > MAX_ABS_VALUE)
        {
            return Err(Error::OutOfRange {
                what: "value",
                index,
                value: values[index],
                max: MAX_ABS_VALUE,
                hint: "; rescale the series (bands and intervals of larger values overflow)",
            });
        }
        let sorted = timestamps.windows(2).all(|w| w[0] < w[1]);
        let (timestamps, values) = if sorted {
            (
                timestamps.to_vec(),
                values.iter().map(|&v| gap_if_infinite(v)).collect(),
            )
        } else {
            let mut order: Vec<usize> = (0..timestamps.len()).collect();
            // Stable sort keeps input order among equal timestamps, so "last wins" holds (the
            // kernel's merge sort: each `sort_by` instantiation costs kilobytes of module).
            merge_sort_by(&mut order, |&a, &b| {
                timestamps[a].total_cmp(&timestamps[b]).is_le()
            });
            let mut ts: Vec<f64> = Vec::with_capacity(order.len());
            let mut vs: Vec<f64> = Vec::with_capacity(order.len());
            for i in order {
                let v = gap_if_infinite(values[i]);
                if ts.last() == Some(&timestamps[i]) {
                    *vs.last_mut().expect("same length as ts") = v;
                } else {
                    ts.push(timestamps[i]);
                    vs.push(v);
                }
            }
            (ts, vs)
        };
        if !values.iter().any(|v| v.is_finite()) {
            return Err(Error::NoFiniteValues);
        }
        Ok(Self { timestamps, values })
    }

    pub fn timestamps(&self) -> &[f64] {
        &self.timestamps
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// Number of non-gap values.
    pub fn finite_count(&self) -> usize {
        self.values.iter().filter(|v| v.is_finite()).count()
    }

    /// Fails unless at least `needed` values are numeric.
    pub fn require_points(&self, needed: usize) -> Result<()> {
        let got = self.finite_count();
        if got < needed {
            return Err(Error::TooFewPoints { needed, got });
        }
        Ok(())
    }
}

fn gap_if_infinite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_and_keeps_last_duplicate() {
        let s = Series::new(&[3.0, 1.0, 2.0, 1.0], &[30.0, 10.0, 20.0, 11.0]).unwrap();
        assert_eq!(s.timestamps(), &[1.0, 2.0, 3.0]);
        assert_eq!(s.values(), &[11.0, 20.0, 30.0]);
    }

    #[test]
    fn infinities_become_gaps() {
        let s = Series::new(&[1.0, 2.0, 3.0], &[1.0, f64::INFINITY, 3.0]).unwrap();
        assert!(s.values()[1].is_nan());
        assert_eq!(s.finite_count(), 2);
    }

    #[test]
    fn rejects_bad_input_with_typed_errors() {
        assert_eq!(Series::new(&[], &[]), Err(Error::Empty));
        assert_eq!(
            Series::new(&[1.0], &[1.0, 2.0]),
            Err(Error::LengthMismatch {
                timestamps: 1,
                values: 2
            })
        );
        assert_eq!(
            Series::new(&[1.0, 2.0], &[f64::NAN, f64::NAN]),
            Err(Error::NoFiniteValues)
        );
        assert_eq!(
            Series::new(&[1.0, f64::NAN], &[1.0, 2.0]),
            Err(Error::NonFiniteTimestamp { index: 1 })
        );
        let one = Series::new(&[1.0], &[5.0]).unwrap();
        assert_eq!(
            one.require_points(3),
            Err(Error::TooFewPoints { needed: 3, got: 1 })
        );
    }
}
