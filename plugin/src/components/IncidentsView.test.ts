import { formatDuration, IncidentRow, rootCauseHint, zoomRange } from './IncidentsView';

const row = (extra: Partial<IncidentRow> = {}): IncidentRow => ({
  seriesIndex: 0,
  start: 10 * 60_000,
  end: 20 * 60_000,
  peakTime: 15 * 60_000,
  peakScore: 3,
  kind: 'collective',
  direction: 'up',
  seriesName: 'a',
  stepMs: 60_000,
  ...extra,
});

describe('incident hints', () => {
  it('names the moved component, the events and the peer that moved first', () => {
    const inc = row({
      attribution: { cause: 'trendChange', activeEvents: [] },
      events: ['deploy v2'],
      rootCause: {
        status: 'compared',
        series: 0,
        start: 0,
        end: 1,
        anomalousSeries: 2,
        related: [
          { series: 0, peakScore: 3, meanScore: 2, outsideShare: 1, deviation: 2, shift: 1, rankScore: 9 },
          {
            series: 1,
            peakScore: 3,
            meanScore: 2,
            outsideShare: 0.5,
            deviation: 2,
            shift: 1,
            lagMs: -300_000,
            rankScore: 5,
          },
        ],
        labels: [
          {
            name: 'instance',
            value: 'db-2',
            series: 2,
            anomalousSeries: 2,
            coversAllAnomalous: true,
            anomalyShare: 1,
            seriesShare: 0.33,
            lift: 3,
            excess: 1,
          },
        ],
      },
    });
    expect(rootCauseHint(inc, ['a', 'b'])).toBe(
      'trend change; during "deploy v2"; all on instance="db-2"; b moved 5m earlier'
    );
    expect(rootCauseHint(row({ attribution: { cause: 'noDeviation', activeEvents: [] } }), [])).toBe('');
    // A single series: the engine's "no peers" message, unless there is something better to say.
    const alone = { status: 'noPeers' as const, series: 0, message: 'only one series' };
    expect(rootCauseHint(row({ rootCause: alone }), [])).toBe('only one series');
    expect(
      rootCauseHint(row({ rootCause: alone, attribution: { cause: 'residualSpike', activeEvents: [] } }), [])
    ).toBe('spike');
    // A departure spread over the window (a multi-hour collective incident) is not a spike.
    expect(
      rootCauseHint(row({ rootCause: alone, attribution: { cause: 'residualShift', activeEvents: [] } }), [])
    ).toBe('sustained departure');
    // A driver series explains it: the engine's words, naming the driver (issue 19).
    expect(
      rootCauseHint(
        row({
          rootCause: alone,
          attribution: { cause: 'driver', activeEvents: [], explanation: 'followed orders, which rose 40 %' },
        }),
        []
      )
    ).toBe('followed orders, which rose 40 %');
  });

  it('zooms with context and formats durations', () => {
    expect(zoomRange(row())).toEqual({ from: 0, to: 30 * 60_000 });
    expect(formatDuration(90 * 60_000)).toBe('1h 30m');
    expect(formatDuration(3 * 86_400_000)).toBe('3d');
  });
});
