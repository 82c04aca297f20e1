//! Driver series (issue 19): a series that moves with a driver (a business metric such as
//! orders) is scored on what the driver does not explain. Its values are regressed on the
//! drivers' values (least squares with an intercept, as Prophet's extra regressors enter its
//! model linearly); the series less the drivers' part is scored, and the drivers' part is added
//! back to the expected value and the band. A campaign the driver carries is then not an
//! anomaly of the series, while a departure of its own, or one the driver does not make, is.

use super::{model, AnomalyOptions, SeriesAnomalies, Tuning};
use crate::error::{Error, Result};
use crate::series::Series;

/// Share of the series' residual variance a driver must explain to be used: below it the
/// relation is noise, and scores stay as they were.
const MIN_R2: f64 = 0.1;

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
        let mut residual: Vec<f64> = s.values().to_vec();
        let mut explained = vec![0.0; residual.len()];
        let mut used = false;
        for &d in &options.drivers {
            let x = values_at(s, &series[d]);
            let pairs = || {
                residual
                    .iter()
                    .zip(&x)
                    .filter(|(r, dx)| r.is_finite() && dx.is_finite())
            };
            let n = pairs().count() as f64;
            if n < 3.0 {
                continue;
            }
            let (mr, mx) = (
                pairs().map(|(r, _)| r).sum::<f64>() / n,
                pairs().map(|(_, dx)| dx).sum::<f64>() / n,
            );
            let (mut xy, mut xx, mut yy) = (0.0, 0.0, 0.0);
            for (r, dx) in pairs() {
                xy += (r - mr) * (dx - mx);
                xx += (dx - mx) * (dx - mx);
                yy += (r - mr) * (r - mr);
            }
            if !(xx > 0.0 && yy > 0.0) {
                continue;
            }
            let beta = xy / xx;
            if beta * beta * xx / yy < MIN_R2 {
                continue;
            }
            used = true;
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
            model::score_series_tuned(&Series::new(s.timestamps(), &adjusted)?, options, tuning)?;
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
    /// the service's load is 15 + 0.5 x orders with small noise, and a spike of its own (+12,
    /// 3 hours) on day 12.
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
                15.0 + 0.5 * orders[i] + noise() + own
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
}
