import {
  DataFrame,
  FieldColorModeId,
  FieldConfig,
  FieldType,
  GrafanaTheme2,
  applyFieldOverrides,
} from '@grafana/data';
import { GraphDrawStyle, GraphFieldConfig, LineInterpolation, TimeZone, VisibilityMode } from '@grafana/schema';
import { BaselineResult, SeriesInput } from '../types';

/** Suffixes of the derived fields; the e2e tests and the legend rely on them. */
export const EXPECTED_SUFFIX = 'expected';
export const UPPER_SUFFIX = 'upper';
export const LOWER_SUFFIX = 'lower';

const baseCustom: GraphFieldConfig = {
  drawStyle: GraphDrawStyle.Line,
  lineInterpolation: LineInterpolation.Linear,
  lineWidth: 1,
  fillOpacity: 0,
  showPoints: VisibilityMode.Never,
  pointSize: 4,
  spanNulls: false,
  hideFrom: { legend: false, tooltip: false, viz: false },
};

/**
 * One frame per analysed series: observed values, the engine's expected line, and the band
 * drawn as `upper` filled down to `lower` (Grafana's fillBelowTo), all in the series' colour.
 */
export function buildPlotFrames(
  series: SeriesInput[],
  baselines: Map<string, BaselineResult>,
  theme: GrafanaTheme2,
  timeZone: TimeZone
): DataFrame[] {
  const palette = theme.visualization.palette;
  const frames: DataFrame[] = series.map((s, i) => {
    const color = theme.visualization.getColorByName(palette[i % palette.length]);
    const fixed = (extra: Partial<GraphFieldConfig>, displayName: string): FieldConfig<GraphFieldConfig> => ({
      displayNameFromDS: displayName,
      unit: s.unit,
      decimals: s.decimals,
      color: { mode: FieldColorModeId.Fixed, fixedColor: color },
      custom: { ...baseCustom, ...extra },
    });
    const fields: DataFrame['fields'] = [
      { name: 'Time', type: FieldType.time, config: {}, values: Array.from(s.timestamps) },
      { name: s.name, type: FieldType.number, config: fixed({ lineWidth: 2 }, s.name), values: nullGaps(s.values) },
    ];
    const b = baselines.get(s.key);
    if (b && b.timestamps.length === s.timestamps.length) {
      const hidden = { legend: true, tooltip: false, viz: false };
      const lowerName = `${s.name} ${LOWER_SUFFIX}`;
      fields.push(
        {
          name: `${s.name} ${EXPECTED_SUFFIX}`,
          type: FieldType.number,
          config: fixed({ lineStyle: { fill: 'dash', dash: [6, 4] } }, `${s.name} ${EXPECTED_SUFFIX}`),
          values: nullGaps(b.expected),
        },
        {
          name: `${s.name} ${UPPER_SUFFIX}`,
          type: FieldType.number,
          config: fixed(
            { lineWidth: 0, fillOpacity: 18, fillBelowTo: lowerName, hideFrom: hidden },
            `${s.name} ${UPPER_SUFFIX}`
          ),
          values: nullGaps(b.upper),
        },
        {
          name: lowerName,
          type: FieldType.number,
          config: fixed({ lineWidth: 0, hideFrom: hidden }, lowerName),
          values: nullGaps(b.lower),
        }
      );
    }
    return { name: s.name, refId: s.refId, length: s.timestamps.length, fields };
  });
  return applyFieldOverrides({
    data: frames,
    fieldConfig: { defaults: {}, overrides: [] },
    replaceVariables: (v) => v,
    theme,
    timeZone,
  });
}

/** uPlot draws gaps for null, not NaN. */
function nullGaps(values: Float64Array): Array<number | null> {
  return Array.from(values, (v) => (Number.isFinite(v) ? v : null));
}
