import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { startHarnessServer } from '../harness/server.mjs';
import { collectErrors, expectBaselineAndBand, waitForDrawn, screenshot } from './helpers';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/yosemite.frames.json', import.meta.url), 'utf8'));
const NAMES = [
  'yosemite_temp_fahrenheit{job="weather", station="yosemite_valley"}',
  'yosemite_temp_fahrenheit{job="weather", station="yosemite_valley", week="previous"}',
];

let server: { url: string; close: () => Promise<void> };
test.beforeAll(async () => {
  server = await startHarnessServer({ frames: async () => fixture });
});
test.afterAll(async () => server?.close());

test('draws every Prometheus series with its baseline and band, computed in the worker', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  const drawn = await waitForDrawn(page, 2);
  expectBaselineAndBand(drawn, NAMES);
  // Legend: observed and expected per series; band edges are hidden from it.
  const legend = page.locator('[data-testid^="data-testid VizLegend series"]');
  for (const name of NAMES) {
    await expect(legend.getByText(name, { exact: true })).toBeVisible();
    await expect(legend.getByText(`${name} expected`, { exact: true })).toBeVisible();
  }
  await expect(legend.getByText(`${NAMES[0]} upper`, { exact: true })).toHaveCount(0);
  await screenshot(page, 'screenshots/panel-embedded.png');
  expect(errors).toEqual([]);
});

test('switching the theme redraws the panel in the new theme', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 2);
  const legendColor = () =>
    page.evaluate(() => getComputedStyle(document.querySelector('[data-testid^="data-testid VizLegend series"]')!).color);
  const draws = async () => Number(await page.getByTestId('foresight-markers').getAttribute('data-draws'));
  const [darkLegend, drawsBefore] = [await legendColor(), await draws()];
  await page.evaluate(() => window.foresightHarness.setTheme('light'));
  await expect.poll(legendColor).not.toBe(darkLegend);
  // The chart itself is drawn again, with its bands.
  await expect.poll(draws).toBeGreaterThan(drawsBefore);
  expectBaselineAndBand(await waitForDrawn(page, 2), NAMES);
  expect(errors).toEqual([]);
});

test('the light theme draws too', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(`${server.url}?theme=light`);
  expectBaselineAndBand(await waitForDrawn(page, 2), NAMES);
  await screenshot(page, 'screenshots/panel-light.png');
  expect(errors).toEqual([]);
});

test('the release engine package (after wasm-opt) loads in Chromium and computes', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 2);
  const result = await page.evaluate(async () => {
    const mod = await import('/wasm/foresight_wasm.js' as string);
    await mod.default();
    const ts = Float64Array.from({ length: 60 }, (_, i) => i * 60_000);
    const vs = Float64Array.from({ length: 60 }, (_, i) => (i === 30 ? 100 : 10 + Math.sin(i)));
    const b = mod.rollingBaseline(ts, vs, { bandSigmas: 3 });
    let error = '';
    try {
      mod.rollingBaseline(new Float64Array(0), new Float64Array(0), undefined);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    return { version: mod.version(), n: b.expected.length, upper30: b.upper[30], expected30: b.expected[30], error };
  });
  expect(result.version).toMatch(/^\d+\.\d+\.\d+/);
  expect(result.n).toBe(60);
  expect(result.upper30).toBeLessThan(100);
  expect(Math.abs(result.expected30 - 10)).toBeLessThan(1.5);
  expect(result.error).toContain('empty');
  expect(errors).toEqual([]);
});
