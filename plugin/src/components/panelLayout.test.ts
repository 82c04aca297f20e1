import { FOOTER_HEIGHT } from './ActionsBar';
import { panelLayout } from './panelLayout';
import { AnalysisStatus } from './panelStatus';

const status = (extra: Partial<AnalysisStatus> = {}): AnalysisStatus => ({
  total: 3,
  analysed: 3,
  forecasts: 3,
  fromCache: 0,
  done: true,
  busy: false,
  detecting: false,
  progress: '',
  ...extra,
});
const content = { notes: 0, showIncidents: true, incidents: 0, detailOpen: false, crossings: 0 };
const parts = (l: ReturnType<typeof panelLayout>) => l.chart + l.crossings + l.incidents + l.actions + l.status;

describe('panelLayout', () => {
  it('gives the chart what the other parts leave', () => {
    const l = panelLayout(1000, status(), { ...content, incidents: 2, crossings: 1, notes: 1 });
    expect(l).toEqual({
      chart: 1000 - 30 - 74 - 2 * FOOTER_HEIGHT,
      crossings: 30,
      incidents: 74,
      actions: FOOTER_HEIGHT,
      status: FOOTER_HEIGHT,
    });
    expect(parts(l)).toBe(1000);
  });

  it('has a status line while busy, failed or with notes, and actions once something is analysed', () => {
    expect(panelLayout(400, status({ done: false, busy: true }), content)).toMatchObject({
      status: FOOTER_HEIGHT,
      actions: 0,
    });
    expect(panelLayout(400, status({ analysed: 0, failure: 'No series could be analysed' }), content)).toMatchObject({
      status: FOOTER_HEIGHT,
      actions: 0,
    });
    expect(panelLayout(400, status(), content)).toEqual({
      chart: 400 - FOOTER_HEIGHT,
      crossings: 0,
      incidents: 0,
      actions: FOOTER_HEIGHT,
      status: 0,
    });
  });

  it("keeps the incidents list's place, a row per series, while incidents may still arrive", () => {
    const detecting = status({ done: false, busy: true, detecting: true, analysed: 1, total: 5 });
    expect(panelLayout(1000, detecting, content).incidents).toBe(26 + 24 * 5);
    // Capped at 30 % of the panel, as the list itself.
    expect(panelLayout(300, detecting, content).incidents).toBe(90);
    expect(panelLayout(1000, detecting, { ...content, showIncidents: false }).incidents).toBe(0);
    expect(panelLayout(1000, status(), content).incidents).toBe(0);
    // Every series analysed, forecasts still running: no incident is coming.
    expect(panelLayout(1000, status({ done: false, busy: true }), content).incidents).toBe(0);
  });

  it("sizes the list by its rows, an incident's details at 40 %", () => {
    expect(panelLayout(1000, status(), { ...content, incidents: 3 }).incidents).toBe(26 + 24 * 3);
    expect(panelLayout(1000, status(), { ...content, incidents: 50 }).incidents).toBe(300);
    expect(panelLayout(1000, status(), { ...content, incidents: 3, detailOpen: true }).incidents).toBe(400);
  });

  it('sizes the crossings by their rows, at most 20 %', () => {
    expect(panelLayout(1000, status(), { ...content, crossings: 2 }).crossings).toBe(8 + 44);
    expect(panelLayout(1000, status(), { ...content, crossings: 20 }).crossings).toBe(200);
  });
});
