import { expect, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { startPrometheus } from '../harness/prometheus.mjs';
import { queryRangeFrames } from '../harness/promFrames.mjs';
import { END_MS, QUERY, START_MS, STEP_MS, yosemiteSeries } from '../fixtures/yosemite.mjs';
import { collectErrors, expectBaselineAndBand, waitForDrawn, screenshot } from './helpers';

// A real Prometheus (Debian's package) on 127.0.0.1, its TSDB backfilled by promtool from the
// real series in tests/data/prophet/data; frames built from /api/v1/query_range as Grafana does.
let prom: { url: string; stop: () => Promise<void> };
let server: { url: string; close: () => Promise<void> };
let frameCount = 0;

test.beforeAll(async () => {
  prom = await startPrometheus(yosemiteSeries());
  server = await startHarnessServer({
    frames: async () => {
      const frames = await queryRangeFrames(prom.url, { query: QUERY, start: START_MS, end: END_MS, stepMs: STEP_MS });
      frameCount = frames.length;
      return frames;
    },
  });
});

test.afterAll(async () => {
  await server?.close();
  await prom?.stop();
});

test('renders the panel over a live Prometheus range query', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  const drawn = await waitForDrawn(page, 2);
  expect(frameCount).toBe(2);
  expectBaselineAndBand(drawn, [
    'yosemite_temp_fahrenheit{job="weather", station="yosemite_valley"}',
    'yosemite_temp_fahrenheit{job="weather", station="yosemite_valley", week="previous"}',
  ]);
  await screenshot(page, 'screenshots/panel-prometheus.png');
  expect(errors).toEqual([]);
});

test('a PromQL error from the server is shown in the panel, not a blank page', async ({ page }) => {
  const errors = collectErrors(page);
  const failing = await startHarnessServer({
    frames: () => queryRangeFrames(prom.url, { query: 'sum(', start: START_MS, end: END_MS, stepMs: STEP_MS }),
  });
  try {
    await page.goto(failing.url);
    const message = page.getByTestId('foresight-message');
    await expect(message).toContainText('Query error');
    await expect(message).toContainText('Prometheus query failed (400)');
    await expect(message).toContainText('parse error');
  } finally {
    await page.close(); // the page first, so nothing it still loads meets a closed server
    await failing.close();
  }
  // The browser logs the 502 of /frames.json itself; nothing else may fail.
  expect(errors.filter((e) => !e.includes('/frames.json'))).toEqual([]);
});
