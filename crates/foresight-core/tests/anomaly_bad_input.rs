//! The bad inputs of issue 13 — constant series, all gaps, one point, a million points,
//! counts that are mostly zero, a series whose period changes — in both modes: no panic, no
//! NaN score or alert level, and no storm of false incidents. The incident ceilings are
//! a few times the counts measured when they were set (docs/evaluation.md), far below a storm.

use foresight_core::anomaly::nab_transform::{nab_levels_with_drift, NabTransformOptions};
use foresight_core::{detect, AnomalyOptions, Detection, DetectionMode, Error, Series};

const STEP: f64 = 300_000.0; // 5 minutes
const T0: f64 = 1.7e12;
const DAY: usize = 288;
const MODES: [DetectionMode; 2] = [DetectionMode::Batch, DetectionMode::Causal];

/// Deterministic uniform numbers in [0, 1).
struct Uniform(u64);

impl Uniform {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// A Poisson draw (Knuth's method; small rates only).
    fn poisson(&mut self, lambda: f64) -> f64 {
        let limit = (-lambda).exp();
        let (mut k, mut p) = (0.0, self.next());
        while p > limit {
            k += 1.0;
            p *= self.next();
        }
        k
    }
}

fn times(n: usize) -> Vec<f64> {
    (0..n).map(|i| T0 + i as f64 * STEP).collect()
}

fn detect_one(values: &[f64], mode: DetectionMode) -> Result<Detection, Error> {
    let s = Series::new(&times(values.len()), values)?;
    detect(
        &[s],
        &AnomalyOptions {
            mode,
            ..Default::default()
        },
    )
}

/// Scores and alert levels are finite, scores non-negative, alert levels in [0, 1]; returns
/// the number of incidents.
fn sane(values: &[f64], mode: DetectionMode, what: &str) -> usize {
    let d = detect_one(values, mode).unwrap_or_else(|e| panic!("{what} {mode:?}: {e}"));
    let r = &d.series[0];
    assert_eq!(r.score.len(), values.len(), "{what} {mode:?}");
    assert!(
        r.score.iter().all(|s| s.is_finite() && *s >= 0.0),
        "{what} {mode:?}: a score is not a finite non-negative number"
    );
    let signed: Vec<f64> = (0..r.values.len())
        .map(|j| (r.values[j] - r.expected[j]) / (0.5 * (r.upper[j] - r.lower[j])))
        .collect();
    let alerts = nab_levels_with_drift(
        &r.score,
        &r.values,
        &signed,
        &NabTransformOptions::default(),
    );
    assert!(
        alerts.iter().all(|a| (0.0..=1.0).contains(a)),
        "{what} {mode:?}: an alert level outside [0, 1]"
    );
    d.incidents.len()
}

#[test]
fn constant_series_with_gaps_raise_nothing() {
    let mut v = vec![42.0; 3000];
    for i in (0..3000).step_by(97) {
        v[i] = f64::NAN;
    }
    for mode in MODES {
        assert_eq!(sane(&v, mode, "constant with gaps"), 0);
        // Constant zero (an idle counter).
        assert_eq!(sane(&[0.0; 2000], mode, "zeros"), 0);
    }
}

#[test]
fn all_gaps_and_single_points_give_typed_errors_or_nothing() {
    for mode in MODES {
        assert_eq!(
            detect_one(&[f64::NAN; 100], mode).err(),
            Some(Error::NoFiniteValues)
        );
        // One finite value among gaps, one point, two points.
        let mut lone = vec![f64::NAN; 100];
        lone[50] = 3.0;
        for v in [lone, vec![3.0], vec![3.0, 1e9]] {
            assert_eq!(sane(&v, mode, "sparse"), 0, "{mode:?} {v:?}");
        }
    }
}

#[test]
fn mostly_zero_counts_do_not_storm() {
    // A queue that is empty 95 % of the time, with a daily rise, over two weeks.
    let mut u = Uniform(0x5eed_0013);
    let n = 14 * DAY;
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let phase = (i % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            u.poisson(0.05 * (1.0 + phase.sin()))
        })
        .collect();
    assert!(v.iter().filter(|&&x| x == 0.0).count() * 100 >= 90 * n);
    // Batch: the band is never narrower than 1.5 counts (measured: 0 incidents; 33 before).
    // Causal: 79 incidents, an open problem (the same floor there cost NAB's cross-validated
    // score, docs/evaluation.md); its ceiling only guards against getting worse.
    for (mode, ceiling) in [(DetectionMode::Batch, 5), (DetectionMode::Causal, 120)] {
        let incidents = sane(&v, mode, "mostly zero");
        eprintln!("mostly zero {mode:?}: {incidents} incidents in {n} points");
        assert!(incidents <= ceiling, "{mode:?}: {incidents} incidents");
    }
}

#[test]
fn a_period_that_changes_does_not_storm() {
    // A daily cycle for a week, then a cycle of half a day for a week (a schedule change),
    // with a little noise.
    let mut u = Uniform(0x5eed_0031);
    let n = 14 * DAY;
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let period = if i < n / 2 { DAY } else { DAY / 2 };
            let phase = (i % period) as f64 / period as f64 * std::f64::consts::TAU;
            100.0 + 20.0 * phase.sin() + 2.0 * (u.next() - 0.5)
        })
        .collect();
    for (mode, ceiling) in [(DetectionMode::Batch, 30), (DetectionMode::Causal, 60)] {
        let incidents = sane(&v, mode, "changing period");
        eprintln!("changing period {mode:?}: {incidents} incidents in {n} points");
        assert!(incidents <= ceiling, "{mode:?}: {incidents} incidents");
    }
}

#[test]
fn a_million_noisy_points_raise_few_incidents() {
    // No timing assertion (machines are shared); a storm would show in the count.
    let mut u = Uniform(0x5eed_0041);
    let n = 1_000_000;
    let v: Vec<f64> = (0..n).map(|_| 10.0 + u.next()).collect();
    for (mode, ceiling) in [(DetectionMode::Batch, 200), (DetectionMode::Causal, 400)] {
        let incidents = sane(&v, mode, "a million points");
        eprintln!("a million points {mode:?}: {incidents} incidents");
        assert!(incidents <= ceiling, "{mode:?}: {incidents} incidents");
    }
}
