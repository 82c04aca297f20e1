import { useLayoutEffect, useRef } from 'react';
import type uPlot from 'uplot';
import { UPlotConfigBuilder } from '@grafana/ui';

/**
 * Adds a uPlot hook once per chart config (hooks cannot be removed from the builder, and a new
 * one per render would pile up) that always runs with the latest `value` and `hook`.
 */
export function useChartHook<T>(
  config: UPlotConfigBuilder,
  type: 'draw' | 'drawAxes',
  value: T,
  hook: (u: uPlot, value: T) => void
) {
  const latest = useRef({ value, hook });
  useLayoutEffect(() => {
    latest.current = { value, hook };
  });
  useLayoutEffect(() => {
    config.addHook(type, (u: uPlot) => latest.current.hook(u, latest.current.value));
  }, [config, type]);
}
