import { ModelCache, reusable, trainingRange } from './modelCache';

class FakeModel {
  freed = false;
  free() {
    this.freed = true;
  }
}

const HOUR = 3_600_000;
const range = (first: number, last: number, points = 100) => ({ first, last, points });

describe('reusable', () => {
  const fitted = { fingerprint: 'a', ...range(0, 100 * HOUR) };

  it('keeps the model for a refresh that added a few points', () => {
    expect(reusable(fitted, 'a', range(2 * HOUR, 102 * HOUR))).toBe(true);
  });

  it('keeps it for a zoom into the latest part of the range', () => {
    expect(reusable(fitted, 'a', range(90 * HOUR, 100 * HOUR))).toBe(true);
  });

  it('refits when the options changed', () => {
    expect(reusable(fitted, 'b', range(0, 100 * HOUR))).toBe(false);
  });

  it('refits when the data ran well past the fit', () => {
    expect(reusable(fitted, 'a', range(20 * HOUR, 120 * HOUR))).toBe(false);
  });

  it('refits for a zoom into the middle (the model saw what came next)', () => {
    expect(reusable(fitted, 'a', range(20 * HOUR, 50 * HOUR))).toBe(false);
  });

  it('refits when the data reaches further back', () => {
    expect(reusable(fitted, 'a', range(-50 * HOUR, 100 * HOUR))).toBe(false);
  });
});

describe('ModelCache', () => {
  it('returns the cached model while valid and frees it when dropped', () => {
    const cache = new ModelCache<FakeModel>();
    const model = new FakeModel();
    cache.set('s', 'a', range(0, 100 * HOUR), model);
    expect(cache.get('s', 'a', range(HOUR, 101 * HOUR))).toBe(model);
    expect(cache.get('s', 'b', range(HOUR, 101 * HOUR))).toBeUndefined();
    expect(model.freed).toBe(true);
    expect(cache.size).toBe(0);
  });

  it('frees the least recently used models beyond its point budget', () => {
    const cache = new ModelCache<FakeModel>(250);
    const [a, b, c] = [new FakeModel(), new FakeModel(), new FakeModel()];
    cache.set('a', 'x', range(0, HOUR), a);
    cache.set('b', 'x', range(0, HOUR), b);
    cache.get('a', 'x', range(0, HOUR)); // a is now the most recently used
    cache.set('c', 'x', range(0, HOUR), c);
    expect(b.freed).toBe(true);
    expect(a.freed).toBe(false);
    expect(c.freed).toBe(false);
    expect(cache.size).toBe(2);
  });

  it('replacing a model frees the old one and does not count its points twice', () => {
    const cache = new ModelCache<FakeModel>(150);
    const [old, next, other] = [new FakeModel(), new FakeModel(), new FakeModel()];
    cache.set('s', 'x', range(0, HOUR), old);
    cache.set('s', 'x', range(0, HOUR), next);
    expect(old.freed).toBe(true);
    cache.set('t', 'x', range(0, HOUR, 50), other);
    expect(next.freed).toBe(false);
    expect(cache.size).toBe(2);
  });
});

describe('trainingRange', () => {
  it('counts numeric points only', () => {
    expect(trainingRange([1, 2, 3, 4], [1, NaN, 3, Infinity])).toEqual({ first: 1, last: 4, points: 2 });
  });
});
