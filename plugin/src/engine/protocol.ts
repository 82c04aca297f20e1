/** Messages between the panel (main thread) and the engine worker. */
import type { DetectionResult, ForecastResult, IncidentResult, ModelChoice } from '../types';
import type {
  AlertRuleOptions,
  AlertRules,
  AnomalyOptions,
  ForecastOptions,
  RootCause,
  RootCauseSeries,
} from '../wasm/foresight_wasm';
import type { DriverAnnotation, PlannedLevel } from './drivers';

export interface EngineSeries {
  key: string;
  /** Name as Grafana shows it, and the query's letter: drivers are matched on them. */
  name?: string;
  refId?: string;
  timestamps: Float64Array;
  values: Float64Array;
  /** Labels, for the root-cause label breakdown. */
  labels: Record<string, string>;
  /** The field's Max: the cap of logistic growth when the panel options set none (disks at 100 %). */
  fieldMax?: number;
  /** A threshold the forecast is checked against. */
  threshold?: { value: number; direction: 'above' | 'below'; unit?: string };
}

/** Engine options built from the panel's options (see engineOptions.ts). */
export interface AnalyzeOptions {
  detector: AnomalyOptions;
  prophet: ForecastOptions;
  model: ModelChoice;
  /** How far past each series' last point to forecast, in ms (0: no forecast). */
  horizonMs: number;
  /** Interval width of the forecast band, named in threshold texts. */
  intervalWidth: number;
  /** Which series are drivers (see drivers.ts): the others are forecast with them as regressors. */
  drivers: DriverMatcher[];
  /** Dashboard annotations that set a driver's level (see drivers.ts, plannedLevels). */
  driverAnnotations?: DriverAnnotation[];
}

/** A query letter, or label matchers that must all hold (`job="shop"`). */
export type DriverMatcher = { refId: string } | { labels: Record<string, string> };

/** The jobs a request is split into across the worker pool (see EngineClient). */
export type Job = 'detect' | 'forecast' | 'attribute';

/** Panels share one pool: each message of a panel's engine client carries its id. */
type Routed<T> = T & { clientId: number };

export type ToWorker =
  | { type: 'init'; publicPath: string }
  | Routed<
      /** Anomaly detection over all the series at once (peer anomalies compare them), root causes. */
      | { type: 'detect'; requestId: number; series: EngineSeries[]; options: AnalyzeOptions }
      /**
       * One Prophet forecast per series, from the worker's model cache when still valid;
       * `drivers` are the request's driver series, regressors of the others.
       */
      | {
          type: 'forecast';
          requestId: number;
          series: EngineSeries[];
          options: AnalyzeOptions;
          drivers?: EngineSeries[];
          /** Planned levels of the drivers over their windows, from annotations (drivers.ts). */
          levels?: PlannedLevel[];
        }
      /** Which Prophet component moved in these incidents of a series this worker forecast. */
      | { type: 'attribute'; requestId: number; key: string; incidents: IncidentResult[] }
      | { type: 'alertRules'; requestId: number; options: AlertRuleOptions }
      /** Root-cause hints for one incident, on demand (the detail view of an incident). */
      | {
          type: 'rootCause';
          requestId: number;
          series: RootCauseSeries[];
          incident: { series: number; start: number; end: number };
          labels: Array<Record<string, string>>;
        }
      /** The panel is gone: forget its requests. */
      | { type: 'release' }
    >
  /** This worker has been replaced after a trap: answer what is queued, then close. */
  | { type: 'retire' };

export type FromWorker =
  | { type: 'ready'; version: string }
  /** The engine could not load at all (e.g. WebAssembly unavailable): every panel is told. */
  | { type: 'fatal'; message: string }
  /**
   * The engine instance trapped (a WebAssembly RuntimeError): its memory can no longer be
   * trusted, so the pool replaces the worker; the jobs already queued are answered with errors.
   */
  | { type: 'trapped'; message: string }
  | Routed<
      | { type: 'detection'; requestId: number; key: string; detection: DetectionResult; incidents: IncidentResult[] }
      | { type: 'forecast'; requestId: number; key: string; forecast: ForecastResult }
      | {
          type: 'attribution';
          requestId: number;
          key: string;
          start: number;
          attribution: NonNullable<IncidentResult['attribution']>;
        }
      /** Root-cause hints of the most severe incidents, after their detections. */
      | { type: 'rootCauses'; requestId: number; causes: Array<{ key: string; start: number; rootCause: RootCause }> }
      | { type: 'error'; requestId: number; key: string; message: string }
      /** One job of the request has finished in this worker. */
      | { type: 'done'; requestId: number; job: Job; key?: string }
      | { type: 'alertRules'; requestId: number; rules?: AlertRules; error?: string }
      | { type: 'rootCause'; requestId: number; rootCause?: RootCause; error?: string }
    >;
