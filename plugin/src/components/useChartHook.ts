import { useLayoutEffect, useRef } from 'react';
import type uPlot from 'uplot';
import { UPlotConfigBuilder } from '@grafana/ui';

/**
 * Adds a uPlot hook once per chart config (hooks cannot be removed from the builder, and a new
 * one per render would pile up) that always runs with the latest `value` and `hook`.
 *
 * With `redrawOnChange`, a new `value` that no draw has used by the next frame repaints the
 * chart from its cached paths (uPlot's `redraw(false)`): markers and incident regions arrive
 * without changing any series, and rebuilding the whole chart for them (new frames for
 * Grafana's TimeSeries) costs a hundred times more on a big panel.
 */
export function useChartHook<T>(
  config: UPlotConfigBuilder,
  type: 'draw' | 'drawAxes',
  value: T,
  hook: (u: uPlot, value: T) => void,
  redrawOnChange = false
) {
  const latest = useRef({ value, hook });
  const chart = useRef<{ u: uPlot; drewWith: T }>();
  useLayoutEffect(() => {
    latest.current = { value, hook };
  });
  useLayoutEffect(() => {
    chart.current = undefined;
    config.addHook(type, (u: uPlot) => {
      chart.current = { u, drewWith: latest.current.value };
      latest.current.hook(u, latest.current.value);
    });
  }, [config, type]);
  useLayoutEffect(() => {
    if (!redrawOnChange) {
      return;
    }
    const frame = requestAnimationFrame(() => {
      const drawn = chart.current;
      // A chart that is being replaced has no root in the document: its successor draws anyway.
      if (drawn && drawn.drewWith !== value && drawn.u.root.isConnected) {
        drawn.u.redraw(false);
      }
    });
    return () => cancelAnimationFrame(frame);
  }, [value, redrawOnChange]);
}

/**
 * The chart's canvas, saved and clipped to the plotting area, for an overlay hook to draw on
 * (the caller restores it). Lines are 1 px, Grafana's default.
 */
export function plotCanvas(u: uPlot): CanvasRenderingContext2D {
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.lineWidth = devicePixelRatio;
  return ctx;
}
