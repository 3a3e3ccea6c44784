/**
 * What survives and what is shared: a review survives an NLP re-run (and says when the note's text
 * changed), bulk accept's scopes, the queue's filters and orders, and records written by others.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Basic } from '@medplum/fhirtypes';
import { reviewRecordId } from '../../../src-main/review/record';
import type { AnnotationState, ReviewAnnotation, ReviewDocument } from '../../../src-main/review/types';
import type { VaultSession } from '../../../src-main/services/session-types';
import { body, closeAll, noteWithText, reviewApi, settled, STORES, testAnalyzer, value } from './helpers';

afterEach(closeAll);

function find(doc: ReviewDocument, text: string): ReviewAnnotation {
  const found = doc.annotations.find((a) => a.text.toLowerCase() === text.toLowerCase());
  if (!found) throw new Error(`no annotation "${text}" in ${doc.annotations.map((a) => a.text).join(', ')}`);
  return found;
}

function stateOf(a: ReviewAnnotation): AnnotationState {
  return { begin: a.begin, end: a.end, category: a.category, type: a.type, traits: [...a.traits], decision: a.decision, ...(a.concept ? { concept: a.concept } : {}) };
}

async function note(session: VaultSession, id: string, text: string, extra: Record<string, unknown> = {}): Promise<void> {
  value(await session.services.resources.update({ resource: body({ ...noteWithText(id, text), ...extra }) }));
}

describe.each(STORES)('review scopes ($name)', (store) => {
  it('keeps the review through NLP re-runs; a changed text is flagged and reviewed entities stay', async () => {
    let session = await store.open();
    await note(session, 'n1', 'Hypertension. Diabetes.');
    await settled(session);
    const review = () => reviewApi(session);
    let doc = value(await review().document({ documentId: 'n1', reviewer: 'Ada' }));
    const hyper = find(doc, 'hypertension');
    const diabetes = find(doc, 'diabetes');
    value(
      await review().apply({
        documentId: 'n1',
        reviewer: 'Ada',
        changes: [
          { id: hyper.id, after: { ...stateOf(hyper), decision: 'accepted', concept: { system: 'ICD10CM', code: 'I11.9', display: 'Hypertensive heart disease' } } },
          { id: diabetes.id, after: { ...stateOf(diabetes), decision: 'rejected' } },
        ],
      }),
    );

    // Re-run everything with a newer engine (a new session for the vault, as after an upgrade).
    const newer = testAnalyzer({ engine: 'test-engine-2', lexicon: 'test-lexicon-1', packs: [] });
    if (store.reopen) session = await store.reopen(session, newer);
    value(await session.services.nlp.rerun({ scope: 'all' }));
    await settled(session);
    doc = value(await review().document({ documentId: 'n1', reviewer: 'Ada' }));
    expect(doc).toMatchObject({ revision: 1, status: 'in-progress', textChanged: false });
    expect(find(doc, 'hypertension')).toMatchObject({ decision: 'accepted', edited: true, concept: { code: 'I11.9' }, score: 0.98 });
    expect(find(doc, 'diabetes').decision).toBe('rejected');

    // The note's text changes: the engine's new spans are new annotations; the reviewed ones stay, flagged.
    await note(session, 'n1', 'Patient has hypertension. Diabetes.');
    await settled(session);
    doc = value(await review().document({ documentId: 'n1', reviewer: 'Ada' }));
    expect(doc.textChanged).toBe(true);
    const reviewed = doc.annotations.filter((a) => a.decision !== 'pending');
    expect(reviewed.map((a) => [a.id, a.decision, a.score])).toEqual([
      [hyper.id, 'accepted', undefined],
      [diabetes.id, 'rejected', undefined],
    ]);
    expect(doc.annotations.filter((a) => a.decision === 'pending').map((a) => a.text)).toEqual(['hypertension', 'Diabetes']);
    // The next change records the new text: no longer flagged.
    const fresh = doc.annotations.find((a) => a.decision === 'pending')!;
    doc = value(await review().apply({ documentId: 'n1', reviewer: 'Ada', changes: [{ id: fresh.id, after: { ...stateOf(fresh), decision: 'accepted' } }] }));
    expect(doc.textChanged).toBe(false);
  });

  it('bulk accepts by score, by text in one note or in all, by category; never over a decision', async () => {
    const session = await store.open();
    await note(session, 'a', 'Hypertension. Diabetes. Metformin. Abdomen.');
    await note(session, 'b', 'hypertension again; diabetes; no aspirin.');
    await note(session, 'c', 'Abdomen only.');
    await settled(session);
    const review = reviewApi(session);
    // Ada rejects hypertension in b first: bulk accept leaves her decision alone.
    let b = value(await review.document({ documentId: 'b', reviewer: 'Ada' }));
    value(await review.apply({ documentId: 'b', reviewer: 'Ada', changes: [{ id: find(b, 'hypertension').id, after: { ...stateOf(find(b, 'hypertension')), decision: 'rejected' } }] }));

    // Every occurrence of this text in all notes (case-insensitive).
    expect(value(await review.bulkAccept({ reviewer: 'Ada', text: 'HYPERTENSION' }))).toEqual({ documents: 1, accepted: 1 });
    b = value(await review.document({ documentId: 'b', reviewer: 'Ada' }));
    expect(find(b, 'hypertension').decision).toBe('rejected');
    expect(find(value(await review.document({ documentId: 'a', reviewer: 'Ada' })), 'hypertension').decision).toBe('accepted');

    // Above a score, in one note.
    expect(value(await review.bulkAccept({ reviewer: 'Ada', documentId: 'a', minScore: 0.95 }))).toEqual({ documents: 1, accepted: 1 });
    let a = value(await review.document({ documentId: 'a', reviewer: 'Ada' }));
    expect(a.annotations.map((x) => [x.text, x.decision])).toEqual([
      ['Hypertension', 'accepted'],
      ['Diabetes', 'pending'],
      ['Metformin', 'accepted'],
      ['Abdomen', 'pending'],
    ]);
    // One category, every note; another reviewer's record is not touched.
    expect(value(await review.bulkAccept({ reviewer: 'Ada', category: 'ANATOMY' }))).toEqual({ documents: 2, accepted: 2 });
    expect(value(await review.bulkAccept({ reviewer: 'Bob', text: 'diabetes' }))).toEqual({ documents: 2, accepted: 2 });
    a = value(await review.document({ documentId: 'a', reviewer: 'Ada' }));
    expect(find(a, 'abdomen').decision).toBe('accepted');
    expect(find(a, 'diabetes').decision).toBe('pending');
    // Nothing left to accept: no write.
    expect(value(await review.bulkAccept({ reviewer: 'Ada', category: 'ANATOMY' }))).toEqual({ documents: 0, accepted: 0 });
    expect(a.revision).toBe(3);
    expect(value(await review.reviewers({}))).toEqual([
      { name: 'Ada', documents: 3, done: 0 },
      { name: 'Bob', documents: 2, done: 0 },
    ]);
  });

  it('filters and sorts the queue; hears a record written through the API', async () => {
    const session = await store.open();
    await note(session, 'n1', 'Hypertension.', { description: 'Cardiology letter', date: '2024-01-03T00:00:00Z' });
    await note(session, 'n2', 'Denies chest pain. Abdomen soft.', { description: 'ED note', date: '2024-01-01T00:00:00Z' });
    await note(session, 'n3', 'Metformin daily.', { description: 'Clinic note', date: '2024-01-02T00:00:00Z' });
    await note(session, 'n4', 'Nothing to find here.', { description: 'Empty note' });
    await settled(session);
    const review = reviewApi(session);
    const ids = async (input: Parameters<typeof review.queue>[0]) => value(await review.queue(input)).items.map((i) => i.documentId);

    expect(await ids({})).toEqual(['n2', 'n1', 'n3', 'n4']);
    expect(await ids({ descending: true })).toEqual(['n3', 'n1', 'n2', 'n4']);
    expect(await ids({ sort: 'date' })).toEqual(['n2', 'n3', 'n1', 'n4']);
    expect(await ids({ sort: 'date', descending: true })).toEqual(['n1', 'n3', 'n2', 'n4']);
    expect(await ids({ sort: 'title' })).toEqual(['n1', 'n3', 'n2', 'n4']);
    expect(await ids({ hasNegated: true })).toEqual(['n2']);
    expect(await ids({ category: 'MEDICATION' })).toEqual(['n3']);
    expect(await ids({ scoreMin: 0.9, scoreMax: 0.985 })).toEqual(['n1']);
    expect(await ids({ text: 'NOTE' })).toEqual(['n2', 'n3', 'n4']);
    const page = value(await review.queue({ offset: 1, count: 2 }));
    expect(page).toMatchObject({ total: 4, offset: 1 });
    expect(page.items.map((i) => i.documentId)).toEqual(['n1', 'n3']);
    expect(value(await review.queue({ category: 'ANATOMY' })).items[0]).toMatchObject({
      documentId: 'n2',
      title: 'ED note',
      entities: 2,
      pending: 2,
      minScore: 0.85,
      hasNegated: true,
      categories: { MEDICAL_CONDITION: 1, ANATOMY: 1 },
    });

    value(await review.setStatus({ documentId: 'n3', reviewer: 'Ada', status: 'done' }));
    value(await review.bulkAccept({ reviewer: 'Bob', documentId: 'n2' }));
    expect(await ids({ status: ['done'] })).toEqual(['n3']);
    expect(await ids({ status: ['in-progress'] })).toEqual(['n2']);
    expect(await ids({ status: ['unreviewed'] })).toEqual(['n1', 'n4']);
    expect(await ids({ status: ['unreviewed'], viewer: 'Bob' })).toEqual(['n1', 'n3', 'n4']);
    expect(await ids({ reviewer: 'Ada' })).toEqual(['n3']);
    expect(value(await review.queue({ viewer: 'Bob', reviewer: 'Bob' })).items[0]).toMatchObject({ documentId: 'n2', pending: 0, status: 'in-progress' });

    // Another tool copies Ada's record of n3 onto n1 (a Basic written through resources.update): the queue hears it.
    const record = value(await session.services.resources.read({ resourceType: 'Basic', id: reviewRecordId('n3', 'Ada') })) as Basic;
    const copy: Basic = { ...record, id: reviewRecordId('n1', 'Ada'), subject: { reference: 'DocumentReference/n1' } };
    delete copy.meta;
    value(await session.services.resources.update({ resource: body(copy) }));
    expect(await ids({ reviewer: 'Ada' })).toEqual(['n1', 'n3']);
    // ... and a deleted note leaves the queue.
    value(await session.services.resources.delete({ resourceType: 'DocumentReference', id: 'n1' }));
    expect(await ids({ reviewer: 'Ada' })).toEqual(['n3']);
  });
});
