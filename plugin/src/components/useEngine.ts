import { useEffect, useRef, useState } from 'react';
import { EngineClient } from '../engine/EngineClient';
import { AnalyzeOptions } from '../engine/protocol';
import { SeriesInput, SeriesOutcome } from '../types';

export interface EngineState {
  outcomes: Map<string, SeriesOutcome>;
  done: boolean;
  fatal?: string;
}

/** Runs the engine worker over the series whenever they or the options change. */
export function useEngine(series: SeriesInput[], options: AnalyzeOptions): EngineState {
  const client = useRef<EngineClient>();
  const [state, setState] = useState<EngineState>({ outcomes: new Map(), done: false });

  useEffect(() => {
    const engine = new EngineClient();
    client.current = engine;
    return () => engine.dispose();
  }, []);

  const { window, bandSigmas } = options;
  useEffect(() => {
    if (!client.current || series.length === 0) {
      return;
    }
    setState({ outcomes: new Map(), done: false });
    client.current.analyze(
      series,
      { window, bandSigmas },
      {
        onOutcome: (outcome) =>
          setState((prev) => ({ ...prev, outcomes: new Map(prev.outcomes).set(outcome.key, outcome) })),
        onDone: () => setState((prev) => ({ ...prev, done: true })),
        onFatal: (fatal) => setState((prev) => ({ ...prev, fatal, done: true })),
      }
    );
  }, [series, window, bandSigmas]);

  return state;
}
