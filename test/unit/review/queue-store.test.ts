/**
 * The queue's stored per-note summaries (review/queue-store.ts, docs/review.md §3): written as notes
 * are written, read back by the next session's first queue answer instead of every note; notes
 * written since the stored state are read again, and a vault whose summaries do not add up falls
 * back to the full scan. Same answers either way.
 */
import { describe, expect, it } from 'vitest';
import type { Basic, DocumentReference, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { withNlpResult } from '../../../src-main/nlp/results/extensions';
import { textHash } from '../../../src-main/nlp/results/note-text';
import { observeWrites } from '../../../src-main/nlp/results/write-observer';
import type { QueueQuery } from '../../../src-main/review/queue-index';
import { basicToState, basicToSummary, engineSummaryOf, QUEUE_STATE_ID, summaryId, summaryToBasic } from '../../../src-main/review/queue-store';
import { ReviewService } from '../../../src-main/review/service';
import { analyzeForTest, noteWithText, TEST_VERSIONS } from '../nlp/results/fixtures';

const QUERY: QueueQuery = { sort: 'score', descending: false, offset: 0, count: 100 };

function analysed(id: string, text: string, date?: string): DocumentReference {
  const doc = { ...noteWithText(id, text), ...(date ? { date } : {}) };
  return withNlpResult(doc, { status: 'succeeded', versions: TEST_VERSIONS, source: { ref: 'content[0]', textHash: textHash(text) }, entities: analyzeForTest(text) });
}

/** The store, with the notes each scan handed out counted (what the first answer paid for). */
function counting(repository: MemoryRepository): { store: ResourceRepository; notesScanned: () => number } {
  let notes = 0;
  const store: ResourceRepository = Object.create(repository) as ResourceRepository;
  store.scan = async (type, options) => {
    const page = await repository.scan(type, options);
    if (type === 'DocumentReference') notes += page.resources.length;
    return page;
  };
  return { store, notesScanned: () => notes };
}

/** One session: a review service whose observer hears the writes made through `write`. */
function session(repository: MemoryRepository) {
  const { store, notesScanned } = counting(repository);
  // No margin: the state's instant is the flush's (the store's clock is the real one).
  const review = new ReviewService({ repository: store, summaryStateMarginMs: 0 });
  const write = observeWrites(store, review.written);
  return { review, write, notesScanned };
}

describe('stored queue summaries', () => {
  it('round-trips a summary through its Basic, and refuses what does not read', () => {
    const engine = engineSummaryOf({ ...analysed('n1', 'Hypertension. Metformin. No aspirin.', '2024-03-01T00:00:00Z'), meta: { versionId: '3' } });
    expect(engine).toMatchObject({ documentId: 'n1', version: '3', date: '2024-03-01T00:00:00Z', hasNegated: true, nlp: 'succeeded' });
    expect(engine.engineIds.length).toBeGreaterThan(1);
    const basic = summaryToBasic(engine);
    expect(basic.id).toBe(summaryId('n1'));
    expect(basic.subject?.reference).toBe('DocumentReference/n1');
    expect(basicToSummary(JSON.parse(JSON.stringify(basic)) as Basic)).toEqual(engine);
    const summary = basic.extension![0]!.extension!.find((e) => e.url === 'summary')!;
    for (const bad of ['{', '[]', JSON.stringify({ ...JSON.parse(summary.valueString!), categories: { NOT_A_CATEGORY: 1 } }), JSON.stringify({ ...JSON.parse(summary.valueString!), nlp: 'maybe' })]) {
      summary.valueString = bad;
      expect(basicToSummary(basic)).toBeUndefined();
    }
    expect(basicToState({ resourceType: 'Basic', code: { text: 'other' } })).toBeUndefined();
  });

  it('a new vault: summaries and state stored as notes are written; the next session reads no note for its first answer', async () => {
    const repository = new MemoryRepository();
    const first = session(repository);
    await first.review.startStateIfEmpty();
    for (let i = 0; i < 8; i++) await first.write.update(analysed(`n${i}`, i % 2 ? 'Hypertension. No aspirin.' : 'Metformin.', `2024-01-0${i + 1}T00:00:00Z`));
    await first.review.close();
    const state = (await repository.read('Basic', QUEUE_STATE_ID)) as Basic;
    expect(basicToState(state)).toBeDefined();
    expect(basicToSummary((await repository.read('Basic', summaryId('n3'))) as Basic)).toMatchObject({ documentId: 'n3', hasNegated: true });

    // A reviewer's record, then a new session.
    const reference = new ReviewService({ repository });
    const expected = await reference.queue(QUERY);
    await reference.bulkAccept({ reviewer: 'Ada', documentId: 'n1' });
    const second = session(repository);
    const page = await second.review.queue({ ...QUERY, viewer: 'Ada' });
    expect(second.notesScanned()).toBe(0);
    expect(page.total).toBe(8);
    expect(page.items.map((item) => item.documentId)).toEqual(expected.items.map((item) => item.documentId));
    expect(page.items.find((item) => item.documentId === 'n1')).toMatchObject({ status: 'in-progress', pending: 0 });
    expect(page.items.find((item) => item.documentId === 'n3')).toMatchObject({ status: 'unreviewed', pending: expected.items.find((i) => i.documentId === 'n3')!.entities });
  });

  it('reads again only the notes written after the state; a note deleted unseen brings back the full scan', async () => {
    const repository = new MemoryRepository();
    for (let i = 0; i < 6; i++) await repository.update(analysed(`n${i}`, 'Hypertension.'));
    // An older vault (no summaries): the first session reads every note once and stores them.
    const first = session(repository);
    expect((await first.review.queue(QUERY)).total).toBe(6);
    expect(first.notesScanned()).toBe(6);
    await first.review.close();
    expect(basicToState((await repository.read('Basic', QUEUE_STATE_ID)) as Basic)).toBeDefined();

    // Written with no session listening (another tool), after the state's instant.
    await repository.update(analysed('n9', 'Metformin. No aspirin.'));
    const second = session(repository);
    const page = await second.review.queue({ ...QUERY, hasNegated: true });
    expect(page.items.map((item) => item.documentId)).toEqual(['n9']);
    // Only the note updated after the state.
    expect(second.notesScanned()).toBe(1);
    await second.review.close();
    const third = session(repository);
    expect((await third.review.queue(QUERY)).total).toBe(7);
    expect(third.notesScanned()).toBe(0);
    await third.review.close();

    // Deleted with nobody listening: the stored summaries no longer add up, so every note is read.
    await repository.delete('DocumentReference', 'n2');
    const fourth = session(repository);
    expect((await fourth.review.queue(QUERY)).items.map((item) => item.documentId)).not.toContain('n2');
    expect(fourth.notesScanned()).toBe(6);
    await fourth.review.close();
    await expect(repository.read('Basic', summaryId('n2'))).rejects.toThrow();
  });

  it('deletes the summary of a note deleted through the session', async () => {
    const repository = new MemoryRepository();
    const one = session(repository);
    await one.review.startStateIfEmpty();
    await one.write.update(analysed('a', 'Hypertension.'));
    await one.review.flush();
    expect(((await repository.read('Basic', summaryId('a'))) as Resource).resourceType).toBe('Basic');
    await one.write.delete('DocumentReference', 'a');
    await one.review.close();
    await expect(repository.read('Basic', summaryId('a'))).rejects.toThrow();
  });
});
