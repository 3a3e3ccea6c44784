/**
 * The review queue's table in the search index (review/queue-table.ts): on a vault with notes, NLP
 * results and several reviewers' records, the table-backed queue answers as a scan of every note
 * does, after the service's own writes, writes by others (records, re-analysed, edited and deleted
 * notes), a reopen, an index rebuilt from the log, and an index of the schema before the table.
 * A session that only reads writes nothing to the vault folder.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentReference } from '@medplum/fhirtypes';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import type { ResourceRepository, WriteOp } from '../../../src-main/fhir/repository';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { withNlpResult } from '../../../src-main/nlp/results/extensions';
import { textHash } from '../../../src-main/nlp/results/note-text';
import { observeWrites } from '../../../src-main/nlp/results/write-observer';
import type { QueueQuery } from '../../../src-main/review/queue-index';
import { compactEngineId, QUEUE_NOTE_TABLE, QUEUE_RECORD_TABLE, queueRowOf } from '../../../src-main/review/queue-table';
import { emptyRecord, recordToBasic } from '../../../src-main/review/record';
import { ReviewService } from '../../../src-main/review/service';
import { createVaultSession, openVaultSession } from '../../../src-main/services/vault-session';
import { createVault, openVault, type IndexProjector, type Vault } from '../../../src-main/vault';
import { analyzeForTest, noteWithText, TEST_VERSIONS } from '../nlp/results/fixtures';
import { value } from './helpers';

const PASS = 'queue table';
const KDF = { kdfIterations: 1000, allowWeakKdfForTests: true } as const;
const PHRASES = ['Hypertension.', 'Denies chest pain.', 'Diabetes noted.', 'Metformin 500 mg daily.', 'No aspirin.', 'Abdomen soft.'];

const dirs: string[] = [];
const vaults: Vault[] = [];
afterEach(async () => {
  for (const v of vaults.splice(0)) await v.close().catch(() => undefined);
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-queue-table-'));
  dirs.push(dir);
  return path.join(dir, 'vault');
}

/** Note i: a few phrases (some none), with or without NLP results, a date, a patient. */
function note(i: number, textOverride?: string): DocumentReference {
  const text = textOverride ?? Array.from({ length: i % 4 }, (_, k) => PHRASES[(i * 5 + k * 3) % PHRASES.length]).join(' ');
  const doc: DocumentReference = { ...noteWithText(`n${i}`, text || 'Seen today.'), description: `Note ${i % 7} ${['discharge', 'progress', 'consult'][i % 3]}` };
  if (i % 5 !== 0) doc.date = new Date(Date.UTC(2024, 0, 1) + ((i * 7919) % 97) * 86_400_000).toISOString();
  if (i % 3 === 0) doc.subject = { reference: `Patient/p${i % 4}` };
  if (i % 6 === 5) return doc;
  const status = i % 11 === 10 ? 'failed' : 'succeeded';
  return withNlpResult(doc, { status, versions: TEST_VERSIONS, source: { ref: 'content[0]', textHash: textHash(text) }, entities: status === 'failed' ? [] : analyzeForTest(text) });
}

const SORTS = ['score', 'date', 'title'] as const;
const QUERIES: Array<Partial<QueueQuery>> = [
  ...SORTS.flatMap((sort) => [{ sort }, { sort, descending: true }]),
  { status: ['unreviewed'] },
  { status: ['done', 'in-progress'] },
  { status: ['done'], viewer: 'Bob' },
  { status: ['in-progress', 'unreviewed'], viewer: 'Ada', sort: 'date' },
  { viewer: 'Cy', sort: 'title', descending: true },
  { viewer: 'Dee' },
  { reviewer: 'Ada' },
  { reviewer: 'Dee', sort: 'date' },
  { category: 'MEDICATION' },
  { category: 'ANATOMY', viewer: 'Ada' },
  { scoreMin: 0.9, scoreMax: 0.97 },
  { hasNegated: true, sort: 'title' },
  { hasNegated: false, offset: 3, count: 4 },
  { text: 'NOTE 1' },
];

function full(q: Partial<QueueQuery>): QueueQuery {
  return { sort: 'score', descending: false, offset: 0, count: 500, ...q };
}

/** Every query and the reviewers, answered by `service`. */
async function answers(service: ReviewService): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const q of QUERIES) out.push(await service.queue(full(q)));
  out.push(await service.reviewers());
  return out;
}

/** The live (table-backed, kept up to date) service, a new table-backed one and a new scan answer the same. */
async function expectSameAsScan(live: ReviewService, repository: ResourceRepository, vault: Vault): Promise<unknown[]> {
  const scanned = await answers(new ReviewService({ repository }));
  expect(await answers(live)).toEqual(scanned);
  expect(await answers(new ReviewService({ repository, index: vault }))).toEqual(scanned);
  return scanned;
}

/** Rows of the table: one per current note and per current review record (every Basic here is one). */
async function expectTableRows(vault: Vault, store: ResourceRepository): Promise<void> {
  const counts = new Map((await store.counts()).map((c) => [c.resourceType, c.count]));
  expect(await tableRows(vault)).toEqual([counts.get('DocumentReference') ?? 0, counts.get('Basic') ?? 0]);
}

async function tableRows(vault: Vault): Promise<[number, number]> {
  return vault.read((db) => [QUEUE_NOTE_TABLE, QUEUE_RECORD_TABLE].map((t) => Number(db.exec(`SELECT count(*) FROM ${t}`)[0]?.values[0]?.[0])) as [number, number]);
}

/** Opens the vault with the table-backed service wired as a session wires it (others write through the observer). */
function wire(vault: Vault): { store: ResourceRepository; live: ReviewService; others: ResourceRepository } {
  const store = createVaultRepository(vault);
  const live = new ReviewService({ repository: store, index: vault });
  return { store, live, others: observeWrites(store, live.written) };
}

async function writeNotes(repository: ResourceRepository, ids: readonly number[]): Promise<void> {
  const ops: WriteOp[] = ids.map((i) => ({ kind: 'update', resource: note(i) }));
  await repository.writeBatch(ops);
}

describe('review queue table', () => {
  it('encodes engine ids one-to-one', () => {
    const ids = ['e:1-5-MEDICATION', 'e:1-5-MEDICATION~2', 'e:1-5-MEDICAL_CONDITION', 'e:1-5-M', '!1-5M', 'e:15-5-MEDICATION', 'e:1-55-MEDICATION', 'u:3', 'e:1-5-NOT_A_CATEGORY'];
    const encoded = ids.map(compactEngineId);
    expect(new Set(encoded).size).toBe(ids.length);
    expect(encoded.slice(0, 3)).toEqual(['1-5M', '1-5M~2', '1-5C']);
  });

  it('gives a row to notes and review records only, and none (never an exception) to a malformed note', () => {
    expect(queueRowOf(note(1))?.table).toBe('note');
    expect(queueRowOf(recordToBasic(emptyRecord('n1', 'Ada')))?.table).toBe('record');
    expect(queueRowOf({ resourceType: 'Basic', code: { text: 'other' } })).toBeUndefined();
    expect(queueRowOf({ resourceType: 'Patient' })).toBeUndefined();
    // content without attachment is not valid R4 (never stored), but a replay must not stop on it.
    const malformed = JSON.parse('{"resourceType":"DocumentReference","status":"current","content":[{}]}') as DocumentReference;
    expect(queueRowOf(malformed)).toBeUndefined();
  });

  it('answers as the scan does: own writes, writes by others, deletes, a reopen, a rebuilt index', async () => {
    const where = await folder();
    let vault = await createVault(where, PASS, { projector: fhirProjector, ...KDF });
    vaults.push(vault);
    let { store, live, others } = wire(vault);
    await writeNotes(others, Array.from({ length: 30 }, (_, i) => i));
    // Notes only (no review yet); the first answer loads the table.
    await expectSameAsScan(live, store, vault);
    await expectTableRows(vault, store);

    // Own writes: decisions, statuses, a bulk accept, for three reviewers.
    for (const i of [1, 2, 3, 7, 9]) {
      const doc = await live.document(`n${i}`, 'Ada');
      const first = doc.annotations[0];
      if (first) await live.apply({ documentId: `n${i}`, reviewer: 'Ada', changes: [{ id: first.id, after: { begin: first.begin, end: first.end, category: first.category, type: first.type, traits: first.traits, decision: i % 2 ? 'accepted' : 'rejected' } }] });
      else await live.setStatus(`n${i}`, 'Ada', 'in-progress');
    }
    await live.setStatus('n2', 'Bob', 'done');
    await live.setStatus('n3', 'Bob', 'in-progress');
    await live.bulkAccept({ reviewer: 'Cy', minScore: 0.95 });
    await live.setStatus('n7', 'Cy', 'done');
    await expectSameAsScan(live, store, vault);

    // Writes by others: a record under another reviewer, a note re-analysed with other text (its
    // decisions no longer match), a retitled reviewed note, a new note, a deleted note and a deleted record.
    const dee = emptyRecord('n9', 'Dee');
    dee.status = 'done';
    dee.revision = 3;
    const basic = recordToBasic(dee);
    await others.update(basic);
    await others.update(note(3, 'Hypertension. Abdomen soft. No aspirin.'));
    await others.update({ ...note(2), description: 'Renamed discharge' });
    await others.update(note(31));
    await others.delete('DocumentReference', 'n7');
    await others.delete('Basic', emptyRecord('n2', 'Bob').id);
    const scanned = await expectSameAsScan(live, store, vault);
    await expectTableRows(vault, store);

    // A reopen (the index snapshot written at close) answers the same from the first answer on.
    await vault.close();
    vault = await openVault(where, PASS, { projector: fhirProjector });
    vaults.push(vault);
    ({ store, live, others } = wire(vault));
    expect(await answers(live)).toEqual(scanned);

    // An index rebuilt from the log (no snapshot) too.
    await vault.close();
    await rm(path.join(where, 'index'), { recursive: true });
    vault = await openVault(where, PASS, { projector: fhirProjector });
    vaults.push(vault);
    ({ store, live, others } = wire(vault));
    expect(await answers(live)).toEqual(scanned);
    await expectTableRows(vault, store);
    // verify() rebuilds the index from the log and compares every table, the queue's included.
    const report = await vault.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  }, 120_000);

  it('an index of the schema before the table is rebuilt from the log on open, with the table filled', async () => {
    const where = await folder();
    // Schema 8's projector, as far as the table goes: the same tables, no queue rows.
    const before: IndexProjector = {
      ...fhirProjector,
      schemaVersion: fhirProjector.schemaVersion - 1,
      apply(db, tx) {
        fhirProjector.apply(db, tx);
        db.run(`DELETE FROM ${QUEUE_NOTE_TABLE}`);
        db.run(`DELETE FROM ${QUEUE_RECORD_TABLE}`);
      },
    };
    const old = await createVault(where, PASS, { projector: before, ...KDF });
    const oldService = new ReviewService({ repository: createVaultRepository(old) });
    await writeNotes(createVaultRepository(old), [1, 2, 3, 4]);
    await oldService.setStatus('n2', 'Ada', 'done');
    expect(await tableRows(old)).toEqual([0, 0]);
    await old.close();
    const vault = await openVault(where, PASS, { projector: fhirProjector });
    vaults.push(vault);
    expect(await tableRows(vault)).toEqual([4, 1]);
    const { store, live } = wire(vault);
    await expectSameAsScan(live, store, vault);
    expect((await live.queue(full({ status: ['done'] }))).items.map((i) => i.documentId)).toEqual(['n2']);
  }, 60_000);

  it('a session that only reads writes nothing to the vault folder', async () => {
    const where = await folder();
    const first = await createVaultSession(where, PASS, KDF);
    await writeNotes(first.repository!, [1, 2, 3, 4, 5]);
    value(await first.services.review.setStatus({ documentId: 'n2', reviewer: 'Ada', status: 'done' }));
    await first.close();

    const listing = async (): Promise<Record<string, string>> => {
      const out: Record<string, string> = {};
      const walk = async (dir: string): Promise<void> => {
        for (const entry of await readdir(dir, { withFileTypes: true })) {
          const file = path.join(dir, entry.name);
          if (entry.isDirectory()) await walk(file);
          else if (entry.name !== 'vault.lock') {
            const info = await stat(file);
            out[path.relative(where, file)] = `${info.size} ${info.mtimeMs} ${createHash('sha256').update(await readFile(file)).digest('hex')}`;
          }
        }
      };
      await walk(where);
      return out;
    };
    const before = await listing();
    const session = await openVaultSession(where, PASS, KDF);
    const review = session.services.review;
    expect(value(await review.queue({ sort: 'score', descending: false, offset: 0, count: 50 })).total).toBe(5);
    expect(value(await review.reviewers({}))).toEqual([{ name: 'Ada', documents: 1, done: 1 }]);
    value(await review.document({ documentId: 'n2', reviewer: 'Ada' }));
    // Counts list the stored resources only: notes, the record and its Provenance.
    expect(value(await session.services.resources.counts({})).map((c) => [c.resourceType, c.count])).toEqual([
      ['Basic', 1],
      ['DocumentReference', 5],
      ['Provenance', 1],
    ]);
    await session.close();
    expect(await listing()).toEqual(before);
  }, 60_000);
});
