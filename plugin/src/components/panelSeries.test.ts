import { createTheme } from '@grafana/data';
import { testSeries } from '../render/testSeries';
import { plottedSeries, seriesColors, trainedSeries, withThresholds } from './panelSeries';

const a = testSeries('a', 'cpu', [1, 2, 3]);
const b = testSeries('b', 'mem', [4, 5, 6]);

describe('trainedSeries', () => {
  it("takes the history query's series of the same key, else the visible one", () => {
    const longer = testSeries('a', 'cpu', [0, 0, 1, 2, 3]);
    expect(trainedSeries([a, b], { loading: false, byKey: new Map([['a', longer]]) })).toEqual([longer, b]);
    expect(trainedSeries([a, b], { loading: false })).toEqual([a, b]);
  });

  it('has none while the history query runs', () => {
    expect(trainedSeries([a, b], { loading: true })).toEqual([]);
  });
});

describe('withThresholds', () => {
  it("checks every series against the panel's threshold, else its field's", () => {
    const own = { ...b, fieldThreshold: 80 };
    expect(withThresholds([a, own], 90, 'below').map((s) => s.threshold)).toEqual([
      { value: 90, direction: 'below' },
      { value: 90, direction: 'below' },
    ]);
    const [first, second] = withThresholds([a, own], undefined, 'above');
    expect(first).toBe(a);
    expect(second.threshold).toEqual({ value: 80, direction: 'above' });
  });

  it('leaves a series without a finite threshold as it is', () => {
    expect(withThresholds([a], NaN, 'above')[0]).toBe(a);
    expect(withThresholds([{ ...a, fieldThreshold: Infinity }], undefined, 'above')[0].threshold).toBeUndefined();
  });
});

describe('plottedSeries', () => {
  it("draws the analysed series once there are some, else the query's", () => {
    const analysed = [testSeries('a', 'cpu', [0, 1, 2, 3])];
    expect(plottedSeries(analysed, [a])).toBe(analysed);
    const visible = [a];
    expect(plottedSeries([], visible)).toBe(visible);
  });
});

describe('seriesColors', () => {
  it("colours the series in the palette's order, wrapping around", () => {
    const theme = createTheme();
    const palette = theme.visualization.palette;
    const many = Array.from({ length: palette.length + 1 }, (_, i) => testSeries(`k${i}`, `s${i}`, [1]));
    const colors = seriesColors(many, theme);
    expect(colors.get('k0')).toBe(theme.visualization.getColorByName(palette[0]));
    expect(colors.get('k1')).toBe(theme.visualization.getColorByName(palette[1]));
    expect(colors.get(`k${palette.length}`)).toBe(colors.get('k0'));
    expect(colors.get('k0')).not.toBe(colors.get('k1'));
  });
});
