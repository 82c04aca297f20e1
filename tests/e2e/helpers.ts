import { expect, Page } from '@playwright/test';

export interface Drawn {
  series: Array<{ label: string; show: boolean; points: number }>;
  bands: number;
}

/** Collects everything the page reports as an error: console errors and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()} (${m.location().url})`));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/** Waits until the panel analysed every series and uPlot drew them; returns what was drawn. */
export async function waitForDrawn(page: Page, seriesCount: number): Promise<Drawn> {
  const panel = page.getByTestId('foresight-panel');
  await expect(panel).toHaveAttribute('data-total', String(seriesCount));
  await expect(panel).toHaveAttribute('data-analysed', String(seriesCount));
  const probe = page.getByTestId('foresight-drawn');
  await expect
    .poll(async () => {
      const raw = await probe.getAttribute('data-drawn');
      const drawn: Drawn | null = raw ? JSON.parse(raw) : null;
      return drawn ? drawn.series.filter((s) => s.show && s.points > 0).length : 0;
    })
    .toBe(seriesCount * 4);
  return JSON.parse((await probe.getAttribute('data-drawn'))!);
}

/** For every series name: observed, expected and both band edges drawn with points, one band each. */
export function expectBaselineAndBand(drawn: Drawn, names: string[]) {
  const byLabel = new Map(drawn.series.map((s) => [s.label, s]));
  for (const name of names) {
    for (const label of [name, `${name} expected`, `${name} upper`, `${name} lower`]) {
      const s = byLabel.get(label);
      expect(s, `series "${label}" drawn`).toBeDefined();
      expect(s!.show).toBe(true);
      expect(s!.points).toBeGreaterThan(100);
    }
  }
  expect(drawn.bands).toBe(names.length);
}
