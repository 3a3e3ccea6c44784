/**
 * A streamed NDJSON file's chunks are parsed, checked, validated and indexed on the write-prep
 * worker (repository.prepareNdjson, io/ndjson-prep.ts) and stored with writePrepared: the counts,
 * every error (file, line, OperationOutcome) and what is stored must be what the store thread's own
 * path gives (a repository without the worker runs that path), a re-run must find everything
 * unchanged, and a worker that fails on the way must leave the chunk to the store's thread.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import type { WritePreparer } from '../../../src-main/fhir/fhir-repository';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../../src-main/fhir/write-prep-pool';
import { runImport } from '../../../src-main/io/importer';
import { createVault } from '../../../src-main/vault';
import type { Vault } from '../../../src-main/vault/types';
import { tempFolder, weakKdf } from '../vault/helpers';

const temp = tempFolder('hearth-ndjson-prepared-');
const pool = new WritePrepPool();
/** Chunks the worker was asked to prepare. */
let asked = 0;
const preparer: WritePreparer = {
  prepare: (items) => pool.prepare(items),
  prepareNdjson(chunk) {
    const pending = pool.prepareNdjson(chunk);
    if (pending) asked++;
    return pending;
  },
};
const vaults: Vault[] = [];

async function repository(name: string, prep?: WritePreparer) {
  const vault = await createVault(path.join(temp.dir, name), 'ndjson prepared passphrase', { projector: fhirProjector, ...weakKdf });
  vaults.push(vault);
  return createVaultRepository(vault, prep ? { preparer: prep } : {});
}

const deep = `{"resourceType":"Basic","id":"deep","code":${'{"coding":['.repeat(70)}{}${']}'.repeat(70)}}`;
const lines = [
  JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Alpha' }] }),
  '',
  '{ "resourceType": "Patient", not json',
  JSON.stringify({ resourceType: 'Observation', status: 'final', code: { text: 'no id: created' } }),
  JSON.stringify({ resourceType: 'Nope', id: 'x' }),
  JSON.stringify({ resourceType: 'Patient', id: 'p2', birthDate: 'not a date' }),
  deep,
  ...Array.from({ length: 10 }, (_, i) => `  ${JSON.stringify({ resourceType: 'Basic', id: `b${i}`, code: { text: `v${i}` } })}`),
  // The same id again, several chunks later: a new version, stored after the first.
  JSON.stringify({ resourceType: 'Patient', id: 'p1', name: [{ family: 'Beta' }] }),
];

beforeAll(async () => {
  pool.start();
  while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 20));
}, 60_000);

afterAll(async () => {
  await pool.close();
  for (const vault of vaults) await vault.close();
  temp.cleanup();
});

describe('NDJSON chunks prepared on the write-prep worker', () => {
  it('gives the counts, errors and stored resources of the store thread’s path; a re-run finds everything unchanged', async () => {
    const file = path.join(temp.dir, 'mixed.ndjson');
    await writeFile(file, lines.join('\r\n'));
    const alone = await repository('alone');
    const worker = await repository('worker', preparer);
    const expected = await runImport({ repository: alone, sources: [{ kind: 'path', path: file }], chunkSize: 4 });
    asked = 0;
    const result = await runImport({ repository: worker, sources: [{ kind: 'path', path: file }], chunkSize: 4 });
    expect(asked).toBe(5);
    expect(result).toEqual(expected);
    expect(result).toMatchObject({ created: 12, updated: 1, unchanged: 0, failed: 4, cancelled: false });
    expect(result.errors.map((e) => [e.file, e.line, e.resourceType, e.outcome.resourceType])).toEqual([
      [file, 3, undefined, 'OperationOutcome'],
      [file, 5, 'Nope', 'OperationOutcome'],
      // A chunk's read errors come before its write failures (as on the store thread's path).
      [file, 7, 'Basic', 'OperationOutcome'],
      [file, 6, 'Patient', 'OperationOutcome'],
    ]);
    expect(result.errors[0]!.message).toMatch(/^Not valid JSON: /);
    expect(result.errors[2]!.message).toMatch(/nests more than 128 levels deep/);
    expect(result.errors[3]!.message).toMatch(/birthDate/);
    expect(result.files).toEqual([{ file, records: 17, created: 12, updated: 1, unchanged: 0, failed: 4 }]);

    // The later line's version is current, and its index rows (made on the worker) find it.
    expect(((await worker.read('Patient', 'p1')) as Patient).name?.[0]?.family).toBe('Beta');
    expect((await worker.search('Patient', [['family', 'Beta']])).entry?.map((e) => e.resource?.id)).toEqual(['p1']);
    expect((await worker.search('Basic', [['_id', 'b7']])).total).toBe(1);
    expect(await worker.counts()).toEqual(await alone.counts());

    // Resume: what is in is found unchanged, no new version.
    const again = await runImport({ repository: worker, sources: [{ kind: 'path', path: file }], chunkSize: 4 });
    // The id-less Observation is created again (a new id each time, as on the store thread's path),
    // and p1's two lines are two changes again (Beta → Alpha → Beta).
    expect(again).toMatchObject({ created: 1, updated: 2, unchanged: 10, failed: 4 });
    expect((await worker.history('Patient', 'p1')).entry).toHaveLength(4);
    expect((await worker.history('Basic', 'b3')).entry).toHaveLength(1);
  }, 60_000);

  it('reads a chunk on the store thread when the worker fails on the way', async () => {
    const file = path.join(temp.dir, 'fallback.ndjson');
    await writeFile(file, lines.join('\n'));
    const alone = await repository('fallback-alone');
    const failing = await repository('fallback-failing', { prepare: () => null, prepareNdjson: () => Promise.reject(new Error('write-prep worker stopped')) });
    const expected = await runImport({ repository: alone, sources: [{ kind: 'path', path: file }], chunkSize: 4 });
    const result = await runImport({ repository: failing, sources: [{ kind: 'path', path: file }], chunkSize: 4 });
    expect(result).toEqual(expected);
    expect(((await failing.read('Patient', 'p1')) as Patient).name?.[0]?.family).toBe('Beta');
  }, 60_000);

  it('stops between chunks when cancelled: at most the chunks in flight are stored after it', async () => {
    const file = path.join(temp.dir, 'cancel.ndjson');
    await writeFile(file, Array.from({ length: 40 }, (_, i) => JSON.stringify({ resourceType: 'Basic', id: `c${i}`, code: { text: 'x' } })).join('\n'));
    const repo = await repository('cancel', preparer);
    const controller = new AbortController();
    const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: file }], chunkSize: 4, signal: controller.signal, onProgress: () => controller.abort() });
    expect(result.cancelled).toBe(true);
    // Three chunks in flight at most: the one whose progress cancelled and the two after it.
    expect(result.created).toBeGreaterThanOrEqual(4);
    expect(result.created).toBeLessThanOrEqual(12);
    expect(await repo.counts()).toEqual([{ resourceType: 'Basic', count: result.created }]);
  }, 60_000);
});
