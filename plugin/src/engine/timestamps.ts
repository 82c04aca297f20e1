/**
 * Time-axis helpers with no Grafana imports: the worker bundle uses them too, and @grafana/data
 * is not available inside a worker (Grafana shares it with plugins through its module loader).
 */

/** Forecast points per series at most: the horizon is thinned beyond this. */
export const MAX_FORECAST_POINTS = 2_000;

/** Median spacing of the timestamps (the query's step), or 0 with fewer than two. */
export function medianStep(timestamps: ArrayLike<number>): number {
  const steps: number[] = [];
  let regular = true;
  for (let i = 1; i < timestamps.length; i++) {
    const d = timestamps[i] - timestamps[i - 1];
    if (d > 0) {
      regular &&= steps.length === 0 || d === steps[0];
      steps.push(d);
    }
  }
  if (steps.length === 0) {
    return 0;
  }
  if (regular) {
    return steps[0]; // a regular grid (the usual Prometheus series): no sort needed
  }
  steps.sort((a, b) => a - b);
  return steps[Math.floor(steps.length / 2)];
}

/** Timestamps after the last one, one step apart, covering `horizonMs` (thinned to MAX_FORECAST_POINTS). */
export function futureTimestamps(timestamps: ArrayLike<number>, horizonMs: number): Float64Array {
  const grid = futureGrid(timestamps, horizonMs);
  return grid
    ? Float64Array.from({ length: grid.count }, (_, i) => grid.last + (i + 1) * grid.step)
    : new Float64Array(0);
}

/**
 * The last of futureTimestamps(timestamps, horizonMs), without making them: where a forecast of
 * this series will end (undefined: no forecast timestamps). The chart's axis reaches it before
 * the forecast arrives.
 */
export function forecastEnd(timestamps: ArrayLike<number>, horizonMs: number): number | undefined {
  const grid = futureGrid(timestamps, horizonMs);
  return grid ? grid.last + grid.count * grid.step : undefined;
}

function futureGrid(timestamps: ArrayLike<number>, horizonMs: number) {
  const n = timestamps.length;
  const step0 = medianStep(timestamps);
  if (n === 0 || step0 <= 0 || !(horizonMs > 0)) {
    return undefined;
  }
  const count = Math.floor(horizonMs / step0);
  const step = count > MAX_FORECAST_POINTS ? horizonMs / MAX_FORECAST_POINTS : step0;
  const m = Math.min(count, MAX_FORECAST_POINTS);
  return m > 0 ? { last: timestamps[n - 1], step, count: m } : undefined;
}
