import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';
import type { ThresholdCrossing } from '../wasm/foresight_wasm';

export interface CrossingRow {
  seriesName: string;
  crossing: ThresholdCrossing;
}

interface Props {
  crossings: CrossingRow[];
  height: number;
}

/** What is about to break: each series' forecast against its threshold, soonest first. */
export function CrossingsView({ crossings, height }: Props) {
  const styles = useStyles2(getStyles);
  const sorted = [...crossings].sort((a, b) => a.crossing.sortKeyMs - b.crossing.sortKeyMs);
  return (
    <div className={styles.wrap} style={{ height }} data-testid="foresight-crossings">
      {sorted.map((r) => {
        const urgent = r.crossing.state.kind === 'alreadyBeyond' || r.crossing.state.kind === 'crosses';
        return (
          <div
            key={r.seriesName}
            className={styles.row}
            data-testid="foresight-crossing"
            data-kind={r.crossing.state.kind}
          >
            <Icon name={urgent ? 'exclamation-triangle' : 'check'} className={urgent ? styles.urgent : styles.calm} />
            <span className={styles.name}>{r.seriesName}</span>
            <span>{r.crossing.text}</span>
            {r.crossing.warning && <span className={styles.warning}>({r.crossing.warning})</span>}
          </div>
        );
      })}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ overflowY: 'auto', borderTop: `1px solid ${theme.colors.border.weak}`, padding: theme.spacing(0.5, 1) }),
  row: css({
    display: 'flex',
    gap: theme.spacing(1),
    alignItems: 'center',
    height: 22,
    fontSize: theme.typography.bodySmall.fontSize,
    whiteSpace: 'nowrap',
  }),
  name: css({ maxWidth: 360, overflow: 'hidden', textOverflow: 'ellipsis', color: theme.colors.text.secondary }),
  urgent: css({ color: theme.colors.warning.text }),
  calm: css({ color: theme.colors.success.text }),
  warning: css({ color: theme.colors.text.secondary }),
});
