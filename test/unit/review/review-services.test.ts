/**
 * The review API over a memory store and a vault: a note opened for review, every action of
 * review.apply, undo/redo by re-applying states, status, stale revisions (412), the stored Basic
 * and Provenance, and the queue hearing writes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Basic, Bundle, Provenance } from '@medplum/fhirtypes';
import { basicToRecord, provenanceDeltas, reviewRecordId } from '../../../src-main/review/record';
import type { AnnotationState, ReviewAnnotation, ReviewDocument } from '../../../src-main/review/types';
import type { VaultSession } from '../../../src-main/services/session-types';
import { body, closeAll, failure, noteWithText, reviewApi, settled, STORES, value } from './helpers';

afterEach(closeAll);

const NOTE = 'CHIEF COMPLAINT: chest pressure.\nHISTORY OF PRESENT ILLNESS: Hypertension. Denies chest pain. Takes metformin 500 mg.\nPLAN: no aspirin.';

function find(doc: ReviewDocument, text: string): ReviewAnnotation {
  const found = doc.annotations.find((a) => a.text.toLowerCase() === text.toLowerCase());
  if (!found) throw new Error(`no annotation "${text}" in ${doc.annotations.map((a) => a.text).join(', ')}`);
  return found;
}

function stateOf(a: ReviewAnnotation): AnnotationState {
  return { begin: a.begin, end: a.end, category: a.category, type: a.type, traits: [...a.traits], decision: a.decision, ...(a.concept ? { concept: a.concept } : {}) };
}

async function withNote(session: VaultSession, id = 'n1', text = NOTE): Promise<void> {
  value(await session.services.resources.update({ resource: body({ ...noteWithText(id, text), description: `Note ${id}`, date: '2024-03-01T10:00:00Z' }) }));
  await settled(session);
}

async function provenances(session: VaultSession, basicId: string): Promise<Provenance[]> {
  const bundle: Bundle = value(await session.services.resources.search({ query: `Provenance?_count=100` }));
  return (bundle.entry ?? [])
    .map((e) => e.resource as Provenance)
    .filter((p) => p.target[0]?.reference?.startsWith(`Basic/${basicId}/`))
    .sort((a, b) => Number(a.target[0]!.reference!.split('/').at(-1)) - Number(b.target[0]!.reference!.split('/').at(-1)));
}

describe.each(STORES)('review services ($name)', (store) => {
  it('opens a note: text, sections, the engine entities as pending annotations', async () => {
    const session = await store.open();
    await withNote(session);
    const doc = value(await reviewApi(session).document({ documentId: 'n1', reviewer: 'Ada' }));
    expect(doc).toMatchObject({ documentId: 'n1', title: 'Note n1', date: '2024-03-01T10:00:00Z', text: NOTE, reviewer: 'Ada', status: 'unreviewed', revision: 0, textChanged: false, nlp: 'succeeded' });
    expect(doc.sections.map((s) => s.kind)).toEqual(['chief_complaint', 'history_of_present_illness', 'plan']);
    expect(doc.sections.map((s) => NOTE.slice(s.begin, s.end))).toEqual(doc.sections.map((s) => s.title));
    expect(doc.annotations.map((a) => a.text)).toEqual(['Hypertension', 'chest pain', 'metformin', 'aspirin']);
    const pain = find(doc, 'chest pain');
    expect(pain).toMatchObject({
      id: `e:${pain.begin}-${pain.end}-MEDICAL_CONDITION`,
      origin: 'engine',
      decision: 'pending',
      edited: false,
      score: 0.97,
      traits: ['NEGATION', 'SYMPTOM'],
      concept: { system: 'ICD10CM', code: 'R07.9' },
    });
    expect(find(doc, 'metformin').attributes?.[0]?.Text).toBe('500 mg');
    expect(find(doc, 'metformin').concept).toEqual({ system: 'RXNORM', code: '6809', display: 'metformin' });
    expect(failure(await reviewApi(session).document({ documentId: 'nope', reviewer: 'Ada' })).issue[0]?.code).toBe('not-found');
  });

  it('accepts, rejects, edits, resizes, adds and deletes, each with provenance; undo and redo by re-applying states', async () => {
    const session = await store.open();
    await withNote(session);
    const review = reviewApi(session);
    let doc = value(await review.document({ documentId: 'n1', reviewer: 'Ada' }));
    const hyper = find(doc, 'hypertension');
    const pain = find(doc, 'chest pain');
    const aspirin = find(doc, 'aspirin');

    // Accept one, reject another: the first change moves the note to in-progress.
    doc = value(
      await review.apply({
        documentId: 'n1',
        reviewer: 'Ada',
        expectedRevision: 0,
        changes: [
          { id: hyper.id, after: { ...stateOf(hyper), decision: 'accepted' } },
          { id: aspirin.id, after: { ...stateOf(aspirin), decision: 'rejected' } },
        ],
      }),
    );
    expect(doc).toMatchObject({ status: 'in-progress', revision: 1 });
    expect(find(doc, 'hypertension')).toMatchObject({ decision: 'accepted', edited: false, reviewedBy: 'Ada' });
    expect(find(doc, 'aspirin').decision).toBe('rejected');
    expect(find(doc, 'chest pain').decision).toBe('pending');

    // Change the concept, toggle a trait, resize the span (keeps its id and its concept), change category/type.
    const painAfter: AnnotationState = { ...stateOf(pain), begin: pain.begin - 7, traits: ['SYMPTOM'], concept: { system: 'ICD10CM', code: 'R07.89', display: 'Other chest pain' }, decision: 'accepted' };
    doc = value(await review.apply({ documentId: 'n1', reviewer: 'Ada', expectedRevision: 1, changes: [{ id: pain.id, after: painAfter }] }));
    const edited = find(doc, 'denies chest pain');
    expect(edited).toMatchObject({ id: pain.id, begin: pain.begin - 7, edited: true, traits: ['SYMPTOM'], concept: { code: 'R07.89' }, score: 0.97 });
    expect(edited.candidates?.[0]?.Code).toBe('R07.9');

    // Add a missing entity (nested inside "chest pressure"), then another overlapping it.
    const at = NOTE.indexOf('chest pressure');
    doc = value(
      await review.apply({
        documentId: 'n1',
        reviewer: 'Ada',
        changes: [
          { after: { begin: at, end: at + 14, category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['SYMPTOM'], decision: 'accepted' } },
          { after: { begin: at, end: at + 5, category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE', traits: [], decision: 'accepted' } },
        ],
      }),
    );
    expect(doc.revision).toBe(3);
    const added = doc.annotations.filter((a) => a.origin === 'reviewer');
    expect(added.map((a) => [a.id, a.text])).toEqual([
      ['u:1', 'chest pressure'],
      ['u:2', 'chest'],
    ]);

    // Delete an added one; drop the record of an engine one (back to pending as the engine wrote it).
    const beforeDelete = doc;
    doc = value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: 'u:2', after: null }, { id: hyper.id, after: null }] }));
    expect(doc.annotations.some((a) => a.id === 'u:2')).toBe(false);
    expect(find(doc, 'hypertension')).toMatchObject({ decision: 'pending', edited: false });
    expect(find(doc, 'hypertension').reviewedBy).toBeUndefined();

    // Undo: re-apply the before states (from the previous view); redo: the after states.
    const undo = [
      { id: 'u:2', after: stateOf(beforeDelete.annotations.find((a) => a.id === 'u:2')!) },
      { id: hyper.id, after: stateOf(find(beforeDelete, 'hypertension')) },
    ];
    doc = value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: undo }));
    expect(doc.annotations.filter((a) => a.origin === 'reviewer').map((a) => a.id)).toEqual(['u:1', 'u:2']);
    expect(find(doc, 'hypertension').decision).toBe('accepted');
    doc = value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: 'u:2', after: null }, { id: hyper.id, after: null }] }));
    expect(doc.revision).toBe(6);
    // A new entity after an undo does not reuse an id.
    doc = value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ after: { begin: 0, end: 5, category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE', traits: [], decision: 'accepted' } }] }));
    expect(doc.annotations.filter((a) => a.origin === 'reviewer').map((a) => a.id)).toEqual(['u:3', 'u:1']);

    // The stored record and its history of provenance.
    const basicId = reviewRecordId('n1', 'Ada');
    const basic = value(await session.services.resources.read({ resourceType: 'Basic', id: basicId })) as Basic;
    expect(basic.meta?.versionId).toBe('7');
    expect(basic.subject?.reference).toBe('DocumentReference/n1');
    expect(basic.author?.display).toBe('Ada');
    const provs = await provenances(session, basicId);
    expect(provs.map((p) => p.target[0]?.reference)).toEqual([1, 2, 3, 4, 5, 6, 7].map((v) => `Basic/${basicId}/_history/${v}`));
    // The record's provenance is one search away (versioned targets match the plain reference).
    const byTarget: Bundle = value(await session.services.resources.search({ query: `Provenance?target=Basic/${basicId}&_count=100` }));
    expect(byTarget.entry?.length).toBe(7);
    expect(provs[0]!.activity?.coding?.[0]?.code).toBe('CREATE');
    expect(provs[1]!.activity?.coding?.[0]).toMatchObject({ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: 'UPDATE' });
    expect(provs[1]!.agent[0]?.who?.display).toBe('Ada');
    expect(provs[1]!.entity?.find((e) => e.role === 'revision')?.what.reference).toBe(`Basic/${basicId}/_history/1`);
    expect(provs[1]!.entity?.find((e) => e.role === 'source')?.what.reference).toMatch(/^DocumentReference\/n1\/_history\/\d+$/);
    expect(provenanceDeltas(provs[1]!)).toEqual([{ id: pain.id, before: null, after: painAfter }]);
    expect(provenanceDeltas(provs[0]!).map((d) => [d.id, d.before, d.after?.decision])).toEqual([
      [hyper.id, null, 'accepted'],
      [aspirin.id, null, 'rejected'],
    ]);
    const deleteDeltas = provenanceDeltas(provs[3]!);
    expect(deleteDeltas.find((d) => d.id === 'u:2')).toMatchObject({ before: { begin: at, end: at + 5 }, after: null });
  });

  it('changes category and type (the concept follows the category), and changes them back', async () => {
    const session = await store.open();
    await withNote(session);
    const review = reviewApi(session);
    let doc = value(await review.document({ documentId: 'n1', reviewer: 'Ada' }));
    const aspirin = find(doc, 'aspirin');
    const metformin = find(doc, 'metformin');
    doc = value(
      await review.apply({
        documentId: 'n1',
        reviewer: 'Ada',
        changes: [
          { id: aspirin.id, after: { ...stateOf(aspirin), type: 'BRAND_NAME' } },
          { id: metformin.id, after: { begin: metformin.begin, end: metformin.end, category: 'TEST_TREATMENT_PROCEDURE', type: 'TREATMENT_NAME', traits: [], decision: 'accepted' } },
        ],
      }),
    );
    expect(find(doc, 'aspirin')).toMatchObject({ id: aspirin.id, category: 'MEDICATION', type: 'BRAND_NAME', edited: true, decision: 'pending' });
    expect(find(doc, 'metformin')).toMatchObject({ id: metformin.id, category: 'TEST_TREATMENT_PROCEDURE', type: 'TREATMENT_NAME', edited: true });
    expect(find(doc, 'metformin').concept).toBeUndefined();
    // Setting the engine's state again is no longer an edit.
    doc = value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: metformin.id, after: { ...stateOf(metformin), decision: 'accepted' } }] }));
    expect(find(doc, 'metformin')).toMatchObject({ category: 'MEDICATION', edited: false, decision: 'accepted', concept: { code: '6809' } });
  });

  it('keeps the engine\'s code apart when the reviewer corrects a link (a wrong link, not a wrong mention)', async () => {
    const session = await store.open();
    await withNote(session);
    const review = reviewApi(session);
    const pain = find(value(await review.document({ documentId: 'n1', reviewer: 'Ada' })), 'chest pain');
    expect(pain.concept?.code).toBe('R07.9');
    const stored = async () => basicToRecord(value(await session.services.resources.read({ resourceType: 'Basic', id: reviewRecordId('n1', 'Ada') })) as Basic)!.annotations.get(pain.id)!;
    const withCode = (code: string | undefined): AnnotationState => {
      const { concept: _engine, ...state } = stateOf(pain);
      return { ...state, decision: 'accepted', ...(code ? { concept: { system: 'ICD10CM', code, display: '' } } : {}) };
    };
    value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: pain.id, after: withCode('R07.89') }] }));
    expect((await stored()).engineConcept).toMatchObject({ system: 'ICD10CM', code: 'R07.9' });
    // Another code, or none: still the engine's first proposal.
    value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: pain.id, after: withCode(undefined) }] }));
    expect((await stored()).engineConcept).toMatchObject({ code: 'R07.9' });
    // Back to the engine's code: nothing to keep; accepted as it was, nothing either.
    value(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: pain.id, after: withCode('R07.9') }] }));
    expect((await stored()).engineConcept).toBeUndefined();
  });

  it('refuses a stale revision with 412, and bad changes with one issue each, storing nothing', async () => {
    const session = await store.open();
    await withNote(session);
    const review = reviewApi(session);
    const doc = value(await review.document({ documentId: 'n1', reviewer: 'Ada' }));
    const hyper = find(doc, 'hypertension');
    value(await review.apply({ documentId: 'n1', reviewer: 'Ada', expectedRevision: 0, changes: [{ id: hyper.id, after: { ...stateOf(hyper), decision: 'accepted' } }] }));
    const stale = failure(await review.apply({ documentId: 'n1', reviewer: 'Ada', expectedRevision: 0, changes: [{ id: hyper.id, after: null }] }));
    expect((stale as { status?: number }).status).toBe(412);
    expect(stale.issue[0]?.code).toBe('conflict');

    const bad = failure(
      await review.apply({
        documentId: 'n1',
        reviewer: 'Ada',
        changes: [
          { id: hyper.id, after: { ...stateOf(hyper), end: NOTE.length + 5 } },
          { id: 'e:1-2-ANATOMY', after: null },
          { id: 'u:9', after: null },
        ],
      }),
    );
    expect(bad.issue.map((i) => i.expression?.[0])).toEqual(['changes[0].after', 'changes[1].id', 'changes[2].id']);
    // What the schema refuses before the service sees it: a concept of the wrong system, a type of another category, an empty span, a long name.
    const refused = failure(
      await review.apply({
        documentId: 'n1',
        reviewer: 'x'.repeat(101),
        changes: [
          { after: { begin: 0, end: 4, category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE', traits: [], decision: 'accepted', concept: { system: 'ICD10CM', code: 'I10', display: '' } } },
          { after: { begin: 0, end: 4, category: 'MEDICATION', type: 'DX_NAME', traits: [], decision: 'accepted' } },
          { after: { begin: 4, end: 4, category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE', traits: [], decision: 'accepted' } },
        ],
      }),
    );
    expect(refused.issue.map((i) => i.expression?.[0]).sort()).toEqual(['changes.0.after.concept.system', 'changes.1.after.type', 'changes.2.after.end', 'reviewer']);
    expect(failure(await review.apply({ documentId: 'n1', reviewer: 'Ada', changes: [] })).issue[0]?.code).toBe('invalid');
    const after = value(await review.document({ documentId: 'n1', reviewer: 'Ada' }));
    expect(after.revision).toBe(1);
    expect(find(after, 'hypertension').decision).toBe('accepted');
  });

  it('sets the status; the queue hears the notes and the records', async () => {
    const session = await store.open();
    await withNote(session, 'n1');
    await withNote(session, 'n2', 'Diabetes. Abdomen soft.');
    const review = reviewApi(session);
    let page = value(await review.queue({}));
    expect(page.items.map((i) => [i.documentId, i.status, i.minScore])).toEqual([
      ['n2', 'unreviewed', 0.85],
      ['n1', 'unreviewed', 0.95],
    ]);
    const doc = value(await review.setStatus({ documentId: 'n1', reviewer: 'Ada', status: 'done' }));
    expect(doc).toMatchObject({ status: 'done', revision: 1 });
    const [prov] = await provenances(session, reviewRecordId('n1', 'Ada'));
    expect(prov?.extension?.find((e) => e.url === 'https://hearth.local/fhir/StructureDefinition/review-action')?.valueCode).toBe('set-status');
    expect(prov?.extension?.find((e) => e.url === 'https://hearth.local/fhir/StructureDefinition/review-status-change')?.extension).toEqual([
      { url: 'before', valueCode: 'unreviewed' },
      { url: 'after', valueCode: 'done' },
    ]);
    expect(provenanceDeltas(prov!)).toEqual([]);
    // The same status again changes nothing.
    expect(value(await review.setStatus({ documentId: 'n1', reviewer: 'Ada', status: 'done' })).revision).toBe(1);
    page = value(await review.queue({ status: ['done'] }));
    expect(page.items.map((i) => [i.documentId, i.reviewers])).toEqual([['n1', ['Ada']]]);
    expect(value(await review.reviewers({}))).toEqual([{ name: 'Ada', documents: 1, done: 1 }]);

    // A note written after the queue was built, through the API.
    await withNote(session, 'n3', 'Metformin.');
    page = value(await review.queue({ viewer: 'Ada', sort: 'title' }));
    expect(page.items.map((i) => [i.documentId, i.status, i.pending])).toEqual([
      ['n1', 'done', 4],
      ['n2', 'unreviewed', 2],
      ['n3', 'unreviewed', 1],
    ]);
  });
});
