/// <reference lib="webworker" />
/**
 * The engine worker: loads the WebAssembly engine and schedules work on it so results stream
 * back series by series and a newer request supersedes an older one. It only schedules; all
 * analysis is in the engine.
 */
import type { DetectionResult, ForecastResult, IncidentResult } from '../types';
import type { FromWorker, ToWorker } from './protocol';
import { futureTimestamps, medianStep } from './timestamps';

declare let __webpack_public_path__: string;
declare const self: DedicatedWorkerGlobalScope;

type Engine = typeof import('../wasm/foresight_wasm');
type Analyze = Extract<ToWorker, { type: 'analyze' }>;
type Detection = ReturnType<Engine['detectAnomalies']>;

/** Prophet needs this many numeric points before a forecast is attempted under `auto`. */
const AUTO_MIN_POINTS = 30;

let engine: Promise<Engine> | undefined;
let latestRequest = 0;

function post(message: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(message, transfer);
}

async function loadEngine(): Promise<Engine> {
  if (typeof WebAssembly !== 'object') {
    throw new Error('WebAssembly is not available in this browser');
  }
  const mod = await import(/* webpackChunkName: "foresight-engine" */ '../wasm/foresight_wasm');
  await mod.default();
  warmUp(mod);
  return mod;
}

/**
 * One small fit before the first request: V8 first runs WebAssembly in its baseline tier,
 * measured several times slower on the first fits (docs/prophet.md), so the panel's first
 * request should not pay for it. Failure here is harmless.
 */
function warmUp(wasm: Engine) {
  try {
    const ts = Float64Array.from({ length: 288 }, (_, i) => i * 300_000);
    const ys = Float64Array.from(ts, (t) => Math.sin((2 * Math.PI * t) / 86_400_000));
    wasm.ProphetModel.fit(ts, ys, { uncertainty_samples: 0 }).free();
    wasm.detectAnomalies([{ timestamps: ts, values: ys }], { peer: false });
  } catch {
    // The real request reports real errors.
  }
}

/** Lets queued messages (a newer request) run between series. */
const yieldToMessages = () => new Promise((resolve) => setTimeout(resolve, 0));
const stale = (msg: Analyze) => msg.requestId !== latestRequest;

async function analyze(msg: Analyze) {
  latestRequest = msg.requestId;
  const wasm = await engine!;
  const { series, options, requestId } = msg;

  // Detection: all series in one call (peer anomalies compare them); when one series is bad,
  // series by series so the others still get results.
  const detections: Array<Detection['series'][number] | undefined> = [];
  const incidents: IncidentResult[][] = series.map(() => []);
  try {
    const all = wasm.detectAnomalies(series, options.detector);
    all.series.forEach((d, i) => (detections[i] = d));
    all.incidents.forEach((inc) => incidents[inc.series].push(incidentOf(inc)));
  } catch {
    for (let i = 0; i < series.length; i++) {
      if (stale(msg)) {
        return;
      }
      try {
        const one = wasm.detectAnomalies([series[i]], { ...options.detector, peer: false });
        detections[i] = one.series[0];
        incidents[i] = one.incidents.map(incidentOf);
      } catch (e) {
        post({ type: 'error', requestId, key: series[i].key, message: `anomaly detection: ${errorMessage(e)}` });
      }
    }
  }
  attachRootCauses(wasm, series, detections, incidents);
  series.forEach((s, i) => {
    const d = detections[i];
    if (d) {
      const detection: DetectionResult = {
        timestamps: d.timestamps,
        expected: d.expected,
        lower: d.lower,
        upper: d.upper,
        score: d.score,
        kind: d.kind,
        period: d.period,
      };
      post({ type: 'detection', requestId, key: s.key, detection, incidents: incidents[i] }, [
        d.timestamps.buffer,
        d.expected.buffer,
        d.lower.buffer,
        d.upper.buffer,
        d.score.buffer,
        d.kind.buffer,
      ]);
    }
  });

  // Forecasts: one Prophet fit per series, streamed as each finishes.
  if (options.model !== 'fast' && options.horizonMs > 0) {
    for (const [i, s] of series.entries()) {
      await yieldToMessages();
      if (stale(msg)) {
        return;
      }
      const numeric = s.values.reduce((n, v) => (Number.isFinite(v) ? n + 1 : n), 0);
      if (options.model === 'auto' && numeric < AUTO_MIN_POINTS) {
        post({
          type: 'error',
          requestId,
          key: s.key,
          message: `forecast skipped: ${numeric} points, Prophet needs at least ${AUTO_MIN_POINTS} under the auto model`,
        });
        continue;
      }
      const ahead = futureTimestamps(s.timestamps, options.horizonMs);
      if (ahead.length === 0) {
        continue;
      }
      let model: ReturnType<Engine['ProphetModel']['fit']> | undefined;
      try {
        model = wasm.ProphetModel.fit(s.timestamps, s.values, options.prophet);
        const f = model.predict(ahead);
        const forecast: ForecastResult = { timestamps: f.ds, yhat: f.yhat, lower: f.yhatLower, upper: f.yhatUpper };
        if (s.threshold) {
          const last = lastObserved(s);
          forecast.crossing = wasm.timeToThreshold(f, last, { ...s.threshold, intervalWidth: options.intervalWidth });
        }
        const buffers = [f.ds.buffer, f.yhat.buffer, f.yhatLower?.buffer, f.yhatUpper?.buffer];
        post(
          { type: 'forecast', requestId, key: s.key, forecast },
          buffers.filter((b): b is ArrayBuffer => b !== undefined)
        );
        if (options.prophet.seasonality_mode !== 'multiplicative') {
          attributeIncidents(wasm, model, s, incidents[i], requestId);
        }
      } catch (e) {
        post({ type: 'error', requestId, key: s.key, message: `forecast: ${errorMessage(e)}` });
      } finally {
        model?.free();
      }
    }
  }
  post({ type: 'done', requestId });
}

/** Incidents per series whose Prophet components are attributed (the most severe). */
const ATTRIBUTED_INCIDENTS = 5;
const NOT_EVENTS = new Set(['holidays', 'additive_terms', 'multiplicative_terms']);

/**
 * Which component of the series' Prophet fit moved in its worst incidents: an in-sample
 * prediction over each incident and as long a stretch before it, handed to the engine.
 */
function attributeIncidents(
  wasm: Engine,
  model: ReturnType<Engine['ProphetModel']['fit']>,
  s: Analyze['series'][number],
  list: IncidentResult[],
  requestId: number
) {
  const seasonalities = new Set(model.seasonalities().map((x) => x.name));
  const worst = [...list].sort((a, b) => b.peakScore - a.peakScore).slice(0, ATTRIBUTED_INCIDENTS);
  for (const inc of worst) {
    try {
      const from = inc.start - Math.max(inc.end - inc.start, 24 * medianStep(s.timestamps));
      const idx = [...s.timestamps.keys()].filter((j) => s.timestamps[j] >= from && s.timestamps[j] <= inc.end);
      const ts = Float64Array.from(idx, (j) => s.timestamps[j]);
      const p = model.predict(ts);
      const pick = (keep: (name: string) => boolean) =>
        Object.fromEntries(Object.entries(p.components).filter(([name]) => keep(name)));
      const a = wasm.componentAttribution(
        {
          timestamps: ts,
          actual: Float64Array.from(idx, (j) => s.values[j]),
          yhat: p.yhat,
          trend: p.trend,
          seasonalities: pick((n) => seasonalities.has(n)),
          events: pick((n) => !seasonalities.has(n) && !NOT_EVENTS.has(n)),
        },
        inc.start,
        inc.end,
        undefined
      );
      post({
        type: 'attribution',
        requestId,
        key: s.key,
        start: inc.start,
        attribution: { cause: a.cause, activeEvents: a.activeEvents },
      });
    } catch {
      // Attribution is a hint: an incident without it is still listed.
    }
  }
}

/** Root-cause hints for the most severe incidents: enough for the list, bounded in cost. */
const ROOT_CAUSE_INCIDENTS = 20;

function attachRootCauses(
  wasm: Engine,
  series: Analyze['series'],
  detections: Array<Detection['series'][number] | undefined>,
  incidents: IncidentResult[][]
) {
  // One series too: the engine then says there is nothing to compare with.
  if (detections.some((d) => !d)) {
    return;
  }
  const all = incidents.flatMap((list, i) => list.map((inc) => ({ inc, i })));
  all.sort((a, b) => b.inc.peakScore - a.inc.peakScore);
  const labels = series.map((s) => s.labels);
  for (const { inc, i } of all.slice(0, ROOT_CAUSE_INCIDENTS)) {
    try {
      inc.rootCause = wasm.rootCause(
        detections as Detection['series'],
        { series: i, start: inc.start, end: inc.end },
        labels,
        undefined
      );
    } catch {
      // Hints are optional: an incident without them is still listed.
    }
  }
}

function lastObserved(s: Analyze['series'][number]): { time: number; value: number | null } {
  for (let i = s.values.length - 1; i >= 0; i--) {
    if (Number.isFinite(s.values[i])) {
      return { time: s.timestamps[i], value: s.values[i] };
    }
  }
  return { time: s.timestamps[s.timestamps.length - 1], value: null };
}

function incidentOf(i: Detection['incidents'][number]): IncidentResult {
  return {
    start: i.start,
    end: i.end,
    peakTime: i.peakTime,
    peakScore: i.peakScore,
    kind: i.kind,
    direction: i.direction,
  };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'init') {
    // Chunks and the .wasm asset are fetched relative to this absolute URL (see HANDBOOK).
    __webpack_public_path__ = msg.publicPath;
    engine = loadEngine();
    engine.then(
      (wasm) => post({ type: 'ready', version: wasm.version() }),
      (e) => post({ type: 'fatal', message: `Could not load the Foresight engine: ${errorMessage(e)}` })
    );
  } else if (msg.type === 'analyze') {
    analyze(msg).catch((e) => post({ type: 'fatal', message: errorMessage(e) }));
  } else if (msg.type === 'alertRules') {
    engine!
      .then((wasm) => post({ type: 'alertRules', requestId: msg.requestId, rules: wasm.alertRules(msg.options) }))
      .catch((e) => post({ type: 'alertRules', requestId: msg.requestId, error: errorMessage(e) }));
  }
};
