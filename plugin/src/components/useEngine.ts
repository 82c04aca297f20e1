import { startTransition, useCallback, useEffect, useRef, useState } from 'react';
import type { AlertRuleOptions, AlertRules } from '../wasm/foresight_wasm';
import { EngineClient, OutcomePart } from '../engine/EngineClient';
import { AnalyzeOptions } from '../engine/protocol';
import { IncidentResult, SeriesInput, SeriesOutcome } from '../types';

/** Least time between redraws: longer for big panels, whose redraws cost more. */
const flushMs = (seriesCount: number) => Math.min(1000, 100 + 5 * seriesCount);
/** Parts posted together (the detections of all series) arrive within this: one redraw for them. */
const BURST_MS = 16;

export interface EngineState {
  outcomes: Map<string, SeriesOutcome>;
  done: boolean;
  fatal?: string;
  /** Generates Prometheus alert rules in the worker. */
  alertRules: (options: AlertRuleOptions) => Promise<AlertRules>;
  /** Root-cause hints for one incident, computed in the worker. */
  rootCause: EngineClient['rootCause'];
}

/**
 * Runs the engine worker over the series whenever they or the engine options change (compared
 * by value, so a re-render with equal options does not refit).
 */
export function useEngine(series: SeriesInput[], options: AnalyzeOptions): EngineState {
  const client = useRef<EngineClient>();
  const [state, setState] = useState<Omit<EngineState, 'alertRules' | 'rootCause'>>({
    outcomes: new Map(),
    done: false,
  });

  useEffect(() => {
    const engine = new EngineClient();
    engine.warmUp();
    client.current = engine;
    return () => engine.dispose();
  }, []);

  const optionsKey = JSON.stringify(options);
  useEffect(() => {
    if (!client.current || series.length === 0) {
      return;
    }
    setState({ outcomes: new Map(), done: false });
    // Results arrive series by series; redrawing a panel of 100 series for each one would block
    // the main thread, so they are applied in batches (throttled, trailing).
    let pending: OutcomePart[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lastFlush = -Infinity;
    const flush = (extra?: Partial<Omit<EngineState, 'alertRules' | 'rootCause'>>) => {
      clearTimeout(timer);
      timer = undefined;
      lastFlush = performance.now();
      const parts = pending;
      pending = [];
      // A transition: React renders the panel for a batch in slices of a few milliseconds,
      // yielding to the page between them, instead of in one long task with the chart's update.
      startTransition(() => setState((prev) => ({ ...prev, ...extra, outcomes: parts.reduce(merge, prev.outcomes) })));
    };
    client.current.analyze(series, JSON.parse(optionsKey), {
      onPart: (part) => {
        pending.push(part);
        // The first results show at once; later ones at most every flushMs.
        const wait = Math.max(BURST_MS, lastFlush + flushMs(series.length) - performance.now());
        timer ??= setTimeout(() => flush(), wait);
      },
      onDone: () => flush({ done: true }),
      onFatal: (fatal) => flush({ fatal, done: true }),
    });
    return () => clearTimeout(timer);
  }, [series, optionsKey]);

  const alertRules = useCallback(
    (o: AlertRuleOptions) => client.current?.alertRules(o) ?? Promise.reject(new Error('the engine has not started')),
    []
  );
  const rootCause = useCallback<EngineClient['rootCause']>(
    (series, incident, labels) =>
      client.current?.rootCause(series, incident, labels) ?? Promise.reject(new Error('the engine has not started')),
    []
  );
  return { ...state, alertRules, rootCause };
}

/** Applies one part to a copy of the outcomes (copied once per batch by the caller's reduce). */
function merge(outcomes: Map<string, SeriesOutcome>, part: OutcomePart, index: number): Map<string, SeriesOutcome> {
  const target = index === 0 ? new Map(outcomes) : outcomes;
  const prev = target.get(part.key) ?? { key: part.key, errors: [] };
  const next: SeriesOutcome =
    'detection' in part
      ? { ...prev, detection: part.detection, incidents: part.incidents }
      : 'forecast' in part
        ? { ...prev, forecast: part.forecast }
        : 'start' in part
          ? {
              ...prev,
              // An attribution or root cause of one incident, matched by its start.
              incidents: prev.incidents?.map((inc) =>
                inc.start === part.start ? { ...inc, ...incidentPatch(part) } : inc
              ),
            }
          : { ...prev, errors: [...prev.errors, part.error] };
  return target.set(part.key, next);
}

function incidentPatch(part: Extract<OutcomePart, { start: number }>): Partial<IncidentResult> {
  return 'attribution' in part ? { attribution: part.attribution } : { rootCause: part.rootCause };
}
