import type uPlot from 'uplot';
import { dateTime, FieldType, TimeRange, toDataFrame } from '@grafana/data';
import { chartPlan, drawnRange, drawnRecord, structureRevision } from './chartState';

const range = (from: number, to: number): TimeRange => ({
  from: dateTime(from),
  to: dateTime(to),
  raw: { from: 'now-1h', to: 'now' },
});

const frame = (values: number[], names = ['cpu'], color = 'green') =>
  toDataFrame({
    fields: [
      { name: 'Time', type: FieldType.time, values: values.map((_, i) => i * 1000) },
      ...names.map((name) => ({
        name,
        type: FieldType.number,
        values,
        config: { color: { mode: 'fixed', fixedColor: color } },
      })),
    ],
  });

describe('drawnRange', () => {
  it('is the dashboard range itself unless a forecast runs past its end', () => {
    const r = range(0, 10_000);
    expect(drawnRange(r, undefined)).toBe(r);
    expect(drawnRange(r, 10_000)).toBe(r);
  });

  it('widens the end to the last forecast, keeping the start and the raw range', () => {
    const r = range(0, 10_000);
    const wide = drawnRange(r, 15_000);
    expect(wide.from).toBe(r.from);
    expect(wide.to.valueOf()).toBe(15_000);
    expect(wide.raw).toBe(r.raw);
  });
});

describe('chartPlan', () => {
  const MIN = 60_000;
  const a = { timestamps: [0, MIN, 2 * MIN] };
  const b = { timestamps: [0, MIN, 2 * MIN, 3 * MIN] };

  it('while the analysis runs: expected lines, and forecasts ending where the latest one will', () => {
    expect(chartPlan([a, b], { model: 'auto', horizonMs: 2 * MIN }, false)).toEqual({
      expected: true,
      forecastHorizonMs: 2 * MIN,
      forecastEnd: 5 * MIN,
    });
  });

  it('no forecast planned for the fast model or an empty horizon', () => {
    expect(chartPlan([a], { model: 'fast', horizonMs: 2 * MIN }, false)).toEqual({
      expected: true,
      forecastHorizonMs: undefined,
      forecastEnd: undefined,
    });
    expect(chartPlan([a], { model: 'prophet', horizonMs: 0 }, false).forecastEnd).toBeUndefined();
  });

  it('nothing once the analysis is done (the chart shows what arrived) or without series', () => {
    expect(chartPlan([a], { model: 'auto', horizonMs: 2 * MIN }, true)).toEqual({});
    expect(chartPlan([], { model: 'auto', horizonMs: 2 * MIN }, false)).toEqual({});
  });
});

describe('structureRevision', () => {
  it('stays with the structure when only values change', () => {
    expect(structureRevision([frame([1, 2, 3])])).toBe(structureRevision([frame([4, 5, 6, 7])]));
    expect(structureRevision([frame([1])])).toBeGreaterThan(0);
  });

  it('moves when a field or its drawing config changes', () => {
    const base = structureRevision([frame([1, 2])]);
    expect(structureRevision([frame([1, 2], ['cpu', 'cpu forecast'])])).not.toBe(base);
    expect(structureRevision([frame([1, 2], ['cpu'], 'red')])).not.toBe(base);
    expect(structureRevision([frame([1, 2]), frame([1, 2])])).not.toBe(base);
  });
});

describe('drawnRecord', () => {
  const drawn = frame([1, 2, 3], ['cpu', 'cpu forecast']);
  const chart = (series: Array<{ show?: boolean }>): Pick<uPlot, 'series' | 'data' | 'scales'> =>
    ({
      series,
      data: [
        [1000, 2000, 3000],
        [null, 5, 7],
        [null, null, null],
      ],
      scales: { x: { max: 3000 } },
    }) as unknown as Pick<uPlot, 'series' | 'data' | 'scales'>;

  it('records each drawn series: shown, points, first time, largest value; the bands and the axis end', () => {
    expect(drawnRecord(chart([{}, { show: true }, { show: false }]), drawn, 2)).toEqual({
      series: [
        { label: 'cpu', show: true, points: 2, firstTime: 2000, max: 7 },
        { label: 'cpu forecast', show: false, points: 0, firstTime: null, max: null },
      ],
      bands: 2,
      xMax: 3000,
    });
  });

  it("records nothing when the chart no longer has the frame's fields", () => {
    expect(drawnRecord(chart([{}, {}]), drawn, 0)).toBeUndefined();
  });
});
