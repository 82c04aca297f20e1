import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { FIRST_ROWS, IncidentRow, IncidentsView } from './IncidentsView';

const incident = (i: number): IncidentRow => ({
  seriesIndex: i,
  start: i * 60_000,
  end: i * 60_000,
  peakTime: i * 60_000,
  peakScore: i,
  kind: 'global',
  direction: 'up',
  seriesName: `pod-${i}`,
  stepMs: 60_000,
});

describe('IncidentsView', () => {
  it('renders the worst incidents first and the rest on demand', () => {
    const incidents = Array.from({ length: FIRST_ROWS + 50 }, (_, i) => incident(i));
    render(
      <IncidentsView
        incidents={incidents}
        seriesNames={[]}
        height={300}
        timeZone="utc"
        onZoom={() => {}}
        onDetails={() => {}}
      />
    );
    const rows = () => screen.getAllByTestId('foresight-incident');
    expect(rows()).toHaveLength(FIRST_ROWS);
    // Sorted by peak score: the worst (the last one generated) first.
    expect(rows()[0].getAttribute('data-start')).toBe(String((FIRST_ROWS + 49) * 60_000));
    fireEvent.click(screen.getByText(`Show all ${FIRST_ROWS + 50} incidents`));
    expect(rows()).toHaveLength(FIRST_ROWS + 50);
  });

  it('shows no button when every incident fits', () => {
    render(
      <IncidentsView
        incidents={[incident(1), incident(2)]}
        seriesNames={[]}
        height={300}
        timeZone="utc"
        onZoom={() => {}}
        onDetails={() => {}}
      />
    );
    expect(screen.getAllByTestId('foresight-incident')).toHaveLength(2);
    expect(screen.queryByText(/Show all/)).toBeNull();
  });
});
