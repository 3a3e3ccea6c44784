// @vitest-environment jsdom
/**
 * The patient chart screen over a fake client: the header, the timeline (grouped by year,
 * filters), trend plots with the reference band and out-of-range points, the notes with their
 * entities and the way to the review, the to-do list beside the coded conditions, keys 1–4, the
 * error and empty states, and the ways in (Patient list, command palette).
 */
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { VaultStatus } from '../../../../src-main/api/contract';
import type { ChartNote, PatientChart } from '../../../../src-main/chart/types';
import { App } from '../../../../src-renderer/src/App';
import { defaultSeries, groupByYear, seriesGroups } from '../../../../src-renderer/src/chart/ChartSections';
import { formatValue, linearScale, niceTicks, rangeText, timeTicks } from '../../../../src-renderer/src/chart/scale';
import { formatRoute, parseRoute, type Route } from '../../../../src-renderer/src/router/routes';
import { openCommandPalette } from '../../../../src-renderer/src/shell/CommandPalette';
import { installDomShims } from '../dom-shims';
import { err, fakeClient, ok, outcome } from '../fake-client';

installDomShims();
beforeEach(() => window.history.replaceState(null, '', '#/patient/p1'));
afterEach(cleanup);

const unlocked: VaultStatus = { state: 'unlocked', vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' }, recentVaults: [] };
const base = {
  'vault.status': () => ok(unlocked),
  'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
  'resources.counts': () => ok([{ resourceType: 'Patient', count: 2 }]),
};

const chart: PatientChart = {
  demographics: {
    reference: 'Patient/p1',
    name: 'Ada Lovelace',
    sex: 'female',
    birthDate: '1970-06-15',
    age: 55,
    mrn: 'MRN-42',
    identifiers: [{ label: 'MRN', value: 'MRN-42' }],
    addresses: ['1 Main St, Springfield, IL 62701'],
    telecom: [{ system: 'phone', use: 'home', value: '555-0100' }],
  },
  timeline: [
    { kind: 'condition', date: '2018-03-01', label: 'Essential hypertension', code: { code: 'I10' }, status: 'active', reference: 'Condition/c-htn' },
    { kind: 'report', date: '2023-01-01T09:00:00Z', label: 'Lipid panel', reference: 'DiagnosticReport/r1' },
    { kind: 'encounter', date: '2024-05-01T09:30:00Z', end: '2024-05-01T10:30:00Z', label: 'Office visit', reference: 'Encounter/e1' },
    { kind: 'note', date: '2024-05-01T10:00:00Z', label: 'Progress note', reference: 'DocumentReference/n1' },
    { kind: 'procedure', label: 'Colonoscopy', reference: 'Procedure/pr1' },
  ],
  series: [
    {
      key: 'http://loinc.org|4548-4',
      code: '4548-4',
      system: 'http://loinc.org',
      display: 'Hemoglobin A1c',
      unit: '%',
      category: 'laboratory',
      low: 4,
      high: 5.6,
      points: [
        { time: '2022-01-01T09:00:00Z', value: 5.2, reference: 'Observation/o2', low: 4, high: 5.6, outOfRange: false },
        { time: '2023-01-01T09:00:00Z', value: 7.2, reference: 'Observation/o1', low: 4, high: 5.6, interpretation: 'H', outOfRange: true },
        { time: '2024-01-01T09:00:00Z', value: 6.1, reference: 'Observation/o3', low: 4, high: 5.6, outOfRange: true },
      ],
    },
    {
      key: 'http://loinc.org|8867-4',
      code: '8867-4',
      display: 'Heart rate',
      unit: '/min',
      points: [
        { time: '2022-01-01T09:00:00Z', value: 70, reference: 'Observation/h1', outOfRange: false },
        { time: '2023-01-01T09:00:00Z', value: 74, reference: 'Observation/h2', outOfRange: false },
      ],
    },
  ],
  notes: [
    { id: 'n2', date: '2025-02-01T10:00:00Z', title: 'Follow-up note', nlp: 'succeeded', entities: 2, categories: { MEDICAL_CONDITION: 2 } },
    { id: 'n1', date: '2024-05-01T10:00:00Z', title: 'Progress note', nlp: 'succeeded', entities: 3, categories: { MEDICAL_CONDITION: 2, MEDICATION: 1 } },
  ],
  todo: [
    { code: 'E78.5', display: 'Hyperlipidemia, unspecified', text: 'hyperlipidemia', score: 0.85, mentions: 2, noteIds: ['n2', 'n1'], sameCategory: [], reviewed: true },
    { code: 'E11.65', display: 'Type 2 diabetes mellitus with hyperglycemia', text: 'Diabetes with hyperglycemia', score: 0.8, mentions: 1, noteIds: ['n1'], sameCategory: ['E11.9'], reviewed: false },
  ],
  coded: [
    { reference: 'Condition/c-htn', code: 'I10', display: 'Essential hypertension', clinicalStatus: 'active', onset: '2018-03-01', mentioned: 'code', noteIds: ['n1'] },
    { reference: 'Condition/c-copd', code: 'J44.9', display: 'COPD', mentioned: 'none', noteIds: [] },
  ],
  truncated: [],
  asOf: '2026-01-01T00:00:00Z',
};

const TEXT = 'Hypertension, controlled. Diabetes with hyperglycemia. Metformin 500 mg.';
function note(documentId: string): ChartNote {
  return {
    documentId,
    title: documentId === 'n1' ? 'Progress note' : 'Follow-up note',
    date: '2024-05-01T10:00:00Z',
    patient: 'Patient/p1',
    text: TEXT,
    sections: [],
    nlp: 'succeeded',
    annotations: [
      { id: 'e:0-12-MEDICAL_CONDITION', origin: 'engine', begin: 0, end: 12, text: 'Hypertension', category: 'MEDICAL_CONDITION', type: 'DX_NAME', score: 0.98, traits: [], concept: { system: 'ICD10CM', code: 'I10', display: 'Essential hypertension' }, decision: 'pending', edited: false },
      { id: 'e:55-64-MEDICATION', origin: 'engine', begin: 55, end: 64, text: 'Metformin', category: 'MEDICATION', type: 'GENERIC_NAME', score: 0.99, traits: [], decision: 'pending', edited: false },
    ],
  };
}

const key = (k: string) => act(async () => {
  fireEvent.keyDown(window, { key: k });
});

describe('patient chart screen', () => {
  it('shows the header, the timeline by year with filters, and opens events', async () => {
    const { client, calls } = fakeClient({ ...base, 'chart.patient': () => ok(chart) });
    render(<App client={client} />);
    expect((await screen.findByTestId('chart-name')).textContent).toBe('Ada Lovelace');
    expect(calls.find((c) => c.channel === 'chart.patient')?.input).toEqual({ patientId: 'p1' });
    expect(screen.getByTestId('chart-facts').textContent).toBe('female · 55 years · born 1970-06-15');
    expect(screen.getByTestId('chart-mrn').textContent).toBe('MRN MRN-42');
    expect(screen.getByText('1 Main St, Springfield, IL 62701')).toBeTruthy();
    expect(screen.getByTestId('todo-count').textContent).toBe('2 to do');

    // Newest year first, undated last; lab reports are filtered out by default.
    expect(screen.getAllByTestId('timeline-year').map((y) => y.getAttribute('data-year'))).toEqual(['2024', '2018', 'Undated']);
    expect(screen.getAllByTestId('timeline-event').map((e) => e.getAttribute('data-kind'))).toEqual(['note', 'encounter', 'condition', 'procedure']);
    expect(screen.getByTestId('timeline-strip')).toBeTruthy();
    fireEvent.click(screen.getByRole('checkbox', { name: /Lab reports \(1\)/ }));
    expect(screen.getAllByTestId('timeline-event').map((e) => e.getAttribute('data-kind'))).toContain('report');
    fireEvent.click(screen.getByRole('checkbox', { name: /Conditions \(1\)/ }));
    expect(screen.getAllByTestId('timeline-event').map((e) => e.getAttribute('data-kind'))).not.toContain('condition');

    // A note opens in the chart's Notes section, another event in the resource view.
    const noteEvent = screen.getAllByTestId('timeline-event').find((e) => e.getAttribute('data-kind') === 'note')!;
    fireEvent.click(noteEvent);
    expect(window.location.hash).toBe('#/patient/p1?tab=notes&note=n1');
    window.history.replaceState(null, '', '#/patient/p1');
    await act(async () => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    fireEvent.click(screen.getAllByTestId('timeline-event').find((e) => e.getAttribute('data-kind') === 'encounter')!);
    expect(window.location.hash).toBe('#/resources/Encounter/e1');
  });

  it('keys 1–4 switch sections: trend plots with band and flagged points, notes with entities, the to-do list', async () => {
    const { client, calls } = fakeClient({ ...base, 'chart.patient': () => ok(chart), 'chart.note': (input) => ok(note(String(input['documentId']))) });
    render(<App client={client} />);
    await screen.findByTestId('chart-name');

    await key('2');
    expect(window.location.hash).toBe('#/patient/p1?tab=trends');
    const plot = (await screen.findAllByTestId('trend-plot'))[0]!;
    // Series with more than one value are plotted, the A1c first (it has a range and values out of it).
    expect(screen.getAllByTestId('trend-plot')).toHaveLength(2);
    expect(plot.getAttribute('data-series')).toBe('http://loinc.org|4548-4');
    expect(plot.getAttribute('aria-label')).toBe('Hemoglobin A1c: 3 values, reference range 4–5.6 %, 2 out of range');
    expect(within(plot).getByTestId('reference-band')).toBeTruthy();
    const points = within(plot).getAllByTestId('trend-point');
    expect(points.map((p) => p.getAttribute('data-out-of-range'))).toEqual(['false', 'true', 'true']);
    expect(points[1]!.tagName.toLowerCase()).toBe('path');
    expect(points[1]!.textContent).toBe('2023-01-01: 7.2 % (H), range 4–5.6, out of range');
    fireEvent.click(screen.getByRole('checkbox', { name: /Heart rate/ }));
    expect(screen.getAllByTestId('trend-plot')).toHaveLength(1);
    fireEvent.click(points[0]!);
    expect(window.location.hash).toBe('#/resources/Observation/o2');
    window.history.replaceState(null, '', '#/patient/p1');
    await act(async () => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });

    await key('3');
    expect(window.location.hash).toBe('#/patient/p1?tab=notes');
    // The newest note opens first, with its entities drawn by the review renderer.
    expect((await screen.findByTestId('chart-note-title')).textContent).toBe('Follow-up note');
    expect(calls.filter((c) => c.channel === 'chart.note').map((c) => c.input)).toEqual([{ documentId: 'n2' }]);
    expect(screen.getByTestId('note-view').textContent).toContain('Hypertension, controlled.');
    fireEvent.click(screen.getAllByTestId('note-row')[1]!);
    expect(window.location.hash).toBe('#/patient/p1?tab=notes&note=n1');
    expect((await screen.findByTestId('chart-note-title')).textContent).toBe('Progress note');
    fireEvent.click(screen.getByText('Metformin'));
    expect(screen.getByTestId('chart-entity').textContent).toContain('Metformin · Medication · GENERIC_NAME');

    await key('4');
    expect(window.location.hash).toBe('#/patient/p1?tab=conditions');
    const todo = await screen.findByTestId('todo-table');
    expect(within(todo).getAllByTestId('todo-row').map((r) => r.getAttribute('data-code'))).toEqual(['E78.5', 'E11.65']);
    expect(within(todo).getByText('refines E11.9')).toBeTruthy();
    expect(within(todo).getAllByTestId('todo-reviewed')).toHaveLength(1);
    expect(screen.queryByTestId('todo-unread')).toBeNull();
    const coded = screen.getByTestId('coded-table');
    expect(within(coded).getAllByTestId('coded-row').map((r) => r.getAttribute('data-mentioned'))).toEqual(['code', 'none']);
    fireEvent.click(within(todo).getAllByTestId('todo-note-link')[0]!);
    expect(window.location.hash).toBe('#/patient/p1?tab=notes&note=n2');
    fireEvent.click(await screen.findByTestId('open-in-review'));
    expect(window.location.hash).toBe('#/review/n2');
  });

  it('an error with Retry, and a patient without observations or notes', async () => {
    let answer: ReturnType<typeof err> | ReturnType<typeof ok<PatientChart>> = err(outcome('not-found', 'Patient/p1 is not known', { status: 404 }));
    const { client } = fakeClient({ ...base, 'chart.patient': () => answer });
    render(<App client={client} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Cannot open the chart of Patient/p1');
    expect(alert.textContent).toContain('Patient/p1 is not known');
    answer = ok({ ...chart, timeline: [], series: [], notes: [], todo: [], coded: [] });
    window.history.replaceState(null, '', '#/patient/p1');
    fireEvent.click(within(alert).getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('timeline-empty')).toBeTruthy();
    await key('2');
    expect(await screen.findByTestId('trends-empty')).toBeTruthy();
    await key('3');
    expect(await screen.findByTestId('notes-empty')).toBeTruthy();
    await key('4');
    expect((await screen.findByTestId('todo-empty')).textContent).toBe('No notes to read.');
    expect(screen.getByTestId('coded-empty')).toBeTruthy();
  });

  it('the to-do list says when notes wait for the NLP', async () => {
    window.history.replaceState(null, '', '#/patient/p1?tab=conditions');
    const waiting: PatientChart = { ...chart, todo: [], notes: [{ ...chart.notes[0]!, nlp: 'none', entities: 0, categories: {} }, chart.notes[1]!] };
    const { client } = fakeClient({ ...base, 'chart.patient': () => ok(waiting) });
    render(<App client={client} />);
    expect((await screen.findByTestId('todo-unread')).textContent).toBe('1 of 2 notes not read by the NLP yet (or failed): the list may grow.');
    expect(screen.getByTestId('todo-empty').textContent).toBe('Nothing found in the notes read so far.');
  });

  it('ways in: the Patient list (link and c), the command palette by name', async () => {
    window.history.replaceState(null, '', '#/resources/Patient');
    const patient = { resourceType: 'Patient', id: 'p1', name: [{ given: ['Ada'], family: 'Lovelace' }], gender: 'female', birthDate: '1970-06-15' };
    const { client, calls } = fakeClient({
      ...base,
      'resources.list': () => ok({ total: 1, offset: 0, resources: [patient] }),
      'resources.search': (input) => ok({ resourceType: 'Bundle', type: 'searchset', entry: String(input['query']).startsWith('Patient?name=ada') ? [{ resource: patient }] : [] }),
      'chart.patient': () => ok(chart),
    });
    render(<App client={client} />);
    fireEvent.click(await screen.findByTestId('patient-chart-link'));
    expect(window.location.hash).toBe('#/patient/p1');
    window.history.replaceState(null, '', '#/resources/Patient');
    await act(async () => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    await screen.findByTestId('patient-chart-link');
    await key('c');
    expect(window.location.hash).toBe('#/patient/p1');

    await act(async () => openCommandPalette());
    fireEvent.change(await screen.findByPlaceholderText(/Type a command/), { target: { value: 'ada' } });
    // The palette highlights the query inside labels: match the whole button's text.
    const action = await waitFor(() => {
      const found = [...document.querySelectorAll('button')].find((b) => b.textContent?.startsWith('Patient chart: Ada Lovelace'));
      if (!found) throw new Error('no patient action yet');
      return found;
    });
    expect(action.textContent).toBe('Patient chart: Ada Lovelacefemale · born 1970-06-15');
    expect(calls.some((c) => c.channel === 'resources.search' && c.input['query'] === 'Patient?name=ada&_count=8')).toBe(true);
    await act(async () => {
      fireEvent.click(action);
    });
    await waitFor(() => expect(window.location.hash).toBe('#/patient/p1'));
  });
});

describe('chart helpers', () => {
  it('routes round-trip and refuse bad ids', () => {
    const routes: Route[] = [
      { screen: 'patient', patientId: 'p1', tab: 'timeline' },
      { screen: 'patient', patientId: 'p-1.2', tab: 'trends' },
      { screen: 'patient', patientId: 'p1', tab: 'notes', noteId: 'n-3' },
    ];
    for (const route of routes) expect(parseRoute(formatRoute(route))).toEqual(route);
    expect(formatRoute(routes[0]!)).toBe('#/patient/p1');
    expect(parseRoute('#/patient/p1?tab=nope&note=../x')).toEqual({ screen: 'patient', patientId: 'p1', tab: 'timeline' });
    expect(parseRoute('#/patient/..%2Fx')).toEqual({ screen: 'home' });
  });

  it('scales, ticks and values', () => {
    const s = linearScale(0, 10, 100, 200);
    expect([s(0), s(5), s(10)]).toEqual([100, 150, 200]);
    expect(linearScale(3, 3, 0, 10)(3)).toBe(5);
    expect(niceTicks(0, 10, 4)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(3.7, 7.9, 4)).toEqual([4, 5, 6, 7]);
    expect(timeTicks(Date.UTC(2016, 5, 1), Date.UTC(2026, 0, 1)).map((t) => t.label)).toEqual(['2017', '2019', '2021', '2023', '2025']);
    expect(timeTicks(Date.UTC(2025, 0, 15), Date.UTC(2025, 4, 20)).map((t) => t.label)).toEqual(['2025-02', '2025-03', '2025-04', '2025-05']);
    expect([formatValue(7), formatValue(7.25), formatValue(142.4), formatValue(12.34)]).toEqual(['7', '7.25', '142', '12.3']);
    // One-sided ranges (HDL ≥ 40, LDL ≤ 100) read as such, not "40–…" (the series badge uses this too).
    expect([rangeText(4, 5.6), rangeText(40, undefined), rangeText(undefined, 100), rangeText(undefined, undefined)]).toEqual(['4–5.6', '≥ 40', '≤ 100', '']);
  });

  it('groups by year and picks the series to show first', () => {
    expect(groupByYear(chart.timeline).map((g) => [g.year, g.events.length])).toEqual([
      ['2024', 2],
      ['2023', 1],
      ['2018', 1],
      ['Undated', 1],
    ]);
    expect(defaultSeries(chart.series, 1)).toEqual(['http://loinc.org|4548-4']);
    expect(defaultSeries(chart.series)).toEqual(['http://loinc.org|4548-4', 'http://loinc.org|8867-4']);
    expect(seriesGroups(chart.series).map((g) => [g.label, g.series.map((s) => s.code)])).toEqual([
      ['Laboratory', ['4548-4']],
      ['Other', ['8867-4']],
    ]);
  });
});
