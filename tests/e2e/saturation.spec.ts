import { expect, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { collectErrors, waitForDrawn, screenshot } from './helpers';

// A disk filling up: 30 % to 93 % over 7 days at 5 min with a daily cycle, the field's Max set
// to 100 (as Grafana hands a panel its standard options).
const STEP_MS = 300_000;
const POINTS = 2016;
const T0 = Date.UTC(2024, 0, 1);
const NAME = 'disk_used_percent{instance="db-1", mountpoint="/data"}';
let seed = 11;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const values = Array.from({ length: POINTS }, (_, i) => {
  const v = 30 + (63 * i) / POINTS + 1.5 * Math.sin((2 * Math.PI * i) / 288) + 0.5 * (rand() - 0.5);
  return [(T0 + i * STEP_MS) / 1000, String(v)] as [number, string];
});
const frames = matrixToFrames(
  { resultType: 'matrix', result: [{ metric: { __name__: 'disk_used_percent', instance: 'db-1', mountpoint: '/data' }, values }] },
  { stepMs: STEP_MS, query: 'disk_used_percent' }
);
frames[0].schema.fields[1].config = { ...frames[0].schema.fields[1].config, max: 100, unit: 'percent' };

let server: { url: string; close: () => Promise<void> };
test.beforeAll(async () => {
  server = await startHarnessServer({ frames: async () => frames });
});
test.afterAll(async () => server?.close());

const forecastMax = async (page: import('@playwright/test').Page) => {
  const drawn = await waitForDrawn(page, 1, { forecasts: true });
  return drawn.series.find((s) => s.label === `${NAME} forecast`)!.max!;
};

test('logistic growth saturates at the field Max where the linear forecast runs past it', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await expect(page.getByTestId('foresight-panel')).toBeVisible();
  await page.evaluate(() => window.foresightHarness.setOptions({ horizon: '4d', threshold: 95 }));
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-forecasts', '1');
  const linear = await forecastMax(page);
  expect(linear).toBeGreaterThan(110);
  await page.evaluate(() => window.foresightHarness.setOptions({ growth: 'logistic' }));
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-forecasts', '0');
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-forecasts', '1');
  const logistic = await forecastMax(page);
  // The trend saturates at the cap; the daily cycle (±1.5) still rides on it, as in Prophet.
  expect(logistic).toBeLessThanOrEqual(102);
  expect(logistic).toBeGreaterThan(90);
  // The threshold below the cap is still reached, and said so.
  await expect(page.getByTestId('foresight-crossings')).toContainText(/crosses|95/);
  await screenshot(page, 'screenshots/panel-saturation.png');
  expect(errors).toEqual([]);
});

test('logistic growth without any cap says what to set, instead of a blank forecast', async ({ page }) => {
  const errors = collectErrors(page);
  const noMax = structuredClone(frames);
  delete noMax[0].schema.fields[1].config.max;
  const bare = await startHarnessServer({ frames: async () => noMax });
  try {
    await page.goto(bare.url);
    await expect(page.getByTestId('foresight-panel')).toBeVisible();
    await page.evaluate(() => window.foresightHarness.setOptions({ growth: 'logistic' }));
    await expect(page.getByTestId('foresight-status')).toContainText(/cap.*set Cap in the panel options, or Max in the field options/);
    await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  } finally {
    // The page first: icons it still loads (the actions bar appears when done) would otherwise
    // hit a closed server, and a request in flight would hold the server's close.
    await page.close();
    await bare.close();
  }
  expect(errors).toEqual([]);
});
