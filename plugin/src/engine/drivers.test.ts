import {
  alignDriver,
  driverFuture,
  isDriver,
  isDriverAnnotation,
  parseDrivers,
  parseLevelAnnotation,
  plannedForecast,
  plannedLevels,
  regressorName,
} from './drivers';

const MIN = 60_000;
const series = (key: string, start: number, step: number, values: number[]) => ({
  key,
  timestamps: Float64Array.from(values, (_, i) => start + i * step),
  values: Float64Array.from(values),
});

describe('parseDrivers', () => {
  it('reads query letters and label matchers, braces optional, and reports what it cannot read', () => {
    const { matchers, errors } = parseDrivers(' B, job="shop", {__name__="orders_total", env="prod"}, =x ');
    expect(matchers).toEqual([
      { refId: 'B' },
      { labels: { job: 'shop' } },
      { labels: { __name__: 'orders_total', env: 'prod' } },
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('=x');
    expect(parseDrivers('')).toEqual({ matchers: [], errors: [] });
  });
});

describe('isDriver', () => {
  const orders = { refId: 'B', name: 'orders', labels: { job: 'shop', __name__: 'orders_total' } };
  const cpu = { refId: 'A', name: 'cpu', labels: { job: 'api' } };
  it('matches the query letter or every label of a matcher', () => {
    expect(isDriver(orders, [{ refId: 'B' }])).toBe(true);
    expect(isDriver(cpu, [{ refId: 'B' }])).toBe(false);
    expect(isDriver(orders, [{ labels: { job: 'shop', __name__: 'orders_total' } }])).toBe(true);
    expect(isDriver(orders, [{ labels: { job: 'shop', env: 'prod' } }])).toBe(false);
    expect(isDriver(cpu, [{ labels: { __name__: 'cpu' } }])).toBe(true);
  });
});

describe('regressorName', () => {
  it('is the display name, made unique', () => {
    const taken = new Set<string>();
    expect(regressorName({ name: 'orders', key: 'B/x' }, taken)).toBe('orders');
    expect(regressorName({ name: 'orders', key: 'C/x' }, taken)).toBe('orders (2)');
    expect(regressorName({ name: '', key: 'D/y' }, taken)).toBe('D/y');
  });
});

describe('alignDriver', () => {
  const target = series('A/cpu', 0, MIN, [1, 2, NaN, 4, 5]);
  it('gives the driver values at the target timestamps', () => {
    const driver = series('B/orders', -MIN, MIN, [9, 10, 20, 30, 40, 50, 60]);
    const aligned = alignDriver(target, driver);
    expect('values' in aligned && Array.from(aligned.values)).toEqual([10, 20, 30, 40, 50]);
  });
  it('needs a value only where the target has one', () => {
    const driver = series('B/orders', 0, MIN, [10, 20, NaN, 40, 50]);
    expect('values' in alignDriver(target, driver)).toBe(true);
  });
  it('says why a driver cannot serve: the series itself, shorter, another step, gaps', () => {
    const problem = (d: ReturnType<typeof series>) => {
      const a = alignDriver(target, d);
      return 'problem' in a ? a.problem : '';
    };
    expect(problem(series('A/cpu', 0, MIN, [1, 2, 3, 4, 5]))).toContain('series itself');
    expect(problem(series('B/orders', 2 * MIN, MIN, [1, 2, 3]))).toContain('shorter');
    expect(problem(series('B/orders', 0, 2 * MIN, [1, 2, 3]))).toContain('another step');
    expect(problem(series('B/orders', 0, MIN, [1, NaN, 3, 4, 5]))).toContain('gaps');
  });
});

describe("annotations that set a driver's level", () => {
  const orders = { key: 'o', refId: 'B', name: 'orders{job="shop"}', labels: { __name__: 'orders', job: 'shop' } };
  const signups = { key: 's', refId: 'C', name: 'signups{job="web"}', labels: { __name__: 'signups', job: 'web' } };

  it('are the ones tagged driver or written "driver …"', () => {
    expect(isDriverAnnotation('B = 120', ['Driver'])).toBe(true);
    expect(isDriverAnnotation('driver B = 120', [])).toBe(true);
    expect(isDriverAnnotation('deploy v2', ['deploy'])).toBe(false);
    expect(isDriverAnnotation('drivers updated', [])).toBe(false);
    expect(isDriverAnnotation('driver update deployed', [])).toBe(false);
  });

  it('read "<driver> = <level>", a description allowed after the level', () => {
    expect(parseLevelAnnotation('orders = 120')).toEqual({ target: 'orders', level: 120 });
    expect(parseLevelAnnotation('driver: B = 1.5e2 spring campaign')).toEqual({ target: 'B', level: 150 });
    expect(parseLevelAnnotation('driver job="shop" = -3')).toEqual({ target: 'job="shop"', level: -3 });
    expect(parseLevelAnnotation('orders{job="shop"} = 80')).toEqual({ target: 'orders{job="shop"}', level: 80 });
  });

  it('say what is wrong with bad text: no driver, no number, not finite', () => {
    expect(parseLevelAnnotation('campaign')).toHaveProperty('problem', expect.stringContaining('expected'));
    expect(parseLevelAnnotation('= 5')).toHaveProperty('problem', expect.stringContaining('expected'));
    expect(parseLevelAnnotation('B = lots')).toHaveProperty('problem', 'the level "lots" is not a number');
    expect(parseLevelAnnotation('B =')).toHaveProperty('problem', 'the level "" is not a number');
    expect(parseLevelAnnotation('B = 1e999')).toHaveProperty('problem', 'the level "1e999" is not a finite number');
    expect(parseLevelAnnotation('B = Infinity')).toHaveProperty('problem', 'the level "Infinity" is not a number');
  });

  it('name a driver by query letter, series name, metric name, label value or label matchers', () => {
    const at = (text: string) => ({ text, start: 1000, end: 2000 });
    for (const text of [
      'B = 1',
      'orders{job="shop"} = 1',
      'orders = 1',
      'shop = 1',
      'job="shop" = 1',
      '{job="shop"} = 1',
    ]) {
      const { levels, problems } = plannedLevels([at(text)], [orders, signups]);
      expect(problems).toEqual([]);
      expect(levels).toEqual([{ key: 'o', level: 1, start: 1000, end: 2000, annotation: text }]);
    }
  });

  it('that cannot be used are each said, the others still used', () => {
    const both = { ...signups, labels: { ...signups.labels, team: 'growth' } };
    const { levels, problems } = plannedLevels(
      [
        { text: 'B = 120', start: 1000, end: 2000 },
        { text: 'Z = 5', start: 1000, end: 2000 },
        { text: 'B = many', start: 1000, end: 2000 },
        { text: 'growth = 5', start: 1000, end: 2000 },
      ],
      [orders, both, { ...orders, key: 'o2', refId: 'D', labels: { team: 'growth' } }]
    );
    expect(levels.map((l) => [l.key, l.level])).toEqual([['o', 120]]);
    expect(problems).toEqual([
      'driver annotation "Z = 5" not used: no driver of the panel is "Z" (see the Drivers option)',
      'driver annotation "B = many" not used: the level "many" is not a number',
      'driver annotation "growth = 5" not used: "growth" names 2 drivers (name one: its query letter or series name)',
    ]);
  });

  it("set the driver's future inside their window; outside, observed values, else its forecast", () => {
    const ahead = [10, 20, 30, 40, 50, 60];
    const observed = new Map([
      [20, 7],
      [50, 7],
    ]);
    const forecast = [1, 2, 3, 4, 5, 6];
    const { levels } = plannedLevels(
      [
        { text: 'B = 100', start: 20, end: 40 },
        { text: 'B = 200 later plan', start: 40, end: 40 },
        { text: 'C = 9', start: 0, end: 100 },
      ],
      [orders, signups]
    );
    const { values, used } = driverFuture('o', ahead, observed, forecast, levels);
    // The plan overrides what the query has at 20; the point annotation holds from 40 on and,
    // starting later, wins where the two overlap; signups' plan does not touch orders.
    expect([...values.entries()]).toEqual([
      [10, 1],
      [20, 100],
      [30, 100],
      [40, 200],
      [50, 200],
      [60, 200],
    ]);
    expect(used.map((l) => l.annotation)).toEqual(['B = 100', 'B = 200 later plan']);
    // A window entirely outside the horizon is not used (and not reported as used).
    const past = driverFuture('o', ahead, observed, forecast, [{ ...levels[0], start: 0, end: 5 }]);
    expect([...past.values.values()]).toEqual([1, 7, 3, 4, 7, 6]);
    expect(past.used).toEqual([]);
  });
});

describe('plannedForecast', () => {
  it("draws a driver's planned level over its own forecast, with no band there", () => {
    const ds = [10, 20, 30, 40];
    const yhat = Float64Array.from([1, 2, 3, 4]);
    const lower = Float64Array.from([0, 1, 2, 3]);
    const upper = Float64Array.from([2, 3, 4, 5]);
    const plan = { key: 'o', level: 50, start: 20, end: 30, annotation: 'orders = 50' };
    const other = { ...plan, key: 's', level: 9 };
    const out = plannedForecast('o', ds, yhat, lower, upper, [plan, other]);
    expect([...out.yhat]).toEqual([1, 50, 50, 4]);
    expect([...out.lower!]).toEqual([0, 50, 50, 3]);
    expect([...out.upper!]).toEqual([2, 50, 50, 5]);
    expect(out.used).toEqual([plan]);
    // No plan of its own: the forecast as it was, the same arrays.
    const none = plannedForecast('o', ds, yhat, lower, upper, [other]);
    expect(none.yhat).toBe(yhat);
    expect(none.used).toEqual([]);
  });
});
