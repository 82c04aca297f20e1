/** Messages between the panel (main thread) and the engine worker. */
import { BaselineResult } from '../types';

export interface EngineSeries {
  key: string;
  timestamps: Float64Array;
  values: Float64Array;
}

export interface AnalyzeOptions {
  window?: number;
  bandSigmas: number;
}

export type ToWorker =
  | { type: 'init'; publicPath: string }
  | { type: 'analyze'; requestId: number; series: EngineSeries[]; options: AnalyzeOptions };

export type FromWorker =
  | { type: 'ready'; version: string }
  /** The engine could not load at all (e.g. WebAssembly unavailable). */
  | { type: 'fatal'; message: string }
  | { type: 'result'; requestId: number; key: string; baseline: BaselineResult }
  | { type: 'error'; requestId: number; key: string; message: string }
  | { type: 'done'; requestId: number };
