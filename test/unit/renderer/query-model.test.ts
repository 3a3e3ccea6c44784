/** The query builder's state ↔ query string (src-renderer/src/query/query-model.ts), both ways. */
import { describe, expect, it } from 'vitest';
import { emptyState, fromQuery, newRow, rowsNamedBy, splitPrefixes, toPairs, toQuery } from '../../../src-renderer/src/query/query-model';

const DATES = new Set(['onset-date', 'birthdate', 'date', 'nlp-score']);

describe('query model', () => {
  it('writes rows with modifiers, chains, prefixes, includes, sort and count', () => {
    const state = {
      ...emptyState('Condition'),
      rows: [
        newRow({ code: 'code', value: 'http://hl7.org/fhir/sid/icd-10-cm|I10' }),
        newRow({ code: 'subject', modifier: 'Patient', chain: 'name', value: 'Smith & Sons' }),
        newRow({ code: 'onset-date', prefix: 'ge', value: '2020-01-01' }),
        newRow({ code: 'abatement-date', modifier: 'missing', value: 'true' }),
        // Incomplete rows are left out.
        newRow({ code: 'category' }),
        newRow({ value: 'x' }),
      ],
      includes: ['Condition:subject'],
      sort: '-onset-date',
      count: 50,
    };
    expect(toQuery(state)).toBe(
      'Condition?code=http://hl7.org/fhir/sid/icd-10-cm|I10&subject:Patient.name=Smith%20%26%20Sons&onset-date=ge2020-01-01&abatement-date:missing=true&_include=Condition:subject&_sort=-onset-date&_count=50',
    );
    const back = fromQuery(toQuery(state), DATES)!;
    expect(toPairs(back)).toEqual(toPairs(state));
    expect(back.rows[1]).toMatchObject({ code: 'subject', modifier: 'Patient', chain: 'name', value: 'Smith & Sons' });
    expect(back.rows[2]).toMatchObject({ code: 'onset-date', prefix: 'ge', value: '2020-01-01' });
  });

  it('splits prefixes only off the parameters that take them, and keeps what it cannot take apart', () => {
    const state = fromQuery('Patient?family=eqbal&birthdate=lt1990&_has:Observation:subject:code=1234-5&_total=accurate&_elements=id', DATES)!;
    expect(state.rows.map((r) => [r.code, r.prefix, r.value])).toEqual([
      ['family', '', 'eqbal'],
      ['birthdate', 'lt', '1990'],
      ['code', '', '1234-5'],
    ]);
    expect(state.rows[2]!.has).toEqual([{ type: 'Observation', param: 'subject' }]);
    expect(state.extras).toEqual([['_total', 'accurate'], ['_elements', 'id']]);
    expect(toQuery(state)).toBe('Patient?family=eqbal&birthdate=lt1990&_has:Observation:subject:code=1234-5&_total=accurate&_elements=id');
    expect(fromQuery('not a query')).toBeUndefined();
    expect(fromQuery('Patient')).toEqual(emptyState('Patient'));
  });

  it('maps the Entities group to the NLP parameters and back', () => {
    const asserted = { ...emptyState('DocumentReference'), entities: { system: 'ICD10CM' as const, code: 'I10', display: 'Hypertension', negated: false, minScore: 0.9, category: 'MEDICAL_CONDITION' } };
    expect(toQuery(asserted)).toBe('DocumentReference?nlp-icd10cm=I10&nlp-category=MEDICAL_CONDITION&nlp-score=ge0.9');
    const back = fromQuery(toQuery(asserted), DATES)!;
    expect(back.entities).toMatchObject({ system: 'ICD10CM', code: 'I10', negated: false, minScore: 0.9, category: 'MEDICAL_CONDITION' });
    expect(back.rows).toEqual([]);

    // Negated: no score (there is no negated score parameter).
    const negated = { ...asserted, entities: { ...asserted.entities, system: 'RXNORM' as const, code: '6809', negated: true } };
    expect(toQuery(negated)).toBe('DocumentReference?nlp-negated-rxnorm=6809&nlp-negated-category=MEDICAL_CONDITION');
    expect(fromQuery(toQuery(negated))!.entities).toMatchObject({ system: 'RXNORM', code: '6809', negated: true });

    // Forms the group does not write stay rows: two codes, or a code on another type.
    const two = fromQuery('DocumentReference?nlp-icd10cm=I10&nlp-icd10cm=E11.9', DATES)!;
    expect(two.entities?.code).toBe('I10');
    expect(two.rows.map((r) => r.code)).toEqual(['nlp-icd10cm']);
    expect(toQuery(two)).toBe('DocumentReference?nlp-icd10cm=E11.9&nlp-icd10cm=I10');
    expect(fromQuery('Condition?nlp-icd10cm=I10')!.entities).toBeUndefined();
  });

  it('takes _has apart (nested, with modifiers and chains) and writes it back; a malformed one stays whole', () => {
    const nested = fromQuery('Patient?_has:Observation:subject:_has:Provenance:target:agent:Practitioner.name=smith&_has:Observation:patient:value-quantity=gt5', DATES)!;
    expect(nested.rows.map((r) => ({ has: r.has, code: r.code, modifier: r.modifier, chain: r.chain, prefix: r.prefix, value: r.value }))).toEqual([
      { has: [{ type: 'Observation', param: 'subject' }, { type: 'Provenance', param: 'target' }], code: 'agent', modifier: 'Practitioner', chain: 'name', prefix: '', value: 'smith' },
      // The inner parameter's type is not known here: its prefix stays in the value, and is written back as it was.
      { has: [{ type: 'Observation', param: 'patient' }], code: 'value-quantity', modifier: '', chain: '', prefix: '', value: 'gt5' },
    ]);
    expect(toQuery(nested)).toBe('Patient?_has:Observation:subject:_has:Provenance:target:agent:Practitioner.name=smith&_has:Observation:patient:value-quantity=gt5');
    for (const raw of ['Patient?_has:Observation=1', 'Patient?_has:Observation:subject=1', 'Patient?_has:observation:subject:code=1']) {
      const kept = fromQuery(raw, DATES)!;
      expect(kept.rows[0]!.has).toEqual([]);
      expect(toQuery(kept)).toBe(raw);
    }
    // A step not picked yet writes nothing.
    expect(toQuery({ ...emptyState('Patient'), rows: [newRow({ has: [{ type: 'Observation', param: '' }], code: 'code', value: 'x' })] })).toBe('Patient');
    // An OperationOutcome names a _has row by its whole name (the engine cuts it at 80 characters), not by its inner code.
    const mixed = fromQuery('Patient?code=1&_has:Observation:subject:_has:Provenance:target:_has:AuditEvent:entity:agent=Practitioner/1', DATES)!;
    const [plain, has] = mixed.rows;
    expect(rowsNamedBy(mixed, ['code'])).toEqual(new Set([plain!.key]));
    expect(rowsNamedBy(mixed, ['_has:Observation:subject:_has:Provenance:target:_has:AuditEvent:entity:agent'.slice(0, 80)])).toEqual(new Set([has!.key]));
    expect(rowsNamedBy(mixed, ['agent'])).toEqual(new Set());
  });

  it('finds the rows an OperationOutcome names', () => {
    const state = fromQuery('Patient?gender=x&name:exact=A&birthdate=1', DATES)!;
    const [gender, name, birth] = state.rows;
    expect(rowsNamedBy(state, ['name:exact'])).toEqual(new Set([name!.key]));
    expect(rowsNamedBy(state, ['birthdate'])).toEqual(new Set([birth!.key]));
    expect(rowsNamedBy(state, ['gender', 'nothing'])).toEqual(new Set([gender!.key]));
    expect(rowsNamedBy(state, ['_count'])).toEqual(new Set());
  });

  it('splits prefixes in place once the parameters are known, keeping every row and its key', () => {
    const before = fromQuery('Condition?onset-date=ge2020&code=ge1&subject:Patient.birthdate=ge2000')!;
    const empty = newRow();
    const half = newRow({ code: 'onset-date' });
    const state = { ...before, rows: [...before.rows, empty, half] };
    // `subject` listed as taking prefixes too, to show a chained row keeps its value whole.
    const prefixed = new Set([...DATES, 'subject']);
    const after = splitPrefixes(state, prefixed);
    expect(after.rows.map((r) => [r.key, r.code, r.prefix, r.value])).toEqual([
      [state.rows[0]!.key, 'onset-date', 'ge', '2020'],
      // Not a prefix parameter; a chained value's prefix belongs to the chained parameter.
      [state.rows[1]!.key, 'code', '', 'ge1'],
      [state.rows[2]!.key, 'subject', '', 'ge2000'],
      [empty.key, '', '', ''],
      [half.key, 'onset-date', '', ''],
    ]);
    expect(toQuery(after)).toBe(toQuery(state));
    // Nothing to split: the same state (no re-render).
    expect(splitPrefixes(after, prefixed)).toBe(after);
  });
});

describe('query route', () => {
  it('keeps the query in the hash and reads it back', async () => {
    const { formatRoute, parseRoute } = await import('../../../src-renderer/src/router/routes');
    const query = 'Condition?code=http://hl7.org/fhir/sid/icd-10-cm|I10&onset-date=ge2020-01-01&_count=5';
    const hash = formatRoute({ screen: 'query', query });
    expect(hash.startsWith('#/query?q=')).toBe(true);
    expect(parseRoute(hash)).toEqual({ screen: 'query', query });
    expect(parseRoute('#/query')).toEqual({ screen: 'query' });
    expect(formatRoute({ screen: 'query' })).toBe('#/query');
  });
});
