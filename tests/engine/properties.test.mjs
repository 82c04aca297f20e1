// Property-based tests of the built engine module (issue 20): every export, options included,
// called with generated input — good, odd and hostile. Each call answers with a result whose
// numbers are finite where numbers are promised and whose shapes are consistent (lengths,
// lower <= upper), or throws an ordinary `Error` with a message; never a trap, and the module
// answers a valid call exactly as before at the end. `npm test` runs a few thousand cases; a
// longer seeded run: `scripts/properties.sh` (FC_RUNS, FC_SEED).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { loadEngine } from './module.mjs';

const SCALE = Number(process.env.FC_RUNS ?? 1);
const SEED = Number(process.env.FC_SEED ?? 20261202);
const runs = (n) => ({ numRuns: Math.max(1, Math.round(n * SCALE)), seed: SEED, endOnFailure: true });

const engine = await loadEngine();

/** The call's answer, or its error after checking it is an ordinary one with a message. */
function outcome(call) {
  try {
    return { value: call() };
  } catch (e) {
    assert.ok(!(e instanceof WebAssembly.RuntimeError), `trapped: ${e?.message}`);
    assert.ok(e instanceof Error, `threw a non-Error: ${String(e)}`);
    assert.ok(e.message.length > 0, 'an error without a message');
    return { error: e.message };
  }
}

const noInfinity = (xs, what) => {
  for (const x of xs) {
    assert.ok(x === x ? Number.isFinite(x) : true, `${what} holds ${x}`);
  }
};
const ordered = (lo, hi, what) => {
  assert.equal(lo.length, hi.length, `${what}: lengths`);
  for (let i = 0; i < lo.length; i++) {
    if (lo[i] === lo[i] && hi[i] === hi[i]) {
      assert.ok(lo[i] <= hi[i], `${what} ${i}: ${lo[i]} > ${hi[i]}`);
    }
  }
};

// ---- Generators -------------------------------------------------------------------------

const T0 = 1.7e12;
/** `arbitrary` one time in twenty, else null. */
const rarely = (arbitrary) => fc.oneof({ weight: 19, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
/** Mostly ordinary numbers; sometimes a gap, an extreme or a non-number. */
const value = fc.oneof(
  { weight: 40, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
  { weight: 6, arbitrary: fc.constantFrom(null, undefined, NaN) },
  { weight: 2, arbitrary: fc.double() },
  { weight: 2, arbitrary: fc.constantFrom(1e100, -1e100, 1e101, 1e308, Infinity, -Infinity, 0, -0) },
  { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 3 }), fc.boolean(), fc.constant({})) }
);
const steps = fc.constantFrom(1000, 15_000, 60_000, 300_000, 3_600_000, 86_400_000);
/** A series: regular timestamps (sometimes shuffled, duplicated or wild) and values. */
const series = fc
  .record({
    n: fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 12 }) }, { weight: 6, arbitrary: fc.integer({ min: 13, max: 300 }) }),
    step: steps,
    shape: fc.constantFrom('wave', 'wave', 'random', 'constant', 'counts'),
    shuffle: fc.boolean(),
    wild: fc.array(fc.tuple(fc.nat(299), value), { maxLength: 4 }),
    wildTime: rarely(fc.tuple(fc.nat(299), fc.double())),
    typed: fc.boolean(),
    seed: fc.nat(),
  })
  .map(({ n, step, shape, shuffle, wild, wildTime, typed, seed }) => {
    let r = seed || 1;
    const rand = () => ((r = (r * 1103515245 + 12345) % 2147483648) / 2147483648);
    const ts = Array.from({ length: n }, (_, i) => T0 + i * step);
    const vs = ts.map((_, i) =>
      shape === 'wave'
        ? 50 + 10 * Math.sin(i / 12) + rand()
        : shape === 'random'
          ? rand() * 100 - 50
          : shape === 'constant'
            ? 7
            : Math.floor(rand() * rand() * 3)
    );
    for (const [i, v] of wild) {
      if (i < n) {
        vs[i] = v;
      }
    }
    if (wildTime && wildTime[0] < n) {
      ts[wildTime[0]] = wildTime[1];
    }
    if (shuffle && n > 2) {
      [ts[0], ts[n - 1]] = [ts[n - 1], ts[0]];
      [vs[0], vs[n - 1]] = [vs[n - 1], vs[0]];
    }
    const numeric = vs.every((v) => typeof v === 'number');
    return {
      timestamps: typed ? Float64Array.from(ts) : ts,
      values: typed && numeric ? Float64Array.from(vs) : vs,
    };
  });

/** An options object: some known keys with fitting or unfitting values, now and then a typo. */
const options = (known) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, 42, 'x', []) },
    {
      weight: 20,
      arbitrary: fc
        .tuple(
          fc.record(known, { requiredKeys: [] }),
          rarely(fc.dictionary(fc.constantFrom('sensitivty', 'windw', 'foo', '__proto__'), fc.anything()))
        )
        .map(([o, extra]) => (extra ? { ...o, ...extra } : o)),
    }
  );
const anyOf = (good) => fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: fc.anything() });

// ---- Properties -------------------------------------------------------------------------

test('detectAnomalies: a consistent detection or an error', () => {
  const detectorOptions = options({
    mode: anyOf(fc.constantFrom('batch', 'causal')),
    model: anyOf(fc.constantFrom('auto', 'fast')),
    sensitivity: anyOf(fc.double({ min: 0, max: 1, noNaN: true })),
    direction: anyOf(fc.constantFrom('up', 'down', 'both')),
    minAbsDeviation: anyOf(fc.double({ min: 0, max: 1e3, noNaN: true })),
    minRelDeviation: anyOf(fc.constantFrom(0, 0.1, 1, 1000, 1e308)),
    minDurationMs: anyOf(fc.constantFrom(0, 60_000, 1e300)),
    robust: anyOf(fc.boolean()),
    period: anyOf(fc.integer({ min: 0, max: 400 })),
    peer: anyOf(fc.boolean()),
  });
  let answered = 0;
  fc.assert(
    fc.property(fc.array(series, { maxLength: 5 }), detectorOptions, (list, opts) => {
      const { value: d } = outcome(() => engine.detectAnomalies(list, opts));
      if (!d) {
        return;
      }
      answered++;
      assert.equal(d.series.length, list.length);
      for (const s of d.series) {
        const n = s.timestamps.length;
        for (const k of ['values', 'expected', 'lower', 'upper', 'score', 'direction', 'kind']) {
          assert.equal(s[k].length, n, `${k} length`);
        }
        assert.ok(s.score.every((x) => Number.isFinite(x) && x >= 0), 'scores finite and >= 0');
        noInfinity(s.expected, 'expected');
        ordered(s.lower, s.upper, 'band');
        for (let i = 1; i < n; i++) {
          assert.ok(s.timestamps[i - 1] < s.timestamps[i], 'timestamps increase');
        }
      }
      for (const inc of d.incidents) {
        assert.ok(inc.series >= 0 && inc.series < list.length);
        assert.ok(inc.start <= inc.peakTime && inc.peakTime <= inc.end, 'peak within the incident');
        assert.ok(Number.isFinite(inc.peakScore) && inc.peakScore > 0);
      }
    }),
    runs(500)
  );
  // The generators reach the answering path, not only the refusals.
  assert.ok(answered >= 0.1 * runs(500).numRuns, `only ${answered} detections answered`);
});

test('rollingBaseline: a consistent band or an error', () => {
  const baselineOptions = options({
    window: anyOf(fc.integer({ min: -5, max: 400 })),
    bandSigmas: anyOf(fc.double({ min: -1, max: 10, noNaN: true })),
  });
  let answered = 0;
  fc.assert(
    fc.property(series, baselineOptions, (s, opts) => {
      const { value: b } = outcome(() => engine.rollingBaseline(s.timestamps, s.values, opts));
      if (!b) {
        return;
      }
      answered++;
      const n = b.timestamps.length;
      assert.equal(b.expected.length, n);
      noInfinity(b.expected, 'expected');
      ordered(b.lower, b.upper, 'baseline band');
      assert.ok(Number.isInteger(b.window) && b.window >= 1 && b.window <= n);
    }),
    runs(500)
  );
  assert.ok(answered >= 0.1 * runs(500).numRuns, `only ${answered} baselines answered`);
});

test('Prophet: fit, predict and free answer consistently or with an error', (t) => {
  const name = fc.constantFrom('launch', 'promo', '__proto__', 'holidays', 'daily', 'x_delim_y', '');
  const prophetOptions = options({
    growth: anyOf(fc.constantFrom('linear', 'flat', 'logistic')),
    cap: anyOf(fc.double({ min: -100, max: 1e4, noNaN: true })),
    n_changepoints: anyOf(fc.integer({ min: 0, max: 30 })),
    changepoint_prior_scale: anyOf(fc.double({ min: 1e-4, max: 10, noNaN: true })),
    seasonality_mode: anyOf(fc.constantFrom('additive', 'multiplicative')),
    daily_seasonality: anyOf(fc.oneof(fc.constantFrom('auto', true, false), fc.integer({ min: 0, max: 12 }))),
    weekly_seasonality: anyOf(fc.constantFrom('auto', true, false)),
    interval_width: anyOf(fc.double({ min: 0, max: 1, noNaN: true })),
    uncertainty_samples: anyOf(fc.integer({ min: 0, max: 200 })),
    holidays: anyOf(
      fc.array(
        fc.record({
          holiday: name,
          ds: fc.double({ min: T0, max: T0 + 3e9, noNaN: true }),
          lower_window: fc.constantFrom(0, -1, -2147483648),
          upper_window: fc.constantFrom(0, 2, 2147483647),
        }),
        { maxLength: 2 }
      )
    ),
    seasonalities: anyOf(
      fc.array(fc.record({ name, period: fc.double({ min: 0.1, max: 30, noNaN: true }), fourier_order: fc.integer({ min: 1, max: 5 }) }), {
        maxLength: 1,
      })
    ),
    optimize: anyOf(fc.record({ iter: fc.integer({ min: 1, max: 300 }) }, { requiredKeys: [] })),
  });
  const ahead = fc.array(fc.oneof(fc.double({ min: 0, max: 1e10, noNaN: true }), fc.constantFrom(1e13, 8e15, 9e15, NaN)), {
    maxLength: 20,
  });
  let fitted = 0;
  let slowest = 0;
  fc.assert(
    fc.property(series, prophetOptions, ahead, (s, opts, offsets) => {
      const t0 = performance.now();
      const { value: model } = outcome(() => engine.prophetFit(s.timestamps, s.values, opts));
      slowest = Math.max(slowest, performance.now() - t0);
      if (model === undefined) {
        return;
      }
      fitted++;
      try {
        const report = engine.prophetFitReport(model);
        assert.ok(Number.isFinite(report.objective) && report.iterations >= 0);
        const last = T0 + 300 * 86_400_000;
        const asked = Float64Array.from(offsets, (o) => (o > 1e12 ? o : last + o));
        for (const predict of [engine.prophetPredict, engine.prophetPredictPoint]) {
          const { value: f } = outcome(() => predict(model, asked));
          if (!f) {
            continue;
          }
          assert.equal(f.yhat.length, asked.length);
          assert.ok(f.yhat.every(Number.isFinite), 'yhat finite');
          assert.ok(f.trend.every(Number.isFinite), 'trend finite');
          if (f.yhatLower) {
            assert.ok(f.yhatLower.every(Number.isFinite) && f.yhatUpper.every(Number.isFinite), 'interval finite');
            ordered(f.yhatLower, f.yhatUpper, 'interval');
          }
        }
        assert.ok(Array.isArray(engine.prophetSeasonalities(model)));
      } finally {
        assert.equal(engine.prophetFree(model), true);
      }
      assert.match(outcome(() => engine.prophetPredict(model, [T0])).error ?? '', /freed or never fitted/);
    }),
    runs(120)
  );
  assert.ok(fitted >= 0.1 * runs(120).numRuns, `only ${fitted} fits answered`);
  // Reported, not asserted (time depends on the machine): the slowest call of the run.
  t.diagnostic(`${fitted} fits answered; slowest prophetFit call ${Math.round(slowest)} ms`);
});

test('rootCause(s): one answer per incident, or an error', () => {
  const incident = fc.record({
    series: fc.oneof(fc.integer({ min: -1, max: 4 }), fc.anything()),
    start: fc.oneof(fc.double({ min: T0, max: T0 + 3e7, noNaN: true }), fc.anything()),
    end: fc.oneof(fc.double({ min: T0, max: T0 + 3e7, noNaN: true }), fc.anything()),
  });
  const rcOptions = options({
    contextPoints: anyOf(fc.integer({ min: 0, max: 500 })),
    maxLagPoints: anyOf(fc.oneof(fc.integer({ min: 0, max: 50 }), fc.constantFrom(1e8, 2 ** 32 - 1))),
    minPairs: anyOf(fc.integer({ min: 0, max: 20 })),
  });
  const labels = fc.option(fc.array(fc.dictionary(fc.constantFrom('job', 'instance', '__proto__'), fc.string({ maxLength: 3 })), { maxLength: 5 }));
  fc.assert(
    fc.property(fc.array(series, { minLength: 1, maxLength: 4 }), fc.array(incident, { maxLength: 6 }), labels, rcOptions, (list, incidents, lbls, opts) => {
      const { value: d } = outcome(() => engine.detectAnomalies(list, { peer: false }));
      const compared = d ? d.series : list;
      const { value: many } = outcome(() => engine.rootCauses(compared, incidents, lbls ?? undefined, opts));
      if (many) {
        assert.equal(many.length, incidents.length);
        for (const rc of many) {
          assert.ok(rc === null || rc.status === 'noPeers' || rc.status === 'compared');
        }
      }
      if (incidents.length > 0) {
        const { value: one } = outcome(() => engine.rootCause(compared, incidents[0], lbls ?? undefined, opts));
        if (one?.status === 'compared') {
          for (const r of one.related) {
            assert.ok(Number.isFinite(r.rankScore) && Number.isFinite(r.peakScore));
          }
        }
      }
    }),
    runs(300)
  );
});

test('componentAttribution, timeToThreshold, alertRules: a result or an error', () => {
  const numbers = fc.array(value, { maxLength: 60 });
  fc.assert(
    fc.property(numbers, numbers, fc.double(), fc.double(), anyOf(fc.record({ referencePoints: fc.integer({ min: -1, max: 100 }) })), (a, b, start, end, opts) => {
      const ts = a.map((_, i) => T0 + i * 60_000);
      const input = { timestamps: ts, actual: a, yhat: b.slice(0, a.length), trend: a.map(() => 1), seasonalities: { daily: a.map(() => 0) } };
      const { value: r } = outcome(() => engine.componentAttribution(input, start, end, opts));
      if (r) {
        for (const part of [r.trend, r.seasonal, r.event, r.residual]) {
          assert.ok(Number.isFinite(part.magnitude) && Number.isFinite(part.share), 'attribution finite');
        }
      }
    }),
    runs(400)
  );
  fc.assert(
    fc.property(numbers, fc.double(), fc.anything(), fc.oneof(fc.double(), fc.anything()), fc.constantFrom('above', 'below', 'sideways', undefined), (ys, t, v, threshold, direction) => {
      const ds = ys.map((_, i) => T0 + (i + 1) * 3_600_000);
      const forecast = { ds, yhat: ys, yhatLower: ys.map((y) => (typeof y === 'number' ? y - 1 : y)), yhatUpper: ys };
      const { value: c } = outcome(() => engine.timeToThreshold(forecast, { time: t, value: v }, { value: threshold, direction }));
      if (c) {
        assert.equal(typeof c.text, 'string');
        assert.ok(c.text.length > 0 && !/NaN|undefined/.test(c.text), c.text);
        assert.ok(!Number.isNaN(c.sortKeyMs));
      }
    }),
    runs(400)
  );
  const text = fc.string({ unit: 'binary', maxLength: 12 });
  fc.assert(
    fc.property(
      options({
        query: anyOf(fc.oneof(text, fc.constantFrom('rate(x[5m])', '{{{ $value }}}', 'a\u0085b\u2028c\ufeff'))),
        name: anyOf(text),
        periodMs: anyOf(fc.oneof(fc.constantFrom(null, 86_400_000, 1e18), fc.double())),
        seasons: anyOf(fc.integer({ min: 0, max: 12 })),
        windowMs: anyOf(fc.constantFrom(300_000, 1e300, 0)),
        residualSpread: anyOf(fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fc.constantFrom(1e308, -1, NaN))),
        sensitivity: anyOf(fc.double({ min: 0, max: 1, noNaN: true })),
        labels: anyOf(fc.dictionary(fc.constantFrom('team', 'env', '__name__', 'a b'), text)),
      }),
      (opts) => {
        const { value: r } = outcome(() => engine.alertRules(opts));
        if (r) {
          assert.equal(typeof r.yaml, 'string');
          // Nothing raw that YAML readers refuse or read as a line break.
          assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\ufeff\u2028\u2029]/.test(r.yaml), 'raw control in YAML');
          // No overflowed number: an infinite band or a saturated duration.
          assert.ok(!/[-+*/] *[+-]?inf\b|\bNaN\b|9223372036854775807/i.test(r.yaml), 'overflowed number');
        }
      }
    ),
    runs(400)
  );
});

test('after all of it the module answers a valid call as a fresh one does, with no model left', async () => {
  const fresh = await loadEngine();
  const ts = Float64Array.from({ length: 300 }, (_, i) => T0 + i * 60_000);
  const vs = Float64Array.from(ts, (_, i) => 10 + Math.sin(i / 8) + (i === 200 ? 8 : 0));
  const answer = (e) => {
    const d = e.detectAnomalies([{ timestamps: ts, values: vs }], { period: 50 });
    const m = e.prophetFit(ts, vs, { uncertainty_samples: 0 });
    const f = e.prophetPredictPoint(m, ts.subarray(0, 10));
    e.prophetFree(m);
    return JSON.stringify([Array.from(d.series[0].score), d.incidents, Array.from(f.yhat)]);
  };
  assert.equal(answer(engine), answer(fresh));
  assert.equal(engine.prophetModels(), 0);
});
