import React, { useState } from 'react';
import { css } from '@emotion/css';
import { AbsoluteTimeRange, dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { Button, IconButton, useStyles2, useTheme2 } from '@grafana/ui';
import { KIND_COLORS } from '../render/markers';
import { IncidentResult } from '../types';

export interface IncidentRow extends IncidentResult {
  seriesName: string;
  /** The series' index in the engine's request (root causes name related series by it). */
  seriesIndex: number;
  /** The series' step, to pad the zoom around one-point incidents. */
  stepMs: number;
  /** Events (shock windows, dashboard annotations) the incident overlaps. */
  events?: string[];
}

interface Props {
  incidents: IncidentRow[];
  /** Series names by engine index, to name related series in hints. */
  seriesNames: string[];
  height: number;
  timeZone: TimeZone;
  onZoom: (range: AbsoluteTimeRange) => void;
  /** Opens the incident's detail view (related series, label breakdown). */
  onDetails: (incident: IncidentRow) => void;
}

/** An incident's identity across result batches: its series and its start. */
export function incidentKey(inc: Pick<IncidentRow, 'seriesIndex' | 'start'>): string {
  return `${inc.seriesIndex}:${inc.start}`;
}

/**
 * Rows rendered before "Show all": a big panel can have hundreds of incidents, and rendering them
 * all on every batch of results is main-thread time spent below the fold.
 */
export const FIRST_ROWS = 100;

/**
 * Incidents sorted by peak score; clicking one zooms the dashboard to it, its button opens its
 * details. Memoised: the panel re-renders when new frames are ready, which changes no row.
 */
export const IncidentsView = React.memo(function IncidentsView({
  incidents,
  seriesNames,
  height,
  timeZone,
  onZoom,
  onDetails,
}: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const [showAll, setShowAll] = useState(false);
  const ranked = [...incidents].sort((a, b) => b.peakScore - a.peakScore);
  const sorted = showAll ? ranked : ranked.slice(0, FIRST_ROWS);
  return (
    <div className={styles.wrap} style={{ height }} data-testid="foresight-incidents">
      <table className={styles.table}>
        <thead>
          <tr>
            <th>Score</th>
            <th>Kind</th>
            <th>Series</th>
            <th>Start</th>
            <th>Duration</th>
            <th>Peak</th>
            <th>Hint</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {sorted.map((inc, i) => (
            <tr
              key={`${inc.seriesName}-${inc.start}-${i}`}
              className={styles.row}
              data-testid="foresight-incident"
              data-start={inc.start}
              data-end={inc.end}
              data-kind={inc.kind}
              tabIndex={0}
              title="Zoom to this incident"
              onClick={() => onZoom(zoomRange(inc))}
              onKeyDown={(e) => (e.key === 'Enter' || e.key === ' ') && onZoom(zoomRange(inc))}
            >
              <td>{inc.peakScore.toFixed(1)}</td>
              <td>
                <span
                  className={styles.kind}
                  style={{ background: theme.visualization.getColorByName(KIND_COLORS[inc.kind]) }}
                />
                {inc.kind} {inc.direction === 'up' ? '↑' : '↓'}
              </td>
              <td className={styles.name} data-testid="foresight-incident-series">
                {inc.seriesName}
              </td>
              <td>{dateTimeFormat(inc.start, { timeZone })}</td>
              <td>{formatDuration(inc.end - inc.start + inc.stepMs)}</td>
              <td>{dateTimeFormat(inc.peakTime, { timeZone })}</td>
              <td className={styles.name} data-testid="foresight-hint">
                {rootCauseHint(inc, seriesNames)}
              </td>
              <td>
                {/* A native title, not `tooltip`: a floating-UI tooltip per row was most of the list's render time. */}
                <IconButton
                  name="info-circle"
                  size="sm"
                  aria-label="Related series and labels"
                  title="Related series and labels"
                  data-testid="foresight-incident-details"
                  onClick={(e) => {
                    e.stopPropagation();
                    onDetails(inc);
                  }}
                  onKeyDown={(e) => e.stopPropagation()}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {sorted.length < ranked.length && (
        <Button variant="secondary" size="sm" fill="text" onClick={() => setShowAll(true)}>
          Show all {ranked.length} incidents
        </Button>
      )}
    </div>
  );
});

/** The engine's component attribution, as the hint names it. */
export const CAUSES: Record<string, string | undefined> = {
  trendChange: 'trend change',
  seasonalDeviation: 'seasonal pattern changed',
  event: 'event effect',
  driver: 'followed a driver',
  residualSpike: 'spike',
  residualShift: 'sustained departure',
};

/**
 * One line from the engine's root-cause result: the label value the anomalous series share, and
 * the related series that moved most with this one (and whether it moved first).
 */
export function rootCauseHint(inc: IncidentRow, seriesNames: string[]): string {
  const parts: string[] = [];
  const cause = inc.attribution && (inc.attribution.explanation ?? CAUSES[inc.attribution.cause]);
  if (cause) {
    parts.push(cause);
  }
  if (inc.events?.length) {
    parts.push(`during ${inc.events.map((e) => `"${e}"`).join(', ')}`);
  }
  const rc = inc.rootCause;
  if (rc?.status === 'noPeers' && parts.length === 0) {
    return rc.message;
  }
  if (!rc || rc.status !== 'compared') {
    return parts.join('; ');
  }
  // The label value most over-represented among the anomalous series (lift = anomaly share / series share).
  const all = rc.labels.find((l) => l.coversAllAnomalous && l.seriesShare < 1);
  const lifted = [...rc.labels].filter((l) => l.lift > 1.5).sort((a, b) => b.lift - a.lift)[0];
  const label = all ?? lifted;
  if (label && rc.anomalousSeries > 1) {
    parts.push(`${label === all ? 'all' : 'mostly'} on ${label.name}="${label.value}"`);
  }
  const related = rc.related.find((r) => r.series !== rc.series && r.rankScore > 0 && r.outsideShare > 0);
  if (related) {
    const name = seriesNames[related.series] ?? `series ${related.series}`;
    const lag = related.lagMs ?? 0;
    parts.push(lag < 0 ? `${name} moved ${formatDuration(-lag)} earlier` : `moved with ${name}`);
  }
  return parts.join('; ');
}

/** The incident with as much context on each side as it lasts (at least 10 steps). */
export function zoomRange(inc: IncidentRow): AbsoluteTimeRange {
  const pad = Math.max(inc.end - inc.start, 10 * inc.stepMs, 60_000);
  return { from: Math.round(inc.start - pad), to: Math.round(inc.end + pad) };
}

export function formatDuration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) {
    return `${Math.round(ms / 1000)}s`;
  }
  if (minutes < 60) {
    return `${minutes}m`;
  }
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    return minutes % 60 ? `${hours}h ${minutes % 60}m` : `${hours}h`;
  }
  return `${Math.round(hours / 24)}d`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ overflowY: 'auto', borderTop: `1px solid ${theme.colors.border.weak}` }),
  table: css({
    width: '100%',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': { padding: theme.spacing(0.25, 1), textAlign: 'left', whiteSpace: 'nowrap' },
    th: {
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      position: 'sticky',
      top: 0,
      background: theme.colors.background.primary,
    },
  }),
  row: css({ cursor: 'pointer', '&:hover, &:focus': { background: theme.colors.action.hover, outline: 'none' } }),
  name: css({ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis' }),
  kind: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 4, marginRight: 6 }),
});
