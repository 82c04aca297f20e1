// Extra regressors and conditional seasonalities through the built module (issue 19): the
// columns travel with the fit and with every prediction; bad columns are error values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadEngine } from './module.mjs';

const HOUR = 3_600_000;
const n = 24 * 21;
const ts = Float64Array.from({ length: n + 24 }, (_, i) => 1_704_067_200_000 + i * HOUR);
// A driver with its own rhythm, and a target that follows it (2 units per unit of driver).
const orders = Float64Array.from(ts, (_, i) => 50 + 20 * Math.sin(i / 5) + ((i * 7919) % 13));
const ys = Float64Array.from({ length: n }, (_, i) => 10 + 2 * orders[i] + ((i * 104729) % 7) / 7);

test('a regressor is fitted and predicted with its values, its component named after it', async () => {
  const e = await loadEngine();
  const options = { uncertainty_samples: 0, regressors: [{ name: 'orders' }] };
  const m = e.prophetFit(ts.subarray(0, n), ys, options, { regressors: { orders: orders.subarray(0, n) } });
  const info = e.prophetRegressors(m);
  assert.equal(info.length, 1);
  assert.equal(info[0].name, 'orders');
  assert.equal(info[0].standardize, true);
  const f = e.prophetPredictPoint(m, ts, { regressors: { orders: Array.from(orders) } });
  const effect = f.components.orders;
  assert.ok(effect instanceof Float64Array && effect.length === ts.length);
  assert.deepEqual(Array.from(f.components.extra_regressors_additive), Array.from(effect));
  // The horizon follows the driver: 2 units of y per unit of orders.
  const k = n + 3;
  const slope = (f.yhat[k + 10] - f.yhat[k]) / (orders[k + 10] - orders[k]);
  assert.ok(Math.abs(slope - 2) < 0.3, `slope ${slope}`);
  // Without the driver's future values: an error naming it, and the model still answers.
  assert.throws(() => e.prophetPredictPoint(m, ts), /orders/);
  const gap = Float64Array.from(orders);
  gap[n + 5] = NaN;
  assert.throws(() => e.prophetPredictPoint(m, ts, { regressors: { orders: gap } }), /orders.*no value/);
  assert.ok(e.prophetPredictPoint(m, ts, { regressors: { orders } }).yhat.length === ts.length);
  assert.equal(e.prophetFree(m), true);
});

test('bad columns are error values, never a broken module', async () => {
  const e = await loadEngine();
  const options = { uncertainty_samples: 0, regressors: [{ name: 'orders' }] };
  const train = ts.subarray(0, n);
  for (const [columns, pattern] of [
    [{ regressors: { orders: orders.subarray(0, 10) } }, /10 values for 504 timestamps/],
    [{ regressors: { orders: ['a'] } }, /numbers/],
    [{ regressor: {} }, /unknown field/],
    [{ regressors: 5 }, /must be an object/],
    [{ regressors: { orders: new Float64Array(n).fill(3) } }, /constant/],
    [{}, /no values were given for `orders`/],
  ]) {
    assert.throws(() => e.prophetFit(train, ys, options, columns), pattern);
  }
  const never = { conditions: { on_call: new Array(n).fill(false) } };
  const conditional = {
    uncertainty_samples: 0,
    seasonalities: [{ name: 'daily_on_call', period: 1, fourier_order: 3, condition_name: 'on_call' }],
  };
  assert.throws(() => e.prophetFit(train, ys, conditional, never), /never true/);
  const m = e.prophetFit(train, ys, { uncertainty_samples: 0 });
  assert.equal(e.prophetPredictPoint(m, train).yhat.length, n);
  e.prophetFree(m);
});

test('a weekday / weekend daily profile: built-in conditions or columns given', async () => {
  const e = await loadEngine();
  const options = {
    uncertainty_samples: 0,
    daily_seasonality: false,
    seasonalities: [
      { name: 'daily_weekday', period: 1, fourier_order: 3, condition_name: 'weekday' },
      { name: 'daily_weekend', period: 1, fourier_order: 3, condition_name: 'weekend' },
    ],
  };
  const train = ts.subarray(0, n);
  const m = e.prophetFit(train, ys, options);
  const f = e.prophetPredictPoint(m, train);
  const weekend = Array.from(train, (t) => [0, 6].includes(new Date(t).getUTCDay()));
  assert.ok(weekend.some(Boolean) && weekend.some((w) => !w));
  train.forEach((_, i) => {
    assert.equal(f.components.daily_weekday[i] === 0, weekend[i], `row ${i}`);
    assert.equal(f.components.daily_weekend[i] === 0, !weekend[i], `row ${i}`);
  });
  const given = e.prophetFit(train, ys, options, {
    conditions: { weekday: weekend.map((w) => !w), weekend: Uint8Array.from(weekend, Number) },
  });
  assert.equal(e.prophetFitReport(given).objective, e.prophetFitReport(m).objective);
  e.prophetFree(m);
  e.prophetFree(given);
});

test('prophetAttribution: incidents of a multiplicative model are attributed from its own components', async () => {
  const e = await loadEngine();
  const hours = 24 * 20;
  const t = Float64Array.from({ length: hours }, (_, i) => 1_704_067_200_000 + i * HOUR);
  const spikes = [300, 340, 380, 400, 420, 440];
  const y = Float64Array.from(t, (_, i) => {
    const daily = 1 + 0.3 * Math.sin((2 * Math.PI * i) / 24);
    const spike = spikes.includes(i) ? 20 + spikes.indexOf(i) : 0;
    return (100 + 0.1 * i) * daily + 0.3 * (((i * 7919) % 13) / 13 - 0.5) + spike;
  });
  const m = e.prophetFit(t, y, { uncertainty_samples: 0, seasonality_mode: 'multiplicative' });
  assert.ok(e.prophetSeasonalities(m).some((s) => s.mode === 'multiplicative'));
  const incidents = spikes.map((i, k) => ({ start: t[i], end: t[i], peakScore: k }));
  const out = e.prophetAttribution(m, t, y, incidents, undefined, undefined);
  // The most severe first, at most five; each a spike the model does not explain.
  assert.deepEqual(
    out.map((o) => o.incident),
    [5, 4, 3, 2, 1]
  );
  for (const { attribution } of out) {
    assert.equal(attribution.cause, 'residualSpike');
  }
  assert.throws(() => e.prophetAttribution(m, t, y, [{ start: 1, end: 2 }], undefined, undefined), /incident 0 `peakScore` must be a number/);
  assert.throws(() => e.prophetAttribution(m, t, y, incidents, { conditions: {} }, undefined), /unknown field/);
  e.prophetFree(m);
  assert.throws(() => e.prophetAttribution(m, t, y, incidents, undefined, undefined), /freed/);
});

test('prophetAttribution: a driver that carries an incident is named, with its own values', async () => {
  const e = await loadEngine();
  const hours = 24 * 10;
  const t = Float64Array.from({ length: hours }, (_, i) => 1_704_067_200_000 + i * HOUR);
  const driver = Float64Array.from(t, (_, i) => {
    const cycle = Math.max(0, Math.sin((Math.PI * ((i % 24) - 8)) / 12));
    return (50 + 20 * cycle) * (i >= 170 && i < 200 ? 1.4 : 1);
  });
  const y = Float64Array.from(t, (_, i) => 100 + 0.5 * (driver[i] - 60) + 0.3 * (((i * 7919) % 13) / 13 - 0.5));
  const columns = { regressors: { orders: driver } };
  const m = e.prophetFit(t, y, { uncertainty_samples: 0, regressors: [{ name: 'orders' }] }, columns);
  const [only] = e.prophetAttribution(m, t, y, [{ start: t[170], end: t[199], peakScore: 4 }], columns, undefined);
  assert.equal(only.incident, 0);
  assert.equal(only.attribution.cause, 'driver');
  assert.match(only.attribution.explanation, /orders.*rose/);
  e.prophetFree(m);
});

test('forecastPlan: the auto model skips short series; logistic growth takes the series bound as cap', async () => {
  const e = await loadEngine();
  assert.deepEqual(e.forecastPlan('auto', 29), {
    skip: '29 points, Prophet needs at least 30 under the auto model',
    capMissing: false,
  });
  assert.deepEqual(e.forecastPlan('auto', 30), { capMissing: false });
  assert.deepEqual(e.forecastPlan('prophet', 3, 'logistic', undefined, 100), { cap: 100, capMissing: false });
  assert.deepEqual(e.forecastPlan('prophet', 3, 'logistic', 80, 100), { capMissing: false });
  assert.deepEqual(e.forecastPlan('prophet', 3, 'logistic'), { capMissing: true });
  assert.deepEqual(e.forecastPlan('prophet', 3, 'linear', undefined, 100), { capMissing: false });
  assert.throws(() => e.forecastPlan('sometimes', 3), /unknown model/);
  assert.throws(() => e.forecastPlan('auto', 3, 'exponential'), /unknown growth/);
});
