import { expect, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { plantedMatrix, STEP_MS } from '../fixtures/planted.mjs';
import { collectErrors, waitForDrawn } from './helpers';

// db-2 degrades first; the other instances' 5xx follow 15 minutes later.
const frames = matrixToFrames(plantedMatrix(), { stepMs: STEP_MS, query: 'http_requests_per_second' });
let server: { url: string; close: () => Promise<void> };
test.beforeAll(async () => {
  server = await startHarnessServer({ frames: async () => frames });
});
test.afterAll(async () => server?.close());

test('root-cause hints point at the instance that moved first', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  const follower = page
    .getByTestId('foresight-incident')
    .filter({
      has: page.getByTestId('foresight-incident-series').getByText('http_requests_per_second{instance="db-1", status="5xx"}', { exact: true }),
    })
    .first();
  const hint = follower.getByTestId('foresight-hint');
  await expect(hint).toContainText('instance="db-2"');
  await expect(hint).toContainText(/http_requests_per_second\{instance="db-2", status="5xx"\} moved \d+m earlier/);
  await page.screenshot({ path: 'screenshots/panel-root-cause.png' });
  expect(errors).toEqual([]);
});
