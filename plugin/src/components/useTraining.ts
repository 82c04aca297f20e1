import { useEffect, useMemo, useState } from 'react';
import { PanelData, TimeRange } from '@grafana/data';
import { extractSeries } from '../data/frames';
import { cannotRequery, queryTrainingFrames, trainingQueryRange } from '../data/trainingQuery';
import { SeriesInput } from '../types';

export interface Training {
  /** Longer series by key, once the history query answered. */
  byKey?: Map<string, SeriesInput>;
  /** Still waiting for the history query. */
  loading: boolean;
  /** Why the visible data is used instead (shown in the status line). */
  note?: string;
}

/**
 * The panel's series over `multiple` × the visible range, through the panel's own data source,
 * queried again only when the query, the range or the multiple change.
 */
export function useTraining(data: PanelData, timeRange: TimeRange, multiple: number, stepMs: number): Training {
  const request = data.request;
  const range = useMemo(
    () => trainingQueryRange({ from: timeRange.from.valueOf(), to: timeRange.to.valueOf() }, multiple, stepMs),
    [timeRange, multiple, stepMs]
  );
  const problem = range ? cannotRequery(request) : undefined;
  const key = range && !problem ? JSON.stringify([request?.targets, range]) : '';
  const [state, setState] = useState<Training & { key: string }>({ key: '', loading: false });

  useEffect(() => {
    if (!key || !request || !range) {
      return;
    }
    let current = true;
    queryTrainingFrames(request, range).then(
      (frames) => {
        const extracted = extractSeries(frames, stepMs);
        current && setState({ key, loading: false, byKey: new Map(extracted.series.map((s) => [s.key, s])) });
      },
      (e) =>
        current &&
        setState({ key, loading: false, note: `history query failed (${e instanceof Error ? e.message : String(e)})` })
    );
    return () => {
      current = false;
    };
    // The request object changes on every refresh; its targets and the range are what matter.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  if (!range) {
    return { loading: false };
  }
  if (problem) {
    return { loading: false, note: `trained on the visible range: ${problem}` };
  }
  if (state.key !== key) {
    return { loading: true };
  }
  return state.note ? { loading: false, note: `trained on the visible range: ${state.note}` } : state;
}
