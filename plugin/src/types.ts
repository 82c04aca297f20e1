/** Panel options, edited in Grafana's options pane (see module.ts). */
export interface ForesightOptions {
  /** Rolling window of the baseline, in points; 0 lets the engine choose. */
  baselineWindow: number;
  /** Half-width of the band, in robust standard deviations. */
  bandSigmas: number;
}

export const defaultOptions: ForesightOptions = {
  baselineWindow: 0,
  bandSigmas: 3,
};

/** One numeric series taken out of the panel's frames, ready for the engine. */
export interface SeriesInput {
  /** Stable identity across refreshes: refId + field name + labels. */
  key: string;
  /** Name as Grafana shows it (legend format, labels). */
  name: string;
  labels: Record<string, string>;
  refId?: string;
  unit?: string;
  decimals?: number;
  timestamps: Float64Array;
  /** NaN for null, NaN or missing samples. */
  values: Float64Array;
}

export interface BaselineResult {
  timestamps: Float64Array;
  expected: Float64Array;
  lower: Float64Array;
  upper: Float64Array;
  window: number;
}

/** Per-series outcome of an engine run: a result or the engine's error message. */
export type SeriesOutcome = { key: string; baseline: BaselineResult } | { key: string; error: string };
