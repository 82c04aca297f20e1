import { PanelPlugin } from '@grafana/data';
import { ForesightPanel } from './components/ForesightPanel';
import { defaultOptions, ForesightOptions } from './types';

export const plugin = new PanelPlugin<ForesightOptions>(ForesightPanel).setPanelOptions((builder) =>
  builder
    .addNumberInput({
      path: 'baselineWindow',
      name: 'Baseline window',
      description: 'Points in the rolling window of the baseline. 0 chooses 1 % of the series (5–301 points).',
      category: ['Baseline'],
      defaultValue: defaultOptions.baselineWindow,
      settings: { min: 0, integer: true },
    })
    .addSliderInput({
      path: 'bandSigmas',
      name: 'Band width',
      description: 'Half-width of the expected band, in robust standard deviations (1.4826 × MAD).',
      category: ['Baseline'],
      defaultValue: defaultOptions.bandSigmas,
      settings: { min: 1, max: 6, step: 0.5 },
    })
);
