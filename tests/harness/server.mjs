// Static server for the harness page, bound to 127.0.0.1 only. Serves the built plugin where
// Grafana serves plugins (/public/plugins/<id>/), the harness bundle, fixtures, and
// /frames.json from a provider (embedded fixture or a live Prometheus query).
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
export const PLUGIN_ID = 'aiops-foresight-panel';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.md': 'text/markdown',
};

/** The Grafana runtimes the page can run in: tests/runtime-<N> (see tests/harness/webpack.config.cjs). */
export const RUNTIMES = ['12', '13'];
export const DEFAULT_RUNTIME = '13';

const mounts = (runtime) => [
  // FORESIGHT_PLUGIN_DIST: another build of the plugin (A/B measurements of two builds).
  [`/public/plugins/${PLUGIN_ID}/`, process.env.FORESIGHT_PLUGIN_DIST ?? join(ROOT, 'plugin/dist')],
  ['/harness/', join(ROOT, 'tests/harness/dist')],
  ['/bench/', join(ROOT, 'tests/bench/dist')],
  // Grafana's icons, which @grafana/ui loads from Grafana's public folder.
  ['/public/build/img/', join(ROOT, `tests/runtime-${runtime}/node_modules/@grafana/ui/dist/public/img`)],
  ['/fixtures/', join(ROOT, 'tests/fixtures')],
  // The release engine package (after wasm-opt), for the test that loads it directly.
  ['/wasm/', join(ROOT, 'plugin/src/wasm')],
];

const BENCH_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Foresight benchmark</title></head>
<body><script src="/bench/bench.js"></script></body></html>`;

/** The Grafana version a runtime set provides (its @grafana/data). */
async function grafanaVersion(runtime) {
  const pkg = join(ROOT, `tests/runtime-${runtime}/node_modules/@grafana/data/package.json`);
  return JSON.parse(await readFile(pkg, 'utf8').catch(() => '{"version":"unknown"}')).version;
}

const page = (runtime, version, theme) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Foresight panel harness (Grafana ${version})</title>
<style>html,body,#root{margin:0;height:100%;}</style></head>
<body><div id="root"></div>
<script>
  // Read by @grafana/runtime when it loads: set before the bundle, as Grafana's index.html does.
  window.grafanaBootData = { settings: { buildInfo: { version: '${version}', edition: 'harness' }, featureToggles: {}, minRefreshInterval: '1s', theme2: {} }, user: { theme: '${theme}' }, navTree: [] };
</script>
<script src="/harness/${runtime}/harness.js"></script></body></html>`;

/**
 * The runtime a request runs in: `?runtime=12|13` on the page, else the `x-foresight-runtime`
 * header (what each Playwright project sends), else FORESIGHT_RUNTIME, else the newest.
 */
function runtimeOf(req, query) {
  const wanted = query.get('runtime') ?? req.headers['x-foresight-runtime'] ?? process.env.FORESIGHT_RUNTIME ?? DEFAULT_RUNTIME;
  return RUNTIMES.includes(wanted) ? wanted : DEFAULT_RUNTIME;
}

/**
 * @param {{port?: number, cacheAssets?: boolean, frames: (range?: {start: number, end: number, stepMs: number}) => Promise<object[]>}} opts
 *   `frames` answers `/frames.json`; with `?start=&end=&step=` (ms) the page's data source asks
 *   for another range, as a panel's own query through the data source does. With `cacheAssets`
 *   the plugin's files are served with the headers a production Grafana sends for them
 *   (`Cache-Control: public, max-age=3600`, Last-Modified and 304s, as pkg/api/plugins.go's
 *   serveLocalPluginAsset does), so that a second page load finds them in the browser's cache
 *   (the benchmark's warm loads); otherwise nothing is cached (tests, the demo while rebuilding).
 * @returns {Promise<{url: string, close: () => Promise<void>}>}
 */
export function startHarnessServer({ port = 0, frames, cacheAssets = false }) {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      const path = decodeURIComponent(url.pathname);
      const runtime = runtimeOf(req, url.searchParams);
      if (path === '/' || path === '/index.html') {
        const theme = url.searchParams.get('theme') === 'light' ? 'light' : 'dark';
        return send(res, 200, TYPES['.html'], page(runtime, await grafanaVersion(runtime), theme));
      }
      // Grafana serves its Inter font from here; the harness has none (the browser falls back).
      if (path === '/bench.html') {
        return send(res, 200, TYPES['.html'], BENCH_PAGE);
      }
      if (path === '/favicon.ico' || path.startsWith('/public/fonts/')) {
        return send(res, 204, 'text/plain', '');
      }
      if (path === '/frames.json') {
        // A failing query becomes a 502 whose body is the error, shown by the panel.
        const q = new URL(req.url, 'http://x').searchParams;
        const range = q.has('start') ? { start: Number(q.get('start')), end: Number(q.get('end')), stepMs: Number(q.get('step')) } : undefined;
        const result = await frames(range).then(
          (f) => ({ ok: true, body: JSON.stringify(f) }),
          (e) => ({ ok: false, body: String(e?.message ?? e) })
        );
        return send(res, result.ok ? 200 : 502, result.ok ? TYPES['.json'] : 'text/plain', result.body);
      }
      for (const [prefix, dir] of mounts(runtime)) {
        if (path.startsWith(prefix)) {
          const file = normalize(join(dir, path.slice(prefix.length)));
          const info = await stat(file).catch(() => null);
          if (!file.startsWith(dir) || !info?.isFile()) {
            break;
          }
          const type = TYPES[extname(file)] ?? 'application/octet-stream';
          if (cacheAssets && prefix.startsWith('/public/plugins/')) {
            return sendCacheable(req, res, type, info.mtime, () => readFile(file));
          }
          return send(res, 200, type, await readFile(file));
        }
      }
      // Grafana serves its whole icon set from its public folder; @grafana/ui ships only part of
      // it (not, e.g., PanelChrome's sync-slash "cancel query" icon shown while a query loads).
      // The others are drawn empty rather than failing the page.
      if (path.startsWith('/public/build/img/icons/') && path.endsWith('.svg')) {
        return send(res, 200, TYPES['.svg'], '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"></svg>');
      }
      send(res, 404, 'text/plain', `not found: ${path}`);
    } catch (e) {
      send(res, 500, 'text/plain', String(e?.message ?? e));
    }
  });
  return new Promise((resolveStart, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const url = `http://127.0.0.1:${server.address().port}/`;
      // Closing drops open connections too: a request still in flight from a page (an icon, a
      // query) would otherwise hold server.close() until the test times out.
      resolveStart({
        url,
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** A plugin file as a production Grafana serves it: cacheable for an hour, revalidated by date. */
async function sendCacheable(req, res, type, mtime, body) {
  const modified = new Date(Math.floor(mtime.getTime() / 1000) * 1000);
  const headers = { 'content-type': type, 'cache-control': 'public, max-age=3600', 'last-modified': modified.toUTCString() };
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  if (Number.isFinite(since) && modified.getTime() <= since) {
    res.writeHead(304, headers);
    return res.end();
  }
  res.writeHead(200, headers);
  res.end(await body());
}
