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

/**
 * A dashboard annotation that sets a driver's level (a planned campaign): text `<driver> =
 * <level>`, optionally followed by a description, tagged `driver` or written `driver <driver> =
 * <level>`. Read from the annotation frames by engineOptions.ts (driverAnnotations).
 */
export interface DriverAnnotation {
  text: string;
  start: number;
  end: number;
}

/** A driver's planned level over a time window, from one annotation (see plannedLevels). */
export interface PlannedLevel {
  /** The driver series' key. */
  key: string;
  level: number;
  /** Inclusive; a point annotation holds from its time on (end = Infinity). */
  start: number;
  end: number;
  /** The annotation's text, to say where the level came from. */
  annotation: string;
}

/**
 * Whether an annotation describes a driver rather than an event: the tag `driver`, or text
 * `driver … = …` (an `=` required, so that "driver update deployed" stays an event).
 */
export function isDriverAnnotation(text: string, tags: string[]): boolean {
  return tags.some((t) => t.trim().toLowerCase() === 'driver') || /^driver\b.*=/is.test(text.trim());
}

/**
 * The driver an annotation names and the level it sets, or why it cannot be read. The level is
 * the token after the last `=` outside braces and quotes (label matchers have their own `=`).
 */
export function parseLevelAnnotation(text: string): { target: string; level: number } | { problem: string } {
  const body = text.trim().replace(/^driver\b\s*:?\s*/i, '');
  let depth = 0;
  let quoted = false;
  let at = -1;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '"') {
      quoted = !quoted;
    } else if (!quoted && ch === '{') {
      depth++;
    } else if (!quoted && ch === '}') {
      depth = Math.max(0, depth - 1);
    } else if (!quoted && depth === 0 && ch === '=') {
      at = i;
    }
  }
  const target = at >= 0 ? body.slice(0, at).trim() : '';
  if (!target) {
    return { problem: 'expected "<driver> = <level>" (a query letter, series name or label value, then a number)' };
  }
  const token =
    body
      .slice(at + 1)
      .trim()
      .split(/\s+/)[0] ?? '';
  if (!/^[-+]?(\d+(\.\d*)?|\.\d+)(e[-+]?\d+)?$/i.test(token)) {
    return { problem: `the level "${token}" is not a number` };
  }
  const level = Number(token);
  if (!Number.isFinite(level)) {
    return { problem: `the level "${token}" is not a finite number` };
  }
  return { target, level };
}

/**
 * Whether an annotation's driver name designates `s`: the query letter, the name shown for the
 * series or its metric name, one of its label values, or label matchers as in the Drivers option.
 */
function names(s: Pick<EngineSeries, 'refId' | 'labels' | 'name'>, target: string): boolean {
  const metric = s.labels.__name__ ?? (s.name ?? '').split('{')[0];
  if (target === s.refId || target === s.name || target === metric || Object.values(s.labels).includes(target)) {
    return true;
  }
  if (/=/.test(target)) {
    const { matchers, errors } = parseDrivers(target);
    return errors.length === 0 && matchers.length === 1 && isDriver(s, matchers);
  }
  return false;
}

/**
 * The planned levels the annotations set on the panel's drivers, and a note for each annotation
 * that cannot be used (unreadable text, a level that is not a finite number, a name that is no
 * driver or more than one). The worker applies them (driverFuture).
 */
export function plannedLevels(
  annotations: DriverAnnotation[],
  drivers: Array<Pick<EngineSeries, 'key' | 'refId' | 'labels' | 'name'>>
): { levels: PlannedLevel[]; problems: string[] } {
  const levels: PlannedLevel[] = [];
  const problems: string[] = [];
  for (const a of annotations) {
    const label = a.text.slice(0, 60);
    const parsed = parseLevelAnnotation(a.text);
    if ('problem' in parsed) {
      problems.push(`driver annotation "${label}" not used: ${parsed.problem}`);
      continue;
    }
    const matched = drivers.filter((d) => names(d, parsed.target));
    if (matched.length !== 1) {
      problems.push(
        `driver annotation "${label}" not used: ${
          matched.length === 0
            ? `no driver of the panel is "${parsed.target}" (see the Drivers option)`
            : `"${parsed.target}" names ${matched.length} drivers (name one: its query letter or series name)`
        }`
      );
      continue;
    }
    levels.push({
      key: matched[0].key,
      level: parsed.level,
      start: a.start,
      end: a.end > a.start ? a.end : Infinity,
      annotation: label,
    });
  }
  return { levels, problems };
}

/**
 * A driver's values over a target's horizon: the planned level where an annotation of this
 * driver covers the time (the latest-starting one when they overlap), else its observed value
 * where the query has one, else its own forecast. Also which planned levels were used.
 */
export function driverFuture(
  key: string,
  ahead: ArrayLike<number>,
  observed: Map<number, number>,
  forecast: ArrayLike<number>,
  levels: PlannedLevel[]
): { values: Map<number, number>; used: PlannedLevel[] } {
  const mine = levels.filter((l) => l.key === key).sort((a, b) => b.start - a.start);
  const values = new Map<number, number>();
  const used = new Set<PlannedLevel>();
  for (let i = 0; i < ahead.length; i++) {
    const t = ahead[i];
    const plan = mine.find((l) => l.start <= t && t <= l.end);
    if (plan) {
      used.add(plan);
    }
    values.set(t, plan ? plan.level : (observed.get(t) ?? forecast[i]));
  }
  return { values, used: mine.filter((l) => used.has(l)).reverse() };
}

/**
 * A driver's own forecast with the levels annotations plan for it: where a plan covers a time
 * the drawn value is the planned level (with no band: it is a stated figure, not an estimate),
 * as the series it drives see it. Also which plans were used.
 */
export function plannedForecast(
  key: string,
  timestamps: ArrayLike<number>,
  yhat: Float64Array,
  lower: Float64Array | undefined,
  upper: Float64Array | undefined,
  levels: PlannedLevel[]
): { yhat: Float64Array; lower?: Float64Array; upper?: Float64Array; used: PlannedLevel[] } {
  const { values, used } = driverFuture(key, timestamps, new Map(), yhat, levels);
  if (used.length === 0) {
    return { yhat, lower, upper, used };
  }
  const out = Float64Array.from(timestamps, (t) => values.get(t)!);
  const planned = (t: number) => used.some((l) => l.start <= t && t <= l.end);
  const band = (b?: Float64Array) => b && Float64Array.from(b, (v, i) => (planned(timestamps[i]) ? out[i] : v));
  return { yhat: out, lower: band(lower), upper: band(upper), used };
}
