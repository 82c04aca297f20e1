//! Driver series (issue 19): a series that moves with a driver (a business metric such as
//! orders) is scored on what the driver does not explain. Its values are regressed on the
//! drivers' values (least squares with an intercept, as Prophet's extra regressors enter its
//! model linearly); the series less the drivers' part is scored, and the drivers' part is added
//! back to the expected value and the band. A campaign the driver carries is then not an
//! anomaly of the series, while a departure of its own, or one the driver does not make, is.

use super::season::typical_step;
use super::{score, AnomalyOptions, SeriesAnomalies, Tuning};
use crate::error::{Error, Result};
use crate::series::Series;

/// Share of the series' residual variance a driver must explain to be used: below it the
/// relation is noise, and scores stay as they were.
const MIN_R2: f64 = 0.1;

/// Phase bins of the series' own period in the regression: enough for a daily profile's shape.
const PHASE_BINS: usize = 24;

/// Each timestamp's bin of the series' seasonal period (`period` in points of its typical
/// step); one bin when it has none.
fn phase_bins(timestamps: &[f64], period: Option<usize>) -> (Vec<usize>, usize) {
    let cycle = period
        .zip(typical_step(timestamps))
        .map(|(p, step)| (p, p as f64 * step));
    match (cycle, timestamps.first()) {
        (Some((p, cycle)), Some(&t0)) => {
            let bins = p.clamp(1, PHASE_BINS);
            // The phase by floor, not `%`: f64 remainder would pull libm's fmod into the module.
            let bin = |t: f64| {
                let x = (t - t0) / cycle;
                (((x - x.floor()) * bins as f64) as usize).min(bins - 1)
            };
            (timestamps.iter().map(|&t| bin(t)).collect(), bins)
        }
        _ => (vec![0; timestamps.len()], 1),
    }
}

/// `y` less its mean in each phase bin over the rows kept (0 elsewhere): the series' own
/// cycle taken out, as seasonal dummies in a regression.
fn partial(y: &[f64], bins: &(Vec<usize>, usize), rows: &[bool]) -> Vec<f64> {
    let (bin, count) = bins;
    let (mut sum, mut n) = (vec![0.0; *count], vec![0usize; *count]);
    for k in (0..y.len()).filter(|&k| rows[k]) {
        sum[bin[k]] += y[k];
        n[bin[k]] += 1;
    }
    (0..y.len())
        .map(|k| {
            if rows[k] {
                y[k] - sum[bin[k]] / n[bin[k]] as f64
            } else {
                0.0
            }
        })
        .collect()
}

/// Values of `driver` at the timestamps of `target` (NaN where it has none).
fn values_at(target: &Series, driver: &Series) -> Vec<f64> {
    target
        .timestamps()
        .iter()
        .map(|t| {
            driver
                .timestamps()
                .binary_search_by(|x| x.total_cmp(t))
                .ok()
                .map_or(f64::NAN, |k| driver.values()[k])
        })
        .collect()
}

/// Rescores every series that is not a driver against the drivers' departures (pass 1's
/// results in `results`); a series no driver explains keeps its result.
pub(super) fn explain(
    series: &[Series],
    options: &AnomalyOptions,
    tuning: Tuning,
    results: &mut [SeriesAnomalies],
) -> Result<()> {
    if let Some(&bad) = options.drivers.iter().find(|&&d| d >= series.len()) {
        return Err(Error::InvalidOption {
            name: "drivers",
            reason: format!(
                "driver {bad} is not one of the {} series given",
                series.len()
            ),
        });
    }
    for i in (0..series.len()).filter(|i| !options.drivers.contains(i)) {
        let s = &series[i];
        let bins = phase_bins(s.timestamps(), results[i].period);
        let mut residual: Vec<f64> = s.values().to_vec();
        let mut explained = vec![0.0; residual.len()];
        let mut used = false;
        for &d in &options.drivers {
            let x = values_at(s, &series[d]);
            let rows: Vec<bool> = residual
                .iter()
                .zip(&x)
                .map(|(r, dx)| r.is_finite() && dx.is_finite())
                .collect();
            let n = rows.iter().filter(|&&r| r).count();
            if n < 3 * (bins.1 + 1) {
                continue;
            }
            // The series' own cycle taken out of both sides before the driver's coefficient is
            // estimated (as Prophet fits regressors beside its seasonalities): a driver whose
            // cycle overlaps the series' own would otherwise take part of that cycle with it.
            let (r, dx) = (partial(&residual, &bins, &rows), partial(&x, &bins, &rows));
            let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
            for k in (0..rows.len()).filter(|&k| rows[k]) {
                xy += r[k] * dx[k];
                xx += dx[k] * dx[k];
                yy += r[k] * r[k];
            }
            if !(xx > 0.0 && yy > 0.0) {
                continue;
            }
            let beta = xy / xx;
            if beta * beta * xx / yy < MIN_R2 {
                continue;
            }
            used = true;
            let mx = x
                .iter()
                .zip(&rows)
                .filter(|(_, &ok)| ok)
                .map(|(v, _)| v)
                .sum::<f64>()
                / n as f64;
            // The driver's part, centred on its mean: the series keeps its level.
            for ((r, e), dx) in residual.iter_mut().zip(&mut explained).zip(&x) {
                if dx.is_finite() {
                    *r -= beta * (dx - mx);
                    *e += beta * (dx - mx);
                }
            }
        }
        if !used {
            continue;
        }
        let adjusted: Vec<f64> = s
            .values()
            .iter()
            .zip(&explained)
            .map(|(v, e)| v - e)
            .collect();
        let mut rescored =
            score::score_series(&Series::new(s.timestamps(), &adjusted)?, options, tuning)?;
        rescored.values = s.values().to_vec();
        for (k, e) in explained.iter().enumerate() {
            rescored.expected[k] += e;
            rescored.lower[k] += e;
            rescored.upper[k] += e;
        }
        results[i] = rescored;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{detect, AnomalyOptions, Incident};
    use crate::series::Series;

    const HOUR: f64 = 3_600_000.0;
    const T0: f64 = 1_704_067_200_000.0; // Monday 2024-01-01

    /// Hourly, 14 days: orders with a business-hours cycle and a campaign (x1.5) on days 9-10;
    /// the service's load is 15 + 0.5 x orders with a daily cycle of its own (peaking at 06:00,
    /// when orders are quiet) and small noise, and a spike of its own (+12, 3 hours) on day 12.
    fn series() -> Vec<Series> {
        let n = 14 * 24;
        let ts: Vec<f64> = (0..n).map(|i| T0 + i as f64 * HOUR).collect();
        let mut seed: u64 = 19;
        let mut noise = || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            (seed >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let orders: Vec<f64> = (0..n)
            .map(|i| {
                let hour = (i % 24) as f64;
                let cycle = (std::f64::consts::PI * (hour - 8.0) / 12.0).sin().max(0.0);
                let campaign = if (9 * 24..11 * 24).contains(&i) {
                    1.5
                } else {
                    1.0
                };
                (50.0 + 30.0 * cycle) * campaign + 2.0 * noise()
            })
            .collect();
        let load: Vec<f64> = (0..n)
            .map(|i| {
                let own = if (12 * 24 + 3..12 * 24 + 6).contains(&i) {
                    12.0
                } else {
                    0.0
                };
                let hour = (i % 24) as f64;
                let cycle = 3.0 * (std::f64::consts::TAU * hour / 24.0).sin();
                15.0 + 0.5 * orders[i] + cycle + noise() + own
            })
            .collect();
        vec![
            Series::new(&ts, &orders).unwrap(),
            Series::new(&ts, &load).unwrap(),
        ]
    }

    fn during(incidents: &[Incident], series: usize, from_h: usize, to_h: usize) -> bool {
        let (a, b) = (T0 + from_h as f64 * HOUR, T0 + to_h as f64 * HOUR);
        incidents
            .iter()
            .any(|i| i.series == series && i.end >= a && i.start <= b)
    }

    #[test]
    fn a_campaign_the_driver_carries_is_not_an_anomaly_of_the_series_its_own_spike_is() {
        let s = series();
        let plain = detect(&s, &AnomalyOptions::default()).unwrap();
        assert!(
            during(&plain.incidents, 1, 9 * 24, 11 * 24),
            "without the driver: flagged"
        );
        let with = detect(
            &s,
            &AnomalyOptions {
                drivers: vec![0],
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            !during(&with.incidents, 1, 9 * 24, 11 * 24),
            "{:?}",
            with.incidents
        );
        assert!(during(&with.incidents, 1, 12 * 24 + 3, 12 * 24 + 6));
        // The driver itself is scored as before; the series' band follows the campaign.
        assert_eq!(with.series[0], plain.series[0]);
        let k = 9 * 24 + 14;
        let off = |r: &super::super::SeriesAnomalies| (r.values[k] - r.expected[k]).abs();
        assert!(
            off(&with.series[1]) < 0.5 * off(&plain.series[1]),
            "campaign peak: {} vs {}",
            off(&with.series[1]),
            off(&plain.series[1])
        );
        assert_eq!(with.series[1].values, plain.series[1].values);
    }

    #[test]
    fn an_unrelated_driver_changes_nothing_and_a_bad_index_is_an_error() {
        let s = series();
        let ts = s[0].timestamps().to_vec();
        let unrelated: Vec<f64> = (0..ts.len()).map(|i| ((i * 7919) % 17) as f64).collect();
        let three = vec![s[1].clone(), Series::new(&ts, &unrelated).unwrap()];
        let o = AnomalyOptions {
            peer: false,
            ..Default::default()
        };
        let plain = detect(&three, &o).unwrap();
        let with = detect(
            &three,
            &AnomalyOptions {
                drivers: vec![1],
                ..o.clone()
            },
        )
        .unwrap();
        assert_eq!(plain, with);
        assert!(detect(
            &three,
            &AnomalyOptions {
                drivers: vec![5],
                ..o
            }
        )
        .is_err());
    }

    /// One generated problem: a driver (business cycle, a campaign x1.2-1.8 of 4-24 hours),
    /// a series it drives (a + b x driver + a daily cycle of its own at a random phase + noise +
    /// an incident of its own, 4-8 noise sigmas for 1-3 hours) and a series it does not drive
    /// (its own daily cycle, a random walk and noise).
    struct Problem {
        series: Vec<Series>,
        campaign: (f64, f64),
        own: (f64, f64),
    }

    fn problem(seed: u64) -> Problem {
        let state = std::cell::Cell::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let u = || {
            state.set(
                state
                    .get()
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407),
            );
            (state.get() >> 11) as f64 / (1u64 << 53) as f64
        };
        let step = if u() < 0.5 { HOUR } else { HOUR / 4.0 };
        let per_day = (24.0 * HOUR / step) as usize;
        let n = (7 + (u() * 15.0) as usize) * per_day;
        let ts: Vec<f64> = (0..n).map(|i| T0 + i as f64 * step).collect();
        let hour = |i: usize| (ts[i] - T0) / HOUR % 24.0;
        let len = (4.0 + u() * 20.0) * HOUR;
        let start = ts[n / 3] + u() * (ts[2 * n / 3] - ts[n / 3]);
        let campaign = (start, start + len);
        let lift = 1.2 + 0.6 * u();
        let (base, swing, noise_o) = (20.0 + 200.0 * u(), 0.3 + 0.7 * u(), 0.02 + 0.05 * u());
        let gauss = || (u() + u() + u() + u() - 2.0) * 3f64.sqrt();
        let driver: Vec<f64> = (0..n)
            .map(|i| {
                let business = (std::f64::consts::PI * (hour(i) - 8.0) / 12.0)
                    .sin()
                    .max(0.0);
                let lift = if (campaign.0..campaign.1).contains(&ts[i]) {
                    lift
                } else {
                    1.0
                };
                base * (1.0 + swing * business) * lift * (1.0 + noise_o * gauss())
            })
            .collect();
        let (a, b) = (10.0 * u(), (0.2 + u()) * 50.0 / base);
        let sd = 0.5 + 1.5 * u();
        let (amp, phase) = (sd * (1.0 + 4.0 * u()), u() * 24.0);
        let own_start = {
            let t = ts[n / 6] + u() * (ts[5 * n / 6] - ts[n / 6]);
            if t < campaign.1 + 6.0 * HOUR && t > campaign.0 - 6.0 * HOUR {
                campaign.1 + 12.0 * HOUR
            } else {
                t
            }
        };
        let own = (own_start, own_start + (1.0 + 2.0 * u()) * HOUR);
        let height = sd * (4.0 + 4.0 * u());
        let cycle = |i: usize| amp * (std::f64::consts::TAU * (hour(i) - phase) / 24.0).sin();
        let driven: Vec<f64> = (0..n)
            .map(|i| {
                let bump = if (own.0..own.1).contains(&ts[i]) {
                    height
                } else {
                    0.0
                };
                a + b * driver[i] + cycle(i) + sd * gauss() + bump
            })
            .collect();
        let mut walk = 0.0;
        let unrelated: Vec<f64> = (0..n)
            .map(|i| {
                walk += 0.2 * sd * gauss();
                a + cycle(i) + walk + sd * gauss()
            })
            .collect();
        Problem {
            series: vec![
                Series::new(&ts, &driver).unwrap(),
                Series::new(&ts, &driven).unwrap(),
                Series::new(&ts, &unrelated).unwrap(),
            ],
            campaign,
            own,
        }
    }

    /// A generated corpus (seeded): the campaign of a driver is an incident of the series it
    /// drives without the driver and not with it; the series' own incident stays; a series the
    /// driver does not drive is scored as without it.
    #[test]
    fn generated_driver_problems() {
        let seeds = 0..80u64;
        let (mut campaign_plain, mut campaign_with, mut own_plain, mut own_with) = (0, 0, 0, 0);
        let (mut unrelated_plain, mut unrelated_with, mut unrelated_changed) = (0, 0, 0);
        let hit = |inc: &[Incident], series: usize, (a, b): (f64, f64)| {
            inc.iter()
                .any(|i| i.series == series && i.end >= a && i.start <= b)
        };
        for seed in seeds.clone() {
            let p = problem(seed);
            let o = AnomalyOptions {
                peer: false,
                ..Default::default()
            };
            let plain = detect(&p.series, &o).unwrap();
            let with = detect(
                &p.series,
                &AnomalyOptions {
                    drivers: vec![0],
                    ..o
                },
            )
            .unwrap();
            campaign_plain += hit(&plain.incidents, 1, p.campaign) as usize;
            campaign_with += hit(&with.incidents, 1, p.campaign) as usize;
            own_plain += hit(&plain.incidents, 1, p.own) as usize;
            own_with += hit(&with.incidents, 1, p.own) as usize;
            let count =
                |d: &super::super::Detection| d.incidents.iter().filter(|i| i.series == 2).count();
            unrelated_plain += count(&plain);
            unrelated_with += count(&with);
            unrelated_changed += (plain.series[2] != with.series[2]) as usize;
        }
        let n = seeds.count();
        eprintln!(
            "{n} problems: campaign flagged {campaign_plain} without the driver, {campaign_with} with; \
             own incident {own_plain} / {own_with}; unrelated series: incidents {unrelated_plain} / \
             {unrelated_with}, rescored {unrelated_changed}"
        );
        // The regression without the series' own cycle (one phase bin) fails both: the
        // campaign stayed an incident in about a third of the problems and half of the
        // unrelated series were rescored (docs/options.md).
        assert!(campaign_plain >= n * 9 / 10 && campaign_with <= n / 10);
        assert!(own_with >= own_plain && own_with >= n * 8 / 10);
        assert!(unrelated_changed <= n / 10);
        assert!(unrelated_with <= unrelated_plain + n / 20);
    }
}
