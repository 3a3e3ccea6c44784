/**
 * Review backend timings (docs/review.md): a vault with N notes carrying NLP results (the NLP
 * results tests' deterministic analyzer, written directly), then the first queue answer (from the
 * queue table), later queue answers, opening a note, one apply, and bulk accept over every note.
 * Then the vault is reopened and the first answer of a new service is measured both ways, in CPU
 * time of this process (the machine may be shared): loading the queue table against the scan of
 * every note and record it replaces; and the projector's cost of the table at write time (the
 * rows of N notes against their search rows).
 *
 *   HEARTH_BENCH_REVIEW_NOTES=2000 npx tsx test/bench/review.bench.ts
 *
 * HEARTH_BENCH_REVIEW_BULK=0 leaves the bulk accept out (about 13 to 22 ms a note: for large N).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import os from 'node:os';
import { fhirProjector } from '../../src-main/fhir/fhir-projector';
import type { WriteOp } from '../../src-main/fhir/repository';
import { extractIndexRows } from '../../src-main/fhir/search/extract';
import { createVaultRepository } from '../../src-main/fhir/vault-repository';
import { QUEUE_NOTE_TABLE, QUEUE_RECORD_TABLE, queueRowOf } from '../../src-main/review/queue-table';
import { ReviewService } from '../../src-main/review/service';
import { openVault } from '../../src-main/vault';
import { withNlpResult } from '../../src-main/nlp/results/extensions';
import { textHash } from '../../src-main/nlp/results/note-text';
import { createVaultSession } from '../../src-main/services/vault-session';
import type { Result } from '../../src-main/api/result';
import { analyzeForTest, noteWithText, TEST_VERSIONS } from '../unit/nlp/results/fixtures';

const NOTES = Number(process.env.HEARTH_BENCH_REVIEW_NOTES ?? 2000);
const BULK = process.env.HEARTH_BENCH_REVIEW_BULK !== '0';
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

/** CPU time (user + system, all threads of this process) and wall time of fn, in ms. */
async function cpuTimed<T>(fn: () => Promise<T> | T): Promise<[T, { cpuMs: number; wallMs: number }]> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const out = await fn();
  const used = process.cpuUsage(cpu);
  return [out, { cpuMs: Math.round((used.user + used.system) / 100) / 10, wallMs: Math.round((performance.now() - started) * 10) / 10 }];
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
      if (!BULK) return { status: 'skipped' };
      const started = value(await review.bulkAccept({ reviewer: 'Bob' }));
      if (started.jobId === undefined) return started;
      for (;;) {
        const job = value(await session.services.jobs.get({ jobId: started.jobId }));
        if (job.status !== 'queued' && job.status !== 'running') return { status: job.status, message: job.progress.message };
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    const [, queueAfterBulk] = await timed(() => review.queue(q));
    await session.close();

    // The first answer of a new service on the reopened vault: the queue table against the scan it replaces (alternating, twice each).
    const vault = await openVault(path.join(dir, 'vault'), 'bench passphrase', { projector: fhirProjector });
    const store = createVaultRepository(vault);
    const firstAnswer: Record<'table' | 'scan', Array<{ cpuMs: number; wallMs: number }>> = { table: [], scan: [] };
    let sameAnswers = true;
    let reference: string | undefined;
    for (let round = 0; round < 2; round++) {
      for (const kind of ['table', 'scan'] as const) {
        const service = new ReviewService({ repository: store, ...(kind === 'table' ? { index: vault } : {}) });
        const [page, time] = await cpuTimed(() => service.queue(q));
        firstAnswer[kind].push(time);
        const json = JSON.stringify(page);
        if (reference === undefined) reference = json;
        else if (json !== reference) sameAnswers = false;
      }
    }
    // What the table costs the projector at write time: the rows of every note (JSON already parsed) against their search rows.
    const notes: Resource[] = [];
    let after: Parameters<typeof store.scan>[1]['after'];
    do {
      const page = await store.scan('DocumentReference', { limit: 1000, ...(after ? { after } : {}) });
      notes.push(...page.resources);
      after = page.next;
    } while (after);
    const [, queueRows] = await cpuTimed(() => notes.forEach((n) => queueRowOf(n)));
    const [, searchRows] = await cpuTimed(() => notes.forEach((n) => extractIndexRows(n)));
    const payload = await vault.read((db) =>
      db.exec(
        `SELECT (SELECT sum(length(title) + coalesce(length(date), 0) + coalesce(length(patient), 0) + coalesce(length(categories), 0) + length(nlp) + length(engine_ids) + 24) FROM ${QUEUE_NOTE_TABLE}),
                (SELECT sum(length(note) + length(reviewer) + length(status) + length(decided) + 8) FROM ${QUEUE_RECORD_TABLE})`,
      )[0]?.values[0],
    );
    await vault.close();
    const min = (xs: Array<{ cpuMs: number }>) => Math.min(...xs.map((x) => x.cpuMs));
    console.log(
      JSON.stringify(
        {
          notes: NOTES,
          loadAverage: os.loadavg().map((l) => Math.round(l * 10) / 10),
          firstQueueMs: firstQueue,
          queueMedianMs: later[4],
          openMs,
          applyMs,
          bulkAcceptAll: { ...bulk, ms: bulkMs, msPerNote: Math.round((bulkMs / NOTES) * 100) / 100 },
          queueAfterBulkMs: queueAfterBulk,
          firstAnswerAfterReopen: { ...firstAnswer, cpuRatioScanToTable: Math.round((min(firstAnswer.scan) / min(firstAnswer.table)) * 10) / 10, sameAnswers },
          writeCost: { queueRowsCpuMs: queueRows.cpuMs, searchRowsCpuMs: searchRows.cpuMs, tablePayloadBytes: { notes: payload?.[0], records: payload?.[1] } },
        },
        null,
        2,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
