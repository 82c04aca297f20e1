import { EngineClient, Member, ownerOf, Pool, poolSize, WorkerPool } from './EngineClient';
import { AnalyzeOptions, EngineSeries, FromWorker, ToWorker } from './protocol';
import { ForecastResult } from '../types';

/** A pool of fake workers that record what they are sent; replies are delivered by hand. */
class FakePool implements Pool {
  sent: Array<{ worker: number; msg: ToWorker }> = [];
  members = new Map<number, Member>();
  private next = 0;
  constructor(readonly size: number) {}
  join(member: Member) {
    this.members.set(++this.next, member);
    return this.next;
  }
  leave(id: number) {
    this.members.delete(id);
  }
  start() {
    return Array.from({ length: this.size }, (_, worker) => ({
      postMessage: (msg: ToWorker) => this.sent.push({ worker, msg }),
    })) as unknown as Worker[];
  }
  reply(clientId: number, msg: FromWorker) {
    this.members.get(clientId)?.receive(msg);
  }
}

const series = (key: string): EngineSeries => ({
  key,
  labels: {},
  timestamps: Float64Array.from([0, 1, 2]),
  values: Float64Array.from([1, 2, 3]),
});
const options = { model: 'auto', horizonMs: 1000 } as AnalyzeOptions;
const forecast = {} as ForecastResult;

describe('EngineClient over a shared pool', () => {
  it('sends detection of all series to one worker and spreads forecasts over the pool', () => {
    const pool = new FakePool(3);
    const client = new EngineClient(pool);
    client.analyze(['a', 'b', 'c', 'd', 'e', 'f'].map(series), options, {
      onPart: () => {},
      onDone: () => {},
      onFatal: () => {},
    });
    const detect = pool.sent.filter((s) => s.msg.type === 'detect');
    expect(detect).toHaveLength(1);
    expect((detect[0].msg as { series: EngineSeries[] }).series).toHaveLength(6);
    const forecasts = pool.sent.filter((s) => s.msg.type === 'forecast');
    const keys = forecasts.flatMap((s) => (s.msg as { series: EngineSeries[] }).series.map((x) => x.key)).sort();
    expect(keys).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    // The same series goes to the same worker next time (its cached model is there).
    const owner = (key: string) =>
      forecasts.find((s) => (s.msg as { series: EngineSeries[] }).series.some((x) => x.key === key))!.worker;
    pool.sent = [];
    client.analyze(['a', 'b', 'c', 'd', 'e', 'f'].map(series), options, {
      onPart: () => {},
      onDone: () => {},
      onFatal: () => {},
    });
    for (const s of pool.sent.filter((x) => x.msg.type === 'forecast')) {
      for (const x of (s.msg as { series: EngineSeries[] }).series) {
        expect(s.worker).toBe(owner(x.key));
      }
    }
  });

  it('sends the driver series with every forecast job, and says so when the drivers match nothing', () => {
    const pool = new FakePool(2);
    const client = new EngineClient(pool);
    const withRef = (key: string, refId: string) => ({ ...series(key), refId });
    const errors: string[] = [];
    const callbacks = {
      onPart: (p: object) => 'error' in p && errors.push(String(p.error)),
      onDone: () => {},
      onFatal: () => {},
    };
    const list = [withRef('a', 'A'), withRef('b', 'A'), withRef('orders', 'B')];
    client.analyze(list, { ...options, drivers: [{ refId: 'B' }] }, callbacks);
    const forecasts = pool.sent
      .filter((s) => s.msg.type === 'forecast')
      .map((s) => s.msg as { drivers?: EngineSeries[] });
    expect(forecasts.length).toBeGreaterThan(0);
    for (const f of forecasts) {
      expect(f.drivers?.map((d) => d.key)).toEqual(['orders']);
    }
    // Detection gets the drivers' positions among the series.
    const detect = pool.sent.find((s) => s.msg.type === 'detect')!.msg as { options: AnalyzeOptions };
    expect(detect.options.detector.drivers).toEqual([2]);
    expect(errors).toEqual([]);
    pool.sent = [];
    client.analyze(list, { ...options, drivers: [{ refId: 'Z' }] }, callbacks);
    expect(pool.sent.filter((s) => s.msg.type === 'forecast').every((s) => !('drivers' in s.msg))).toBe(true);
    expect(errors).toEqual(['drivers: no series of the panel matches the Drivers option']);
    errors.length = 0;
    client.analyze([withRef('orders', 'B')], { ...options, drivers: [{ refId: 'B' }] }, callbacks);
    expect(errors).toEqual(['drivers: every series of the panel is a driver, so none is forecast with them']);
  });

  it("resolves the annotations setting a driver's level once, sends them with the forecasts, says which it cannot use", () => {
    const pool = new FakePool(2);
    const client = new EngineClient(pool);
    const withRef = (key: string, refId: string) => ({ ...series(key), refId });
    const errors: string[] = [];
    const callbacks = {
      onPart: (p: object) => 'error' in p && errors.push(String(p.error)),
      onDone: () => {},
      onFatal: () => {},
    };
    const list = [withRef('a', 'A'), withRef('b', 'A'), withRef('orders', 'B')];
    const driverAnnotations = [
      { text: 'B = 160 campaign', start: 1000, end: 2000 },
      { text: 'B = lots', start: 1000, end: 2000 },
    ];
    client.analyze(list, { ...options, drivers: [{ refId: 'B' }], driverAnnotations }, callbacks);
    const forecasts = pool.sent.filter((s) => s.msg.type === 'forecast').map((s) => s.msg as { levels?: unknown });
    expect(forecasts.length).toBeGreaterThan(0);
    for (const f of forecasts) {
      expect(f.levels).toEqual([{ key: 'orders', level: 160, start: 1000, end: 2000, annotation: 'B = 160 campaign' }]);
    }
    expect(errors).toEqual(['driver annotation "B = lots" not used: the level "lots" is not a number']);
    // A panel without drivers: the annotations are another panel's, nothing said or sent.
    errors.length = 0;
    pool.sent = [];
    client.analyze(list, { ...options, driverAnnotations }, callbacks);
    expect(pool.sent.filter((s) => s.msg.type === 'forecast').every((s) => !('levels' in s.msg))).toBe(true);
    expect(errors).toEqual([]);
  });

  it('routes replies to the panel that asked, ignores superseded requests, and is done when every job is', () => {
    const pool = new FakePool(2);
    const first = new EngineClient(pool);
    const second = new EngineClient(pool);
    const parts: string[] = [];
    let done = 0;
    const callbacks = (name: string) => ({
      onPart: (p: { key: string }) => parts.push(`${name}:${p.key}`),
      onDone: () => done++,
      onFatal: () => {},
    });
    first.analyze([series('a')], options, callbacks('first'));
    second.analyze([series('a')], options, callbacks('second'));
    // Both panels' detections go to different workers (ids 1 and 2 on a pool of 2).
    const detects = pool.sent.filter((s) => s.msg.type === 'detect');
    expect(new Set(detects.map((d) => d.worker)).size).toBe(2);
    const [firstId, secondId] = [...pool.members.keys()];
    pool.reply(secondId, { type: 'forecast', clientId: secondId, requestId: 1, key: 'a', forecast });
    expect(parts).toEqual(['second:a']);
    // A newer request of the first panel: replies to the old one are dropped.
    first.analyze([series('a')], options, callbacks('first'));
    pool.reply(firstId, { type: 'forecast', clientId: firstId, requestId: 1, key: 'a', forecast });
    expect(parts).toEqual(['second:a']);
    // Second panel: detection with an incident, then its forecast: attribution is asked of the
    // worker holding the model, and done waits for it.
    const incidents = [
      { start: 1, end: 2, peakTime: 1, peakScore: 3, kind: 'global' as const, direction: 'up' as const },
    ];
    pool.reply(secondId, {
      type: 'detection',
      clientId: secondId,
      requestId: 1,
      key: 'a',
      detection: {} as never,
      incidents,
    });
    const attribute = pool.sent.find((s) => s.msg.type === 'attribute' && s.msg.clientId === secondId);
    expect(attribute).toBeDefined();
    const forecastWorker = pool.sent.find((s) => s.msg.type === 'forecast' && s.msg.clientId === secondId)!.worker;
    expect(attribute!.worker).toBe(forecastWorker);
    // Root causes arrive after the detections, one part per incident.
    const rootCause = { status: 'noPeers' as const, series: 0, message: 'only one series' };
    pool.reply(secondId, {
      type: 'rootCauses',
      clientId: secondId,
      requestId: 1,
      causes: [{ key: 'a', start: 1, rootCause }],
    });
    expect(parts.filter((p) => p === 'second:a')).toHaveLength(3);
    pool.reply(secondId, { type: 'done', clientId: secondId, requestId: 1, job: 'detect' });
    pool.reply(secondId, { type: 'done', clientId: secondId, requestId: 1, job: 'forecast' });
    expect(done).toBe(0);
    pool.reply(secondId, { type: 'done', clientId: secondId, requestId: 1, job: 'attribute', key: 'a' });
    expect(done).toBe(1);
  });

  it('leaves the pool when disposed', () => {
    const pool = new FakePool(1);
    const client = new EngineClient(pool);
    expect(pool.members.size).toBe(1);
    client.dispose();
    expect(pool.members.size).toBe(0);
  });
});

describe('worker pool', () => {
  it('uses one worker per core but one (the page keeps a core), at least one, at most four', () => {
    expect(poolSize(1)).toBe(1);
    expect(poolSize(2)).toBe(1);
    expect(poolSize(4)).toBe(3);
    expect(poolSize(16)).toBe(4);
    expect(poolSize(0)).toBe(1);
  });

  it('sends a series to the same worker every time, spreading series over all workers', () => {
    const keys = Array.from({ length: 400 }, (_, i) => `{instance="pod-${i}"}`);
    const owners = keys.map((k) => ownerOf(k, 3));
    expect(keys.map((k) => ownerOf(k, 3))).toEqual(owners);
    const counts = [0, 1, 2].map((w) => owners.filter((o) => o === w).length);
    // Worker 0 also detects: about half a share (400 / 2.5 * 0.5 = 80), the others about 160.
    expect(counts[0]).toBeGreaterThan(40);
    expect(counts[0]).toBeLessThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(110);
    expect(counts[2]).toBeGreaterThan(110);
    expect(keys.every((k) => ownerOf(k, 1) === 0)).toBe(true);
  });
});

/** A stand-in for a Web Worker: records what it is sent; `emit` plays a message from it. */
class FakeWorker {
  static made: FakeWorker[] = [];
  sent: ToWorker[] = [];
  onmessage: ((event: MessageEvent<FromWorker>) => void) | null = null;
  onerror: ((event: ErrorEvent) => void) | null = null;
  constructor() {
    FakeWorker.made.push(this);
  }
  postMessage(msg: ToWorker) {
    this.sent.push(msg);
  }
  terminate() {}
  emit(msg: FromWorker) {
    this.onmessage?.({ data: msg } as MessageEvent<FromWorker>);
  }
}

describe('WorkerPool', () => {
  beforeEach(() => {
    FakeWorker.made = [];
    // What webpack defines in the built plugin: where its chunks and the engine are served.
    Object.assign(globalThis, { __webpack_public_path__: '/public/plugins/aiops-foresight-panel/' });
  });

  it('replaces a worker whose engine trapped, in the same slot, and retires the old one', () => {
    const pool = new WorkerPool(2, () => new FakeWorker() as unknown as Worker);
    const client = new EngineClient(pool);
    const parts: string[] = [];
    let done = 0;
    const callbacks = { onPart: (p: { key: string }) => parts.push(p.key), onDone: () => done++, onFatal: jest.fn() };
    client.analyze([series('a')], { ...options, model: 'fast' }, callbacks);
    const [first, second] = FakeWorker.made;
    const detect = [first, second].find((w) => w.sent.some((m) => m.type === 'detect'))!;
    const job = detect.sent.find((m) => m.type === 'detect') as Extract<ToWorker, { type: 'detect' }>;

    detect.emit({ type: 'trapped', message: 'unreachable' });
    expect(FakeWorker.made).toHaveLength(3);
    const replacement = FakeWorker.made[2];
    expect(replacement.sent[0]).toMatchObject({ type: 'init' });
    expect(detect.sent.at(-1)).toEqual({ type: 'retire' });
    // The old worker still answers the job it had: the request completes, nothing is fatal.
    detect.emit({ type: 'error', clientId: job.clientId, requestId: job.requestId, key: 'a', message: 'restarted' });
    detect.emit({ type: 'done', clientId: job.clientId, requestId: job.requestId, job: 'detect' });
    expect(parts).toEqual(['a']);
    expect(done).toBe(1);
    expect(callbacks.onFatal).not.toHaveBeenCalled();
    // The next request goes to the replacement, in the trapped worker's slot.
    client.analyze([series('a')], { ...options, model: 'fast' }, callbacks);
    expect(replacement.sent.some((m) => m.type === 'detect')).toBe(true);
    expect(detect.sent.filter((m) => m.type === 'detect')).toHaveLength(1);
    // A second report from the retired worker changes nothing.
    detect.emit({ type: 'trapped', message: 'unreachable' });
    expect(FakeWorker.made).toHaveLength(3);
  });
});
