/**
 * The rows of the panel's lists (incidents, threshold crossings) and what the panel asks the
 * engine on demand (an incident's root cause, alert rules), from the engine's results. Pure,
 * jest-tested.
 */
import { DataQuery } from '@grafana/schema';
import type { AlertRuleOptions } from '../wasm/foresight_wasm';
import { alertRuleOptions, eventsDuring, ShockWindow } from '../engine/engineOptions';
import { ForesightOptions, SeriesInput, SeriesOutcome } from '../types';
import { CrossingRow } from './CrossingsView';
import { IncidentRow } from './IncidentsView';
import type { EngineState } from './useEngine';

/**
 * The incidents of every series that overlap the visible range (the history is there to learn
 * from), with their series' name, index and step and the events they overlap.
 */
export function incidentRows(
  series: SeriesInput[],
  steps: number[],
  outcomes: Map<string, SeriesOutcome>,
  visible: { from: number; to: number },
  events: ShockWindow[]
): IncidentRow[] {
  return series.flatMap((s, seriesIndex) =>
    (outcomes.get(s.key)?.incidents ?? [])
      .filter((inc) => inc.end >= visible.from && inc.start <= visible.to)
      .map((inc) => ({
        ...inc,
        seriesName: s.name,
        seriesIndex,
        stepMs: steps[seriesIndex],
        events: eventsDuring(events, inc.start, inc.end),
      }))
  );
}

/** The series whose forecast has a threshold crossing, with it. */
export function crossingRows(series: SeriesInput[], outcomes: Map<string, SeriesOutcome>): CrossingRow[] {
  return series.flatMap((s) => {
    const c = outcomes.get(s.key)?.forecast?.crossing;
    return c ? [{ seriesName: s.name, crossing: c }] : [];
  });
}

type RootCauseArgs = Parameters<EngineState['rootCause']>;

/**
 * What a root-cause question compares, every series with its detection and labels; undefined
 * while a series has no detection yet.
 */
export function rootCauseInputs(
  series: SeriesInput[],
  outcomes: Map<string, SeriesOutcome>
): { series: RootCauseArgs[0]; labels: RootCauseArgs[2] } | undefined {
  const detections = series.map((s) => outcomes.get(s.key)?.detection);
  if (detections.some((d) => !d)) {
    return undefined;
  }
  return {
    series: series.map((s, i) => {
      const d = detections[i]!;
      return { timestamps: d.timestamps, values: s.values, expected: d.expected, score: d.score, period: d.period };
    }),
    labels: series.map((s) => s.labels),
  };
}

/**
 * Alert rule options for the panel's first query over its first analysed series, or why rules
 * cannot be made.
 */
export function alertRuleRequest(
  options: ForesightOptions,
  targets: DataQuery[] | undefined,
  series: SeriesInput[],
  outcomes: Map<string, SeriesOutcome>,
  stepMs: number
): AlertRuleOptions | string {
  const target = targets?.[0] as { expr?: string } | undefined;
  const first = series.find((s) => outcomes.get(s.key)?.detection);
  const detection = first && outcomes.get(first.key)?.detection;
  if (!target?.expr) {
    return 'Alert rules need a Prometheus query (a PromQL expression) in this panel';
  }
  return detection ? alertRuleOptions(options, target.expr, detection, stepMs) : 'No series analysed yet';
}
