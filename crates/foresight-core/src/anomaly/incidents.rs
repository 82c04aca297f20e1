//! Incidents: consecutive flagged points of a series merged (across short gaps), the ones
//! too short, too weak or (batch) not beyond the series' own ordinary excursions dropped.

use super::{
    significance, AnomalyKind, AnomalyOptions, DetectionMode, Direction, Incident, SeriesAnomalies,
    Tuning,
};

/// The kind of an incident: the kind most of its flagged points have (a five-hour shift whose
/// peak point happens to leave the band is collective, not a spike), the peak's on a tie.
fn incident_kind(kinds: &[Option<AnomalyKind>], peak: Option<AnomalyKind>) -> AnomalyKind {
    let mut counts = [0usize; 4];
    for k in kinds.iter().flatten() {
        counts[k.code() as usize - 1] += 1;
    }
    let peak = peak.unwrap_or(AnomalyKind::Global);
    let mut best = peak;
    for k in [
        AnomalyKind::Global,
        AnomalyKind::Contextual,
        AnomalyKind::Collective,
        AnomalyKind::Peer,
    ] {
        if counts[k.code() as usize - 1] > counts[best.code() as usize - 1] {
            best = k;
        }
    }
    best
}

/// Merges flagged points into incidents (runs separated by at most `merge_gap` unflagged
/// points are one incident), drops those shorter than the minimum duration or whose peak
/// stays under `min_peak` (unflagging their points) and returns the rest.
pub(super) fn finalise(
    index: usize,
    r: &mut SeriesAnomalies,
    options: &AnomalyOptions,
    tuning: &Tuning,
) -> Vec<Incident> {
    let mut incidents = Vec::new();
    let n = r.timestamps.len();
    // Batch: what an incident's evidence must exceed on this series (significance.rs).
    let bars = if options.mode == DetectionMode::Batch {
        significance::bars(&r.score, tuning.evidence_floor, tuning.chance_rate)
    } else {
        None
    };
    let mut i = 0;
    while i < n {
        if r.kind[i].is_none() {
            i += 1;
            continue;
        }
        let start = i;
        let mut peak = i;
        let mut end = i;
        while i < n {
            if r.kind[i].is_some() {
                if r.score[i] > r.score[peak] {
                    peak = i;
                }
                end = i;
                i += 1;
            } else if i - end <= tuning.merge_gap
                && r.kind[end + 1..n.min(end + tuning.merge_gap + 2)]
                    .iter()
                    .any(Option::is_some)
            {
                i += 1;
            } else {
                break;
            }
        }
        i = end + 1;
        if r.timestamps[end] - r.timestamps[start] < options.min_duration_ms
            || r.score[peak] < tuning.min_peak
            || (r.kind[start..=end].iter().filter(|k| k.is_some()).count() == 1
                && r.score[peak] < tuning.min_peak_single)
            || bars.is_some_and(|b| {
                !significance::clears(&r.score, start, end, tuning.evidence_floor, b)
            })
        {
            for j in start..=end {
                r.kind[j] = None;
                r.direction[j] = 0;
            }
            continue;
        }
        incidents.push(Incident {
            series: index,
            start: r.timestamps[start],
            end: r.timestamps[end],
            peak_time: r.timestamps[peak],
            peak_score: r.score[peak],
            kind: incident_kind(&r.kind[start..=end], r.kind[peak]),
            direction: if r.direction[peak] < 0 {
                Direction::Down
            } else {
                Direction::Up
            },
        });
    }
    incidents
}
