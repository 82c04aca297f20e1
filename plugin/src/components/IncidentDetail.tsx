import React, { useEffect, useState } from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { Button, useStyles2, useTheme2 } from '@grafana/ui';
import type { RootCause } from '../wasm/foresight_wasm';
import { KIND_COLORS } from '../render/markers';
import { CAUSES, formatDuration, incidentKey, IncidentRow, zoomRange } from './IncidentsView';

/** Related series listed at most. */
const RELATED_ROWS = 10;
/** Label values listed at most. */
const LABEL_ROWS = 8;

/** A root cause that compared the incident's series with the others. */
type Compared = Extract<RootCause, { status: 'compared' }>;

interface Props {
  incident: IncidentRow;
  seriesNames: string[];
  height: number;
  timeZone: TimeZone;
  /** The engine's root cause for this incident (computed on demand when it has none). */
  loadRootCause: (incident: IncidentRow) => Promise<RootCause>;
  onBack: () => void;
  onZoom: (range: { from: number; to: number }) => void;
}

/**
 * One incident in full: what moved (the model component), the related series ranked by the
 * engine (how far outside their own band they were, how their residuals correlate, which moved
 * first) and the label values the anomalous series share.
 */
export function IncidentDetail({ incident, seriesNames, height, timeZone, loadRootCause, onBack, onZoom }: Props) {
  const styles = useStyles2(getStyles);
  const theme = useTheme2();
  const loaded = useRootCause(incident, loadRootCause);
  const rc = loaded.rootCause;
  const cause = incident.attribution && (incident.attribution.explanation ?? CAUSES[incident.attribution.cause]);
  return (
    <div className={styles.wrap} style={{ height }} data-testid="foresight-incident-detail">
      <div className={styles.header}>
        <Button size="sm" variant="secondary" fill="text" icon="arrow-left" onClick={onBack}>
          Incidents
        </Button>
        <span
          className={styles.kind}
          style={{ background: theme.visualization.getColorByName(KIND_COLORS[incident.kind]) }}
        />
        <strong>
          {incident.kind} {incident.direction === 'up' ? '↑' : '↓'} {incident.peakScore.toFixed(1)}
        </strong>
        <span className={styles.name} title={incident.seriesName}>
          {incident.seriesName}
        </span>
        <span className={styles.muted}>
          {dateTimeFormat(incident.start, { timeZone })},{' '}
          {formatDuration(incident.end - incident.start + incident.stepMs)}
        </span>
        <Button
          size="sm"
          variant="secondary"
          fill="text"
          icon="search-plus"
          onClick={() => onZoom(zoomRange(incident))}
        >
          Zoom
        </Button>
      </div>
      <div className={styles.line} data-testid="foresight-detail-cause">
        {cause ? `Model component: ${cause}` : 'Model component: not attributed (no Prophet fit for this series)'}
        {incident.attribution?.activeEvents.length
          ? `; events active: ${incident.attribution.activeEvents.join(', ')}`
          : ''}
        {incident.events?.length ? `; during ${incident.events.map((e) => `"${e}"`).join(', ')}` : ''}
      </div>
      {loaded.loading && <div className={styles.line}>Computing root-cause hints…</div>}
      {loaded.error && <div className={styles.line}>Root-cause hints unavailable: {loaded.error}</div>}
      {rc?.status === 'noPeers' && <div className={styles.line}>{rc.message}</div>}
      {rc?.status === 'compared' && (
        <div className={styles.columns}>
          <RelatedTable rootCause={rc} seriesNames={seriesNames} />
          <LabelsTable rootCause={rc} />
        </div>
      )}
      {rc?.status === 'compared' && rc.note && <div className={styles.line}>{rc.note}</div>}
    </div>
  );
}

/** The incident's root cause: its own, else the engine's answer to the question asked for it. */
function useRootCause(incident: IncidentRow, loadRootCause: Props['loadRootCause']) {
  // The engine's answer for an incident listed without one, by incident.
  const key = incidentKey(incident);
  const [answer, setAnswer] = useState<{ key: string; rootCause?: RootCause; error?: string }>();
  useEffect(() => {
    if (incident.rootCause) {
      return;
    }
    let current = true;
    loadRootCause(incident).then(
      (rootCause) => current && setAnswer({ key, rootCause }),
      (e) => current && setAnswer({ key, error: e instanceof Error ? e.message : String(e) })
    );
    return () => {
      current = false;
    };
    // Asked once per incident: result batches re-create the row and the loader, not the question.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, incident.rootCause]);
  const mine = answer?.key === key ? answer : undefined;
  return {
    rootCause: incident.rootCause ?? mine?.rootCause,
    error: incident.rootCause ? undefined : mine?.error,
    loading: !incident.rootCause && !mine,
  };
}

/** The related series ranked by the engine, the incident's own series left out. */
function RelatedTable({ rootCause: rc, seriesNames }: { rootCause: Compared; seriesNames: string[] }) {
  const styles = useStyles2(getStyles);
  const related = rc.related.filter((r) => r.series !== rc.series).slice(0, RELATED_ROWS);
  return (
    <table className={styles.table} data-testid="foresight-detail-related">
      <thead>
        <tr>
          <th>Related series</th>
          <th title="Mean distance from its own expected value, in band half-widths">Deviation</th>
          <th title="Correlation of its residuals with this incident's">Correlation</th>
          <th title="Lag that best aligns its residuals with this incident's">Moved</th>
          <th title="Share of the window it spent outside its band">Outside band</th>
        </tr>
      </thead>
      <tbody>
        {related.length === 0 && (
          <tr>
            <td colSpan={5}>No other series moved in this window.</td>
          </tr>
        )}
        {related.map((r) => (
          <tr key={r.series} data-testid="foresight-detail-related-row">
            <td className={styles.name} title={seriesNames[r.series]}>
              {seriesNames[r.series] ?? `series ${r.series}`}
            </td>
            <td>{r.deviation.toFixed(1)}</td>
            <td>{r.correlation === undefined ? '–' : r.correlation.toFixed(2)}</td>
            <td>{movedText(r.lagMs)}</td>
            <td>{Math.round(r.outsideShare * 100)} %</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The label values the anomalous series share, most over-represented first. */
function LabelsTable({ rootCause: rc }: { rootCause: Compared }) {
  const styles = useStyles2(getStyles);
  const labels = [...rc.labels]
    .filter((l) => l.anomalousSeries > 0)
    .sort((a, b) => b.excess - a.excess || b.lift - a.lift)
    .slice(0, LABEL_ROWS);
  return (
    <table className={styles.table} data-testid="foresight-detail-labels">
      <thead>
        <tr>
          <th>Label value</th>
          <th title="Anomalous series with this label value, of all series with it">Anomalous</th>
          <th title="Share of the anomaly (summed deviation) on series with this value">Share</th>
          <th title="Share of the anomaly over share of the series: above 1, over-represented">Lift</th>
        </tr>
      </thead>
      <tbody>
        {labels.length === 0 && (
          <tr>
            <td colSpan={4}>The series have no labels in common.</td>
          </tr>
        )}
        {labels.map((l) => (
          <tr key={`${l.name}=${l.value}`} data-testid="foresight-detail-label-row">
            <td className={styles.name}>
              {l.name}=&quot;{l.value}&quot;
            </td>
            <td>
              {l.anomalousSeries} of {l.series}
            </td>
            <td>{Math.round(l.anomalyShare * 100)} %</td>
            <td>{l.lift.toFixed(1)}×</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function movedText(lagMs: number | undefined): string {
  if (lagMs === undefined) {
    return '–';
  }
  if (lagMs === 0) {
    return 'together';
  }
  return lagMs < 0 ? `${formatDuration(-lagMs)} earlier` : `${formatDuration(lagMs)} later`;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    overflowY: 'auto',
    borderTop: `1px solid ${theme.colors.border.weak}`,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  header: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1), whiteSpace: 'nowrap' }),
  line: css({ padding: theme.spacing(0.25, 1), color: theme.colors.text.secondary }),
  columns: css({ display: 'flex', gap: theme.spacing(2), alignItems: 'flex-start' }),
  table: css({
    borderCollapse: 'collapse',
    'th, td': { padding: theme.spacing(0.25, 1), textAlign: 'left', whiteSpace: 'nowrap' },
    th: { color: theme.colors.text.secondary, fontWeight: theme.typography.fontWeightMedium },
  }),
  name: css({ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis' }),
  muted: css({ color: theme.colors.text.secondary }),
  kind: css({ display: 'inline-block', width: 8, height: 8, borderRadius: 4 }),
});
