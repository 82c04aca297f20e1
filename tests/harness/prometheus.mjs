// Runs a real Prometheus (Debian's package) on 127.0.0.1 over a TSDB backfilled with promtool
// from CSV series, for the end-to-end tests and the demo. Stops what it started.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Parses a `time,value` CSV (UTC datetimes) into [unixSeconds, value|null][]. */
export function readCsvSeries(path) {
  const lines = readFileSync(path, 'utf8').trim().split(/\r\n|\r|\n/).slice(1);
  return lines.map((line) => {
    const [ds, y] = line.split(',');
    const t = Date.parse(ds.replace(' ', 'T').replace(/"/g, '') + (ds.length > 10 ? 'Z' : 'T00:00:00Z'));
    const v = y === undefined || y.trim() === '' ? null : Number(y);
    return [t / 1000, Number.isFinite(v) ? v : null];
  });
}

/** OpenMetrics text for promtool: one sample per line, gaps left out, `# EOF` last. */
export function toOpenMetrics(name, labels, samples) {
  const labelText = Object.entries(labels)
    .map(([k, v]) => `${k}="${String(v).replace(/["\\]/g, '\\$&')}"`)
    .join(',');
  const out = [`# TYPE ${name} gauge`];
  for (const [t, v] of samples) {
    if (v !== null) {
      out.push(`${name}{${labelText}} ${v} ${t}`);
    }
  }
  out.push('# EOF', '');
  return out.join('\n');
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * @param {Array<{name: string, labels: Record<string,string>, samples: Array<[number, number|null]>}>} series
 * @returns {Promise<{url: string, stop: () => Promise<void>}>}
 */
export async function startPrometheus(series) {
  const dir = mkdtempSync(join(tmpdir(), 'foresight-prom-'));
  const dataDir = join(dir, 'data');
  const om = join(dir, 'backfill.om');
  writeFileSync(om, series.map((s) => toOpenMetrics(s.name, s.labels, s.samples).replace(/# EOF\n$/, '')).join('') + '# EOF\n');
  // Long blocks: the default 2 h blocks would make hundreds of tiny blocks Prometheus is slow to open.
  execFileSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=2000h', om, dataDir], {
    stdio: 'pipe',
  });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n');
  const port = await freePort();
  const proc = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      // Backfilled history is years old: keep it.
      '--storage.tsdb.retention.time=30y',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] }
  );
  let log = '';
  proc.stderr.on('data', (d) => (log = (log + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited (${proc.exitCode}):\n${log}`);
    }
    try {
      const r = await fetch(`${url}/-/ready`);
      if (r.ok) {
        return { url, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`prometheus did not become ready in 30 s:\n${log}`);
}
