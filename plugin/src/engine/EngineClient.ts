import { AnalyzeOptions, EngineSeries, FromWorker, ToWorker } from './protocol';
import { DetectionResult, ForecastResult, IncidentResult } from '../types';
import type { AlertRuleOptions, AlertRules } from '../wasm/foresight_wasm';

declare let __webpack_public_path__: string;

/** One part of a series' outcome, as it arrives. */
export type OutcomePart =
  | { key: string; detection: DetectionResult; incidents: IncidentResult[] }
  | { key: string; forecast: ForecastResult }
  | { key: string; start: number; attribution: NonNullable<IncidentResult['attribution']> }
  | { key: string; error: string };

export interface AnalyzeCallbacks {
  onPart: (part: OutcomePart) => void;
  onDone: () => void;
  onFatal: (message: string) => void;
}

/**
 * Main-thread side of the engine worker: starts it, sends work, routes replies of the
 * current request and ignores those of superseded ones.
 */
export class EngineClient {
  private worker?: Worker;
  private requestId = 0;
  private callbacks?: AnalyzeCallbacks;
  private fatal?: string;
  private ruleRequest = 0;
  private pendingRules = new Map<number, { resolve: (r: AlertRules) => void; reject: (e: Error) => void }>();

  private start(): Worker {
    if (this.worker) {
      return this.worker;
    }
    const worker = createWorker();
    worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    worker.onerror = (event) => this.fail(`Engine worker error: ${event.message || 'failed to start'}`);
    // Relative public paths do not resolve inside a worker; hand it an absolute one.
    const publicPath = new URL(__webpack_public_path__, document.baseURI).href;
    worker.postMessage({ type: 'init', publicPath } satisfies ToWorker);
    this.worker = worker;
    return worker;
  }

  /** Starts an analysis; any earlier one still running is abandoned. */
  analyze(series: EngineSeries[], options: AnalyzeOptions, callbacks: AnalyzeCallbacks) {
    this.callbacks = callbacks;
    if (this.fatal) {
      callbacks.onFatal(this.fatal);
      return;
    }
    let worker: Worker;
    try {
      worker = this.start();
    } catch (e) {
      this.fail(`Could not start the engine worker: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const requestId = ++this.requestId;
    // Copies: the panel's frames keep their arrays; the copies are moved, not cloned.
    const copies = series.map((s) => ({
      ...s,
      timestamps: Float64Array.from(s.timestamps),
      values: Float64Array.from(s.values),
    }));
    const transfer = copies.flatMap((s) => [s.timestamps.buffer, s.values.buffer]);
    worker.postMessage({ type: 'analyze', requestId, series: copies, options } satisfies ToWorker, transfer);
  }

  /** Generates Prometheus rules in the engine; rejects with the engine's message. */
  alertRules(options: AlertRuleOptions): Promise<AlertRules> {
    const requestId = ++this.ruleRequest;
    return new Promise((resolve, reject) => {
      this.pendingRules.set(requestId, { resolve, reject });
      try {
        this.start().postMessage({ type: 'alertRules', requestId, options } satisfies ToWorker);
      } catch (e) {
        this.pendingRules.delete(requestId);
        reject(e);
      }
    });
  }

  dispose() {
    this.worker?.terminate();
    this.worker = undefined;
    this.callbacks = undefined;
  }

  private receive(msg: FromWorker) {
    if (msg.type === 'ready') {
      return;
    }
    if (msg.type === 'fatal') {
      this.fail(msg.message);
      return;
    }
    if (msg.type === 'alertRules') {
      const pending = this.pendingRules.get(msg.requestId);
      this.pendingRules.delete(msg.requestId);
      msg.rules ? pending?.resolve(msg.rules) : pending?.reject(new Error(msg.error ?? 'no rules'));
      return;
    }
    if (msg.requestId !== this.requestId || !this.callbacks) {
      return;
    }
    if (msg.type === 'detection') {
      this.callbacks.onPart({ key: msg.key, detection: msg.detection, incidents: msg.incidents });
    } else if (msg.type === 'forecast') {
      this.callbacks.onPart({ key: msg.key, forecast: msg.forecast });
    } else if (msg.type === 'attribution') {
      this.callbacks.onPart({ key: msg.key, start: msg.start, attribution: msg.attribution });
    } else if (msg.type === 'error') {
      this.callbacks.onPart({ key: msg.key, error: msg.message });
    } else if (msg.type === 'done') {
      this.callbacks.onDone();
    }
  }

  private fail(message: string) {
    this.fatal = message;
    this.callbacks?.onFatal(message);
  }
}

function createWorker(): Worker {
  return new Worker(
    /* webpackChunkName: "foresight-worker" */
    /* webpackEntryOptions: { library: { type: "var", name: "__foresightWorker" } } */
    new URL('./engine.worker.ts', import.meta.url)
  );
}
