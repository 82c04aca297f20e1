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

test('the legend and the time axis are laid out for the results before they arrive', async ({ page }) => {
  const errors = collectErrors(page);
  // The engine's worker held back: the panel draws the series with no result yet.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route(/foresight-worker\.js/, async (route) => {
    await held;
    await route.continue();
  });
  await page.goto(server.url);
  const panel = page.getByTestId('foresight-panel');
  const entries = () =>
    page
      .locator('[data-testid^="data-testid VizLegend series"]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')!.replace('data-testid VizLegend series ', '')));
  const drawn = async () => JSON.parse((await page.getByTestId('foresight-drawn').getAttribute('data-drawn')) ?? 'null');
  await expect.poll(drawn).not.toBeNull();
  await expect(panel).toHaveAttribute('data-analysed', '0');
  // Listed already: each series, its expected line and its forecast (band edges never are).
  const before = await entries();
  expect([...before].sort()).toEqual(NAMES.flatMap((n) => [n, `${n} expected`, `${n} forecast`]).sort());
  // The axis reaches where the forecasts will end, past the data.
  const xMaxBefore = (await drawn()).xMax;
  const lastTime = Math.max(...fixture.map((f: { data: { values: number[][] } }) => f.data.values[0].at(-1)!));
  expect(xMaxBefore).toBeGreaterThan(lastTime);
  const rangeBefore = await panel.getAttribute('data-range-to');
  release();
  // The results land: the legend and the axis stay where they were.
  const after = await waitForDrawn(page, 2, { forecasts: true });
  expect(await entries()).toEqual(before);
  expect(await panel.getAttribute('data-range-to')).toBe(rangeBefore);
  expect(after.xMax).toBe(xMaxBefore);
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
