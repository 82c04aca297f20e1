import { expect, Page, test } from '@playwright/test';

export interface Drawn {
  series: Array<{ label: string; show: boolean; points: number; firstTime: number | null; max: number | null }>;
  bands: number;
  xMax: number;
  /** Anomaly markers drawn, per "<series> <kind> anomalies". */
  markers: Record<string, number>;
}

/**
 * Saves a screenshot of the page under tests/screenshots: those in the repository show the panel
 * in the newest runtime (Grafana 13), so the other runtimes' projects take none.
 */
export async function screenshot(page: Page, path: string) {
  if (test.info().project.name === 'grafana-13') {
    await page.screenshot({ path });
  }
}

/** Collects everything the page reports as an error: console errors and uncaught exceptions. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()} (${m.location().url})`));
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  return errors;
}

/**
 * Waits until the panel analysed every series (detection and, with `forecasts`, a forecast
 * each) and uPlot drew them; returns what was drawn.
 */
export async function waitForDrawn(page: Page, seriesCount: number, { forecasts = false } = {}): Promise<Drawn> {
  const panel = page.getByTestId('foresight-panel');
  await expect(panel).toHaveAttribute('data-total', String(seriesCount));
  await expect(panel).toHaveAttribute('data-analysed', String(seriesCount));
  await expect(panel).toHaveAttribute('data-done', 'true', { timeout: 90_000 });
  const probe = page.getByTestId('foresight-drawn');
  const read = async (): Promise<Drawn | null> => {
    const raw = await probe.getAttribute('data-drawn');
    const markers = await page.getByTestId('foresight-markers').getAttribute('data-markers');
    return raw ? { ...JSON.parse(raw), markers: markers ? JSON.parse(markers) : {} } : null;
  };
  await expect
    .poll(async () => {
      const drawn = await read();
      const shown = drawn?.series.filter((s) => s.show && s.points > 0) ?? [];
      const bands = shown.filter((s) => s.label.endsWith(' upper') && !s.label.includes(' forecast ')).length;
      const forecastLines = shown.filter((s) => s.label.endsWith(' forecast')).length;
      return bands === seriesCount && (!forecasts || forecastLines === seriesCount);
    })
    .toBe(true);
  return (await read())!;
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
  expect(drawn.bands).toBeGreaterThanOrEqual(names.length);
}

/** For every series name: a forecast line (and its band) starting after the series' last point. */
export function expectForecast(drawn: Drawn, names: string[], lastTime: number) {
  const byLabel = new Map(drawn.series.map((s) => [s.label, s]));
  for (const name of names) {
    for (const label of [`${name} forecast`, `${name} forecast upper`, `${name} forecast lower`]) {
      const s = byLabel.get(label);
      expect(s, `series "${label}" drawn`).toBeDefined();
      expect(s!.points).toBeGreaterThan(5);
      expect(s!.firstTime!).toBeGreaterThan(lastTime);
    }
  }
  expect(drawn.xMax).toBeGreaterThan(lastTime);
}

/** The anomaly markers drawn over the chart, per "<series> <kind> anomalies", with their counts. */
export function drawnMarkers(drawn: Drawn): Record<string, number> {
  return drawn.markers;
}

declare global {
  interface Window {
    /** Test hooks of the harness page (tests/harness/src/index.tsx). */
    foresightHarness: {
      runtime: { grafana: string; react: string };
      timeRangeChanges: Array<{ from: number; to: number }>;
      setTimeRange: (r: { from: number; to: number }) => Promise<void>;
      setOptions: (changes: Record<string, unknown>) => void;
      options: () => Record<string, unknown>;
      fieldConfig: () => { defaults: Record<string, unknown>; registry: string[] };
      setTheme: (name: 'dark' | 'light') => void;
      backendPosts: Array<{ url: string; data: { tags: string[]; time: number; timeEnd: number; text: string } }>;
      setAnnotations: (list: Array<{ time: number; timeEnd?: number; text: string; tags?: string[] }>) => void;
      dataSupport: () => { annotations?: boolean; alertStates?: boolean } | undefined;
      panelAnnotationCount: () => number | undefined;
      queries: Array<{ from: number; to: number; stepMs: number; requestId: string }>;
      setPanelSize: (size: { width: number; height: number }) => void;
      setRefresh: (interval: string) => void;
      removePanel: () => void;
    };
  }
}
