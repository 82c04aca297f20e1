import { anomalyMarkers, markerRadius } from './markers';
import { DetectionResult, SeriesOutcome } from '../types';
import { testSeries } from './testSeries';

const series = testSeries;

const detection = (kinds: number[], scores: number[]): DetectionResult => ({
  timestamps: Float64Array.from(kinds, (_, i) => i * 1000),
  expected: new Float64Array(kinds.length),
  lower: new Float64Array(kinds.length),
  upper: new Float64Array(kinds.length),
  score: Float64Array.from(scores),
  kind: Uint8Array.from(kinds),
});

const outcomes = (entries: Array<[string, DetectionResult]>) =>
  new Map<string, SeriesOutcome>(entries.map(([key, d]) => [key, { key, errors: [], detection: d }]));

describe('anomalyMarkers', () => {
  it('puts one marker on each anomalous point, with its kind, value and score', () => {
    const a = series('a', 'cpu', [1, 9, 3, 0]);
    const [cpu] = anomalyMarkers([a], outcomes([['a', detection([0, 1, 0, 2], [0.2, 6, 0.3, 2])]]));
    expect(cpu.name).toBe('cpu');
    expect(cpu.markers).toEqual([
      { time: 1000, value: 9, kind: 'global', score: 6 },
      { time: 3000, value: 0, kind: 'contextual', score: 2 },
    ]);
  });

  it('makes a series markers once per detection, again for another series of the same name', () => {
    const a = series('a', 'cpu', [1, 9, 3, 0]);
    const d = detection([0, 1, 0, 0], [0.2, 6, 0.3, 0.1]);
    const [first] = anomalyMarkers([a], outcomes([['a', d]]));
    expect(anomalyMarkers([a], outcomes([['a', d]]))[0]).toBe(first);
    const [other] = anomalyMarkers([series('a', 'cpu', [1, 7, 3, 0])], outcomes([['a', d]]));
    expect(other.markers[0].value).toBe(7);
  });

  it('skips series not analysed yet, misaligned detections, gaps and series with no anomaly', () => {
    const a = series('a', 'cpu', [1, NaN, 3]);
    const b = series('b', 'mem', [1, 2, 3]);
    const c = series('c', 'disk', [1, 2, 3]);
    const d = series('d', 'net', [1, 2, 3]);
    const found = anomalyMarkers(
      [a, b, c, d],
      outcomes([
        ['a', detection([0, 1, 0], [0, 5, 0])],
        ['b', detection([1, 1], [5, 5])],
        ['c', detection([0, 0, 0], [0.1, 0.2, 0.3])],
      ])
    );
    expect(found).toEqual([]);
  });
});

describe('markerRadius', () => {
  it('grows with the score, from 3 px at the band edge to at most 9 px', () => {
    expect(markerRadius(1)).toBe(3);
    expect(markerRadius(0.5)).toBe(3);
    expect(markerRadius(8)).toBeCloseTo(7.5);
    expect(markerRadius(1e6)).toBe(9);
    expect(markerRadius(NaN)).toBe(3);
    expect(markerRadius(4)).toBeGreaterThan(markerRadius(2));
  });
});
