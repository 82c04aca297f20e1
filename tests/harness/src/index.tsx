/**
 * The built plugin inside Grafana's own dashboard runtime, for tests, the benchmark and the demo.
 *
 * Grafana's parts are Grafana's code: `@grafana/scenes` (what Grafana's dashboards are built on)
 * renders an EmbeddedScene with a VizPanel for the plugin id, fed by a SceneQueryRunner over a
 * SceneTimeRange, with the dashboard's annotations from an AnnotationsDataLayer. VizPanel applies
 * the plugin's option defaults, field config and data support, and draws PanelChrome around it.
 * What is ours is only what a Grafana server would provide: the runtime services
 * (`@grafana/runtime`'s setters), a Prometheus data source answering from the harness server, a
 * `runRequest` doing what Grafana's does, the plugin meta from `plugin.json`, and the AMD loader
 * that shares React and the @grafana packages with the built `dist/module.js` as Grafana's does.
 *
 * The bundle is built once per runtime set (tests/runtime-12: Grafana 12.4 on React 18,
 * tests/runtime-13: Grafana 13.2 on React 19); the plugin is the same `dist/` for both.
 *
 * Query string: &theme=dark|light &reference=timeseries (Grafana's TimeSeries over the raw frames
 * instead of the plugin, as a runtime panel plugin in the same scene: the scale benchmark's
 * reference for what drawing the same series costs without any analysis) &refresh=5s (auto
 * refresh) &options=1 (the panel's options beside it, as in Grafana's panel editor).
 */
import React, { useEffect, useLayoutEffect, useMemo, useState } from 'react';
import * as ReactAll from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as emotionCss from '@emotion/css';
import * as lodash from 'lodash';
import * as rxjs from 'rxjs';
import * as rxjsOperators from 'rxjs/operators';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import * as grafanaSchema from '@grafana/schema';
import * as grafanaI18n from '@grafana/i18n';
import {
  AnnotationQuery,
  createTheme,
  DataFrame,
  DataFrameJSON,
  DataQuery,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourceInstanceSettings,
  DataTopic,
  dataFrameFromJSON,
  LoadingState,
  PanelData,
  PanelPlugin,
  PanelPluginMeta,
  PanelProps,
  PluginType,
  standardEditorsRegistry,
  TimeRange,
  toDataFrame,
} from '@grafana/data';
import { GlobalStyles, ThemeContext, TimeSeries } from '@grafana/ui';
import { LegendDisplayMode } from '@grafana/schema';
import {
  dataLayers,
  EmbeddedScene,
  registerRuntimePanelPlugin,
  SceneDataLayerSet,
  SceneFlexItem,
  SceneFlexLayout,
  SceneQueryRunner,
  SceneRefreshPicker,
  SceneTimeRange,
  VizPanel,
} from '@grafana/scenes';

const PLUGIN_ID = 'aiops-foresight-panel';
const PLUGIN_BASE = `public/plugins/${PLUGIN_ID}`;
const MODULE_URL = `/${PLUGIN_BASE}/module.js`;
const REFERENCE_ID = 'harness-reference-timeseries';

interface Annotation {
  time: number;
  timeEnd?: number;
  text: string;
  tags?: string[];
}

declare global {
  interface Window {
    define: ((deps: string[], factory: (...mods: unknown[]) => unknown) => void) & { amd?: object };
    grafanaBootData: { settings: { buildInfo: { version: string } }; user: { theme?: string } };
    foresightHarness: {
      /** The runtime the page runs: Grafana's version and React's. */
      runtime: { grafana: string; react: string };
      /**
       * A new dashboard time range (the same range again: a refresh, as the refresh button does);
       * resolves when the query for it has answered.
       */
      setTimeRange: (r: { from: number; to: number }) => Promise<void>;
      /** Time ranges the panel asked for (onChangeTimeRange), in order. */
      timeRangeChanges: Array<{ from: number; to: number }>;
      /** Changes panel options as the options pane would. */
      setOptions: (changes: Record<string, unknown>) => void;
      /** The panel's options as the dashboard holds them (defaults applied by VizPanel). */
      options: () => Record<string, unknown>;
      /** The panel's field config (defaults applied by VizPanel) and the field options it has. */
      fieldConfig: () => { defaults: Record<string, unknown>; registry: string[] };
      setTheme: (name: 'dark' | 'light') => void;
      backendPosts: Array<{ url: string; data: unknown }>;
      /** The dashboard's annotations (the store the dashboard's annotation query reads). */
      setAnnotations: (list: Annotation[]) => void;
      /** What the plugin declares it can take from the dashboard (PanelPlugin.dataSupport). */
      dataSupport: () => unknown;
      /** Annotations in the data VizPanel hands the panel (undefined when it drops them). */
      panelAnnotationCount: () => number | undefined;
      /** Queries the panel's data source answered or failed, in order. */
      queries: Array<{ from: number; to: number; stepMs: number; requestId: string }>;
      /** The panel's grid size in pixels. */
      setPanelSize: (size: { width: number; height: number }) => void;
      /** The dashboard's auto refresh ('' = off), as the refresh picker sets it. */
      setRefresh: (interval: string) => void;
      /** Removes the panel from the dashboard (as deleting it does). */
      removePanel: () => void;
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
  'rxjs/operators': rxjsOperators,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@grafana/schema': grafanaSchema,
  '@grafana/i18n': grafanaI18n,
  module: { uri: new URL(MODULE_URL, location.href).href },
};

/** Loads dist/module.js the way Grafana's loader does: an AMD module whose shared deps come from the host. */
function importModule(): Promise<{ plugin?: PanelPlugin }> {
  return new Promise((resolve, reject) => {
    const define = (deps: string[], factory: (...mods: unknown[]) => unknown) => {
      const missing = deps.filter((d) => !(d in shared));
      if (missing.length) {
        reject(new Error(`plugin needs modules the host does not share: ${missing.join(', ')}`));
        return;
      }
      resolve(factory(...deps.map((d) => shared[d])) as { plugin?: PanelPlugin });
    };
    define.amd = {};
    window.define = define;
    const script = document.createElement('script');
    script.src = MODULE_URL;
    script.onerror = () => reject(new Error(`could not load ${MODULE_URL}`));
    document.head.appendChild(script);
  });
}

const panelPlugins = new Map<string, PanelPlugin>();

/**
 * Grafana's importPanelPlugin: the meta the server builds from the plugin's plugin.json, the
 * module imported, `plugin.meta` set, the plugin cached.
 */
async function importPanelPlugin(id: string): Promise<PanelPlugin> {
  if (id !== PLUGIN_ID) {
    throw new Error(`no panel plugin ${id} in the harness`);
  }
  const cached = panelPlugins.get(id);
  if (cached) {
    return cached;
  }
  const json = await fetch(`/${PLUGIN_BASE}/plugin.json`).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`plugin.json: ${r.status}`))));
  const exports = await importModule();
  if (!exports.plugin) {
    throw new Error('module.js exports no `plugin`');
  }
  const meta: PanelPluginMeta = {
    ...json,
    type: PluginType.panel,
    module: `${PLUGIN_BASE}/module.js`,
    baseUrl: PLUGIN_BASE,
    sort: 100,
    skipDataQuery: json.skipDataQuery ?? false,
    hideFromList: false,
  };
  exports.plugin.meta = { ...exports.plugin.meta, ...meta };
  panelPlugins.set(id, exports.plugin);
  return exports.plugin;
}

/** Marks on the body when uPlot last drew (the benchmark waits for it). */
function DrawMark({ config }: { config: grafanaUi.UPlotConfigBuilder }) {
  useLayoutEffect(() => {
    config.addHook('draw', () => (document.body.dataset.referenceDrawn = String(performance.now())));
  }, [config]);
  return null;
}

/** Grafana's TimeSeries over the frames as they came, with the time series panel's defaults. */
function ReferencePanel({ data, timeRange, width, height }: PanelProps) {
  const theme = grafanaUi.useTheme2();
  const prepared = useMemo(
    () =>
      grafanaData.applyFieldOverrides({
        data: data.series,
        fieldConfig: { defaults: { custom: { lineWidth: 1, fillOpacity: 0, showPoints: 'never', spanNulls: false } }, overrides: [] },
        replaceVariables: (v) => v,
        theme,
        timeZone: 'utc',
      }),
    [data.series, theme]
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

type EditorProps = grafanaData.StandardEditorProps<any, any>;

/** A text or number box that commits on blur or Enter, as Grafana's option inputs do. */
function CommitInput({ value, onChange, item, id, numeric }: EditorProps & { numeric?: boolean }) {
  const [text, setText] = useState(value === undefined || value === null ? '' : String(value));
  useEffect(() => setText(value === undefined || value === null ? '' : String(value)), [value]);
  const commit = () => {
    if (!numeric) {
      return onChange(text);
    }
    const n = text.trim() === '' ? undefined : Number(text);
    onChange(n === undefined || Number.isFinite(n) ? n : value);
  };
  const props = {
    id,
    value: text,
    placeholder: item.settings?.placeholder,
    onChange: (e: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>) => setText(e.currentTarget.value),
    onBlur: commit,
  };
  return item.settings?.useTextarea ? (
    <grafanaUi.TextArea {...props} rows={item.settings?.rows ?? 3} />
  ) : (
    <grafanaUi.Input {...props} type={numeric ? 'number' : 'text'} min={item.settings?.min} max={item.settings?.max} step={item.settings?.step} onKeyDown={(e) => e.key === 'Enter' && commit()} />
  );
}

/**
 * The option editors Grafana core registers for panel option builders (addRadio, addSelect,
 * addNumberInput, addSliderInput, addTextInput, addBooleanSwitch), drawn with @grafana/ui
 * controls; the field-config editors are registered by id only (option defaults need the id).
 */
function registerOptionEditors() {
  const editors: Record<string, React.ComponentType<EditorProps>> = {
    radio: ({ value, onChange, item, id }) => (
      <grafanaUi.RadioButtonGroup id={id} options={item.settings?.options ?? []} value={value} onChange={onChange} />
    ),
    select: ({ value, onChange, item, id }) => (
      <grafanaUi.Select inputId={id} options={item.settings?.options ?? []} value={value} onChange={(v) => onChange(v?.value)} />
    ),
    number: (props) => <CommitInput {...props} numeric />,
    text: (props) => <CommitInput {...props} />,
    slider: ({ value, onChange, item }) => (
      <grafanaUi.Slider min={item.settings?.min ?? 0} max={item.settings?.max ?? 100} step={item.settings?.step} value={value} onChange={onChange} />
    ),
    boolean: ({ value, onChange, id }) => <grafanaUi.Switch id={id} value={Boolean(value)} onChange={(e) => onChange(e.currentTarget.checked)} />,
  };
  const idOnly = ['multiSelect', 'color', 'unit', 'field-name', 'links', 'thresholds', 'mappings', 'stats-picker', 'timezone', 'fieldColor', 'custom'];
  standardEditorsRegistry.setInit(() => [
    ...Object.entries(editors).map(([id, editor]) => ({ id, name: id, editor })),
    ...idOnly.map((id) => ({ id, name: id, editor: () => null })),
  ]);
  registerStandardFieldConfigs();
}

/**
 * Grafana core's standard field options (public/app/core/components/OptionsUI/registry.tsx,
 * registered at boot): what `useFieldConfig` builds a plugin's field config from — their
 * defaults (thresholds, colour scheme, ...) and how each value is processed onto a field. No
 * editors: the page edits panel options only.
 */
function registerStandardFieldConfigs() {
  const d = grafanaData;
  const any = () => true;
  const numeric = (field: grafanaData.Field) => field.type === d.FieldType.number;
  const fieldConfigs: Array<Partial<grafanaData.FieldConfigPropertyItem> & { id: string }> = [
    { id: 'unit', process: d.stringOverrideProcessor, shouldApply: any, settings: { placeholder: 'none' } },
    { id: 'min', process: d.numberOverrideProcessor, shouldApply: numeric, settings: { placeholder: 'auto' } },
    { id: 'max', process: d.numberOverrideProcessor, shouldApply: numeric, settings: { placeholder: 'auto' } },
    { id: 'fieldMinMax', process: d.booleanOverrideProcessor, shouldApply: numeric },
    { id: 'decimals', process: d.numberOverrideProcessor, shouldApply: numeric, settings: { placeholder: 'auto', min: 0, max: 15, integer: true } },
    { id: 'displayName', process: d.displayNameOverrideProcessor, shouldApply: any },
    { id: 'color', process: d.identityOverrideProcessor, shouldApply: any, defaultValue: { mode: d.FieldColorModeId.PaletteClassic } },
    { id: 'noValue', process: d.stringOverrideProcessor, shouldApply: any },
    {
      id: 'thresholds',
      process: d.thresholdsOverrideProcessor,
      shouldApply: any,
      defaultValue: { mode: d.ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: 'green' }, { value: 80, color: 'red' }] },
    },
    { id: 'mappings', process: d.valueMappingsOverrideProcessor, shouldApply: any, defaultValue: [] },
    { id: 'links', process: d.dataLinksOverrideProcessor, shouldApply: any, defaultValue: [] },
    { id: 'actions', process: d.identityOverrideProcessor, shouldApply: any, defaultValue: [] },
    { id: 'filterable', process: d.booleanOverrideProcessor, shouldApply: any, hideFromDefaults: true },
  ];
  const known = new Set<string>(Object.values(d.FieldConfigProperty));
  d.standardFieldConfigEditorRegistry.setInit(() =>
    fieldConfigs
      .filter((c) => known.has(c.id))
      .map((c) => ({ name: c.id, path: c.id, editor: () => null, override: () => null, category: ['Standard options'], ...c }) as grafanaData.FieldConfigPropertyItem)
  );
}

/**
 * The panel's options as Grafana's panel editor shows them: the plugin's own option builders,
 * by category, `showIf` applied, each item's registered editor; a change goes to
 * VizPanel.onOptionsChange, as the options pane's does.
 */
function OptionsPane({ panel }: { panel: VizPanel }) {
  const { options } = panel.useState();
  const data = usePanelSeries(panel);
  const plugin = panel.getPlugin();
  if (!plugin) {
    return null;
  }
  const builder = new grafanaData.PanelOptionsEditorBuilder<Record<string, unknown>>();
  const context = { data, options };
  plugin.getPanelOptionsSupplier()(builder, context);
  const groups = new Map<string, grafanaData.PanelOptionsEditorItem[]>();
  for (const item of builder.getItems()) {
    if (item.showIf && !item.showIf(options, data)) {
      continue;
    }
    const category = item.category?.[0] ?? 'Options';
    groups.set(category, [...(groups.get(category) ?? []), item]);
  }
  return (
    <div data-testid="harness-options" style={{ width: 340, overflow: 'auto', paddingRight: 8 }}>
      {[...groups].map(([category, items]) => (
        <section key={category} aria-label={category}>
          <h6 style={{ margin: '16px 0 8px' }}>{category}</h6>
          {items.map((item) => {
            const Editor = item.editor;
            const id = `option-${item.path}`;
            return (
              <grafanaUi.Field key={item.id} label={item.name} description={item.description} htmlFor={id} data-testid={id}>
                <Editor
                  id={id}
                  item={item}
                  value={lodash.get(options, item.path)}
                  context={context}
                  onChange={(value) => panel.onOptionsChange(lodash.set({}, item.path, value))}
                />
              </grafanaUi.Field>
            );
          })}
        </section>
      ))}
    </div>
  );
}

/** The series the panel's data provider holds now (for option builders that look at the data). */
function usePanelSeries(panel: VizPanel): DataFrame[] {
  const provider = panel.state.$data as SceneQueryRunner | undefined;
  return provider?.useState().data?.series ?? [];
}

const dsMeta = (id: string, name: string) => ({
  id,
  name,
  type: PluginType.datasource,
  module: '',
  baseUrl: '',
  info: { author: { name: 'Grafana Labs' }, description: '', links: [], logos: { large: '', small: '' }, screenshots: [], updated: '', version: '' },
});

function instanceSettings(uid: string, type: string, name: string): DataSourceInstanceSettings {
  return { id: 1, uid, type, name, meta: dsMeta(type, name), jsonData: {}, access: 'proxy', readOnly: true } as unknown as DataSourceInstanceSettings;
}

interface PromQuery extends DataQuery {
  expr?: string;
}

const PROM = instanceSettings('harness-prometheus', 'prometheus', 'Prometheus');
const GRAFANA = instanceSettings('grafana', 'grafana', '-- Grafana --');

/** Every query the data source answered, for the tests. */
const queries: Window['foresightHarness']['queries'] = [];

/**
 * The dashboard's Prometheus data source: answers any range from the harness server
 * (`/frames.json?start=&end=&step=`, a live Prometheus in the Prometheus tests), with the step
 * Grafana's Prometheus data source uses: the request's interval, coarsened to stay within
 * 11,000 points.
 */
class HarnessPrometheus extends DataSourceApi<PromQuery> {
  constructor() {
    super(PROM);
  }
  query(request: DataQueryRequest<PromQuery>) {
    return rxjs.from(
      (async (): Promise<DataQueryResponse> => {
        const from = request.range.from.valueOf();
        const to = request.range.to.valueOf();
        const step = Math.max(request.intervalMs, Math.ceil((to - from) / 11_000 / 1000) * 1000);
        queries.push({ from, to, stepMs: step, requestId: request.requestId });
        const response = await fetch(`/frames.json?start=${from}&end=${to}&step=${step}`);
        if (!response.ok) {
          throw new Error(await response.text());
        }
        const data = ((await response.json()) as DataFrameJSON[]).map((f) => dataFrameFromJSON(f));
        // When the page first handed the panel its frames (the benchmark measures from here).
        document.body.dataset.renderAt ??= String(performance.now());
        return { data, state: LoadingState.Done };
      })()
    );
  }
  testDatasource() {
    return Promise.resolve({ status: 'success', message: 'ok' });
  }
}

/** The dashboard's annotations, as Grafana's annotation store holds them. */
let annotationStore: Annotation[] = [];

/**
 * Grafana's built-in annotations data source ("-- Grafana --"), answering the dashboard's
 * annotation query from the store: the events overlapping the range, as frames.
 */
class HarnessGrafanaAnnotations extends DataSourceApi {
  annotations = {};
  constructor() {
    super(GRAFANA);
  }
  query(request: DataQueryRequest) {
    const from = request.range.from.valueOf();
    const to = request.range.to.valueOf();
    const list = annotationStore.filter((a) => (a.timeEnd ?? a.time) >= from && a.time <= to);
    const frame = toDataFrame({
      fields: [
        { name: 'time', type: 'time', values: list.map((a) => a.time) },
        { name: 'timeEnd', type: 'time', values: list.map((a) => a.timeEnd ?? a.time) },
        { name: 'text', type: 'string', values: list.map((a) => a.text) },
        { name: 'tags', type: 'other', values: list.map((a) => a.tags ?? []) },
      ],
    });
    frame.meta = { dataTopic: DataTopic.Annotations };
    return rxjs.of({ data: [frame], state: LoadingState.Done } as DataQueryResponse);
  }
  testDatasource() {
    return Promise.resolve({ status: 'success', message: 'ok' });
  }
}

const dataSources = [new HarnessPrometheus(), new HarnessGrafanaAnnotations()];

/**
 * Grafana's runRequest (public/app/features/query/state/runRequest.ts), what SceneQueryRunner and
 * the annotation layer call: the data source's query as PanelData, Loading if nothing came
 * within 200 ms, a thrown error or error response as state Error with `errors`, annotation frames
 * apart from the series.
 */
function runRequest(ds: DataSourceApi, request: DataQueryRequest): rxjs.Observable<PanelData> {
  const loading: PanelData = { state: LoadingState.Loading, series: [], request, timeRange: request.range };
  if (!request.targets.length) {
    return rxjs.of({ ...loading, state: LoadingState.Done });
  }
  const data = rxjs.defer(() => rxjs.from(ds.query(request) as rxjs.ObservableInput<DataQueryResponse>)).pipe(
    rxjsOperators.map((packet): PanelData => {
      request.endTime = Date.now();
      const frames = (packet.data ?? []).map((d) => toDataFrame(d));
      const errors = packet.errors ?? (packet.error ? [packet.error] : undefined);
      return {
        state: errors?.length ? LoadingState.Error : packet.state ?? LoadingState.Done,
        series: frames.filter((f) => f.meta?.dataTopic !== DataTopic.Annotations),
        annotations: frames.filter((f) => f.meta?.dataTopic === DataTopic.Annotations),
        errors,
        error: errors?.[0],
        request,
        timeRange: request.range,
      };
    }),
    rxjsOperators.catchError((err) => {
      const error = grafanaRuntime.toDataQueryError(err);
      return rxjs.of({ ...loading, state: LoadingState.Error, error, errors: [error] });
    }),
    rxjsOperators.share()
  );
  return rxjs.merge(rxjs.timer(200).pipe(rxjsOperators.map(() => loading), rxjsOperators.takeUntil(data)), data);
}

/** What the panel posted to Grafana's HTTP API (annotations), for the tests. */
const backendPosts: Array<{ url: string; data: unknown }> = [];

function stubGrafanaServices() {
  registerOptionEditors();
  grafanaRuntime.setTemplateSrv({
    getVariables: () => [],
    replace: (s?: string) => s ?? '',
    containsTemplate: () => false,
    updateTimeRange: () => {},
  } as unknown as grafanaRuntime.TemplateSrv);
  grafanaRuntime.setAppEvents(new grafanaData.EventBusSrv() as unknown as Parameters<typeof grafanaRuntime.setAppEvents>[0]);
  grafanaRuntime.setBackendSrv({
    fetch: () => rxjs.throwError(() => new Error('no backend in the harness')),
    post: (url: string, data: unknown) => {
      backendPosts.push({ url, data });
      return Promise.resolve({ id: backendPosts.length, message: 'Annotation added' });
    },
  } as unknown as grafanaRuntime.BackendSrv);
  const byRef = (ref?: { uid?: string } | string | null) => {
    const uid = typeof ref === 'string' ? ref : ref?.uid;
    return dataSources.find((d) => d.uid === uid || d.name === uid || (uid === undefined && d === dataSources[0]));
  };
  grafanaRuntime.setDataSourceSrv({
    get: (ref?: { uid?: string } | string | null) => {
      const ds = byRef(ref);
      return ds ? Promise.resolve(ds) : Promise.reject(new Error(`no data source ${JSON.stringify(ref)} in the harness`));
    },
    getList: () => dataSources.map((d) => d.instanceSettings),
    getInstanceSettings: (ref?: { uid?: string } | string | null) => byRef(ref)?.instanceSettings,
    reload: () => Promise.resolve(),
    registerRuntimeDataSource: () => {},
  } as unknown as grafanaRuntime.DataSourceSrv);
  grafanaRuntime.setRunRequest(runRequest as Parameters<typeof grafanaRuntime.setRunRequest>[0]);
  grafanaRuntime.setPluginImportUtils({
    importPanelPlugin,
    getPanelPluginFromCache: (id: string) => panelPlugins.get(id),
  });
  registerRuntimePanelPlugin({ pluginId: REFERENCE_ID, plugin: new PanelPlugin(ReferencePanel) });
}

/**
 * The dashboard as it was saved: its time range is the range of the data the server answers
 * without a range, its query the one behind those frames (Prometheus' executedQueryString), its
 * min interval their step.
 */
async function savedDashboard() {
  const response = await fetch('/frames.json');
  const frames: DataFrame[] = response.ok ? ((await response.json()) as DataFrameJSON[]).map((f) => dataFrameFromJSON(f)) : [];
  let from = Infinity;
  let to = -Infinity;
  for (const f of frames) {
    for (const t of f.fields.find((x) => x.type === 'time')?.values ?? []) {
      from = Math.min(from, t);
      to = Math.max(to, t);
    }
  }
  if (!Number.isFinite(from) || !(to > from)) {
    to = Date.now();
    from = to - 3600_000;
  }
  const stepMs = Number(frames[0]?.fields.find((f) => f.type === 'time')?.config.interval) || 60_000;
  const expr = /^Expr: (.*)$/m.exec(frames[0]?.meta?.executedQueryString ?? '')?.[1] ?? 'up';
  return { from, to, stepMs, expr };
}

function buildScene(saved: Awaited<ReturnType<typeof savedDashboard>>, params: URLSearchParams) {
  const timeRange = new SceneTimeRange({
    from: new Date(saved.from).toISOString(),
    to: new Date(saved.to).toISOString(),
    timeZone: 'utc',
  });
  const queryRunner = new SceneQueryRunner({
    datasource: { uid: PROM.uid, type: PROM.type },
    queries: [{ refId: 'A', datasource: { uid: PROM.uid, type: PROM.type }, expr: saved.expr } as PromQuery],
    // The panel's query options: Min interval = the series' step; max data points as many as
    // Prometheus answers, so the step stays the series' own.
    minInterval: `${saved.stepMs / 1000}s`,
    maxDataPoints: 11_000,
  });
  const panel = new VizPanel({
    key: 'panel-1',
    title: 'Foresight',
    pluginId: params.get('reference') === 'timeseries' ? REFERENCE_ID : PLUGIN_ID,
    options: {},
    fieldConfig: { defaults: {}, overrides: [] },
    $data: queryRunner,
  });
  // The dashboard's built-in "Annotations & Alerts" query, on by default in every dashboard.
  const annotations = new dataLayers.AnnotationsDataLayer({
    name: 'Annotations & Alerts',
    query: {
      builtIn: 1,
      datasource: { uid: GRAFANA.uid, type: GRAFANA.type },
      enable: true,
      hide: true,
      iconColor: 'rgba(0, 211, 255, 1)',
      name: 'Annotations & Alerts',
      target: { refId: 'Anno', limit: 100, matchAny: false, tags: [], type: 'dashboard' },
    } as AnnotationQuery,
  });
  const item = new SceneFlexItem({ body: panel, minHeight: 0 });
  const layout = new SceneFlexLayout({ direction: 'column', children: [item] });
  const refreshPicker = new SceneRefreshPicker({ refresh: params.get('refresh') ?? '', minRefreshInterval: '1s' });
  const scene = new EmbeddedScene({
    $timeRange: timeRange,
    $data: new SceneDataLayerSet({ layers: [annotations] }),
    // The refresh picker's timer runs as a behaviour of the dashboard, its button not drawn: the
    // button's icons (e.g. sync-slash while loading) are served from Grafana's own public
    // folder, which @grafana/ui does not ship.
    $behaviors: [refreshPicker],
    body: layout,
  });
  return { scene, timeRange, queryRunner, panel, annotations, item, layout, refreshPicker };
}

function App({ scene, panel, initialTheme, showOptions }: { scene: EmbeddedScene; panel: VizPanel; initialTheme: string; showOptions: boolean }) {
  // The user's theme preference, switchable at run time as Grafana's is (config.theme2 follows,
  // as Grafana's theme change sets it; VizPanel reads it for field colours).
  const [themeName, setThemeName] = useState(initialTheme);
  const theme = useMemo(() => createTheme({ colors: { mode: themeName === 'light' ? 'light' : 'dark' } }), [themeName]);
  grafanaRuntime.config.theme2 = theme;
  useEffect(() => {
    themeSetter = setThemeName;
  }, []);
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <div
        style={{
          padding: 16,
          background: theme.colors.background.canvas,
          height: '100vh',
          boxSizing: 'border-box',
          display: 'flex',
          gap: 16,
        }}
      >
        <div style={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
          <scene.Component model={scene} />
        </div>
        {showOptions && <OptionsPane panel={panel} />}
      </div>
    </ThemeContext.Provider>
  );
}

let themeSetter: (name: string) => void = () => {};

async function main() {
  const root = ReactDOMClient.createRoot(document.getElementById('root')!);
  const params = new URLSearchParams(location.search);
  try {
    stubGrafanaServices();
    const saved = await savedDashboard();
    const built = buildScene(saved, params);
    const { timeRange, panel, annotations, item, layout, refreshPicker } = built;
    const timeRangeChanges: Array<{ from: number; to: number }> = [];
    let settingRange = false;
    timeRange.subscribeToState((n, p) => {
      if (!settingRange && n.value !== p.value && (n.from !== p.from || n.to !== p.to)) {
        timeRangeChanges.push({ from: n.value.from.valueOf(), to: n.value.to.valueOf() });
      }
    });
    window.foresightHarness = {
      runtime: { grafana: grafanaRuntime.config.buildInfo.version, react: ReactAll.version },
      timeRangeChanges,
      setTimeRange: ({ from, to }) => {
        // Resolves when the dashboard's query for it has answered (the panel's loading ends),
        // as a user would wait for it; a query superseded by another resolves with the newer.
        const before = built.queryRunner.state.data?.request?.requestId;
        const answered = new Promise<void>((resolve) => {
          const sub = built.queryRunner.subscribeToState((n) => {
            const data = n.data;
            if (data?.request && data.request.requestId !== before && data.state !== LoadingState.Loading) {
              sub.unsubscribe();
              resolve();
            }
          });
        });
        settingRange = true;
        const range: TimeRange = {
          from: grafanaData.dateTime(from),
          to: grafanaData.dateTime(to),
          raw: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
        };
        const same = timeRange.state.value.from.valueOf() === from && timeRange.state.value.to.valueOf() === to;
        if (same) {
          timeRange.onRefresh();
        } else {
          timeRange.onTimeRangeChange(range);
        }
        settingRange = false;
        return answered;
      },
      setOptions: (changes) => panel.onOptionsChange(changes),
      options: () => panel.state.options as Record<string, unknown>,
      fieldConfig: () => ({
        ...panel.state.fieldConfig,
        registry: panel.getPlugin()?.fieldConfigRegistry.list().map((i) => i.id) ?? [],
      }),
      setTheme: (name) => {
        themeSetter(name);
        // Field colours come from config.theme2 when VizPanel applies the field config.
        setTimeout(() => {
          panel.clearFieldConfigCache();
          panel.forceRender();
        }, 0);
      },
      backendPosts,
      setAnnotations: (list) => {
        annotationStore = list;
        annotations.runLayer();
      },
      dataSupport: () => panel.getPlugin()?.dataSupport,
      panelAnnotationCount: () => {
        const raw = built.queryRunner.state.data;
        return raw ? panel.applyFieldConfig(raw).annotations?.reduce((n, f) => n + f.length, 0) : undefined;
      },
      queries,
      setPanelSize: ({ width, height }) => item.setState({ width, height, minHeight: height, maxHeight: height, maxWidth: width }),
      setRefresh: (interval) => refreshPicker.onIntervalChanged(interval),
      removePanel: () => layout.setState({ children: [] }),
    };
    root.render(<App scene={built.scene} panel={panel} initialTheme={params.get('theme') ?? 'dark'} showOptions={params.get('options') === '1'} />);
    document.body.dataset.harness = 'ready';
  } catch (e) {
    document.body.dataset.harness = 'error';
    root.render(<pre data-testid="harness-error">{String(e instanceof Error ? e.stack ?? e.message : e)}</pre>);
  }
}

main();
