import type uPlot from 'uplot';
import { cacheSeriesPaths } from './pathCache';

/** A chart as far as the path builders see it: data, scales, plotting area, series. */
function chart() {
  const built: number[] = [];
  const builder = (_u: uPlot, seriesIdx: number) => {
    built.push(seriesIdx);
    return { stroke: { seriesIdx } } as unknown as uPlot.Series.Paths;
  };
  const u = {
    data: [
      [1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ],
    scales: { x: { min: 1, max: 3 }, y: { min: 0, max: 10 } },
    bbox: { left: 0, top: 0, width: 100, height: 50 },
    series: [{}, { scale: 'y', paths: builder }, { scale: 'y', paths: builder }],
  } as unknown as uPlot;
  const paths = (i: number) => u.series[i].paths!(u, i, 0, 2);
  return { u, built, paths };
}

describe('cacheSeriesPaths', () => {
  it('reuses a series paths while its values, the time axis, the scales and the area are the same', () => {
    const { u, built, paths } = chart();
    cacheSeriesPaths(u);
    const first = paths(1);
    paths(2);
    expect(paths(1)).toBe(first);
    expect(built).toEqual([1, 2]);
    // New values for series 2 only: series 1 keeps its paths.
    (u.data as unknown[])[2] = [7, 8, 10];
    paths(1);
    paths(2);
    expect(built).toEqual([1, 2, 2]);
  });

  it('rebuilds when a scale, the plotting area or the drawn range moves', () => {
    const { u, built, paths } = chart();
    cacheSeriesPaths(u);
    paths(1);
    u.scales.y.min = -1;
    paths(1);
    (u.bbox as { height: number }).height = 40;
    paths(1);
    u.scales.x.max = 4;
    paths(1);
    u.series[1].paths!(u, 1, 1, 2);
    expect(built).toEqual([1, 1, 1, 1, 1]);
  });

  it('wraps each builder once, whatever the number of charts made from one configuration', () => {
    const { u, built, paths } = chart();
    cacheSeriesPaths(u);
    const wrapped = u.series[1].paths;
    cacheSeriesPaths(u);
    expect(u.series[1].paths).toBe(wrapped);
    paths(1);
    paths(1);
    expect(built).toEqual([1]);
  });
});
