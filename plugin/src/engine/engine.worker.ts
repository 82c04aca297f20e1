/// <reference lib="webworker" />
/**
 * An engine worker: loads the WebAssembly engine and runs the jobs EngineClient hands it
 * (detection, forecasts, attribution) so results stream back series by series and a newer
 * request supersedes an older one. It only schedules; all analysis is in the engine.
 */
import type { ForecastResult, IncidentResult } from '../types';
import type { RootCause, RootCauseSeries } from '../wasm/foresight_wasm';
import type { EngineSeries, FromWorker, ToWorker } from './protocol';
import { ModelCache, TrainingRange, trainingRange } from './modelCache';
import { alignDriver, driverFuture, plannedForecast, regressorName } from './drivers';
import { futureTimestamps } from './timestamps';

declare let __webpack_public_path__: string;
declare const self: DedicatedWorkerGlobalScope;

type Engine = typeof import('../wasm/foresight_wasm');
/** The detection-only build of the engine (no Prophet, no insight): what a first band needs. */
type Detector = typeof import('../wasm/foresight_detect');
type Detect = Extract<ToWorker, { type: 'detect' }>;
type Forecast = Extract<ToWorker, { type: 'forecast' }>;
type Attribute = Extract<ToWorker, { type: 'attribute' }>;
type Detection = ReturnType<Engine['detectAnomalies']>;

/**
 * Two builds of the engine (scripts/build-wasm.sh): the detection-only module, loaded at once,
 * so that bands do not wait for the Prophet code, and the whole engine, loaded when a job
 * first needs more than detection (forecasts, root causes, attribution, alert rules, the
 * Prophet band). Each is compiled while it downloads (wasm-bindgen's init uses
 * WebAssembly.instantiateStreaming when the server sends application/wasm, as Grafana does).
 */
let detector: Promise<Detector> | undefined;
let engine: Promise<Engine> | undefined;
/**
 * The whole engine, loading from the first call on, after the detection module: a detection
 * queued with it runs first (it was waiting on that module), so the first bands do not share
 * the cores with the bigger module's download and compilation.
 */
const wholeEngine = () =>
  (engine ??= (detector ?? Promise.resolve()).then(
    () => loadEngine(),
    () => loadEngine()
  ));
/**
 * Set when the engine trapped (a WebAssembly RuntimeError: its memory can no longer be
 * trusted). The pool then replaces this worker; until it is retired, jobs are answered with
 * errors without touching the engine.
 */
let trapped: string | undefined;
let retiring = false;
let activeJobs = 0;
/** The latest request of each panel (engine client) this worker has seen. */
const latestRequest = new Map<number, number>();

function post(message: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(message, transfer);
}

async function loadDetector(): Promise<Detector> {
  if (typeof WebAssembly !== 'object') {
    throw new Error('WebAssembly is not available in this browser');
  }
  try {
    const mod = await import(/* webpackChunkName: "foresight-detect" */ '../wasm/foresight_detect');
    await mod.default();
    return mod;
  } catch (e) {
    // Every job waiting on the engine reports this one message.
    throw new Error(`Could not load the Foresight engine: ${errorMessage(e)}`);
  }
}

async function loadEngine(): Promise<Engine> {
  if (typeof WebAssembly !== 'object') {
    throw new Error('WebAssembly is not available in this browser');
  }
  try {
    const mod = await import(/* webpackChunkName: "foresight-engine" */ '../wasm/foresight_wasm');
    await mod.default();
    warmUp(mod);
    return mod;
  } catch (e) {
    // Every job waiting on the engine reports this one message.
    throw new Error(`Could not load the Foresight engine: ${errorMessage(e)}`);
  }
}

/**
 * One small fit before the first forecast: V8 first runs WebAssembly in its baseline tier,
 * measured several times slower on the first fits (docs/prophet.md), so the panel's first
 * forecast should not pay for it. (Detection runs in the other module, not warmed: a warm-up
 * would only delay the first band.) Failure here is harmless.
 */
function warmUp(wasm: Engine) {
  try {
    const ts = Float64Array.from({ length: 288 }, (_, i) => i * 300_000);
    const ys = Float64Array.from(ts, (t) => Math.sin((2 * Math.PI * t) / 86_400_000));
    wasm.prophetFree(wasm.prophetFit(ts, ys, { uncertainty_samples: 0 }, undefined));
  } catch {
    // The real request reports real errors.
  }
}

/**
 * Lets queued messages (a newer request, attributions) run between series. A message to
 * ourselves rather than setTimeout(0), which browsers clamp to 4 ms once nested: 100 series
 * would wait 0.4 s for nothing.
 */
const yieldChannel = new MessageChannel();
const yielded: Array<() => void> = [];
yieldChannel.port1.onmessage = () => yielded.shift()?.();
const yieldToMessages = () =>
  new Promise<void>((resolve) => {
    yielded.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
const stale = (clientId: number, requestId: number) => requestId !== latestRequest.get(clientId);
const begin = (clientId: number, requestId: number) => {
  latestRequest.set(clientId, Math.max(latestRequest.get(clientId) ?? 0, requestId));
};

/** A driver as a regressor of one series' model: its values at that series' timestamps. */
interface Regressor {
  name: string;
  byTime: Map<number, number>;
}
/** Regressor values past the history (the drivers' own forecasts), by name and time. */
type Future = Map<string, Map<number, number>>;

/** A fitted model held by the engine under its handle (freed through the cache). */
class ProphetFit {
  constructor(
    private readonly wasm: Engine,
    private readonly handle: number,
    readonly regressors: Regressor[] = []
  ) {}
  /** The regressors' values at `ts`: from the history, else from `future`. */
  columns(ts: Float64Array, future?: Future) {
    if (this.regressors.length === 0) {
      return undefined;
    }
    const regressors: Record<string, Float64Array> = {};
    for (const r of this.regressors) {
      const ahead = future?.get(r.name);
      regressors[r.name] = Float64Array.from(ts, (t) => r.byTime.get(t) ?? ahead?.get(t) ?? NaN);
    }
    return { regressors };
  }
  predict = (ts: Float64Array, future?: Future) => this.wasm.prophetPredict(this.handle, ts, this.columns(ts, future));
  predictPoint = (ts: Float64Array, future?: Future) =>
    this.wasm.prophetPredictPoint(this.handle, ts, this.columns(ts, future));
  fitReport = () => this.wasm.prophetFitReport(this.handle);
  /** Which component moved in the worst of `incidents` of the series `s` it was fitted on. */
  attribute = (s: EngineSeries, incidents: IncidentResult[]) =>
    this.wasm.prophetAttribution(this.handle, s.timestamps, s.values, incidents, this.columns(s.timestamps), undefined);
  free = () => void this.wasm.prophetFree(this.handle);
}
/** Fitted Prophet models per panel and series key, kept across requests (see modelCache.ts). */
const models = new ModelCache<ProphetFit>();
const modelKey = (clientId: number, key: string) => `${clientId}/${key}`;
/** Each panel's series of its latest forecast job, by key, for attributing their incidents. */
const forecastSeries = new Map<number, Map<string, EngineSeries>>();

async function detect(msg: Detect) {
  begin(msg.clientId, msg.requestId);
  // The Prophet band needs the whole engine; otherwise the detection-only module.
  const wasm: Pick<Engine, 'detectAnomalies'> =
    msg.options.detector.model === 'prophet' ? await wholeEngine() : await detector!;
  const { series, options, requestId, clientId } = msg;
  if (stale(clientId, requestId)) {
    return;
  }

  // All series in one call (peer anomalies compare them); when one series is bad, series by
  // series so the others still get results.
  const detections: Array<Detection['series'][number] | undefined> = [];
  const incidents: IncidentResult[][] = series.map(() => []);
  try {
    const all = wasm.detectAnomalies(series, options.detector);
    all.series.forEach((d, i) => (detections[i] = d));
    all.incidents.forEach((inc) => incidents[inc.series].push(incidentOf(inc)));
  } catch (e) {
    noteTrap(e);
    for (let i = 0; i < series.length && trapped === undefined; i++) {
      try {
        const one = wasm.detectAnomalies([series[i]], { ...options.detector, peer: false, drivers: [] });
        detections[i] = one.series[0];
        incidents[i] = one.incidents.map(incidentOf);
      } catch (e) {
        noteTrap(e);
        post({
          type: 'error',
          clientId,
          requestId,
          key: series[i].key,
          message: `anomaly detection: ${errorMessage(e)}`,
        });
      }
    }
  }
  // Root-cause hints compare every series over an incident: computed after the detections
  // are on their way (their buffers move to the page), from copies of what they read.
  const compared = detections.map(
    (d) =>
      d && {
        timestamps: d.timestamps.slice(),
        values: d.values.slice(),
        expected: d.expected.slice(),
        score: d.score.slice(),
        period: d.period,
      }
  );
  series.forEach((s, i) => {
    const d = detections[i];
    if (d) {
      // The engine's own shape, less what the panel does not draw.
      const { values: _values, direction: _direction, ...detection }: Detection['series'][number] = d;
      post({ type: 'detection', clientId, requestId, key: s.key, detection, incidents: incidents[i] }, [
        d.timestamps.buffer,
        d.expected.buffer,
        d.lower.buffer,
        d.upper.buffer,
        d.score.buffer,
        d.kind.buffer,
      ]);
    }
  });
  if (trapped !== undefined) {
    answerTrapped(msg);
    return;
  }
  const causes = rootCauses(await wholeEngine(), series, compared, incidents);
  if (causes.length > 0 && !stale(clientId, requestId)) {
    post({ type: 'rootCauses', clientId, requestId, causes });
  }
  post({ type: 'done', clientId, requestId, job: 'detect' });
}

/** One Prophet forecast per series, streamed as each finishes; models are cached per series. */
async function forecast(msg: Forecast) {
  begin(msg.clientId, msg.requestId);
  const wasm = await wholeEngine();
  const { series, options, requestId, clientId } = msg;
  const drivers = msg.drivers ?? [];
  forecastSeries.set(clientId, new Map(series.map((s) => [s.key, s])));
  const baseFingerprint = JSON.stringify(options.prophet);
  /** The engine's plan for a series (skipped or not, its cap), its options and cache fingerprint without drivers. */
  const plainSetup = (s: EngineSeries, range: TrainingRange) => {
    const plan = wasm.forecastPlan(
      options.model,
      range.points,
      options.prophet.growth,
      options.prophet.cap ?? undefined,
      s.fieldMax
    );
    return {
      plan,
      prophet: plan.cap !== undefined ? { ...options.prophet, cap: plan.cap } : options.prophet,
      fingerprint: plan.cap !== undefined ? `${baseFingerprint}|cap=${plan.cap}` : baseFingerprint,
    };
  };
  /** A series' model without drivers, from the cache (shared with its own forecast) or fitted. */
  const plainModel = (s: EngineSeries) => {
    const range = trainingRange(s.timestamps, s.values);
    const { prophet, fingerprint } = plainSetup(s, range);
    let model = models.get(modelKey(clientId, s.key), fingerprint, range);
    if (!model) {
      model = new ProphetFit(wasm, wasm.prophetFit(s.timestamps, s.values, prophet, undefined));
      models.set(modelKey(clientId, s.key), fingerprint, range, model);
    }
    return model;
  };
  for (const s of series) {
    await yieldToMessages();
    if (stale(clientId, requestId)) {
      return;
    }
    if (trapped !== undefined) {
      post({ type: 'error', clientId, requestId, key: s.key, message: trappedMessage() });
      continue;
    }
    const range = trainingRange(s.timestamps, s.values);
    const { plan, prophet, fingerprint: plainFingerprint } = plainSetup(s, range);
    if (plan.skip !== undefined) {
      post({ type: 'error', clientId, requestId, key: s.key, message: `forecast skipped: ${plan.skip}` });
      continue;
    }
    const ahead = futureTimestamps(s.timestamps, options.horizonMs);
    if (ahead.length === 0) {
      continue;
    }
    const note = (message: string) => post({ type: 'error', clientId, requestId, key: s.key, message });
    const isDriver = drivers.some((d) => d.key === s.key);
    try {
      // Drivers (not for a driver itself): each one's values over this series' history and its
      // own forecast over this series' horizon; one that cannot serve is left out with a note.
      const regressors: Array<Regressor & { train: Float64Array; key: string }> = [];
      const future: Future = new Map();
      const plans: NonNullable<ForecastResult['plans']> = [];
      if (!isDriver) {
        const taken = new Set<string>();
        for (const d of drivers) {
          const name = regressorName(d, taken);
          const aligned = alignDriver(s, d);
          if ('problem' in aligned) {
            note(`forecast: driver "${name}" not used: ${aligned.problem}; fitted without it`);
            continue;
          }
          try {
            const observed = new Map<number, number>();
            d.timestamps.forEach((t, i) => Number.isFinite(d.values[i]) && observed.set(t, d.values[i]));
            const f = plainModel(d).predictPoint(ahead);
            // A planned level from an annotation where one covers the time, else observed, else forecast.
            const planned = driverFuture(d.key, ahead, observed, f.yhat, msg.levels ?? []);
            future.set(name, planned.values);
            plans.push(
              ...planned.used.map((l) => ({
                driver: name,
                level: l.level,
                annotation: l.annotation,
                start: l.start,
                end: l.end,
              }))
            );
          } catch (e) {
            noteTrap(e);
            note(
              `forecast: driver "${name}" not used: its own forecast failed (${errorMessage(e)}); fitted without it`
            );
            continue;
          }
          const byTime = new Map<number, number>();
          s.timestamps.forEach((t, i) => byTime.set(t, aligned.values[i]));
          regressors.push({ name, key: d.key, byTime, train: aligned.values });
        }
      }
      const key = modelKey(clientId, s.key);
      let model: ProphetFit | undefined;
      let fromCache = false;
      if (regressors.length > 0) {
        const fingerprint = `${plainFingerprint}|drivers=${JSON.stringify(regressors.map((r) => [r.key, r.name]))}`;
        model = models.get(key, fingerprint, range);
        fromCache = model !== undefined;
        if (!model) {
          try {
            const withDrivers = { ...prophet, regressors: regressors.map((r) => ({ name: r.name })) };
            const columns = { regressors: Object.fromEntries(regressors.map((r) => [r.name, r.train])) };
            model = new ProphetFit(wasm, wasm.prophetFit(s.timestamps, s.values, withDrivers, columns), regressors);
            models.set(key, fingerprint, range, model);
          } catch (e) {
            // A driver the engine refuses (constant over the history, say): the plain fit.
            noteTrap(e);
            note(`forecast: drivers not used: ${errorMessage(e)}; fitted without them`);
          }
        }
      }
      if (!model) {
        model = models.get(key, plainFingerprint, range);
        fromCache = model !== undefined;
        if (!model) {
          model = new ProphetFit(wasm, wasm.prophetFit(s.timestamps, s.values, prophet, undefined));
          models.set(key, plainFingerprint, range, model);
        }
      }
      const f = model.predict(ahead, future);
      const result: ForecastResult = {
        timestamps: f.ds,
        yhat: f.yhat,
        lower: f.yhatLower,
        upper: f.yhatUpper,
        fromCache,
      };
      if (isDriver) {
        // A driver's own forecast shows the levels annotations plan for it, as its driven series use them.
        const own = plannedForecast(s.key, f.ds, f.yhat, f.yhatLower, f.yhatUpper, msg.levels ?? []);
        Object.assign(result, { yhat: own.yhat, lower: own.lower, upper: own.upper });
        if (own.used.length > 0) {
          result.plans = own.used.map((l) => ({
            driver: s.name ?? s.key,
            level: l.level,
            annotation: l.annotation,
            start: l.start,
            end: l.end,
          }));
        }
      }
      if (model.regressors.length > 0) {
        result.drivers = model.regressors.map((r) => r.name);
        const fitted = new Set(result.drivers);
        const used = plans.filter((p) => fitted.has(p.driver));
        if (used.length > 0) {
          result.plans = used;
        }
      }
      if (s.threshold) {
        result.crossing = wasm.timeToThreshold(f, lastObserved(s), {
          ...s.threshold,
          intervalWidth: options.intervalWidth,
        });
      }
      const buffers = [result.timestamps.buffer, result.yhat.buffer, result.lower?.buffer, result.upper?.buffer];
      post(
        { type: 'forecast', clientId, requestId, key: s.key, forecast: result },
        buffers.filter((b): b is ArrayBuffer => b !== undefined)
      );
      // The engine says whether its fit converged; a forecast from one that did not is drawn
      // with a note, not presented as good.
      const fit = model.fitReport();
      if (!fit.converged) {
        post({
          type: 'error',
          clientId,
          requestId,
          key: s.key,
          message: `forecast: the Prophet fit did not converge (stopped after ${fit.iterations} iterations); the forecast may be off`,
        });
      }
    } catch (e) {
      noteTrap(e);
      const where = plan.capMissing ? ' (set Cap in the panel options, or Max in the field options)' : '';
      post({ type: 'error', clientId, requestId, key: s.key, message: `forecast: ${errorMessage(e)}${where}` });
    }
  }
  post({ type: 'done', clientId, requestId, job: 'forecast' });
}

/** Attribution of a series' incidents over the model its forecast used in this worker. */
async function attribute(msg: Attribute) {
  await wholeEngine();
  const { requestId, clientId, key, incidents } = msg;
  const model = models.peek(modelKey(clientId, key));
  const s = forecastSeries.get(clientId)?.get(key);
  if (!stale(clientId, requestId) && model && s) {
    attributeIncidents(model, s, incidents, clientId, requestId);
  }
  post({ type: 'done', clientId, requestId, job: 'attribute', key });
}

/**
 * Which component of the series' Prophet fit moved in its worst incidents: the engine picks
 * them, predicts over each and a stretch before it, and judges the model's own components.
 */
function attributeIncidents(
  model: ProphetFit,
  s: EngineSeries,
  list: IncidentResult[],
  clientId: number,
  requestId: number
) {
  try {
    for (const { incident, attribution: a } of model.attribute(s, list)) {
      post({
        type: 'attribution',
        clientId,
        requestId,
        key: s.key,
        start: list[incident].start,
        attribution: { cause: a.cause, activeEvents: a.activeEvents, explanation: a.explanation },
      });
    }
  } catch (e) {
    // Attribution is a hint: incidents without it are still listed.
    noteTrap(e);
  }
}

/** Root-cause hints for the most severe incidents: enough for the list, bounded in cost. */
const ROOT_CAUSE_INCIDENTS = 20;

function rootCauses(
  wasm: Engine,
  series: EngineSeries[],
  compared: Array<RootCauseSeries | undefined>,
  incidents: IncidentResult[][]
): Array<{ key: string; start: number; rootCause: RootCause }> {
  // One series too: the engine then says there is nothing to compare with.
  if (compared.some((d) => !d)) {
    return [];
  }
  const all = incidents.flatMap((list, i) => list.map((inc) => ({ inc, i })));
  all.sort((a, b) => b.inc.peakScore - a.inc.peakScore);
  const worst = all.slice(0, ROOT_CAUSE_INCIDENTS);
  const labels = series.map((s) => s.labels);
  try {
    // One call for all of them: the series (megabytes on a big panel) are copied in once.
    const causes = wasm.rootCauses(
      compared as RootCauseSeries[],
      worst.map(({ inc, i }) => ({ series: i, start: inc.start, end: inc.end })),
      labels,
      undefined
    );
    // Hints are optional: an incident without one (null) is still listed.
    return worst.flatMap(({ inc, i }, k) => {
      const rootCause = causes[k];
      return rootCause ? [{ key: series[i].key, start: inc.start, rootCause }] : [];
    });
  } catch (e) {
    noteTrap(e);
    return [];
  }
}

function lastObserved(s: EngineSeries): { time: number; value: number | null } {
  for (let i = s.values.length - 1; i >= 0; i--) {
    if (Number.isFinite(s.values[i])) {
      return { time: s.timestamps[i], value: s.values[i] };
    }
  }
  return { time: s.timestamps[s.timestamps.length - 1], value: null };
}

/** An engine incident without its series index (results travel by series key). */
function incidentOf({ series: _series, ...incident }: Detection['incidents'][number]): IncidentResult {
  return incident;
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Notes a trap (once) and asks the pool for a new worker. */
function noteTrap(e: unknown) {
  if (trapped === undefined && e instanceof WebAssembly.RuntimeError) {
    trapped = e.message;
    post({ type: 'trapped', message: e.message });
  }
}

const trappedMessage = () =>
  `the engine failed (${trapped}) and is being restarted; the next refresh runs on a new instance`;

/** Answers a job of a worker whose engine trapped: an error per series, then its end. */
function answerTrapped(msg: Detect | Forecast | Attribute) {
  const { clientId, requestId } = msg;
  if (msg.type === 'attribute') {
    post({ type: 'done', clientId, requestId, job: 'attribute', key: msg.key });
    return;
  }
  msg.series.forEach((s) => post({ type: 'error', clientId, requestId, key: s.key, message: trappedMessage() }));
  post({ type: 'done', clientId, requestId, job: msg.type });
}

/** Runs a job; a trap that escapes it is answered as the trapped worker answers, anything else is fatal. */
function run(msg: Detect | Forecast | Attribute, job: () => Promise<void>) {
  activeJobs++;
  (trapped === undefined ? job() : Promise.resolve(answerTrapped(msg)))
    .catch((e) => {
      noteTrap(e);
      trapped === undefined ? post({ type: 'fatal', message: errorMessage(e) }) : answerTrapped(msg);
    })
    .finally(() => {
      activeJobs--;
      if (retiring && activeJobs === 0) {
        self.close();
      }
    });
}

/** A one-off question's answer: the engine's, or its error (no engine call once trapped). */
function answer<T>(ask: (wasm: Engine) => T): Promise<{ value?: T; error?: string }> {
  if (trapped !== undefined) {
    return Promise.resolve({ error: trappedMessage() });
  }
  return wholeEngine()
    .then((wasm) => ({ value: ask(wasm) }))
    .catch((e) => {
      noteTrap(e);
      return { error: errorMessage(e) };
    });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'init') {
    // Inside a worker webpack's public path is relative to the worker script: chunks and the
    // .wasm asset are fetched relative to this absolute URL from the page instead.
    __webpack_public_path__ = msg.publicPath;
    detector = loadDetector();
    detector.then(
      (wasm) => post({ type: 'ready', version: wasm.version() }),
      (e) => post({ type: 'fatal', message: errorMessage(e) })
    );
  } else if (msg.type === 'detect') {
    run(msg, () => detect(msg));
  } else if (msg.type === 'forecast') {
    run(msg, () => forecast(msg));
  } else if (msg.type === 'attribute') {
    run(msg, () => attribute(msg));
  } else if (msg.type === 'rootCause') {
    answer((wasm) => wasm.rootCause(msg.series, msg.incident, msg.labels, undefined)).then(({ value, error }) =>
      post({ type: 'rootCause', clientId: msg.clientId, requestId: msg.requestId, rootCause: value, error })
    );
  } else if (msg.type === 'retire') {
    retiring = true;
    if (activeJobs === 0) {
      self.close();
    }
  } else if (msg.type === 'release') {
    latestRequest.delete(msg.clientId);
    forecastSeries.delete(msg.clientId);
    models.drop((key) => key.startsWith(`${msg.clientId}/`));
  } else if (msg.type === 'alertRules') {
    answer((wasm) => wasm.alertRules(msg.options)).then(({ value, error }) =>
      post({ type: 'alertRules', clientId: msg.clientId, requestId: msg.requestId, rules: value, error })
    );
  }
};
