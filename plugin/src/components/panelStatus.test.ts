import { defaultOptions, SeriesOutcome } from '../types';
import { testSeries } from '../render/testSeries';
import { analysisStatus, dataProblem, MIN_POINTS, panelNotes } from './panelStatus';

const extracted = (series = [testSeries('a', 'cpu', [1, 2, 3])], notes: string[] = []) => ({ series, notes });
const outcome = (key: string, extra: Partial<SeriesOutcome> = {}): SeriesOutcome => ({ key, errors: [], ...extra });
const analysedOutcome = (key: string, extra: Partial<SeriesOutcome> = {}) =>
  outcome(key, { detection: {} as SeriesOutcome['detection'], ...extra });

describe('dataProblem', () => {
  it('shows query errors first, as errors', () => {
    expect(dataProblem([{ message: 'bad gateway' }, {}], extracted())).toEqual({
      severity: 'error',
      title: 'Query error',
      details: ['bad gateway', ''],
    });
  });

  it("shows the extraction's problem with its notes", () => {
    expect(dataProblem([], { series: [], problem: 'No data', notes: ['1 frame(s) without a time field'] })).toEqual({
      title: 'No data',
      details: ['1 frame(s) without a time field'],
    });
  });

  it('refuses series without a numeric value, or with fewer than MIN_POINTS in every series', () => {
    const none = dataProblem(undefined, extracted([testSeries('a', 'cpu', [NaN, NaN])], ['note']));
    expect(none?.title).toBe('No values to analyse');
    expect(none?.details).toContain('note');
    const few = dataProblem(undefined, extracted([testSeries('a', 'a', [1, NaN, 2]), testSeries('b', 'b', [1])]));
    expect(few?.title).toBe('Too few points to analyse');
    expect(few?.details[0]).toContain(`${MIN_POINTS} numeric points are needed, the series has 2`);
  });

  it('has nothing to say when one series has enough points', () => {
    expect(dataProblem([], extracted([testSeries('a', 'a', [1]), testSeries('b', 'b', [1, 2, 3])]))).toBeUndefined();
  });
});

describe('analysisStatus', () => {
  it('counts analysed, forecast and cached series and says how far the analysis is', () => {
    const outcomes = new Map([
      ['a', analysedOutcome('a', { forecast: { fromCache: true } as SeriesOutcome['forecast'] })],
      ['b', outcome('b', { errors: ['failed'] })],
    ]);
    const s = analysisStatus(outcomes, { done: false }, false, 2);
    expect(s).toMatchObject({ total: 2, analysed: 1, forecasts: 1, fromCache: 1, busy: true, detecting: true });
    expect(s.failure).toBeUndefined();
    expect(s.progress).toBe('Analysing 1/2 series… ');
    outcomes.set('b', analysedOutcome('b'));
    const forecasting = analysisStatus(outcomes, { done: false }, false, 2);
    expect(forecasting.progress).toBe('Forecasting 1/2 series… ');
    expect(forecasting.detecting).toBe(false);
  });

  it('says the history is loading, even while the previous analysis is done', () => {
    const s = analysisStatus(new Map([['a', analysedOutcome('a')]]), { done: true }, true, 1);
    expect(s.progress).toBe('Loading history… ');
    expect(s.busy).toBe(true);
    expect(s.detecting).toBe(false);
  });

  it('is quiet when done', () => {
    const s = analysisStatus(new Map([['a', analysedOutcome('a')]]), { done: true }, false, 1);
    expect(s).toMatchObject({ progress: '', busy: false, detecting: false, done: true });
    expect(s.failure).toBeUndefined();
  });

  it('fails when the engine is unavailable or analysed nothing, and is then neither busy nor detecting', () => {
    const fatal = analysisStatus(new Map(), { done: false, fatal: 'no wasm' }, true, 1);
    expect(fatal).toMatchObject({
      failure: 'The Foresight engine is unavailable: no wasm',
      busy: false,
      detecting: false,
      progress: '',
    });
    const none = analysisStatus(new Map([['a', outcome('a', { errors: ['x'] })]]), { done: true }, false, 1);
    expect(none.failure).toBe('No series could be analysed');
  });
});

describe('panelNotes', () => {
  const options = { ...defaultOptions, seasonality: 'none' as const };

  it("lists the data's, the options' and the history's notes, then the engine's per series", () => {
    const outcomes = new Map([['a', outcome('a', { errors: ['forecast skipped'] })]]);
    expect(
      panelNotes(extracted(undefined, ['cut']), ['bad horizon'], 'history failed', options, 1000, outcomes)
    ).toEqual(['cut', 'bad horizon', 'history failed', 'cpu: forecast skipped']);
  });

  it('notes mixed units', () => {
    const a = { ...testSeries('a', 'a', [1, 2, 3]), unit: 'percent' };
    const b = testSeries('b', 'b', [1, 2, 3]);
    expect(panelNotes(extracted([a, b]), [], undefined, options, 1000, new Map())).toEqual([
      'mixed units (percent, none): each series is analysed in its own unit',
    ]);
  });

  it('notes series shorter than two periods of the chosen seasonality', () => {
    const hourly = { ...defaultOptions, seasonality: 'daily' as const };
    const day = 24 * 3600_000;
    const long = { ...testSeries('a', 'a', []), timestamps: new Float64Array(48) };
    const short = { ...testSeries('b', 'b', []), timestamps: new Float64Array(47) };
    expect(panelNotes(extracted([long, short]), [], undefined, hourly, day / 24, new Map())).toEqual([
      'daily seasonality needs at least 48 points (two periods); 1 series have fewer',
    ]);
    expect(panelNotes(extracted([long]), [], undefined, hourly, day / 24, new Map())).toEqual([]);
  });
});
