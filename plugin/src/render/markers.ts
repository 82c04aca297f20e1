import { KIND_NAMES, KindName, SeriesInput, SeriesOutcome } from '../types';

/** Marker colour per anomaly kind (Grafana palette names, readable in both themes). */
export const KIND_COLORS: Record<KindName, string> = {
  global: 'red',
  contextual: 'orange',
  collective: 'purple',
  peer: 'blue',
};

export interface Marker {
  time: number;
  value: number;
  kind: KindName;
  score: number;
}

export interface SeriesMarkers {
  /** The series' display name: the chart series the markers sit on. */
  name: string;
  markers: Marker[];
}

/**
 * The anomalous points of every analysed series, to be drawn over its line. They are drawn by a
 * uPlot hook rather than as chart series: a points-only series per kind and series would make
 * hundreds of mostly empty series for uPlot to walk on every redraw, and could not size points
 * one by one.
 */
export function anomalyMarkers(series: SeriesInput[], outcomes: Map<string, SeriesOutcome>): SeriesMarkers[] {
  return series.flatMap((s) => {
    const d = outcomes.get(s.key)?.detection;
    if (!d || d.timestamps.length !== s.timestamps.length) {
      return [];
    }
    // A series' markers are made once per detection (each result batch lists every series').
    const made = markersMade.get(d);
    if (
      made &&
      made.series.name === s.name &&
      made.series.values === s.values &&
      made.series.timestamps === s.timestamps
    ) {
      return made.markers;
    }
    const markers: Marker[] = [];
    for (let i = 0; i < d.kind.length; i++) {
      const kind = KIND_NAMES[d.kind[i]];
      if (kind && Number.isFinite(s.values[i])) {
        markers.push({ time: s.timestamps[i], value: s.values[i], kind, score: d.score[i] });
      }
    }
    const list = markers.length ? [{ name: s.name, markers }] : [];
    markersMade.set(d, { series: s, markers: list });
    return list;
  });
}

/** Markers already made, by detection (results are not modified once made). */
const markersMade = new WeakMap<object, { series: SeriesInput; markers: SeriesMarkers[] }>();

/**
 * Marker radius in CSS pixels, growing with the score: the score is 1 at the band's edge and
 * doubles with each doubling of the distance, so the radius grows by its logarithm (3 px at the
 * edge, 7.5 px eight band-widths out, at most 9 px).
 */
export function markerRadius(score: number): number {
  const r = 3 + 1.5 * Math.log2(Math.max(1, Number.isFinite(score) ? score : 1));
  return Math.min(9, r);
}
