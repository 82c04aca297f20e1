/**
 * Turns the panel's options into the engine's options. Pure functions, shared by the panel
 * (which builds the request) and the worker (which lays out forecast timestamps).
 */
import { rangeUtil } from '@grafana/data';
import type { AlertRuleOptions, AnomalyOptions, ForecastOptions } from '../wasm/foresight_wasm';
import type { ForesightOptions } from '../types';
import type { AnalyzeOptions } from './protocol';
import { DriverAnnotation, isDriverAnnotation, parseDrivers } from './drivers';

export { forecastEnd, futureTimestamps, MAX_FORECAST_POINTS, medianStep } from './timestamps';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/**
 * Monte-Carlo samples behind the forecast band. Prophet's default is 1000; the band's edges are
 * quantiles drawn at screen resolution, and predicting cost grows with the samples
 * (docs/benchmarks.md), so the panel uses fewer.
 */
const UNCERTAINTY_SAMPLES = 200;
/**
 * How the panel's forecasts are fitted (docs/prophet.md, "Stopping sooner for the panel"): the
 * fit stops when an iteration improves the posterior by less than 10^7 machine epsilons
 * (relative; Stan's default is 10^4; the engine caps looser tolerances at 10^7, which stopped
 * short of the optimum), and evaluates the objective from sufficient statistics where the
 * model allows.
 */
const FIT_SETTINGS = { tol_rel_obj: 1e7, sufficientStatistics: true };

export interface ShockWindow {
  name: string;
  start: number;
  end: number;
}

/** Parses `name, start, end` lines (dates, date-times or ms). Bad lines are reported, not dropped silently. */
export function parseShockWindows(text: string): { windows: ShockWindow[]; errors: string[] } {
  const windows: ShockWindow[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) {
      return;
    }
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length !== 3) {
      errors.push(`shock window line ${i + 1}: expected "name, start, end", got "${line}"`);
      return;
    }
    const [name, startText, endText] = parts;
    const start = parseTime(startText);
    const end = parseTime(endText);
    if (!name || start === undefined || end === undefined || end < start) {
      errors.push(`shock window line ${i + 1}: needs a name and times with start ≤ end, got "${line}"`);
      return;
    }
    windows.push({ name, start, end });
  });
  return { windows, errors };
}

function parseTime(text: string): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return Number(text);
  }
  // Dates without a zone are read as UTC, like Prophet's reference data.
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text.replace(' ', 'T');
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso) ? iso : `${iso}Z`;
  const t = Date.parse(withZone);
  return Number.isFinite(t) ? t : undefined;
}

/** A Grafana duration (`5m`, `6h`, `2d`) in ms; empty gives `fallback`. */
export function durationMs(text: string, fallback: number): number {
  const t = text.trim();
  if (!t) {
    return fallback;
  }
  if (!rangeUtil.isValidTimeSpan(t)) {
    throw new Error(`"${t}" is not a duration (try 30m, 6h or 2d)`);
  }
  return rangeUtil.intervalToMs(t);
}

/** The seasonal period the options ask for, in ms (undefined: detect; 0: none). */
export function seasonalPeriodMs(options: ForesightOptions): number | undefined {
  switch (options.seasonality) {
    case 'daily':
      return DAY;
    case 'weekly':
      return 7 * DAY;
    case 'yearly':
      return 365.25 * DAY;
    case 'custom':
      return options.customPeriodHours > 0 ? options.customPeriodHours * HOUR : undefined;
    case 'none':
      return 0;
    default:
      return undefined;
  }
}

/**
 * Engine options for one request. `stepMs` is the query's step (the detector's period is in
 * points); `visibleRangeMs` sets the default horizon.
 */
export function buildAnalyzeOptions(
  options: ForesightOptions,
  stepMs: number,
  visibleRangeMs: number,
  /** Events from the dashboard's annotations: modelled by Prophet, still flagged by the detector. */
  events: ShockWindow[] = [],
  /** Annotations that set a driver's level over their range (applied to the drivers' future values). */
  levelAnnotations: DriverAnnotation[] = []
): { options: AnalyzeOptions; errors: string[] } {
  const errors: string[] = [];
  const shocks = parseShockWindows(options.shockWindows ?? '');
  errors.push(...shocks.errors);
  const drivers = parseDrivers(options.drivers ?? '');
  errors.push(...drivers.errors);
  let minDurationMs = 0;
  let horizonMs = 0;
  try {
    minDurationMs = durationMs(options.minDuration ?? '', 0);
  } catch (e) {
    errors.push(`minimum duration: ${(e as Error).message}`);
  }
  try {
    horizonMs = durationMs(options.horizon ?? '', Math.max(0, visibleRangeMs / 4));
  } catch (e) {
    errors.push(`horizon: ${(e as Error).message}`);
  }

  const periodMs = seasonalPeriodMs(options);
  let period: number | undefined;
  if (periodMs === 0) {
    period = 0;
  } else if (periodMs !== undefined && stepMs > 0) {
    period = Math.max(2, Math.round(periodMs / stepMs));
  }
  const detector: AnomalyOptions = {
    mode: 'batch',
    // Prophet behind the band too when asked; auto is the fast model (measured: docs/evaluation.md).
    model: options.model,
    sensitivity: options.sensitivity,
    direction: options.direction,
    minAbsDeviation: Math.max(0, options.minAbsDeviation || 0),
    minRelDeviation: Math.max(0, (options.minRelDeviationPercent || 0) / 100),
    minDurationMs,
    shockWindows: shocks.windows.map(({ start, end }) => ({ start, end })),
    robust: true,
    period,
    peer: true,
  };

  const on = (which: SeasonalityName) => seasonalitySetting(options.seasonality, which);
  const prophet: ForecastOptions = {
    growth: options.growth,
    changepoint_prior_scale: options.changepointPriorScale,
    interval_width: options.intervalWidth,
    uncertainty_samples: UNCERTAINTY_SAMPLES,
    optimize: FIT_SETTINGS,
    daily_seasonality: on('daily'),
    weekly_seasonality: on('weekly'),
    yearly_seasonality: on('yearly'),
    holidays: [...shocks.windows, ...events].map((w) => ({
      holiday: w.name,
      ds: startOfDayUtc(w.start),
      lower_window: 0,
      upper_window: Math.max(0, Math.floor((startOfDayUtc(w.end) - startOfDayUtc(w.start)) / DAY)),
    })),
  };
  if (options.seasonality === 'custom' && periodMs) {
    prophet.seasonalities = [{ name: 'custom', period: periodMs / DAY, fourier_order: 5 }];
  }
  // Weekday / weekend daily profiles: Prophet's conditional seasonalities, on the engine's
  // built-in weekday and weekend conditions (UTC days). Where the daily one would apply.
  if (options.weekdayWeekend && (options.seasonality === 'auto' || options.seasonality === 'daily')) {
    prophet.daily_seasonality = false;
    prophet.seasonalities = WEEKDAY_WEEKEND;
  }
  if (options.growth === 'logistic') {
    prophet.cap = options.cap;
    prophet.floor = options.floor;
  }
  return {
    options: {
      detector,
      prophet,
      model: options.model,
      horizonMs,
      intervalWidth: options.intervalWidth,
      drivers: drivers.matchers,
      driverAnnotations: levelAnnotations,
    },
    errors,
  };
}

/** Two daily profiles (Prophet's default daily Fourier order), each on its own days. */
export const WEEKDAY_WEEKEND: NonNullable<ForecastOptions['seasonalities']> = [
  { name: 'daily_weekday', period: 1, fourier_order: 4, condition_name: 'weekday' },
  { name: 'daily_weekend', period: 1, fourier_order: 4, condition_name: 'weekend' },
];

type SeasonalityName = 'daily' | 'weekly' | 'yearly';

/** Auto leaves Prophet's own choice; a named seasonality turns the others off; custom and none turn all three off. */
function seasonalitySetting(choice: ForesightOptions['seasonality'], which: SeasonalityName): 'auto' | boolean {
  if (choice === 'auto') {
    return 'auto';
  }
  return choice === which;
}

function startOfDayUtc(ms: number): number {
  return Math.floor(ms / DAY) * DAY;
}

/**
 * Rule options for the panel's Prometheus query from its options and one series' detection: the
 * engine's fitted residual spread sets the rules' band, as it set the panel's.
 */
export function alertRuleOptions(
  options: ForesightOptions,
  query: string,
  detection: { residualSpread?: number; period?: number },
  stepMs: number
): AlertRuleOptions | string {
  const spread = detection.residualSpread;
  if (spread === undefined || !Number.isFinite(spread)) {
    return 'Alert rules need the band the detector fitted, which this series does not have';
  }
  let minDurationMs = 0;
  try {
    minDurationMs = durationMs(options.minDuration ?? '', 0);
  } catch {
    // reported by buildAnalyzeOptions
  }
  return {
    query,
    name: 'panel',
    periodMs: detection.period && stepMs > 0 ? detection.period * stepMs : null,
    stepMs: stepMs > 0 ? stepMs : undefined,
    residualSpread: spread,
    sensitivity: options.sensitivity,
    direction: options.direction,
    minAbsDeviation: options.minAbsDeviation || 0,
    minRelDeviation: (options.minRelDeviationPercent || 0) / 100,
    minDurationMs,
  };
}

type AnnotationFrame = { fields: Array<{ name: string; values: ArrayLike<unknown> }>; length: number };

/** The rows of the annotation frames: time, end (≥ time), text without markup, tags. */
function annotationRows(frames: AnnotationFrame[]) {
  const rows: Array<{ start: number; end: number; text: string; tags: string[] }> = [];
  for (const frame of frames) {
    const col = (name: string) => frame.fields.find((f) => f.name === name)?.values;
    const time = col('time');
    const timeEnd = col('timeEnd');
    const text = col('text') ?? col('title');
    const tags = col('tags');
    for (let i = 0; time && i < frame.length; i++) {
      const start = Number(time[i]);
      const end = Number(timeEnd?.[i] ?? start);
      if (!Number.isFinite(start)) {
        continue;
      }
      const rawTags = tags?.[i];
      rows.push({
        start,
        end: Number.isFinite(end) && end >= start ? end : start,
        text: String(text?.[i] ?? '')
          .replace(/<[^>]*>/g, '')
          .trim(),
        // Grafana gives a row's tags as a list; some sources as one comma-separated string.
        tags: Array.isArray(rawTags) ? rawTags.map(String) : typeof rawTags === 'string' ? rawTags.split(',') : [],
      });
    }
  }
  return rows;
}

/**
 * Dashboard annotations (PanelData.annotations frames: `time`, optional `timeEnd`, `text` or
 * `title`) as named events, at most MAX_EVENTS, newest first. Annotations that set a driver's
 * level (driverAnnotations) describe the driver, not the series: they are not events.
 */
export function annotationEvents(frames: AnnotationFrame[] = []): ShockWindow[] {
  return annotationRows(frames)
    .filter((r) => !isDriverAnnotation(r.text, r.tags))
    .map((r) => ({ name: r.text.slice(0, 60) || 'annotation', start: r.start, end: r.end }))
    .sort((a, b) => b.start - a.start)
    .slice(0, MAX_EVENTS);
}

/**
 * Dashboard annotations that set a driver's level over their time range (a planned campaign):
 * tagged `driver` or with text `driver …` (drivers.ts reads the text), oldest first.
 */
export function driverAnnotations(frames: AnnotationFrame[] = []): DriverAnnotation[] {
  return annotationRows(frames)
    .filter((r) => isDriverAnnotation(r.text, r.tags))
    .map(({ text, start, end }) => ({ text, start, end }))
    .sort((a, b) => a.start - b.start);
}

/** Annotations that become model events at most (each is a holiday feature per day it covers). */
export const MAX_EVENTS = 50;

/** The events (shock windows and annotations) an incident overlaps, by name. */
export function eventsDuring(events: ShockWindow[], start: number, end: number): string[] {
  return [...new Set(events.filter((e) => e.end >= start && e.start <= end).map((e) => e.name))];
}
