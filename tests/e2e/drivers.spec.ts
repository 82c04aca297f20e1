import { expect, Page, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { startPrometheus } from '../harness/prometheus.mjs';
import { queryRangeFrames } from '../harness/promFrames.mjs';
import { collectErrors, Drawn, screenshot, waitForDrawn } from './helpers';

// Issue 19: a service metric driven by a business metric, in a real Prometheus. The service's
// CPU is 15 + 0.5 x orders/s plus its own small daily cycle; orders have a business-hours profile
// and campaigns (x1.3) in the history. The orders series is also known for the day ahead (a
// planned campaign doubling them, as a plan or a forecast from the business side would give):
// with orders as the panel's driver the CPU forecast follows the campaign, without it the CPU
// forecast is an ordinary day.
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const STEP_MS = 15 * MIN;
const END_MS = Date.UTC(2024, 2, 1); // Friday 2024-03-01 00:00Z: the planned campaign that day
const FIRST_MS = END_MS - 28 * DAY;
const OWN_MS = END_MS - 3 * DAY + 9 * HOUR;
const CPU = 'api_cpu_percent{job="api"}';
const ORDERS = 'shop_orders_per_second{job="shop"}';

let seed = 19;
const noise = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5;
const campaign = (t: number) => {
  const days = (t - END_MS) / DAY;
  if (days >= 2 / 24 && days < 20 / 24) {
    return 2; // planned
  }
  return (days >= -15 && days < -14) || (days >= -1.5 && days < -1) ? 1.3 : 1;
};
const orders: Array<[number, number]> = [];
const cpu: Array<[number, number]> = [];
/** The CPU the planned day will see (without noise): what a forecast that knows the plan should say. */
let plannedMax = -Infinity;
for (let t = FIRST_MS; t <= END_MS + DAY; t += STEP_MS) {
  const hour = (t % DAY) / HOUR;
  const weekend = [0, 6].includes(new Date(t).getUTCDay());
  const business = Math.max(0, Math.sin((Math.PI * (hour - 8)) / 12));
  const o = (50 + (weekend ? 10 : 30) * business) * campaign(t) + 4 * noise();
  orders.push([t / 1000, o]);
  // The CPU's own incident, which orders do not explain: Tuesday 27 Feb 09:00-11:00, +15.
  const own = t >= OWN_MS && t < OWN_MS + 2 * HOUR ? 15 : 0;
  const load = 15 + 0.5 * o + 3 * Math.sin((2 * Math.PI * hour) / 24) + own;
  if (t <= END_MS) {
    cpu.push([t / 1000, load + 2 * noise()]);
  } else {
    plannedMax = Math.max(plannedMax, load);
  }
}
const historyMax = Math.max(...cpu.map(([, v]) => v));

let prom: { url: string; stop: () => Promise<void> };
test.beforeAll(async () => {
  prom = await startPrometheus([
    { name: 'api_cpu_percent', labels: { job: 'api' }, samples: cpu },
    {
      name: 'shop_orders_per_second',
      labels: { job: 'shop' },
      samples: orders,
    },
  ]);
});
test.afterAll(async () => prom?.stop());

/**
 * Query A (CPU) up to now, query B (orders) to the end of the planned day, as Grafana would
 * hand them to the panel; the panel's longer training query asks for its own range. `ordersStep`
 * multiplies B's step (a driver at another step); `ordersEnd` cuts B short (no plan in its data).
 */
function harness(ordersStep = 1, ordersEnd = Infinity) {
  return startHarnessServer({
    frames: async (range?: { start: number; end: number; stepMs: number }) => {
      const start = range?.start ?? END_MS - 7 * DAY;
      const end = range?.end ?? END_MS + DAY;
      const stepMs = range?.stepMs || STEP_MS;
      const a = await queryRangeFrames(prom.url, {
        query: 'api_cpu_percent',
        start,
        end: Math.min(end, END_MS),
        stepMs,
        refId: 'A',
      });
      const b = await queryRangeFrames(prom.url, {
        query: 'shop_orders_per_second',
        start,
        end: Math.min(end, ordersEnd),
        stepMs: stepMs * ordersStep,
        refId: 'B',
      });
      return [...a, ...b];
    },
  });
}

const label = (drawn: Drawn, name: string) => drawn.series.find((s) => s.label === name);
/** The drawn CPU forecast's maximum, once it satisfies `ok` (the analysis may still be rerunning). */
async function cpuForecastMax(page: Page, ok: (max: number) => boolean): Promise<number> {
  await waitForDrawn(page, 2, { forecasts: true });
  let max = NaN;
  await expect
    .poll(
      async () => {
        const raw = await page.getByTestId('foresight-drawn').getAttribute('data-drawn');
        const drawn = raw ? (JSON.parse(raw) as Drawn) : undefined;
        max = (drawn && label(drawn, `${CPU} forecast`)?.max) ?? NaN;
        return ok(max);
      },
      { timeout: 60_000 }
    )
    .toBe(true);
  return max;
}

test('with orders as the driver the CPU forecast follows the planned campaign; without, it does not', async ({
  page,
}) => {
  const errors = collectErrors(page);
  const server = await harness();
  try {
    await page.goto(server.url);
    await expect(page.getByTestId('foresight-panel')).toBeVisible();
    await page.evaluate(() =>
      window.foresightHarness.setOptions({
        horizon: '1d',
        trainingMultiple: 3,
      })
    );
    const without = await cpuForecastMax(page, (m) => Number.isFinite(m));
    // An ordinary Friday: no higher than the history's busiest hours.
    expect(without).toBeLessThan(historyMax);
    // Without the driver, the CPU of the past campaign (Wednesday afternoon) is an incident.
    const cpuCampaign = page
      .getByTestId('foresight-incidents')
      .locator('tr')
      .filter({ has: page.getByRole('cell', { name: CPU, exact: true }) })
      .filter({ hasText: '2024-02-28' });
    await expect(cpuCampaign).not.toHaveCount(0);
    const scoreOf = async () =>
      Math.max(...(await cpuCampaign.locator('td:first-child').allTextContents()).map(Number));
    const scoreWithout = await scoreOf();

    await page.evaluate(() => window.foresightHarness.setOptions({ drivers: 'job="shop"' }));
    // The campaign doubles orders: CPU ~ 15 + 0.5 x 160, well above anything in the history.
    const withDriver = await cpuForecastMax(page, (m) => m > 1.15 * historyMax);
    expect(Math.abs(withDriver - plannedMax)).toBeLessThan(0.1 * plannedMax);
    // The driver's own forecast is drawn as well; no note: the driver served.
    const drawn = await waitForDrawn(page, 2, { forecasts: true });
    expect(label(drawn, `${ORDERS} forecast`)).toBeDefined();
    const notes = await page.getByTestId('foresight-status').allTextContents();
    expect(notes.join(' ')).not.toContain('driver');
    // With it, the campaign is the driver's doing: no longer an incident of the CPU, while the
    // CPU's own incident (Tuesday 09:00, orders ordinary) still is.
    expect(scoreWithout).toBeGreaterThan(1);
    await expect(cpuCampaign).toHaveCount(0);
    const cpuOwn = page
      .getByTestId('foresight-incidents')
      .locator('tr')
      .filter({ has: page.getByRole('cell', { name: CPU, exact: true }) })
      .filter({ hasText: '2024-02-27' });
    await expect(cpuOwn).not.toHaveCount(0);
    // The tooltip says the CPU forecast depends on the driver's.
    const plot = page.locator('.u-over').first();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await expect(page.getByTestId('foresight-tooltip')).toContainText(`forecast depends on the forecast of ${ORDERS}`);
    await page.mouse.move(0, 0);
    // The CPU's own incident is not put on the driver (the orders' morning rise is their usual day).
    await expect(cpuOwn.first()).not.toContainText('followed');
    await screenshot(page, 'screenshots/panel-drivers.png');

    // Weekday and weekend daily profiles (conditional seasonalities) with the driver: refitted,
    // the forecast still follows the plan, nothing refused.
    const panel = page.getByTestId('foresight-panel');
    await page.evaluate(() => window.foresightHarness.setOptions({ weekdayWeekend: true }));
    await expect(panel).toHaveAttribute('data-forecasts', '0');
    await expect(panel).toHaveAttribute('data-forecasts', '2');
    const profiles = await cpuForecastMax(page, (m) => Number.isFinite(m));
    expect(Math.abs(profiles - plannedMax)).toBeLessThan(0.1 * plannedMax);
    expect((await page.getByTestId('foresight-status').allTextContents()).join(' ')).not.toContain('forecast');
  } finally {
    await page.close();
    await server.close();
  }
  expect(errors).toEqual([]);
});

test("a dashboard annotation planning the driver's level: the CPU forecast follows it, bad ones are noted", async ({
  page,
}) => {
  const errors = collectErrors(page);
  // The orders query stops at now: the planned campaign is known only from the annotation.
  const server = await harness(1, END_MS);
  try {
    await page.goto(server.url);
    await expect(page.getByTestId('foresight-panel')).toBeVisible();
    // Grafana asks annotation queries for the dashboard's range: it reaches the day ahead.
    await page.evaluate(([from, to]) => window.foresightHarness.setTimeRange({ from, to }), [
      END_MS - 7 * DAY,
      END_MS + DAY,
    ]);
    await page.evaluate(() =>
      window.foresightHarness.setOptions({ horizon: '1d', trainingMultiple: 3, drivers: 'B' })
    );
    // With the driver's own forecast only, an ordinary Friday.
    const ownForecast = await cpuForecastMax(page, (m) => Number.isFinite(m));
    expect(ownForecast).toBeLessThan(historyMax);

    // Orders planned at 160/s from 02:00 to 20:00 (a campaign), and an annotation the panel
    // cannot read, which must not spoil the rest.
    const level = 160;
    const text = `shop_orders_per_second = ${level} spring campaign`;
    await page.evaluate(
      ([start, end, text]) =>
        window.foresightHarness.setAnnotations([
          { time: start, timeEnd: end, text, tags: ['driver'] },
          { time: start, timeEnd: end, text: 'driver B = lots' },
        ]),
      [END_MS + 2 * HOUR, END_MS + 20 * HOUR, text] as const
    );
    // The CPU the plan implies at its worst hour (06:00, the top of the CPU's own daily cycle).
    const expected = 15 + 0.5 * level + 3;
    const planned = await cpuForecastMax(page, (m) => m > 1.15 * historyMax);
    expect(Math.abs(planned - expected)).toBeLessThan(0.1 * expected);
    // The driver's own drawn forecast shows the planned level too.
    const drawn = await waitForDrawn(page, 2, { forecasts: true });
    expect(label(drawn, `${ORDERS} forecast`)?.max).toBeCloseTo(level, 6);
    expect(planned - ownForecast).toBeGreaterThan(0.5 * (expected - ownForecast));
    const status = page.getByTestId('foresight-status');
    await expect(status).toContainText('driver annotation "driver B = lots" not used: the level "lots" is not a number');
    expect((await status.allTextContents()).join(' ')).not.toContain('no driver of the panel');
    // The tooltip says where the driver's future came from.
    const plot = page.locator('.u-over').first();
    const box = (await plot.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await expect(page.getByTestId('foresight-tooltip')).toContainText(
      `forecast depends on ${ORDERS}: planned level ${level} from annotation "${text}" (2024-03-01 02:00 – 2024-03-01 20:00), its own forecast elsewhere`
    );
    await page.mouse.move(0, 0);
  } finally {
    await page.close();
    await server.close();
  }
  expect(errors).toEqual([]);
});

test('a driver at another step is left out with a note, never a blank panel', async ({ page }) => {
  const errors = collectErrors(page);
  const server = await harness(2);
  try {
    await page.goto(server.url);
    await expect(page.getByTestId('foresight-panel')).toBeVisible();
    await page.evaluate(() => window.foresightHarness.setOptions({ horizon: '1d', drivers: 'B' }));
    await waitForDrawn(page, 2, { forecasts: true });
    await expect(page.getByTestId('foresight-status')).toContainText(
      /driver .* not used: it (is at another step|has gaps)/
    );
  } finally {
    await page.close();
    await server.close();
  }
  expect(errors).toEqual([]);
});
