/**
 * review.export, review.import and review.agreement through the contract (helpers.reviewApi) over
 * memory stores: what an export holds, export then import into a new store gives the same
 * annotations in every format, a re-import writes nothing, errors per note, agreement between
 * two reviewers with hand-computed figures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Bundle } from '@medplum/fhirtypes';
import { importAnnotations } from '../../../src-main/review/formats';
import type { AnnotationFormat, AnnotationState, ReviewAnnotation, ReviewDocument } from '../../../src-main/review/types';
import type { VaultSession } from '../../../src-main/services/session-types';
import { body, closeAll, failure, noteWithText, reviewApi, settled, STORES, value } from './helpers';

afterEach(closeAll);

const NOTE = 'CHIEF COMPLAINT: chest pressure.\nHISTORY OF PRESENT ILLNESS: Hypertension. Denies chest pain. Takes metformin 500 mg.\nPLAN: no aspirin.';
const OTHER = 'HISTORY OF PRESENT ILLNESS: Denies chest pain.';
const FORMATS: AnnotationFormat[] = ['comprehend-jsonl', 'spacy-jsonl', 'brat'];
const memory = STORES.find((s) => s.name === 'memory')!;

function find(doc: ReviewDocument, text: string): ReviewAnnotation {
  const found = doc.annotations.find((a) => a.text.toLowerCase() === text.toLowerCase());
  if (!found) throw new Error(`no annotation "${text}"`);
  return found;
}

function stateOf(a: ReviewAnnotation): AnnotationState {
  return { begin: a.begin, end: a.end, category: a.category, type: a.type, traits: [...a.traits], decision: a.decision, ...(a.concept ? { concept: a.concept } : {}) };
}

async function withNotes(session: VaultSession): Promise<void> {
  for (const [id, text] of [['n1', NOTE], ['n2', OTHER]] as const) {
    value(await session.services.resources.update({ resource: body({ ...noteWithText(id, text), description: `Note ${id}` }) }));
  }
  await settled(session);
}

/** Ada's review of n1: accepts Hypertension, rejects aspirin, drops SYMPTOM from chest pain, adds "chest" (anatomy). */
async function adaReviews(session: VaultSession): Promise<ReviewDocument> {
  const review = reviewApi(session);
  const doc = value(await review.document({ documentId: 'n1', reviewer: 'Ada' }));
  const chest = NOTE.indexOf('chest pressure');
  return value(
    await review.apply({
      documentId: 'n1',
      reviewer: 'Ada',
      changes: [
        { id: find(doc, 'hypertension').id, after: { ...stateOf(find(doc, 'hypertension')), decision: 'accepted' } },
        { id: find(doc, 'aspirin').id, after: { ...stateOf(find(doc, 'aspirin')), decision: 'rejected' } },
        { id: find(doc, 'chest pain').id, after: { ...stateOf(find(doc, 'chest pain')), traits: ['NEGATION'] } },
        { after: { begin: chest, end: chest + 5, category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE', traits: [], decision: 'accepted' } },
      ],
    }),
  );
}

/** Annotations without the time of review (an import is a new review act, stamped when it is stored). */
function withoutTime(annotations: readonly ReviewAnnotation[]): Array<Omit<ReviewAnnotation, 'reviewedAt'>> {
  return annotations.map(({ reviewedAt: _at, ...rest }) => rest);
}

async function provenanceCount(session: VaultSession): Promise<number> {
  const bundle: Bundle = value(await session.services.resources.search({ query: 'Provenance?_summary=count' }));
  return bundle.total ?? 0;
}

describe('review.export', () => {
  it("writes the reviewer's accepted, edited and added annotations of the notes they reviewed; rejected ones on request", async () => {
    const session = await memory.open();
    await withNotes(session);
    await adaReviews(session);
    const review = reviewApi(session);
    const files = value(await review.export({ format: 'spacy-jsonl', reviewer: 'Ada' }));
    expect(files.map((f) => f.name)).toEqual(['annotations.spacy.jsonl']);
    const lines = files[0]!.text.trim().split('\n').map((l) => JSON.parse(l));
    // Only n1: Ada has no record for n2.
    expect(lines.map((l) => l.meta)).toEqual([{ id: 'n1', title: 'Note n1', reviewer: 'Ada' }]);
    expect(lines[0].spans.map((s: { text: string; decision: string }) => [s.text, s.decision])).toEqual([
      ['chest', 'accepted'],
      ['Hypertension', 'accepted'],
      ['chest pain', 'pending'],
    ]);
    const withRejected = value(await review.export({ format: 'spacy-jsonl', reviewer: 'Ada', includeRejected: true }));
    expect(JSON.parse(withRejected[0]!.text.trim()).spans.map((s: { text: string }) => s.text)).toEqual(['chest', 'Hypertension', 'chest pain', 'aspirin']);
    // Named notes, reviewed or not.
    const named = importAnnotations('brat', value(await review.export({ format: 'brat', reviewer: 'Ada', documentIds: ['n2', 'n1'] })));
    expect(named.documents.map((d) => [d.documentId, d.annotations.length])).toEqual([['n2', 0], ['n1', 3]]);
    expect(failure(await review.export({ format: 'brat', reviewer: 'Ada', documentIds: ['missing'] })).issue[0]?.code).toBe('not-found');
    expect(failure(await review.export({ format: 'csv' as AnnotationFormat, reviewer: 'Ada' })).issue[0]?.code).toBe('invalid');
  });
});

describe.each(FORMATS)('review.import (%s)', (format) => {
  it('export, then import into a new store, gives the same annotations; a second import writes nothing', async () => {
    const first = await memory.open();
    await withNotes(first);
    const ada = await adaReviews(first);
    const files = value(await reviewApi(first).export({ format, reviewer: 'Ada', includeRejected: true }));

    const second = await memory.open();
    await withNotes(second);
    const review = reviewApi(second);
    expect(value(await review.import({ format, reviewer: 'Ada', files }))).toEqual({ documents: 1, annotations: 4, errors: [] });
    const back = value(await review.document({ documentId: 'n1', reviewer: 'Ada' }));
    expect(withoutTime(back.annotations)).toEqual(withoutTime(ada.annotations));
    expect(back.status).toBe('in-progress');

    const provenances = await provenanceCount(second);
    expect(value(await review.import({ format, reviewer: 'Ada', files }))).toEqual({ documents: 1, annotations: 0, errors: [] });
    expect(await provenanceCount(second)).toBe(provenances);
  });
});

describe('review.import', () => {
  it('reports notes it cannot store, and lines it cannot read, and stores the rest', async () => {
    const first = await memory.open();
    await withNotes(first);
    await adaReviews(first);
    const [file] = value(await reviewApi(first).export({ format: 'comprehend-jsonl', reviewer: 'Ada', documentIds: ['n1', 'n2'] }));
    const [n1, n2] = file!.text.trim().split('\n');
    const missing = n2!.replace('"id":"n2"', '"id":"gone"');
    const otherText = n2!.replace('Denies chest pain.', 'Reports chest pain.');

    const second = await memory.open();
    await withNotes(second);
    const result = value(await reviewApi(second).import({ format: 'comprehend-jsonl', reviewer: 'Bob', files: [{ name: 'a.jsonl', text: [n1, '{oops', missing, otherText.replace('"id":"n2"', '"id":"n2"')].join('\n') }] }));
    expect(result.documents).toBe(1);
    expect(result.annotations).toBe(3);
    expect(result.errors).toEqual([
      { file: 'a.jsonl', line: 2, message: 'not valid JSON' },
      { file: 'a.jsonl', line: 3, message: expect.stringMatching(/^document gone: .*not found/) },
      { file: 'a.jsonl', line: 4, message: "document n2: the note's text in the vault differs from the file's: its annotations were not imported" },
    ]);
    // Stored as Bob's, with Bob as reviewer.
    const bob = value(await reviewApi(second).document({ documentId: 'n1', reviewer: 'Bob' }));
    expect(find(bob, 'hypertension')).toMatchObject({ decision: 'accepted', reviewedBy: 'Bob' });
    expect(value(await reviewApi(second).document({ documentId: 'n1', reviewer: 'Ada' })).status).toBe('unreviewed');
  });

  it('imports annotations of another tool (ids it does not know) as added ones', async () => {
    const session = await memory.open();
    await withNotes(session);
    const begin = OTHER.indexOf('chest pain');
    const text = JSON.stringify({ text: OTHER, spans: [{ start: begin, end: begin + 5, label: 'SYSTEM_ORGAN_SITE' }], meta: { id: 'n2' } });
    const review = reviewApi(session);
    expect(value(await review.import({ format: 'spacy-jsonl', reviewer: 'Ada', files: [{ name: 'p.jsonl', text }] }))).toEqual({ documents: 1, annotations: 1, errors: [] });
    const doc = value(await review.document({ documentId: 'n2', reviewer: 'Ada' }));
    expect(doc.annotations.find((a) => a.type === 'SYSTEM_ORGAN_SITE')).toMatchObject({ id: 'u:1', origin: 'reviewer', text: 'chest', decision: 'accepted' });
  });
});

describe('review.agreement', () => {
  it('compares two reviewers on the notes both reviewed', async () => {
    const session = await memory.open();
    await withNotes(session);
    await adaReviews(session);
    const review = reviewApi(session);
    // Bob starts from Ada's export, then rejects Hypertension.
    value(await review.import({ format: 'brat', reviewer: 'Bob', files: value(await review.export({ format: 'brat', reviewer: 'Ada', includeRejected: true })) }));
    let report = value(await review.agreement({ reviewerA: 'Ada', reviewerB: 'Bob' }));
    expect(report).toMatchObject({ reviewerA: 'Ada', reviewerB: 'Bob', documents: 1, kappa: 1, differences: [] });

    const bobDoc = value(await review.document({ documentId: 'n1', reviewer: 'Bob' }));
    const hyper = find(bobDoc, 'hypertension');
    value(await review.apply({ documentId: 'n1', reviewer: 'Bob', changes: [{ id: hyper.id, after: { ...stateOf(hyper), decision: 'rejected' } }] }));
    report = value(await review.agreement({ reviewerA: 'Ada', reviewerB: 'Bob' }));
    // Items: Hypertension (DX_NAME, none), chest pain (DX_NAME, DX_NAME), metformin (none, none), aspirin (none, none),
    // chest (SYSTEM_ORGAN_SITE twice). po = 4/5; Ada: DX 2, none 2, SOS 1; Bob: DX 1, none 3, SOS 1;
    // pe = (2 + 6 + 1) / 25 = 0.36; kappa = 0.44 / 0.64 = 0.6875.
    expect(report.kappa).toBeCloseTo(0.6875, 12);
    expect(report.perCategory).toEqual([
      // Hypertension (DX, none), chest pain (DX, DX): po = 1/2, pe = 1 * 1/2: kappa 0. F1 = 2 * 1 / (2 + 1).
      { category: 'MEDICAL_CONDITION', a: 2, b: 1, both: 1, f1: expect.closeTo(2 / 3, 12), kappa: 0 },
      { category: 'MEDICATION', a: 0, b: 0, both: 0, f1: 1, kappa: 1 },
      { category: 'ANATOMY', a: 1, b: 1, both: 1, f1: 1, kappa: 1 },
    ]);
    expect(report.differences).toEqual([{ documentId: 'n1', a: expect.objectContaining({ text: 'Hypertension', decision: 'accepted' }), b: expect.objectContaining({ text: 'Hypertension', decision: 'rejected' }) }]);
    expect(report.perDocument).toEqual([{ documentId: 'n1', title: 'Note n1', differences: 1 }]);
    // Notes named explicitly; none in common gives an empty report.
    expect(value(await review.agreement({ reviewerA: 'Ada', reviewerB: 'Bob', documentIds: ['n2'] }))).toMatchObject({ documents: 1, perCategory: [{ category: 'MEDICAL_CONDITION', a: 0, b: 0 }] });
    expect(value(await review.agreement({ reviewerA: 'Ada', reviewerB: 'Cy' }))).toEqual({ reviewerA: 'Ada', reviewerB: 'Cy', documents: 0, kappa: 1, perCategory: [], differences: [], perDocument: [] });
  });
});

describe.each(STORES)('review.import into a $name store', (store) => {
  it('stores the imported review, which survives reopening the store', async () => {
    const first = await memory.open();
    await withNotes(first);
    const ada = await adaReviews(first);
    const files = value(await reviewApi(first).export({ format: 'brat', reviewer: 'Ada', includeRejected: true }));
    let second = await store.open();
    await withNotes(second);
    expect(value(await reviewApi(second).import({ format: 'brat', reviewer: 'Ada', files }))).toMatchObject({ documents: 1, annotations: 4, errors: [] });
    if (store.reopen) second = await store.reopen(second);
    const back = value(await reviewApi(second).document({ documentId: 'n1', reviewer: 'Ada' }));
    expect(withoutTime(back.annotations)).toEqual(withoutTime(ada.annotations));
    expect(value(await reviewApi(second).reviewers({}))).toEqual([{ name: 'Ada', documents: 1, done: 0 }]);
  });
});
