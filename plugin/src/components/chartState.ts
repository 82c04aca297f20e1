/**
 * What the chart is given beyond its frames (its time range, its structure revision) and what it
 * drew (the record the end-to-end tests read). Pure, jest-tested.
 */
import type uPlot from 'uplot';
import { DataFrame, dateTime, getFieldDisplayName, TimeRange } from '@grafana/data';
import { frameStructureKey } from '../render/plotFrames';

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
