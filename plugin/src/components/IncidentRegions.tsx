import React, { useMemo, useRef } from 'react';
import { GrafanaTheme2 } from '@grafana/data';
import { UPlotConfigBuilder } from '@grafana/ui';
import { KIND_COLORS } from '../render/markers';
import { IncidentRow } from './IncidentsView';
import { useChartHook } from './useChartHook';

/** Regions drawn at most (the most severe): beyond, they would only tint the whole chart. */
const MAX_REGIONS = 200;

interface Props {
  config: UPlotConfigBuilder;
  incidents: IncidentRow[];
  theme: GrafanaTheme2;
}

/**
 * Shades each incident's time range under the series, tinted by its kind, so an incident that
 * lasts hours reads as one event rather than a trail of markers. Drawn by a uPlot hook after the
 * axes and before the series; records how many it drew for diagnostics and the tests.
 */
export function IncidentRegions({ config, incidents, theme }: Props) {
  const ref = useRef<HTMLSpanElement>(null);
  const drawn = useMemo(() => ({ incidents, theme }), [incidents, theme]);
  useChartHook(
    config,
    'drawAxes',
    drawn,
    (u, { incidents, theme }) => {
      const worst = [...incidents].sort((a, b) => b.peakScore - a.peakScore).slice(0, MAX_REGIONS);
      const { left, top, width, height } = u.bbox;
      const ctx = u.ctx;
      ctx.save();
      ctx.globalAlpha = theme.isDark ? 0.14 : 0.1;
      let drawn = 0;
      for (const inc of worst) {
        const x0 = Math.max(left, u.valToPos(inc.start, 'x', true));
        const x1 = Math.min(left + width, u.valToPos(inc.end + inc.stepMs, 'x', true));
        if (!(x1 > left && x0 < left + width)) {
          continue;
        }
        ctx.fillStyle = theme.visualization.getColorByName(KIND_COLORS[inc.kind]);
        ctx.fillRect(x0, top, Math.max(devicePixelRatio, x1 - x0), height);
        drawn++;
      }
      ctx.restore();
      ref.current?.setAttribute('data-regions', String(drawn));
    },
    true
  );
  return <span ref={ref} data-testid="foresight-regions" hidden />;
}
