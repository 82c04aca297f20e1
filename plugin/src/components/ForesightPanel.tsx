import React, { useLayoutEffect, useMemo, useRef } from 'react';
import { css } from '@emotion/css';
import { DataFrame, getFieldDisplayName, GrafanaTheme2, PanelProps } from '@grafana/data';
import { TimeSeries, UPlotConfigBuilder, useStyles2, useTheme2 } from '@grafana/ui';
import { LegendDisplayMode } from '@grafana/schema';
import { extractSeries } from '../data/frames';
import { buildPlotFrames } from '../render/plotFrames';
import { BaselineResult, ForesightOptions } from '../types';
import { PanelMessage } from './PanelMessage';
import { useEngine } from './useEngine';

type Props = PanelProps<ForesightOptions>;

export function ForesightPanel({ data, width, height, options, timeRange, timeZone }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const extracted = useMemo(() => extractSeries(data.series), [data.series]);
  const engine = useEngine(extracted.series, {
    window: options.baselineWindow > 0 ? options.baselineWindow : undefined,
    bandSigmas: options.bandSigmas,
  });

  const baselines = useMemo(() => {
    const map = new Map<string, BaselineResult>();
    engine.outcomes.forEach((o, key) => 'baseline' in o && map.set(key, o.baseline));
    return map;
  }, [engine.outcomes]);
  const errors = useMemo(
    () =>
      extracted.series.flatMap((s) => {
        const o = engine.outcomes.get(s.key);
        return o && 'error' in o ? [`${s.name}: ${o.error}`] : [];
      }),
    [engine.outcomes, extracted.series]
  );
  const frames = useMemo(
    () => buildPlotFrames(extracted.series, baselines, theme, timeZone),
    [extracted.series, baselines, theme, timeZone]
  );

  if (data.errors?.length) {
    return <PanelMessage severity="error" title="Query error" details={data.errors.map((e) => e.message ?? '')} />;
  }
  if (extracted.problem) {
    return <PanelMessage title={extracted.problem} details={extracted.notes} />;
  }
  if (engine.fatal) {
    return <PanelMessage severity="error" title="The Foresight engine is unavailable" details={[engine.fatal]} />;
  }
  if (engine.done && errors.length === extracted.series.length) {
    return <PanelMessage severity="error" title="No series could be analysed" details={errors} />;
  }

  const analysed = engine.outcomes.size;
  const total = extracted.series.length;
  const notes = [...extracted.notes, ...errors];
  const statusHeight = notes.length > 0 || analysed < total ? 22 : 0;
  return (
    <div className={styles.wrap} data-testid="foresight-panel" data-analysed={analysed} data-total={total}>
      <TimeSeries
        frames={frames}
        structureRev={data.structureRev}
        timeRange={timeRange}
        timeZone={timeZone}
        width={width}
        height={height - statusHeight}
        legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
      >
        {(config, alignedFrame) => <DrawnSeriesProbe config={config} frame={alignedFrame} />}
      </TimeSeries>
      {statusHeight > 0 && (
        <div className={styles.status} data-testid="foresight-status" title={notes.join('\n')}>
          {analysed < total ? `Analysing ${analysed}/${total} series… ` : ''}
          {notes.join(' · ')}
        </div>
      )}
    </div>
  );
}

/**
 * Records on the panel element what uPlot actually drew (series shown, points per series,
 * bands), for diagnostics and the end-to-end tests.
 */
function DrawnSeriesProbe({ config, frame }: { config: UPlotConfigBuilder; frame: DataFrame }) {
  const ref = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    config.addHook('draw', (u) => {
      const drawn = u.series.slice(1).map((s, i) => ({
        label: getFieldDisplayName(frame.fields[i + 1], frame),
        show: s.show !== false,
        points: countDrawable(u.data[i + 1]),
      }));
      const bands = config.getConfig().bands?.length ?? 0;
      ref.current?.setAttribute('data-drawn', JSON.stringify({ series: drawn, bands }));
    });
  }, [config, frame]);
  return <span ref={ref} data-testid="foresight-drawn" hidden />;
}

function countDrawable(values: ArrayLike<number | null | undefined> | undefined): number {
  let n = 0;
  for (let i = 0; i < (values?.length ?? 0); i++) {
    if (values![i] != null) {
      n++;
    }
  }
  return n;
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ position: 'relative', height: '100%' }),
  status: css({
    height: 22,
    lineHeight: '22px',
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
});
