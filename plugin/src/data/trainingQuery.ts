/**
 * Training on more history than is visible: the panel asks its own data source for a longer
 * range ending where the dashboard's ends (as scenes-ml's baseliner does), with the same step,
 * and falls back to the visible data when that is not possible.
 */
import { DataFrame, DataQueryRequest, DataQueryResponse, dateTime } from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { isObservable, lastValueFrom } from 'rxjs';

/** The history query's time range, ms UTC (not modelCache's TrainingRange: the data a model saw). */
export interface QueryRange {
  from: number;
  to: number;
}

/** Points per series a range query may return (Prometheus' limit, which Grafana respects by coarsening the step). */
export const MAX_POINTS_PER_QUERY = 11_000;

/**
 * The history query's range for a visible range and a multiple of it (≤ 1: none), shortened so the
 * query keeps the visible step (`stepMs`) within MAX_POINTS_PER_QUERY points.
 */
export function trainingQueryRange(visible: QueryRange, multiple: number, stepMs = 0): QueryRange | undefined {
  const span = visible.to - visible.from;
  if (!(multiple > 1) || !(span > 0)) {
    return undefined;
  }
  const longest = stepMs > 0 ? MAX_POINTS_PER_QUERY * stepMs : Infinity;
  const trainingSpan = Math.min(multiple * span, longest);
  if (trainingSpan <= span) {
    return undefined;
  }
  return { from: visible.to - trainingSpan, to: visible.to };
}

/** Why the panel's request cannot be re-issued for a longer range, or undefined if it can. */
export function cannotRequery(request: DataQueryRequest | undefined): string | undefined {
  if (!request || request.targets.length === 0) {
    return 'the panel has no query to extend';
  }
  const uids = new Set(
    request.targets.map((t) => (typeof t.datasource === 'string' ? t.datasource : t.datasource?.uid))
  );
  if (uids.size !== 1 || uids.has(undefined)) {
    return 'the queries use several data sources';
  }
  return undefined;
}

/** Runs the panel's queries over `range` with the visible step; rejects with the reason on failure. */
export async function queryTrainingFrames(request: DataQueryRequest, range: QueryRange): Promise<DataFrame[]> {
  const target = request.targets[0];
  const ds = await getDataSourceSrv().get(target.datasource);
  const span = range.to - range.from;
  const visibleSpan = request.range.to.valueOf() - request.range.from.valueOf();
  const longer: DataQueryRequest = {
    ...request,
    requestId: `${request.requestId}-foresight-training`,
    range: {
      from: dateTime(range.from),
      to: dateTime(range.to),
      raw: { from: dateTime(range.from), to: dateTime(range.to) },
    },
    // Same step as the visible query: more points, not coarser ones.
    maxDataPoints: Math.ceil((request.maxDataPoints ?? 1000) * Math.max(1, span / Math.max(1, visibleSpan))),
  };
  // DataSourceApi.query returns an Observable or a Promise.
  const result = ds.query(longer);
  const response: DataQueryResponse = isObservable(result) ? await lastValueFrom(result) : await result;
  if (response.errors?.length) {
    throw new Error(response.errors[0].message ?? 'query failed');
  }
  return response.data as DataFrame[];
}
