// Each boundary type is written once, as TypeScript beside its binding
// (crates/foresight-wasm/src/*.rs, typescript_custom_section), and the plugin imports it from
// the generated declarations (plugin/src/types.ts). This test holds that one source to the
// Rust side: every option object the engine reads has exactly the declared keys (serde names
// the keys it knows when it refuses an unknown one), and every result the engine returns has
// the declared keys, of the declared kinds, and no others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { loadEngine } from './module.mjs';

const DTS = new URL('../../plugin/src/wasm/foresight_wasm.d.ts', import.meta.url);

/** The declarations of the built module, with a type checker. */
function declarations() {
  const file = 'foresight_wasm.d.ts';
  const source = ts.createSourceFile(file, readFileSync(DTS, 'utf8'), ts.ScriptTarget.ES2022, true);
  const host = ts.createCompilerHost({});
  const getSourceFile = host.getSourceFile;
  host.getSourceFile = (name, ...rest) => (name === file ? source : getSourceFile.call(host, name, ...rest));
  const program = ts.createProgram([file], { lib: ['lib.es2022.d.ts'], strict: true, noEmit: true }, host);
  const checker = program.getTypeChecker();
  const exported = new Map(
    checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(file))).map((s) => [s.name, s])
  );
  const type = (name) => {
    const symbol = exported.get(name);
    assert.ok(symbol, `${name} is declared`);
    return checker.getDeclaredTypeOfSymbol(symbol);
  };
  return { checker, type };
}

const { checker, type } = declarations();
const TYPED_ARRAYS = new Set(['Float64Array', 'Int8Array', 'Uint8Array']);

/** The property names a type declares, for option objects. */
function keysOf(t) {
  return checker
    .getPropertiesOfType(t)
    .map((p) => p.name)
    .sort();
}

/** Problems of `value` against type `t` (empty: it conforms), `at` naming the place. */
function problems(value, t, at) {
  const name = t.getSymbol()?.name;
  if (t.isUnion()) {
    const members = t.types;
    if (value === undefined && members.some((m) => m.flags & ts.TypeFlags.Undefined)) {
      return [];
    }
    if (value === null && members.some((m) => m.flags & ts.TypeFlags.Null)) {
      return [];
    }
    const each = members.filter((m) => !(m.flags & (ts.TypeFlags.Undefined | ts.TypeFlags.Null)));
    const tried = each.map((m) => problems(value, m, at));
    return tried.some((p) => p.length === 0) ? [] : [`${at}: ${JSON.stringify(value)} matches no member of ${checker.typeToString(t)}`];
  }
  if (t.flags & ts.TypeFlags.NumberLike) {
    return typeof value === 'number' ? [] : [`${at}: not a number`];
  }
  if (t.flags & ts.TypeFlags.BooleanLike) {
    return typeof value === 'boolean' ? [] : [`${at}: not a boolean`];
  }
  if (t.isStringLiteral()) {
    return value === t.value ? [] : [`${at}: ${JSON.stringify(value)} is not '${t.value}'`];
  }
  if (t.flags & ts.TypeFlags.String) {
    return typeof value === 'string' ? [] : [`${at}: not a string`];
  }
  if (TYPED_ARRAYS.has(name)) {
    return value instanceof globalThis[name] ? [] : [`${at}: not a ${name}`];
  }
  if (checker.isArrayType(t)) {
    if (!Array.isArray(value)) {
      return [`${at}: not an array`];
    }
    const [item] = checker.getTypeArguments(t);
    return value.flatMap((v, i) => problems(v, item, `${at}[${i}]`));
  }
  if (t.flags & ts.TypeFlags.Object) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`${at}: not an object`];
    }
    const index = checker.getIndexTypeOfType(t, ts.IndexKind.String);
    if (index) {
      return Object.entries(value).flatMap(([k, v]) => problems(v, index, `${at}.${k}`));
    }
    const declared = new Map(checker.getPropertiesOfType(t).map((p) => [p.name, p]));
    const out = [];
    for (const key of Object.keys(value)) {
      if (!declared.has(key)) {
        out.push(`${at}.${key}: not declared in ${checker.typeToString(t)}`);
      }
    }
    for (const [key, p] of declared) {
      const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
      if (!(key in value)) {
        if (!optional) {
          out.push(`${at}.${key}: declared, missing`);
        }
        continue;
      }
      out.push(...problems(value[key], checker.getTypeOfSymbol(p), `${at}.${key}`));
    }
    return out;
  }
  return [];
}

function conforms(value, typeName) {
  assert.deepEqual(problems(value, type(typeName), typeName), []);
}

/** The keys the engine knows for an option object, from its refusal of an unknown one. */
function engineKeys(call) {
  let message = '';
  try {
    call({ __probe: 1 });
  } catch (e) {
    message = e.message;
  }
  const listed = /unknown field `__probe`, expected (?:one of )?(.*)$/.exec(message);
  assert.ok(listed, `an unknown key is refused naming the known ones: ${message}`);
  return [...listed[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
}

const HOUR = 3_600_000;
const T0 = 1_704_067_200_000;
const n = 24 * 14;
const timestamps = Float64Array.from({ length: n }, (_, i) => T0 + i * HOUR);
const wave = (k) => Float64Array.from(timestamps, (_, i) => 50 + 10 * Math.sin((2 * Math.PI * i) / 24) + ((i * k) % 7) / 7);
const spiked = Float64Array.from(wave(3), (v, i) => v + (i >= 300 && i < 304 ? 40 : 0));
const series = [
  { timestamps, values: spiked },
  { timestamps, values: wave(5) },
  { timestamps, values: wave(11) },
];

test('every option object the engine reads has exactly the declared keys', async () => {
  const e = await loadEngine();
  // Prophet's options take Prophet's snake_case names and their camelCase forms (serde
  // aliases): one of each pair is declared (Prophet's name, or ours in camelCase).
  const camel = (k) => k.replace(/_([a-z])/g, (_, c) => c.toUpperCase());
  const fields = (known) =>
    known.filter((k) => !(camel(k) === k && known.some((s) => s !== k && camel(s) === k))).map((k) => [k, camel(k)]);
  const forecast = type('ForecastOptions');
  const member = (t, key) => checker.getNonNullableType(checker.getTypeOfSymbol(checker.getPropertyOfType(t, key)));
  const item = (t, key) => checker.getTypeArguments(member(t, key))[0];
  const cases = [
    ['AnomalyOptions', type('AnomalyOptions'), (o) => e.detectAnomalies(series, o)],
    ['AnomalyOptions.shockWindows[]', item(type('AnomalyOptions'), 'shockWindows'), (o) => e.detectAnomalies(series, { shockWindows: [o] })],
    ['ForecastOptions', forecast, (o) => e.prophetFit(timestamps, spiked, o)],
    ['ForecastOptions.optimize', member(forecast, 'optimize'), (o) => e.prophetFit(timestamps, spiked, { optimize: o })],
    ['ForecastOptions.seasonalities[]', item(forecast, 'seasonalities'), (o) => e.prophetFit(timestamps, spiked, { seasonalities: [o] })],
    ['ForecastOptions.regressors[]', item(forecast, 'regressors'), (o) => e.prophetFit(timestamps, spiked, { regressors: [o] })],
    ['ForecastOptions.holidays[]', item(forecast, 'holidays'), (o) => e.prophetFit(timestamps, spiked, { holidays: [o] })],
    ['RootCauseOptions', type('RootCauseOptions'), (o) => e.rootCauses(series, [], undefined, o)],
    ['AttributionOptions', type('AttributionOptions'), (o) => e.componentAttribution({ timestamps, actual: spiked, yhat: spiked, trend: spiked }, T0, T0, o)],
    ['AlertRuleOptions', type('AlertRuleOptions'), (o) => e.alertRules(o)],
    ['ThresholdSpec', type('ThresholdSpec'), (o) => e.timeToThreshold({ ds: timestamps, yhat: spiked }, { time: T0 }, o)],
  ];
  for (const [name, t, call] of cases) {
    const declared = keysOf(t);
    const known = fields(engineKeys(call));
    // Each field of the engine declared under one of its names, nothing else declared.
    const named = known.map((names) => declared.find((k) => names.includes(k)) ?? `(${names[0]} undeclared)`);
    assert.deepEqual(named.sort(), declared, `${name}: declared keys = the engine's keys`);
  }
});

test('every result the engine returns has the declared keys and kinds, and no others', async () => {
  const e = await loadEngine();
  const detection = e.detectAnomalies(series, { period: 24 });
  conforms(detection, 'Detection');
  assert.ok(detection.incidents.length > 0, 'the spike is an incident');
  const [incident] = detection.incidents;
  const window = { series: incident.series, start: incident.start, end: incident.end };
  conforms(e.rootCause(detection.series, window, [{ job: 'a' }, { job: 'b' }, { job: 'c' }], undefined), 'RootCause');
  conforms(e.rootCause([detection.series[0]], { ...window, series: 0 }, undefined, undefined), 'RootCause');

  const model = e.prophetFit(timestamps, spiked, { uncertainty_samples: 50, regressors: [{ name: 'load' }] }, { regressors: { load: wave(5) } });
  const columns = { regressors: { load: wave(5) } };
  const forecast = e.prophetPredict(model, timestamps, columns);
  conforms(forecast, 'ForecastResult');
  conforms(e.prophetPredictPoint(model, timestamps, columns), 'ForecastResult');
  e.prophetSeasonalities(model).forEach((s) => conforms(s, 'SeasonalityInfo'));
  e.prophetRegressors(model).forEach((r) => conforms(r, 'RegressorInfo'));
  conforms(e.prophetFitReport(model), 'FitReport');
  const attributed = e.prophetAttribution(model, timestamps, spiked, detection.incidents, columns, undefined);
  assert.ok(attributed.length > 0);
  for (const a of attributed) {
    assert.deepEqual(Object.keys(a).sort(), ['attribution', 'incident']);
    conforms(a.attribution, 'Attribution');
  }
  e.prophetFree(model);

  const input = { timestamps, actual: spiked, yhat: wave(3), trend: Float64Array.from(timestamps, () => 50) };
  conforms(e.componentAttribution(input, incident.start, incident.end, undefined), 'Attribution');
  const rising = { ds: timestamps, yhat: Float64Array.from(timestamps, (_, i) => i), yhatLower: Float64Array.from(timestamps, (_, i) => i - 5), yhatUpper: Float64Array.from(timestamps, (_, i) => i + 5) };
  for (const [value, direction] of [[100, 'above'], [-1, 'above'], [1e6, 'above'], [-10, 'below']]) {
    conforms(e.timeToThreshold(rising, { time: T0 - HOUR, value: 0 }, { value, direction, unit: ' %' }), 'ThresholdCrossing');
  }
  conforms(e.alertRules({ query: 'rate(x[5m])', residualSpread: 2, periodMs: 86_400_000, labels: { team: 'a' } }), 'AlertRules');
  conforms(e.forecastPlan('auto', 3), 'ForecastPlan');
  conforms(e.forecastPlan('prophet', 300, 'logistic', undefined, 100), 'ForecastPlan');
});
