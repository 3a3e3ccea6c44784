/**
 * The queue with the real engine (createNlpEngine, in-process): results that pass validation and
 * answer the NLP searches, and a processed note read back as the engine's entities.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import type { Result } from '../../../../src-main/api/result';
import { MemoryRepository } from '../../../../src-main/fhir/memory-repository';
import { validateResource } from '../../../../src-main/fhir/validation';
import { createNlpEngine } from '../../../../src-main/nlp/engine';
import { extensionsToEntities, roundScore } from '../../../../src-main/nlp/results/extensions';
import { createSessionFromRepository } from '../../../../src-main/services/vault-session';
import { noteWithText } from './fixtures';

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const TEXT = 'Assessment: hypertension. Patient denies chest pain. Takes metformin 500 mg tablet daily.';

describe('NLP queue with the engine', () => {
  const engine = createNlpEngine();
  const repository = new MemoryRepository();
  const sessions: Array<{ close(): Promise<void> }> = [];
  afterAll(async () => {
    for (const s of sessions) await s.close();
  });

  it('stores valid, searchable results', async () => {
    // Stored before the session opens: found by the queue's first scan.
    await repository.update(noteWithText('note1', TEXT));
    await repository.update(noteWithText('note2', 'No complaints today.'));
    const session = createSessionFromRepository(repository, {}, { nlpAnalyzer: async () => ({ versions: engine.versions, analyze: async (text: string) => engine.analyze(text) }) });
    sessions.push(session);
    // Bounded by time, not by a count of 10 ms polls (5 s, short on a loaded machine).
    const until = Date.now() + 45_000;
    for (;;) {
      const status = value(await session.services.nlp.status({}));
      if (status.scanned && status.jobId === undefined && status.pending === 0) break;
      if (Date.now() > until) throw new Error(`the queue did not finish: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const doc = (await repository.read('DocumentReference', 'note1')) as DocumentReference;
    expect(validateResource(doc).issue.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
    const expected = engine.analyze(TEXT).map((e) => ({
      ...e,
      Score: roundScore(e.Score),
      Traits: e.Traits.map((t) => ({ ...t, Score: roundScore(t.Score) })),
    }));
    expect(extensionsToEntities(doc).map((e) => [e.Text, e.Score, e.Traits])).toEqual(expected.map((e) => [e.Text, e.Score, e.Traits]));

    const find = async (query: string) =>
      ((value(await session.services.resources.search({ query: `DocumentReference?${query}` })) as Bundle).entry ?? []).map((e) => e.resource?.id);
    expect(await find('nlp-icd10cm=I10')).toEqual(['note1']);
    expect(await find('nlp-icd10cm=R07.9')).toEqual([]);
    expect(await find('nlp-negated-icd10cm=R07.9')).toEqual(['note1']);
    expect(await find('nlp-entity-text=metformin')).toEqual(['note1']);
    expect(await find('nlp-category=MEDICATION')).toEqual(['note1']);
  });
});
