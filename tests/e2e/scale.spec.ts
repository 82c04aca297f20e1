import { expect, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { startPrometheus } from '../harness/prometheus.mjs';
import { queryRangeFrames } from '../harness/promFrames.mjs';
import { fleet, METRIC, STEP_MS } from '../fixtures/fleet.mjs';
import { collectErrors } from './helpers';

// 100 pods x 7 days at 5 min, backfilled into a real Prometheus: the panel analyses them all in
// its worker pool while the page keeps drawing frames.
const COUNT = 100;
const series = fleet(COUNT);
const start = series[0].samples[0][0] * 1000;
const end = series[0].samples.at(-1)![0] * 1000;
let prom: { url: string; stop: () => Promise<void> };
let server: { url: string; close: () => Promise<void> };

test.beforeAll(async () => {
  prom = await startPrometheus(series);
  server = await startHarnessServer({
    frames: (range?: { start: number; end: number; stepMs: number }) =>
      queryRangeFrames(prom.url, { query: METRIC, start, end, stepMs: STEP_MS, ...range }),
  });
});

test.afterAll(async () => {
  await server?.close();
  await prom?.stop();
});

test('the UI stays responsive while 100 series are analysed; results arrive before the last forecast', async ({ page }) => {
  test.setTimeout(120_000);
  const errors = collectErrors(page);
  // An animation-frame heartbeat: a gap between frames is a main-thread block.
  await page.addInitScript(() => {
    const w = window as unknown as { frameTimes: number[] };
    w.frameTimes = [];
    const tick = (t: number) => {
      w.frameTimes.push(t);
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.goto(server.url);
  const panel = page.getByTestId('foresight-panel');
  await expect(panel).toHaveAttribute('data-total', String(COUNT));
  const t0 = await page.evaluate(() => performance.now());
  // Every series' band and incidents are drawn while forecasts are still being computed, and
  // the status line says how far it got.
  await page.waitForFunction(
    (n) => {
      const el = document.querySelector<HTMLElement>('[data-testid="foresight-panel"]');
      return el?.dataset.analysed === String(n) && el.dataset.done === 'false';
    },
    COUNT,
    { polling: 'raf', timeout: 60_000 }
  );
  await expect(page.getByTestId('foresight-status')).toContainText(new RegExp(`Forecasting \\d+/${COUNT} series`));
  await expect(panel).toHaveAttribute('data-done', 'true', { timeout: 90_000 });
  await expect(panel).toHaveAttribute('data-forecasts', String(COUNT));
  // Above 20 series the forecasts are drawn over the chart: a dotted line per series, each with
  // its points.
  await expect
    .poll(async () => {
      const lines = JSON.parse((await page.getByTestId('foresight-forecast-lines').getAttribute('data-lines')) ?? '{}');
      return Object.values(lines).filter((points) => Number(points) > 1).length;
    })
    .toBe(COUNT);
  const t1 = await page.evaluate(() => performance.now());
  const frames = await page.evaluate(
    ([a, b]) => (window as unknown as { frameTimes: number[] }).frameTimes.filter((t) => t >= a && t <= b),
    [t0, t1]
  );
  const gaps = frames.slice(1).map((t, i) => t - frames[i]);
  const longest = Math.max(...gaps);
  console.log(`[scale] ${COUNT} series analysed in ${(t1 - t0).toFixed(0)} ms; ${frames.length} frames drawn, longest gap ${longest.toFixed(0)} ms`);
  // Responsive: the page kept drawing frames throughout, no block took a large share of the
  // analysis (a worker that ran on the main thread would make one gap of nearly all of it).
  expect(frames.length).toBeGreaterThan(10);
  expect(longest).toBeLessThan((t1 - t0) / 3);
  // Each pod's planted spike is listed (the incidents view holds the worst first).
  await expect(page.getByTestId('foresight-incident').first()).toBeVisible();
  expect(errors).toEqual([]);
});
