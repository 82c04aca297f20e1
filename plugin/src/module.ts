import { FieldConfigProperty, PanelPlugin, ThresholdsMode } from '@grafana/data';
import { ForesightPanel } from './components/ForesightPanel';
import { defaultOptions as d, ForesightOptions } from './types';

const MODEL = ['Model'];
const DETECTION = ['Anomaly detection'];
const EVENTS = ['Events'];

export const plugin = new PanelPlugin<ForesightOptions>(ForesightPanel)
  // Grafana hands a panel the dashboard's annotations only when it declares it can use them
  // (PanelPlugin.dataSupport defaults to none; both dashboard runtimes then drop them). The
  // panel reads annotations as events; it does not read alert states.
  .setDataSupport({ annotations: true, alertStates: false })
  // Grafana's standard field options: unit and decimals for axes and tooltips, thresholds the
  // forecast is checked against, Max as the cap of logistic growth. No threshold by default
  // (Grafana's usual 80 would put a threshold on every series).
  .useFieldConfig({
    disableStandardOptions: [FieldConfigProperty.NoValue, FieldConfigProperty.Mappings, FieldConfigProperty.Color],
    standardOptions: {
      [FieldConfigProperty.Thresholds]: {
        defaultValue: { mode: ThresholdsMode.Absolute, steps: [{ value: -Infinity, color: 'green' }] },
      },
    },
  })
  .setPanelOptions((builder) =>
    builder
      .addRadio({
        path: 'model',
        name: 'Forecast model',
        description:
          'Auto: Prophet forecast when the series has enough points. Prophet: always. Fast: anomaly detection only, no forecast.',
        category: MODEL,
        defaultValue: d.model,
        settings: {
          options: [
            { value: 'auto', label: 'Auto' },
            { value: 'prophet', label: 'Prophet' },
            { value: 'fast', label: 'Fast' },
          ],
        },
      })
      .addSelect({
        path: 'seasonality',
        name: 'Seasonality',
        description: 'Auto detects the period from the data.',
        category: MODEL,
        defaultValue: d.seasonality,
        settings: {
          options: [
            { value: 'auto', label: 'Auto' },
            { value: 'daily', label: 'Daily' },
            { value: 'weekly', label: 'Weekly' },
            { value: 'yearly', label: 'Yearly' },
            { value: 'custom', label: 'Custom period' },
            { value: 'none', label: 'None' },
          ],
        },
      })
      .addNumberInput({
        path: 'customPeriodHours',
        name: 'Custom period (hours)',
        category: MODEL,
        defaultValue: d.customPeriodHours,
        settings: { min: 0.01 },
        showIf: (o) => o.seasonality === 'custom',
      })
      .addRadio({
        path: 'growth',
        name: 'Growth',
        description: 'Trend of the forecast. Logistic saturates at the cap (disks, pools).',
        category: MODEL,
        defaultValue: d.growth,
        settings: {
          options: [
            { value: 'linear', label: 'Linear' },
            { value: 'logistic', label: 'Logistic' },
            { value: 'flat', label: 'Flat' },
          ],
        },
        showIf: (o) => o.model !== 'fast',
      })
      .addNumberInput({
        path: 'cap',
        name: 'Cap',
        description: 'Carrying capacity for logistic growth, in the series unit.',
        category: MODEL,
        showIf: (o) => o.model !== 'fast' && o.growth === 'logistic',
      })
      .addNumberInput({
        path: 'floor',
        name: 'Floor',
        description: 'Saturating minimum for logistic growth (default 0).',
        category: MODEL,
        showIf: (o) => o.model !== 'fast' && o.growth === 'logistic',
      })
      .addNumberInput({
        path: 'changepointPriorScale',
        name: 'Trend flexibility',
        description: "Prophet's changepoint_prior_scale: higher lets the trend bend more.",
        category: MODEL,
        defaultValue: d.changepointPriorScale,
        settings: { min: 0.001, max: 10, step: 0.01 },
        showIf: (o) => o.model !== 'fast',
      })
      .addSliderInput({
        path: 'intervalWidth',
        name: 'Forecast interval',
        description: 'Probability covered by the forecast band.',
        category: MODEL,
        defaultValue: d.intervalWidth,
        settings: { min: 0.5, max: 0.99, step: 0.01 },
        showIf: (o) => o.model !== 'fast',
      })
      .addTextInput({
        path: 'horizon',
        name: 'Horizon',
        description: 'How far past the last point to forecast, e.g. 6h or 2d. Empty: a quarter of the visible range.',
        category: MODEL,
        defaultValue: d.horizon,
        settings: { placeholder: 'auto' },
        showIf: (o) => o.model !== 'fast',
      })
      .addTextInput({
        path: 'drivers',
        name: 'Drivers',
        description:
          'Series that drive the others (orders, sign-ups, campaign traffic): query letters (B) or label matchers (job="shop"), comma-separated. The other series are forecast with them as Prophet regressors, so their forecast depends on the drivers\' own forecasts, or on a level a dashboard annotation plans for a driver (text "orders = 160", tag driver). A driver with gaps, at another step or over a shorter range is left out with a note.',
        category: MODEL,
        defaultValue: d.drivers,
        settings: { placeholder: 'none' },
        showIf: (o) => o.model !== 'fast',
      })
      .addBooleanSwitch({
        path: 'weekdayWeekend',
        name: 'Weekday / weekend daily profile',
        description:
          'Fit one daily pattern for Monday to Friday and another for the weekend (UTC days) instead of a single daily seasonality.',
        category: MODEL,
        defaultValue: d.weekdayWeekend,
        showIf: (o) => o.model !== 'fast' && (o.seasonality === 'auto' || o.seasonality === 'daily'),
      })
      .addNumberInput({
        path: 'trainingMultiple',
        name: 'Training window',
        description:
          'Learn from this many times the visible range (the panel queries the extra history through the same data source, same step). 1: the visible data only.',
        category: MODEL,
        defaultValue: d.trainingMultiple,
        settings: { min: 1, max: 30, step: 1 },
      })
      .addSliderInput({
        path: 'sensitivity',
        name: 'Sensitivity',
        description: 'Higher flags more. 0.5 gives a band of ±3 robust standard deviations.',
        category: DETECTION,
        defaultValue: d.sensitivity,
        settings: { min: 0, max: 1, step: 0.05 },
      })
      .addRadio({
        path: 'direction',
        name: 'Direction',
        category: DETECTION,
        defaultValue: d.direction,
        settings: {
          options: [
            { value: 'both', label: 'Both' },
            { value: 'up', label: 'Up' },
            { value: 'down', label: 'Down' },
          ],
        },
      })
      .addNumberInput({
        path: 'minAbsDeviation',
        name: 'Minimum deviation',
        description: 'Deviations smaller than this, in the series unit, never count.',
        category: DETECTION,
        defaultValue: d.minAbsDeviation,
        settings: { min: 0 },
      })
      .addNumberInput({
        path: 'minRelDeviationPercent',
        name: 'Minimum relative deviation (%)',
        description: 'Deviations smaller than this percentage of the expected value never count.',
        category: DETECTION,
        defaultValue: d.minRelDeviationPercent,
        settings: { min: 0 },
      })
      .addTextInput({
        path: 'minDuration',
        name: 'Minimum duration',
        description: 'Incidents shorter than this (e.g. 5m) are ignored. Empty: none.',
        category: DETECTION,
        defaultValue: d.minDuration,
      })
      .addBooleanSwitch({
        path: 'showIncidents',
        name: 'Incidents list',
        description: 'List incidents under the chart; click one to zoom to it.',
        category: DETECTION,
        defaultValue: d.showIncidents,
      })
      .addNumberInput({
        path: 'threshold',
        name: 'Threshold',
        description:
          "Say when the forecast crosses this value (series unit). Empty: each field's highest threshold step from Standard options › Thresholds, if any.",
        category: ['Proactive'],
        showIf: (o) => o.model !== 'fast',
      })
      .addRadio({
        path: 'thresholdDirection',
        name: 'Bad side',
        category: ['Proactive'],
        defaultValue: d.thresholdDirection,
        settings: {
          options: [
            { value: 'above', label: 'Above' },
            { value: 'below', label: 'Below' },
          ],
        },
        showIf: (o) => o.model !== 'fast',
      })
      .addTextInput({
        path: 'shockWindows',
        name: 'Events and shock windows',
        description:
          'One per line: name, start, end (dates or ms), e.g. "lockdown, 2020-03-20, 2020-05-01". Never flagged or learnt from; the forecast models them as one-off events.',
        category: EVENTS,
        defaultValue: d.shockWindows,
        settings: { useTextarea: true, rows: 3 },
      })
      .addBooleanSwitch({
        path: 'useAnnotations',
        name: 'Dashboard annotations as events',
        description:
          "The dashboard's annotations (deploys, campaigns, outages) enter the forecast as one-off events, and an incident during one names it as the likely cause. They are still flagged.",
        category: EVENTS,
        defaultValue: d.useAnnotations,
      })
  );
