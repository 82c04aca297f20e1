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
