/**
 * The review record's FHIR shapes: the Basic and the Provenance pass Hearth's structural
 * validation, extensions carry a value or children (ext-1), and the Basic reads back as written.
 */
import { describe, expect, it } from 'vitest';
import type { Extension, Resource } from '@medplum/fhirtypes';
import { validateResource } from '../../../src-main/fhir/validation';
import { basicToRecord, emptyRecord, provenanceDeltas, recordToBasic, reviewProvenance, reviewRecordId, stateOf, type ReviewRecord } from '../../../src-main/review/record';

function record(): ReviewRecord {
  const r = emptyRecord('note-1', 'Ada Lovelace-Ström');
  r.status = 'in-progress';
  r.revision = 4;
  r.textHash = 'a'.repeat(64);
  r.nextId = 3;
  r.version = 3;
  r.annotations.set('e:10-20-MEDICAL_CONDITION', {
    id: 'e:10-20-MEDICAL_CONDITION',
    origin: 'engine',
    begin: 8,
    end: 20,
    category: 'MEDICAL_CONDITION',
    type: 'DX_NAME',
    traits: ['NEGATION', 'SYMPTOM'],
    concept: { system: 'ICD10CM', code: 'R07.89', display: 'Other chest pain' },
    engineConcept: { system: 'ICD10CM', code: 'R07.9', display: 'Chest pain, unspecified' },
    decision: 'accepted',
    edited: true,
    reviewedBy: 'Ada Lovelace-Ström',
    reviewedAt: '2026-11-27T00:00:00.000Z',
  });
  r.annotations.set('u:2', {
    id: 'u:2',
    origin: 'reviewer',
    begin: 0,
    end: 5,
    category: 'ANATOMY',
    type: 'SYSTEM_ORGAN_SITE',
    traits: [],
    decision: 'rejected',
    edited: false,
    reviewedBy: 'Ada Lovelace-Ström',
    reviewedAt: '2026-11-27T00:01:00.000Z',
  });
  return r;
}

function errors(resource: Resource) {
  return validateResource(resource).issue.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

function checkExt1(e: Extension): void {
  const values = Object.keys(e).filter((k) => k.startsWith('value'));
  expect(values.length + (e.extension ? 1 : 0)).toBe(1);
  e.extension?.forEach(checkExt1);
}

describe('review record', () => {
  it('has one deterministic id per note and reviewer', () => {
    expect(reviewRecordId('note-1', 'Ada')).toMatch(/^rv-[0-9a-f]{40}$/);
    expect(reviewRecordId('note-1', 'Ada')).toBe(reviewRecordId('note-1', 'Ada'));
    expect(reviewRecordId('note-1', 'Bob')).not.toBe(reviewRecordId('note-1', 'Ada'));
    expect(reviewRecordId('note-2', 'Ada')).not.toBe(reviewRecordId('note-1', 'Ada'));
  });

  it('writes a Basic that validates and reads back as written (annotations in text order)', () => {
    const r = record();
    const basic = recordToBasic(r);
    expect(errors(basic)).toEqual([]);
    basic.extension?.forEach(checkExt1);
    const back = basicToRecord({ ...basic, meta: { versionId: '3' } });
    expect(back).toEqual(r);
    expect(basic.extension?.[0]?.extension?.filter((e) => e.url === 'annotation').map((e) => e.extension?.[0]?.valueString)).toEqual(['u:2', 'e:10-20-MEDICAL_CONDITION']);
    // Not a review record: other Basics are left alone.
    expect(basicToRecord({ resourceType: 'Basic', id: 'x', code: { text: 'something else' } })).toBeUndefined();
  });

  it('writes a Provenance that validates and carries the changes', () => {
    const r = record();
    const a = r.annotations.get('e:10-20-MEDICAL_CONDITION')!;
    const deltas = [
      { id: a.id, before: { ...stateOf(a), decision: 'pending' as const }, after: stateOf(a) },
      { id: 'u:2', before: null, after: stateOf(r.annotations.get('u:2')!) },
    ];
    const provenance = reviewProvenance({ record: r, newVersion: 4, previousVersion: 3, documentVersion: '7', recorded: '2026-11-27T00:02:00.000Z', action: 'apply', deltas, statusBefore: 'unreviewed' });
    expect(errors(provenance)).toEqual([]);
    provenance.extension?.forEach(checkExt1);
    expect(provenance.target).toEqual([{ reference: `Basic/${r.id}/_history/4` }]);
    expect(provenance.entity).toEqual([
      { role: 'revision', what: { reference: `Basic/${r.id}/_history/3` } },
      { role: 'source', what: { reference: 'DocumentReference/note-1/_history/7' } },
    ]);
    expect(provenance.activity?.coding?.[0]?.code).toBe('UPDATE');
    expect(provenanceDeltas(provenance)).toEqual(deltas);
  });
});
