import React from 'react';
import { css } from '@emotion/css';
import { AbsoluteTimeRange, GrafanaTheme2 } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { useStyles2 } from '@grafana/ui';
import { IncidentDetail } from './IncidentDetail';
import { IncidentRow, IncidentsView } from './IncidentsView';

interface Props {
  incidents: IncidentRow[];
  /** The incident whose details are open, if any. */
  detail?: IncidentRow;
  seriesNames: string[];
  height: number;
  timeZone: TimeZone;
  loadRootCause: React.ComponentProps<typeof IncidentDetail>['loadRootCause'];
  onDetails: (incident: IncidentRow) => void;
  onBack: () => void;
  onZoom: (range: AbsoluteTimeRange) => void;
}

/**
 * Under the chart: the incidents list, one incident's details, or the list's place kept while
 * the series are still being analysed.
 */
export function IncidentsPane({ incidents, detail, seriesNames, height, timeZone, ...on }: Props) {
  const styles = useStyles2(getStyles);
  if (incidents.length === 0) {
    return (
      <div className={styles.pending} style={{ height }} data-testid="foresight-incidents-pending">
        Looking for incidents…
      </div>
    );
  }
  return detail ? (
    <IncidentDetail
      incident={detail}
      seriesNames={seriesNames}
      height={height}
      timeZone={timeZone}
      loadRootCause={on.loadRootCause}
      onBack={on.onBack}
      onZoom={on.onZoom}
    />
  ) : (
    <IncidentsView
      incidents={incidents}
      seriesNames={seriesNames}
      height={height}
      timeZone={timeZone}
      onZoom={on.onZoom}
      onDetails={on.onDetails}
    />
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  pending: css({
    padding: theme.spacing(0.5, 1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
});
