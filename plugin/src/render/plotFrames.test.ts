import { createTheme } from '@grafana/data';
import { buildPlotFrames } from './plotFrames';
import { BaselineResult, SeriesInput } from '../types';

const series = (key: string, name: string, values: number[]): SeriesInput => ({
  key,
  name,
  labels: {},
  timestamps: Float64Array.from(values, (_, i) => i * 1000),
  values: Float64Array.from(values),
});

const baseline = (n: number): BaselineResult => ({
  timestamps: Float64Array.from({ length: n }, (_, i) => i * 1000),
  expected: new Float64Array(n).fill(2),
  lower: new Float64Array(n).fill(1),
  upper: new Float64Array(n).fill(3),
  window: 5,
});

describe('buildPlotFrames', () => {
  const theme = createTheme();

  it('adds expected and a band (upper filled to lower) for analysed series only', () => {
    const a = series('a', 'cpu', [1, NaN, 3]);
    const b = series('b', 'mem', [4, 5, 6]);
    const frames = buildPlotFrames([a, b], new Map([['a', baseline(3)]]), theme, 'utc');
    expect(frames[0].fields.map((f) => f.config.displayNameFromDS)).toEqual([
      undefined,
      'cpu',
      'cpu expected',
      'cpu upper',
      'cpu lower',
    ]);
    const upper = frames[0].fields[3];
    expect(upper.config.custom.fillBelowTo).toBe('cpu lower');
    expect(upper.config.custom.hideFrom.legend).toBe(true);
    // NaN gaps become nulls so uPlot leaves a gap.
    expect(frames[0].fields[1].values).toEqual([1, null, 3]);
    // Not yet analysed: drawn as observed only.
    expect(frames[1].fields).toHaveLength(2);
    // Each series keeps one colour for its line, expected line and band.
    const colors = new Set(frames[0].fields.slice(1).map((f) => f.config.color?.fixedColor));
    expect(colors.size).toBe(1);
    expect(frames[1].fields[1].config.color?.fixedColor).not.toEqual([...colors][0]);
  });

  it('ignores a result that does not line up with the series', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const frames = buildPlotFrames([a], new Map([['a', baseline(2)]]), theme, 'utc');
    expect(frames[0].fields).toHaveLength(2);
  });
});
