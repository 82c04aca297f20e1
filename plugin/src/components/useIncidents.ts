import { useCallback, useMemo, useState } from 'react';
import { incidentKey, IncidentRow } from './IncidentsView';
import { incidentRows, rootCauseInputs } from './panelRows';
import { Analysis } from './useAnalysis';

/**
 * The incidents in the visible range (the history is there to learn from), the one whose
 * details are open, and the root-cause question the details ask the engine.
 */
export function useIncidents(analysis: Analysis, from: number, to: number) {
  const { extracted, steps, events, engineSeries, engine } = analysis;
  const { outcomes, rootCause } = engine;
  const incidents = useMemo(
    () => incidentRows(extracted.series, steps, outcomes, { from, to }, events),
    [extracted.series, steps, outcomes, from, to, events]
  );
  // The incident whose details are open (its series and start: stable across result batches).
  const [detailKey, setDetailKey] = useState<string>();
  const detail = detailKey === undefined ? undefined : incidents.find((inc) => incidentKey(inc) === detailKey);
  const openDetails = useCallback((inc: IncidentRow) => setDetailKey(incidentKey(inc)), []);
  const closeDetails = useCallback(() => setDetailKey(undefined), []);
  const loadRootCause = useCallback(
    (inc: IncidentRow) => {
      const inputs = rootCauseInputs(engineSeries, outcomes);
      return inputs
        ? rootCause(inputs.series, { series: inc.seriesIndex, start: inc.start, end: inc.end }, inputs.labels)
        : Promise.reject(new Error('not every series is analysed yet'));
    },
    [engineSeries, outcomes, rootCause]
  );
  return { incidents, detail, openDetails, closeDetails, loadRootCause };
}
