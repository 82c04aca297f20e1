//! Batch mode as the panel runs it (default options): recurring excursions are learnt as
//! seasonal, one at an unusual time is not; noise and imperfect seasonality do not flood the
//! incident list; nearby flagged runs make one incident.

use foresight_core::{detect, AnomalyKind, AnomalyOptions, Series};

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

fn series(v: &[f64]) -> Series {
    let ts: Vec<f64> = (0..v.len()).map(|i| T0 + i as f64 * STEP).collect();
    Series::new(&ts, v).unwrap()
}

fn daily(n: usize, amplitude: impl Fn(usize) -> f64, noise: f64, seed: u64) -> Vec<f64> {
    let mut r = Noise(seed);
    (0..n)
        .map(|i| {
            let phase = (i % DAY) as f64 / DAY as f64 * std::f64::consts::TAU;
            50.0 + amplitude(i / DAY) * phase.sin() + noise * r.next()
        })
        .collect()
}

/// Two weeks of a daily cycle with a batch job: a two-point spike every night around
/// 03:00, starting up to 15 minutes early or late.
fn with_nightly_job(seed: u64) -> Vec<f64> {
    let mut v = daily(DAY * 14, |_| 10.0, 1.0, seed);
    let mut jitter = Noise(seed ^ 0x9e37);
    for day in 0..14 {
        let offset = (jitter.next() * 3.0).round() as i64;
        let at = (day * DAY) as i64 + 36 + offset;
        for j in 0..2 {
            v[(at + j) as usize] += 25.0;
        }
    }
    v
}

#[test]
fn a_spike_recurring_every_night_is_seasonal() {
    let v = with_nightly_job(3);
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    let night: Vec<_> = d
        .incidents
        .iter()
        .filter(|i| {
            let phase = ((i.peak_time - T0) / STEP) as usize % DAY;
            (24..=48).contains(&phase)
        })
        .collect();
    assert!(night.is_empty(), "nightly job flagged: {night:?}");
    assert!(d.incidents.len() <= 2, "{:?}", d.incidents);
}

#[test]
fn the_same_spike_at_another_hour_is_an_anomaly() {
    let mut v = with_nightly_job(5);
    let at = DAY * 9 + 180; // 15:00 on day 9
    v[at] += 25.0;
    v[at + 1] += 25.0;
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    let hit = d
        .incidents
        .iter()
        .find(|i| i.start <= T0 + (at + 1) as f64 * STEP && i.end >= T0 + at as f64 * STEP)
        .unwrap_or_else(|| panic!("extra spike not found in {:?}", d.incidents));
    assert!(hit.peak_score > 1.0);
    // A nightly spike twice as high as usual is anomalous too.
    let mut v = with_nightly_job(5);
    let night = DAY * 10 + 30;
    let peak = (night..night + 12)
        .max_by(|&a, &b| v[a].total_cmp(&v[b]))
        .unwrap();
    v[peak] += 40.0;
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    assert!(
        d.incidents
            .iter()
            .any(|i| i.peak_time == T0 + peak as f64 * STEP),
        "doubled nightly spike not found in {:?}",
        d.incidents
    );
}

#[test]
fn noise_gives_a_handful_of_incidents_per_week_at_most() {
    // Heavy-tailed noise (a cube of uniform noise) around a daily cycle, two weeks.
    let mut r = Noise(21);
    let v: Vec<f64> = daily(DAY * 14, |_| 10.0, 0.0, 1)
        .into_iter()
        .map(|x| x + 4.0 * r.next().powi(3) + 0.5 * r.next())
        .collect();
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    assert!(d.incidents.len() <= 10, "{} incidents", d.incidents.len());
}

#[test]
fn a_daily_cycle_of_varying_amplitude_is_not_collective_throughout() {
    // Like a temperature: the daily swing changes from day to day (10 ± 5).
    let swing = |day: usize| 10.0 + 5.0 * ((day * 7919 % 11) as f64 / 5.0 - 1.0);
    let v = daily(DAY * 14, swing, 0.3, 9);
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    let r = &d.series[0];
    let collective = r
        .kind
        .iter()
        .filter(|k| **k == Some(AnomalyKind::Collective))
        .count();
    assert!(
        collective * 20 < v.len(),
        "{collective} of {} points collective",
        v.len()
    );
    assert!(d.incidents.len() <= 10, "{:?}", d.incidents);
}

#[test]
fn flagged_runs_close_together_are_one_incident() {
    let mut v = daily(DAY * 5, |_| 10.0, 0.5, 13);
    let at = DAY * 3 + 100;
    // Three spikes a few points apart: one event.
    for o in [0, 4, 8] {
        v[at + o] += 40.0;
    }
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    let near: Vec<_> = d
        .incidents
        .iter()
        .filter(|i| i.end >= T0 + at as f64 * STEP && i.start <= T0 + (at + 8) as f64 * STEP)
        .collect();
    assert_eq!(near.len(), 1, "{:?}", d.incidents);
    assert_eq!(near[0].start, T0 + at as f64 * STEP);
    assert_eq!(near[0].end, T0 + (at + 8) as f64 * STEP);
}

#[test]
fn prophet_behind_the_band_finds_a_spike_and_stays_quiet_otherwise() {
    use foresight_core::anomaly::BandModel;
    let o: AnomalyOptions = serde_json::from_str(r#"{"model":"prophet"}"#).unwrap();
    assert_eq!(o.model, BandModel::Prophet);
    assert_eq!(AnomalyOptions::default().model, BandModel::Auto);
    let mut v = daily(DAY * 5, |_| 10.0, 0.5, 17);
    let at = DAY * 3 + 50;
    v[at] += 30.0;
    let d = detect(&[series(&v)], &o).unwrap();
    assert!(
        d.incidents
            .iter()
            .any(|i| i.peak_time == T0 + at as f64 * STEP),
        "{:?}",
        d.incidents
    );
    assert!(d.incidents.len() <= 3, "{:?}", d.incidents);
    let r = &d.series[0];
    assert!((r.expected[at] - v[at - 1]).abs() < 5.0);
}

#[test]
fn a_long_period_in_many_points_stays_linear() {
    // 120,000 points with a cycle of 30,000: per-phase statistics must not gather thousands
    // of neighbouring bins per point (that was quadratic and would hang this test; no timing
    // assertion, machines are shared).
    let n = 120_000;
    let p = 30_000;
    let mut r = Noise(29);
    let v: Vec<f64> = (0..n)
        .map(|i| {
            let phase = (i % p) as f64 / p as f64 * std::f64::consts::TAU;
            50.0 + 10.0 * phase.sin() + 0.5 * r.next()
        })
        .collect();
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    assert_eq!(d.series[0].score.len(), n);
    assert!(d.series[0].score.iter().all(|x| x.is_finite()));
}

#[test]
fn recurring_spikes_on_a_flat_zero_series_keep_the_outputs_finite() {
    for height in [1.0, foresight_core::series::MAX_ABS_VALUE] {
        let mut v = vec![0.0; DAY * 7];
        for day in 0..7 {
            v[day * DAY + 40] = height;
        }
        let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
        let r = &d.series[0];
        assert!(r.score.iter().all(|s| s.is_finite() && *s >= 0.0));
        assert!(r
            .upper
            .iter()
            .chain(&r.lower)
            .chain(&r.expected)
            .all(|x| x.is_finite()));
        assert!(d.incidents.len() <= 7, "{:?}", d.incidents);
    }
}

#[test]
fn a_frozen_value_is_a_collective_incident_and_a_square_wave_is_not() {
    // A noisy daily cycle whose sensor freezes for 40 points (3 hours 20 minutes) on day 4:
    // one incident, collective, however its points score against the band.
    let mut v = daily(7 * DAY, |_| 10.0, 0.5, 53);
    let at = 4 * DAY + 100;
    let frozen = v[at];
    v[at..at + 40].iter_mut().for_each(|x| *x = frozen);
    let d = detect(&[series(&v)], &AnomalyOptions::default()).unwrap();
    let stuck: Vec<_> = d
        .incidents
        .iter()
        .filter(|i| i.start <= T0 + (at + 39) as f64 * STEP && i.end >= T0 + at as f64 * STEP)
        .collect();
    assert_eq!(stuck.len(), 1, "{:?}", d.incidents);
    assert_eq!(stuck[0].kind, AnomalyKind::Collective);
    // A square wave rests at each level for half a day: its runs are its usual runs, and the
    // stuck-value test adds nothing to what the rest of the model says.
    let square: Vec<f64> = (0..7 * DAY)
        .map(|i| if i % DAY < DAY / 2 { 20.0 } else { 80.0 })
        .collect();
    let opts = AnomalyOptions::default();
    let with = detect(&[series(&square)], &opts).unwrap();
    let without = foresight_core::anomaly::detect_tuned(
        &[series(&square)],
        &opts,
        foresight_core::anomaly::Tuning {
            stuck_runs: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(with.incidents, without.incidents);
}

/// Two weeks of a mostly idle series (about 2, noise 0.3) with bursts to 40–80 lasting 3 to
/// 8 points at irregular times, about every 3 hours (an on/off job).
fn on_off(seed: u64) -> Vec<f64> {
    let mut r = Noise(seed);
    let mut v: Vec<f64> = (0..DAY * 14).map(|_| 2.0 + 0.3 * r.next()).collect();
    let mut at = 20usize;
    while at + 8 < v.len() {
        let len = 5 + (2.5 * r.next()).round() as i64;
        let height = 60.0 + 20.0 * r.next();
        for x in &mut v[at..at + len as usize] {
            *x = height + 2.0 * r.next();
        }
        at += (36.0 + 30.0 * r.next()) as usize;
    }
    v
}

#[test]
fn a_bursty_series_lists_only_what_stands_out_from_its_own_bursts() {
    let opts = AnomalyOptions::default();
    let v = on_off(11);
    let d = detect(&[series(&v)], &opts).unwrap();
    let without = foresight_core::anomaly::detect_tuned(
        &[series(&v)],
        &opts,
        foresight_core::anomaly::Tuning {
            chance_rate: 0.0,
            ..Default::default()
        },
    )
    .unwrap();
    // Without the incident-level test its ordinary bursts are listed; with it, at most a
    // third as many.
    assert!(without.incidents.len() >= 10, "{:?}", without.incidents);
    assert!(
        d.incidents.len() * 3 <= without.incidents.len(),
        "{:?}",
        d.incidents
    );

    // A burst four times the usual height, lasting as long as the longest, is listed.
    let mut w = v.clone();
    let at = 9 * DAY + 100;
    w[at..at + 8].iter_mut().for_each(|x| *x = 280.0);
    let d = detect(&[series(&w)], &opts).unwrap();
    let (s, e) = (T0 + at as f64 * STEP, T0 + (at + 7) as f64 * STEP);
    assert!(
        d.incidents.iter().any(|i| i.start <= e && i.end >= s),
        "{:?}",
        d.incidents
    );
}

/// Three weeks of a temperature-like day: flat nights, steep mornings and evenings, each day
/// warming and cooling up to 30 minutes earlier or later than usual.
fn jittered_days(seed: u64) -> Vec<f64> {
    let mut r = Noise(seed);
    let mut jitter = Noise(seed ^ 0x51ed);
    let mut v = Vec::with_capacity(DAY * 21);
    for _ in 0..21 {
        let shift = jitter.next() * 6.0; // points of 5 minutes
        for i in 0..DAY {
            let x = (i as f64 - shift) / DAY as f64 * std::f64::consts::TAU;
            // A sine pushed towards a square wave: the edges are where timing shows.
            let day = (3.0 * x.sin()).tanh();
            v.push(30.0 + 20.0 * day + 0.3 * r.next());
        }
    }
    v
}

#[test]
fn days_that_warm_early_or_late_are_not_incidents_a_shift_still_is() {
    let collective = |v: &[f64]| {
        let d = detect(&[series(v)], &AnomalyOptions::default()).unwrap();
        d.incidents
            .iter()
            .filter(|i| i.kind == AnomalyKind::Collective)
            .count()
    };
    for seed in [3, 5, 8] {
        let v = jittered_days(seed);
        // The collective bar at the steep edges follows how much shifts vary at that time
        // of day (with one bar for the whole day: 13, 20 and 15 incidents on these seeds).
        let quiet = collective(&v);
        assert!(
            quiet <= 7,
            "seed {seed}: {quiet} collective incidents in 21 days"
        );
        // The same days with the last two shifted down by a fifth of the swing.
        let mut shifted = v.clone();
        for x in &mut shifted[DAY * 19..] {
            *x -= 8.0;
        }
        let d = detect(&[series(&shifted)], &AnomalyOptions::default()).unwrap();
        let found = d.incidents.iter().any(|i| {
            i.end >= T0 + (DAY * 19) as f64 * STEP && i.start <= T0 + (DAY * 20) as f64 * STEP
        });
        assert!(
            found,
            "seed {seed}: the shift is not found: {:?}",
            d.incidents
        );
    }
}
