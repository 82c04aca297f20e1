import { expect, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { matrixToFrames } from '../harness/promFrames.mjs';
import { plantedMatrix, POINTS, STEP_MS, T0 } from '../fixtures/planted.mjs';
import { collectErrors, screenshot, waitForDrawn } from './helpers';

// The panel in Grafana's own dashboard runtime (@grafana/scenes: VizPanel, SceneQueryRunner,
// an annotations data layer), on each runtime of the Playwright projects, and what a dashboard
// does to a panel: annotations, resizing, auto refresh, time range changes, removal.
const END = T0 + (POINTS - 1) * STEP_MS;
/** The planted series over the range the data source asks for (all of them without one). */
function frames(range?: { start: number; end: number }) {
  const matrix = plantedMatrix();
  if (range) {
    for (const s of matrix.result) {
      s.values = s.values.filter(([t]) => t * 1000 >= range.start && t * 1000 <= range.end);
    }
  }
  return matrixToFrames(matrix, { stepMs: STEP_MS, query: 'http_requests_per_second' });
}
let server: { url: string; close: () => Promise<void> };
test.beforeAll(async () => {
  server = await startHarnessServer({ frames: async (range?: { start: number; end: number }) => frames(range) });
});
test.afterAll(async () => server?.close());

const EXPECTED = { 'grafana-12': { grafana: /^12\.4\./, react: /^18\./ }, 'grafana-13': { grafana: /^13\.[2-9]\./, react: /^19\./ } };

test('the page runs the Grafana version and React of its project', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  const runtime = await page.evaluate(() => window.foresightHarness.runtime);
  const expected = EXPECTED[test.info().project.name as keyof typeof EXPECTED];
  expect(expected, `a project named after a runtime, not ${test.info().project.name}`).toBeDefined();
  expect(runtime.grafana).toMatch(expected.grafana);
  expect(runtime.react).toMatch(expected.react);
  // Grafana's PanelChrome around the panel, with the title the dashboard gave it.
  await expect(page.getByTestId('data-testid Panel header Foresight')).toBeVisible();
  // VizPanel applied the plugin's field config defaults over Grafana's standard field options:
  // the plugin's one-step thresholds, not Grafana's default 80 (red).
  const fieldConfig = await page.evaluate(() => window.foresightHarness.fieldConfig());
  expect(fieldConfig.registry).toEqual(expect.arrayContaining(['unit', 'min', 'max', 'decimals', 'thresholds']));
  expect(fieldConfig.defaults.thresholds).toMatchObject({ mode: 'absolute', steps: [{ color: 'green' }] });
  expect(errors).toEqual([]);
});

test('the plugin declares annotation support, so the dashboard annotations reach the panel', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  expect(await page.evaluate(() => window.foresightHarness.dataSupport())).toMatchObject({ annotations: true });
  // Grafana's VizPanel hands the panel annotations only when the plugin declares them.
  await page.evaluate(
    ([t]) => window.foresightHarness.setAnnotations([{ time: t, timeEnd: t + 3_600_000, text: 'deploy v7' }]),
    [T0 + 1700 * STEP_MS]
  );
  await expect.poll(() => page.evaluate(() => window.foresightHarness.panelAnnotationCount())).toBe(1);
  // And the panel uses it: the shock window is an event of the analysis, named in the hints.
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  await expect(page.getByTestId('foresight-hint').filter({ hasText: 'deploy v7' }).first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('bad input: a panel resized to 100 x 80 px redraws or says why, without errors', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  await page.evaluate(() => window.foresightHarness.setPanelSize({ width: 100, height: 80 }));
  const panel = page.getByTestId('data-testid Panel header Foresight').locator('..');
  await expect.poll(async () => Math.round((await page.locator('[data-viz-panel-key="panel-1"]').boundingBox())?.width ?? 0)).toBe(100);
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  // Back to a usable size: drawn again, every series with its band.
  await page.evaluate(() => window.foresightHarness.setPanelSize({ width: 1000, height: 560 }));
  await waitForDrawn(page, 6);
  await expect(panel).toBeVisible();
  expect(errors).toEqual([]);
});

test('bad input: an auto refresh every 5 s re-queries and redraws, without errors', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  const before = await page.evaluate(() => window.foresightHarness.queries.length);
  await page.evaluate(() => window.foresightHarness.setRefresh('5s'));
  await expect.poll(() => page.evaluate(() => window.foresightHarness.queries.length), { timeout: 30_000 }).toBeGreaterThanOrEqual(before + 2);
  await page.evaluate(() => window.foresightHarness.setRefresh(''));
  await waitForDrawn(page, 6);
  expect(errors).toEqual([]);
});

test('bad input: a query superseded by a time-range change is dropped; the panel shows the new range', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 6);
  // The next answer is slow: the dashboard's time range changes again before it arrives.
  const DAY = 86_400_000;
  let held = true;
  await page.route(/\/frames\.json\?start=/, async (route) => {
    if (held) {
      held = false;
      await new Promise((r) => setTimeout(r, 1500));
    }
    await route.continue().catch(() => {});
  });
  const slow = page.waitForResponse((r) => r.url().includes(`start=${END - 3 * DAY}&`));
  await page.evaluate(async ([f1, t1, f2, t2]) => {
    const h = window.foresightHarness;
    const asked = h.queries.length;
    void h.setTimeRange({ from: f1, to: t1 });
    // Once the first range's query is on its way, the range changes again.
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => h.queries.length > asked && (clearInterval(poll), resolve()), 5);
    });
    await h.setTimeRange({ from: f2, to: t2 });
  }, [END - 3 * DAY, END, END - 2 * DAY, END - DAY]);
  const panel = page.getByTestId('foresight-panel');
  // The drawn axis ends at the data's end plus its forecast: within the second range's last day
  // (the first range's data would end at END).
  const rangeTo = async () => Number(await panel.getAttribute('data-range-to'));
  await expect.poll(rangeTo).toBeLessThan(END);
  await expect(panel).toHaveAttribute('data-done', 'true');
  expect(await rangeTo()).toBeGreaterThanOrEqual(END - DAY);
  // The slow answer for the first range, arriving last, does not replace the second.
  await slow;
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 0)))));
  await expect(panel).toHaveAttribute('data-done', 'true');
  expect(await rangeTo()).toBeLessThan(END);
  expect(await rangeTo()).toBeGreaterThanOrEqual(END - DAY);
  expect(errors).toEqual([]);
});

test('bad input: the panel removed while its workers are busy stops them, without errors', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  const panel = page.getByTestId('foresight-panel');
  await expect(panel).toHaveAttribute('data-total', '6');
  await expect(panel).toHaveAttribute('data-done', 'false');
  await expect.poll(() => page.workers().length).toBeGreaterThan(0);
  await page.evaluate(() => window.foresightHarness.removePanel());
  await expect(panel).toHaveCount(0);
  await expect.poll(() => page.workers().length).toBe(0);
  expect(errors).toEqual([]);
});

test("the options pane (the plugin's own option builders, @grafana/ui editors) drives the panel", async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`${server.url}?options=1`);
  await waitForDrawn(page, 6, { forecasts: true });
  const pane = page.getByTestId('harness-options');
  await expect(pane.getByText('Forecast model', { exact: true })).toBeVisible();
  // showIf: the custom period appears only with a custom seasonality.
  await expect(pane.getByTestId('option-customPeriodHours')).toHaveCount(0);
  // Fast: anomaly detection only — the forecast lines go, and the options that need a forecast.
  await pane.getByTestId('option-model').getByRole('radio', { name: 'Fast' }).check();
  await expect.poll(() => page.evaluate(() => window.foresightHarness.options().model)).toBe('fast');
  await expect(pane.getByTestId('option-growth')).toHaveCount(0);
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-forecasts', '0');
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  // The incidents list switched off from its switch.
  await expect(page.getByTestId('foresight-incidents')).toBeVisible();
  await pane.getByTestId('option-showIncidents').getByRole('switch').or(pane.getByTestId('option-showIncidents').getByRole('checkbox')).first().click({ force: true });
  await expect(page.getByTestId('foresight-incidents')).toHaveCount(0);
  await screenshot(page, 'screenshots/panel-options.png');
  expect(errors).toEqual([]);
});
