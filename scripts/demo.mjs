// Serves the built Foresight panel in the harness page on 127.0.0.1.
//
//   node scripts/demo.mjs                         embedded real data (tests/fixtures)
//   node scripts/demo.mjs --prometheus URL --query 'PROMQL' [--range 6h] [--step 30s] [--legend '{{job}}']
//   node scripts/demo.mjs --backfilled            a real local Prometheus, backfilled with the fixture series
//   --port N                                      default 3033
//   --grafana 12|13                               the Grafana runtime (tests/runtime-12, -13); default 13
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startHarnessServer } from '../tests/harness/server.mjs';
import { queryRangeFrames } from '../tests/harness/promFrames.mjs';
import { startPrometheus } from '../tests/harness/prometheus.mjs';
import { END_MS, QUERY, START_MS, STEP_MS, yosemiteSeries } from '../tests/fixtures/yosemite.mjs';

const { values: args } = parseArgs({
  options: {
    prometheus: { type: 'string' },
    query: { type: 'string' },
    range: { type: 'string', default: '6h' },
    step: { type: 'string' },
    legend: { type: 'string' },
    backfilled: { type: 'boolean', default: false },
    port: { type: 'string', default: '3033' },
    grafana: { type: 'string', default: '13' },
  },
});

const UNITS = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 604800e3 };
function duration(text) {
  const m = /^(\d+(?:\.\d+)?)([smhdw])$/.exec(text ?? '');
  if (!m) {
    throw new Error(`not a duration: ${text} (use e.g. 30s, 5m, 6h, 7d)`);
  }
  return Number(m[1]) * UNITS[m[2]];
}

let frames;
let source;
let cleanup = async () => {};
if (args.prometheus || args.backfilled) {
  let url = args.prometheus;
  let query = args.query;
  let start;
  let end;
  let stepMs;
  if (args.backfilled) {
    const prom = await startPrometheus(yosemiteSeries());
    cleanup = prom.stop;
    url = prom.url;
    query ??= QUERY;
    [start, end, stepMs] = [START_MS, END_MS, STEP_MS];
  } else {
    if (!query) {
      throw new Error('--prometheus needs --query PROMQL');
    }
    end = Date.now();
    start = end - duration(args.range);
    // As Grafana does: about one point per pixel of a wide panel, never under 15 s.
    stepMs = args.step ? duration(args.step) : Math.max(15_000, Math.ceil((end - start) / 1100 / 1000) * 1000);
  }
  source = `${url} — ${query}`;
  frames = () => queryRangeFrames(url, { query, start, end, stepMs, legendFormat: args.legend });
} else {
  const embedded = JSON.parse(readFileSync(new URL('../tests/fixtures/yosemite.frames.json', import.meta.url), 'utf8'));
  source = 'embedded real data (Yosemite air temperature, 5-minute samples, this week and the week before)';
  frames = async () => embedded;
}

const server = await startHarnessServer({ port: Number(args.port), frames });
const runtime = args.grafana === '12' ? '12' : '13';
console.log(`Foresight demo (Grafana ${runtime} runtime): ${server.url}?runtime=${runtime}&options=1`);
console.log(`  data: ${source}`);
console.log('  the panel in Grafana\'s dashboard runtime, its options beside it as in the panel editor');
console.log('  light theme: add &theme=light; without the options: drop &options=1 — Ctrl-C to stop');
const stop = async () => {
  await server.close();
  await cleanup();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
