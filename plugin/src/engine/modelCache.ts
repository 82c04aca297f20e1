/**
 * Fitted models kept per series between requests, so a dashboard refresh or a zoom near the end
 * of the range predicts from the model it already has instead of refitting (a Prophet fit is
 * most of the engine's time). No wasm or Grafana imports: the policy is tested on its own.
 */

/** How far (as a share of the fitted span) the data may move before the model is refitted. */
export const REUSE_TOLERANCE = 0.1;
/** Training points kept across all cached models (a model holds its history): bounds memory. */
export const MAX_CACHED_POINTS = 2_000_000;

export interface Freeable {
  free(): void;
}

interface Entry<M> {
  fingerprint: string;
  first: number;
  last: number;
  points: number;
  model: M;
}

/** The data a model was or would be trained on: its first and last timestamp and size. */
export interface TrainingRange {
  first: number;
  last: number;
  points: number;
}

/**
 * A cached model is reused when the options are the same and the new data is the data it was
 * trained on give or take a tenth of its span: a refresh that added a few points, a zoom into the
 * latest part. It is refitted when the options change, when the data runs well past the fit (the
 * model would be extrapolating), when it ends well before it (a forecast from the middle of the
 * history must not be made by a model that saw what came next), or when it reaches further back.
 */
export function reusable(cached: TrainingRange & { fingerprint: string }, fingerprint: string, next: TrainingRange) {
  if (cached.fingerprint !== fingerprint) {
    return false;
  }
  const tolerance = REUSE_TOLERANCE * (cached.last - cached.first);
  return Math.abs(next.last - cached.last) <= tolerance && next.first >= cached.first - tolerance;
}

/** Least recently used models beyond the point budget are freed. */
export class ModelCache<M extends Freeable> {
  private entries = new Map<string, Entry<M>>();
  private points = 0;

  constructor(private readonly maxPoints = MAX_CACHED_POINTS) {}

  /** The cached model of `key` if it may serve `range` under `fingerprint`; else drops it. */
  get(key: string, fingerprint: string, range: TrainingRange): M | undefined {
    const entry = this.entries.get(key);
    if (!entry) {
      return undefined;
    }
    this.entries.delete(key);
    if (!reusable(entry, fingerprint, range)) {
      this.release(entry);
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.model;
  }

  /** The model of `key` without a validity check (for work on the fit just made). */
  peek(key: string): M | undefined {
    return this.entries.get(key)?.model;
  }

  set(key: string, fingerprint: string, range: TrainingRange, model: M) {
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.points -= old.points;
      if (old.model !== model) {
        old.model.free();
      }
    }
    this.entries.set(key, { fingerprint, ...range, model });
    this.points += range.points;
    for (const [oldest, entry] of this.entries) {
      if (this.points <= this.maxPoints || oldest === key) {
        break;
      }
      this.entries.delete(oldest);
      this.release(entry);
    }
  }

  /** Frees the models whose keys match (a panel that is gone). */
  drop(matches: (key: string) => boolean) {
    for (const [key, entry] of this.entries) {
      if (matches(key)) {
        this.entries.delete(key);
        this.release(entry);
      }
    }
  }

  get size() {
    return this.entries.size;
  }

  private release(entry: Entry<M>) {
    this.points -= entry.points;
    entry.model.free();
  }
}

/** First and last timestamp and numeric-point count of a series. */
export function trainingRange(timestamps: ArrayLike<number>, values: ArrayLike<number>): TrainingRange {
  let points = 0;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) {
      points++;
    }
  }
  return { first: timestamps[0] ?? NaN, last: timestamps[timestamps.length - 1] ?? NaN, points };
}
