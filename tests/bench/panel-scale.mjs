// `npm run bench` (second part): the built panel in the harness, in headless Chromium, over
// N synthetic Prometheus series x 2,016 points (7 days at 5 min). Measures the time from the
// panel's first render to all series detected and to the last forecast, and the longest
// main-thread task (Long Tasks API: tasks over 50 ms). Writes docs/benchmarks.md between the
// bench:panel markers. Medians over repeated page loads; no assertion on any figure.
import { chromium } from '@playwright/test';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { fleetMatrix } from '../fixtures/fleet.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const POINTS = 2016;
const STEP = 300_000;
// FORESIGHT_BENCH_COUNTS=100 (comma-separated) measures only those counts and leaves the docs alone.
const ONLY = process.env.FORESIGHT_BENCH_COUNTS;
const COUNTS = ONLY ? ONLY.split(',').map(Number) : [1, 10, 100];
const REPEATS = 3;
const CORES = (await import('node:os')).cpus().length;

/** A new page that records every main-thread task over 50 ms (Long Tasks API) in window.__longTasks. */
async function pageRecordingLongTasks() {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  await page.addInitScript(() => {
    window.__longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  return page;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
});
const rows = [];
try {
  for (const count of COUNTS) {
    const frames = matrixToFrames(fleetMatrix(count, { points: POINTS }), { stepMs: STEP, query: 'rate(http_requests_total[5m])' });
    const server = await startHarnessServer({ frames: async () => frames });
    const runs = [];
    const reference = [];
    try {
      // The reference: Grafana's TimeSeries drawing the same raw series, no analysis; the long
      // task that holds its first draw is what showing these series costs at all.
      for (let r = 0; r < REPEATS; r++) {
        const page = await pageRecordingLongTasks();
        await page.goto(`${server.url}?reference=timeseries`);
        await page.waitForFunction(() => document.body.dataset.referenceDrawn, null, { timeout: 60_000 });
        await page.waitForTimeout(300);
        reference.push(
          await page.evaluate(() => {
            const from = Number(document.body.dataset.renderAt);
            const at = Number(document.body.dataset.referenceDrawn);
            const tasks = window.__longTasks.filter((t) => t.start >= from && t.start <= at);
            return Math.max(0, ...tasks.map((t) => t.duration));
          })
        );
        await page.close();
      }
      for (let r = 0; r < REPEATS; r++) {
        const page = await pageRecordingLongTasks();
        await page.goto(server.url);
        await page.waitForSelector('[data-testid="foresight-panel"]', { timeout: 60_000 });
        const t0 = await page.evaluate(() => performance.now());
        await page.waitForFunction((n) => document.querySelector('[data-testid="foresight-panel"]')?.getAttribute('data-analysed') === String(n), count, { timeout: 300_000, polling: 10 });
        const tDetected = await page.evaluate(() => performance.now());
        await page.waitForFunction(() => document.querySelector('[data-testid="foresight-panel"]')?.getAttribute('data-done') === 'true', null, { timeout: 600_000, polling: 10 });
        const tDone = await page.evaluate(() => performance.now());
        // From the frames handed to the panel, its first render included, as for the reference.
        const longest = await page.evaluate(() => {
          const from = Number(document.body.dataset.renderAt);
          return Math.max(0, ...window.__longTasks.filter((t) => t.start >= from).map((t) => t.duration));
        });
        const draws = Number(await page.getAttribute('[data-testid="foresight-markers"]', 'data-draws'));
        runs.push({ detected: tDetected - t0, done: tDone - t0, longest, draws });
        await page.close();
      }
    } finally {
      await server.close();
    }
    const row = {
      count,
      detected: median(runs.map((r) => r.detected)),
      done: median(runs.map((r) => r.done)),
      longest: Math.max(...runs.map((r) => r.longest)),
      reference: median(reference),
      draws: median(runs.map((r) => r.draws)),
    };
    console.log(`[bench] panel ${count} series: detected ${row.detected.toFixed(0)} ms, all forecasts ${row.done.toFixed(0)} ms, longest main-thread task ${row.longest.toFixed(0)} ms (reference draw ${row.reference.toFixed(0)} ms)`);
    rows.push(row);
  }
} finally {
  await browser.close();
}

const fmt = (ms) => (ms > 0 ? ms.toFixed(0) : '< 50 (none reported)');
const section = `<!-- bench:panel:start -->
Run: ${new Date().toISOString().slice(0, 16)}Z, headless Chromium, the built plugin in the harness, default options
(model auto: anomaly detection, then one Prophet forecast per series). Synthetic Prometheus series of
${POINTS} points (7 days at 5 min, daily cycle, noise, one spike each). Times from the panel's first render;
medians of ${REPEATS} page loads. Longest main-thread task: the Long Tasks API (reports tasks over 50 ms) over all
runs, from handing the panel its frames (its first render included, as for the reference). Reference, measured in the same run: Grafana's own TimeSeries
(@grafana/ui, as the time series panel uses it) drawing the same raw series with no analysis — the longest
task from handing it the frames to its first draw (median of ${REPEATS}); the ratio is ours over it. The harness runs React and
@grafana/ui as production builds, as Grafana ships them. Workers: one per core but one, 1–4 (here ${Math.max(1, Math.min(4, CORES - 1))} on ${CORES} cores).
Targets (issue 5): 100 series fully analysed ≤ 1.5 s, no main-thread block over 50 ms.

| series | all detected (ms) | all forecasts drawn (ms) | chart draws | longest main-thread task (ms) | reference: TimeSeries draw of the raw series (ms) | ratio |
| --- | --- | --- | --- | --- | --- | --- |
${rows.map((r) => `| ${r.count} | ${r.detected.toFixed(0)} | ${r.done.toFixed(0)} | ${r.draws} | ${fmt(r.longest)} | ${fmt(r.reference)} | ${r.reference > 0 && r.longest > 0 ? (r.longest / r.reference).toFixed(1) + '×' : '–'} |`).join('\n')}
<!-- bench:panel:end -->`;

if (ONLY) {
  process.exit(0);
}
const docPath = `${ROOT}docs/benchmarks.md`;
const doc = readFileSync(docPath, 'utf8');
const marked = /<!-- bench:panel:start -->[\s\S]*<!-- bench:panel:end -->/;
writeFileSync(docPath, marked.test(doc) ? doc.replace(marked, section) : `${doc.trimEnd()}\n\n## The panel at scale\n\n${section}\n`);
console.log(`[bench] wrote ${docPath}`);
