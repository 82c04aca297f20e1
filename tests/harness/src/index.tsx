/**
 * A stand-in for Grafana's panel host, for tests and the demo: it shares React and the
 * @grafana packages with the plugin through an AMD `define` (as Grafana's SystemJS loader
 * does), loads the BUILT dist/module.js from /public/plugins/<id>/, and renders the plugin's
 * panel inside PanelChrome with Grafana's theme, frames decoded by dataFrameFromJSON.
 *
 * Query string: ?frames=URL (JSON array of data frames, wire format) &theme=dark|light
 * &reference=timeseries (Grafana's own TimeSeries over the raw frames instead of the plugin: the
 * scale benchmark's reference for what drawing the same series costs without any analysis).
 */
import React, { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import * as ReactAll from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as emotionCss from '@emotion/css';
import * as lodash from 'lodash';
import * as rxjs from 'rxjs';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import {
  AbsoluteTimeRange,
  compareDataFrameStructures,
  createTheme,
  DataFrame,
  DataFrameJSON,
  DataQueryRequest,
  dataFrameFromJSON,
  dateTime,
  EventBusSrv,
  LoadingState,
  PanelOptionsEditorBuilder,
  PanelPlugin,
  standardEditorsRegistry,
  TimeRange,
  toDataFrame,
} from '@grafana/data';
import { GlobalStyles, PanelChrome, ThemeContext, TimeSeries } from '@grafana/ui';
import { LegendDisplayMode } from '@grafana/schema';

const PLUGIN_ID = 'aiops-foresight-panel';
const MODULE_URL = `/public/plugins/${PLUGIN_ID}/module.js`;

declare global {
  interface Window {
    define: ((deps: string[], factory: (...mods: unknown[]) => unknown) => void) & { amd?: object };
    grafanaBootData: unknown;
    foresightHarness: {
      setTimeRange: (r: AbsoluteTimeRange) => void;
      timeRangeChanges: AbsoluteTimeRange[];
      /** Changes panel options as the options pane would. */
      setOptions: (changes: Record<string, unknown>) => void;
      setTheme: (name: 'dark' | 'light') => void;
      backendPosts: Array<{ url: string; data: unknown }>;
      setAnnotations: (list: Array<{ time: number; timeEnd?: number; text: string }>) => void;
    };
  }
}

const shared: Record<string, unknown> = {
  react: ReactAll,
  'react-dom': ReactDOM,
  'react/jsx-runtime': jsxRuntime,
  '@emotion/css': emotionCss,
  lodash,
  rxjs,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  module: { uri: new URL(MODULE_URL, location.href).href },
};

function loadPlugin(): Promise<PanelPlugin> {
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: (...mods: unknown[]) => unknown) => {
      const missing = deps.filter((d) => !(d in shared));
      if (missing.length) {
        reject(new Error(`plugin needs modules the host does not share: ${missing.join(', ')}`));
        return;
      }
      const exports = factory(...deps.map((d) => shared[d])) as { plugin?: PanelPlugin };
      exports.plugin ? resolve(exports.plugin) : reject(new Error('module.js exports no `plugin`'));
    };
    define.amd = {};
    window.define = define;
    const script = document.createElement('script');
    script.src = MODULE_URL;
    script.onerror = () => reject(new Error(`could not load ${MODULE_URL}`));
    document.head.appendChild(script);
  });
}

function defaultOptions(plugin: PanelPlugin): Record<string, unknown> {
  const builder = new PanelOptionsEditorBuilder<Record<string, unknown>>();
  plugin.getPanelOptionsSupplier()(builder, { data: [] });
  const options: Record<string, unknown> = {};
  for (const item of builder.getItems()) {
    lodash.set(options, item.path, item.defaultValue);
  }
  return options;
}

function frameTimeRange(frames: DataFrame[]): TimeRange {
  let from = Infinity;
  let to = -Infinity;
  for (const f of frames) {
    const time = f.fields.find((x) => x.type === 'time');
    for (const t of time?.values ?? []) {
      from = Math.min(from, t);
      to = Math.max(to, t);
    }
  }
  if (!Number.isFinite(from)) {
    to = Date.now();
    from = to - 3600_000;
  }
  return { from: dateTime(from), to: dateTime(to), raw: { from: dateTime(from), to: dateTime(to) } };
}

/** Marks on the body when uPlot last drew (the benchmark waits for it). */
function DrawMark({ config }: { config: grafanaUi.UPlotConfigBuilder }) {
  useLayoutEffect(() => {
    config.addHook('draw', () => (document.body.dataset.referenceDrawn = String(performance.now())));
  }, [config]);
  return null;
}

/** Grafana's TimeSeries over the frames as they came, with the time series panel's defaults. */
function ReferencePanel({ frames, timeRange, width, height, theme }: {
  frames: DataFrame[];
  timeRange: TimeRange;
  width: number;
  height: number;
  theme: grafanaData.GrafanaTheme2;
}) {
  const prepared = useMemo(
    () =>
      grafanaData.applyFieldOverrides({
        data: frames,
        fieldConfig: { defaults: { custom: { lineWidth: 1, fillOpacity: 0, showPoints: 'never', spanNulls: false } }, overrides: [] },
        replaceVariables: (v) => v,
        theme,
        timeZone: 'utc',
      }),
    [frames, theme]
  );
  return (
    <div data-testid="reference-panel">
      <TimeSeries
        frames={prepared}
        timeRange={timeRange}
        timeZone="utc"
        width={width}
        height={height}
        legend={{ showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] }}
      >
        {(config) => <DrawMark config={config} />}
      </TimeSeries>
    </div>
  );
}

interface AppProps {
  reference?: boolean;
  plugin: PanelPlugin;
  frames: DataFrame[];
  /** A query error, handed to the panel as Grafana does (state Error, data.errors). */
  queryError?: string;
  themeName: string;
}

/**
 * PanelData.structureRev as Grafana's PanelQueryRunner sets it: a counter that moves only when the
 * frames' structure (fields, names, types, config) changes, not when their values do. Panels that
 * hand it to GraphNG get a new chart configuration only then.
 */
function useStructureRev(frames: DataFrame[]): number {
  const last = useRef<{ frames: DataFrame[]; rev: number }>({ frames, rev: 1 });
  if (last.current.frames !== frames) {
    const same =
      last.current.frames.length === frames.length &&
      frames.every((f, i) => compareDataFrameStructures(f, last.current.frames[i]));
    last.current = { frames, rev: same ? last.current.rev : last.current.rev + 1 };
  }
  return last.current.rev;
}

function App({ reference, plugin, frames: initialFrames, queryError, themeName: initialTheme }: AppProps) {
  // The user's theme preference, switchable at run time as Grafana's is.
  const [themeName, setThemeName] = useState(initialTheme);
  const theme = useMemo(() => createTheme({ colors: { mode: themeName === 'light' ? 'light' : 'dark' } }), [themeName]);
  const [frames, setFrames] = useState(initialFrames);
  const structureRev = useStructureRev(frames);
  const [timeRange, setTimeRangeState] = useState<TimeRange>(() => frameTimeRange(initialFrames));
  // As a dashboard does, a new time range re-runs the panel's query (a server with a fixed
  // fixture answers every range with the same frames).
  const setTimeRange = useCallback((range: TimeRange) => {
    setTimeRangeState(range);
    const stepMs = Number(initialFrames[0]?.fields.find((f) => f.type === 'time')?.config.interval) || 60_000;
    fetch(`/frames.json?start=${range.from.valueOf()}&end=${range.to.valueOf()}&step=${stepMs}`)
      .then((r) => (r.ok ? r.json() : Promise.reject(new Error(r.statusText))))
      .then((json: DataFrameJSON[]) => setFrames(json.map((f) => dataFrameFromJSON(f))))
      .catch(() => {});
  }, [initialFrames]);
  const [size, setSize] = useState({ width: window.innerWidth - 32, height: window.innerHeight - 32 });
  const [options, setOptions] = useState(() => defaultOptions(plugin));
  // Dashboard annotations, as Grafana hands them to panels (PanelData.annotations).
  const [annotations, setAnnotations] = useState<DataFrame[]>([]);
  const eventBus = useMemo(() => new EventBusSrv(), []);
  useEffect(() => {
    const onResize = () => setSize({ width: window.innerWidth - 32, height: window.innerHeight - 32 });
    window.addEventListener('resize', onResize);
    window.foresightHarness = {
      timeRangeChanges: [],
      setTimeRange: (r) => setTimeRange({ from: dateTime(r.from), to: dateTime(r.to), raw: { from: dateTime(r.from), to: dateTime(r.to) } }),
      setOptions: (changes) => setOptions((prev) => ({ ...prev, ...changes })),
      setTheme: (name) => setThemeName(name),
      backendPosts,
      setAnnotations: (list) =>
        setAnnotations([
          toDataFrame({
            fields: [
              { name: 'time', type: 'time', values: list.map((a) => a.time) },
              { name: 'timeEnd', type: 'time', values: list.map((a) => a.timeEnd ?? a.time) },
              { name: 'text', type: 'string', values: list.map((a) => a.text) },
            ],
          }),
        ]),
    };
    return () => window.removeEventListener('resize', onResize);
  }, [setTimeRange]);
  const Panel = plugin.panel!;
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div style={{ padding: 16, background: theme.colors.background.canvas, height: '100vh', boxSizing: 'border-box' }}>
        <PanelChrome title="Foresight" width={size.width} height={size.height}>
          {(innerWidth, innerHeight) => reference ? (
            <ReferencePanel frames={frames} timeRange={timeRange} width={innerWidth} height={innerHeight} theme={theme} />
          ) : (
            <Panel
              id={1}
              data={
                queryError
                  ? { state: LoadingState.Error, series: [], errors: [{ message: queryError }], timeRange }
                  : { state: LoadingState.Done, series: frames, annotations, timeRange, request: panelRequest(frames, timeRange), structureRev }
              }
              timeRange={timeRange}
              timeZone="utc"
              options={options}
              fieldConfig={{ defaults: {}, overrides: [] }}
              transparent={false}
              width={innerWidth}
              height={innerHeight}
              renderCounter={0}
              title="Foresight"
              eventBus={eventBus}
              onOptionsChange={setOptions}
              onFieldConfigChange={() => {}}
              replaceVariables={(s: string) => s}
              onChangeTimeRange={(r: AbsoluteTimeRange) => {
                window.foresightHarness.timeRangeChanges.push(r);
                window.foresightHarness.setTimeRange(r);
              }}
            />
          )}
        </PanelChrome>
      </div>
    </ThemeContext.Provider>
  );
}

/**
 * Grafana core registers the option editors (number, slider, select, ...) that panel option
 * builders look up; the harness only needs their ids to compute option defaults.
 */
function registerOptionEditorIds() {
  const ids = ['text', 'number', 'slider', 'boolean', 'radio', 'select', 'multiSelect', 'color', 'unit',
    'field-name', 'links', 'thresholds', 'mappings', 'stats-picker', 'timezone', 'fieldColor', 'custom'];
  standardEditorsRegistry.setInit(() => ids.map((id) => ({ id, name: id, editor: () => null })));
}

const HARNESS_DS = { uid: 'harness-prometheus', type: 'prometheus' };

/** The query behind the frames, from the executedQueryString Grafana's Prometheus data source sets. */
function executedExpr(frames: DataFrame[]): string | undefined {
  const text = frames[0]?.meta?.executedQueryString ?? '';
  return /^Expr: (.*)$/m.exec(text)?.[1];
}

/** What the panel posted to Grafana's HTTP API (annotations), for the tests. */
const backendPosts: Array<{ url: string; data: unknown }> = [];

/** The request Grafana attaches to PanelData: what the panel's own queries start from. */
function panelRequest(frames: DataFrame[], range: TimeRange): DataQueryRequest {
  const time = frames[0]?.fields.find((f) => f.type === 'time');
  const intervalMs = Number(time?.config.interval) || 60_000;
  return {
    requestId: 'harness',
    app: 'dashboard',
    interval: `${intervalMs / 1000}s`,
    intervalMs,
    maxDataPoints: 11_000,
    range,
    scopedVars: {},
    // The PromQL expression, as Grafana's Prometheus target holds it (`expr`).
    targets: [{ refId: 'A', datasource: HARNESS_DS, expr: executedExpr(frames) } as DataQueryRequest['targets'][number]],
    timezone: 'utc',
    startTime: Date.now(),
  };
}

/**
 * A data source that answers any range from the harness server (a live Prometheus in the
 * Prometheus tests), as the panel's data source answers the panel's own longer query.
 */
const harnessDataSource = {
  uid: HARNESS_DS.uid,
  type: HARNESS_DS.type,
  name: 'Harness Prometheus',
  query: (request: DataQueryRequest) =>
    rxjs.from(
      (async () => {
        const from = request.range.from.valueOf();
        const to = request.range.to.valueOf();
        // Grafana's Prometheus data source coarsens the step to stay within 11,000 points.
        const step = Math.max(request.intervalMs, Math.ceil((to - from) / 11_000 / 1000) * 1000);
        const q = `start=${from}&end=${to}&step=${step}`;
        const response = await fetch(`/frames.json?${q}`);
        if (!response.ok) {
          throw new Error(await response.text());
        }
        const data = ((await response.json()) as DataFrameJSON[]).map((f) => dataFrameFromJSON(f));
        return { data, state: LoadingState.Done };
      })()
    ),
};

function stubGrafanaServices() {
  registerOptionEditorIds();
  grafanaRuntime.setTemplateSrv({
    getVariables: () => [],
    replace: (s?: string) => s ?? '',
    containsTemplate: () => false,
    updateTimeRange: () => {},
  } as unknown as grafanaRuntime.TemplateSrv);
  grafanaRuntime.setAppEvents(new EventBusSrv() as unknown as Parameters<typeof grafanaRuntime.setAppEvents>[0]);
  grafanaRuntime.setBackendSrv({
    fetch: () => rxjs.throwError(() => new Error('no backend in the harness')),
    post: (url: string, data: unknown) => {
      backendPosts.push({ url, data });
      return Promise.resolve({ id: backendPosts.length, message: 'Annotation added' });
    },
  } as unknown as grafanaRuntime.BackendSrv);
  grafanaRuntime.setDataSourceSrv({
    get: (ref?: { uid?: string } | string) =>
      (typeof ref === 'string' ? ref : ref?.uid) === HARNESS_DS.uid
        ? Promise.resolve(harnessDataSource)
        : Promise.reject(new Error(`no data source ${JSON.stringify(ref)} in the harness`)),
    getList: () => [],
    getInstanceSettings: () => undefined,
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => {},
  } as unknown as grafanaRuntime.DataSourceSrv);
}

async function main() {
  const root = ReactDOMClient.createRoot(document.getElementById('root')!);
  const params = new URLSearchParams(location.search);
  try {
    stubGrafanaServices();
    const framesUrl = params.get('frames') ?? '/frames.json';
    const response = await fetch(framesUrl);
    const queryError = response.ok ? undefined : await response.text();
    const frames = response.ok ? ((await response.json()) as DataFrameJSON[]).map((f) => dataFrameFromJSON(f)) : [];
    const plugin = await loadPlugin();
    root.render(<App reference={params.get('reference') === 'timeseries'} plugin={plugin} frames={frames} queryError={queryError} themeName={params.get('theme') ?? 'dark'} />);
    document.body.dataset.harness = 'ready';
    // When the page handed the panel its frames (React renders in a later task).
    document.body.dataset.renderAt = String(performance.now());
  } catch (e) {
    document.body.dataset.harness = 'error';
    root.render(<pre data-testid="harness-error">{String(e instanceof Error ? e.stack ?? e.message : e)}</pre>);
  }
}

main();
