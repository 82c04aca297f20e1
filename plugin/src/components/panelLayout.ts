/**
 * The heights of the panel's parts: the chart gets what the lists and the footer leave. Every
 * resize of the chart is a full redraw of every series, so places are kept where results are
 * about to arrive. Pure, jest-tested.
 */
import { FOOTER_HEIGHT } from './ActionsBar';
import { HEADER_HEIGHT, ROW_HEIGHT } from './IncidentsView';
import { AnalysisStatus } from './panelStatus';

export interface PanelLayout {
  chart: number;
  crossings: number;
  incidents: number;
  actions: number;
  status: number;
}

export interface LayoutContent {
  notes: number;
  showIncidents: boolean;
  incidents: number;
  /** An incident's details are open (they take more room than the list). */
  detailOpen: boolean;
  crossings: number;
}

export function panelLayout(height: number, status: AnalysisStatus, content: LayoutContent): PanelLayout {
  // The status line and the actions bar are one height: when an analysis ends, one replaces the
  // other without resizing the chart.
  const statusHeight = status.failure || content.notes > 0 || status.busy ? FOOTER_HEIGHT : 0;
  const actions = status.done && status.analysed > 0 ? FOOTER_HEIGHT : 0;
  const listHeight = (rows: number) => Math.min(Math.round(height * 0.3), HEADER_HEIGHT + ROW_HEIGHT * rows);
  // Until every series is analysed the list's place is kept, as tall as a row per series would
  // make it: the incidents that arrive then fill it without resizing the chart (on a big panel
  // the list is at its full height either way).
  const incidents = !content.showIncidents
    ? 0
    : content.incidents > 0
      ? content.detailOpen
        ? Math.round(height * 0.4)
        : listHeight(content.incidents)
      : status.detecting
        ? listHeight(status.total)
        : 0;
  const crossings = content.crossings > 0 ? Math.min(Math.round(height * 0.2), 8 + 22 * content.crossings) : 0;
  return {
    chart: height - statusHeight - incidents - crossings - actions,
    crossings,
    incidents,
    actions,
    status: statusHeight,
  };
}
