import { useEffect, useRef, useState } from 'react';
import { EngineClient, OutcomePart } from '../engine/EngineClient';
import { AnalyzeOptions } from '../engine/protocol';
import { SeriesInput, SeriesOutcome } from '../types';

export interface EngineState {
  outcomes: Map<string, SeriesOutcome>;
  done: boolean;
  fatal?: string;
}

/**
 * Runs the engine worker over the series whenever they or the engine options change (compared
 * by value, so a re-render with equal options does not refit).
 */
export function useEngine(series: SeriesInput[], options: AnalyzeOptions): EngineState {
  const client = useRef<EngineClient>();
  const [state, setState] = useState<EngineState>({ outcomes: new Map(), done: false });

  useEffect(() => {
    const engine = new EngineClient();
    client.current = engine;
    return () => engine.dispose();
  }, []);

  const optionsKey = JSON.stringify(options);
  useEffect(() => {
    if (!client.current || series.length === 0) {
      return;
    }
    setState({ outcomes: new Map(), done: false });
    client.current.analyze(series, JSON.parse(optionsKey), {
      onPart: (part) => setState((prev) => ({ ...prev, outcomes: merge(prev.outcomes, part) })),
      onDone: () => setState((prev) => ({ ...prev, done: true })),
      onFatal: (fatal) => setState((prev) => ({ ...prev, fatal, done: true })),
    });
  }, [series, optionsKey]);

  return state;
}

function merge(outcomes: Map<string, SeriesOutcome>, part: OutcomePart): Map<string, SeriesOutcome> {
  const prev = outcomes.get(part.key) ?? { key: part.key, errors: [] };
  const next: SeriesOutcome =
    'detection' in part
      ? { ...prev, detection: part.detection, incidents: part.incidents }
      : 'forecast' in part
        ? { ...prev, forecast: part.forecast }
        : { ...prev, errors: [...prev.errors, part.error] };
  return new Map(outcomes).set(part.key, next);
}
