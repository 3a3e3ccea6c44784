/**
 * The two-stage write pipeline (write-prep.ts, write-prep-pool.ts, FhirRepository.writeBatch): a
 * batch that arrives while another commits is prepared elsewhere (validation, hash, body, index
 * rows) and only planned and applied on the store's thread. It must store the same bodies and rows
 * as the serial path, fail only the batch that holds a bad resource, keep the call order of
 * commits, and lose nothing acknowledged when the process dies mid-pipeline.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MIN_PIPELINED_BATCH, type WritePreparer } from '../../../src-main/fhir/fhir-repository';
import type { WriteOp, WriteOutcome } from '../../../src-main/fhir/repository';
import { extractIndexRows } from '../../../src-main/fhir/search/extract';
import { PackedItemRows } from '../../../src-main/fhir/search/packed-rows';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { isTemplateBytes } from '../../../src-main/fhir/body-bytes';
import { fillBody, prepareWrite, type PrepareInput, type PreparedWrite } from '../../../src-main/fhir/write-prep';
import { WritePrepPool } from '../../../src-main/fhir/write-prep-pool';
import { createVault, openVault } from '../../../src-main/vault';
import { corpusResources } from '../../bench/fhir/corpus';
import { tempFolder } from '../vault/helpers';

const temp = tempFolder('hearth-write-pipeline-');
afterAll(() => temp.cleanup());
const PASSPHRASE = 'pipeline test passphrase';
const fast = { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true } as const;

/** Runs prepareWrite on this thread, but later (a stand-in for the worker), counting its batches. */
class DeferredPreparer implements WritePreparer {
  batches = 0;
  prepare(items: readonly PrepareInput[]): Promise<PreparedWrite[]> {
    this.batches++;
    return new Promise((resolve) => setImmediate(() => resolve(items.map((item) => prepareWrite(JSON.parse(JSON.stringify(item)) as PrepareInput, true)))));
  }
}

function puts(resources: readonly Resource[]): WriteOp[] {
  return resources.map((resource) => ({ kind: 'update', resource }));
}

const corpus = [...corpusResources(600)];

describe('prepareWrite', () => {
  it('gives the rows a replay extracts from the stored body, whatever meta the client sent', () => {
    const samples: Resource[] = [
      ...corpus.slice(0, 150),
      {
        resourceType: 'Patient',
        id: 'p1',
        meta: { versionId: '7', lastUpdated: '2001-01-01T00:00:00Z', tag: [{ system: 'http://t', code: 'x', display: 'Tag text' }], source: 'http://s' },
        text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Narrative <b>here</b></div>' },
        name: [{ family: 'Ünïcode', given: ['A'] }],
      },
    ];
    for (const resource of samples) {
      const prepared = prepareWrite({ resource, kind: 'update', id: resource.id! }, true);
      expect(prepared.problems).toBeUndefined();
      const body = fillBody(prepared.template!, 3, '2026-11-27T10:00:00.000Z');
      const stored = JSON.parse(body) as Resource;
      expect(stored.meta?.versionId).toBe('3');
      expect(stored.meta?.lastUpdated).toBe('2026-11-27T10:00:00.000Z');
      expect(prepared.rows).toEqual(extractIndexRows(stored));
    }
  });

  it('gives the same template from the resource text as from the resource', () => {
    const samples: Array<{ resource: Resource; id: string }> = [
      ...corpus.slice(0, 60).map((resource) => ({ resource, id: resource.id! })),
      { resource: { resourceType: 'Patient', id: 'p2' }, id: 'p2' },
      { resource: { resourceType: 'Patient', id: 'client-id', active: true }, id: 'assigned-id' },
      { resource: { resourceType: 'Patient', active: true }, id: 'assigned-id' },
      { resource: { id: 'p3', resourceType: 'Patient', active: true } as Resource, id: 'p3' },
      { resource: { resourceType: 'Patient', id: 'p4', meta: { source: 'http://s', versionId: '2' }, active: false }, id: 'p4' },
      { resource: { resourceType: 'Patient', id: 'p5', name: [{ family: 'Quote "and" \u2028 é' }] }, id: 'p5' },
    ];
    for (const { resource, id } of samples) {
      const text = JSON.stringify(resource);
      const fromText = prepareWrite({ resource: JSON.parse(text) as Resource, kind: 'create', id, text }, false);
      expect(fromText.problems).toBeUndefined();
      expect(fromText).toEqual(prepareWrite({ resource, kind: 'create', id }, false));
      expect(JSON.parse(fillBody(fromText.template!, 1, '2026-11-27T10:00:00.000Z')).id).toBe(id);
    }
  });

  it('refuses what the planner refuses, with the same issues', () => {
    const prepared = prepareWrite({ resource: { resourceType: 'Patient', id: 'x', gender: 'nonsense' } as unknown as Resource, kind: 'update', id: 'x' }, true);
    expect(prepared.problems?.length).toBeGreaterThan(0);
    expect(prepared.rows).toBeUndefined();
  });
});

describe('pipelined writeBatch', () => {
  it('stores what the serial path stores; the rebuilt index equals the live one', async () => {
    const preparer = new DeferredPreparer();
    const vault = await createVault(path.join(temp.dir, 'same'), PASSPHRASE, fast);
    const repo = createVaultRepository(vault, { preparer });
    const batches = [corpus.slice(0, 200), corpus.slice(200, 400), corpus.slice(400, 600)];
    const results = await Promise.all(batches.map((batch) => repo.writeBatch(puts(batch))));
    // The first found the store idle; the others arrived while one was committing.
    expect(preparer.batches).toBe(2);
    expect(results.flat().every((o) => o.status === 'created')).toBe(true);
    const serialVault = await createVault(path.join(temp.dir, 'serial'), PASSPHRASE, fast);
    const serial = createVaultRepository(serialVault);
    for (const batch of batches) await serial.writeBatch(puts(batch));
    for (const resource of [corpus[5]!, corpus[250]!, corpus[599]!]) {
      const { meta: a, ...piped } = await repo.read(resource.resourceType, resource.id!);
      const { meta: b, ...alone } = await serial.read(resource.resourceType, resource.id!);
      expect(piped).toEqual(alone);
      expect(a?.versionId).toBe(b?.versionId);
    }
    const search = async (r: typeof repo) => (await r.search('Observation', [['_count', '1000'], ['_sort', '_id']])).entry?.map((e) => e.resource?.id);
    expect(await search(repo)).toEqual(await search(serial));
    expect((await vault.verify()).problems).toEqual([]);
    await vault.close();
    await serialVault.close();
  });

  it('fails only the batch holding a bad resource, and commits in call order', async () => {
    const vault = await createVault(path.join(temp.dir, 'fail'), PASSPHRASE, fast);
    const repo = createVaultRepository(vault, { preparer: new DeferredPreparer() });
    const patient = corpus.find((r) => r.resourceType === 'Patient')!;
    const first = puts(corpus.slice(0, 100));
    const bad = puts([...corpus.slice(100, 180), { resourceType: 'Patient', id: 'bad', gender: 'nonsense' } as unknown as Resource]);
    // Two versions of one resource in consecutive batches: the later call must win.
    const second = [...puts(corpus.slice(180, 260)), { kind: 'update', resource: { ...patient, gender: 'other' } } as WriteOp];
    const third = [...puts(corpus.slice(260, 340)), { kind: 'update', resource: { ...patient, gender: 'unknown' } } as WriteOp];
    expect(bad.length).toBeGreaterThanOrEqual(MIN_PIPELINED_BATCH);
    const [a, b, c, d] = await Promise.all([repo.writeBatch(first), repo.writeBatch(bad, { atomic: true }), repo.writeBatch(second), repo.writeBatch(third)]);
    const statuses = (outcomes: WriteOutcome[]) => new Set(outcomes.map((o) => o.status));
    expect(statuses(a!)).toEqual(new Set(['created']));
    expect(statuses(b!)).toEqual(new Set(['rolled-back', 'failed']));
    expect(b!.at(-1)!.status).toBe('failed');
    expect(statuses(c!).has('failed')).toBe(false);
    expect(statuses(d!).has('failed')).toBe(false);
    await expect(repo.read('Patient', 'bad')).rejects.toThrow();
    await expect(repo.read(corpus[150]!.resourceType, corpus[150]!.id!)).rejects.toThrow();
    const stored = await repo.read('Patient', patient.id!);
    expect((stored as { gender?: string }).gender).toBe('unknown');
    expect((await vault.verify()).problems).toEqual([]);
    await vault.close();
  });

  it('prepares on the write-prep worker thread, never keeps the process alive while idle, and falls back to this thread when it is gone', async () => {
    // What keeps this process alive: an idle pool must add nothing (else `hearth import` never exits).
    const referenced = (): string[] => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker');
    const before = referenced();
    const pool = new WritePrepPool();
    pool.start();
    const inputs: PrepareInput[] = corpus.slice(0, 70).map((resource) => ({ resource, kind: 'update', id: resource.id! }));
    const deadline = Date.now() + 60_000;
    while (!pool.ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(referenced()).toEqual(before);
    const results = await pool.prepare(inputs);
    // The rows stay packed on this thread (IndexWriter reads them there): equal once unpacked.
    expect(results!.every((result) => result.rows instanceof PackedItemRows)).toBe(true);
    // The templates come as UTF-8 (body-bytes.ts): equal once decoded.
    const decoder = new TextDecoder();
    const unpacked = results!.map((result) => {
      const { template, rows, ...rest } = result;
      const text = template && isTemplateBytes(template) ? { head: decoder.decode(template.head), tail: decoder.decode(template.tail) } : template;
      return { ...rest, ...(text ? { template: text } : {}), ...(rows ? { rows: rows instanceof PackedItemRows ? rows.unpack() : rows } : {}) };
    });
    expect(unpacked).toEqual(inputs.map((input) => prepareWrite(input, true)));
    expect(referenced()).toEqual(before);
    await pool.close();
    expect(pool.prepare(inputs)).toBeNull();
    const vault = await createVault(path.join(temp.dir, 'closed-pool'), PASSPHRASE, fast);
    const repo = createVaultRepository(vault, { preparer: pool });
    const outcomes = await Promise.all([repo.writeBatch(puts(corpus.slice(0, 70))), repo.writeBatch(puts(corpus.slice(70, 140)))]);
    expect(outcomes.flat().every((o) => o.status === 'created')).toBe(true);
    await vault.close();
  }, 90_000);
});

describe('a crash mid-pipeline', () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const outDir = path.resolve(here, '../../../node_modules/.cache/hearth-pipeline-tests', String(process.pid));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('loses no acknowledged batch', async () => {
    mkdirSync(outDir, { recursive: true });
    // The writer and the worker side by side, as in a build (resolveWorkerScript finds it).
    await build({
      entryPoints: [path.join(here, 'fixtures/pipeline-writer.ts'), path.join(here, '../../../src-main/fhir/write-prep-worker.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      outdir: outDir,
      entryNames: '[name]',
      outExtension: { '.js': '.mjs' },
      logLevel: 'silent',
    });
    const dir = path.join(temp.dir, 'crash');
    const acked: string[] = [];
    let pipelined = 0;
    await new Promise<void>((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(outDir, 'pipeline-writer.mjs'), dir, PASSPHRASE], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const lines = stdout.split('\n');
        stdout = lines.pop()!;
        for (const line of lines) {
          if (line.startsWith('ACK ')) acked.push(...line.slice(4).split(','));
          if (line.startsWith('PIPELINED ')) pipelined = Number(line.slice(10));
        }
        // Killed once the worker has prepared batches and some are acknowledged, mid-stream.
        if (pipelined >= 2 && acked.length >= 300) child.kill('SIGKILL');
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      child.on('error', reject);
      child.on('close', (_code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer ended on its own: ${stderr.slice(0, 500)}`))));
    });
    expect(pipelined).toBeGreaterThanOrEqual(2);
    const vault = await openVault(dir, PASSPHRASE, { projector: fhirProjector });
    const repo = createVaultRepository(vault);
    for (const id of acked) expect((await repo.read('Patient', id)).id).toBe(id);
    expect((await vault.verify()).problems).toEqual([]);
    await vault.close();
  }, 120_000);
});
