import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Icon, useStyles2 } from '@grafana/ui';

interface Props {
  title: string;
  details?: string[];
  severity?: 'info' | 'error';
}

/** Shown in place of the chart: the panel never goes blank. Text is rendered as text. */
export function PanelMessage({ title, details = [], severity = 'info' }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.wrap} data-testid="foresight-message" role="status">
      <Icon name={severity === 'error' ? 'exclamation-triangle' : 'info-circle'} size="xl" />
      <div className={styles.title}>{title}</div>
      {details.map((d, i) => (
        <div key={i} className={styles.detail}>
          {d}
        </div>
      ))}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({
    height: '100%',
    display: 'flex',
    flexDirection: 'column',
    alignItems: 'center',
    justifyContent: 'center',
    gap: theme.spacing(1),
    color: theme.colors.text.secondary,
    textAlign: 'center',
    padding: theme.spacing(2),
    overflow: 'auto',
  }),
  title: css({ color: theme.colors.text.primary, fontSize: theme.typography.h5.fontSize }),
  detail: css({ fontSize: theme.typography.bodySmall.fontSize, wordBreak: 'break-word' }),
});
