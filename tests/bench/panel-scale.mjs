// `npm run bench` (second part): the built panel in the harness, in headless Chromium, over
// N synthetic Prometheus series x 2,016 points (7 days at 5 min), against Grafana's own
// TimeSeries drawing the same raw series in the same run (pages of the two alternate, so both
// see the same load). Every page load is traced (Chromium's timeline): each main-thread task's
// wall time and the thread's CPU time in it. Writes docs/benchmarks.md between the bench:panel
// markers. Medians over repeated page loads; no assertion on any figure.
//   FORESIGHT_BENCH_COUNTS=1,100 measures only those counts and leaves the docs alone;
//   FORESIGHT_PLUGIN_DIST=/other/plugin/dist measures another build (A/B).
import { chromium } from '@playwright/test';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { fleetMatrix } from '../fixtures/fleet.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POINTS = 2016;
const STEP = 300_000;
const ONLY = process.env.FORESIGHT_BENCH_COUNTS;
const COUNTS = ONLY ? ONLY.split(',').map(Number) : [1, 10, 100];
const REPEATS = Number(process.env.FORESIGHT_BENCH_REPEATS ?? 3);
const CORES = (await import('node:os')).cpus().length;
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'];

const median = (xs) => {
  const s = xs.filter((x) => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Records, in page time, when the panel first showed a band (a series analysed), a forecast, and
 * when its chart first drew: observers on the attributes the panel sets as it renders.
 */
function recordMilestones() {
  window.__milestones = {};
  const seen = (name) => (window.__milestones[name] ??= performance.now());
  new MutationObserver(() => {
    const panel = document.querySelector('[data-testid="foresight-panel"]');
    if (Number(panel?.getAttribute('data-analysed')) > 0) seen('firstBand');
    if (Number(panel?.getAttribute('data-forecasts')) > 0) seen('firstForecast');
    if (document.querySelector('[data-testid="foresight-markers"]')?.hasAttribute('data-draws')) seen('firstDraw');
  }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-analysed', 'data-forecasts', 'data-draws'] });
}

/**
 * The page's main-thread tasks from the trace, with `from` and the other page times turned into
 * trace time: a user-timing mark made at a known page time ties the two clocks.
 */
function mainThreadTasks(trace, syncAt) {
  const events = JSON.parse(trace.toString()).traceEvents;
  const mark = events.find((e) => e.name === 'bench-sync');
  const origin = mark.ts - syncAt * 1000;
  const tasks = events
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === mark.pid && e.tid === mark.tid)
    .map((e) => ({ start: (e.ts - origin) / 1000, wall: e.dur / 1000, cpu: (e.tdur ?? 0) / 1000 }));
  return tasks;
}

/**
 * One traced page load; `done` waits for what the page must reach. In a new browser context
 * (cold: nothing cached), or in `context` after an earlier load there (warm: the plugin's files
 * in the HTTP cache, as Grafana's headers allow, and V8's cache of compiled code).
 */
async function tracedLoad(browser, url, done, context) {
  const own = !context;
  context ??= await browser.newContext({ viewport: { width: 1200, height: 700 } });
  const page = await context.newPage();
  await page.addInitScript(recordMilestones);
  // A first same-origin load so that the traced one stays in this renderer process.
  await page.goto(new URL('/frames.json?start=0&end=0&step=1000', url).href);
  await browser.startTracing(page, { categories: CATEGORIES });
  await page.goto(url);
  await done(page);
  await page.waitForTimeout(300);
  const info = await page.evaluate(() => {
    const syncAt = performance.now();
    performance.mark('bench-sync', { startTime: syncAt });
    const body = document.body.dataset;
    return { syncAt, renderAt: Number(body.renderAt), referenceDrawn: Number(body.referenceDrawn), milestones: window.__milestones };
  });
  const trace = await browser.stopTracing();
  await page.close();
  if (own && !keepContext) {
    await context.close();
  }
  return { ...info, tasks: mainThreadTasks(trace, info.syncAt), context };
}

/** One load of our panel, traced: when it showed what, and its main-thread tasks. */
async function panelLoad(browser, url, count, context) {
  const timings = {};
  const ours = await tracedLoad(
    browser,
    url,
    async (page) => {
      const panel = '[data-testid="foresight-panel"]';
      await page.waitForSelector(panel, { timeout: 60_000 });
      await page.waitForFunction(([p, n]) => document.querySelector(p)?.getAttribute('data-analysed') === String(n), [panel, count], { timeout: 300_000, polling: 10 });
      timings.detected = await page.evaluate(() => performance.now());
      await page.waitForFunction((p) => document.querySelector(p)?.getAttribute('data-done') === 'true', panel, { timeout: 600_000, polling: 10 });
      timings.done = await page.evaluate(() => performance.now());
      timings.draws = Number(await page.getAttribute('[data-testid="foresight-markers"]', 'data-draws'));
    },
    context
  );
  const from = ours.renderAt;
  const m = ours.milestones;
  const after = ours.tasks.filter((t) => t.start >= from - 1);
  const longest = after.reduce((a, t) => (t.wall > a.wall ? t : a), { wall: 0, cpu: 0 });
  // Result batches: the tasks after the one holding the chart's first draw.
  const batches = after.filter((t) => t.start > m.firstDraw);
  return {
    context: ours.context,
    row: {
      firstBand: m.firstBand - from,
      detected: timings.detected - from,
      firstForecast: m.firstForecast - from,
      done: timings.done - from,
      draws: timings.draws,
      longestWall: longest.wall,
      longestCpu: Math.max(0, ...after.map((t) => t.cpu)),
      batchCpu: Math.max(0, ...batches.map((t) => t.cpu)),
      mainCpu: after.reduce((a, t) => a + t.cpu, 0),
    },
  };
}

let keepContext = false;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const rows = [];
try {
  for (const count of COUNTS) {
    const frames = matrixToFrames(fleetMatrix(count, { points: POINTS }), { stepMs: STEP, query: 'rate(http_requests_total[5m])' });
    const server = await startHarnessServer({ frames: async () => frames, cacheAssets: true });
    const runs = [];
    const warmRuns = [];
    const reference = [];
    try {
      for (let r = 0; r < REPEATS; r++) {
        // The reference: Grafana's TimeSeries drawing the same raw series, no analysis; the tasks
        // from handing it the frames to its first draw are what showing these series costs at all.
        const ref = await tracedLoad(browser, `${server.url}?reference=timeseries`, (page) =>
          page.waitForFunction(() => document.body.dataset.referenceDrawn, null, { timeout: 60_000 })
        );
        const refTasks = ref.tasks.filter((t) => t.start >= ref.renderAt - 1 && t.start <= ref.referenceDrawn);
        const refLongest = refTasks.reduce((a, t) => (t.wall > a.wall ? t : a), { wall: 0, cpu: 0 });
        reference.push({ wall: refLongest.wall, cpu: Math.max(0, ...refTasks.map((t) => t.cpu)) });

        // Ours cold (a new context), then warm (a second load in the same context).
        keepContext = true;
        const cold = await panelLoad(browser, server.url, count);
        keepContext = false;
        runs.push(cold.row);
        const warm = await panelLoad(browser, server.url, count, cold.context);
        await cold.context.close();
        warmRuns.push(warm.row);
      }
    } finally {
      await server.close();
    }
    const med = (k) => median(runs.map((r) => r[k]));
    const row = {
      count,
      ...Object.fromEntries(Object.keys(runs[0]).map((k) => [k, med(k)])),
      warmFirstBand: median(warmRuns.map((r) => r.firstBand)),
      warmDetected: median(warmRuns.map((r) => r.detected)),
      warmFirstForecast: median(warmRuns.map((r) => r.firstForecast)),
      warmDone: median(warmRuns.map((r) => r.done)),
      refWall: median(reference.map((r) => r.wall)),
      refCpu: median(reference.map((r) => r.cpu)),
    };
    console.log(`[bench] panel ${count} series: ${JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Math.round(v)])))}`);
    rows.push(row);
  }
} finally {
  await browser.close();
}

const ms = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
/**
 * Gzipped size as scripts/build-wasm.sh and the size table at the top of docs/benchmarks.md
 * measure it (GNU `gzip -9`); node's zlib at level 9 makes 1–1.5 % more of the same module
 * (324.9 against 319.8 KB), so it is only the fallback where gzip is missing.
 */
const gzipBytes = (path, bytes) => {
  try {
    return execFileSync('gzip', ['-9c', path], { maxBuffer: 64 << 20 }).length;
  } catch {
    return gzipSync(bytes, { level: 9 }).length;
  }
};
// The engine's modules as the worker loads them (scripts/build-wasm.sh writes both).
const modules = [
  ['detection only (`foresight_detect`), loaded first', 'plugin/src/wasm/foresight_detect_bg.wasm'],
  ['whole engine (`foresight_wasm`), loaded for forecasts and insight', 'plugin/src/wasm/foresight_wasm_bg.wasm'],
]
  .filter(([, path]) => existsSync(`${ROOT}${path}`))
  .map(([what, path]) => {
    const bytes = readFileSync(`${ROOT}${path}`);
    return `| ${what} | ${(bytes.length / 1000).toFixed(1)} KB | ${(gzipBytes(`${ROOT}${path}`, bytes) / 1000).toFixed(1)} KB |`;
  });
const ratio = (a, b) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : '–');
const section = `<!-- bench:panel:start -->
Run: ${new Date().toISOString().slice(0, 16)}Z, headless Chromium, the built plugin in the harness, default options
(model auto: anomaly detection, then one Prophet forecast per series). Synthetic Prometheus series of
${POINTS} points (7 days at 5 min, daily cycle, noise, one spike each). Times from handing the panel its
frames (its first render); medians of ${REPEATS} page loads, each in a new browser context (cold caches), traced
(Chromium timeline: every main-thread task's wall time and the thread's CPU time in it). Reference,
measured in the same run, its page loads alternating with ours: Grafana's own TimeSeries (@grafana/ui, as the
time series panel uses it) drawing the same raw series with no analysis, from handing it the frames to its
first draw. Longest task: wall time of the longest main-thread task; CPU: the most CPU any one task took.
Batch: the most CPU of any task after the chart's first draw (result batches). Workers: one per core but
one, 1–4 (here ${Math.max(1, Math.min(4, CORES - 1))} on ${CORES} cores).

| series | first band (ms) | all detected (ms) | first forecast (ms) | all forecasts drawn (ms) | chart draws | longest task, wall (ms) | reference, wall (ms) | ratio, wall | most CPU in a task (ms) | reference (ms) | ratio, CPU | most CPU in a batch (ms) | main-thread CPU, total (ms) |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.count} | ${ms(r.firstBand)} | ${ms(r.detected)} | ${ms(r.firstForecast)} | ${ms(r.done)} | ${ms(r.draws)} | ${ms(r.longestWall)} | ${ms(r.refWall)} | ${ratio(r.longestWall, r.refWall)} | ${ms(r.longestCpu)} | ${ms(r.refCpu)} | ${ratio(r.longestCpu, r.refCpu)} | ${ms(r.batchCpu)} | ${ms(r.mainCpu)} |`).join('\n')}

Warm: a second load in the same browser context, the plugin's files served with a production
Grafana's headers (\`Cache-Control: public, max-age=3600\`, Last-Modified) and so taken from the
browser's cache; cold: the first load above. Times from handing the panel its frames.

| series | first band, cold (ms) | first band, warm (ms) | all detected, cold / warm (ms) | first forecast, cold (ms) | first forecast, warm (ms) | all forecasts drawn, cold / warm (ms) |
| --- | --- | --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.count} | ${ms(r.firstBand)} | ${ms(r.warmFirstBand)} | ${ms(r.detected)} / ${ms(r.warmDetected)} | ${ms(r.firstForecast)} | ${ms(r.warmFirstForecast)} | ${ms(r.done)} / ${ms(r.warmDone)} |`).join('\n')}

| engine module | raw | gzip -9 |
| --- | --- | --- |
${modules.join('\n')}
<!-- bench:panel:end -->`;

if (ONLY) {
  console.log(section);
  process.exit(0);
}
const docPath = `${ROOT}docs/benchmarks.md`;
const doc = readFileSync(docPath, 'utf8');
const marked = /<!-- bench:panel:start -->[\s\S]*<!-- bench:panel:end -->/;
writeFileSync(docPath, marked.test(doc) ? doc.replace(marked, section) : `${doc.trimEnd()}\n\n## The panel at scale\n\n${section}\n`);
console.log(`[bench] wrote ${docPath}`);
