import { expect, test } from '@playwright/test';
import { startHarnessServer } from '../harness/server.mjs';
import { collectErrors, screenshot } from './helpers';

const T0 = 1_700_000_000_000;
const time = (n: number) => ({ name: 'Time', type: 'time', config: { interval: 15000 }, values: Array.from({ length: n }, (_, i) => T0 + i * 15000) });
const frame = (fields: object[]) => ({
  schema: { refId: 'A', meta: { type: 'timeseries-multi' }, fields: fields.map(({ values, ...f }: any) => f) },
  data: { values: fields.map((f: any) => f.values) },
});
const value = (values: Array<number | null>, labels = { job: 'api' }) => ({ name: 'Value', type: 'number', labels, config: {}, values });

const cases: Array<{ name: string; frames: object[]; message: RegExp }> = [
  { name: 'no data', frames: [], message: /No data/ },
  {
    name: 'only non-numeric fields',
    frames: [frame([time(3), { name: 'status', type: 'string', config: {}, values: ['ok', 'ok', 'down'] }])],
    message: /no numeric fields/,
  },
  { name: 'one point', frames: [frame([time(1), value([4.2])])], message: /too few points: 3 numeric points are needed, the series has 1/ },
  { name: 'all NaN / null', frames: [frame([time(4), value([null, null, null, null])])], message: /no numeric values/ },
  {
    name: 'a frame without a time field',
    frames: [frame([value([1, 2, 3])])],
    message: /not a time series/,
  },
  {
    name: 'label values with HTML are text',
    frames: [frame([time(1), value([1], { job: '<img src=x onerror="window.__xss=1">' })])],
    message: /too few points/,
  },
];

let server: { url: string; close: () => Promise<void> };
test.beforeAll(async () => {
  server = await startHarnessServer({ frames: async () => [] });
});
test.afterAll(async () => server?.close());

for (const c of cases) {
  test(`bad input: ${c.name} shows a message, not a blank panel`, async ({ page }) => {
    const errors = collectErrors(page);
    await page.route(/\/frames\.json(\?|$)/, (route) => route.fulfill({ json: c.frames }));
    await page.goto(server.url);
    const message = page.getByTestId('foresight-message');
    await expect(message).toBeVisible();
    await expect(message).toContainText(c.message);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    if (c.name === 'one point') {
      await screenshot(page, 'screenshots/panel-message.png');
    }
    expect(errors).toEqual([]);
  });
}

test('an engine that fails to load: the data is still drawn, the status line gives the error', async ({ page }) => {
  const frames = [frame([time(200), value(Array.from({ length: 200 }, (_, i) => 10 + Math.sin(i / 10)))])];
  await page.route(/\/frames\.json(\?|$)/, (route) => route.fulfill({ json: frames }));
  await page.route('**/*.wasm', (route) => route.abort());
  await page.goto(server.url);
  await expect(page.getByTestId('foresight-failure')).toContainText('Could not load the Foresight engine');
  await expect(page.getByTestId('foresight-panel')).toHaveAttribute('data-done', 'true');
  const raw = await page.getByTestId('foresight-drawn').getAttribute('data-drawn');
  expect(JSON.parse(raw ?? '{"series":[]}').series[0].points).toBe(200);
});

test('a browser without WebAssembly: the data is still drawn, the status line says so', async ({ page }) => {
  const frames = [frame([time(200), value(Array.from({ length: 200 }, (_, i) => 10 + Math.sin(i / 10)))])];
  await page.route(/\/frames\.json(\?|$)/, (route) => route.fulfill({ json: frames }));
  // The engine worker as it runs where WebAssembly is disabled (e.g. by policy).
  await page.route(/foresight-worker\.js/, async (route) => {
    const original = await route.fetch();
    route.fulfill({ response: original, body: `self.WebAssembly = undefined;\n${await original.text()}` });
  });
  await page.goto(server.url);
  await expect(page.getByTestId('foresight-failure')).toContainText('WebAssembly is not available in this browser');
  const raw = await page.getByTestId('foresight-drawn').getAttribute('data-drawn');
  expect(JSON.parse(raw ?? '{"series":[]}').series[0].points).toBe(200);
});

