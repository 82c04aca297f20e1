/**
 * Driver series (issue 19): which series explain the others, and a driver's values at a target
 * series' timestamps. Pure functions: the request translation parses the option, the client
 * picks the drivers, the worker aligns them before handing them to the engine as regressors.
 */
import type { DriverMatcher, EngineSeries } from './protocol';
import { medianStep } from './timestamps';

/**
 * `B, job="shop", {__name__="orders_total",env="prod"}`: a bare word is a query letter; label
 * matchers (`name="value"`, braces optional) must all hold. Bad parts are reported, not dropped
 * silently.
 */
export function parseDrivers(text: string): { matchers: DriverMatcher[]; errors: string[] } {
  const matchers: DriverMatcher[] = [];
  const errors: string[] = [];
  // Commas inside braces separate matchers of one driver, outside them drivers.
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      depth = Math.max(0, depth - 1);
    }
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  for (const raw of parts) {
    const part = raw.trim();
    if (!part) {
      continue;
    }
    if (/^[A-Za-z][\w-]*$/.test(part)) {
      matchers.push({ refId: part });
      continue;
    }
    const inner = part.replace(/^\{/, '').replace(/\}$/, '');
    const labels: Record<string, string> = {};
    let ok = inner.trim().length > 0;
    for (const m of inner.split(',')) {
      const match = /^\s*([A-Za-z_][\w]*)\s*=\s*"?([^"]*)"?\s*$/.exec(m);
      if (!match) {
        ok = false;
        break;
      }
      labels[match[1]] = match[2];
    }
    if (ok) {
      matchers.push({ labels });
    } else {
      errors.push(`drivers: cannot read "${part}" (a query letter such as B, or label="value")`);
    }
  }
  return { matchers, errors };
}

/** Whether `s` is one of the drivers: its query letter, or all the matcher's labels. */
export function isDriver(s: Pick<EngineSeries, 'refId' | 'labels' | 'name'>, matchers: DriverMatcher[]): boolean {
  return matchers.some((m) =>
    'refId' in m
      ? s.refId === m.refId
      : Object.entries(m.labels).every(([k, v]) =>
          k === '__name__' ? (s.labels.__name__ ?? s.name) === v : s.labels[k] === v
        )
  );
}

/** The regressor name of a driver: its display name, made unique among the target's drivers. */
export function regressorName(driver: Pick<EngineSeries, 'name' | 'key'>, taken: Set<string>): string {
  const base = (driver.name || driver.key).trim() || 'driver';
  let name = base;
  for (let i = 2; taken.has(name); i++) {
    name = `${base} (${i})`;
  }
  taken.add(name);
  return name;
}

/**
 * The driver's values at the target's timestamps (NaN where the target has no value either),
 * or why it cannot serve as the target's regressor: it must have a value at every timestamp the
 * target has one, so a driver with gaps, at another step or over a shorter range is refused.
 */
export function alignDriver(
  target: Pick<EngineSeries, 'timestamps' | 'values' | 'key'>,
  driver: Pick<EngineSeries, 'timestamps' | 'values' | 'key'>
): { values: Float64Array } | { problem: string } {
  if (driver.key === target.key) {
    return { problem: 'it is the series itself' };
  }
  const byTime = new Map<number, number>();
  driver.timestamps.forEach((t, i) => byTime.set(t, driver.values[i]));
  const values = new Float64Array(target.timestamps.length).fill(NaN);
  let needed = 0;
  let missing = 0;
  let first = Infinity;
  let last = -Infinity;
  target.timestamps.forEach((t, i) => {
    const v = byTime.get(t);
    if (v !== undefined) {
      values[i] = v;
    }
    if (Number.isFinite(target.values[i])) {
      needed++;
      first = Math.min(first, t);
      last = Math.max(last, t);
      if (!Number.isFinite(v ?? NaN)) {
        missing++;
      }
    }
  });
  if (missing === 0) {
    return { values };
  }
  const finite = driver.timestamps.filter((_, i) => Number.isFinite(driver.values[i]));
  const driverStep = medianStep(driver.timestamps);
  const targetStep = medianStep(target.timestamps);
  let why: string;
  if (finite.length === 0 || finite[0] > first || finite[finite.length - 1] < last) {
    why = 'it covers a shorter time range than the series';
  } else if (driverStep !== targetStep) {
    why = `it is at another step (${driverStep / 1000} s, the series ${targetStep / 1000} s)`;
  } else {
    why = `it has gaps (no value at ${missing} of the series' ${needed} points)`;
  }
  return { problem: why };
}
