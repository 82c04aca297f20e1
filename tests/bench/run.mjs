// `npm run bench`: Prophet fit + predict in ONE headless Chromium session, our engine and
// @bsull/augurs + @bsull/augurs-prophet-wasmstan on identical inputs; medians and ratios are
// written into docs/benchmarks.md between the bench:prophet markers.
import { chromium } from '@playwright/test';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHarnessServer } from '../harness/server.mjs';
import { readCsvSeries } from '../harness/prometheus.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DAY = 86_400_000;

const STEP = { D: DAY, MS: null, '5min': 300_000 };
function horizon(lastMs, { periods, freq }) {
  const out = [];
  for (let i = 1; i <= periods; i++) {
    if (freq === 'MS') {
      const d = new Date(lastMs);
      out.push(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + i, 1));
    } else {
      out.push(lastMs + i * STEP[freq]);
    }
  }
  return out;
}

function referenceCases() {
  const REF = `${ROOT}tests/data/prophet/`;
  return readdirSync(`${REF}cases`)
    .filter((f) => f.endsWith('.json'))
    // Cases with extra regressors or conditions (a columns file beside them) are left out: the
    // engines are compared on one model, and the reference bindings are not handed columns here.
    .filter((f) => !existsSync(`${REF}cases/${f.replace(/\.json$/, '.columns.csv')}`))
    .map((f) => {
      const c = JSON.parse(readFileSync(`${REF}cases/${f}`, 'utf8'));
      // Sorted by time, as Prophet sorts its history (two of the data files are not).
      const rows = readCsvSeries(`${REF}${c.data}`)
        .filter(([, v]) => v !== null)
        .sort((a, b) => a[0] - b[0]);
      const ds = rows.map(([t]) => t * 1000);
      const kw = c.prophet_kwargs ?? {};
      // The benchmark passes these options only; other cases fit a reduced model.
      const complete =
        Object.keys(kw).every((k) => ['growth', 'seasonality_mode', 'changepoint_prior_scale'].includes(k)) &&
        Object.keys(c.extra ?? {}).every((k) => ['cap', 'floor'].includes(k));
      return {
        reference: complete ? `${REF}cases/${f.replace(/\.json$/, '.forecast.csv')}` : undefined,
        name: f.replace(/\.json$/, ''),
        ds,
        y: rows.map(([, v]) => v),
        growth: kw.growth,
        cap: c.extra?.cap,
        floor: c.extra?.floor,
        seasonalityMode: kw.seasonality_mode,
        changepointPriorScale: kw.changepoint_prior_scale,
        predictDs: [...ds, ...horizon(ds[ds.length - 1], c.horizon)],
      };
    });
}

/** 5-minute series with daily and weekly seasonality, trend and noise (seeded). */
function synthetic(points) {
  let seed = points;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const start = Date.UTC(2024, 0, 1);
  const ds = Array.from({ length: points }, (_, i) => start + i * 300_000);
  const y = ds.map((t, i) => {
    const day = (t % DAY) / DAY;
    const week = ((t / DAY + 3) % 7) / 7;
    return 100 + i * 0.001 + 20 * Math.sin(2 * Math.PI * day) + 8 * Math.sin(2 * Math.PI * week) + 4 * (rand() - 0.5);
  });
  return { name: `synthetic_5min_${points}`, ds, y, predictDs: [...ds.slice(-300), ...horizon(ds[points - 1], { periods: 300, freq: '5min' })] };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : NaN;
};
const fmt = (ms) => (Number.isFinite(ms) ? (ms >= 100 ? ms.toFixed(0) : ms.toFixed(1)) : '—');

const series = [...referenceCases(), ...[2016, 8640, 25920].map(synthetic)];
const server = await startHarnessServer({ frames: async () => [] });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let timings;
let engines;
const parity = [];

/** Python Prophet's yhat and trend on the first `n` rows of a reference forecast CSV. */
function readReferenceRows(path, n) {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const cols = head.split(',');
  const yi = cols.indexOf('yhat');
  const ti = cols.indexOf('trend');
  const rows = lines.slice(0, n).map((l) => l.split(','));
  return { yhat: rows.map((r) => Number(r[yi])), trend: rows.map((r) => Number(r[ti])) };
}
const predict600 = [];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('[bench page]', e.message));
  await page.goto(`${server.url}bench.html`);
  await page.waitForFunction(() => document.body?.dataset.bench === 'ready', null, { timeout: 60_000 });
  engines = await page.evaluate(() => window.engines());
  // Warm-up, discarded: every engine fits the three synthetic series once, so that V8 has
  // compiled the hot functions of each module with its optimising tier before anything is
  // timed (the first fits after loading run in Liftoff, V8's baseline tier: docs/prophet.md).
  for (const s of series.filter((x) => x.name.startsWith('synthetic'))) {
    await page.evaluate(([one]) => window.runBench([one], 1), [s]);
  }
  timings = [];
  for (const s of series) {
    const repeats = s.ds.length > 10_000 ? 3 : 5;
    const t = await page.evaluate(([one, r]) => window.runBench([one], r), [s, repeats]);
    for (const x of t) {
      console.log(`[bench] ${x.name} ${x.engine}: fit ${fmt(median(x.fitMs))} ms, predict ${fmt(median(x.predictMs))} ms${x.error ? ` ERROR ${x.error}` : ''}`);
    }
    timings.push(...t);
  }
  for (const name of ['peyton_default', 'synthetic_5min_2016']) {
    const s = series.find((x) => x.name === name);
    if (s) {
      const times = await page.evaluate(([one, r]) => window.predict600(one, r), [s, 7]);
      predict600.push({ name, ms: median(times) });
      console.log(`[bench] ${name}: predict 600 timestamps with 1000 samples ${fmt(median(times))} ms`);
    }
  }
  // Parity in the browser: each engine's yhat and trend on the training rows against Python
  // Prophet's (the reference cases whose options the benchmark passes in full).
  for (const s of series.filter((x) => x.reference)) {
    const ref = readReferenceRows(s.reference, s.ds.length);
    const span = Math.max(...s.y) - Math.min(...s.y);
    const row = { name: s.name };
    for (const engine of engines) {
      const { yhat, trend } = await page.evaluate(([one, e]) => window.fitRows(one, e), [s, engine]);
      const worst = (ours, theirs) => Math.max(...ours.map((v, i) => Math.abs(v - theirs[i]))) / span * 100;
      row[engine] = { yhat: worst(yhat, ref.yhat), trend: worst(trend, ref.trend) };
    }
    console.log(`[bench] parity ${s.name}: ${JSON.stringify(row)}`);
    parity.push(row);
  }
} finally {
  await browser.close();
  await server.close();
}

// Python prophet natively on the same inputs, when scripts/bench.sh could install it.
const python = process.env.FORESIGHT_BENCH_PYTHON;
let pythonTimings = [];
if (python) {
  const r = spawnSync(python, [fileURLToPath(new URL('./python_prophet.py', import.meta.url))], {
    input: JSON.stringify(series),
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status === 0) {
    pythonTimings = JSON.parse(r.stdout);
    for (const x of pythonTimings) {
      console.log(`[bench] ${x.name} python prophet: fit ${fmt(median(x.fitMs))} ms, predict ${fmt(median(x.predictMs))} ms`);
    }
  } else {
    console.warn(`[bench] python prophet failed: ${r.stderr.slice(-2000)}`);
  }
}

const wasmPath = `${ROOT}plugin/src/wasm/foresight_wasm_bg.wasm`;
const wasm = readFileSync(wasmPath);
const stanBytes = ['prophet-wasmstan.core.wasm', 'prophet-wasmstan.core2.wasm']
  .map((f) => readFileSync(`${ROOT}node_modules/@bsull/augurs-prophet-wasmstan/${f}`))
  .concat([readFileSync(`${ROOT}node_modules/@bsull/augurs/prophet_bg.wasm`)]);
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

const rows = series.map((s) => {
  const theirs = timings.find((t) => t.name === s.name && t.engine === 'augurs + wasmstan');
  const ours = timings.find((t) => t.name === s.name && t.engine === 'foresight');
  const stats = timings.find((t) => t.name === s.name && t.engine === 'foresight (sufficient statistics)');
  const tf = median(theirs?.fitMs ?? []);
  const of = median(ours?.fitMs ?? []);
  const sf = median(stats?.fitMs ?? []);
  const ratio = (x) => (Number.isFinite(x) && Number.isFinite(tf) ? `${(tf / x).toFixed(1)}×` : '—');
  const py = fmt(median(pythonTimings.find((t) => t.name === s.name)?.fitMs ?? []));
  const error = ours?.error ?? stats?.error ?? theirs?.error;
  return `| ${s.name} | ${s.ds.length} | ${fmt(of)} | ${fmt(sf)} | ${fmt(tf)} | ${ratio(of)} | ${ratio(sf)} | ${fmt(median(ours?.predictMs ?? []))} | ${fmt(median(theirs?.predictMs ?? []))} | ${py} |${error ? ` ${error}` : ''}`;
});
const pct = (x) => (Number.isFinite(x) ? `${x.toFixed(3)} %` : '—');
const parityRows = parity.map((p) => `| ${p.name} | ${engines.map((e) => `${pct(p[e]?.trend)} / ${pct(p[e]?.yhat)}`).join(' | ')} |`);
const section = `<!-- bench:prophet:start -->
Run: ${new Date().toISOString().slice(0, 16)}Z, headless Chromium ${browser.version?.() ?? ''}, engines in this run: ${engines.join(', ')}.
Medians of 5 runs (3 above 10,000 points), after one discarded warm-up fit of the synthetic series by every engine. "speed-up" = reference fit time / our fit time.
Predict = the training rows plus the horizon (synthetic: last 300 rows + 300 ahead).
Python prophet: the same inputs natively (cmdstan), in this run${pythonTimings.length ? '' : ' — not installed, so not measured'}.
Options passed to every engine: growth, cap/floor, seasonality mode, changepoint prior scale,
automatic seasonalities; holidays and added seasonalities of the reference cases are left out
(the reference's JS API takes them differently), so all engines fit the same reduced model.

Two rows per fit of ours: the engine's default (objective evaluated over the rows: the
parity tests' setting) and with \`optimize.sufficientStatistics\` (as the panel fits; linear
and flat trends with additive features only, otherwise the same as the default).

| series | points | fit ours (ms) | fit ours, sufficient statistics (ms) | fit augurs+wasmstan (ms) | speed-up | speed-up, sufficient statistics | predict ours (ms) | predict augurs+wasmstan (ms) | Python prophet fit, native (ms) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

Parity in the browser: worst difference from Python Prophet (prophet 1.5.0, cmdstan) on the
training rows, trend / yhat, % of range(y) (issue 3's tolerance: 0.2 %), on the reference
cases whose options this benchmark passes in full. augurs + wasmstan is Stan itself, compiled
to WebAssembly: how far it lands from the same Stan run natively measures how much of the
gap is where L-BFGS happens to stop, not the model.

| case | ${engines.join(' | ')} |
| --- | ${engines.map(() => '---').join(' | ')} |
${parityRows.join('\n')}

Predicting 600 timestamps with 1000 uncertainty samples (issue 3 target ≤ 20 ms), median of 7:
${predict600.map((p) => `${p.name} ${fmt(p.ms)} ms`).join(', ') || 'not measured'}.

Module sizes: ours ${kb(wasm.length)} raw, ${kb(gzipSync(wasm, { level: 9 }).length)} gzip; augurs Prophet + wasmstan ${kb(stanBytes.reduce((a, b) => a + b.length, 0))} raw, ${kb(stanBytes.reduce((a, b) => a + gzipSync(b, { level: 9 }).length, 0))} gzip.
<!-- bench:prophet:end -->`;

const docPath = `${ROOT}docs/benchmarks.md`;
const doc = readFileSync(docPath, 'utf8');
const marked = /<!-- bench:prophet:start -->[\s\S]*<!-- bench:prophet:end -->/;
writeFileSync(docPath, marked.test(doc) ? doc.replace(marked, section) : `${doc.trimEnd()}\n\n## Prophet: fit and predict in the browser\n\n${section}\n`);
console.log(`[bench] wrote ${docPath}`);

