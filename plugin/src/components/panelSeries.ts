/**
 * Which series the engine analyses and which the chart draws. Pure, jest-tested.
 */
import { GrafanaTheme2 } from '@grafana/data';
import type { EngineSeries } from '../engine/protocol';
import { ForesightOptions, SeriesInput } from '../types';

/** A series as the engine is given it: with the threshold its forecast is checked against. */
export type AnalysedSeries = SeriesInput & Pick<EngineSeries, 'threshold'>;

/**
 * The series the engine learns from: the history query's series of the same key when it
 * answered, else the visible ones; none while the history query runs (the engine waits for it).
 */
export function trainedSeries(
  visible: SeriesInput[],
  training: { loading: boolean; byKey?: Map<string, SeriesInput> }
): SeriesInput[] {
  return training.loading ? [] : visible.map((s) => training.byKey?.get(s.key) ?? s);
}

/**
 * Each series with the threshold its forecast is checked against: the panel option, else the
 * field's own thresholds (none when neither is a finite number).
 */
export function withThresholds(
  series: SeriesInput[],
  threshold: ForesightOptions['threshold'],
  direction: ForesightOptions['thresholdDirection']
): AnalysedSeries[] {
  return series.map((s) => {
    const value = threshold ?? s.fieldThreshold;
    return value === undefined || !Number.isFinite(value)
      ? s
      : { ...s, threshold: { value, direction: direction ?? 'above' } };
  });
}

/**
 * The series drawn: those the engine learns from (their visible part is shown) once the history
 * query has answered, so the frames built then stay valid when results arrive; until then the
 * query's own series.
 */
export function plottedSeries(analysed: SeriesInput[], visible: SeriesInput[]): SeriesInput[] {
  return analysed.length > 0 ? analysed : visible;
}

/** Each series' colour by key, in the theme's palette order (the tooltip's swatches). */
export function seriesColors(series: SeriesInput[], theme: GrafanaTheme2): Map<string, string> {
  const palette = theme.visualization.palette;
  return new Map(series.map((s, i) => [s.key, theme.visualization.getColorByName(palette[i % palette.length])]));
}
