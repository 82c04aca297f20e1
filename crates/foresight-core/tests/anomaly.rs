//! Planted anomalies of each kind (and series with none) must be found with the right kind
//! at the right time, in both modes; bad input must give typed errors or sane output.

use foresight_core::{
    detect, detect_series, AnomalyKind, AnomalyOptions, DetectionMode, Direction, Error, Series,
    ShockWindow,
};

const STEP: f64 = 300_000.0; // 5 minutes
const T0: f64 = 1.7e12;
const DAY: usize = 288;

/// Deterministic uniform noise in [-1, 1].
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 2_000_001) as f64 / 1_000_000.0 - 1.0
    }
}

fn times(n: usize) -> Vec<f64> {
    (0..n).map(|i| T0 + i as f64 * STEP).collect()
}

/// Daily sine of amplitude 10 around 50 plus uniform noise of amplitude `noise`.
fn seasonal(n: usize, noise: f64, seed: u64) -> Vec<f64> {
    let mut r = Noise(seed);
    (0..n)
        .map(|i| {
            let phase = (i % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            50.0 + 10.0 * phase.sin() + noise * r.next()
        })
        .collect()
}

fn flat(n: usize, noise: f64, seed: u64) -> Vec<f64> {
    let mut r = Noise(seed);
    (0..n).map(|_| 10.0 + noise * r.next()).collect()
}

fn opts(mode: DetectionMode) -> AnomalyOptions {
    AnomalyOptions {
        mode,
        ..Default::default()
    }
}

fn series(v: &[f64]) -> Series {
    Series::new(&times(v.len()), v).unwrap()
}

const MODES: [DetectionMode; 2] = [DetectionMode::Batch, DetectionMode::Causal];

#[test]
fn clean_seasonal_series_has_no_anomalies_and_the_period_is_found() {
    let v = seasonal(DAY * 6, 0.5, 7);
    for mode in MODES {
        // A 3.3-sigma band: the causal residual (noise minus the level's and the
        // profile's own errors) is a little wider-tailed than the uniform noise.
        let o = AnomalyOptions {
            sensitivity: 0.4,
            ..opts(mode)
        };
        let d = detect(&[series(&v)], &o).unwrap();
        // Causal mode cannot know the daily cycle before it has seen a few days of it (it
        // refits at 256, 512, 1024... points; 2.5 cycles are needed): later points only.
        let known_from = match mode {
            DetectionMode::Batch => T0,
            DetectionMode::Causal => T0 + (4 * DAY) as f64 * STEP,
        };
        let late: Vec<_> = d.incidents.iter().filter(|i| i.end >= known_from).collect();
        assert!(late.is_empty(), "{mode:?}: {late:?}");
        let r = &d.series[0];
        assert!((DAY - 2..=DAY + 2).contains(&r.period.unwrap()), "{mode:?}");
        assert!(r.score.iter().all(|s| s.is_finite() && *s >= 0.0));
    }
}

#[test]
fn spike_is_a_global_anomaly_at_its_time() {
    let mut v = seasonal(DAY * 5, 0.5, 11);
    let at = DAY * 4 + 17;
    v[at] = 200.0;
    for mode in MODES {
        let d = detect(&[series(&v)], &opts(mode)).unwrap();
        let hit = d
            .incidents
            .iter()
            .find(|i| i.peak_time == T0 + at as f64 * STEP)
            .unwrap_or_else(|| panic!("{mode:?}: spike not found in {:?}", d.incidents));
        assert_eq!(hit.kind, AnomalyKind::Global, "{mode:?}");
        assert_eq!(hit.direction, Direction::Up);
        assert!(hit.peak_score > 1.0);
        // Robust training: the spike does not drag the expected value along.
        let r = &d.series[0];
        assert!((r.expected[at] - 50.0).abs() < 12.0, "{mode:?}");
        assert!(r.upper[at] < 200.0);
    }
}

#[test]
fn normal_value_at_the_wrong_time_of_day_is_contextual() {
    let mut v = seasonal(DAY * 5, 0.3, 13);
    // The daily trough (about 40) replaced by the daily mean: normal overall, not at 6 pm.
    let at = DAY * 4 + DAY * 3 / 4;
    v[at] = 50.0;
    for mode in MODES {
        let d = detect(&[series(&v)], &opts(mode)).unwrap();
        let hit = d
            .incidents
            .iter()
            .find(|i| i.peak_time == T0 + at as f64 * STEP)
            .unwrap_or_else(|| panic!("{mode:?}: not found in {:?}", d.incidents));
        assert_eq!(hit.kind, AnomalyKind::Contextual, "{mode:?}");
        assert_eq!(hit.direction, Direction::Up);
    }
}

#[test]
fn small_sustained_shift_is_collective() {
    let n = 1200;
    let shift_at = 900;
    let mut v = flat(n, 1.0, 17);
    for x in &mut v[shift_at..] {
        // Each point stays inside the band; the level change does not.
        *x += 2.5;
    }
    for mode in MODES {
        let o = AnomalyOptions {
            sensitivity: 0.0,
            ..opts(mode)
        };
        let d = detect(&[series(&v)], &o).unwrap();
        let hit = d
            .incidents
            .iter()
            .find(|i| i.kind == AnomalyKind::Collective)
            .unwrap_or_else(|| panic!("{mode:?}: no collective incident in {:?}", d.incidents));
        let start = (hit.start - T0) / STEP;
        assert!(
            (shift_at as f64..shift_at as f64 + 24.0).contains(&start),
            "{mode:?}: starts at point {start}"
        );
        assert_eq!(hit.direction, Direction::Up);
    }
}

#[test]
fn one_series_unlike_its_siblings_is_a_peer_anomaly() {
    let n = 800;
    let mut group: Vec<Vec<f64>> = (0..5).map(|s| flat(n, 0.5, 100 + s)).collect();
    // Every series but #2 steps up together for a while: a shared event, except for #2.
    for (s, v) in group.iter_mut().enumerate() {
        if s != 2 {
            for x in &mut v[600..640] {
                *x += 6.0;
            }
        }
    }
    let series: Vec<Series> = group.iter().map(|v| series(v)).collect();
    for mode in MODES {
        let d = detect(&series, &opts(mode)).unwrap();
        let peer: Vec<_> = d
            .incidents
            .iter()
            .filter(|i| i.kind == AnomalyKind::Peer)
            .collect();
        assert!(!peer.is_empty(), "{mode:?}: {:?}", d.incidents);
        assert!(peer.iter().all(|i| i.series == 2), "{mode:?}: {peer:?}");
        let start = (peer[0].start - T0) / STEP;
        assert!((600.0..610.0).contains(&start), "{mode:?}: {start}");
        assert_eq!(peer[0].direction, Direction::Down);
    }
}

#[test]
fn causal_scores_do_not_depend_on_later_points() {
    let mut v = seasonal(DAY * 4, 0.5, 19);
    v[700] = 120.0;
    let full = detect_series(&series(&v), &opts(DetectionMode::Causal)).unwrap();
    let prefix = detect_series(&series(&v[..800]), &opts(DetectionMode::Causal)).unwrap();
    assert_eq!(&full.score[..800], &prefix.score[..]);
    assert_eq!(&full.expected[..800], &prefix.expected[..]);
}

#[test]
fn controls_direction_floor_duration_and_shock_windows() {
    let mut v = flat(1000, 0.5, 23);
    v[600] = -50.0;
    v[700] = 12.0; // modest bump: 4 noise amplitudes
    v[800] = 80.0;
    let s = series(&v);
    let found = |o: &AnomalyOptions, at: usize| detect_series(&s, o).unwrap().kind[at].is_some();
    let base = opts(DetectionMode::Batch);
    assert!(found(&base, 600) && found(&base, 700) && found(&base, 800));
    let up = AnomalyOptions {
        direction: Direction::Up,
        ..base.clone()
    };
    assert!(!found(&up, 600) && found(&up, 800));
    let floor = AnomalyOptions {
        min_abs_deviation: 5.0,
        ..base.clone()
    };
    assert!(!found(&floor, 700) && found(&floor, 800));
    let relative = AnomalyOptions {
        min_rel_deviation: 0.5,
        ..base.clone()
    };
    assert!(!found(&relative, 700) && found(&relative, 800));
    let long = AnomalyOptions {
        min_duration_ms: 10.0 * STEP,
        ..base.clone()
    };
    assert!(!found(&long, 800));
    let shock = AnomalyOptions {
        shock_windows: vec![ShockWindow {
            start: T0 + 790.0 * STEP,
            end: T0 + 810.0 * STEP,
        }],
        ..base
    };
    assert!(!found(&shock, 800) && found(&shock, 600));
}

#[test]
fn constant_series_has_no_anomalies_and_a_safe_band() {
    for mode in MODES {
        let r = detect_series(&series(&[7.0; 500]), &opts(mode)).unwrap();
        assert!(r.kind.iter().all(Option::is_none));
        assert!(r.score.iter().all(|s| *s == 0.0));
        for i in 1..500 {
            assert!(r.lower[i] <= 7.0 && r.upper[i] >= 7.0, "{mode:?} at {i}");
            assert!(r.upper[i].is_finite() && r.lower[i].is_finite());
        }
    }
}

#[test]
fn bad_input_gives_typed_errors_or_sane_output() {
    assert_eq!(detect(&[], &AnomalyOptions::default()), Err(Error::Empty));
    assert_eq!(
        Series::new(&[1.0, 2.0], &[f64::NAN, f64::NAN]),
        Err(Error::NoFiniteValues)
    );
    let bad = AnomalyOptions {
        sensitivity: 2.0,
        ..Default::default()
    };
    assert!(matches!(
        detect(&[series(&[1.0, 2.0, 3.0])], &bad),
        Err(Error::InvalidOption {
            name: "sensitivity",
            ..
        })
    ));
    let bad = AnomalyOptions {
        min_rel_deviation: f64::NAN,
        ..Default::default()
    };
    assert!(detect(&[series(&[1.0, 2.0, 3.0])], &bad).is_err());

    for mode in MODES {
        let o = opts(mode);
        // Single point, two points, gaps.
        for v in [
            vec![3.0],
            vec![3.0, 4.0],
            vec![1.0, f64::NAN, 2.0, f64::NAN],
        ] {
            let r = detect_series(&series(&v), &o).unwrap();
            assert_eq!(r.score.len(), v.len());
            assert!(r.kind.iter().all(Option::is_none), "{mode:?} {v:?}");
        }
        // Gaps of days and irregular steps.
        let mut ts = Vec::new();
        let mut t = T0;
        for i in 0..600 {
            t += if i == 300 {
                3.0 * 86_400_000.0
            } else {
                60_000.0 * (1 + i % 7) as f64
            };
            ts.push(t);
        }
        let v = flat(600, 1.0, 29);
        let r = detect_series(&Series::new(&ts, &v).unwrap(), &o).unwrap();
        assert!(r.score.iter().all(|s| s.is_finite()));
        // Values near the largest magnitude a series may hold, with a spike to the other end.
        let max = foresight_core::series::MAX_ABS_VALUE;
        let mut huge: Vec<f64> = flat(400, 1.0, 31).iter().map(|x| x * max / 12.0).collect();
        huge[300] = -max;
        let r = detect_series(&series(&huge), &o).unwrap();
        assert!(
            r.score.iter().all(|s| s.is_finite() && *s >= 0.0),
            "{mode:?}"
        );
        assert_eq!(r.kind[300], Some(AnomalyKind::Global), "{mode:?}");
        // One series in a peer group: no peer kind, no error.
        let d = detect(&[series(&flat(100, 1.0, 37))], &o).unwrap();
        assert!(d.incidents.iter().all(|i| i.kind != AnomalyKind::Peer));
    }
}

#[test]
fn a_million_points_are_scored() {
    // No timing assertion (machines are shared): a quadratic step would hang this test, and
    // docs/evaluation.md records the measured run times.
    let n = 1_000_000;
    let v = flat(n, 1.0, 41);
    let s = series(&v);
    for mode in MODES {
        let r = detect_series(&s, &opts(mode)).unwrap();
        assert_eq!(r.score.len(), n);
        assert!(r.score.iter().all(|x| x.is_finite()), "{mode:?}");
    }
}

#[test]
fn options_and_results_serialise_in_camel_case() {
    let json = serde_json::to_value(AnomalyOptions::default()).unwrap();
    assert!(json.get("minAbsDeviation").is_some());
    assert!(json.get("shockWindows").is_some());
    let o: AnomalyOptions =
        serde_json::from_str(r#"{"mode":"causal","direction":"up","sensitivity":0.7}"#).unwrap();
    assert_eq!(o.mode, DetectionMode::Causal);
    assert_eq!(o.direction, Direction::Up);
    let mut v = flat(300, 0.5, 43);
    v[250] = 99.0;
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["incidents"][0]["kind"], "global");
    assert!(json["incidents"][0].get("peakTime").is_some());
}

#[test]
fn streaming_and_alerts_survive_bad_points() {
    let mut det = foresight_core::CausalDetector::new(&opts(DetectionMode::Causal)).unwrap();
    let v = flat(400, 1.0, 47);
    let mut scores = Vec::new();
    for (i, &x) in v.iter().enumerate() {
        let t = T0 + i as f64 * STEP;
        // A repeated timestamp, a non-finite one, NaN, infinite and huge values.
        let (t, x) = match i {
            100 => (t - STEP, x),
            150 => (f64::NAN, x),
            200 => (t, f64::NAN),
            250 => (t, f64::INFINITY),
            300 => (t, f64::MAX),
            _ => (t, x),
        };
        let p = det.update(t, x);
        assert!(p.score.is_finite() && p.score >= 0.0, "point {i}: {p:?}");
        scores.push(p.score);
    }
    assert!(scores[300] > 1.0, "f64::MAX is an anomaly: {}", scores[300]);
    let mut raw = scores.clone();
    raw.extend([f64::NAN, f64::INFINITY, -1.0, 1e300]);
    let mut values = v.clone();
    values.extend([f64::NAN, f64::MAX, -f64::MAX, 0.0]);
    let a = foresight_core::anomaly::nab_transform::nab_levels(
        &raw,
        &values,
        &foresight_core::anomaly::nab_transform::NabTransformOptions::default(),
    );
    assert_eq!(a.len(), raw.len());
    assert!(a.iter().all(|x| (0.0..=1.0).contains(x)), "{a:?}");
    assert!(
        foresight_core::anomaly::nab_transform::nab_levels(&[], &[], &Default::default())
            .is_empty()
    );
}

#[test]
fn batch_reports_the_residual_spread_its_band_is_built_from() {
    // Uniform noise of amplitude 3: standard deviation 3/sqrt(3) ≈ 1.73.
    let v = seasonal(DAY * 6, 3.0, 11);
    let r = detect_series(&series(&v), &opts(DetectionMode::Batch)).unwrap();
    let spread = r
        .residual_spread
        .expect("batch mode reports the residual spread");
    assert!((1.2..2.6).contains(&spread), "spread {spread}");
    // Without minimum-deviation floors, the band's typical half-width is band_sigmas spreads.
    let mut half: Vec<f64> = r
        .upper
        .iter()
        .zip(&r.lower)
        .map(|(u, l)| (u - l) / 2.0)
        .collect();
    half.sort_by(f64::total_cmp);
    let k = opts(DetectionMode::Batch).band_sigmas();
    assert!(
        half[half.len() / 2] >= k * spread * 0.99,
        "median half-width {} vs {}",
        half[half.len() / 2],
        k * spread
    );
    // Causal mode has no single fitted spread.
    assert!(detect_series(&series(&v), &opts(DetectionMode::Causal))
        .unwrap()
        .residual_spread
        .is_none());
}
