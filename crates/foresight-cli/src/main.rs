//! `foresight`: the engine on the command line, for batch runs and evaluation.

mod corpus;
mod forecast;
mod incidents;
mod nab;
mod nab_score;
mod table;

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use foresight_core::{rolling_baseline, BaselineOptions, Series};

#[derive(Parser)]
#[command(
    name = "foresight",
    version,
    about = "Foresight engine: forecasts and anomalies for time series"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Robust rolling baseline (median ± k·MAD) of a CSV series.
    Baseline {
        /// CSV with a time column (`ds` or `timestamp`: ms, seconds or a date) and a value
        /// column (`y` or `value`).
        #[arg(long)]
        input: PathBuf,
        /// Output CSV (standard output when omitted).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Window in points (default: 1 % of the series, 5–301).
        #[arg(long)]
        window: Option<usize>,
        /// Band half-width in robust standard deviations.
        #[arg(long, default_value_t = 3.0)]
        band_sigmas: f64,
    },
    /// Prophet forecast (pure-Rust fit): training rows plus a horizon, every component.
    ///
    /// Either `--case cases/NAME.json` (a Prophet reference case: data, options, horizon) or
    /// `--input FILE.csv [--options OPTIONS.json] --horizon N [--freq F]`.
    Forecast {
        /// Reference case JSON; its `data` path is relative to the folder holding `cases/`.
        #[arg(long, conflicts_with_all = ["input", "options", "horizon", "freq"])]
        case: Option<PathBuf>,
        /// CSV with `ds` and `y` columns.
        #[arg(long, required_unless_present = "case")]
        input: Option<PathBuf>,
        /// JSON object of Prophet options under Prophet's names (growth, cap, ...).
        #[arg(long)]
        options: Option<PathBuf>,
        /// Number of future steps after the last value.
        #[arg(long, default_value_t = 0)]
        horizon: usize,
        /// Step of the horizon, pandas-style (D, 5min, h, W, MS); inferred when omitted.
        #[arg(long)]
        freq: Option<String>,
        /// Output CSV (standard output when omitted).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Causal anomaly detection over a NAB-layout folder, written for NAB's scorer.
    Nab {
        /// Folder with `<category>/<file>.csv` (columns timestamp,value).
        #[arg(long)]
        data: PathBuf,
        /// Output folder: `<category>/<file>.csv` with timestamp,value,anomaly_score.
        #[arg(long)]
        out: PathBuf,
        /// Also score the settings and a small grid around them with leave-one-category-out
        /// cross-validation (docs/evaluation.md).
        #[arg(long)]
        cv: bool,
        /// Labelled windows for `--cv` (default: `windows.json` beside DATA).
        #[arg(long)]
        windows: Option<PathBuf>,
    },
    /// Scores detector output with NAB's rules (windows, scaled sigmoid, three profiles,
    /// threshold sweep, normalisation).
    NabScore {
        /// Folder with `<category>/<file>.csv` (columns timestamp,value).
        #[arg(long)]
        data: PathBuf,
        /// Labelled windows (NAB's windows.json).
        #[arg(long)]
        windows: PathBuf,
        /// Detector output: `<category>/<file>.csv` or `<category>/<detector>_<file>.csv`
        /// with a column anomaly_score in [0, 1], one row per data row.
        #[arg(long)]
        results: PathBuf,
        /// Score at this threshold instead of the best one.
        #[arg(long)]
        threshold: Option<f64>,
        /// Also the leave-one-category-out score: each category scored at the threshold
        /// chosen on the others.
        #[arg(long)]
        cv: bool,
    },
    /// The generated yardstick: seeded series with injected, labelled anomalies of every
    /// kind; recall and precision per kind, incidents per 1,000 normal points.
    CorpusEval {
        /// The repository's test data folder (holding nab/ and prophet/).
        #[arg(long, default_value = "tests/data")]
        data: PathBuf,
        #[arg(long, default_value_t = 13)]
        seed: u64,
        /// The small part (strong and moderate anomalies on a few bases), as `cargo test`.
        #[arg(long)]
        small: bool,
        /// `batch`, `causal` or `both`.
        #[arg(long, default_value = "both")]
        mode: String,
        /// One JSON object on standard output.
        #[arg(long)]
        json: bool,
    },
    /// Batch anomaly detection (the panel's defaults) over a NAB-layout folder: incidents
    /// per file, incidents overlapping a labelled window, windows hit, incidents per 1,000
    /// points.
    Incidents {
        /// Folder with `<category>/<file>.csv` (columns timestamp,value).
        #[arg(long)]
        data: PathBuf,
        /// Labelled windows (NAB's windows.json); default: `windows.json` beside DATA.
        #[arg(long)]
        windows: Option<PathBuf>,
        /// `batch` (the panel) or `causal`.
        #[arg(long, default_value = "batch")]
        mode: String,
        /// Detector sensitivity (default: the library's 0.5).
        #[arg(long)]
        sensitivity: Option<f64>,
        /// List every incident on standard error.
        #[arg(long)]
        verbose: bool,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Baseline {
            input,
            out,
            window,
            band_sigmas,
        } => {
            let (ts, vs) = table::read_series(&input)?;
            let series =
                Series::new(&ts, &vs).with_context(|| format!("in {}", input.display()))?;
            let b = rolling_baseline(
                &series,
                &BaselineOptions {
                    window,
                    band_sigmas,
                },
            )?;
            let columns = [
                ("ds", b.timestamps.as_slice()),
                ("y", series.values()),
                ("expected", b.expected.as_slice()),
                ("lower", b.lower.as_slice()),
                ("upper", b.upper.as_slice()),
            ];
            table::write_columns(out.as_deref(), &columns)
        }
        Command::Nab {
            data,
            out,
            cv,
            windows,
        } => {
            let windows = windows.unwrap_or_else(|| data.with_file_name("windows.json"));
            nab::run(&data, &out, cv.then_some(windows.as_path()))
        }
        Command::NabScore {
            data,
            windows,
            results,
            threshold,
            cv,
        } => nab_score::run(&data, &windows, &results, threshold, cv),
        Command::CorpusEval {
            data,
            seed,
            small,
            mode,
            json,
        } => {
            let modes: &[foresight_core::DetectionMode] = match mode.as_str() {
                "batch" => &[foresight_core::DetectionMode::Batch],
                "causal" => &[foresight_core::DetectionMode::Causal],
                "both" => &[
                    foresight_core::DetectionMode::Batch,
                    foresight_core::DetectionMode::Causal,
                ],
                other => anyhow::bail!("--mode must be batch, causal or both, got {other}"),
            };
            corpus::run(&data, seed, small, modes, json)
        }
        Command::Incidents {
            data,
            windows,
            mode,
            sensitivity,
            verbose,
        } => {
            let mode = match mode.as_str() {
                "batch" => foresight_core::DetectionMode::Batch,
                "causal" => foresight_core::DetectionMode::Causal,
                other => anyhow::bail!("--mode must be batch or causal, got {other}"),
            };
            incidents::run(&data, windows.as_deref(), mode, sensitivity, verbose)
        }
        Command::Forecast {
            case,
            input,
            options,
            horizon,
            freq,
            out,
        } => {
            let source = match (case, input) {
                (Some(case), _) => forecast::Source::Case(case),
                (None, Some(input)) => forecast::Source::Input {
                    input,
                    options,
                    horizon,
                    freq,
                },
                (None, None) => anyhow::bail!("pass --case or --input"),
            };
            forecast::run(source, out.as_deref())
        }
    }
}
