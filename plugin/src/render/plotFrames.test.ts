import { createTheme } from '@grafana/data';
import {
  buildPlotFrames,
  DETAIL_LIMIT,
  forecastLines,
  forecastSoftRanges,
  frameStructureKey,
  joinOnSharedTime,
  lastForecastTime,
  PlannedResults,
  PlotFrameCache,
} from './plotFrames';
import { DetectionResult, SeriesOutcome } from '../types';
import { testSeries } from './testSeries';

const series = testSeries;

const detection = (n: number, kinds: number[] = []): DetectionResult => ({
  timestamps: Float64Array.from({ length: n }, (_, i) => i * 1000),
  expected: new Float64Array(n).fill(2),
  lower: new Float64Array(n).fill(1),
  upper: new Float64Array(n).fill(3),
  score: new Float64Array(n).fill(0.5),
  kind: Uint8Array.from({ length: n }, (_, i) => kinds[i] ?? 0),
});

const outcome = (key: string, extra: Partial<SeriesOutcome>): SeriesOutcome => ({ key, errors: [], ...extra });
const names = (frame: { fields: Array<{ config: { displayNameFromDS?: string } }> }) =>
  frame.fields.map((f) => f.config.displayNameFromDS);

describe('buildPlotFrames', () => {
  const theme = createTheme();

  it('with a cache, rebuilds only the series whose outcome changed, numbering series across the panel', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const b = series('b', 'mem', [4, 5, 6]);
    const cache = new PlotFrameCache();
    const outcomeA = outcome('a', { detection: detection(3) });
    // Each series: its own frame and its forecast's (empty until the forecast).
    const first = buildPlotFrames([a, b], new Map([['a', outcomeA]]), theme, 'utc', undefined, cache);
    expect(first).toHaveLength(4);
    // b's detection arrives: a new map, a's outcome object unchanged.
    const next = new Map([
      ['a', outcomeA],
      ['b', outcome('b', { detection: detection(3) })],
    ]);
    const second = buildPlotFrames([a, b], next, theme, 'utc', undefined, cache);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    expect(second[2]).not.toBe(first[2]);
    expect(second[2].fields).toHaveLength(5);
    // b's empty forecast is kept.
    expect(second[3]).toBe(first[3]);
    // An incident attribution arrives: the outcome changes, nothing drawn does, same list.
    const attributed = new Map(next).set('b', { ...next.get('b')!, incidents: [] });
    expect(buildPlotFrames([a, b], attributed, theme, 'utc', undefined, cache)).toBe(second);
    // Another theme: everything is rebuilt.
    const light = buildPlotFrames([a, b], next, createTheme({ colors: { mode: 'light' } }), 'utc', undefined, cache);
    expect(light[0]).not.toBe(second[0]);
    const indices = light.flatMap((f) => f.fields.filter((x) => x.type !== 'time').map((x) => x.state?.seriesIndex));
    expect(indices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
  });

  it('keeps the frames of a series that comes back as a new object with the same visible data', () => {
    const cache = new PlotFrameCache();
    const first = buildPlotFrames([series('a', 'cpu', [1, NaN, 3])], new Map(), theme, 'utc', undefined, cache);
    // The history query's answer: new objects, the same points.
    const same = buildPlotFrames([series('a', 'cpu', [1, NaN, 3])], new Map(), theme, 'utc', undefined, cache);
    expect(same).toBe(first);
    const moved = buildPlotFrames([series('a', 'cpu', [1, 2, 3])], new Map(), theme, 'utc', undefined, cache);
    expect(moved[0]).not.toBe(first[0]);
    expect(moved[0].fields[1].values).toEqual([1, 2, 3]);
  });

  it('draws only the visible part of a longer training history, one point beyond each edge', () => {
    const a = series('a', 'cpu', [0, 1, 2, 3, 4, 5, 6, 7]);
    const frames = buildPlotFrames([a], new Map([['a', outcome('a', { detection: detection(8) })]]), theme, 'utc', {
      from: 3000,
      to: 5000,
    });
    expect(frames[0].fields[0].values).toEqual([2000, 3000, 4000, 5000, 6000]);
    expect(frames[0].fields[1].values).toEqual([2, 3, 4, 5, 6]);
    expect(frames[0].fields[2].values).toHaveLength(5);
    expect(frames[0].length).toBe(5);
  });

  it('adds expected and a band (upper filled to lower), empty and out of the legend until the detection', () => {
    const a = series('a', 'cpu', [1, NaN, 3]);
    const b = series('b', 'mem', [4, 5, 6]);
    const frames = buildPlotFrames([a, b], new Map([['a', outcome('a', { detection: detection(3) })]]), theme, 'utc');
    expect(names(frames[0])).toEqual([undefined, 'cpu', 'cpu expected', 'cpu upper', 'cpu lower']);
    const upper = frames[0].fields[3];
    expect(upper.config.custom.fillBelowTo).toBe('cpu lower');
    expect(upper.config.custom.hideFrom.legend).toBe(true);
    expect(frames[0].fields[2].config.custom.hideFrom.legend).toBe(false);
    // NaN gaps become nulls so uPlot leaves a gap.
    expect(frames[0].fields[1].values).toEqual([1, null, 3]);
    expect(frames[0].fields[2].values).toEqual([2, 2, 2]);
    // Not yet analysed: the same fields, no values, the expected line not in the legend.
    expect(names(frames[2])).toEqual([undefined, 'mem', 'mem expected', 'mem upper', 'mem lower']);
    expect(frames[2].fields.slice(2).map((f) => f.values)).toEqual([
      [null, null, null],
      [null, null, null],
      [null, null, null],
    ]);
    expect(frames[2].fields[2].config.custom.hideFrom.legend).toBe(true);
    // Each series keeps one colour for its line, expected line and band.
    const colors = new Set(frames[0].fields.slice(1).map((f) => f.config.color?.fixedColor));
    expect(colors.size).toBe(1);
    expect(frames[2].fields[1].config.color?.fixedColor).not.toEqual([...colors][0]);
  });

  it('draws the forecast and its band in a frame of its own, past the last point', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const forecast = {
      timestamps: Float64Array.from([3000, 4000]),
      yhat: Float64Array.from([4, 5]),
      lower: Float64Array.from([3, 4]),
      upper: Float64Array.from([5, NaN]),
    };
    const outcomes = new Map([['a', outcome('a', { detection: detection(3), forecast })]]);
    const frames = buildPlotFrames([a], outcomes, theme, 'utc');
    expect(frames).toHaveLength(2);
    expect(names(frames[1])).toEqual([undefined, 'cpu forecast', 'cpu forecast upper', 'cpu forecast lower']);
    expect(frames[1].fields[0].values).toEqual([3000, 4000]);
    expect(frames[1].fields[2].values).toEqual([5, null]);
    expect(frames[1].fields[1].config.custom.hideFrom.legend).toBe(false);
    expect(lastForecastTime(outcomes)).toBe(4000);
    expect(lastForecastTime(new Map())).toBeUndefined();
  });

  it('before the forecast, has its fields empty on the series own axis, out of the legend', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const frames = buildPlotFrames([a], new Map(), theme, 'utc');
    expect(frames).toHaveLength(2);
    expect(names(frames[1])).toEqual([undefined, 'cpu forecast', 'cpu forecast upper', 'cpu forecast lower']);
    expect(frames[1].fields[0].values).toEqual([0, 1000, 2000]);
    expect(frames[1].fields.slice(1).every((f) => f.values.every((v) => v === null))).toBe(true);
    expect(frames[1].fields[1].config.custom.hideFrom.legend).toBe(true);
  });

  it('ignores a detection that does not line up with the series', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const frames = buildPlotFrames([a], new Map([['a', outcome('a', { detection: detection(2) })]]), theme, 'utc');
    expect(frames[0].fields).toHaveLength(5);
    expect(frames[0].fields[2].values).toEqual([null, null, null]);
  });
});

describe('joinOnSharedTime', () => {
  const theme = createTheme();
  const forecast = (from: number) => ({
    timestamps: Float64Array.from([from, from + 1000]),
    yhat: Float64Array.from([7, 8]),
  });

  it('puts series on one axis and forecasts on the next into one frame, nulls outside each', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const b = series('b', 'mem', [4, NaN, 6]);
    const outcomes = new Map([
      ['a', outcome('a', { forecast: forecast(3000) })],
      ['b', outcome('b', { forecast: forecast(3000) })],
    ]);
    const cache = new PlotFrameCache();
    const perSeries = buildPlotFrames([a, b], outcomes, theme, 'utc', undefined, cache);
    expect(perSeries).toHaveLength(4);
    const [joined] = joinOnSharedTime(perSeries, cache);
    const field = (name: string) => joined.fields.find((f) => f.config.displayNameFromDS === name)!;
    expect(joined.length).toBe(5);
    expect(joined.fields[0].values).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(names(joined)).toEqual([
      undefined,
      ...['cpu', 'cpu expected', 'cpu upper', 'cpu lower', 'cpu forecast', 'cpu forecast upper', 'cpu forecast lower'],
      ...['mem', 'mem expected', 'mem upper', 'mem lower', 'mem forecast', 'mem forecast upper', 'mem forecast lower'],
    ]);
    expect(field('cpu').values).toEqual([1, 2, 3, null, null]);
    expect(field('cpu forecast').values).toEqual([null, null, null, 7, 8]);
    expect(field('mem').values).toEqual([4, null, 6, null, null]);
    // The same frames: the same joined list; a new list reuses the padded fields of unchanged series.
    expect(joinOnSharedTime(perSeries, cache)).toEqual([joined]);
    const again = joinOnSharedTime([...perSeries], cache)[0];
    expect(again).not.toBe(joined);
    expect(again.fields[1]).toBe(joined.fields[1]);
    expect(again.fields[0].values).toBe(joined.fields[0].values);
  });

  it('keeps the arrays of what a result did not change, so the chart keeps their paths', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const cache = new PlotFrameCache();
    const before = joinOnSharedTime(buildPlotFrames([a], new Map(), theme, 'utc', undefined, cache), cache)[0];
    const detected = new Map([['a', outcome('a', { detection: detection(3) })]]);
    const after = joinOnSharedTime(buildPlotFrames([a], detected, theme, 'utc', undefined, cache), cache)[0];
    // The detection rebuilt the series' frame: its observed values and the time axis are the same arrays.
    expect(after.fields[1]).not.toBe(before.fields[1]);
    expect(after.fields[1].values).toBe(before.fields[1].values);
    expect(after.fields[0].values).toBe(before.fields[0].values);
    expect(after.fields[2].values).not.toBe(before.fields[2].values);
  });

  it('joins a series with its empty forecast on the series own axis', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const [joined, ...rest] = joinOnSharedTime(buildPlotFrames([a], new Map(), theme, 'utc'));
    expect(rest).toHaveLength(0);
    expect(joined.fields[0].values).toEqual([0, 1000, 2000]);
    expect(joined.fields).toHaveLength(8);
  });

  it('with results planned, lists their legend entries and lays the forecast out on its own future axis', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const b = series('b', 'mem', [4, 5, 6]);
    const planned: PlannedResults = { expected: true, forecastHorizonMs: 2000 };
    const cache = new PlotFrameCache();
    const build = (outcomes: Map<string, SeriesOutcome>, plan = planned) =>
      joinOnSharedTime(buildPlotFrames([a, b], outcomes, theme, 'utc', undefined, cache, plan), cache)[0];
    const legend = (frame: ReturnType<typeof build>) =>
      frame.fields
        .filter((f) => f.type !== 'time' && !f.config.custom.hideFrom?.legend)
        .map((f) => f.config.displayNameFromDS);
    const before = build(new Map());
    // The legend the results will make, from the first render (band edges never listed).
    expect(legend(before)).toEqual(['cpu', 'cpu expected', 'cpu forecast', 'mem', 'mem expected', 'mem forecast']);
    // The axis reaches the forecasts' timestamps (futureTimestamps): empty there until they arrive.
    expect(before.fields[0].values).toEqual([0, 1000, 2000, 3000, 4000]);
    const field = (frame: ReturnType<typeof build>, name: string) =>
      frame.fields.find((f) => f.config.displayNameFromDS === name)!;
    expect(field(before, 'cpu forecast').values).toEqual([null, null, null, null, null]);
    // a's detection and forecast land: the legend and the axis do not move, b keeps its arrays.
    const forecast = { timestamps: Float64Array.from([3000, 4000]), yhat: Float64Array.from([7, 8]) };
    const resultsA = outcome('a', { detection: detection(3), forecast });
    const after = build(new Map([['a', resultsA]]));
    expect(legend(after)).toEqual(legend(before));
    expect(after.fields[0].values).toBe(before.fields[0].values);
    expect(field(after, 'cpu forecast').values).toEqual([null, null, null, 7, 8]);
    for (const name of ['cpu', 'mem', 'mem expected', 'mem forecast', 'mem forecast upper']) {
      expect(field(after, name).values).toBe(field(before, name).values);
    }
    // The analysis done without b's results (a failed detection, a skipped forecast): its
    // entries go, and its empty forecast is back on its own axis.
    const done = build(new Map([['a', resultsA]]), {});
    expect(legend(done)).toEqual(['cpu', 'cpu expected', 'cpu forecast', 'mem']);
    expect(field(done, 'cpu expected').values).toBe(field(after, 'cpu expected').values);
    expect(done.fields[0].values).toBe(after.fields[0].values);
  });

  it('keeps the observed values array when the history query replaces a series with the same visible points', () => {
    const cache = new PlotFrameCache();
    const visible = { from: 3000, to: 4000 }; // with one point beyond each edge: 2000-4000
    const short = { ...series('a', 'cpu', [3, 4, 5]), timestamps: Float64Array.from([2000, 3000, 4000]) };
    const long = series('a', 'cpu', [1, 2, 3, 4, 5]);
    const first = buildPlotFrames([short], new Map(), theme, 'utc', visible, cache);
    expect(buildPlotFrames([long], new Map(), theme, 'utc', visible, cache)).toBe(first);
    // The detection (of the longer series) rebuilds the frame: its observed values, another
    // view of another array, are the same values and stay the same array.
    const detected = buildPlotFrames(
      [long],
      new Map([['a', outcome('a', { detection: detection(5) })]]),
      theme,
      'utc',
      visible,
      cache
    );
    expect(detected[0]).not.toBe(first[0]);
    expect(detected[0].fields[1].values).toBe(first[0].fields[1].values);
    expect(detected[0].fields[2].values).toEqual([2, 2, 2]);
  });

  it('leaves frames whose axes interleave for Grafana to join', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const outcomes = new Map([['a', outcome('a', { forecast: forecast(1500) })]]);
    const frames = buildPlotFrames([a], outcomes, theme, 'utc');
    expect(joinOnSharedTime(frames)).toBe(frames);
  });
});

describe('frameStructureKey', () => {
  const theme = createTheme();
  it('moves when fields or their drawing change, not when values or results do', () => {
    const a = series('a', 'cpu', [1, 2, 3]);
    const key = frameStructureKey(buildPlotFrames([a], new Map(), theme, 'utc'));
    expect(frameStructureKey(buildPlotFrames([series('a', 'cpu', [4, 5, 6])], new Map(), theme, 'utc'))).toBe(key);
    // A detection and a forecast fill fields that were there already (and show them in the
    // legend, which is not the chart's configuration): the same structure, new data.
    const forecast = { timestamps: Float64Array.from([3000]), yhat: Float64Array.from([4]) };
    const results = new Map([['a', outcome('a', { detection: detection(3), forecast })]]);
    expect(frameStructureKey(buildPlotFrames([a], results, theme, 'utc'))).toBe(key);
    // Another series: a new structure.
    const b = series('b', 'mem', [1, 2, 3]);
    expect(frameStructureKey(buildPlotFrames([a, b], new Map(), theme, 'utc'))).not.toBe(key);
    // Another theme colours the same fields differently: a new structure too.
    const light = createTheme({ colors: { mode: 'light' } });
    expect(frameStructureKey(buildPlotFrames([a], new Map(), light, 'utc'))).not.toBe(key);
  });
});

describe('above DETAIL_LIMIT series: forecasts drawn over the chart', () => {
  const theme = createTheme();
  const many = (n = DETAIL_LIMIT + 1) =>
    Array.from({ length: n }, (_, i) => series(`k${i}`, `s${i}`, [10 + i, 20 + i, 15 + i]));
  const forecast = (yhat: number[]) => ({
    timestamps: Float64Array.from(yhat, (_, i) => 3000 + 1000 * i),
    yhat: Float64Array.from(yhat),
  });

  it('has one frame per series, and a forecast inside the observed range changes none of them', () => {
    const all = many();
    const cache = new PlotFrameCache();
    const before = buildPlotFrames(all, new Map(), theme, 'utc', undefined, cache);
    expect(before).toHaveLength(all.length);
    expect(before.every((f) => f.fields.length === 2)).toBe(true);
    const outcomes = new Map([['k0', outcome('k0', { forecast: forecast([12, 14]) })]]);
    expect(buildPlotFrames(all, outcomes, theme, 'utc', undefined, cache)).toBe(before);
  });

  it('has no planned entries to list: the analysis ending changes no frame', () => {
    const all = many();
    const cache = new PlotFrameCache();
    const planned: PlannedResults = { expected: true, forecastHorizonMs: 2000 };
    const running = buildPlotFrames(all, new Map(), theme, 'utc', undefined, cache, planned);
    expect(running.every((f) => f.fields.length === 2)).toBe(true);
    expect(buildPlotFrames(all, new Map(), theme, 'utc', undefined, cache, {})).toBe(running);
  });

  it('widens the value axis (soft min / max on the observed fields) when a forecast leaves the observed range', () => {
    const all = many();
    const cache = new PlotFrameCache();
    const before = buildPlotFrames(all, new Map(), theme, 'utc', undefined, cache);
    // The observed values span 10..40; this forecast climbs to 47.3.
    const outcomes = new Map([['k0', outcome('k0', { forecast: forecast([30, 47.3]) })]]);
    expect(forecastSoftRanges(all, outcomes).get('')).toEqual({ min: undefined, max: 48 });
    const after = buildPlotFrames(all, outcomes, theme, 'utc', undefined, cache);
    expect(after).not.toBe(before);
    expect(after.map((f) => f.fields[1].config.custom.axisSoftMax)).toEqual(all.map(() => 48));
    expect(frameStructureKey(after)).not.toBe(frameStructureKey(before));
    // Inside the range, or no forecast: no bound.
    expect(forecastSoftRanges(all, new Map([['k0', outcome('k0', { forecast: forecast([11, 30]) })]])).size).toBe(0);
    expect(forecastSoftRanges(all, new Map()).size).toBe(0);
  });

  it('lists a line per forecast in its series colour, the same list while no forecast changes', () => {
    const all = many();
    const f0 = forecast([12, 14]);
    const outcomes = new Map([['k0', outcome('k0', { forecast: f0 })]]);
    const cache = new PlotFrameCache();
    const lines = forecastLines(all, outcomes, theme, cache);
    expect(lines.map((l) => l.name)).toEqual(['s0']);
    expect(lines[0].yhat).toBe(f0.yhat);
    const frames = buildPlotFrames(all, outcomes, theme, 'utc');
    expect(lines[0].color).toBe(frames[0].fields[1].config.color?.fixedColor);
    // A detection arrives (a new map, the same forecast): the same list.
    const detected = new Map(outcomes).set('k1', outcome('k1', { detection: detection(3) }));
    expect(forecastLines(all, detected, theme, cache)).toBe(lines);
    // Another forecast: a new list.
    const more = new Map(detected).set('k1', outcome('k1', { forecast: forecast([20, 21]) }));
    expect(forecastLines(all, more, theme, cache).map((l) => l.name)).toEqual(['s0', 's1']);
    // Up to DETAIL_LIMIT series the forecasts are chart series: no lines.
    expect(forecastLines(all.slice(0, DETAIL_LIMIT), outcomes, theme)).toEqual([]);
  });
});
