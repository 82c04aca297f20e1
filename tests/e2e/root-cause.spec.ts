import { expect, Page, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { plantedMatrix, STEP_MS } from '../fixtures/planted.mjs';
import { collectErrors, waitForDrawn, screenshot } from './helpers';

// db-2 degrades first; the other instances' 5xx follow 15 minutes later.
const frames = matrixToFrames(plantedMatrix(), { stepMs: STEP_MS, query: 'http_requests_per_second' });
let server: { url: string; close: () => Promise<void> };
test.beforeAll(async () => {
  server = await startHarnessServer({ frames: async () => frames });
});
test.afterAll(async () => server?.close());

/** The worst incident listed for the series of that name. */
const firstIncidentOf = (page: Page, name: string) =>
  page
    .getByTestId('foresight-incident')
    .filter({ has: page.getByTestId('foresight-incident-series').getByText(name, { exact: true }) })
    .first();

test('root-cause hints point at the instance that moved first', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  const follower = firstIncidentOf(page, 'http_requests_per_second{instance="db-1", status="5xx"}');
  const hint = follower.getByTestId('foresight-hint');
  await expect(hint).toContainText('instance="db-2"');
  await expect(hint).toContainText(/http_requests_per_second\{instance="db-2", status="5xx"\} moved \d+m earlier/);
  await screenshot(page, 'screenshots/panel-root-cause.png');
  expect(errors).toEqual([]);
});

test('the incident detail lists the related series (who moved first) and the labels they share', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  const follower = firstIncidentOf(page, 'http_requests_per_second{instance="db-1", status="5xx"}');
  await follower.getByTestId('foresight-incident-details').click();
  const detail = page.getByTestId('foresight-incident-detail');
  await expect(detail).toBeVisible();
  // The details button opens the detail; it does not zoom.
  expect(await page.evaluate(() => window.foresightHarness.timeRangeChanges.length)).toBe(0);
  const related = detail.getByTestId('foresight-detail-related-row');
  await expect(related.first()).toContainText('instance="db-2", status="5xx"');
  await expect(related.first()).toContainText(/\d+m earlier/);
  const labels = detail.getByTestId('foresight-detail-label-row');
  await expect(labels.first()).toBeVisible();
  await expect(detail.getByTestId('foresight-detail-labels')).toContainText('status="5xx"');
  await screenshot(page, 'screenshots/panel-incident-detail.png');
  // Back to the list.
  await detail.getByRole('button', { name: 'Incidents' }).click();
  await expect(page.getByTestId('foresight-incidents')).toBeVisible();
  expect(errors).toEqual([]);
});

