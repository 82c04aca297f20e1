import { defaultOptions, DetectionResult, IncidentResult, SeriesOutcome } from '../types';
import { testSeries } from '../render/testSeries';
import { alertRuleRequest, crossingRows, incidentRows, rootCauseInputs } from './panelRows';

const incident = (start: number, end: number): IncidentResult => ({
  start,
  end,
  peakTime: start,
  peakScore: 4,
  kind: 'collective',
  direction: 'up',
});
const detection = (n: number, extra: Partial<DetectionResult> = {}): DetectionResult => ({
  timestamps: Float64Array.from({ length: n }, (_, i) => i * 1000),
  expected: new Float64Array(n).fill(2),
  lower: new Float64Array(n).fill(1),
  upper: new Float64Array(n).fill(3),
  score: new Float64Array(n).fill(0.5),
  kind: new Uint8Array(n),
  ...extra,
});
const outcome = (key: string, extra: Partial<SeriesOutcome>): SeriesOutcome => ({ key, errors: [], ...extra });
const a = testSeries('a', 'cpu', [1, 2, 3]);
const b = { ...testSeries('b', 'mem', [4, 5, 6]), labels: { instance: 'b' } };

describe('incidentRows', () => {
  it('lists the incidents overlapping the visible range with their series, step and events', () => {
    const outcomes = new Map([
      ['a', outcome('a', { incidents: [incident(0, 900), incident(500, 1200), incident(1000, 2000)] })],
      ['b', outcome('b', { incidents: [incident(2500, 4000), incident(4500, 5500), incident(5001, 6000)] })],
    ]);
    const events = [
      { name: 'deploy', start: 1500, end: 1500 },
      { name: 'later', start: 9000, end: 9000 },
    ];
    const rows = incidentRows([a, b], [1000, 2000], outcomes, { from: 1000, to: 5000 }, events);
    expect(rows.map((r) => [r.seriesName, r.seriesIndex, r.stepMs, r.start, r.events])).toEqual([
      ['cpu', 0, 1000, 500, []],
      ['cpu', 0, 1000, 1000, ['deploy']],
      ['mem', 1, 2000, 2500, []],
      ['mem', 1, 2000, 4500, []],
    ]);
    expect(rows[1].peakScore).toBe(4);
  });

  it('has no rows for series without incidents', () => {
    expect(incidentRows([a], [1000], new Map(), { from: 0, to: 1e9 }, [])).toEqual([]);
  });
});

describe('crossingRows', () => {
  it('names the series whose forecast crosses its threshold', () => {
    const crossing = { text: 'crosses 90 in 2h' } as NonNullable<NonNullable<SeriesOutcome['forecast']>['crossing']>;
    const outcomes = new Map([
      ['a', outcome('a', { forecast: { crossing } as SeriesOutcome['forecast'] })],
      ['b', outcome('b', { forecast: {} as SeriesOutcome['forecast'] })],
    ]);
    expect(crossingRows([a, b], outcomes)).toEqual([{ seriesName: 'cpu', crossing }]);
  });
});

describe('rootCauseInputs', () => {
  it('waits until every series has its detection', () => {
    expect(rootCauseInputs([a, b], new Map([['a', outcome('a', { detection: detection(3) })]]))).toBeUndefined();
  });

  it("gives every series' values with its detection, and the labels", () => {
    const da = detection(3, { period: 2 });
    const db = detection(3);
    const inputs = rootCauseInputs(
      [a, b],
      new Map([
        ['a', outcome('a', { detection: da })],
        ['b', outcome('b', { detection: db })],
      ])
    );
    expect(inputs?.series[0]).toEqual({
      timestamps: da.timestamps,
      values: a.values,
      expected: da.expected,
      score: da.score,
      period: 2,
    });
    expect(inputs?.series[1].values).toBe(b.values);
    expect(inputs?.labels).toEqual([{}, { instance: 'b' }]);
  });
});

describe('alertRuleRequest', () => {
  const targets = [{ refId: 'A', expr: 'rate(x[5m])' }];

  it('needs a PromQL query and an analysed series', () => {
    expect(alertRuleRequest(defaultOptions, [{ refId: 'A' }], [a], new Map(), 1000)).toContain(
      'need a Prometheus query'
    );
    expect(alertRuleRequest(defaultOptions, targets, [a], new Map(), 1000)).toBe('No series analysed yet');
  });

  it("makes the rules from the first analysed series' band", () => {
    const outcomes = new Map([['b', outcome('b', { detection: detection(3, { residualSpread: 2, period: 60 }) })]]);
    const rules = alertRuleRequest(defaultOptions, targets, [a, b], outcomes, 1000);
    expect(rules).toMatchObject({ query: 'rate(x[5m])', residualSpread: 2, periodMs: 60_000, stepMs: 1000 });
  });
});
