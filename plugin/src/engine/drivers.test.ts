import { alignDriver, isDriver, parseDrivers, regressorName } from './drivers';

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
