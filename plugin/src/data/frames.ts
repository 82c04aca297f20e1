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
 */
export function extractSeries(input: DataFrame[] | undefined): ExtractedSeries {
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
      series.push(toSeries(frame, time, field, frames));
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
    timestamps,
    values,
  };
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
