import React, { useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { AbsoluteTimeRange, dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { IconButton, useStyles2, useTheme2 } from '@grafana/ui';
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

/** A row's height and the header's, in px (panelLayout sizes the list by them). */
export const ROW_HEIGHT = 24;
export const HEADER_HEIGHT = 26;
/** Rows rendered beyond each edge of the visible ones: Tab reaches the next row, which the list then scrolls to. */
const OVERSCAN = 4;

/**
 * The rows to render, [first, last), of `count` rows in a list of `height` px scrolled by
 * `scrollTop`: those in view and OVERSCAN more on each side. The others take their place as
 * empty space, so the scrollbar is the whole list's.
 */
export function windowRows(count: number, height: number, scrollTop: number): [number, number] {
  const first = Math.max(0, Math.min(count, Math.floor(scrollTop / ROW_HEIGHT)) - OVERSCAN);
  const inView = Math.ceil(Math.max(0, height - HEADER_HEIGHT) / ROW_HEIGHT) + 1;
  return [first, Math.min(count, first + inView + 2 * OVERSCAN)];
}

/**
 * Incidents sorted by peak score; clicking one zooms the dashboard to it, its button opens its
 * details. Only the rows in view are rendered (a windowed list, as Grafana's own tables are):
 * a big panel lists hundreds of incidents, and mounting, laying out and painting a row for each
 * on a batch of results was most of that batch's main-thread time (docs/benchmarks.md).
 * Memoised: the panel re-renders when new frames are ready, which changes no row.
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
  const [scrollTop, setScrollTop] = useState(0);
  const ranked = useMemo(() => [...incidents].sort((a, b) => b.peakScore - a.peakScore), [incidents]);
  const [first, last] = windowRows(ranked.length, height, scrollTop);
  return (
    <div
      className={styles.wrap}
      style={{ height }}
      data-testid="foresight-incidents"
      data-rows={ranked.length}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
    >
      <table className={styles.table} aria-rowcount={ranked.length + 1}>
        <colgroup>
          {COLUMNS.map((width, i) => (
            <col key={i} style={{ width }} />
          ))}
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
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
          {first > 0 && <tr aria-hidden style={{ height: first * ROW_HEIGHT }} />}
          {ranked.slice(first, last).map((inc, i) => (
            <tr
              key={incidentKey(inc)}
              aria-rowindex={first + i + 2}
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
          {last < ranked.length && <tr aria-hidden style={{ height: (ranked.length - last) * ROW_HEIGHT }} />}
        </tbody>
      </table>
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

/**
 * Column widths (score, kind, series, start, duration, peak, hint, details): a fixed table
 * layout, so that the columns do not move as other rows scroll into view, and the browser lays
 * out the rows without measuring every cell.
 */
const COLUMNS = ['5%', '10%', '24%', '15%', '7%', '15%', '21%', '3%'];

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ overflow: 'auto', borderTop: `1px solid ${theme.colors.border.weak}` }),
  table: css({
    width: '100%',
    minWidth: 760,
    tableLayout: 'fixed',
    borderCollapse: 'collapse',
    fontSize: theme.typography.bodySmall.fontSize,
    'th, td': {
      padding: theme.spacing(0, 1),
      height: ROW_HEIGHT,
      textAlign: 'left',
      whiteSpace: 'nowrap',
      overflow: 'hidden',
      textOverflow: 'ellipsis',
    },
    th: {
      height: HEADER_HEIGHT,
      color: theme.colors.text.secondary,
      fontWeight: theme.typography.fontWeightMedium,
      position: 'sticky',
      top: 0,
      // Above the rows scrolling under it (their buttons are positioned).
      zIndex: 1,
      background: theme.colors.background.primary,
    },
  }),
  row: css({ cursor: 'pointer', '&:hover, &:focus': { background: theme.colors.action.hover, outline: 'none' } }),
  name: css({ overflow: 'hidden', textOverflow: 'ellipsis' }),
  kind: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 4, marginRight: 6 }),
});
