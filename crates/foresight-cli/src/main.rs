//! `foresight`: the engine on the command line, for batch runs and evaluation.

mod nab;
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
    /// Causal anomaly detection over a NAB-layout folder, written for NAB's scorer.
    Nab {
        /// Folder with `<category>/<file>.csv` (columns timestamp,value).
        #[arg(long)]
        data: PathBuf,
        /// Output folder: `<category>/<file>.csv` with timestamp,value,anomaly_score.
        #[arg(long)]
        out: PathBuf,
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
        Command::Nab { data, out } => nab::run(&data, &out),
    }
}
