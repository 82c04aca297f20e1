import { AnalyzeOptions, EngineSeries, FromWorker, ToWorker } from './protocol';
import { isDriver, plannedLevels } from './drivers';
import { DetectionResult, ForecastResult, IncidentResult } from '../types';
import type { AlertRuleOptions, AlertRules, RootCause, RootCauseSeries } from '../wasm/foresight_wasm';

declare let __webpack_public_path__: string;

/** One part of a series' outcome, as it arrives. */
export type OutcomePart =
  | { key: string; detection: DetectionResult; incidents: IncidentResult[] }
  | { key: string; forecast: ForecastResult }
  | { key: string; start: number; attribution: NonNullable<IncidentResult['attribution']> }
  | { key: string; start: number; rootCause: RootCause }
  | { key: string; error: string };

export interface AnalyzeCallbacks {
  onPart: (part: OutcomePart) => void;
  onDone: () => void;
  onFatal: (message: string) => void;
}

/** Workers at most: each holds its own engine instance and model cache. */
const MAX_WORKERS = 4;

/**
 * One worker per core but one, up to MAX_WORKERS: the core left over is the page's, so drawing
 * and input are not starved while the workers run flat out (on 2 cores, measured: with two busy
 * workers the main thread's tasks stretched to several times their CPU time).
 */
export function poolSize(cores = typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency || 1): number {
  return Math.max(1, Math.min(MAX_WORKERS, cores - 1));
}

/**
 * The worker whose model cache holds this series: a stable hash of its key, so the same series
 * goes to the same worker on every refresh. Worker 0 also runs the detection of every series,
 * so it takes half a share of the forecasts.
 */
export function ownerOf(key: string, workers: number): number {
  if (workers <= 1) {
    return 0;
  }
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  }
  const share = ((hash >>> 0) / 2 ** 32) * (workers - 0.5);
  return share < 0.5 ? 0 : Math.min(workers - 1, Math.floor(share + 0.5));
}

interface Request {
  id: number;
  callbacks: AnalyzeCallbacks;
  /** Jobs sent and not yet done, across the pool. */
  pending: number;
  incidents: Map<string, IncidentResult[]>;
  forecasted: Set<string>;
}

export interface Member {
  receive: (msg: FromWorker) => void;
  fail: (message: string) => void;
}

/** What an engine client needs of the page's workers (WorkerPool; a fake in the tests). */
export interface Pool {
  readonly size: number;
  join(member: Member): number;
  leave(id: number): void;
  start(): Array<Pick<Worker, 'postMessage'>>;
}

/**
 * The workers of the page, shared by every Foresight panel on it: a dashboard of ten panels
 * runs four engines, not forty. Replies are routed to the panel that asked (its client id);
 * the workers stop when the last panel is gone.
 */
export class WorkerPool implements Pool {
  private workers: Worker[] = [];
  private members = new Map<number, Member>();
  private nextId = 0;
  private publicPath = '';

  constructor(
    readonly size = poolSize(),
    private readonly create: () => Worker = createWorker
  ) {}

  /** Joins the pool (starting the workers if needed); returns the client id to send with. */
  join(member: Member): number {
    const id = ++this.nextId;
    this.members.set(id, member);
    return id;
  }

  leave(id: number) {
    if (!this.members.delete(id)) {
      return;
    }
    this.workers.forEach((w) => w.postMessage({ type: 'release', clientId: id } satisfies ToWorker));
    if (this.members.size === 0) {
      this.workers.forEach((w) => w.terminate());
      this.workers = [];
    }
  }

  /** The running workers, started on first use. Throws when a worker cannot be created. */
  start(): Worker[] {
    if (this.workers.length > 0) {
      return this.workers;
    }
    // Relative public paths do not resolve inside a worker; hand it an absolute one.
    this.publicPath = new URL(__webpack_public_path__, document.baseURI).href;
    for (let i = 0; i < this.size; i++) {
      this.workers.push(this.spawn());
    }
    return this.workers;
  }

  private spawn(): Worker {
    const worker = this.create();
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.route(event.data, worker);
    worker.onerror = (event) => this.failAll(`Engine worker error: ${event.message || 'failed to start'}`);
    worker.postMessage({ type: 'init', publicPath: this.publicPath } satisfies ToWorker);
    return worker;
  }

  private route(msg: FromWorker, from: Worker) {
    if (msg.type === 'ready') {
      return;
    }
    if (msg.type === 'trapped') {
      // Same slot, so each series keeps its worker; the old one answers its queue and closes.
      const slot = this.workers.indexOf(from);
      if (slot >= 0) {
        this.workers[slot] = this.spawn();
        from.postMessage({ type: 'retire' } satisfies ToWorker);
      }
      return;
    }
    if (msg.type === 'fatal') {
      this.failAll(msg.message);
      return;
    }
    this.members.get(msg.clientId)?.receive(msg);
  }

  private failAll(message: string) {
    this.members.forEach((m) => m.fail(message));
  }
}

let sharedPool: WorkerPool | undefined;
/** The page's pool (see WorkerPool). */
export const pagePool = () => (sharedPool ??= new WorkerPool());

type Routed = Extract<FromWorker, { clientId: number }>;

/**
 * One panel's side of the engine. It splits a request into jobs — detection of all series on
 * one worker (peer anomalies need them together), forecasts spread over the pool by series,
 * then attribution of each series' incidents on the worker holding its model — routes replies
 * of the current request and ignores those of superseded ones.
 */
export class EngineClient {
  private readonly id: number;
  private requestId = 0;
  private request?: Request;
  private fatal?: string;
  /** One-off questions (alert rules, an incident's root cause), by id. */
  private queryId = 0;
  private pendingQueries = new Map<number, { resolve: (answer: never) => void; reject: (e: Error) => void }>();

  constructor(private readonly pool: Pool = pagePool()) {
    this.id = pool.join({ receive: (msg) => this.receive(msg as Routed), fail: (message) => this.fail(message) });
  }

  /** This panel's detection runs on its own worker of the pool, so panels spread their detections. */
  private get detector(): number {
    return this.id % this.pool.size;
  }

  /** The worker holding this series' model: ownerOf, turned so the detector takes the half share. */
  private ownerWorker(key: string): number {
    return (ownerOf(key, this.pool.size) + this.detector) % this.pool.size;
  }

  /**
   * Starts the workers ahead of the first request, so loading and warming up the engine overlaps
   * the panel's history query. Failures surface with the first request.
   */
  warmUp() {
    try {
      this.pool.start();
    } catch {
      // analyze() reports it.
    }
  }

  /** Starts an analysis; any earlier one still running is abandoned. */
  analyze(series: EngineSeries[], options: AnalyzeOptions, callbacks: AnalyzeCallbacks) {
    this.request = undefined;
    if (this.fatal) {
      callbacks.onFatal(this.fatal);
      return;
    }
    let workers: ReturnType<Pool['start']>;
    try {
      workers = this.pool.start();
    } catch (e) {
      this.request = { id: 0, callbacks, pending: 0, incidents: new Map(), forecasted: new Set() };
      this.fail(`Could not start the engine worker: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const id = ++this.requestId;
    const request: Request = { id, callbacks, pending: 0, incidents: new Map(), forecasted: new Set() };
    this.request = request;
    // Driver series go with every forecast job: each worker forecasts its share of the other
    // series with them as regressors (the drivers themselves are forecast on their own).
    const drivers = options.drivers?.length ? series.filter((s) => isDriver(s, options.drivers)) : [];
    const forecasting = options.model !== 'fast' && options.horizonMs > 0;
    if (forecasting && options.drivers?.length && drivers.length === 0 && series.length > 0) {
      // Named drivers that match nothing: said once, on the first series; forecasts go on without.
      callbacks.onPart({ key: series[0].key, error: 'drivers: no series of the panel matches the Drivers option' });
    } else if (forecasting && drivers.length > 0 && drivers.length === series.length) {
      // A driver is never its own regressor: with every series a driver, none is driven.
      callbacks.onPart({
        key: series[0].key,
        error: 'drivers: every series of the panel is a driver, so none is forecast with them',
      });
    }
    // Annotations setting a driver's level (a planned campaign): resolved once, on the drivers
    // picked here; one that cannot be used is said once and the rest go on. Without drivers on
    // this panel they are another panel's business: nothing to say.
    const plan =
      forecasting && drivers.length > 0 && drivers.length < series.length
        ? plannedLevels(options.driverAnnotations ?? [], drivers)
        : { levels: [], problems: [] };
    for (const problem of plan.problems) {
      callbacks.onPart({ key: series[0].key, error: problem });
    }
    // Detection scores the other series on what the drivers do not explain (engine: anomaly/drivers.rs).
    const driverIndices = series.flatMap((s, i) => (drivers.includes(s) ? [i] : []));
    const detectOptions =
      driverIndices.length > 0 && driverIndices.length < series.length
        ? { ...options, detector: { ...options.detector, drivers: driverIndices } }
        : options;
    const send = (
      worker: Pick<Worker, 'postMessage'>,
      type: 'detect' | 'forecast',
      part: EngineSeries[],
      jobOptions: AnalyzeOptions = options
    ) => {
      // Copies: the panel's frames keep their arrays; the copies are moved, not cloned.
      const copy = (s: EngineSeries) => ({
        ...s,
        timestamps: Float64Array.from(s.timestamps),
        values: Float64Array.from(s.values),
      });
      const copies = part.map(copy);
      const transfer = copies.flatMap((s) => [s.timestamps.buffer, s.values.buffer]);
      request.pending++;
      const message: ToWorker =
        type === 'forecast' && drivers.length > 0
          ? {
              type,
              clientId: this.id,
              requestId: id,
              series: copies,
              options: jobOptions,
              drivers: drivers.map(copy),
              ...(plan.levels.length > 0 ? { levels: plan.levels } : {}),
            }
          : { type, clientId: this.id, requestId: id, series: copies, options: jobOptions };
      worker.postMessage(message, transfer);
    };
    send(workers[this.detector], 'detect', series, detectOptions);
    if (forecasting) {
      const shares = workers.map((): EngineSeries[] => []);
      series.forEach((s) => shares[this.ownerWorker(s.key)].push(s));
      shares.forEach((share, i) => share.length > 0 && send(workers[i], 'forecast', share));
    }
  }

  /** Generates Prometheus rules in the engine; rejects with the engine's message. */
  alertRules(options: AlertRuleOptions): Promise<AlertRules> {
    return this.ask((requestId) => ({ type: 'alertRules', clientId: this.id, requestId, options }));
  }

  /** Root-cause hints for one incident over the given series; rejects with the engine's message. */
  rootCause(
    series: RootCauseSeries[],
    incident: { series: number; start: number; end: number },
    labels: Array<Record<string, string>>
  ): Promise<RootCause> {
    return this.ask((requestId) => ({ type: 'rootCause', clientId: this.id, requestId, series, incident, labels }));
  }

  private ask<T>(message: (requestId: number) => ToWorker): Promise<T> {
    const requestId = ++this.queryId;
    return new Promise<T>((resolve, reject) => {
      this.pendingQueries.set(requestId, { resolve: resolve as (answer: never) => void, reject });
      try {
        this.pool.start()[this.detector].postMessage(message(requestId));
      } catch (e) {
        this.pendingQueries.delete(requestId);
        reject(e);
      }
    });
  }

  dispose() {
    this.request = undefined;
    this.pool.leave(this.id);
  }

  private receive(msg: Routed) {
    if (msg.type === 'alertRules' || msg.type === 'rootCause') {
      const pending = this.pendingQueries.get(msg.requestId);
      this.pendingQueries.delete(msg.requestId);
      const answer = msg.type === 'alertRules' ? msg.rules : msg.rootCause;
      answer ? pending?.resolve(answer as never) : pending?.reject(new Error(msg.error ?? 'no answer'));
      return;
    }
    const request = this.request;
    if (!request || msg.requestId !== request.id) {
      return;
    }
    const { callbacks } = request;
    if (msg.type === 'detection') {
      callbacks.onPart({ key: msg.key, detection: msg.detection, incidents: msg.incidents });
      request.incidents.set(msg.key, msg.incidents);
      this.attributeWhenReady(request, msg.key);
    } else if (msg.type === 'forecast') {
      callbacks.onPart({ key: msg.key, forecast: msg.forecast });
      request.forecasted.add(msg.key);
      this.attributeWhenReady(request, msg.key);
    } else if (msg.type === 'attribution') {
      callbacks.onPart({ key: msg.key, start: msg.start, attribution: msg.attribution });
    } else if (msg.type === 'rootCauses') {
      msg.causes.forEach((c) => callbacks.onPart(c));
    } else if (msg.type === 'error') {
      callbacks.onPart({ key: msg.key, error: msg.message });
    } else if (msg.type === 'done') {
      // Parts precede their job's 'done', so every attribution they start is counted by now.
      if (--request.pending === 0) {
        callbacks.onDone();
      }
    }
  }

  /** Once a series has both its incidents and its forecast model, attribute the incidents. */
  private attributeWhenReady(request: Request, key: string) {
    const incidents = request.incidents.get(key);
    if (!incidents?.length || !request.forecasted.has(key)) {
      return;
    }
    request.pending++;
    const worker = this.pool.start()[this.ownerWorker(key)];
    worker.postMessage({
      type: 'attribute',
      clientId: this.id,
      requestId: request.id,
      key,
      incidents,
    } satisfies ToWorker);
  }

  private fail(message: string) {
    this.fatal = message;
    this.request?.callbacks.onFatal(message);
  }
}

function createWorker(): Worker {
  return new Worker(
    /* webpackChunkName: "foresight-worker" */
    /* webpackEntryOptions: { library: { type: "var", name: "__foresightWorker" } } */
    new URL('./engine.worker.ts', import.meta.url)
  );
}
