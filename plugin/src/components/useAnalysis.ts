import { useMemo } from 'react';
import { PanelData, TimeRange } from '@grafana/data';
import { ExtractedSeries, extractSeries, limitSeries } from '../data/frames';
import {
  annotationEvents,
  buildAnalyzeOptions,
  driverAnnotations,
  medianStep,
  parseShockWindows,
  ShockWindow,
} from '../engine/engineOptions';
import type { AnalyzeOptions } from '../engine/protocol';
import { ForesightOptions, SeriesInput } from '../types';
import { AnalysedSeries, trainedSeries, withThresholds } from './panelSeries';
import { EngineState, useEngine } from './useEngine';
import { Training, useTraining } from './useTraining';

export interface Analysis {
  /** The query's series (visible range). */
  extracted: ExtractedSeries;
  /** Each series' step, and the first one's (the query's step). */
  steps: number[];
  stepMs: number;
  /** Shock windows and dashboard annotations: Prophet models them, the incidents list names them. */
  events: ShockWindow[];
  /** What is wrong with the panel's options. */
  optionErrors: string[];
  training: Training;
  /** The series the engine learns from (see trainedSeries), with and without their thresholds. */
  analysed: SeriesInput[];
  engineSeries: AnalysedSeries[];
  /** The engine request's options (what the analysis will produce: see chartPlan). */
  request: AnalyzeOptions;
  engine: EngineState;
}

/**
 * The panel's data and options turned into an engine request (series, history, events, driver
 * plans), run in the engine whenever they change; results arrive in `engine.outcomes`.
 */
export function useAnalysis(data: PanelData, options: ForesightOptions, timeRange: TimeRange): Analysis {
  const intervalMs = data.request?.intervalMs;
  const extracted = useMemo(() => limitSeries(extractSeries(data.series, intervalMs)), [data.series, intervalMs]);
  const steps = useMemo(() => extracted.series.map((s) => medianStep(s.timestamps)), [extracted.series]);
  const stepMs = steps[0] ?? 0;
  const visibleMs = timeRange.to.valueOf() - timeRange.from.valueOf();
  // Dashboard annotations are events (unless turned off), and those that set a driver's level
  // (a planned campaign) go to the drivers' future values.
  const useAnnotations = options.useAnnotations ?? true;
  const annotations = useMemo(
    () => (useAnnotations ? annotationEvents(data.annotations) : []),
    [useAnnotations, data.annotations]
  );
  const levelAnnotations = useMemo(
    () => (useAnnotations ? driverAnnotations(data.annotations) : []),
    [useAnnotations, data.annotations]
  );
  const events = useMemo(
    () => [...parseShockWindows(options.shockWindows ?? '').windows, ...annotations],
    [options.shockWindows, annotations]
  );
  const request = useMemo(
    () => buildAnalyzeOptions(options, stepMs, visibleMs, annotations, levelAnnotations),
    [options, stepMs, visibleMs, annotations, levelAnnotations]
  );
  const training = useTraining(data, timeRange, options.trainingMultiple ?? 1, stepMs);
  const { loading: trainingLoading, byKey: trainingByKey } = training;
  const analysed = useMemo(
    () => trainedSeries(extracted.series, { loading: trainingLoading, byKey: trainingByKey }),
    [extracted.series, trainingLoading, trainingByKey]
  );
  const { threshold, thresholdDirection } = options;
  const engineSeries = useMemo(
    () => withThresholds(analysed, threshold, thresholdDirection),
    [analysed, threshold, thresholdDirection]
  );
  const engine = useEngine(engineSeries, request.options);
  return {
    extracted,
    steps,
    stepMs,
    events,
    optionErrors: request.errors,
    training,
    analysed,
    engineSeries,
    request: request.options,
    engine,
  };
}
