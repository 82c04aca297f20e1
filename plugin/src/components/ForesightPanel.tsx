import React, { useCallback, useMemo, useState } from 'react';
import { css } from '@emotion/css';
import { getFieldDisplayName, GrafanaTheme2, PanelProps } from '@grafana/data';
import { TimeSeries, TooltipPlugin2, useStyles2, useTheme2 } from '@grafana/ui';
import { LegendDisplayMode, VizLegendOptions } from '@grafana/schema';
import { extractSeries, limitSeries } from '../data/frames';
import {
  alertRuleOptions,
  annotationEvents,
  buildAnalyzeOptions,
  driverAnnotations,
  eventsDuring,
  medianStep,
  parseShockWindows,
} from '../engine/engineOptions';
import {
  buildPlotFrames,
  forecastLines,
  joinOnSharedTime,
  lastForecastTime,
  PlotFrameCache,
} from '../render/plotFrames';
import { ForesightOptions } from '../types';
import { anomalyMarkers } from '../render/markers';
import { ActionsBar } from './ActionsBar';
import { AnomalyMarkers } from './AnomalyMarkers';
import { drawnRange, structureRevision } from './chartState';
import { CrossingRow, CrossingsView } from './CrossingsView';
import { DrawnSeriesProbe } from './DrawnSeriesProbe';
import { ForecastLines } from './ForecastLines';
import { ForesightTooltip } from './ForesightTooltip';
import { IncidentDetail } from './IncidentDetail';
import { IncidentRegions } from './IncidentRegions';
import { incidentKey, IncidentRow, IncidentsView } from './IncidentsView';
import { NowLine } from './NowLine';
import { panelLayout } from './panelLayout';
import { analysisStatus, dataProblem, panelNotes } from './panelStatus';
import { PanelMessage } from './PanelMessage';
import { StatusLine } from './StatusLine';
import { useEngine } from './useEngine';
import { useTraining } from './useTraining';

type Props = PanelProps<ForesightOptions>;

/**
 * One object for every render: TimeSeries rebuilds the whole chart when its `legend` prop is a
 * new object (GraphNG's propsToDiff), so an inline literal would recreate uPlot on each render.
 */
const LEGEND: VizLegendOptions = {
  showLegend: true,
  displayMode: LegendDisplayMode.List,
  placement: 'bottom',
  calcs: [],
};

/** TooltipHoverMode.xAll (a const enum in @grafana/ui's types, not importable as a value). */
const TOOLTIP_HOVER_ALL = 1;

export function ForesightPanel({ id, data, width, height, options, timeRange, timeZone, onChangeTimeRange }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const intervalMs = data.request?.intervalMs;
  const extracted = useMemo(() => limitSeries(extractSeries(data.series, intervalMs)), [data.series, intervalMs]);
  const stepMs = useMemo(() => (extracted.series.length ? medianStep(extracted.series[0].timestamps) : 0), [extracted]);
  const visibleMs = timeRange.to.valueOf() - timeRange.from.valueOf();
  // Dashboard annotations are events (unless turned off): Prophet models them, the incidents
  // list names them.
  const useAnnotations = options.useAnnotations ?? true;
  const annotations = useMemo(
    () => (useAnnotations ? annotationEvents(data.annotations) : []),
    [useAnnotations, data.annotations]
  );
  const events = useMemo(
    () => [...parseShockWindows(options.shockWindows ?? '').windows, ...annotations],
    [options.shockWindows, annotations]
  );
  // Annotations that set a driver's level (a planned campaign) go to the drivers' future values.
  const levelAnnotations = useMemo(
    () => (useAnnotations ? driverAnnotations(data.annotations) : []),
    [useAnnotations, data.annotations]
  );
  const request = useMemo(
    () => buildAnalyzeOptions(options, stepMs, visibleMs, annotations, levelAnnotations),
    [options, stepMs, visibleMs, annotations, levelAnnotations]
  );
  const training = useTraining(data, timeRange, options.trainingMultiple ?? 1, stepMs);
  // The engine learns from the history query's series when it answered (same key), else from
  // the visible ones; they are drawn whole, the time axis shows the visible part.
  const { loading: trainingLoading, byKey: trainingByKey } = training;
  const analysed = useMemo(
    () => (trainingLoading ? [] : extracted.series.map((s) => trainingByKey?.get(s.key) ?? s)),
    [extracted.series, trainingLoading, trainingByKey]
  );
  // Each series carries the threshold its forecast is checked against: the panel option, else
  // the field's own thresholds.
  const { threshold, thresholdDirection } = options;
  const engineSeries = useMemo(
    () =>
      analysed.map((s) => {
        const value = threshold ?? s.fieldThreshold;
        return value === undefined || !Number.isFinite(value)
          ? s
          : { ...s, threshold: { value, direction: thresholdDirection ?? 'above' } };
      }),
    [analysed, threshold, thresholdDirection]
  );
  const engine = useEngine(engineSeries, request.options);

  const frameCache = useMemo(() => new PlotFrameCache(), []);
  // The series the engine learns from (their visible part) once the history query has answered,
  // so the frames built then stay valid when results arrive; until then the query's own series.
  const plotted = engineSeries.length > 0 ? engineSeries : extracted.series;
  const visibleFrom = timeRange.from.valueOf();
  const visibleTo = timeRange.to.valueOf();
  const frames = useMemo(
    () =>
      joinOnSharedTime(
        buildPlotFrames(plotted, engine.outcomes, theme, timeZone, { from: visibleFrom, to: visibleTo }, frameCache),
        frameCache
      ),
    [plotted, engine.outcomes, theme, timeZone, visibleFrom, visibleTo, frameCache]
  );
  // The chart's configuration follows the drawn frames' structure, which changes as results add
  // fields (bands, forecasts) while the query's own structureRev stays put: GraphNG given the
  // query's would keep a configuration without them.
  const structureRev = useMemo(() => structureRevision(frames), [frames]);
  const markers = useMemo(() => anomalyMarkers(plotted, engine.outcomes), [plotted, engine.outcomes]);
  // Above DETAIL_LIMIT series the forecasts are drawn over the chart (the same list while no
  // forecast changes, so other results repaint nothing).
  const lines = useMemo(
    () => forecastLines(plotted, engine.outcomes, theme, frameCache),
    [plotted, engine.outcomes, theme, frameCache]
  );
  // The forecast runs past the dashboard's end: widen the axis to show it.
  // (By value: results that do not move the last forecast must not redraw the chart.)
  const lastForecast = useMemo(() => lastForecastTime(engine.outcomes), [engine.outcomes]);
  const axisRange = useMemo(() => drawnRange(timeRange, lastForecast), [lastForecast, timeRange]);

  const colors = useMemo(() => {
    const palette = theme.visualization.palette;
    return new Map(
      extracted.series.map((s, i) => [s.key, theme.visualization.getColorByName(palette[i % palette.length])])
    );
  }, [extracted.series, theme]);
  const crossings = useMemo<CrossingRow[]>(
    () =>
      extracted.series.flatMap((s) => {
        const c = engine.outcomes.get(s.key)?.forecast?.crossing;
        return c ? [{ seriesName: s.name, crossing: c }] : [];
      }),
    [engine.outcomes, extracted.series]
  );
  const nameOf = useMemo(() => extracted.series.map((s) => s.name), [extracted.series]);
  // Incidents in the visible range only: the history is there to learn from.
  const from = timeRange.from.valueOf();
  const to = timeRange.to.valueOf();
  const steps = useMemo(() => extracted.series.map((s) => medianStep(s.timestamps)), [extracted.series]);
  const incidents = useMemo<IncidentRow[]>(
    () =>
      extracted.series.flatMap((s, seriesIndex) => {
        const seriesStep = steps[seriesIndex];
        return (engine.outcomes.get(s.key)?.incidents ?? [])
          .filter((inc) => inc.end >= from && inc.start <= to)
          .map((inc) => ({
            ...inc,
            seriesName: s.name,
            seriesIndex,
            stepMs: seriesStep,
            events: eventsDuring(events, inc.start, inc.end),
          }));
      }),
    [engine.outcomes, extracted.series, steps, from, to, events]
  );
  // The incident whose details are open (its series and start: stable across result batches).
  const [detailKey, setDetailKey] = useState<string>();
  const detail = detailKey === undefined ? undefined : incidents.find((inc) => incidentKey(inc) === detailKey);
  const openDetails = useCallback((inc: IncidentRow) => setDetailKey(incidentKey(inc)), []);
  const { rootCause: engineRootCause, outcomes } = engine;
  const loadRootCause = useCallback(
    (inc: IncidentRow) => {
      const detections = engineSeries.map((s) => outcomes.get(s.key)?.detection);
      if (detections.some((d) => !d)) {
        return Promise.reject(new Error('not every series is analysed yet'));
      }
      const series = engineSeries.map((s, i) => {
        const d = detections[i]!;
        return { timestamps: d.timestamps, values: s.values, expected: d.expected, score: d.score, period: d.period };
      });
      const labels = engineSeries.map((s) => s.labels);
      return engineRootCause(series, { series: inc.seriesIndex, start: inc.start, end: inc.end }, labels);
    },
    [engineSeries, outcomes, engineRootCause]
  );
  const notes = useMemo(
    () => panelNotes(extracted, request.errors, training.note, options, stepMs, engine.outcomes),
    [extracted, request.errors, training.note, options, stepMs, engine.outcomes]
  );
  const problem = useMemo(() => dataProblem(data.errors, extracted), [data.errors, extracted]);

  if (problem) {
    return <PanelMessage {...problem} />;
  }
  const status = analysisStatus(engine.outcomes, engine, training.loading, extracted.series.length);

  const ruleOptions = () => {
    const target = data.request?.targets[0] as { expr?: string } | undefined;
    const first = extracted.series.find((s) => engine.outcomes.get(s.key)?.detection);
    const detection = first && engine.outcomes.get(first.key)?.detection;
    if (!target?.expr) {
      return 'Alert rules need a Prometheus query (a PromQL expression) in this panel';
    }
    return detection ? alertRuleOptions(options, target.expr, detection, stepMs) : 'No series analysed yet';
  };
  const layout = panelLayout(height, status, {
    notes: notes.length,
    showIncidents: options.showIncidents,
    incidents: incidents.length,
    detailOpen: detail !== undefined,
    crossings: crossings.length,
  });
  return (
    <div
      className={styles.wrap}
      data-testid="foresight-panel"
      data-analysed={status.analysed}
      data-forecasts={status.forecasts}
      data-forecasts-from-cache={status.fromCache}
      data-total={status.total}
      data-done={!status.busy}
      data-trained-points={analysed.reduce((n, s) => n + s.timestamps.length, 0)}
      data-incidents={incidents.length}
      data-range-to={axisRange.to.valueOf()}
    >
      <TimeSeries
        frames={frames}
        structureRev={structureRev}
        timeRange={axisRange}
        timeZone={timeZone}
        width={width}
        height={layout.chart}
        legend={LEGEND}
      >
        {(config, alignedFrame) => (
          <>
            <DrawnSeriesProbe config={config} frame={alignedFrame} />
            <IncidentRegions config={config} incidents={incidents} theme={theme} />
            <ForecastLines config={config} frame={alignedFrame} lines={lines} />
            <AnomalyMarkers config={config} frame={alignedFrame} markers={markers} theme={theme} />
            <NowLine config={config} color={theme.colors.text.secondary} />
            <TooltipPlugin2
              config={config}
              hoverMode={TOOLTIP_HOVER_ALL}
              queryZoom={onChangeTimeRange}
              render={(u, dataIdxs, seriesIdx) => {
                const idx = dataIdxs[0] ?? dataIdxs.find((i) => i != null);
                const time = idx == null ? undefined : u.data[0][idx];
                if (time == null) {
                  return null;
                }
                const focus = seriesIdx ? alignedFrame.fields[seriesIdx] : undefined;
                return (
                  <ForesightTooltip
                    time={time}
                    series={extracted.series}
                    outcomes={engine.outcomes}
                    colors={colors}
                    timeZone={timeZone}
                    focusName={focus ? getFieldDisplayName(focus, alignedFrame) : undefined}
                  />
                );
              }}
            />
          </>
        )}
      </TimeSeries>
      {layout.crossings > 0 && <CrossingsView crossings={crossings} height={layout.crossings} />}
      {layout.incidents > 0 && incidents.length === 0 && (
        <div className={styles.pending} style={{ height: layout.incidents }} data-testid="foresight-incidents-pending">
          Looking for incidents…
        </div>
      )}
      {layout.incidents > 0 && incidents.length > 0 && (
        <>
          {detail ? (
            <IncidentDetail
              incident={detail}
              seriesNames={nameOf}
              height={layout.incidents}
              timeZone={timeZone}
              loadRootCause={loadRootCause}
              onBack={() => setDetailKey(undefined)}
              onZoom={onChangeTimeRange}
            />
          ) : (
            <IncidentsView
              incidents={incidents}
              seriesNames={nameOf}
              height={layout.incidents}
              timeZone={timeZone}
              onZoom={onChangeTimeRange}
              onDetails={openDetails}
            />
          )}
        </>
      )}
      {layout.actions > 0 && (
        <ActionsBar ruleOptions={ruleOptions} generateRules={engine.alertRules} incidents={incidents} panelId={id} />
      )}
      {layout.status > 0 && <StatusLine failure={status.failure} progress={status.progress} notes={notes} />}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  wrap: css({ position: 'relative', height: '100%' }),
  pending: css({
    padding: theme.spacing(0.5, 1),
    fontSize: theme.typography.bodySmall.fontSize,
    color: theme.colors.text.secondary,
  }),
});
