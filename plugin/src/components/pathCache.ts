import { useLayoutEffect } from 'react';
import type uPlot from 'uplot';
import { UPlotConfigBuilder } from '@grafana/ui';

type PathBuilder = NonNullable<uPlot.Series['paths']>;
type Paths = ReturnType<PathBuilder>;

/**
 * Makes each of the chart's series reuse the paths it built last when nothing they are built
 * from has changed: its values and the time axis (the same arrays), the drawn index range, both
 * of its scales' ranges, the plotting area and its own extent and width.
 *
 * uPlot rebuilds the paths of every series on each setData (and Grafana's TimeSeries hands it
 * each result batch as new data), though a batch changes the arrays of one or two series: on a
 * panel of 10 series that is 70 paths (observed, expected, band, forecast and its band) rebuilt
 * for the 3–6 that changed. uPlot's path builders are pure functions of these inputs (the line
 * builders read the series' own values, its scales and the plotting area; a band edge's clip is
 * built from its own line), and uPlot does not modify the paths it is given, so a path built
 * from the same inputs is the same path. Arrays are compared by identity: the panel keeps the
 * arrays of series whose results did not change (PlotFrameCache).
 */
export function cacheSeriesPaths(u: Pick<uPlot, 'series'>): void {
  u.series.forEach((s, i) => {
    const build = s.paths;
    if (i === 0 || !build || (build as { cached?: boolean }).cached) {
      return;
    }
    let last: { key: unknown[]; paths: Paths } | undefined;
    const cached: PathBuilder = (self, seriesIdx, idx0, idx1) => {
      const x = self.scales.x;
      const y = self.scales[self.series[seriesIdx].scale ?? 'y'];
      const series = self.series[seriesIdx];
      const { left, top, width, height } = self.bbox;
      const key = [
        seriesIdx,
        self.data[0],
        self.data[seriesIdx],
        idx0,
        idx1,
        x?.min,
        x?.max,
        y?.min,
        y?.max,
        left,
        top,
        width,
        height,
        series.min,
        series.max,
        series.width,
      ];
      if (last && last.key.every((v, k) => v === key[k])) {
        return last.paths;
      }
      const paths = build(self, seriesIdx, idx0, idx1);
      last = { key, paths };
      return paths;
    };
    (cached as { cached?: boolean }).cached = true;
    s.paths = cached;
  });
}

/**
 * Adds cacheSeriesPaths to each chart the configuration makes (uPlot's init hook runs after it
 * set up its series, before the first draw). Renders nothing.
 */
export function SeriesPathCache({ config }: { config: UPlotConfigBuilder }) {
  useLayoutEffect(() => {
    config.addHook('init', cacheSeriesPaths);
  }, [config]);
  return null;
}
