import type { Attribution, Incident, RootCause, SeriesAnomalies, ThresholdCrossing } from './wasm/foresight_wasm';

/** Panel options, edited in Grafana's options pane (see module.ts). */
export type ModelChoice = 'auto' | 'prophet' | 'fast';
export type SeasonalityChoice = 'auto' | 'daily' | 'weekly' | 'yearly' | 'custom' | 'none';
export type GrowthChoice = 'linear' | 'logistic' | 'flat';
export type DirectionChoice = 'both' | 'up' | 'down';

export interface ForesightOptions {
  /** Forecast model: auto (Prophet when there is enough history), Prophet, or fast (no forecast). */
  model: ModelChoice;
  seasonality: SeasonalityChoice;
  /** Period of the custom seasonality, in hours. */
  customPeriodHours: number;
  growth: GrowthChoice;
  /** Carrying capacity and floor for logistic growth (value units). */
  cap?: number;
  floor?: number;
  changepointPriorScale: number;
  /** Width of the forecast's uncertainty interval, 0–1 (Prophet's interval_width). */
  intervalWidth: number;
  /** 0–1: higher flags more. */
  sensitivity: number;
  direction: DirectionChoice;
  /** Deviations smaller than this (value units) never count. */
  minAbsDeviation: number;
  /** Deviations smaller than this percentage of the expected value never count. */
  minRelDeviationPercent: number;
  /** Incidents shorter than this (Grafana duration, e.g. `5m`) are dropped. */
  minDuration: string;
  /** Training range as a multiple of the visible range (the panel queries the history itself); 1: visible data only. */
  trainingMultiple: number;
  /** How far past the last point to forecast (Grafana duration, e.g. `6h`); empty: a quarter of the visible range. */
  horizon: string;
  /** One per line: `name, start, end` (dates or ms). Never flagged, never learnt from; Prophet models them as one-off events. */
  shockWindows: string;
  /** The dashboard's annotations (deploys, campaigns) as events of the model and causes in hints. */
  useAnnotations: boolean;
  /**
   * Driver series (business metrics that explain the others), comma-separated: query letters
   * (`B`) or label matchers (`job="shop"`, `{__name__="orders"}`). The other series are forecast
   * with them as Prophet regressors, the drivers' future values from their own forecast, or a
   * level a dashboard annotation plans for them (drivers.ts, plannedLevels).
   */
  drivers: string;
  /** A daily profile for weekdays and another for weekends (UTC) instead of one daily seasonality. */
  weekdayWeekend: boolean;
  showIncidents: boolean;
  /** Alert when the forecast crosses this value (empty: the field's highest threshold step, if any). */
  threshold?: number;
  thresholdDirection: 'above' | 'below';
}

export const defaultOptions: ForesightOptions = {
  model: 'auto',
  seasonality: 'auto',
  customPeriodHours: 24,
  growth: 'linear',
  changepointPriorScale: 0.05,
  intervalWidth: 0.8,
  sensitivity: 0.5,
  direction: 'both',
  minAbsDeviation: 0,
  minRelDeviationPercent: 0,
  minDuration: '',
  horizon: '',
  trainingMultiple: 3,
  shockWindows: '',
  useAnnotations: true,
  drivers: '',
  weekdayWeekend: false,
  showIncidents: true,
  thresholdDirection: 'above',
};

/** One numeric series taken out of the panel's frames, ready for the engine. */
export interface SeriesInput {
  /** Stable identity across refreshes: refId + field name + labels. */
  key: string;
  /** Name as Grafana shows it (legend format, labels). */
  name: string;
  labels: Record<string, string>;
  refId?: string;
  unit?: string;
  decimals?: number;
  /** The highest step of the field's thresholds (Grafana field config), if set. */
  fieldThreshold?: number;
  /** The field's Max (Grafana standard option), if set: the cap of logistic growth by default. */
  fieldMax?: number;
  timestamps: Float64Array;
  /** NaN for null, NaN or missing samples. */
  values: Float64Array;
}

/** Anomaly kinds as the engine codes them in `kind` (0: not anomalous). */
export const KIND_NAMES = ['', 'global', 'contextual', 'collective', 'peer'] as const;
export type KindName = Incident['kind'];

/**
 * The detector's per-point output for one series, aligned with its timestamps: the engine's
 * own type (detectAnomalies), without the values and directions the panel does not draw.
 */
export type DetectionResult = Omit<SeriesAnomalies, 'values' | 'direction'>;

/** An incident as the engine reports it (without its series index: results are by key), with what the panel adds. */
export interface IncidentResult extends Omit<Incident, 'series'> {
  /** Root-cause hints (engine), for the most severe incidents of a request. */
  rootCause?: RootCause;
  /** Which Prophet component moved (engine), for the most severe incidents of a series. */
  attribution?: Pick<Attribution, 'cause' | 'activeEvents' | 'explanation'>;
}

/** Prophet's forecast past the last point. */
export interface ForecastResult {
  timestamps: Float64Array;
  yhat: Float64Array;
  lower?: Float64Array;
  upper?: Float64Array;
  /** When the forecast crosses the series' threshold, if it has one. */
  crossing?: ThresholdCrossing;
  /** Made by a model fitted for an earlier request (same options, nearly the same data). */
  fromCache?: boolean;
  /** Driver series the forecast used as regressors: it depends on their own forecasts. */
  drivers?: string[];
  /** Drivers whose future values over part of the horizon are a planned level from an annotation. */
  plans?: Array<{ driver: string; level: number; annotation: string; start: number; end: number }>;
}

/** What the engine produced for one series so far; each part may fail on its own. */
export interface SeriesOutcome {
  key: string;
  detection?: DetectionResult;
  incidents?: IncidentResult[];
  forecast?: ForecastResult;
  /** Engine messages (a part that failed or was skipped, and why). */
  errors: string[];
}
