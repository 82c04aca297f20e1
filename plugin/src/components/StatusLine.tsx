import React from 'react';
import { css, cx } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';
import { FOOTER_HEIGHT } from './ActionsBar';

interface Props {
  /** Why nothing is analysed (shown as an error). */
  failure?: string;
  /** Where the analysis stands ('' when done). */
  progress: string;
  notes: string[];
}

/** The line under the chart: the analysis' progress or failure, then the notes; all of it in the title. */
export function StatusLine({ failure, progress, notes }: Props) {
  const styles = useStyles2(getStyles);
  return (
    <div
      className={cx(styles.status, failure && styles.failure)}
      data-testid="foresight-status"
      title={[failure, ...notes].filter(Boolean).join('\n')}
    >
      {failure ? <span data-testid="foresight-failure">{failure}. </span> : progress}
      {notes.join(' · ')}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  status: css({
    height: FOOTER_HEIGHT,
    lineHeight: `${FOOTER_HEIGHT}px`,
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  failure: css({ color: theme.colors.error.text }),
});
