// A/B of two builds of the plugin on the scale workload (not part of `npm run bench`): pages load
// one build then the other, alternately, and the script prints per run and as medians the time to
// all detections and to the last forecast, the CPU time of the page's main thread and of its
// workers (Linux /proc: unlike wall-clock tasks, it barely moves when other work shares the
// machine), the longest task and the chart draws; and from a Chromium trace of each load, as
// `npm run bench` measures them, the most CPU any main-thread task took after the panel was handed
// its frames (longestCpu) and after the chart's first draw (batchCpu: the result batches).
// VERBOSE=1 also prints, for each load, the three heaviest batch tasks by trace event (script,
// layout, paint...). Every load is traced, both builds alike (tracing costs the page some CPU).
//   OLD=/path/to/other/plugin/dist [CORES_OLD=n] [CORES_NEW=n] node tests/bench/panel-ab.mjs [series=100] [rounds=3]
// The other build: e.g. `git worktree add /tmp/old <commit>`, link node_modules, build its plugin.
import { chromium } from '@playwright/test';
import { readFileSync, readdirSync } from 'node:fs';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { fleetMatrix } from '../fixtures/fleet.mjs';
const count = Number(process.argv[2] ?? 100);
const dists = { old: process.env.OLD ?? '/tmp/old/plugin/dist', new: new URL('../../plugin/dist', import.meta.url).pathname };
const frames = matrixToFrames(fleetMatrix(count, { points: 2016 }), { stepMs: 300000, query: 'rate(http_requests_total[5m])' });
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const TICK = 1000 / 100;
const renderers = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => { try { return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('--type=renderer'); } catch { return false; } });
const threadCpu = (pid, tid) => { const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * TICK; };
const threads = (pid) => readdirSync(`/proc/${pid}/task`).map((tid) => ({ tid, name: readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim(), cpu: threadCpu(pid, tid) }));
const res = { old: [], new: [] };
for (let r = 0; r < Number(process.argv[3] ?? 3); r++) {
  for (const which of ['old', 'new']) {
    process.env.FORESIGHT_PLUGIN_DIST = dists[which];
    const server = await startHarnessServer({ frames: async () => frames });
    const before = new Set(renderers());
    const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
    // CORES_OLD / CORES_NEW: the core count each page reports (the worker pool is cores - 1, 1-4).
    const cores = process.env[`CORES_${which.toUpperCase()}`];
    if (cores) await page.addInitScript((n) => Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => n }), Number(cores));
    await page.addInitScript(() => {
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="foresight-markers"]')?.hasAttribute('data-draws')) window.__firstDraw ??= performance.now();
      }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-draws'] });
    });
    await page.addInitScript(() => { window.__lt = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__lt.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true }); });
    // A first same-origin load, so that the traced one stays in this renderer process.
    await page.goto(new URL('/frames.json?start=0&end=0&step=1000', server.url).href);
    await browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing'] });
    await page.goto(server.url);
    await page.waitForSelector('[data-testid="foresight-panel"]');
    const pid = renderers().filter((p) => !before.has(p)).pop() ?? renderers().pop();
    const cpu0 = threadCpu(pid, pid);
    const t0 = await page.evaluate(() => performance.now());
    await page.waitForFunction((n) => document.querySelector('[data-testid="foresight-panel"]')?.getAttribute('data-analysed') === String(n), count, { timeout: 300000, polling: 10 });
    const t1 = await page.evaluate(() => performance.now());
    await page.waitForFunction(() => document.querySelector('[data-testid="foresight-panel"]')?.getAttribute('data-done') === 'true', null, { timeout: 600000, polling: 10 });
    const t2 = await page.evaluate(() => performance.now());
    const cpu1 = threadCpu(pid, pid);
    const workers = threads(pid).filter((t) => /DedicatedWorker|Worker/i.test(t.name)).reduce((a, t) => a + t.cpu, 0);
    const lt = (await page.evaluate((t0) => window.__lt.filter(([s]) => s >= t0), t0)).map(([, d]) => d);
    const draws = await page.getAttribute('[data-testid="foresight-markers"]', 'data-draws');
    await page.waitForTimeout(300);
    const info = await page.evaluate(() => {
      const syncAt = performance.now();
      performance.mark('bench-sync', { startTime: syncAt });
      return { syncAt, renderAt: Number(document.body.dataset.renderAt), firstDraw: window.__firstDraw };
    });
    // Main-thread tasks from the trace, in page time (the mark ties the two clocks).
    const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
    const mark = events.find((e) => e.name === 'bench-sync');
    const origin = mark.ts - info.syncAt * 1000;
    const tasks = events
      .filter((e) => e.name === 'RunTask' && e.ph === 'X' && e.pid === mark.pid && e.tid === mark.tid)
      .map((e) => ({ start: (e.ts - origin) / 1000, cpu: (e.tdur ?? 0) / 1000 }))
      .filter((t) => t.start >= info.renderAt - 1);
    const longestCpu = Math.max(0, ...tasks.map((t) => t.cpu));
    const batchCpu = Math.max(0, ...tasks.filter((t) => t.start > info.firstDraw).map((t) => t.cpu));
    if (process.env.VERBOSE) {
      // The heaviest batch task: what ran in it (trace events on the main thread, by name, CPU).
      const all = events.filter((e) => e.ph === 'X' && e.pid === mark.pid && e.tid === mark.tid);
      const heavy = tasks.filter((t) => t.start > info.firstDraw).sort((a, b) => b.cpu - a.cpu).slice(0, 3);
      for (const t of heavy) {
        const ts = t.start * 1000 + origin;
        const inside = all.filter((e) => e.ts >= ts && e.ts < ts + 1 && e.name === 'RunTask')[0];
        const within = all.filter((e) => e.ts >= ts && inside && e.ts + e.dur <= inside.ts + inside.dur && e.name !== 'RunTask');
        const by = {};
        for (const e of within) by[e.name] = (by[e.name] ?? 0) + (e.tdur ?? 0) / 1000;
        console.log(`  task at ${(t.start - info.renderAt).toFixed(0)} ms after render (firstDraw ${(info.firstDraw - info.renderAt).toFixed(0)}), cpu ${t.cpu.toFixed(0)}: ${Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')}`);
      }
    }
    const row = { detected: t1 - t0, done: t2 - t0, mainCpu: cpu1 - cpu0, workerCpu: workers, longest: Math.max(0, ...lt), longTasks: lt.length, draws: Number(draws), longestCpu, batchCpu };
    res[which].push(row);
    console.log(which, JSON.stringify(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Math.round(v)]))));
    await page.close(); await server.close();
  }
}
const med = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
for (const k of Object.keys(res.old[0])) console.log(k, 'old', Math.round(med(res.old.map((r) => r[k]))), 'new', Math.round(med(res.new.map((r) => r[k]))));
await browser.close();
