import { SeriesInput } from '../types';

/** A series one second per point, for the render tests (not part of the plugin bundle). */
export const testSeries = (key: string, name: string, values: number[]): SeriesInput => ({
  key,
  name,
  labels: {},
  timestamps: Float64Array.from(values, (_, i) => i * 1000),
  values: Float64Array.from(values),
});
