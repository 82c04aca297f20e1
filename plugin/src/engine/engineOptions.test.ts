import { defaultOptions, ForesightOptions } from '../types';
import {
  alertRuleOptions,
  annotationEvents,
  driverAnnotations,
  buildAnalyzeOptions,
  durationMs,
  eventsDuring,
  forecastEnd,
  futureTimestamps,
  MAX_FORECAST_POINTS,
  medianStep,
  parseShockWindows,
} from './engineOptions';

const opts = (o: Partial<ForesightOptions> = {}): ForesightOptions => ({ ...defaultOptions, ...o });
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('buildAnalyzeOptions: drivers and weekday / weekend profiles', () => {
  it('passes the drivers option as matchers and reports parts it cannot read', () => {
    const { options, errors } = buildAnalyzeOptions(opts({ drivers: 'B, job="shop", ?' }), 5 * MIN, DAY);
    expect(options.drivers).toEqual([{ refId: 'B' }, { labels: { job: 'shop' } }]);
    expect(errors.some((e) => e.includes('?'))).toBe(true);
    expect(buildAnalyzeOptions(opts(), 5 * MIN, DAY).options.drivers).toEqual([]);
  });

  it('replaces the daily seasonality by weekday and weekend profiles on their built-in conditions', () => {
    const { options } = buildAnalyzeOptions(opts({ weekdayWeekend: true }), 5 * MIN, 7 * DAY);
    expect(options.prophet.daily_seasonality).toBe(false);
    expect(options.prophet.weekly_seasonality).toBe('auto');
    expect(options.prophet.seasonalities?.map((s) => [s.name, s.period, s.condition_name])).toEqual([
      ['daily_weekday', 1, 'weekday'],
      ['daily_weekend', 1, 'weekend'],
    ]);
    // Only where a daily seasonality would be fitted.
    const weekly = buildAnalyzeOptions(opts({ weekdayWeekend: true, seasonality: 'weekly' }), 5 * MIN, 7 * DAY);
    expect(weekly.options.prophet.seasonalities).toBeUndefined();
  });
});

describe('buildAnalyzeOptions', () => {
  it('gives working defaults: detected seasonality, both directions, a quarter of the range ahead', () => {
    const { options, errors } = buildAnalyzeOptions(opts(), 5 * MIN, 7 * DAY);
    expect(errors).toEqual([]);
    expect(options.detector).toMatchObject({ sensitivity: 0.5, direction: 'both', period: undefined, peer: true });
    expect(options.prophet).toMatchObject({
      daily_seasonality: 'auto',
      weekly_seasonality: 'auto',
      interval_width: 0.8,
    });
    expect(options.horizonMs).toBe((7 * DAY) / 4);
    expect(options.prophet.cap).toBeUndefined();
    // Forecasts stop sooner than Stan's default (10^4), from sufficient statistics: docs/prophet.md.
    expect(options.prophet.optimize?.tol_rel_obj).toBeGreaterThan(1e4);
    expect(options.prophet.optimize?.sufficientStatistics).toBe(true);
  });

  it('turns a named seasonality into the detector period in points and Prophet switches', () => {
    const { options } = buildAnalyzeOptions(opts({ seasonality: 'daily' }), 5 * MIN, DAY);
    expect(options.detector.period).toBe(288);
    expect(options.prophet).toMatchObject({
      daily_seasonality: true,
      weekly_seasonality: false,
      yearly_seasonality: false,
    });
    const custom = buildAnalyzeOptions(opts({ seasonality: 'custom', customPeriodHours: 12 }), HOUR, DAY).options;
    expect(custom.detector.period).toBe(12);
    expect(custom.prophet.seasonalities).toEqual([{ name: 'custom', period: 0.5, fourier_order: 5 }]);
    expect(buildAnalyzeOptions(opts({ seasonality: 'none' }), HOUR, DAY).options.detector.period).toBe(0);
  });

  it('passes detection controls and logistic growth through, in engine units', () => {
    const { options } = buildAnalyzeOptions(
      opts({
        minRelDeviationPercent: 10,
        minDuration: '15m',
        direction: 'up',
        growth: 'logistic',
        cap: 100,
        floor: 0,
        horizon: '6h',
      }),
      MIN,
      DAY
    );
    expect(options.detector).toMatchObject({ minRelDeviation: 0.1, minDurationMs: 15 * MIN, direction: 'up' });
    expect(options.prophet).toMatchObject({ growth: 'logistic', cap: 100, floor: 0 });
    expect(options.horizonMs).toBe(6 * HOUR);
  });

  it('reports bad durations and shock windows instead of dropping them silently', () => {
    const { options, errors } = buildAnalyzeOptions(
      opts({ horizon: 'soon', minDuration: '5 parsecs', shockWindows: 'deploy, 2024-01-02, 2024-01-01' }),
      MIN,
      DAY
    );
    expect(errors).toHaveLength(3);
    expect(errors.join(' ')).toContain('soon');
    expect(options.horizonMs).toBe(0);
    expect(options.detector.shockWindows).toEqual([]);
  });

  it('turns shock windows into detector windows and whole-day Prophet events', () => {
    const { options } = buildAnalyzeOptions(
      opts({ shockWindows: '# comment\nlockdown, 2020-03-20, 2020-03-22 12:00\n' }),
      HOUR,
      DAY
    );
    const start = Date.UTC(2020, 2, 20);
    expect(options.detector.shockWindows).toEqual([{ start, end: start + 2.5 * DAY }]);
    expect(options.prophet.holidays).toEqual([{ holiday: 'lockdown', ds: start, lower_window: 0, upper_window: 2 }]);
  });
});

describe('helpers', () => {
  it('parses shock windows in ms and dates, reporting the bad lines', () => {
    const { windows, errors } = parseShockWindows('a, 1000, 2000\nb, 2020-01-01\nc, x, y');
    expect(windows).toEqual([{ name: 'a', start: 1000, end: 2000 }]);
    expect(errors).toHaveLength(2);
  });

  it('reads Grafana durations', () => {
    expect(durationMs('', 42)).toBe(42);
    expect(durationMs('2d', 0)).toBe(2 * DAY);
    expect(() => durationMs('later', 0)).toThrow('not a duration');
  });

  it('lays out the forecast one step apart after the last point, thinned when too long', () => {
    const ts = [0, 60_000, 120_000, 240_000, 300_000];
    expect(medianStep(ts)).toBe(60_000);
    expect(medianStep([0, 120_000, 180_000, 240_000])).toBe(60_000);
    expect(medianStep([0, 30_000, 60_000])).toBe(30_000);
    expect(medianStep([7])).toBe(0);
    expect(Array.from(futureTimestamps(ts, 3 * MIN))).toEqual([360_000, 420_000, 480_000]);
    const long = futureTimestamps(ts, 10_000 * MIN);
    expect(long.length).toBe(MAX_FORECAST_POINTS);
    expect(long[long.length - 1]).toBeCloseTo(300_000 + 10_000 * MIN);
    expect(futureTimestamps([5], HOUR).length).toBe(0);
    expect(futureTimestamps(ts, 0).length).toBe(0);
  });

  it('knows where a forecast will end before it is made (the chart reaches it from the first render)', () => {
    const ts = [0, 60_000, 120_000, 240_000, 300_000];
    for (const horizon of [3 * MIN, 3.5 * MIN, 10_000 * MIN, 7 * MIN + 1]) {
      const ahead = futureTimestamps(ts, horizon);
      expect(forecastEnd(ts, horizon)).toBe(ahead[ahead.length - 1]);
    }
    expect(forecastEnd(ts, 0)).toBeUndefined();
    expect(forecastEnd(ts, 30_000)).toBeUndefined(); // shorter than a step: no forecast timestamps
    expect(forecastEnd([5], HOUR)).toBeUndefined();
  });
});

describe('events from dashboard annotations', () => {
  const frame = {
    length: 3,
    fields: [
      { name: 'time', values: [1000, 5000, NaN] },
      { name: 'timeEnd', values: [2000, null, 0] },
      { name: 'text', values: ['deploy <b>v2</b>', '', 'x'] },
    ],
  };

  it('reads time, timeEnd and text (markup stripped), newest first, skipping bad rows', () => {
    expect(annotationEvents([frame])).toEqual([
      { name: 'annotation', start: 5000, end: 5000 },
      { name: 'deploy v2', start: 1000, end: 2000 },
    ]);
    expect(annotationEvents(undefined)).toEqual([]);
  });

  it('become Prophet events, and name the incidents they overlap', () => {
    const events = annotationEvents([frame]);
    const { options } = buildAnalyzeOptions(opts(), MIN, DAY, events);
    expect(options.prophet.holidays?.map((h) => h.holiday)).toEqual(['annotation', 'deploy v2']);
    expect(options.detector.shockWindows).toEqual([]);
    expect(eventsDuring(events, 1500, 1600)).toEqual(['deploy v2']);
    expect(eventsDuring(events, 2500, 4000)).toEqual([]);
  });
});

describe("annotations that set a driver's level", () => {
  const frame = {
    length: 4,
    fields: [
      { name: 'time', values: [1000, 3000, 5000, 7000] },
      { name: 'timeEnd', values: [2000, 4000, 6000, 7000] },
      { name: 'text', values: ['orders = <b>160</b>', 'driver B = 120', 'deploy v2', 'B = 5'] },
      { name: 'tags', values: [['driver', 'campaign'], [], ['deploy'], 'ops, driver'] },
    ],
  };

  it('are read from the tag driver or the text "driver …", and are not events of the series', () => {
    expect(driverAnnotations([frame])).toEqual([
      { text: 'orders = 160', start: 1000, end: 2000 },
      { text: 'driver B = 120', start: 3000, end: 4000 },
      { text: 'B = 5', start: 7000, end: 7000 },
    ]);
    expect(annotationEvents([frame])).toEqual([{ name: 'deploy v2', start: 5000, end: 6000 }]);
    const { options } = buildAnalyzeOptions(opts(), MIN, DAY, annotationEvents([frame]), driverAnnotations([frame]));
    expect(options.prophet.holidays?.map((h) => h.holiday)).toEqual(['deploy v2']);
    expect(options.driverAnnotations?.map((a) => a.text)).toEqual(['orders = 160', 'driver B = 120', 'B = 5']);
    expect(driverAnnotations(undefined)).toEqual([]);
  });
});

describe('alertRuleOptions', () => {
  it("uses the engine's residual spread and the panel's detection options", () => {
    const o = alertRuleOptions(
      { ...defaultOptions, sensitivity: 0.7, direction: 'up', minDuration: '10m', minRelDeviationPercent: 5 },
      'rate(x[5m])',
      { residualSpread: 2.5, period: 288 },
      300_000
    );
    expect(o).toMatchObject({
      query: 'rate(x[5m])',
      residualSpread: 2.5,
      periodMs: 86_400_000,
      sensitivity: 0.7,
      direction: 'up',
      minDurationMs: 600_000,
      minRelDeviation: 0.05,
    });
  });

  it('says why when the detection has no fitted spread', () => {
    expect(typeof alertRuleOptions(defaultOptions, 'x', {}, 300_000)).toBe('string');
  });
});
