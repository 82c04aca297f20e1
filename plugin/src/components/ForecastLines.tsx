import React, { useMemo, useRef } from 'react';
import { DataFrame, getFieldDisplayName } from '@grafana/data';
import { UPlotConfigBuilder } from '@grafana/ui';
import { ForecastLine } from '../render/plotFrames';
import { plotCanvas, useChartHook } from './useChartHook';

interface Props {
  config: UPlotConfigBuilder;
  frame: DataFrame;
  lines: ForecastLine[];
}

/**
 * Draws the forecast lines of a big panel (above DETAIL_LIMIT series) over the chart, dotted in
 * their series' colour and on its scale, skipped for series hidden from the legend. As chart
 * series, every forecast batch was new data for uPlot, which rebuilds the paths of every series
 * (the observed ones did not change); drawn here, a batch repaints the chart from its cached
 * paths and draws only these lines. Records what it drew on a hidden element for the tests.
 */
export function ForecastLines({ config, frame, lines }: Props) {
  const ref = useRef<HTMLSpanElement>(null);
  const drawn = useMemo(() => ({ frame, lines }), [frame, lines]);
  useChartHook(
    config,
    'draw',
    drawn,
    (u, { frame, lines }) => {
      if (frame.fields.length !== u.series.length) {
        return; // not this chart's frame (it is being replaced)
      }
      const indexOf = new Map(frame.fields.map((f, i) => [getFieldDisplayName(f, frame), i]));
      const ctx = plotCanvas(u);
      ctx.setLineDash([2 * devicePixelRatio, 4 * devicePixelRatio]);
      const points: Record<string, number> = {};
      for (const line of lines) {
        const index = indexOf.get(line.name);
        const series = index === undefined ? undefined : u.series[index];
        if (!series || series.show === false || !series.scale) {
          continue;
        }
        ctx.strokeStyle = line.color;
        ctx.beginPath();
        let n = 0;
        let gap = true;
        for (let i = 0; i < line.timestamps.length; i++) {
          const v = line.yhat[i];
          if (!Number.isFinite(v)) {
            gap = true;
            continue;
          }
          const x = u.valToPos(line.timestamps[i], 'x', true);
          const y = u.valToPos(v, series.scale, true);
          if (gap) {
            ctx.moveTo(x, y);
          } else {
            ctx.lineTo(x, y);
          }
          gap = false;
          n++;
        }
        ctx.stroke();
        points[`${line.name} forecast`] = n;
      }
      ctx.restore();
      ref.current?.setAttribute('data-lines', JSON.stringify(points));
    },
    true
  );
  return <span ref={ref} data-testid="foresight-forecast-lines" hidden />;
}
