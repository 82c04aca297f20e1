import React, { useMemo } from 'react';
import { css } from '@emotion/css';
import { getFieldDisplayName, PanelProps } from '@grafana/data';
import { TimeSeries, TooltipPlugin2, useStyles2, useTheme2 } from '@grafana/ui';
import { LegendDisplayMode, VizLegendOptions } from '@grafana/schema';
import { ForesightOptions } from '../types';
import { ActionsBar } from './ActionsBar';
import { AnomalyMarkers } from './AnomalyMarkers';
import { CrossingsView } from './CrossingsView';
import { DrawnSeriesProbe } from './DrawnSeriesProbe';
import { ForecastLines } from './ForecastLines';
import { ForesightTooltip } from './ForesightTooltip';
import { IncidentRegions } from './IncidentRegions';
import { IncidentsPane } from './IncidentsPane';
import { NowLine } from './NowLine';
import { chartPlan } from './chartState';
import { SeriesPathCache } from './pathCache';
import { panelLayout } from './panelLayout';
import { alertRuleRequest, crossingRows } from './panelRows';
import { plottedSeries, seriesColors } from './panelSeries';
import { analysisStatus, dataProblem, panelNotes } from './panelStatus';
import { PanelMessage } from './PanelMessage';
import { StatusLine } from './StatusLine';
import { useAnalysis } from './useAnalysis';
import { useChartData } from './useChartData';
import { useIncidents } from './useIncidents';

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

/**
 * The panel: the query's series analysed by the engine (useAnalysis), drawn by Grafana's
 * TimeSeries with the engine's results as frames and overlays (useChartData), the incidents and
 * threshold crossings listed under it, and a status line.
 */
export function ForesightPanel({ id, data, width, height, options, timeRange, timeZone, onChangeTimeRange }: Props) {
  const theme = useTheme2();
  const styles = useStyles2(getStyles);
  const analysis = useAnalysis(data, options, timeRange);
  const { extracted, stepMs, optionErrors, training, engine } = analysis;
  const { outcomes } = engine;
  const series = extracted.series;
  const plotted = plottedSeries(analysis.engineSeries, series);
  // What the analysis will add: legend entries and the forecasts' end shown from the first render.
  const plan = useMemo(
    () => chartPlan(plotted, analysis.request, engine.done),
    [plotted, analysis.request, engine.done]
  );
  const chart = useChartData(plotted, outcomes, theme, timeZone, timeRange, plan);
  const { incidents, detail, openDetails, closeDetails, loadRootCause } = useIncidents(
    analysis,
    timeRange.from.valueOf(),
    timeRange.to.valueOf()
  );
  const colors = useMemo(() => seriesColors(series, theme), [series, theme]);
  const names = useMemo(() => series.map((s) => s.name), [series]);
  const crossings = useMemo(() => crossingRows(series, outcomes), [series, outcomes]);
  const notes = useMemo(
    () => panelNotes(extracted, optionErrors, training.note, options, stepMs, outcomes),
    [extracted, optionErrors, training.note, options, stepMs, outcomes]
  );
  const problem = useMemo(() => dataProblem(data.errors, extracted), [data.errors, extracted]);

  if (problem) {
    return <PanelMessage {...problem} />;
  }
  const status = analysisStatus(outcomes, engine, training.loading, series.length);
  const layout = panelLayout(height, status, {
    notes: notes.length,
    showIncidents: options.showIncidents,
    incidents: incidents.length,
    detailOpen: detail !== undefined,
    crossings: crossings.length,
  });
  const ruleOptions = () => alertRuleRequest(options, data.request?.targets, series, outcomes, stepMs);
  return (
    <div
      className={styles.wrap}
      data-testid="foresight-panel"
      data-analysed={status.analysed}
      data-forecasts={status.forecasts}
      data-forecasts-from-cache={status.fromCache}
      data-total={status.total}
      data-done={!status.busy}
      data-trained-points={analysis.analysed.reduce((n, s) => n + s.timestamps.length, 0)}
      data-incidents={incidents.length}
      data-range-to={chart.range.to.valueOf()}
    >
      <TimeSeries
        frames={chart.frames}
        structureRev={chart.structureRev}
        timeRange={chart.range}
        timeZone={timeZone}
        width={width}
        height={layout.chart}
        legend={LEGEND}
      >
        {(config, alignedFrame) => (
          <>
            <SeriesPathCache config={config} />
            <DrawnSeriesProbe config={config} frame={alignedFrame} />
            <IncidentRegions config={config} incidents={incidents} theme={theme} />
            <ForecastLines config={config} frame={alignedFrame} lines={chart.lines} />
            <AnomalyMarkers config={config} frame={alignedFrame} markers={chart.markers} theme={theme} />
            <NowLine config={config} color={theme.colors.text.secondary} />
            <TooltipPlugin2
              config={config}
              hoverMode={TOOLTIP_HOVER_ALL}
              queryZoom={onChangeTimeRange}
              render={(u, dataIdxs, seriesIdx) => {
                const idx = dataIdxs[0] ?? dataIdxs.find((i) => i != null);
                const time = idx == null ? undefined : u.data[0][idx];
                const focus = seriesIdx ? alignedFrame.fields[seriesIdx] : undefined;
                return time == null ? null : (
                  <ForesightTooltip
                    time={time}
                    series={series}
                    outcomes={outcomes}
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
      {layout.incidents > 0 && (
        <IncidentsPane
          incidents={incidents}
          detail={detail}
          seriesNames={names}
          height={layout.incidents}
          timeZone={timeZone}
          loadRootCause={loadRootCause}
          onDetails={openDetails}
          onBack={closeDetails}
          onZoom={onChangeTimeRange}
        />
      )}
      {layout.actions > 0 && (
        <ActionsBar ruleOptions={ruleOptions} generateRules={engine.alertRules} incidents={incidents} panelId={id} />
      )}
      {layout.status > 0 && <StatusLine failure={status.failure} progress={status.progress} notes={notes} />}
    </div>
  );
}

const getStyles = () => ({
  wrap: css({ position: 'relative', height: '100%' }),
});
