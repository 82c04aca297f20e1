import { DataFrame, DataFrameType, Field, FieldType, getFieldDisplayName, ThresholdsMode } from '@grafana/data';
import { SeriesInput } from '../types';

export interface ExtractedSeries {
  series: SeriesInput[];
  /** Why there is nothing to analyse, when `series` is empty. */
  problem?: string;
  /** Things skipped along the way, shown to the user as a note. */
  notes: string[];
}

/**
 * Takes every numeric series out of the frames a data source hands a panel:
 * `timeseries-multi` (Prometheus: one frame per series, labels on the value field) and
 * `timeseries-wide` (one time field, many value fields) and `timeseries-long` (SQL-style rows:
 * time, label columns, value columns; split into one series per label combination).
 * Non-numeric fields are skipped with a note; frames without a time field are reported.
 * Series are put on the query's step (the time field's `interval`, which Prometheus sets, else
 * `intervalMs`): see regularise.
 */
export function extractSeries(input: DataFrame[] | undefined, intervalMs?: number): ExtractedSeries {
  const notes: string[] = [];
  if (!input || input.length === 0 || input.every((f) => f.length === 0)) {
    return { series: [], problem: 'No data', notes };
  }
  const frames = input.flatMap((f) => (isLong(f) ? longToMulti(f) : [f]));
  const series: SeriesInput[] = [];
  let framesWithoutTime = 0;
  let skippedFields = 0;
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) {
      framesWithoutTime++;
      continue;
    }
    for (const field of frame.fields) {
      if (field === time) {
        continue;
      }
      if (field.type !== FieldType.number) {
        skippedFields++;
        continue;
      }
      const one = toSeries(frame, time, field, frames);
      const step = Number(time.config.interval) || intervalMs;
      series.push(step ? regularise(one, step) : one);
    }
  }
  if (framesWithoutTime > 0) {
    notes.push(`${framesWithoutTime} frame(s) without a time field were skipped`);
  }
  if (skippedFields > 0) {
    notes.push(`${skippedFields} non-numeric field(s) were skipped`);
  }
  if (series.length === 0) {
    const problem =
      framesWithoutTime === frames.length
        ? 'Data is not a time series: no frame has a time field'
        : 'Data has no numeric fields to analyse';
    return { series, problem, notes };
  }
  disambiguateNames(series);
  return { series, notes };
}

/** A long frame: declared so, or a time field that repeats with string (label) columns beside it. */
function isLong(frame: DataFrame): boolean {
  if (frame.meta?.type === DataFrameType.TimeSeriesLong) {
    return true;
  }
  const time = frame.fields.find((f) => f.type === FieldType.time);
  if (!time || !frame.fields.some((f) => f.type === FieldType.string)) {
    return false;
  }
  for (let i = 1; i < frame.length; i++) {
    if (!(Number(time.values[i]) > Number(time.values[i - 1]))) {
      return true;
    }
  }
  return false;
}

/** One frame per label combination (the string columns' values), as Grafana's long-to-multi conversion. */
function longToMulti(frame: DataFrame): DataFrame[] {
  const time = frame.fields.find((f) => f.type === FieldType.time)!;
  const labelFields = frame.fields.filter((f) => f.type === FieldType.string);
  const valueFields = frame.fields.filter((f) => f.type === FieldType.number);
  const groups = new Map<string, number[]>();
  for (let i = 0; i < frame.length; i++) {
    const key = JSON.stringify(labelFields.map((f) => String(f.values[i] ?? '')));
    groups.set(key, [...(groups.get(key) ?? []), i]);
  }
  return [...groups.values()].map((rows) => {
    rows.sort((a, b) => Number(time.values[a]) - Number(time.values[b]));
    const labels = Object.fromEntries(labelFields.map((f) => [f.name, String(f.values[rows[0]] ?? '')]));
    return {
      refId: frame.refId,
      name: frame.name,
      length: rows.length,
      fields: [
        { ...time, values: rows.map((r) => time.values[r]) },
        ...valueFields.map((f) => ({
          ...f,
          labels: { ...(f.labels ?? {}), ...labels },
          values: rows.map((r) => f.values[r]),
        })),
      ],
    };
  });
}

function toSeries(frame: DataFrame, time: Field, field: Field, frames: DataFrame[]): SeriesInput {
  const n = frame.length;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timestamps[i] = Number(time.values[i]);
    const v = field.values[i];
    values[i] = typeof v === 'number' ? v : v == null ? NaN : Number(v);
  }
  const labels = { ...(field.labels ?? {}) };
  const labelKey = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
  return {
    key: `${frame.refId ?? ''}/${field.name}{${labelKey}}`,
    name: seriesName(frame, field, frames),
    labels,
    refId: frame.refId,
    unit: field.config.unit,
    decimals: field.config.decimals ?? undefined,
    fieldThreshold: highestThreshold(field),
    fieldMax: Number.isFinite(field.config.max) ? (field.config.max as number) : undefined,
    timestamps,
    values,
  };
}

/** Share of points that must sit on the step's grid for a series to be regularised. */
const ON_GRID_SHARE = 0.9;
/** Grid slots per point at most: a few points days apart are not spread over a huge grid. */
const MAX_GRID_GROWTH = 4;

/**
 * The series on a regular grid of `stepMs` from its first point: steps with no sample (Prometheus
 * leaves them out of a range query's result) become NaN gaps, so the engine's seasonal periods
 * count real time and the chart shows the gap; points slightly off the grid move onto it and two
 * points on one slot are averaged (nothing is dropped). Irregular data (most points off any
 * grid) and very sparse data are left as they are.
 */
export function regularise(series: SeriesInput, stepMs: number): SeriesInput {
  const { timestamps: ts, values } = series;
  const n = ts.length;
  if (n < 2 || !(stepMs > 0)) {
    return series;
  }
  const start = ts[0];
  const slots = new Float64Array(n);
  let onGrid = 0;
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const k = (ts[i] - start) / stepMs;
    slots[i] = Math.round(k);
    onGrid += Math.abs(k - slots[i]) <= 0.1 ? 1 : 0;
    sorted &&= i === 0 || ts[i] > ts[i - 1];
  }
  const length = slots[n - 1] + 1;
  const regular = sorted && onGrid === n && length === n && ts[n - 1] - start === (n - 1) * stepMs;
  if (
    regular ||
    !sorted ||
    onGrid < ON_GRID_SHARE * n ||
    !Number.isFinite(length) ||
    length > MAX_GRID_GROWTH * n + 1000
  ) {
    return series;
  }
  const timestamps = Float64Array.from({ length }, (_, k) => start + k * stepMs);
  const sums = new Float64Array(length);
  const counts = new Uint32Array(length);
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(values[i])) {
      sums[slots[i]] += values[i];
      counts[slots[i]]++;
    }
  }
  const regularValues = Float64Array.from(sums, (sum, k) => (counts[k] > 0 ? sum / counts[k] : NaN));
  return { ...series, timestamps, values: regularValues };
}

/**
 * Grafana's name for the series, except that Prometheus' `__name__` label is written the way
 * Prometheus writes a series (`metric{label="value"}`), as the time series panel shows it.
 */
function seriesName(frame: DataFrame, field: Field, frames: DataFrame[]): string {
  const labels = field.labels ?? {};
  const metric = labels.__name__;
  if (metric && !field.config.displayName && !field.config.displayNameFromDS) {
    const rest = Object.keys(labels)
      .filter((k) => k !== '__name__')
      .sort()
      .map((k) => `${k}="${labels[k]}"`);
    return rest.length ? `${metric}{${rest.join(', ')}}` : metric;
  }
  return getFieldDisplayName(field, frame, frames);
}

/** Two series may end with the same display name (e.g. same legend format); keep them apart. */
function disambiguateNames(series: SeriesInput[]) {
  const seen = new Map<string, number>();
  for (const s of series) {
    const count = seen.get(s.name) ?? 0;
    seen.set(s.name, count + 1);
    if (count > 0) {
      s.name = `${s.name} (${count + 1})`;
    }
  }
}

/** Series analysed at most, and points over all of them: beyond, the rest is left out with a note. */
export const MAX_SERIES = 500;
export const MAX_TOTAL_POINTS = 2_000_000;

/** Keeps the first series within MAX_SERIES and MAX_TOTAL_POINTS, saying how many were left out. */
export function limitSeries(extracted: ExtractedSeries): ExtractedSeries {
  let points = 0;
  let kept = 0;
  for (const s of extracted.series) {
    if (kept >= MAX_SERIES || points + s.timestamps.length > MAX_TOTAL_POINTS) {
      break;
    }
    points += s.timestamps.length;
    kept++;
  }
  if (kept === extracted.series.length) {
    return extracted;
  }
  const note =
    kept === 0
      ? `the series has more than ${MAX_TOTAL_POINTS.toLocaleString('en-US')} points; raise the query's step (Min interval)`
      : `showing ${kept} of ${extracted.series.length} series: Foresight analyses at most ${MAX_SERIES} series and ` +
        `${MAX_TOTAL_POINTS.toLocaleString('en-US')} points per panel; narrow the query or raise its step`;
  return {
    series: extracted.series.slice(0, kept),
    notes: [...extracted.notes, note],
    problem: kept === 0 ? `Too much data: ${note}` : extracted.problem,
  };
}

/** The highest absolute step of a field's thresholds (the base step, -Infinity, does not count). */
function highestThreshold(field: Field): number | undefined {
  const t = field.config.thresholds;
  if (!t || t.mode === ThresholdsMode.Percentage) {
    return undefined;
  }
  const values = t.steps.map((s) => s.value).filter((v) => Number.isFinite(v));
  return values.length ? Math.max(...values) : undefined;
}
