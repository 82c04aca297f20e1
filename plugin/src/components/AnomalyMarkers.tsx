import React, { useMemo, useRef } from 'react';
import { DataFrame, getFieldDisplayName, GrafanaTheme2 } from '@grafana/data';
import { UPlotConfigBuilder } from '@grafana/ui';
import { KIND_COLORS, markerRadius, SeriesMarkers } from '../render/markers';
import { plotCanvas, useChartHook } from './useChartHook';

/** Marker times recorded for diagnostics at most. */
const MAX_RECORDED_TIMES = 2000;

interface Props {
  config: UPlotConfigBuilder;
  frame: DataFrame;
  markers: SeriesMarkers[];
  theme: GrafanaTheme2;
}

/**
 * Draws the anomaly markers over the chart after uPlot drew the series: a dot per anomalous
 * point on its series' line, coloured by kind, sized by score, skipped for series hidden from
 * the legend. Records what it drew on a hidden element for diagnostics and the tests.
 */
export function AnomalyMarkers({ config, frame, markers, theme }: Props) {
  const ref = useRef<HTMLSpanElement>(null);
  const draws = useRef(0);
  const drawn = useMemo(() => ({ frame, markers, theme }), [frame, markers, theme]);
  useChartHook(
    config,
    'draw',
    drawn,
    (u, { frame, markers, theme }) => {
      // Chart redraws so far (diagnostics: the scale benchmark reports them).
      ref.current?.setAttribute('data-draws', String(++draws.current));
      if (frame.fields.length !== u.series.length) {
        return; // not this chart's frame (it is being replaced)
      }
      const indexOf = new Map(frame.fields.map((f, i) => [getFieldDisplayName(f, frame), i]));
      const colors = Object.fromEntries(
        Object.entries(KIND_COLORS).map(([kind, name]) => [kind, theme.visualization.getColorByName(name)])
      );
      const { left, top, width, height } = u.bbox;
      const ctx = plotCanvas(u);
      ctx.strokeStyle = theme.colors.background.primary;
      const drawn: Record<string, number> = {};
      const times: number[] = [];
      for (const { name, markers: list } of markers) {
        const index = indexOf.get(name);
        const series = index === undefined ? undefined : u.series[index];
        if (!series || series.show === false || !series.scale) {
          continue;
        }
        for (const m of list) {
          const x = u.valToPos(m.time, 'x', true);
          const y = u.valToPos(m.value, series.scale, true);
          if (x < left || x > left + width || y < top || y > top + height) {
            continue;
          }
          ctx.fillStyle = colors[m.kind];
          ctx.beginPath();
          ctx.arc(x, y, markerRadius(m.score) * devicePixelRatio, 0, 2 * Math.PI);
          ctx.fill();
          ctx.stroke();
          const label = `${name} ${m.kind} anomalies`;
          drawn[label] = (drawn[label] ?? 0) + 1;
          if (times.length < MAX_RECORDED_TIMES) {
            times.push(m.time);
          }
        }
      }
      ctx.restore();
      ref.current?.setAttribute('data-markers', JSON.stringify(drawn));
      ref.current?.setAttribute('data-marker-times', JSON.stringify(times));
    },
    true
  );
  return <span ref={ref} data-testid="foresight-markers" hidden />;
}
