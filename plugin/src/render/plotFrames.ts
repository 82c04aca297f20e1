import {
  DataFrame,
  FieldColorModeId,
  FieldConfig,
  FieldType,
  GrafanaTheme2,
  applyFieldOverrides,
  ThresholdsMode,
} from '@grafana/data';
import {
  GraphDrawStyle,
  GraphFieldConfig,
  GraphThresholdsStyleMode,
  LineInterpolation,
  TimeZone,
  VisibilityMode,
} from '@grafana/schema';
import { SeriesInput, SeriesOutcome } from '../types';

/** Suffixes of the derived fields; the e2e tests and the legend rely on them. */
export const EXPECTED_SUFFIX = 'expected';
export const UPPER_SUFFIX = 'upper';
export const LOWER_SUFFIX = 'lower';
export const FORECAST_SUFFIX = 'forecast';

/** Series count above which expected lines and bands are not drawn (see buildPlotFrames). */
export const DETAIL_LIMIT = 20;

const baseCustom: GraphFieldConfig = {
  drawStyle: GraphDrawStyle.Line,
  lineInterpolation: LineInterpolation.Linear,
  lineWidth: 1,
  fillOpacity: 0,
  showPoints: VisibilityMode.Never,
  pointSize: 4,
  spanNulls: false,
  hideFrom: { legend: false, tooltip: false, viz: false },
};
const hiddenFromLegend = { legend: true, tooltip: false, viz: false };

/**
 * Frames already built per series, reused while the series, what is drawn of its outcome and the
 * look are unchanged; and the last panel-wide list, returned as is when no series changed (so the
 * chart does not redraw for results it does not draw, such as incident attributions).
 */
export class PlotFrameCache {
  readonly bySeries = new WeakMap<SeriesInput, CachedFrames>();
  last: DataFrame[] = [];
}

interface CachedFrames {
  detection?: SeriesOutcome['detection'];
  forecast?: SeriesOutcome['forecast'];
  theme: GrafanaTheme2;
  timeZone: TimeZone;
  detailed: boolean;
  index: number;
  threshold?: number;
  from?: number;
  to?: number;
  frames: DataFrame[];
}

type PlotSeries = SeriesInput & { threshold?: { value: number } };

/**
 * One frame per analysed series: observed values, the engine's expected line, the band drawn as
 * `upper` filled down to `lower` (Grafana's fillBelowTo); and, when
 * there is a forecast, a second frame past the last point with the forecast and its band.
 * Results stream in series by series: with a `cache`, only the series whose outcome changed are
 * rebuilt (a panel of 100 series redraws on every batch). With `visible`, only that part of each
 * series is drawn (the engine learns from a longer history than the dashboard shows).
 */
export function buildPlotFrames(
  series: PlotSeries[],
  outcomes: Map<string, SeriesOutcome>,
  theme: GrafanaTheme2,
  timeZone: TimeZone,
  visible?: { from: number; to: number },
  cache = new PlotFrameCache()
): DataFrame[] {
  // Expected lines and bands are five paths per series: above DETAIL_LIMIT series the chart
  // keeps the observed lines, markers and forecast lines, and the tooltip gives the band.
  const detailed = series.length <= DETAIL_LIMIT;
  const frames = series.flatMap((s, index) => {
    const outcome = outcomes.get(s.key);
    const threshold = s.threshold?.value;
    const hit = cache.bySeries.get(s);
    if (
      hit &&
      hit.detection === outcome?.detection &&
      hit.forecast === outcome?.forecast &&
      hit.theme === theme &&
      hit.timeZone === timeZone &&
      hit.detailed === detailed &&
      hit.index === index &&
      hit.threshold === threshold &&
      hit.from === visible?.from &&
      hit.to === visible?.to
    ) {
      return hit.frames;
    }
    const built = applyFieldOverrides({
      data: seriesFrames(s, index, outcome, theme, detailed, visible),
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables: (v) => v,
      theme,
      timeZone,
    });
    cache.bySeries.set(s, {
      detection: outcome?.detection,
      forecast: outcome?.forecast,
      theme,
      timeZone,
      detailed,
      index,
      threshold,
      from: visible?.from,
      to: visible?.to,
      frames: built,
    });
    return built;
  });
  if (frames.length === cache.last.length && frames.every((f, i) => f === cache.last[i])) {
    return cache.last;
  }
  cache.last = frames;
  // applyFieldOverrides numbers series per call; number them across the panel as one call would.
  let seriesIndex = 0;
  for (const frame of frames) {
    for (const field of frame.fields) {
      if (field.type !== FieldType.time && field.state) {
        field.state.seriesIndex = seriesIndex++;
      }
    }
  }
  return frames;
}

/** The frames of one series (before field overrides). */
function seriesFrames(
  s: PlotSeries,
  i: number,
  outcome: SeriesOutcome | undefined,
  theme: GrafanaTheme2,
  detailed: boolean,
  visible?: { from: number; to: number }
): DataFrame[] {
  const [i0, i1] = visibleIndices(s.timestamps, visible);
  const part = <T extends Float64Array>(a: T) => (i0 === 0 && i1 === a.length ? a : (a.subarray(i0, i1) as T));
  const palette = theme.visualization.palette;
  const frames: DataFrame[] = [];
  const color = theme.visualization.getColorByName(palette[i % palette.length]);
  const config = (extra: Partial<GraphFieldConfig>, displayName: string): FieldConfig<GraphFieldConfig> => ({
    displayNameFromDS: displayName,
    unit: s.unit,
    decimals: s.decimals,
    color: { mode: FieldColorModeId.Fixed, fixedColor: color },
    custom: { ...baseCustom, ...extra },
  });
  const number = (name: string, values: ArrayLike<number>, cfg: FieldConfig<GraphFieldConfig>) => ({
    name,
    type: FieldType.number,
    config: cfg,
    values: nullGaps(values),
  });
  const fields: DataFrame['fields'] = [
    { name: 'Time', type: FieldType.time, config: {}, values: Array.from(part(s.timestamps)) },
    number(s.name, part(s.values), withThreshold(config({ lineWidth: 2 }, s.name), s.threshold?.value, theme)),
  ];
  const d = outcome?.detection;
  if (d && d.timestamps.length === s.timestamps.length) {
    if (detailed) {
      const lowerName = `${s.name} ${LOWER_SUFFIX}`;
      fields.push(
        number(
          `${s.name} ${EXPECTED_SUFFIX}`,
          part(d.expected),
          config({ lineStyle: { fill: 'dash', dash: [6, 4] } }, `${s.name} ${EXPECTED_SUFFIX}`)
        ),
        number(
          `${s.name} ${UPPER_SUFFIX}`,
          part(d.upper),
          config(
            { lineWidth: 0, fillOpacity: 18, fillBelowTo: lowerName, hideFrom: hiddenFromLegend },
            `${s.name} ${UPPER_SUFFIX}`
          )
        ),
        number(lowerName, part(d.lower), config({ lineWidth: 0, hideFrom: hiddenFromLegend }, lowerName))
      );
    }
  }
  frames.push({ name: s.name, refId: s.refId, length: i1 - i0, fields });

  const f = outcome?.forecast;
  if (f && f.timestamps.length > 0) {
    const name = `${s.name} ${FORECAST_SUFFIX}`;
    const forecastFields: DataFrame['fields'] = [
      { name: 'Time', type: FieldType.time, config: {}, values: Array.from(f.timestamps) },
      number(
        name,
        f.yhat,
        // Many series: the legend lists the series, not a forecast entry beside each.
        config(
          {
            lineStyle: { fill: 'dot', dash: [2, 4] },
            lineWidth: 2,
            ...(detailed ? {} : { hideFrom: hiddenFromLegend }),
          },
          name
        )
      ),
    ];
    if (detailed && f.lower && f.upper) {
      const lowerName = `${name} ${LOWER_SUFFIX}`;
      forecastFields.push(
        number(
          `${name} ${UPPER_SUFFIX}`,
          f.upper,
          config(
            { lineWidth: 0, fillOpacity: 10, fillBelowTo: lowerName, hideFrom: hiddenFromLegend },
            `${name} ${UPPER_SUFFIX}`
          )
        ),
        number(lowerName, f.lower, config({ lineWidth: 0, hideFrom: hiddenFromLegend }, lowerName))
      );
    }
    frames.push({ name, refId: s.refId, length: f.timestamps.length, fields: forecastFields });
  }
  return frames;
}

/** Draws the series' threshold as a dashed line, as Grafana's time series panel does. */
function withThreshold(
  config: FieldConfig<GraphFieldConfig>,
  value: number | undefined,
  theme: GrafanaTheme2
): FieldConfig<GraphFieldConfig> {
  if (value === undefined) {
    return config;
  }
  return {
    ...config,
    thresholds: {
      mode: ThresholdsMode.Absolute,
      steps: [
        { value: -Infinity, color: 'transparent' },
        { value, color: theme.visualization.getColorByName('red') },
      ],
    },
    custom: { ...config.custom, thresholdsStyle: { mode: GraphThresholdsStyleMode.Dashed } },
  };
}

/** The latest forecast timestamp, to extend the time axis past the dashboard's end. */
export function lastForecastTime(outcomes: Map<string, SeriesOutcome>): number | undefined {
  let last: number | undefined;
  outcomes.forEach((o) => {
    const ts = o.forecast?.timestamps;
    if (ts && ts.length > 0) {
      last = Math.max(last ?? -Infinity, ts[ts.length - 1]);
    }
  });
  return last;
}

/** The index range of the points in `visible`, with one point beyond each edge so lines reach it. */
function visibleIndices(timestamps: Float64Array, visible?: { from: number; to: number }): [number, number] {
  const n = timestamps.length;
  if (!visible) {
    return [0, n];
  }
  let i0 = 0;
  while (i0 < n && timestamps[i0] < visible.from) {
    i0++;
  }
  let i1 = n;
  while (i1 > i0 && timestamps[i1 - 1] > visible.to) {
    i1--;
  }
  return [Math.max(0, i0 - 1), Math.min(n, i1 + 1)];
}

/** uPlot draws gaps for null, not NaN. */
function nullGaps(values: ArrayLike<number>): Array<number | null> {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}
