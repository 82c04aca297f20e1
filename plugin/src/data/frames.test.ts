import { dataFrameFromJSON, DataFrameJSON, FieldType, toDataFrame } from '@grafana/data';
import { extractSeries, ExtractedSeries, limitSeries, MAX_SERIES, MAX_TOTAL_POINTS, regularise } from './frames';
import { cannotRequery, trainingQueryRange } from './trainingQuery';

const promFrame = (labels: Record<string, string>, values: Array<number | null>, legend?: string): DataFrameJSON => ({
  schema: {
    refId: 'A',
    meta: { type: 'timeseries-multi' as any, typeVersion: [0, 1], custom: { resultType: 'matrix' } },
    fields: [
      { name: 'Time', type: FieldType.time, config: { interval: 15000 } },
      { name: 'Value', type: FieldType.number, labels, config: legend ? { displayNameFromDS: legend } : {} },
    ],
  },
  data: { values: [values.map((_, i) => 1_700_000_000_000 + i * 15000), values] },
});

describe('extractSeries', () => {
  it('takes one series per Prometheus frame, named as Prometheus writes it, nulls as NaN', () => {
    const frames = [
      promFrame({ __name__: 'up', job: 'api', instance: 'a:9090' }, [1, null, 1]),
      promFrame({ __name__: 'up', job: 'api', instance: 'b:9090' }, [0, 0, 1]),
    ].map((f) => dataFrameFromJSON(f));
    const { series, problem, notes } = extractSeries(frames);
    expect(problem).toBeUndefined();
    expect(notes).toEqual([]);
    expect(series.map((s) => s.name)).toEqual(['up{instance="a:9090", job="api"}', 'up{instance="b:9090", job="api"}']);
    expect(Array.from(series[0].values)).toEqual([1, NaN, 1]);
    expect(series[0].timestamps[1] - series[0].timestamps[0]).toBe(15000);
    expect(series[0].key).not.toEqual(series[1].key);
  });

  it('uses the legend format (displayNameFromDS) and keeps duplicate names apart', () => {
    const frames = [
      promFrame({ __name__: 'up', instance: 'a' }, [1, 2], 'api'),
      promFrame({ __name__: 'up', instance: 'b' }, [1, 2], 'api'),
    ].map((f) => dataFrameFromJSON(f));
    expect(extractSeries(frames).series.map((s) => s.name)).toEqual(['api', 'api (2)']);
  });

  it('reads wide frames: one time field, several value fields', () => {
    const frame = toDataFrame({
      refId: 'B',
      fields: [
        { name: 'time', type: FieldType.time, values: [1, 2, 3] },
        { name: 'cpu', type: FieldType.number, values: [0.1, 0.2, 0.3], config: { unit: 'percentunit' } },
        { name: 'mem', type: FieldType.number, values: [5, 6, 7] },
        { name: 'host', type: FieldType.string, values: ['a', 'a', 'a'] },
      ],
    });
    const { series, notes } = extractSeries([frame]);
    expect(series.map((s) => [s.name, s.unit])).toEqual([
      ['cpu', 'percentunit'],
      ['mem', undefined],
    ]);
    expect(notes).toEqual(['1 non-numeric field(s) were skipped']);
  });

  it('splits long frames (time, label columns, values) into one series per label combination', () => {
    const frame = toDataFrame({
      refId: 'C',
      fields: [
        { name: 'time', type: FieldType.time, values: [1, 1, 2, 2, 3, 3] },
        { name: 'host', type: FieldType.string, values: ['a', 'b', 'a', 'b', 'b', 'a'] },
        { name: 'cpu', type: FieldType.number, values: [10, 20, 11, 21, 22, 12] },
      ],
    });
    const { series } = extractSeries([frame]);
    expect(series).toHaveLength(2);
    expect(series.map((s) => s.labels)).toEqual([{ host: 'a' }, { host: 'b' }]);
    expect(Array.from(series[0].values)).toEqual([10, 11, 12]);
    expect(Array.from(series[1].timestamps)).toEqual([1, 2, 3]);
    expect(series[0].name).not.toEqual(series[1].name);
    expect(series[0].key).not.toEqual(series[1].key);
  });

  it('explains why there is nothing to analyse', () => {
    expect(extractSeries([]).problem).toBe('No data');
    expect(extractSeries(undefined).problem).toBe('No data');
    const noTime = toDataFrame({ fields: [{ name: 'v', type: FieldType.number, values: [1, 2] }] });
    expect(extractSeries([noTime]).problem).toMatch(/not a time series/);
    const strings = toDataFrame({
      fields: [
        { name: 't', type: FieldType.time, values: [1] },
        { name: 's', type: FieldType.string, values: ['x'] },
      ],
    });
    expect(extractSeries([strings]).problem).toMatch(/no numeric fields/);
  });
});

describe('limitSeries', () => {
  const many = (count: number, points: number): ExtractedSeries => ({
    notes: [],
    series: Array.from({ length: count }, (_, i) => ({
      key: `k${i}`,
      name: `s${i}`,
      labels: {},
      timestamps: new Float64Array(points),
      values: new Float64Array(points),
    })),
  });

  it('keeps everything under the limits', () => {
    const e = many(3, 10);
    expect(limitSeries(e)).toBe(e);
  });

  it('cuts at MAX_SERIES with a note saying so', () => {
    const out = limitSeries(many(MAX_SERIES + 5, 2));
    expect(out.series).toHaveLength(MAX_SERIES);
    expect(out.notes[0]).toContain(`showing ${MAX_SERIES} of ${MAX_SERIES + 5}`);
    expect(out.problem).toBeUndefined();
  });

  it('refuses one series above the point budget with a message, not a frozen tab', () => {
    const out = limitSeries(many(1, MAX_TOTAL_POINTS + 1));
    expect(out.series).toHaveLength(0);
    expect(out.problem).toContain('Too much data');
  });
});

describe('training query range', () => {
  it('extends the visible range backwards by the multiple, ending where it ends', () => {
    expect(trainingQueryRange({ from: 1000, to: 2000 }, 3)).toEqual({ from: -1000, to: 2000 });
    expect(trainingQueryRange({ from: 1000, to: 2000 }, 1)).toBeUndefined();
    expect(trainingQueryRange({ from: 2000, to: 2000 }, 3)).toBeUndefined();
    // Capped so the history query keeps the visible step within Prometheus' 11,000 points.
    expect(trainingQueryRange({ from: 0, to: 10_000 }, 3, 1)).toEqual({ from: -1000, to: 10_000 });
    expect(trainingQueryRange({ from: 0, to: 11_000 }, 3, 1)).toBeUndefined();
  });

  it('says why a request cannot be re-issued', () => {
    const base = {
      requestId: 'r',
      range: {},
      scopedVars: {},
      interval: '1m',
      intervalMs: 60000,
      timezone: 'utc',
      app: 'x',
      startTime: 0,
    };
    expect(cannotRequery(undefined)).toContain('no query');
    expect(cannotRequery({ ...base, targets: [] } as never)).toContain('no query');
    expect(
      cannotRequery({
        ...base,
        targets: [
          { refId: 'A', datasource: { uid: 'a' } },
          { refId: 'B', datasource: { uid: 'b' } },
        ],
      } as never)
    ).toContain('several data sources');
    expect(cannotRequery({ ...base, targets: [{ refId: 'A', datasource: { uid: 'a' } }] } as never)).toBeUndefined();
  });
});

describe('field options', () => {
  it("keeps the field's Max (the cap of logistic growth by default) when it is a number", () => {
    const withMax = (max?: number) =>
      toDataFrame({
        fields: [
          { name: 'Time', type: FieldType.time, values: [1, 2] },
          { name: 'disk', type: FieldType.number, config: max === undefined ? {} : { max }, values: [50, 60] },
        ],
      });
    expect(extractSeries([withMax(100)]).series[0].fieldMax).toBe(100);
    expect(extractSeries([withMax()]).series[0].fieldMax).toBeUndefined();
  });
});

describe('regularise (steps on the query interval)', () => {
  const T0 = 1_700_000_000_000;
  const STEP = 15_000;
  const frameAt = (offsets: number[], values: number[], interval?: number) =>
    toDataFrame({
      refId: 'A',
      fields: [
        {
          name: 'Time',
          type: FieldType.time,
          config: interval ? { interval } : {},
          values: offsets.map((o) => T0 + o),
        },
        { name: 'Value', type: FieldType.number, values },
      ],
    });

  it('turns steps Prometheus left out into NaN gaps on the frame interval', () => {
    // Samples at steps 0, 1, 4, 5: steps 2 and 3 had no sample.
    const [s] = extractSeries([
      frameAt(
        [0, 1, 4, 5].map((k) => k * STEP),
        [1, 2, 5, 6],
        STEP
      ),
    ]).series;
    expect(Array.from(s.timestamps)).toEqual([0, 1, 2, 3, 4, 5].map((k) => T0 + k * STEP));
    expect(Array.from(s.values)).toEqual([1, 2, NaN, NaN, 5, 6]);
  });

  it('uses the request interval when the frame has none, and moves slightly late points onto the grid', () => {
    const [s] = extractSeries([frameAt([0, STEP + 40, 3 * STEP - 30], [1, 2, 4])], STEP).series;
    expect(Array.from(s.timestamps)).toEqual([0, 1, 2, 3].map((k) => T0 + k * STEP));
    expect(Array.from(s.values)).toEqual([1, 2, NaN, 4]);
  });

  it('averages two points that land on one step rather than dropping one', () => {
    const series = {
      key: 'k',
      name: 'n',
      labels: {},
      timestamps: Float64Array.from([0, 1000, 1400, 2000]),
      values: Float64Array.from([1, 2, 4, 5]),
    };
    // 1400 is 0.4 of a step off: off the grid, but 3 of 4 points (< 90%) are on it -> left alone.
    expect(regularise(series, 1000)).toBe(series);
    const close = {
      ...series,
      timestamps: Float64Array.from([0, 1000, 1050, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000]),
      values: Float64Array.from([1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    };
    const r = regularise(close, 1000);
    expect(r.values[1]).toBe(3);
    expect(r.timestamps).toHaveLength(10);
  });

  it('leaves regular, irregular and very sparse series as they are', () => {
    const regular = {
      key: 'k',
      name: 'n',
      labels: {},
      timestamps: Float64Array.from([0, 10, 20]),
      values: Float64Array.from([1, 2, 3]),
    };
    expect(regularise(regular, 10)).toBe(regular);
    const irregular = {
      ...regular,
      timestamps: Float64Array.from([0, 3, 17, 26]),
      values: Float64Array.from([1, 2, 3, 4]),
    };
    expect(regularise(irregular, 10)).toBe(irregular);
    // Two points a year apart at a 15 s step: not a 2-million-slot grid.
    const sparse = {
      ...regular,
      timestamps: Float64Array.from([0, 365 * 86_400_000]),
      values: Float64Array.from([1, 2]),
    };
    expect(regularise(sparse, 15_000)).toBe(sparse);
  });
});
