// @vitest-environment jsdom
/**
 * The query screen over a fake client (docs/query.md): the raw box fills the builder and the
 * builder writes the raw box, Run searches and shows the table with the type's columns, an engine
 * error lands under its parameter, saving / loading / deleting saved queries, CSV and NDJSON export as a job
 * read back in parts, the cohort tab, and the entity filter read from a query. The builder's `_has` rows
 * (reverse chaining) are driven on the builder alone.
 */
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import type { Bundle } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobState, VaultStatus } from '../../../src-main/api/contract';
import type { CohortReport, QueryParameters, SavedQuery } from '../../../src-main/query/types';
import { useState } from 'react';
import { App } from '../../../src-renderer/src/App';
import { ApiProvider } from '../../../src-renderer/src/api/context';
import { axisLabel } from '../../../src-renderer/src/query/CohortPanel';
import { QueryBuilder } from '../../../src-renderer/src/query/QueryBuilder';
import { fromQuery, toQuery, type BuilderState } from '../../../src-renderer/src/query/query-model';
import { installDomShims } from './dom-shims';
import { err, fakeClient, ok, outcome, type Handlers } from './fake-client';

installDomShims();
beforeEach(() => {
  window.localStorage.clear();
  window.history.replaceState(null, '', '#/query');
});
afterEach(cleanup);

const unlocked: VaultStatus = { state: 'unlocked', vault: { path: '/data/vault', formatVersion: 1, createdAt: '2026-01-01T00:00:00Z' }, recentVaults: [] };

function params(resourceType: string): QueryParameters {
  const common = { targets: [], modifiers: ['missing'], prefixes: [] };
  return {
    resourceType,
    parameters: [
      { code: 'code', type: 'token', description: 'Code for the condition', ...common, modifiers: ['not', 'text', 'missing'] },
      { code: 'onset-date', type: 'date', description: 'Date of onset', ...common, prefixes: ['eq', 'ge', 'le'] },
      { code: 'subject', type: 'reference', description: 'Who has the condition?', targets: ['Patient', 'Group'], modifiers: ['identifier', 'missing', 'Patient', 'Group'], prefixes: [] },
      { code: '_id', type: 'token', description: 'Logical id', ...common, common: true },
    ],
    includes: [`${resourceType}:subject`],
    revIncludes: [],
    sorts: ['_id', 'code', 'onset-date'],
  };
}

const conditions: Bundle = {
  resourceType: 'Bundle',
  type: 'searchset',
  total: 2,
  link: [{ relation: 'next', url: 'Condition?code=I10&_total=accurate&_count=20&_offset=20' }],
  entry: [
    { resource: { resourceType: 'Condition', id: 'c1', code: { coding: [{ code: 'I10' }], text: 'Hypertension' }, subject: { reference: 'Patient/p1' } }, search: { mode: 'match' } },
    { resource: { resourceType: 'Condition', id: 'c2', code: { coding: [{ code: 'I10' }], text: 'Essential hypertension, "benign"' }, subject: { reference: 'Patient/p2' } }, search: { mode: 'match' } },
  ],
};

const cohort: CohortReport = {
  groupBy: 'condition',
  resourceType: 'Condition',
  matched: 2,
  patients: 2,
  withoutPatient: 0,
  groups: [{ key: 'I10', label: 'I10 Essential (primary) hypertension', patients: 2, coded: 2 }],
  tookMs: 3,
};

function setup(overrides: Handlers = {}) {
  let saved: SavedQuery[] = [];
  const exportJob: JobState = { id: 'job-x', kind: 'query', title: 'Query export', status: 'succeeded', startedAt: '2026-01-01T00:00:00Z', progress: { done: 2, total: 2 } };
  const fake = fakeClient({
    'vault.status': () => ok(unlocked),
    'settings.get': () => ok({ autoLockMinutes: 15, theme: 'light' }),
    'resources.counts': () => ok([{ resourceType: 'Condition', count: 2 }, { resourceType: 'Patient', count: 2 }]),
    'resources.types': () => ok(['Condition', 'DocumentReference', 'Observation', 'Patient']),
    'query.parameters': (input) => ok(params(String(input['resourceType']))),
    'resources.search': () => ok(conditions),
    'queries.list': () => ok(saved),
    'queries.save': (input) => {
      const query: SavedQuery = { id: 'sq1', name: String(input['name']), query: String(input['query']), columns: input['columns'] as string[], savedAt: '2026-01-01T00:00:00Z' };
      saved = [query];
      return ok(query);
    },
    'queries.delete': (input) => {
      saved = saved.filter((q) => q.id !== input['id']);
      return ok({ id: String(input['id']) });
    },
    'query.export': () => ok({ jobId: 'job-x' }),
    'jobs.get': () => ok(exportJob),
    'query.exportResult': (input) =>
      ok({ jobId: 'job-x', fileName: 'Condition.csv', mimeType: 'text/csv', format: 'csv', resources: 2, part: input['part'], parts: 2, text: input['part'] === 0 ? 'id\r\n' : 'c1\r\nc2\r\n' }),
    'query.cohort': () => ok(cohort),
    'concepts.search': () => ok({ hits: [], tookMs: 0, vocabularies: [] }),
    ...overrides,
  });
  render(<App client={fake.client} />);
  return fake;
}

const raw = () => screen.getByTestId('raw-query') as HTMLInputElement;

describe('query screen', () => {
  it('keeps the raw query and the builder in sync, runs, shows the table, and pages', async () => {
    const { calls } = setup();
    await screen.findByTestId('raw-query');
    await act(async () => {
      fireEvent.change(raw(), { target: { value: 'Condition?code=I10&onset-date=ge2020' } });
    });
    // The builder shows the rows; the date prefix is split once Condition's parameters are known.
    await waitFor(() => expect(screen.getAllByTestId('query-row')).toHaveLength(2));
    const values = screen.getAllByTestId('param-value') as HTMLInputElement[];
    expect(values.map((v) => v.value)).toEqual(['I10', '2020']);

    // Editing the builder writes the raw query.
    await act(async () => {
      fireEvent.change(values[0]!, { target: { value: 'E11.9' } });
    });
    expect(raw().value).toBe('Condition?code=E11.9&onset-date=ge2020');
    await act(async () => {
      fireEvent.click(screen.getByTestId('add-parameter'));
    });
    expect(screen.getAllByTestId('query-row')).toHaveLength(3);

    await act(async () => {
      fireEvent.change(raw(), { target: { value: 'Condition?code=I10' } });
    });
    await act(async () => {
      fireEvent.submit(raw().closest('form')!);
    });
    expect(window.location.hash).toBe(`#/query?q=${encodeURIComponent('Condition?code=I10').replace(/%20/g, '+')}`);
    await waitFor(() => expect(calls.some((c) => c.channel === 'resources.search' && c.input['query'] === 'Condition?code=I10&_total=accurate')).toBe(true));
    const table = await screen.findByTestId('query-table');
    // Condition's default columns, with the values at those paths.
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['id', 'code.coding.code', 'code.text', 'clinicalStatus.coding.code', 'onset', 'subject.reference']);
    expect(within(table).getAllByTestId('query-row-result')[1]!.textContent).toContain('Essential hypertension, "benign"');
    expect(screen.getByTestId('result-total').textContent).toBe('2 matches');

    // A row opens its JSON.
    await act(async () => {
      fireEvent.click(within(table).getAllByTestId('query-row-result')[0]!);
    });
    expect((await screen.findByTestId('resource-drawer')).textContent).toContain('"Hypertension"');

    // Next follows the Bundle's link.
    await act(async () => {
      fireEvent.click(screen.getByTestId('page-next'));
    });
    await waitFor(() => expect(calls.some((c) => c.channel === 'resources.search' && c.input['query'] === 'Condition?code=I10&_total=accurate&_count=20&_offset=20')).toBe(true));
  });

  it('keeps the rows added while the type\'s parameters are still loading (a slow machine)', async () => {
    // Condition's parameters answer only when the test lets them: after a row was added and half filled.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    setup({
      'query.parameters': async (input) => {
        if (input['resourceType'] === 'Condition') await held;
        return ok(params(String(input['resourceType'])));
      },
    });
    await screen.findByTestId('raw-query');
    await act(async () => {
      fireEvent.change(raw(), { target: { value: 'Condition?onset-date=ge2020' } });
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId('add-parameter'));
    });
    expect(screen.getAllByTestId('query-row')).toHaveLength(2);
    await act(async () => {
      fireEvent.change(within(screen.getAllByTestId('query-row')[1]!).getByTestId('param-code'), { target: { value: 'code' } });
    });
    await act(async () => {
      release();
      await held;
    });
    // The parameters are in (the date's prefix is split off) and both rows are still there.
    await waitFor(() => expect((screen.getAllByTestId('param-value')[0] as HTMLInputElement).value).toBe('2020'));
    const rows = screen.getAllByTestId('query-row');
    expect(rows).toHaveLength(2);
    expect((within(rows[1]!).getByTestId('param-code') as HTMLInputElement).value).toBe('code');
    await act(async () => {
      fireEvent.change(within(rows[1]!).getByTestId('param-value'), { target: { value: 'I10' } });
    });
    expect(raw().value).toBe('Condition?onset-date=ge2020&code=I10');
  });

  it('shows an engine error under the parameter it names', async () => {
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('Condition?onset-date=soon')}`);
    setup({
      'resources.search': () =>
        err(outcome('invalid', 'onset-date: "soon" is not a FHIR date', { expression: ['onset-date'], status: 400 })),
    });
    const rowError = await screen.findByTestId('row-error');
    expect(rowError.textContent).toBe('onset-date: "soon" is not a FHIR date');
    // A parameter the outcome does not name: the error goes in the results.
    cleanup();
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('Condition?code=I10')}`);
    setup({ 'resources.search': () => err(outcome('exception', 'The store is unavailable')) });
    expect((await screen.findByRole('alert')).textContent).toContain('The store is unavailable');
  });

  it('saves the query with its columns in the vault (Ctrl+S), lists, opens and deletes saved queries', async () => {
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('Condition?code=I10')}`);
    const { calls } = setup();
    await screen.findByTestId('query-table');
    expect(screen.getByTestId('saved-queries').textContent).toContain('None yet');
    await act(async () => {
      fireEvent.keyDown(window, { key: 's', ctrlKey: true });
    });
    const name = await screen.findByTestId('save-name');
    await act(async () => {
      fireEvent.change(name, { target: { value: 'Hypertension' } });
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId('save-confirm'));
    });
    const save = calls.find((c) => c.channel === 'queries.save');
    expect(save?.input).toMatchObject({ name: 'Hypertension', query: 'Condition?code=I10' });
    expect(save?.input['columns']).toContain('code.coding.code');
    const item = await screen.findByTestId('saved-query');
    expect(item.textContent).toContain('Hypertension');

    await act(async () => {
      fireEvent.change(raw(), { target: { value: 'Patient' } });
    });
    await act(async () => {
      fireEvent.click(within(item).getByTestId('saved-query-open'));
    });
    expect(raw().value).toBe('Condition?code=I10');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Delete saved query Hypertension' }));
    });
    await waitFor(() => expect(screen.queryByTestId('saved-query')).toBeNull());
    expect(calls.some((c) => c.channel === 'queries.delete' && c.input['id'] === 'sq1')).toBe(true);
  });

  it('exports every match as CSV with the table columns, read in parts into one download', async () => {
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('Condition?code=I10')}`);
    const blobs: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      blobs.push(blob);
      return 'blob:x';
    });
    Object.defineProperty(URL, 'createObjectURL', { value: createObjectURL, configurable: true });
    Object.defineProperty(URL, 'revokeObjectURL', { value: () => undefined, configurable: true });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const { calls } = setup();
    await screen.findByTestId('query-table');
    await act(async () => {
      fireEvent.click(screen.getByTestId('export-menu'));
    });
    await act(async () => {
      fireEvent.click(await screen.findByTestId('export-csv'));
    });
    await waitFor(() => expect(click).toHaveBeenCalled());
    const start = calls.find((c) => c.channel === 'query.export');
    expect(start?.input).toMatchObject({ query: 'Condition?code=I10', format: 'csv' });
    expect(start?.input['columns']).toEqual(['id', 'code.coding.code', 'code.text', 'clinicalStatus.coding.code', 'onset', 'subject.reference']);
    expect(calls.filter((c) => c.channel === 'query.exportResult').map((c) => c.input['part'])).toEqual([0, 1]);
    expect(await blobs[0]!.text()).toBe('id\r\nc1\r\nc2\r\n');
    click.mockRestore();
  });

  it('exports every match as NDJSON from the menu, without columns, and says what it wrote', async () => {
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('Condition?code=I10')}`);
    const blobs: Blob[] = [];
    Object.defineProperty(URL, 'createObjectURL', { value: (blob: Blob) => (blobs.push(blob), 'blob:x'), configurable: true });
    Object.defineProperty(URL, 'revokeObjectURL', { value: () => undefined, configurable: true });
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const lines = ['{"resourceType":"Condition","id":"c1"}\n', '{"resourceType":"Condition","id":"c2"}\n'];
    const { calls } = setup({
      'query.exportResult': (input) =>
        ok({ jobId: 'job-x', fileName: 'Condition.ndjson', mimeType: 'application/fhir+ndjson', format: 'ndjson', resources: 2, part: input['part'], parts: 2, text: lines[Number(input['part'])] }),
    });
    await screen.findByTestId('query-table');
    await act(async () => {
      fireEvent.click(screen.getByTestId('export-menu'));
    });
    await act(async () => {
      fireEvent.click(await screen.findByTestId('export-ndjson'));
    });
    await waitFor(() => expect(click).toHaveBeenCalled());
    const start = calls.find((c) => c.channel === 'query.export');
    expect(start?.input).toEqual({ query: 'Condition?code=I10', format: 'ndjson' });
    expect(await blobs[0]!.text()).toBe(lines.join(''));
    expect(blobs[0]!.type).toMatch(/^application\/fhir\+ndjson/);
    expect(await screen.findByText('2 resources in Condition.ndjson')).toBeTruthy();
    click.mockRestore();
  });

  it('plots the cohort and reads an entity filter from the query', async () => {
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('Condition?code=I10')}`);
    const { calls } = setup();
    await screen.findByTestId('query-table');
    await act(async () => {
      fireEvent.click(screen.getByTestId('cohort-tab'));
    });
    expect((await screen.findByTestId('cohort-summary')).textContent).toBe('2 patients from 2 matching Condition');
    expect(calls.find((c) => c.channel === 'query.cohort')?.input).toEqual({ query: 'Condition?code=I10', groupBy: 'condition', nlp: false });
    await act(async () => {
      fireEvent.click(screen.getByText('By sex'));
    });
    await waitFor(() => expect(calls.some((c) => c.channel === 'query.cohort' && c.input['groupBy'] === 'sex')).toBe(true));

    cleanup();
    window.history.replaceState(null, '', `#/query?q=${encodeURIComponent('DocumentReference?nlp-icd10cm=I10&nlp-score=ge0.9')}`);
    setup({ 'resources.search': () => ok({ resourceType: 'Bundle', type: 'searchset', total: 0, entry: [] }) });
    const group = await screen.findByTestId('entity-filter');
    expect((within(group).getByTestId('entity-concept') as HTMLInputElement).value).toBe('I10');
    expect((within(group).getByTestId('entity-score') as HTMLInputElement).value).toBe('0.9');
    expect(await screen.findByText('No DocumentReference matches this search.')).toBeTruthy();
  });
});

// ---- _has in the builder, rendered alone ----

const hasCommon = { description: '', targets: [], modifiers: ['missing'], prefixes: [] };
const PARAMS: Record<string, QueryParameters> = {
  Patient: {
    resourceType: 'Patient',
    parameters: [{ code: 'family', type: 'string', ...hasCommon }],
    includes: [],
    revIncludes: ['Encounter:subject', 'Observation:patient', 'Observation:subject', 'Provenance:target'],
    sorts: [],
  },
  Observation: {
    resourceType: 'Observation',
    parameters: [
      { code: 'code', type: 'token', ...hasCommon, description: 'The code of the observation type', modifiers: ['not', 'text', 'missing'] },
      { code: 'value-quantity', type: 'quantity', ...hasCommon, prefixes: ['eq', 'gt', 'lt'] },
      { code: 'subject', type: 'reference', ...hasCommon, targets: ['Patient', 'Group'] },
    ],
    includes: [],
    revIncludes: ['Provenance:target'],
    sorts: [],
  },
  Provenance: {
    resourceType: 'Provenance',
    parameters: [{ code: 'agent', type: 'reference', ...hasCommon, targets: ['Practitioner'] }],
    includes: [],
    revIncludes: [],
    sorts: [],
  },
};

function Harness({ initial }: { initial: BuilderState }) {
  const [state, setState] = useState(initial);
  return (
    <>
      <QueryBuilder state={state} onChange={setState} types={['Patient', 'Observation']} parameters={PARAMS[state.resourceType]} rowErrors={new Map()} />
      <output data-testid="query-string">{toQuery(state)}</output>
    </>
  );
}

function renderBuilder(query: string) {
  const fake = fakeClient({ 'query.parameters': (input) => ok(PARAMS[String(input['resourceType'])]) });
  render(
    <MantineProvider env="test">
      <ApiProvider client={fake.client}>
        <Harness initial={fromQuery(query)!} />
      </ApiProvider>
    </MantineProvider>,
  );
  return fake;
}

const queryString = (): string => screen.getByTestId('query-string').textContent ?? '';

/** Opens a Mantine Select and clicks one of its options. */
async function choose(select: HTMLElement, option: string): Promise<void> {
  await act(async () => {
    fireEvent.click(select);
  });
  const item = await screen.findByRole('option', { name: option });
  await act(async () => {
    fireEvent.click(item);
  });
}

describe('_has in the query builder', () => {
  it('builds Patient?_has:Observation:subject:code=… from the referring type, its reference back and a parameter', async () => {
    renderBuilder('Patient');
    await act(async () => {
      fireEvent.click(screen.getByTestId('add-has'));
    });
    const row = screen.getByTestId('has-row');
    // Only the types that may point to a Patient are offered.
    await act(async () => {
      fireEvent.click(within(row).getByTestId('has-type'));
    });
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Encounter', 'Observation', 'Provenance']);
    await choose(within(row).getByTestId('has-type'), 'Observation');
    // Observation points to Patient through two references: the user picks one.
    expect((within(row).getByTestId('has-param') as HTMLInputElement).value).toBe('');
    await choose(within(row).getByTestId('has-param'), 'subject');
    expect(queryString()).toBe('Patient');

    // The parameter autocompletes from Observation's parameters (not Patient's).
    const code = await within(row).findByTestId('param-code');
    await act(async () => {
      fireEvent.change(code, { target: { value: 'co' } });
    });
    await waitFor(() => expect(screen.getAllByRole('option').map((o) => o.textContent)).toContain('codetokenThe code of the observation type'));
    await act(async () => {
      fireEvent.change(code, { target: { value: 'code' } });
    });
    await choose(within(row).getByTestId('param-modifier'), 'text');
    await act(async () => {
      fireEvent.change(within(row).getByTestId('param-value'), { target: { value: 'glucose' } });
    });
    expect(queryString()).toBe('Patient?_has:Observation:subject:code:text=glucose');
  });

  it('nests a second _has, taking the only reference back', async () => {
    renderBuilder('Patient?_has:Observation:subject:code=1234-5');
    const row = await screen.findByTestId('has-row');
    expect((within(row).getByTestId('has-type') as HTMLInputElement).value).toBe('Observation');
    expect((within(row).getByTestId('has-param') as HTMLInputElement).value).toBe('subject');
    expect((within(row).getByTestId('param-value') as HTMLInputElement).value).toBe('1234-5');

    await act(async () => {
      fireEvent.click(within(row).getByTestId('has-nest'));
    });
    const types = within(row).getAllByTestId('has-type');
    expect(types).toHaveLength(2);
    await act(async () => {
      fireEvent.click(types[1]!);
    });
    // The second step points to Observation: its referrers come from Observation's _revinclude.
    await waitFor(() => expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual(['Provenance']));
    await choose(types[1]!, 'Provenance');
    expect((within(row).getAllByTestId('has-param')[1] as HTMLInputElement).value).toBe('target');
    const code = await within(row).findByTestId('param-code');
    expect((code as HTMLInputElement).value).toBe('');
    await act(async () => {
      fireEvent.change(code, { target: { value: 'agent' } });
    });
    await act(async () => {
      fireEvent.change(within(row).getByTestId('param-value'), { target: { value: 'Practitioner/pr1' } });
    });
    expect(queryString()).toBe('Patient?_has:Observation:subject:_has:Provenance:target:agent=Practitioner/pr1');

    // Removing the nested step goes back to one level (its parameter with it).
    await act(async () => {
      fireEvent.click(within(row).getByRole('button', { name: 'Remove this step' }));
    });
    expect(within(row).getAllByTestId('has-type')).toHaveLength(1);
    expect(queryString()).toBe('Patient');
  });
});

describe('cohort plot labels', () => {
  it('names each condition bar by its code and the start of its name, cut at a word', () => {
    expect(axisLabel('I10 Essential (primary) hypertension')).toBe('I10 Essential (primary)…');
    expect(axisLabel('E11 Type 2 diabetes mellitus')).toBe('E11 Type 2 diabetes mellitus');
    expect(axisLabel('N40 Benign prostatic hyperplasia without lower urinary tract symptoms')).toBe('N40 Benign prostatic…');
    expect(axisLabel('X99 Abcdefghijklmnopqrstuvwxyzabcdefghijkl')).toBe('X99 Abcdefghijklmnopqrstuvw…');
  });
});
