/**
 * What the panel says about its data and its analysis: a message in place of the chart, the
 * progress and failure of the analysis, the notes of the status line. Pure, jest-tested.
 */
import { DataQueryError } from '@grafana/data';
import { ExtractedSeries } from '../data/frames';
import { seasonalPeriodMs } from '../engine/engineOptions';
import { ForesightOptions, SeriesOutcome } from '../types';

/** Fewer numeric points than this in every series: nothing to learn a band from. */
export const MIN_POINTS = 3;

/** A message shown in place of the chart. */
export interface PanelProblem {
  title: string;
  details: string[];
  severity?: 'error';
}

/** Why there is nothing to draw (a query error, no usable series, too few points), if so. */
export function dataProblem(
  errors: DataQueryError[] | undefined,
  extracted: ExtractedSeries
): PanelProblem | undefined {
  if (errors?.length) {
    return { severity: 'error', title: 'Query error', details: errors.map((e) => e.message ?? '') };
  }
  if (extracted.problem) {
    return { title: extracted.problem, details: extracted.notes };
  }
  const mostPoints = extracted.series.reduce((most, s) => Math.max(most, countNumeric(s.values)), 0);
  if (mostPoints === 0) {
    return {
      title: 'No values to analyse',
      details: ['the series have no numeric values (every sample is null or NaN)', ...extracted.notes],
    };
  }
  if (mostPoints < MIN_POINTS) {
    return {
      title: 'Too few points to analyse',
      details: [`too few points: ${MIN_POINTS} numeric points are needed, the series has ${mostPoints}`],
    };
  }
  return undefined;
}

/** Where the analysis of the panel's series stands. */
export interface AnalysisStatus {
  total: number;
  /** Series with a detection. */
  analysed: number;
  /** Series with a forecast, and those of them made by a cached model. */
  forecasts: number;
  fromCache: number;
  /** Every job of the engine has answered. */
  done: boolean;
  /** Why nothing is analysed: the data is still drawn, the status line says why. */
  failure?: string;
  /** Still loading the history or analysing. */
  busy: boolean;
  /** Incidents may still arrive (the incidents list keeps its place). */
  detecting: boolean;
  /** The status line's progress ('' when done or failed). */
  progress: string;
}

export function analysisStatus(
  outcomes: Map<string, SeriesOutcome>,
  engine: { done: boolean; fatal?: string },
  trainingLoading: boolean,
  total: number
): AnalysisStatus {
  const all = [...outcomes.values()];
  const analysed = all.filter((o) => o.detection).length;
  const forecasts = all.filter((o) => o.forecast).length;
  const fromCache = all.filter((o) => o.forecast?.fromCache).length;
  // The engine failing loses nothing: the data is still drawn, the status line says why it is
  // not analysed.
  const failure = engine.fatal
    ? `The Foresight engine is unavailable: ${engine.fatal}`
    : engine.done && analysed === 0
      ? 'No series could be analysed'
      : undefined;
  const busy = !failure && (trainingLoading || !engine.done);
  const detecting = !failure && !engine.done && (trainingLoading || analysed < total);
  const progress = failure
    ? ''
    : trainingLoading
      ? 'Loading history… '
      : engine.done
        ? ''
        : analysed < total
          ? `Analysing ${analysed}/${total} series… `
          : `Forecasting ${forecasts}/${total} series… `;
  return { total, analysed, forecasts, fromCache, done: engine.done, failure, busy, detecting, progress };
}

/**
 * The status line's notes: the data's, the options' errors, the history query's, mixed units,
 * series too short for the chosen seasonality, and the engine's messages per series.
 */
export function panelNotes(
  extracted: ExtractedSeries,
  optionErrors: string[],
  trainingNote: string | undefined,
  options: ForesightOptions,
  stepMs: number,
  outcomes: Map<string, SeriesOutcome>
): string[] {
  const out = [...extracted.notes, ...optionErrors, ...(trainingNote ? [trainingNote] : [])];
  const units = new Set(extracted.series.map((s) => s.unit ?? ''));
  if (units.size > 1) {
    out.push(`mixed units (${[...units].map((u) => u || 'none').join(', ')}): each series is analysed in its own unit`);
  }
  const periodMs = seasonalPeriodMs(options);
  if (periodMs && stepMs > 0) {
    const needed = 2 * Math.round(periodMs / stepMs);
    const short = extracted.series.filter((s) => s.timestamps.length < needed).length;
    if (short > 0) {
      out.push(
        `${options.seasonality} seasonality needs at least ${needed} points (two periods); ${short} series have fewer`
      );
    }
  }
  for (const s of extracted.series) {
    for (const e of outcomes.get(s.key)?.errors ?? []) {
      out.push(`${s.name}: ${e}`);
    }
  }
  return out;
}

function countNumeric(values: Float64Array): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      n++;
    }
  }
  return n;
}
