//! The fast model's settings: window sizes, thresholds and switches of its parts. The
//! defaults are the shipped detector; other values are for the CLI's experiments.

/// The model's settings (window sizes in points, thresholds, switches of its parts). The
/// defaults are what [`super::detect`] uses, tuned on NAB (docs/evaluation.md); other values
/// are for the CLI's experiments (`experiments` feature).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tuning {
    /// Trailing (causal) or centred (batch) median giving the level.
    pub level_window: usize,
    /// Recent points kept out of the level, so a fresh shift is scored against the level
    /// before it.
    pub recent_window: usize,
    /// Recent points whose median is tested for a collective shift...
    pub collective_window: usize,
    /// ...against the median of this many points before them.
    pub collective_reference: usize,
    /// Residuals behind the band's scale.
    pub resid_window: usize,
    /// Raw values behind the global (median / MAD) test.
    pub global_window: usize,
    /// Points kept for period re-detection and refits (causal).
    pub history: usize,
    /// Cycles of memory of the causal seasonal profile.
    pub season_memory: f64,
    /// A collective shift is flagged at this fraction of the point band.
    pub collective_fraction: f64,
    /// After this many consecutive flags in one direction the model adopts the new regime.
    pub accept_after: usize,
    /// The band scale is also at least this quantile of |residual| over its normal value
    /// (0.5 is the MAD alone): heavier-tailed series get a wider band.
    pub scale_quantile: f64,
    /// Batch: the band scale also follows the residual spread at each phase of the period
    /// (never narrower than the overall scale), so a noisier part of the cycle is not
    /// flagged throughout; so does the bar of collective shifts.
    pub phase_scale: bool,
    /// Batch: excursions that recur at the same phase of the period (or of a day / week)
    /// in most cycles are learnt as seasonal: the band there widens to this quantile of
    /// their heights across cycles (0 disables).
    pub recurring_quantile: f64,
    /// ...when the median over the cycles of the largest excursion near that phase is
    /// beyond this fraction of the band (the excursion is there in most cycles).
    pub recurring_gate: f64,
    /// Batch: the band scale is also at least this quantile of |residual| over its normal
    /// value (heavy-tailed series get a wider band; 0 disables).
    pub tail_quantile: f64,
    /// ...measured on the first fit, before excursions are masked.
    pub tail_unmasked: bool,
    /// Batch: Prophet's fit as the expected value instead of the fast model (experiment).
    pub prophet_band: bool,
    /// Batch: the collective shift is also measured against the spread of such shifts
    /// over the series (a wandering level is not flagged throughout).
    pub collective_self_scale: bool,
    /// Batch: runs of identical values far longer than the series' usual runs are flagged
    /// (stuck sensors).
    pub stuck_runs: bool,
    /// Batch: the band is never narrower than 1.5 steps of the data's resolution (counts:
    /// one count is not an anomaly by itself). Causal mode measured worse with it
    /// (docs/evaluation.md).
    pub resolution_floor: bool,
    /// Incidents: flagged runs separated by at most this many unflagged points are one
    /// incident.
    pub merge_gap: usize,
    /// Incidents: an incident whose peak score stays under this bar is dropped (its points
    /// unflagged); 1 keeps every flagged run.
    pub min_peak: f64,
    /// Incidents: a single flagged point needs at least this peak score.
    pub min_peak_single: f64,
    /// Batch incidents: kept only when their evidence (the sum, or the peak, of their
    /// scores above `evidence_floor`) exceeds what the series' own ordinary excursions reach
    /// this many times per 1,000 points (0 disables; `significance.rs`).
    pub chance_rate: f64,
    /// ...the fraction of the band above which a score counts as evidence.
    pub evidence_floor: f64,
}

impl Default for Tuning {
    fn default() -> Self {
        Self {
            level_window: 8,
            recent_window: 8,
            collective_window: 16,
            collective_reference: 64,
            resid_window: 2000,
            global_window: 5000,
            history: 8192,
            season_memory: 20.0,
            collective_fraction: 0.6,
            accept_after: 48,
            scale_quantile: 0.5,
            phase_scale: true,
            recurring_quantile: 0.6,
            recurring_gate: 0.5,
            tail_quantile: 0.95,
            tail_unmasked: false,
            prophet_band: false,
            collective_self_scale: true,
            stuck_runs: true,
            resolution_floor: true,
            merge_gap: 12,
            min_peak: 1.0,
            min_peak_single: 2.0,
            chance_rate: 4.0,
            evidence_floor: 0.5,
        }
    }
}
