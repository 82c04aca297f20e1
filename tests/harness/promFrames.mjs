// Builds data frames from a Prometheus /api/v1/query_range answer exactly as Grafana's
// Prometheus data source hands them to a panel (timeseries-multi, one frame per
// series, labels on the value field, step on the time field, executedQueryString on the
// first frame only). Wire (JSON) format, decoded in the page by dataFrameFromJSON.

const SPECIAL = { NaN: 'NaN', '+Inf': 'Inf', '-Inf': 'NegInf' };

/**
 * @param {{resultType: string, result: Array<{metric: Record<string,string>, values: Array<[number, string]>}>}} data
 * @param {{refId?: string, stepMs: number, query: string, legendFormat?: string}} opts
 */
export function matrixToFrames(data, { refId = 'A', stepMs, query, legendFormat }) {
  if (data.resultType !== 'matrix') {
    throw new Error(`expected a matrix result, got ${data.resultType}`);
  }
  return data.result.map((series, i) => {
    const times = [];
    const values = [];
    const entities = {};
    series.values.forEach(([t, raw], idx) => {
      times.push(Math.round(t * 1000));
      const kind = SPECIAL[raw];
      if (kind) {
        (entities[kind] ??= []).push(idx);
        values.push(null);
      } else {
        values.push(Number(raw));
      }
    });
    const valueConfig = {};
    if (legendFormat) {
      valueConfig.displayNameFromDS = legendFormat.replace(/\{\{\s*(.+?)\s*\}\}/g, (_, k) => series.metric[k] ?? '');
    }
    const meta = { type: 'timeseries-multi', typeVersion: [0, 1], custom: { resultType: 'matrix' } };
    if (i === 0) {
      meta.executedQueryString = `Expr: ${query}\nStep: ${stepMs / 1000}s`;
    }
    return {
      schema: {
        refId,
        meta,
        fields: [
          { name: 'Time', type: 'time', typeInfo: { frame: 'time.Time' }, config: { interval: stepMs } },
          { name: 'Value', type: 'number', typeInfo: { frame: 'float64' }, labels: series.metric, config: valueConfig },
        ],
      },
      data: Object.keys(entities).length ? { values: [times, values], entities: [null, entities] } : { values: [times, values] },
    };
  });
}

/** Queries a Prometheus range and returns the frames Grafana would build. */
export async function queryRangeFrames(baseUrl, { query, start, end, stepMs, refId, legendFormat }) {
  const url = new URL('/api/v1/query_range', baseUrl);
  url.searchParams.set('query', query);
  url.searchParams.set('start', String(start / 1000));
  url.searchParams.set('end', String(end / 1000));
  url.searchParams.set('step', String(stepMs / 1000));
  const res = await fetch(url);
  const body = await res.json().catch(() => ({}));
  if (!res.ok || body.status !== 'success') {
    throw new Error(`Prometheus query failed (${res.status}): ${body.error ?? res.statusText}`);
  }
  return matrixToFrames(body.data, { refId, stepMs, query, legendFormat });
}
