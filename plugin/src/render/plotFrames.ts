import {
  DataFrame,
  Field,
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
import { futureTimestamps } from '../engine/timestamps';
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
  /** By series key: a new series object with the same visible data keeps its frames. */
  readonly bySeries = new Map<string, CachedFrames>();
  last: DataFrame[] = [];
  /** Values padded onto a joined time axis, per values array (see joinOnSharedTime). */
  readonly padded = new WeakMap<object, { offset: number; total: number; source: Field; field: Field }>();
  joinedFrom?: DataFrame[];
  joined: DataFrame[] = [];
  /** The joined time axis, kept while its values are the same (the chart reuses paths over it). */
  joinedTime?: number[];
  /** The last forecast lines drawn over the chart (see forecastLines). */
  lines: ForecastLine[] = [];
}

interface CachedFrames {
  /** The series the frames were built from (or one with the same visible data). */
  series: PlotSeries;
  /** The series' own frame (observed, and expected and band when drawn), and what it was built from. */
  observed?: CachedFrame;
  /** Its forecast's frame. */
  forecast?: CachedFrame;
  /** The timestamps its forecast will have, from which series timestamps and horizon. */
  ahead?: { timestamps: Float64Array; horizonMs: number; times: number[] };
}

interface CachedFrame {
  inputs: unknown[];
  frame: DataFrame;
}

type PlotSeries = SeriesInput & { threshold?: { value: number } };

/**
 * Results the analysis will bring to every series (while it runs; see chartPlan): their legend
 * entries are listed before they arrive, so that the legend does not grow under the chart when
 * they do (a smaller plotting area is a rebuild of every series' paths, and a layout shift).
 */
export interface PlannedResults {
  /** An expected line per series (the detection; drawn up to DETAIL_LIMIT series). */
  expected?: boolean;
  /**
   * A forecast per series over this horizon (ms; drawn as chart series up to DETAIL_LIMIT
   * series): its empty fields are laid out on the timestamps it will have (futureTimestamps),
   * so the joined time axis does not change when it lands (a new axis is new data for every
   * series, a rebuild of every path).
   */
  forecastHorizonMs?: number;
}

/**
 * Two frames per series: observed values, the engine's expected line, the band drawn as `upper`
 * filled down to `lower` (Grafana's fillBelowTo); and the forecast with its band, past the last
 * point. Fields that have no result yet are there already, empty (nulls, hidden from the legend):
 * the chart's structure (frameStructureKey) does not move when results arrive, so Grafana's
 * TimeSeries takes them as new data (uPlot's setData) instead of building a new chart for each
 * batch (a new configuration, a new uPlot, a new legend: most of a batch's main-thread time).
 * Results stream in series by series: with a `cache`, a frame is rebuilt only when what it draws
 * changed (a panel of 100 series redraws on every batch; above DETAIL_LIMIT series a detection
 * changes no frame at all, only markers). With `visible`, only that part of each series is drawn
 * (the engine learns from a longer history than the dashboard shows). With `planned`, the legend
 * lists the entries of results still to come (their fields stay empty until they arrive).
 */
export function buildPlotFrames(
  series: PlotSeries[],
  outcomes: Map<string, SeriesOutcome>,
  theme: GrafanaTheme2,
  timeZone: TimeZone,
  visible?: { from: number; to: number },
  cache = new PlotFrameCache(),
  planned: PlannedResults = {}
): DataFrame[] {
  // Expected lines and bands are five paths per series: above DETAIL_LIMIT series the chart
  // keeps the observed lines, markers and forecast lines, and the tooltip gives the band.
  const detailed = series.length <= DETAIL_LIMIT;
  // Forecasts drawn by the hook do not widen the value axis: the observed fields do, when a
  // forecast leaves the observed range.
  const soft = detailed ? undefined : forecastSoftRanges(series, outcomes, visible);
  const cached = (hit: CachedFrame | undefined, inputs: unknown[], build: () => DataFrame): CachedFrame => {
    if (hit && hit.inputs.length === inputs.length && hit.inputs.every((v, i) => v === inputs[i])) {
      return hit;
    }
    const [frame] = applyFieldOverrides({
      data: [build()],
      fieldConfig: { defaults: {}, overrides: [] },
      replaceVariables: (v) => v,
      theme,
      timeZone,
    });
    return { inputs, frame };
  };
  const frames = series.flatMap((s, index) => {
    const outcome = outcomes.get(s.key);
    let entry = cache.bySeries.get(s.key);
    if (!entry || (entry.series !== s && !sameVisibleData(entry.series, s, visible))) {
      entry = { series: s };
      cache.bySeries.set(s.key, entry);
    }
    entry.series = s;
    const look = [theme, timeZone, index];
    const detection = detailed ? outcome?.detection : undefined;
    const range = soft?.get(s.unit ?? '');
    // Listed while it is due; with its detection it is listed anyway, and above DETAIL_LIMIT
    // series there is none (no rebuild when the plan ends).
    const expectedDue = detailed && !!planned.expected && !detection;
    const observed = cached(
      entry.observed,
      [
        ...look,
        detailed,
        detection,
        expectedDue,
        s.threshold?.value,
        visible?.from,
        visible?.to,
        range?.min,
        range?.max,
      ],
      () => observedFrame(s, index, detection, detailed, theme, visible, range, expectedDue)
    );
    if (entry.observed && observed !== entry.observed) {
      keepValues(entry.observed.frame.fields[1], observed.frame.fields[1]);
    }
    entry.observed = observed;
    if (!detailed) {
      // Above DETAIL_LIMIT series the forecast lines are drawn over the chart by a hook
      // (forecastLines), not as chart series: a forecast batch then changes no frame, and the
      // chart repaints from its cached paths instead of rebuilding the paths of every series.
      entry.forecast = undefined;
      return [observed.frame];
    }
    const forecast = outcome?.forecast;
    // No forecast yet: its fields, empty, on the timestamps it will have when it is due, else on
    // the series' own time axis (joined with it).
    const ahead =
      forecast && forecast.timestamps.length > 0 ? undefined : plannedAxis(entry, planned.forecastHorizonMs);
    const times = ahead ?? observed.frame.fields[0].values;
    entry.forecast =
      forecast && forecast.timestamps.length > 0
        ? cached(entry.forecast, [...look, forecast, detailed], () =>
            forecastFrame(s, index, forecast.timestamps, forecast, theme, detailed)
          )
        : cached(entry.forecast, [...look, undefined, detailed, visible?.from, visible?.to, ahead], () =>
            forecastFrame(s, index, times, undefined, theme, detailed, ahead !== undefined)
          );
    return [observed.frame, entry.forecast.frame];
  });
  if (cache.bySeries.size > series.length) {
    const keys = new Set(series.map((s) => s.key));
    [...cache.bySeries.keys()].filter((k) => !keys.has(k)).forEach((k) => cache.bySeries.delete(k));
  }
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

/**
 * A rebuilt field keeps its predecessor's values array when they hold the same values (the
 * series replaced by the history query's longer one with the same visible points, whose
 * visible part is another array): the chart then keeps its path (see cacheSeriesPaths).
 */
function keepValues(previous: Field | undefined, next: Field | undefined) {
  if (previous && next && previous.values !== next.values && sameValues(previous.values, next.values)) {
    next.values = previous.values;
  }
}

/**
 * The timestamps a due forecast of the entry's series will have (futureTimestamps over
 * `horizonMs`), the same array while they are the same; undefined when none is due.
 */
function plannedAxis(entry: CachedFrames, horizonMs: number | undefined): number[] | undefined {
  if (!horizonMs || horizonMs <= 0) {
    return undefined;
  }
  const timestamps = entry.series.timestamps;
  const hit = entry.ahead;
  if (hit && hit.timestamps === timestamps && hit.horizonMs === horizonMs) {
    return hit.times.length > 0 ? hit.times : undefined;
  }
  let times = Array.from(futureTimestamps(timestamps, horizonMs));
  if (hit && sameValues(hit.times, times)) {
    times = hit.times;
  }
  entry.ahead = { timestamps, horizonMs, times };
  return times.length > 0 ? times : undefined;
}

/** A field's config: the series' colour, unit and decimals, Grafana's line style plus `extra`. */
function fieldConfig(
  s: PlotSeries,
  color: string,
  extra: Partial<GraphFieldConfig>,
  displayName: string
): FieldConfig<GraphFieldConfig> {
  return {
    displayNameFromDS: displayName,
    unit: s.unit,
    decimals: s.decimals,
    color: { mode: FieldColorModeId.Fixed, fixedColor: color },
    custom: { ...baseCustom, ...extra },
  };
}

/** A number field; without values (no result yet), nulls on an axis of `length` points. */
function numberField(
  name: string,
  values: ArrayLike<number> | undefined,
  config: FieldConfig<GraphFieldConfig>,
  length = values?.length ?? 0
): Field {
  return {
    name,
    type: FieldType.number,
    config,
    values: values ? nullGaps(values) : new Array<null>(length).fill(null),
  };
}

/**
 * Hidden from the legend unless it has values or they are due (the legend reads this from the
 * frames, not the chart's configuration).
 */
const legendUnless = (shown: boolean) => (shown ? {} : { hideFrom: hiddenFromLegend });

/**
 * Observed and forecast lines are 1 px, Grafana's default: the canvas is rasterised on the
 * main thread (CanvasRenderingContext2D::FinalizeFrame in a trace) and a 1 px line takes Skia's
 * hairline path, several times cheaper than stroking a 2 px outline (measured in
 * docs/benchmarks.md, "The panel at scale": 1.9 s of a 100-series panel's main thread at 2 px,
 * 0.2 s at 1 px; main-thread CPU −32 % at 10 series). Dashes tell the expected and forecast
 * lines apart.
 */
const LINE_WIDTH = 1;

function seriesColor(theme: GrafanaTheme2, i: number): string {
  const palette = theme.visualization.palette;
  return theme.visualization.getColorByName(palette[i % palette.length]);
}

/**
 * The series' frame (before field overrides): observed values and, when `detailed`, the
 * detection's expected line and band (empty until the detection).
 */
function observedFrame(
  s: PlotSeries,
  i: number,
  detection: SeriesOutcome['detection'],
  detailed: boolean,
  theme: GrafanaTheme2,
  visible?: { from: number; to: number },
  soft?: SoftRange,
  expectedDue = false
): DataFrame {
  const [i0, i1] = visibleIndices(s.timestamps, visible);
  const part = (a: Float64Array) => (i0 === 0 && i1 === a.length ? a : visiblePart(a, i0, i1));
  const color = seriesColor(theme, i);
  const config = (extra: Partial<GraphFieldConfig>, displayName: string) => fieldConfig(s, color, extra, displayName);
  const fields: DataFrame['fields'] = [
    { name: 'Time', type: FieldType.time, config: {}, values: Array.from(part(s.timestamps)) },
    numberField(
      s.name,
      part(s.values),
      withThreshold(
        config({ lineWidth: LINE_WIDTH, axisSoftMin: soft?.min, axisSoftMax: soft?.max }, s.name),
        s.threshold?.value,
        theme
      )
    ),
  ];
  if (detailed) {
    // Before the detection (or one that does not line up with the series): empty.
    const d = detection && detection.timestamps.length === s.timestamps.length ? detection : undefined;
    const lowerName = `${s.name} ${LOWER_SUFFIX}`;
    const length = i1 - i0;
    fields.push(
      numberField(
        `${s.name} ${EXPECTED_SUFFIX}`,
        d && part(d.expected),
        config(
          { lineStyle: { fill: 'dash', dash: [6, 4] }, ...legendUnless(!!d || expectedDue) },
          `${s.name} ${EXPECTED_SUFFIX}`
        ),
        length
      ),
      numberField(
        `${s.name} ${UPPER_SUFFIX}`,
        d && part(d.upper),
        config(
          { lineWidth: 0, fillOpacity: 18, fillBelowTo: lowerName, hideFrom: hiddenFromLegend },
          `${s.name} ${UPPER_SUFFIX}`
        ),
        length
      ),
      numberField(
        lowerName,
        d && part(d.lower),
        config({ lineWidth: 0, hideFrom: hiddenFromLegend }, lowerName),
        length
      )
    );
  }
  return { name: s.name, refId: s.refId, length: i1 - i0, fields };
}

/**
 * The forecast's frame (before field overrides), past the series' last point, with its band when
 * detailed. Without a forecast yet: the same fields, empty, on `times` (the series' own axis),
 * listed in the legend when the forecast is `due`.
 */
function forecastFrame(
  s: PlotSeries,
  i: number,
  times: ArrayLike<number>,
  f: NonNullable<SeriesOutcome['forecast']> | undefined,
  theme: GrafanaTheme2,
  detailed: boolean,
  due = false
): DataFrame {
  const color = seriesColor(theme, i);
  const config = (extra: Partial<GraphFieldConfig>, displayName: string) => fieldConfig(s, color, extra, displayName);
  const name = `${s.name} ${FORECAST_SUFFIX}`;
  const length = times.length;
  const fields: DataFrame['fields'] = [
    // The series' own axis is shared as is (joinOnSharedTime recognises it by identity).
    { name: 'Time', type: FieldType.time, config: {}, values: f ? Array.from(times) : (times as number[]) },
    numberField(
      name,
      f?.yhat,
      // Many series: the legend lists the series, not a forecast entry beside each.
      config(
        { lineStyle: { fill: 'dot', dash: [2, 4] }, lineWidth: LINE_WIDTH, ...legendUnless((!!f || due) && detailed) },
        name
      ),
      length
    ),
  ];
  if (detailed) {
    const lowerName = `${name} ${LOWER_SUFFIX}`;
    const band = f?.lower && f.upper ? f : undefined;
    fields.push(
      numberField(
        `${name} ${UPPER_SUFFIX}`,
        band?.upper,
        config(
          { lineWidth: 0, fillOpacity: 10, fillBelowTo: lowerName, hideFrom: hiddenFromLegend },
          `${name} ${UPPER_SUFFIX}`
        ),
        length
      ),
      numberField(lowerName, band?.lower, config({ lineWidth: 0, hideFrom: hiddenFromLegend }, lowerName), length)
    );
  }
  return { name, refId: s.refId, length, fields };
}

/**
 * The frames as ONE frame when their time axes line up: every frame on one of a few axes that
 * follow each other without overlapping (a Prometheus range query regularised to its step: the
 * observed series share one axis, the forecasts the one after it). The chart then skips
 * Grafana's outer join of every frame (GraphNG's preparePlotFrame; a single frame passes
 * through), which was about a fifth of each redraw of a 100-series panel (docs/benchmarks.md).
 * Each field is padded with nulls outside its own axis, once per values array (cached). Frames
 * whose axes interleave are returned as they are, for Grafana to join.
 */
export function joinOnSharedTime(frames: DataFrame[], cache = new PlotFrameCache()): DataFrame[] {
  if (frames === cache.joinedFrom) {
    return cache.joined;
  }
  const joined = joinFrames(frames, cache);
  cache.joinedFrom = frames;
  cache.joined = joined;
  return joined;
}

function joinFrames(frames: DataFrame[], cache: PlotFrameCache): DataFrame[] {
  if (frames.length < 2 || frames.some((f) => f.fields[0]?.type !== FieldType.time || f.length === 0)) {
    return frames;
  }
  // The distinct axes, by content.
  const axes: Array<ArrayLike<number>> = [];
  const axisOf = frames.map((frame) => {
    const times = frame.fields[0].values;
    let at = axes.findIndex((axis) => sameValues(axis, times));
    if (at < 0) {
      at = axes.push(times) - 1;
    }
    return at;
  });
  const order = axes.map((_, i) => i).sort((a, b) => axes[a][0] - axes[b][0]);
  const offsets = new Array<number>(axes.length);
  let total = 0;
  for (let k = 0; k < order.length; k++) {
    const axis = axes[order[k]];
    if (!isIncreasing(axis) || (k > 0 && axis[0] <= lastOf(axes[order[k - 1]]))) {
      return frames; // axes that interleave: Grafana's join puts them together
    }
    offsets[order[k]] = total;
    total += axis.length;
  }
  let time = new Array<number>(total);
  for (const k of order) {
    const axis = axes[k];
    for (let i = 0; i < axis.length; i++) {
      time[offsets[k] + i] = axis[i];
    }
  }
  if (cache.joinedTime && sameValues(cache.joinedTime, time)) {
    time = cache.joinedTime;
  }
  cache.joinedTime = time;
  const fields: Field[] = [{ ...frames[0].fields[0], values: time }];
  frames.forEach((frame, f) => {
    for (const field of frame.fields.slice(1)) {
      fields.push(paddedField(field, offsets[axisOf[f]], total, cache));
    }
  });
  return [{ name: frames[0].name, refId: frames[0].refId, length: total, fields }];
}

/**
 * The field's values placed at `offset` on an axis of `total` points, nulls elsewhere; the same
 * padded array for the same values array (a rebuilt frame of unchanged values keeps it, and the
 * chart its path: see cacheSeriesPaths).
 */
function paddedField(field: Field, offset: number, total: number, cache: PlotFrameCache): Field {
  const hit = cache.padded.get(field.values);
  if (hit && hit.offset === offset && hit.total === total) {
    if (hit.source !== field) {
      hit.source = field;
      hit.field = { ...field, values: hit.field.values };
    }
    return hit.field;
  }
  const values = new Array<number | null>(total).fill(null);
  for (let i = 0; i < field.values.length; i++) {
    values[offset + i] = field.values[i];
  }
  const padded = { ...field, values };
  cache.padded.set(field.values, { offset, total, source: field, field: padded });
  return padded;
}

function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a === b) {
    return true;
  }
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

function isIncreasing(xs: ArrayLike<number>): boolean {
  for (let i = 1; i < xs.length; i++) {
    if (!(xs[i] > xs[i - 1])) {
      return false;
    }
  }
  return true;
}

const lastOf = (xs: ArrayLike<number>) => xs[xs.length - 1];

/**
 * What GraphNG builds its chart configuration from, per field: the name, type and drawing
 * config (colour, line, fill, unit, thresholds), not the values. Equal keys mean the chart can
 * take the new frames as new data (uPlot's setData) instead of a new configuration. Whether a
 * field is hidden from the legend is not part of it: the legend reads that from the frames on
 * each render (PlotLegend), the chart's configuration does not use it.
 */
export function frameStructureKey(frames: DataFrame[]): string {
  return JSON.stringify(
    frames.map((frame) => frame.fields.map((f) => [getFieldDisplayNameFromConfig(f), f.type, f.config])),
    (key, value) => (key === 'hideFrom' && value ? { ...value, legend: undefined } : value)
  );
}

const getFieldDisplayNameFromConfig = (f: Field) => f.config.displayNameFromDS ?? f.name;

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

/**
 * Whether two versions of a series draw the same: the same name, unit, decimals and threshold, and
 * the same visible timestamps and values (the history query's longer series against the
 * dashboard's own, typically).
 */
function sameVisibleData(a: PlotSeries, b: PlotSeries, visible?: { from: number; to: number }): boolean {
  if (
    a.name !== b.name ||
    a.unit !== b.unit ||
    a.decimals !== b.decimals ||
    a.threshold?.value !== b.threshold?.value
  ) {
    return false;
  }
  const [a0, a1] = visibleIndices(a.timestamps, visible);
  const [b0, b1] = visibleIndices(b.timestamps, visible);
  if (a1 - a0 !== b1 - b0) {
    return false;
  }
  for (let i = 0; i < a1 - a0; i++) {
    const av = a.values[a0 + i];
    const bv = b.values[b0 + i];
    if (a.timestamps[a0 + i] !== b.timestamps[b0 + i] || (av !== bv && !(Number.isNaN(av) && Number.isNaN(bv)))) {
      return false;
    }
  }
  return true;
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

/** The same view for the same part of an array (so that nullGaps finds its result again). */
const views = new WeakMap<Float64Array, { i0: number; i1: number; view: Float64Array }>();

function visiblePart(a: Float64Array, i0: number, i1: number): Float64Array {
  const hit = views.get(a);
  if (hit && hit.i0 === i0 && hit.i1 === i1) {
    return hit.view;
  }
  const view = a.subarray(i0, i1);
  views.set(a, { i0, i1, view });
  return view;
}

/** nullGaps' results by input array (engine results and series are not modified once made). */
const gapped = new WeakMap<object, Array<number | null>>();

/**
 * uPlot draws gaps for null, not NaN. The same output for the same input array: a frame rebuilt
 * for another part of its series' results keeps the arrays of the parts that did not change.
 * (A plain loop: Array.from with a mapper is several times slower.)
 */
function nullGaps(values: ArrayLike<number>): Array<number | null> {
  const hit = gapped.get(values);
  if (hit) {
    return hit;
  }
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? v : null;
  }
  gapped.set(values, out);
  return out;
}

/** Value-axis bounds a unit's forecasts need beyond its observed values (Grafana's soft min / max). */
export interface SoftRange {
  min?: number;
  max?: number;
}

/**
 * Per unit, where the forecasts drawn over the chart (above DETAIL_LIMIT series) leave the
 * range of the observed values: the axis must reach that far, as it would if the forecasts were
 * chart series. Rounded outwards to a tenth of the order of the range, so that forecast batches
 * rarely move it (a new bound is a new chart configuration). Units whose forecasts stay inside
 * the observed range get none.
 */
export function forecastSoftRanges(
  series: PlotSeries[],
  outcomes: Map<string, SeriesOutcome>,
  visible?: { from: number; to: number }
): Map<string, SoftRange> {
  const extents = new Map<string, { lo: number; hi: number; fLo: number; fHi: number }>();
  for (const s of series) {
    const yhat = outcomes.get(s.key)?.forecast?.yhat;
    if (!yhat) {
      continue;
    }
    const [fLo, fHi] = extent(yhat, 0, yhat.length);
    const unit = s.unit ?? '';
    const e = extents.get(unit) ?? { lo: Infinity, hi: -Infinity, fLo, fHi };
    extents.set(unit, { ...e, fLo: Math.min(e.fLo, fLo), fHi: Math.max(e.fHi, fHi) });
  }
  if (extents.size === 0) {
    return new Map(); // no forecast yet: nothing to reach
  }
  for (const s of series) {
    const e = extents.get(s.unit ?? '');
    if (e) {
      const [lo, hi] = extent(s.values, ...visibleIndices(s.timestamps, visible));
      e.lo = Math.min(e.lo, lo);
      e.hi = Math.max(e.hi, hi);
    }
  }
  const out = new Map<string, SoftRange>();
  extents.forEach((e, unit) => {
    if (!(e.fLo < e.lo) && !(e.fHi > e.hi)) {
      return;
    }
    const lo = Math.min(e.lo, e.fLo);
    const hi = Math.max(e.hi, e.fHi);
    const span = hi - lo;
    const step = span > 0 ? 10 ** Math.floor(Math.log10(span / 10)) : 1;
    out.set(unit, {
      min: e.fLo < e.lo ? Math.floor(e.fLo / step) * step : undefined,
      max: e.fHi > e.hi ? Math.ceil(e.fHi / step) * step : undefined,
    });
  });
  return out;
}

/** Smallest and largest finite value of values[i0..i1) (Infinity, -Infinity when none). */
function extent(values: ArrayLike<number>, i0: number, i1: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = i0; i < i1; i++) {
    const v = values[i];
    if (v < lo) {
      lo = v;
    }
    if (v > hi) {
      hi = v;
    }
  }
  return [lo, hi];
}

/** A forecast line drawn over the chart (above DETAIL_LIMIT series), on its series' scale. */
export interface ForecastLine {
  /** The series' display name: the chart series whose scale and visibility the line follows. */
  name: string;
  color: string;
  timestamps: Float64Array;
  yhat: Float64Array;
}

/**
 * The forecast lines to draw over the chart: none up to DETAIL_LIMIT series (their forecasts are
 * chart series, with bands and legend entries). With a `cache`, the last list is returned when
 * it holds the same forecasts, so that results which bring none (detections, attributions)
 * repaint nothing.
 */
export function forecastLines(
  series: PlotSeries[],
  outcomes: Map<string, SeriesOutcome>,
  theme: GrafanaTheme2,
  cache = new PlotFrameCache()
): ForecastLine[] {
  const previous = cache.lines;
  if (series.length <= DETAIL_LIMIT) {
    return previous.length === 0 ? previous : (cache.lines = []);
  }
  const lines = series.flatMap((s, i) => {
    const f = outcomes.get(s.key)?.forecast;
    return f && f.timestamps.length > 0
      ? [{ name: s.name, color: seriesColor(theme, i), timestamps: f.timestamps, yhat: f.yhat }]
      : [];
  });
  const same =
    lines.length === previous.length &&
    lines.every(
      (l, i) =>
        l.yhat === previous[i].yhat &&
        l.timestamps === previous[i].timestamps &&
        l.name === previous[i].name &&
        l.color === previous[i].color
    );
  return same ? previous : (cache.lines = lines);
}
