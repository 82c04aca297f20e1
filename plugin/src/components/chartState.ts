/**
 * What the chart is given beyond its frames (its time range, its structure revision) and what it
 * drew (the record the end-to-end tests read). Pure, jest-tested.
 */
import type uPlot from 'uplot';
import { DataFrame, dateTime, getFieldDisplayName, TimeRange } from '@grafana/data';
import type { AnalyzeOptions } from '../engine/protocol';
import { forecastEnd } from '../engine/timestamps';
import { frameStructureKey, PlannedResults } from '../render/plotFrames';

/** What the analysis under way will add to the chart (see chartPlan). */
export interface ChartPlan extends PlannedResults {
  /** Where the last forecast will end: the time axis reaches it before the forecasts arrive. */
  forecastEnd?: number;
}

/**
 * What the analysis will add to the chart, known from its options before any result arrives: an
 * expected line per series (detection always runs) and, unless the model is "fast" or the
 * horizon empty, a forecast per series ending where futureTimestamps will end it. The chart lists
 * their legend entries and reaches the forecasts' end from its first render, so neither the
 * legend nor the time axis moves under the chart when the results land (each move was a rebuild
 * of every series' paths). Nothing once the analysis is done: the chart then shows what arrived
 * (a forecast the engine skipped, a detection that failed, leave no entry and no empty axis).
 */
export function chartPlan(
  series: Array<{ timestamps: ArrayLike<number> }>,
  options: Pick<AnalyzeOptions, 'model' | 'horizonMs'>,
  done: boolean
): ChartPlan {
  if (done || series.length === 0) {
    return {};
  }
  const forecast = options.model !== 'fast' && options.horizonMs > 0;
  let end: number | undefined;
  if (forecast) {
    for (const s of series) {
      const e = forecastEnd(s.timestamps, options.horizonMs);
      if (e !== undefined && !(e <= (end ?? -Infinity))) {
        end = e;
      }
    }
  }
  return { expected: true, forecastHorizonMs: forecast ? options.horizonMs : undefined, forecastEnd: end };
}

/**
 * The dashboard's range, widened to the last forecast when that runs past its end; the same
 * object otherwise, so results that do not move the last forecast do not redraw the chart.
 */
export function drawnRange(timeRange: TimeRange, lastForecast: number | undefined): TimeRange {
  if (lastForecast === undefined || lastForecast <= timeRange.to.valueOf()) {
    return timeRange;
  }
  return { from: timeRange.from, to: dateTime(lastForecast), raw: timeRange.raw };
}

/**
 * A revision number that moves when the frames' structure (frameStructureKey) changes: a hash
 * of it (32-bit FNV-1a; GraphNG only compares revisions for equality), so that no state is kept
 * and no extra render is needed.
 */
export function structureRevision(frames: DataFrame[]): number {
  const key = frameStructureKey(frames);
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  return (hash >>> 0) + 1;
}

/** One drawn series: its legend label, whether it is shown, its points, first time and largest value. */
export interface DrawnSeries {
  label: string;
  show: boolean;
  points: number;
  firstTime: number | null;
  max: number | null;
}

export interface DrawnRecord {
  series: DrawnSeries[];
  bands: number;
  xMax: number | null | undefined;
}

/**
 * What uPlot drew from `frame`: each series (not the time axis), the number of bands and the
 * axis' end; undefined when the chart no longer has the frame's fields (it changed since).
 */
export function drawnRecord(
  u: Pick<uPlot, 'series' | 'data' | 'scales'>,
  frame: DataFrame,
  bands: number
): DrawnRecord | undefined {
  if (frame.fields.length !== u.series.length) {
    return undefined;
  }
  const series = u.series.slice(1).map((s, i) => ({
    label: getFieldDisplayName(frame.fields[i + 1], frame),
    show: s.show !== false,
    points: countDrawable(u.data[i + 1]),
    firstTime: firstDrawableTime(u.data[0], u.data[i + 1]),
    max: largest(u.data[i + 1]),
  }));
  return { series, bands, xMax: u.scales.x.max };
}

type Values = ArrayLike<number | null | undefined> | undefined;

function countDrawable(values: Values): number {
  let n = 0;
  for (let i = 0; i < (values?.length ?? 0); i++) {
    if (values![i] != null) {
      n++;
    }
  }
  return n;
}

function largest(values: Values): number | null {
  let max: number | null = null;
  for (let i = 0; i < (values?.length ?? 0); i++) {
    const v = values![i];
    if (v != null && (max === null || v > max)) {
      max = v;
    }
  }
  return max;
}

function firstDrawableTime(times: ArrayLike<number | null | undefined>, values: Values): number | null {
  for (let i = 0; i < (values?.length ?? 0); i++) {
    if (values![i] != null) {
      return times[i] ?? null;
    }
  }
  return null;
}
