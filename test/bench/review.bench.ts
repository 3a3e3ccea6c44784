/**
 * Review backend timings (docs/review.md): a vault with N notes carrying NLP results (the NLP
 * results tests' deterministic analyzer, written directly), then the first queue answer (the
 * scan), later queue answers, opening a note, one apply, and bulk accept over every note.
 *
 *   HEARTH_BENCH_REVIEW_NOTES=2000 npx tsx test/bench/review.bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WriteOp } from '../../src-main/fhir/repository';
import { withNlpResult } from '../../src-main/nlp/results/extensions';
import { textHash } from '../../src-main/nlp/results/note-text';
import { createVaultSession } from '../../src-main/services/vault-session';
import type { Result } from '../../src-main/api/result';
import { analyzeForTest, noteWithText, TEST_VERSIONS } from '../unit/nlp/results/fixtures';

const NOTES = Number(process.env.HEARTH_BENCH_REVIEW_NOTES ?? 2000);
const PHRASES = ['Hypertension.', 'Denies chest pain.', 'Diabetes noted.', 'Metformin 500 mg daily.', 'No aspirin.', 'Abdomen soft.'];

function value<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const out = await fn();
  return [out, Math.round((performance.now() - started) * 10) / 10];
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-review-bench-'));
  try {
    const session = await createVaultSession(path.join(dir, 'vault'), 'bench passphrase', { kdfIterations: 1000, allowWeakKdfForTests: true });
    const repository = session.repository!;
    for (let start = 0; start < NOTES; start += 500) {
      const ops: WriteOp[] = [];
      for (let i = start; i < Math.min(NOTES, start + 500); i++) {
        const text = Array.from({ length: 8 }, (_, k) => PHRASES[(i * 7 + k * 3) % PHRASES.length]).join(' ');
        const doc = { ...noteWithText(`note-${i}`, text), description: `Note ${i}`, date: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString() };
        const result = withNlpResult(doc, { status: 'succeeded', versions: TEST_VERSIONS, source: { ref: 'content[0]', textHash: textHash(text) }, entities: analyzeForTest(text) });
        ops.push({ kind: 'update', resource: result });
      }
      await repository.writeBatch(ops);
    }
    const review = session.services.review;
    const q = { sort: 'score' as const, descending: false, offset: 0, count: 50 };
    const [, firstQueue] = await timed(() => review.queue(q));
    const later: number[] = [];
    for (let i = 0; i < 9; i++) later.push((await timed(() => review.queue({ ...q, hasNegated: i % 2 === 0, offset: i * 10 })))[1]);
    later.sort((a, b) => a - b);
    const [doc, openMs] = await timed(async () => value(await review.document({ documentId: 'note-1', reviewer: 'Ada' })));
    const first = doc.annotations[0]!;
    const [, applyMs] = await timed(() =>
      review.apply({ documentId: 'note-1', reviewer: 'Ada', changes: [{ id: first.id, after: { begin: first.begin, end: first.end, category: first.category, type: first.type, traits: first.traits, decision: 'accepted' } }] }),
    );
    // Over many notes bulk accept is a job: timed until it has finished.
    const [bulk, bulkMs] = await timed(async () => {
      const started = value(await review.bulkAccept({ reviewer: 'Bob' }));
      if (started.jobId === undefined) return started;
      for (;;) {
        const job = value(await session.services.jobs.get({ jobId: started.jobId }));
        if (job.status !== 'queued' && job.status !== 'running') return { status: job.status, message: job.progress.message };
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const [, queueAfterBulk] = await timed(() => review.queue(q));
    console.log(
      JSON.stringify(
        { notes: NOTES, firstQueueMs: firstQueue, queueMedianMs: later[4], openMs, applyMs, bulkAcceptAll: { ...bulk, ms: bulkMs, msPerNote: Math.round((bulkMs / NOTES) * 100) / 100 }, queueAfterBulkMs: queueAfterBulk },
        null,
        2,
      ),
    );
    await session.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
