import { ModelCache, reusable, trainingRange } from './modelCache';
import { ownerOf, poolSize } from './EngineClient';

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

describe('worker pool', () => {
  it('uses one worker per core but one (the page keeps a core), at least one, at most four', () => {
    expect(poolSize(1)).toBe(1);
    expect(poolSize(2)).toBe(1);
    expect(poolSize(4)).toBe(3);
    expect(poolSize(16)).toBe(4);
    expect(poolSize(0)).toBe(1);
  });

  it('sends a series to the same worker every time, spreading series over all workers', () => {
    const keys = Array.from({ length: 400 }, (_, i) => `{instance="pod-${i}"}`);
    const owners = keys.map((k) => ownerOf(k, 3));
    expect(keys.map((k) => ownerOf(k, 3))).toEqual(owners);
    const counts = [0, 1, 2].map((w) => owners.filter((o) => o === w).length);
    // Worker 0 also detects: about half a share (400 / 2.5 * 0.5 = 80), the others about 160.
    expect(counts[0]).toBeGreaterThan(40);
    expect(counts[0]).toBeLessThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(110);
    expect(counts[2]).toBeGreaterThan(110);
    expect(keys.every((k) => ownerOf(k, 1) === 0)).toBe(true);
  });
});
