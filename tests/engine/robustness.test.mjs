// Failures never corrupt the engine module (issue 20): 100,000 failing calls of every kind that
// used to unwind through the module or trap, then a valid call answers exactly as before them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine } from './module.mjs';

const N = 100_000;
const ts = Float64Array.from({ length: 300 }, (_, i) => 1.7e12 + i * 60_000);
const vs = Float64Array.from(ts, (_, i) => 10 + Math.sin(i / 8) + (i === 200 ? 8 : 0));
const series = [{ timestamps: ts, values: vs }];

function valid(engine) {
  const d = engine.detectAnomalies(series, { period: 50 });
  const b = engine.rollingBaseline(ts, vs, { window: 21 });
  const m = engine.prophetFit(ts, vs, { uncertainty_samples: 0 });
  const f = engine.prophetPredictPoint(m, ts.subarray(0, 10));
  assert.equal(engine.prophetFree(m), true);
  return JSON.stringify([Array.from(d.series[0].score), d.incidents, Array.from(b.upper), Array.from(f.yhat)]);
}

const failing = {
  'series not an array': (e) => e.detectAnomalies(undefined),
  'series items not objects': (e) => e.detectAnomalies([42], {}),
  'a getter that throws': (e) =>
    e.detectAnomalies(series, {
      get sensitivity() {
        throw new Error('boom');
      },
    }),
  'a revoked proxy as options': (e) => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    return e.rollingBaseline(ts, vs, proxy);
  },
  'an unknown option': (e) => e.detectAnomalies(series, { sensitivty: 0.9 }),
  'an option out of range': (e) => e.detectAnomalies(series, { sensitivity: 7 }),
  'values that are not numbers': (e) => e.rollingBaseline(ts, ['a', true, null], undefined),
  'a baseline window of 1e9 points': (e) => e.rollingBaseline(ts, vs, { window: 1e9 }),
  'root-cause lags of 2^32 - 1 points': (e) =>
    e.rootCauses(
      [
        { timestamps: ts, values: vs, expected: vs, score: vs },
        { timestamps: ts, values: vs, expected: vs, score: vs },
      ],
      [{ series: 0, start: ts[100], end: ts[110] }],
      undefined,
      { maxLagPoints: 2 ** 32 - 1 }
    ),
  'Prophet options of the wrong type': (e) => e.prophetFit(ts, vs, { growth: 42 }),
  'a call on a freed model': (e) => e.prophetPredictPoint(freed, ts),
  'an array behind a throwing proxy': (e) =>
    e.rollingBaseline(
      ts,
      new Proxy([...vs], {
        get(target, key) {
          if (key === '5') {
            throw new Error('trap');
          }
          return target[key];
        },
      }),
      undefined
    ),
};
let freed;

test('failing calls leave the module as it was', async () => {
  const engine = await loadEngine();
  freed = engine.prophetFit(ts, vs, { uncertainty_samples: 0 });
  engine.prophetFree(freed);
  const before = valid(engine);
  for (const [kind, call] of Object.entries(failing)) {
    const messages = new Set();
    for (let i = 0; i < N; i++) {
      try {
        const out = call(engine);
        // rootCauses answers null for an incident it rejects instead of throwing.
        assert.ok(Array.isArray(out) && out.every((x) => x === null), `${kind}: answered ${JSON.stringify(out)}`);
        messages.add('null answer');
      } catch (e) {
        assert.ok(e instanceof Error, `${kind}: threw ${e}`);
        assert.ok(!(e instanceof WebAssembly.RuntimeError), `${kind}: trapped (${e.message}) after ${i} calls`);
        messages.add(e.message);
      }
    }
    assert.equal(messages.size, 1, `${kind}: one message for one mistake, got ${[...messages].join(' | ')}`);
    assert.equal(valid(engine), before, `${kind}: a valid call answers as before`);
  }
  assert.equal(engine.prophetModels(), 0, 'every fitted model was freed');
});
