// @vitest-environment jsdom
/**
 * `_has` (reverse chaining) in the query builder (src-renderer/src/query/QueryBuilder.tsx):
 * picking the referring type and its reference back from the `_revinclude` values, a parameter of
 * that type with autocomplete, nesting, and a raw `_has` read back into the same controls.
 */
import { MantineProvider } from '@mantine/core';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import type { QueryParameters } from '../../../src-main/query/types';
import { ApiProvider } from '../../../src-renderer/src/api/context';
import { QueryBuilder } from '../../../src-renderer/src/query/QueryBuilder';
import { fromQuery, toQuery, type BuilderState } from '../../../src-renderer/src/query/query-model';
import { installDomShims } from './dom-shims';
import { fakeClient, ok } from './fake-client';

installDomShims();
afterEach(cleanup);

const common = { description: '', targets: [], modifiers: ['missing'], prefixes: [] };
const PARAMS: Record<string, QueryParameters> = {
  Patient: {
    resourceType: 'Patient',
    parameters: [{ code: 'family', type: 'string', ...common }],
    includes: [],
    revIncludes: ['Encounter:subject', 'Observation:patient', 'Observation:subject', 'Provenance:target'],
    sorts: [],
  },
  Observation: {
    resourceType: 'Observation',
    parameters: [
      { code: 'code', type: 'token', ...common, description: 'The code of the observation type', modifiers: ['not', 'text', 'missing'] },
      { code: 'value-quantity', type: 'quantity', ...common, prefixes: ['eq', 'gt', 'lt'] },
      { code: 'subject', type: 'reference', ...common, targets: ['Patient', 'Group'] },
    ],
    includes: [],
    revIncludes: ['Provenance:target'],
    sorts: [],
  },
  Provenance: {
    resourceType: 'Provenance',
    parameters: [{ code: 'agent', type: 'reference', ...common, targets: ['Practitioner'] }],
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
