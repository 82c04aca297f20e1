import { expect, test } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHarnessServer } from '../harness/server.mjs';
import { startPrometheus } from '../harness/prometheus.mjs';
import { queryRangeFrames } from '../harness/promFrames.mjs';
import { LABELS, METRIC, nabSeries, QUERY, STEP_MS } from '../fixtures/nab.mjs';
import { collectErrors, drawnMarkers, expectBaselineAndBand, expectForecast, waitForDrawn, screenshot } from './helpers';

// A real CloudWatch CPU series with two labelled anomaly windows (NAB), backfilled into a real
// Prometheus on 127.0.0.1 and read back through /api/v1/query_range as Grafana does.
const NAME = `${METRIC}{instance="${LABELS.instance}", job="${LABELS.job}"}`;
const nab = nabSeries();
let prom: { url: string; stop: () => Promise<void> };
let server: { url: string; close: () => Promise<void> };

test.beforeAll(async () => {
  prom = await startPrometheus(nab.series);
  server = await startHarnessServer({
    // The page's data source may ask for another range (the panel's training query).
    frames: (range?: { start: number; end: number; stepMs: number }) =>
      queryRangeFrames(prom.url, { query: QUERY, start: nab.start, end: nab.end, stepMs: STEP_MS, ...range }),
  });
});

test.afterAll(async () => {
  await server?.close();
  await prom?.stop();
});

interface Row {
  start: number;
  end: number;
  kind: string;
}
const rows = (page: import('@playwright/test').Page): Promise<Row[]> =>
  page.getByTestId('foresight-incident').evaluateAll((els) =>
    els.map((el) => ({ start: Number(el.dataset.start), end: Number(el.dataset.end), kind: el.dataset.kind ?? '' }))
  );

test('flags the labelled anomalies, lists the incidents and forecasts past the end', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  const drawn = await waitForDrawn(page, 1, { forecasts: true });
  expectBaselineAndBand(drawn, [NAME]);
  expectForecast(drawn, [NAME], nab.end);
  expect(Object.keys(drawnMarkers(drawn)).length).toBeGreaterThan(0);
  // Markers are drawn at the labelled anomaly times: some in every labelled window.
  const markerTimes: number[] = JSON.parse((await page.getByTestId('foresight-markers').getAttribute('data-marker-times')) ?? '[]');
  for (const [from, to] of nab.windows) {
    expect(markerTimes.some((t) => t >= from && t <= to), `a marker in ${new Date(from).toISOString()}`).toBe(true);
  }
  // Each incident's time range is shaded under the series.
  const regions = Number(await page.getByTestId('foresight-regions').getAttribute('data-regions'));
  expect(regions).toBeGreaterThan(0);
  expect(regions).toBeLessThanOrEqual(Number(await page.getByTestId('foresight-panel').getAttribute('data-incidents')));

  const incidents = await rows(page);
  expect(incidents.length).toBeGreaterThan(0);
  // Sorted by score, and every labelled window holds at least one incident.
  for (const [from, to] of nab.windows) {
    expect(incidents.some((i) => i.end >= from && i.start <= to), `an incident in ${new Date(from).toISOString()}`).toBe(true);
  }
  // The worst incidents say which component of the Prophet fit moved (engine attribution).
  const hints = await page.getByTestId('foresight-hint').allTextContents();
  expect(hints.slice(0, 5).every((h) => /spike|sustained departure|trend change|seasonal pattern changed|event effect|no other series/.test(h))).toBe(true);
  // One series: the hint says there is nothing to compare with rather than inventing peers.
  expect(hints.some((h) => h.includes('no other series to compare with'))).toBe(true);
  expect(hints.some((h) => /spike|trend change|seasonal pattern changed|event effect/.test(h))).toBe(true);
  const scores = await page.getByTestId('foresight-incident').evaluateAll((els) => els.map((el) => Number(el.querySelector('td')?.textContent)));
  expect(scores).toEqual([...scores].sort((a, b) => b - a));
  await screenshot(page, 'screenshots/panel-anomalies.png');
  expect(errors).toEqual([]);
});

test('clicking an incident zooms the dashboard to it', async ({ page }) => {
  await page.goto(server.url);
  await waitForDrawn(page, 1);
  const first = (await rows(page))[0];
  await page.getByTestId('foresight-incident').first().click();
  const changes = await page.evaluate(() => window.foresightHarness.timeRangeChanges);
  expect(changes).toHaveLength(1);
  expect(changes[0].from).toBeLessThan(first.start);
  expect(changes[0].to).toBeGreaterThan(first.end);
  expect(changes[0].to - changes[0].from).toBeLessThan(nab.end - nab.start);
});

test('option changes redraw: the fast model drops the forecast, the incidents list can be hidden', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1, { forecasts: true });
  await page.evaluate(() => window.foresightHarness.setOptions({ model: 'fast', showIncidents: false }));
  const panel = page.getByTestId('foresight-panel');
  await expect(page.getByTestId('foresight-incidents')).toHaveCount(0);
  await expect(panel).toHaveAttribute('data-done', 'true');
  await expect
    .poll(async () => {
      const raw = await page.getByTestId('foresight-drawn').getAttribute('data-drawn');
      const drawn = JSON.parse(raw ?? '{"series":[]}') as { series: Array<{ label: string; points: number }> };
      return drawn.series.filter((s) => s.label.includes(' forecast') && s.points > 0).length;
    })
    .toBe(0);
  // The band is still there.
  expectBaselineAndBand(await waitForDrawn(page, 1), [NAME]);
  expect(errors).toEqual([]);
});

test('the tooltip gives actual, expected, band, score and kind at the hovered time', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1);
  const plot = page.locator('.u-over').first();
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
  const tooltip = page.getByTestId('foresight-tooltip');
  await expect(tooltip).toBeVisible();
  await expect(tooltip).toContainText(NAME);
  await expect(tooltip).toContainText(/expected [\d.]+ · band [\d.]+ – [\d.]+ · score [\d.]+/);
  await screenshot(page, 'screenshots/panel-tooltip.png');
  expect(errors).toEqual([]);
});

test('learns from three times the visible range, queried through the panel data source', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1);
  const DAY = 86_400_000;
  const from = nab.end - 2 * DAY;
  await page.evaluate(([f, t]) => window.foresightHarness.setTimeRange({ from: f, to: t }), [from, nab.end]);
  const panel = page.getByTestId('foresight-panel');
  // Two visible days are 577 points at 5 min; the history query brings six days.
  await expect.poll(async () => Number(await panel.getAttribute('data-trained-points'))).toBeGreaterThan(1700);
  await expect(panel).toHaveAttribute('data-done', 'true');
  const incidents = await rows(page);
  expect(incidents.every((i) => i.end >= from && i.start <= nab.end)).toBe(true);
  await expect(page.getByTestId('foresight-status')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('a refresh forecasts from the cached model; an option change refits', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1, { forecasts: true });
  const panel = page.getByTestId('foresight-panel');
  await expect(panel).toHaveAttribute('data-forecasts-from-cache', '0');
  // A refresh: the same range queried again, new frames, a new analysis.
  await page.evaluate(([f, t]) => window.foresightHarness.setTimeRange({ from: f, to: t }), [nab.start, nab.end]);
  await expect(panel).toHaveAttribute('data-forecasts-from-cache', '1');
  await expect(panel).toHaveAttribute('data-done', 'true');
  await page.evaluate(() => window.foresightHarness.setOptions({ changepointPriorScale: 0.2 }));
  await expect(panel).toHaveAttribute('data-forecasts-from-cache', '0');
  await expect(panel).toHaveAttribute('data-forecasts', '1');
  await expect(panel).toHaveAttribute('data-done', 'true');
  expect(errors).toEqual([]);
});

test('says when the forecast crosses a threshold, and draws the threshold', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1, { forecasts: true });
  // CPU runs around 1.8: a threshold of 1 is already exceeded, one of 50 is never reached.
  await page.evaluate(() => window.foresightHarness.setOptions({ threshold: 1, thresholdDirection: 'above' }));
  const row = page.getByTestId('foresight-crossing');
  await expect(row).toHaveAttribute('data-kind', 'alreadyBeyond');
  await expect(row).toContainText(NAME);
  await page.evaluate(() => window.foresightHarness.setOptions({ threshold: 50 }));
  await expect(row).toHaveAttribute('data-kind', /notWithinHorizon|neverReaches/);
  await expect(row).not.toHaveText(/^\s*$/);
  await screenshot(page, 'screenshots/panel-threshold.png');
  expect(errors).toEqual([]);
});

test('alert rules for the panel query pass promtool; incidents are saved as tagged annotations', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1);
  await page.getByRole('button', { name: 'Alert rules' }).click();
  const yaml = await page.getByTestId('foresight-rules').textContent();
  expect(yaml).toContain(METRIC);
  expect(yaml).toContain('alert:');
  await screenshot(page, 'screenshots/panel-alert-rules.png');
  const dir = mkdtempSync(join(tmpdir(), 'foresight-rules-'));
  writeFileSync(join(dir, 'rules.yml'), yaml!);
  const check = spawnSync('promtool', ['check', 'rules', join(dir, 'rules.yml')], { encoding: 'utf8' });
  expect(check.status, check.stdout + check.stderr).toBe(0);
  await page.keyboard.press('Escape');

  const visible = (await rows(page)).length;
  await page.getByRole('button', { name: 'Save as annotations' }).click();
  await expect(page.getByTestId('foresight-saved')).toContainText(`saved ${visible} annotations`);
  const posts = await page.evaluate(() => window.foresightHarness.backendPosts);
  expect(posts).toHaveLength(visible);
  expect(posts.every((p) => p.url === '/api/annotations' && p.data.tags.includes('foresight') && p.data.timeEnd >= p.data.time)).toBe(true);
  expect(errors).toEqual([]);
});

test('a dashboard annotation during an incident is named as its likely cause', async ({ page }) => {
  const errors = collectErrors(page);
  await page.goto(server.url);
  await waitForDrawn(page, 1);
  const first = (await rows(page))[0];
  await page.evaluate(([t, e]) => window.foresightHarness.setAnnotations([{ time: t, timeEnd: e, text: 'deploy <b>v2</b>' }]), [
    first.start - 60_000,
    first.end + 60_000,
  ]);
  await expect(page.getByTestId('foresight-hint').first()).toContainText('during "deploy v2"');
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  // Turned off in the options: annotations are neither events nor causes.
  await page.evaluate(() => window.foresightHarness.setOptions({ useAnnotations: false }));
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  await expect(page.getByTestId('foresight-hint').first()).not.toContainText('deploy v2');
  expect(errors).toEqual([]);
});
