/**
 * Prophet fit + predict timings in the browser, ours against the reference, on identical
 * inputs in the same page. Results go to `window.benchResults`; tests/bench/run.mjs drives it.
 */
import initAugurs, { Prophet } from '@bsull/augurs/prophet';
import { optimizer } from '@bsull/augurs-prophet-wasmstan';
import initOurs, * as ours from '../../../plugin/src/wasm/foresight_wasm';

export interface BenchSeries {
  name: string;
  /** ms since the epoch */
  ds: number[];
  y: number[];
  growth?: 'linear' | 'logistic' | 'flat';
  cap?: number;
  floor?: number;
  seasonalityMode?: 'additive' | 'multiplicative';
  changepointPriorScale?: number;
  yearly?: boolean;
  weekly?: boolean;
  daily?: boolean;
  /** timestamps (ms) to predict: training rows plus the horizon */
  predictDs: number[];
}

export interface Timing {
  name: string;
  points: number;
  engine: string;
  fitMs: number[];
  predictMs: number[];
  error?: string;
}

declare global {
  interface Window {
    runBench: (series: BenchSeries[], repeats: number) => Promise<Timing[]>;
    fitRows: (series: BenchSeries, engine: string) => Promise<{ yhat: number[]; trend: number[] }>;
    predict600: (series: BenchSeries, repeats: number) => Promise<number[]>;
    engines: () => string[];
  }
}

type Engine = { name: string; fitPredict: (s: BenchSeries) => { fitMs: number; predictMs: number } };

const seasonality = (on: boolean | undefined) =>
  on === undefined ? { type: 'auto' as const } : { type: 'manual' as const, enabled: on };

/** augurs' Prophet with wasmstan, with the series' options. */
const referenceProphet = (s: BenchSeries) =>
  new Prophet({
    optimizer,
    growth: s.growth,
    seasonalityMode: s.seasonalityMode,
    changepointPriorScale: s.changepointPriorScale,
    yearlySeasonality: seasonality(s.yearly),
    weeklySeasonality: seasonality(s.weekly),
    dailySeasonality: seasonality(s.daily),
  });

/** The series' cap and floor as augurs takes them: one value per row of `n`. */
const capFloor = (s: BenchSeries, n: number) => ({
  cap: s.cap === undefined ? undefined : new Float64Array(n).fill(s.cap),
  floor: s.floor === undefined ? undefined : new Float64Array(n).fill(s.floor),
});

const reference: Engine = {
  name: 'augurs + wasmstan',
  fitPredict: (s) => {
    const prophet = referenceProphet(s);
    const t0 = performance.now();
    prophet.fit({ ds: s.ds.map((t) => t / 1000), y: Float64Array.from(s.y), ...capFloor(s, s.ds.length) });
    const t1 = performance.now();
    prophet.predict({ ds: s.predictDs.map((t) => t / 1000), ...capFloor(s, s.predictDs.length) });
    const t2 = performance.now();
    prophet.free();
    return { fitMs: t1 - t0, predictMs: t2 - t1 };
  },
};

const ready = Promise.all([initAugurs(), initOurs()]);

/**
 * Our options for the series, under Prophet's names; `sufficientStatistics` evaluates the
 * objective from sufficient statistics (`optimize.sufficientStatistics`, as the panel fits).
 */
const oursOptions = (s: BenchSeries, sufficientStatistics: boolean) =>
  ({
    growth: s.growth,
    cap: s.cap,
    floor: s.floor,
    seasonality_mode: s.seasonalityMode,
    changepoint_prior_scale: s.changepointPriorScale,
    yearly_seasonality: s.yearly ?? 'auto',
    weekly_seasonality: s.weekly ?? 'auto',
    daily_seasonality: s.daily ?? 'auto',
    optimize: { sufficientStatistics },
  }) as const;

const oursEngine = (name: string, sufficientStatistics: boolean): Engine => ({
  name,
  fitPredict: (s) => {
    const opts = oursOptions(s, sufficientStatistics);
    const t0 = performance.now();
    const model = ours.prophetFit(Float64Array.from(s.ds), Float64Array.from(s.y), opts, undefined);
    const t1 = performance.now();
    ours.prophetPredict(model, Float64Array.from(s.predictDs), undefined);
    const t2 = performance.now();
    ours.prophetFree(model);
    return { fitMs: t1 - t0, predictMs: t2 - t1 };
  },
});
const foresight = oursEngine('foresight', false);
const foresightStats = oursEngine('foresight (sufficient statistics)', true);

/**
 * Issue 3's predict target: 600 timestamps with 1000 uncertainty samples, on a model fitted to
 * the series (the interval work is the cost being measured).
 */
window.predict600 = async (s: BenchSeries, repeats: number) => {
  await ready;
  const model = ours.prophetFit(Float64Array.from(s.ds), Float64Array.from(s.y), { uncertainty_samples: 1000 }, undefined);
  const step = s.ds[s.ds.length - 1] - s.ds[s.ds.length - 2];
  const ds = Float64Array.from({ length: 600 }, (_, i) => s.ds[s.ds.length - 300] + i * step);
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    ours.prophetPredict(model, ds, undefined);
    times.push(performance.now() - t0);
  }
  ours.prophetFree(model);
  return times;
};


/**
 * yhat and trend at the series' own timestamps, for comparing each engine with Python Prophet
 * (tests/bench/run.mjs, "Parity in the browser"). `foresight (sufficient statistics)` is our
 * engine with `optimize.sufficientStatistics`, as the panel fits.
 */
window.fitRows = async (s, engine) => {
  await ready;
  if (engine === reference.name) {
    const prophet = referenceProphet(s);
    const ds = s.ds.map((t) => t / 1000);
    prophet.fit({ ds, y: Float64Array.from(s.y), ...capFloor(s, s.ds.length) });
    const p = prophet.predict({ ds, ...capFloor(s, s.ds.length) });
    prophet.free();
    return { yhat: Array.from(p.yhat.point), trend: Array.from(p.trend.point) };
  }
  const model = ours.prophetFit(Float64Array.from(s.ds), Float64Array.from(s.y), {
    ...oursOptions(s, engine === foresightStats.name),
    uncertainty_samples: 0,
  }, undefined);
  const p = ours.prophetPredict(model, Float64Array.from(s.ds), undefined);
  ours.prophetFree(model);
  return { yhat: Array.from(p.yhat), trend: Array.from(p.trend) };
};

window.engines = () => [reference.name, foresight.name, foresightStats.name];
window.runBench = async (series, repeats) => {
  await ready;
  const engines = [reference, foresight, foresightStats];
  const out: Timing[] = [];
  for (const s of series) {
    for (const engine of engines) {
      const t: Timing = { name: s.name, points: s.ds.length, engine: engine.name, fitMs: [], predictMs: [] };
      for (let r = 0; r < repeats; r++) {
        try {
          const { fitMs, predictMs } = engine.fitPredict(s);
          t.fitMs.push(fitMs);
          t.predictMs.push(predictMs);
        } catch (e) {
          t.error = e instanceof Error ? e.message : String(e);
          break;
        }
        await new Promise((r) => setTimeout(r, 0));
      }
      out.push(t);
    }
  }
  return out;
};
document.body.dataset.bench = 'ready';
