import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { HEADER_HEIGHT, IncidentRow, IncidentsView, ROW_HEIGHT, windowRows } from './IncidentsView';

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

describe('windowRows', () => {
  it('is the rows in view and a few beyond each edge, within the list', () => {
    // 300 px: a header and 11.4 rows in view.
    const [first, last] = windowRows(1000, 300, 0);
    expect(first).toBe(0);
    expect(last).toBeGreaterThanOrEqual(Math.ceil((300 - HEADER_HEIGHT) / ROW_HEIGHT));
    expect(last).toBeLessThan(30);
    // Scrolled to row 500: rows on both sides of it, as many as at the top plus the ones above.
    const [f2, l2] = windowRows(1000, 300, 500 * ROW_HEIGHT);
    expect(f2).toBeLessThan(500);
    expect(f2).toBeGreaterThan(490);
    expect(l2).toBeGreaterThan(500 + 11);
    expect(windowRows(5, 300, 0)).toEqual([0, 5]);
    expect(windowRows(0, 300, 0)).toEqual([0, 0]);
    // Scrolled past the end (the list shrank): the last rows.
    expect(windowRows(5, 300, 10_000)[1]).toBe(5);
  });
});

describe('IncidentsView', () => {
  const view = (incidents: IncidentRow[], onZoom = jest.fn()) =>
    render(
      <IncidentsView
        incidents={incidents}
        seriesNames={[]}
        height={300}
        timeZone="utc"
        onZoom={onZoom}
        onDetails={() => {}}
      />
    );
  const rows = () => screen.getAllByTestId('foresight-incident');

  it('renders the rows in view, worst first, and the others as the list scrolls to them', () => {
    const incidents = Array.from({ length: 150 }, (_, i) => incident(i));
    view(incidents);
    const list = screen.getByTestId('foresight-incidents');
    expect(list.getAttribute('data-rows')).toBe('150');
    expect(list.querySelector('table')!.getAttribute('aria-rowcount')).toBe('151');
    const [, last] = windowRows(150, 300, 0);
    expect(rows()).toHaveLength(last);
    // Sorted by peak score: the worst (the last one generated) first.
    expect(rows()[0].getAttribute('data-start')).toBe(String(149 * 60_000));
    expect(rows()[0].getAttribute('aria-rowindex')).toBe('2');
    // The space of the rows not rendered is kept (the scrollbar is the whole list's).
    const spacer = list.querySelector('tbody > tr:last-child') as HTMLElement;
    expect(spacer.style.height).toBe(`${(150 - last) * ROW_HEIGHT}px`);
    // Scrolled to the 120th row: it is rendered, at its place in the list.
    list.scrollTop = 119 * ROW_HEIGHT;
    fireEvent.scroll(list);
    const row = rows().find((r) => r.getAttribute('aria-rowindex') === '121');
    expect(row?.getAttribute('data-start')).toBe(String((149 - 119) * 60_000));
    expect(rows().length).toBeLessThan(30);
  });

  it('rows are reached by keyboard and zoom on Enter', () => {
    const onZoom = jest.fn();
    view([incident(1), incident(2)], onZoom);
    expect(rows()).toHaveLength(2);
    expect(rows()[0].tabIndex).toBe(0);
    fireEvent.keyDown(rows()[0], { key: 'Enter' });
    expect(onZoom).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('foresight-incidents').querySelectorAll('tbody > tr[aria-hidden]')).toHaveLength(0);
  });
});
