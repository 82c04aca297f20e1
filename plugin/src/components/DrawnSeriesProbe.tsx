import React, { useEffect, useRef } from 'react';
import { DataFrame } from '@grafana/data';
import { UPlotConfigBuilder } from '@grafana/ui';
import { drawnRecord } from './chartState';
import { useChartHook } from './useChartHook';

/**
 * Records on the panel element what uPlot actually drew (series shown, points per series,
 * bands), for diagnostics and the end-to-end tests.
 */
export function DrawnSeriesProbe({ config, frame }: { config: UPlotConfigBuilder; frame: DataFrame }) {
  const ref = useRef<HTMLSpanElement>(null);
  const pending = useRef<ReturnType<typeof setTimeout>>();
  useEffect(() => () => clearTimeout(pending.current), []);
  useChartHook(config, 'draw', frame, (u, frame) => {
    // Counting every point of every series is not the draw's business: done after it, once.
    clearTimeout(pending.current);
    pending.current = setTimeout(() => {
      // Undefined when the chart changed since this draw: its own draw records it.
      const drawn = drawnRecord(u, frame, config.getConfig().bands?.length ?? 0);
      if (drawn) {
        ref.current?.setAttribute('data-drawn', JSON.stringify(drawn));
      }
    }, 0);
  });
  return <span ref={ref} data-testid="foresight-drawn" hidden />;
}
