import React from 'react';
import { css } from '@emotion/css';
import { dateTimeFormat, formattedValueToString, getValueFormat, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { useStyles2 } from '@grafana/ui';
import { KIND_NAMES, SeriesInput, SeriesOutcome } from '../types';

/** Rows at most: on big panels the most anomalous series at the hovered time come first. */
const MAX_ROWS = 8;

interface Props {
  time: number;
  series: SeriesInput[];
  outcomes: Map<string, SeriesOutcome>;
  colors: Map<string, string>;
  timeZone: TimeZone;
  /** The series under the cursor, listed first. */
  focusName?: string;
}

/** Actual, expected, band, score and kind of every series at the hovered time. */
interface Row {
  name: string;
  value: string;
  details: string[];
  color?: string;
  score: number;
  focus: boolean;
}

export function ForesightTooltip({ time, series, outcomes, colors, timeZone, focusName }: Props) {
  const styles = useStyles2(getStyles);
  const rows: Row[] = [];
  for (const s of series) {
    const i = indexAt(s.timestamps, time);
    if (i < 0) {
      continue;
    }
    const fmt = (v: number) =>
      Number.isFinite(v) ? formattedValueToString(getValueFormat(s.unit ?? 'none')(v, s.decimals)) : '–';
    const d = outcomes.get(s.key)?.detection;
    const details: string[] = [];
    let score = 0;
    if (d) {
      score = d.score[i];
      details.push(
        `expected ${fmt(d.expected[i])}`,
        `band ${fmt(d.lower[i])} – ${fmt(d.upper[i])}`,
        `score ${score.toFixed(2)}`
      );
      const kind = KIND_NAMES[d.kind[i]];
      if (kind) {
        details.push(`${kind} anomaly`);
      }
    }
    // A forecast fitted with driver series depends on their own forecasts (issue 19), or on a
    // level an annotation plans for them over part of the horizon: say which.
    const forecast = outcomes.get(s.key)?.forecast;
    const plans = forecast?.plans ?? [];
    const unplanned = (forecast?.drivers ?? []).filter((d) => !plans.some((p) => p.driver === d));
    if (unplanned.length > 0) {
      details.push(`forecast depends on the forecast of ${unplanned.join(', ')}`);
    }
    const when = (t: number) => dateTimeFormat(t, { timeZone, format: 'YYYY-MM-DD HH:mm' });
    for (const p of plans) {
      const until = Number.isFinite(p.end) ? when(p.end) : 'on';
      const plan = `planned level ${p.level} from annotation "${p.annotation}" (${when(p.start)} – ${until})`;
      // A driver's own forecast carries its plans too (it has no drivers of its own).
      details.push(
        forecast?.drivers
          ? `forecast depends on ${p.driver}: ${plan}, its own forecast elsewhere`
          : `forecast: ${plan}, Prophet's forecast elsewhere`
      );
    }
    rows.push({
      name: s.name,
      value: fmt(s.values[i]),
      details,
      color: colors.get(s.key),
      score,
      focus: s.name === focusName,
    });
  }
  rows.sort((a, b) => Number(b.focus) - Number(a.focus) || b.score - a.score);
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className={styles.wrap} data-testid="foresight-tooltip">
      <div className={styles.time}>{dateTimeFormat(time, { timeZone })}</div>
      {shown.map((r) => (
        <div key={r.name} className={styles.row}>
          <div className={styles.head}>
            <span className={styles.dot} style={{ background: r.color }} />
            <span className={styles.name}>{r.name}</span>
            <span className={styles.value}>{r.value}</span>
          </div>
          {r.details.length > 0 && <div className={styles.details}>{r.details.join(' · ')}</div>}
        </div>
      ))}
      {rows.length > MAX_ROWS && <div className={styles.details}>…and {rows.length - MAX_ROWS} more series</div>}
    </div>
  );
}

/** Index of `time` in sorted timestamps, or -1. */
export function indexAt(timestamps: Float64Array, time: number): number {
  let lo = 0;
  let hi = timestamps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (timestamps[mid] === time) {
      return mid;
    }
    if (timestamps[mid] < time) {
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return -1;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    background: theme.colors.background.elevated,
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    boxShadow: theme.shadows.z2,
    padding: theme.spacing(1),
    maxWidth: 520,
    fontSize: theme.typography.bodySmall.fontSize,
  }),
  time: css({ color: theme.colors.text.secondary, marginBottom: theme.spacing(0.5) }),
  row: css({ marginTop: theme.spacing(0.5) }),
  head: css({ display: 'flex', alignItems: 'center', gap: theme.spacing(1) }),
  dot: css({ width: 10, height: 10, borderRadius: 5, flex: 'none' }),
  name: css({ flex: 1, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }),
  value: css({ fontWeight: theme.typography.fontWeightMedium }),
  details: css({ color: theme.colors.text.secondary, paddingLeft: 18 }),
});
