import { useMemo } from 'react';
import { GrafanaTheme2, TimeRange } from '@grafana/data';
import { TimeZone } from '@grafana/schema';
import { anomalyMarkers } from '../render/markers';
import {
  buildPlotFrames,
  forecastLines,
  joinOnSharedTime,
  lastForecastTime,
  PlotFrameCache,
} from '../render/plotFrames';
import { SeriesInput, SeriesOutcome } from '../types';
import { ChartPlan, drawnRange, structureRevision } from './chartState';

/**
 * What the chart draws of the series and their results: frames (cached per series across
 * renders), their structure revision, the overlays' markers and forecast lines, the time range.
 * `plan`: the results still to come (their legend entries and the forecasts' end shown already).
 */
export function useChartData(
  plotted: SeriesInput[],
  outcomes: Map<string, SeriesOutcome>,
  theme: GrafanaTheme2,
  timeZone: TimeZone,
  timeRange: TimeRange,
  plan: ChartPlan = {}
) {
  const frameCache = useMemo(() => new PlotFrameCache(), []);
  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const { expected, forecastHorizonMs } = plan;
  const frames = useMemo(
    () =>
      joinOnSharedTime(
        buildPlotFrames(plotted, outcomes, theme, timeZone, { from, to }, frameCache, { expected, forecastHorizonMs }),
        frameCache
      ),
    [plotted, outcomes, theme, timeZone, from, to, frameCache, expected, forecastHorizonMs]
  );
  // The chart's configuration follows the drawn frames' structure, which changes as results add
  // fields (bands, forecasts) while the query's own structureRev stays put: GraphNG given the
  // query's would keep a configuration without them.
  const structureRev = useMemo(() => structureRevision(frames), [frames]);
  const markers = useMemo(() => anomalyMarkers(plotted, outcomes), [plotted, outcomes]);
  // Above DETAIL_LIMIT series the forecasts are drawn over the chart (the same list while no
  // forecast changes, so other results repaint nothing).
  const lines = useMemo(
    () => forecastLines(plotted, outcomes, theme, frameCache),
    [plotted, outcomes, theme, frameCache]
  );
  // The forecast runs past the dashboard's end: the axis is widened to show it (by value), from
  // the first render while forecasts are due (plan.forecastEnd), so that it does not move when
  // they arrive.
  const lastForecast = useMemo(() => lastForecastTime(outcomes), [outcomes]);
  const end = Math.max(lastForecast ?? -Infinity, plan.forecastEnd ?? -Infinity);
  const range = useMemo(() => drawnRange(timeRange, end > -Infinity ? end : undefined), [timeRange, end]);
  return { frames, structureRev, markers, lines, range };
}
