/**
 * A transaction Bundle of plain creates and updates is read, planned, validated and indexed on the
 * write-prep worker (bundle.ts preparedTransaction, rest/transaction-plan.ts): the answer, what is
 * stored and every failure must be what the store thread's own path gives (a repository without
 * the worker runs that path), and any other Bundle must still go that way.
 */
import path from 'node:path';
import type { Bundle, BundleEntry, Observation, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import type { WritePreparer } from '../../../src-main/fhir/fhir-repository';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { MIN_PREPARED_BUNDLE_CHARS } from '../../../src-main/fhir/rest/bundle';
import { handleFhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../../src-main/fhir/write-prep-pool';
import { createVault } from '../../../src-main/vault';
import type { Vault } from '../../../src-main/vault/types';
import { corpusResources } from '../../bench/fhir/corpus';
import { observeWrites, type WrittenResource } from '../../../src-main/nlp/results/write-observer';
import { tempFolder } from '../vault/helpers';

const temp = tempFolder('hearth-prepared-transaction-');
const BASE = 'http://127.0.0.1:0/fhir';
const pool = new WritePrepPool();
/** Transactions the worker answered with prepared writes (a plain Bundle), and with none. */
const answered = { plain: 0, other: 0 };
const preparer: WritePreparer = {
  prepare: (items) => pool.prepare(items),
  prepareTransaction(text, base) {
    const pending = pool.prepareTransaction(text, base);
    void pending?.then((writes) => (writes ? answered.plain++ : answered.other++));
    return pending;
  },
};
let vault: Vault;
let worker: ResourceRepository;

beforeAll(async () => {
  pool.start();
  vault = await createVault(path.join(temp.dir, 'v'), 'prepared transaction passphrase', { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true });
  worker = createVaultRepository(vault, { preparer });
  while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 20));
}, 60_000);

afterAll(async () => {
  await pool.close();
  await vault.close();
  temp.cleanup();
});

function post(repo: ResourceRepository, bundle: unknown, prefer = 'return=minimal'): Promise<FhirResponse> {
  return handleFhirRequest(repo, { method: 'POST', path: '/', headers: { 'content-type': 'application/fhir+json', prefer }, body: JSON.stringify(bundle) }, { baseUrl: BASE });
}

function transaction(entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** PUTs in plainEntries: then the Bundle text is longer than MIN_PREPARED_BUNDLE_CHARS. */
const PUTS = 80;
let round = 0;
/**
 * Corpus resources as PUTs under ids of their own (the same Bundle then writes new resources in
 * each repository), then creates with urn:uuid and absolute fullUrls that refer to each other.
 */
function plainEntries(): BundleEntry[] {
  const tag = `r${++round}`;
  const entries: BundleEntry[] = [...corpusResources(PUTS)].map((resource) => {
    const id = `${tag}-${resource.id!}`.slice(0, 64);
    return { resource: { ...resource, id }, request: { method: 'PUT', url: `${resource.resourceType}/${id}` } };
  });
  const patient: Patient = { resourceType: 'Patient', name: [{ family: `Created ${tag}` }], identifier: [{ system: 'urn:test', value: tag }] };
  entries.push({ fullUrl: `urn:uuid:${tag}-0000-4000-8000-000000000000`, resource: patient, request: { method: 'POST', url: 'Patient' } });
  entries.push({ fullUrl: `${BASE}/Patient/${tag}abs`, resource: { resourceType: 'Patient', active: true }, request: { method: 'POST', url: 'Patient' } });
  for (let i = 0; i < 4; i++) {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: `obs ${i}` },
      subject: { reference: i % 2 === 0 ? `urn:uuid:${tag}-0000-4000-8000-000000000000` : `Patient/${tag}abs` },
    };
    entries.push({ fullUrl: `urn:uuid:${tag}-obs-${i}`, resource: observation, request: { method: 'POST', url: 'Observation' } });
  }
  return entries;
}

/**
 * The answer with the server-chosen ids (those of the creates) named by entry, and the instants
 * dropped; each stored resource read back the same way, in entry order.
 */
async function normalized(repo: ResourceRepository, response: FhirResponse): Promise<{ answer: unknown; stored: unknown[] }> {
  const entries = (response.body as Bundle).entry ?? [];
  const ids = new Map<string, string>();
  const stored: Resource[] = [];
  for (const [index, entry] of entries.entries()) {
    const [type = '', id = ''] = entry.fullUrl!.slice(BASE.length + 1).split('/');
    if (entry.response?.status === '201 Created') ids.set(id, `#${index}`);
    stored.push(await repo.read(type, id));
  }
  const text = (value: unknown) => {
    let json = JSON.stringify(value, (k, v: unknown) => (k === 'lastUpdated' || k === 'lastModified' ? undefined : v));
    for (const [id, name] of ids) json = json.split(id).join(name);
    return JSON.parse(json) as unknown;
  };
  return { answer: text(response.body), stored: stored.map(text) };
}

describe('a transaction Bundle read on the write-prep worker', () => {
  it('answers and stores what the store thread does, minimal and representation', async () => {
    for (const prefer of ['return=minimal', 'return=representation']) {
      const bundle = transaction(plainEntries());
      expect(JSON.stringify(bundle).length).toBeGreaterThan(MIN_PREPARED_BUNDLE_CHARS);
      const before = answered.plain;
      const memory = new MemoryRepository();
      const [fast, slow] = [await post(worker, bundle, prefer), await post(memory, bundle, prefer)];
      expect(answered.plain).toBe(before + 1);
      expect(fast.status).toBe(200);
      expect(slow.status).toBe(200);
      const [a, b] = [await normalized(worker, fast), await normalized(memory, slow)];
      expect(a).toEqual(b);
      // The references to the created resources were rewritten to their ids.
      const observation = a.stored.at(-1) as Observation;
      expect(observation.subject?.reference).toMatch(/^Patient\/#\d+$/);
    }
  });

  it('fails the whole transaction with the outcome the store thread gives, naming the entry', async () => {
    const entries = plainEntries();
    const bad = entries[7]!.resource as Resource & { bogus?: string };
    bad.bogus = 'not an element';
    const conflict = plainEntries();
    conflict[3] = { ...conflict[3]!, request: { ...conflict[3]!.request!, ifMatch: 'W/"4"' } };
    for (const bundle of [transaction(entries), transaction(conflict)]) {
      const before = answered.plain;
      const [fast, slow] = [await post(worker, bundle), await post(new MemoryRepository(), bundle)];
      expect(answered.plain).toBe(before + 1);
      expect(fast.status).toBeGreaterThanOrEqual(400);
      expect(fast).toEqual(slow);
      expect(JSON.stringify((fast.body as OperationOutcome).issue)).toMatch(/Bundle\.entry\[(7|3)\]/);
      // Nothing of it was stored.
      const first = bundle.entry![0]!.resource!;
      await expect(worker.read(first.resourceType, first.id!)).rejects.toThrow(/not found/);
    }
  });

  it('leaves Bundles that need the store, or are not plain, to the store thread', async () => {
    const seeded = plainEntries();
    await post(worker, transaction(seeded));
    const identifier = (seeded[PUTS]!.resource as Patient).identifier![0]!;
    const conditionalReference = plainEntries();
    (conditionalReference[PUTS + 5]!.resource as Observation).subject = { reference: `Patient?identifier=${identifier.system}|${identifier.value}` };
    const withRead = [...plainEntries(), { request: { method: 'GET', url: `${seeded[0]!.resource!.resourceType}/${seeded[0]!.resource!.id}` } } as BundleEntry];
    const duplicate = plainEntries();
    duplicate.push(duplicate[0]!);
    const before = { ...answered };
    const answers = [];
    for (const entries of [conditionalReference, withRead, duplicate]) answers.push(await post(worker, transaction(entries)));
    expect(answered).toEqual({ plain: before.plain, other: before.other + 3 });
    expect(answers.map((a) => a.status)).toEqual([200, 200, 400]);
    const observation = await worker.read('Observation', ((answers[0]!.body as Bundle).entry![PUTS + 5]!.fullUrl ?? '').split('/').at(-1)!);
    expect((observation as Observation).subject?.reference).toMatch(/^Patient\//);
    expect((observation as Observation).subject?.reference).not.toContain('?');
  });

  it('keeps the write order: a conditional create right after sees the transaction', async () => {
    const entries = plainEntries();
    const identifier = (entries[PUTS]!.resource as Patient).identifier![0]!;
    const [written, conditional] = await Promise.all([
      post(worker, transaction(entries)),
      handleFhirRequest(
        worker,
        {
          method: 'POST',
          path: '/Patient',
          headers: { 'content-type': 'application/fhir+json', 'if-none-exist': `identifier=${identifier.system}|${identifier.value}` },
          body: JSON.stringify({ resourceType: 'Patient', identifier: [identifier] }),
        },
        { baseUrl: BASE },
      ),
    ]);
    expect(written.status).toBe(200);
    expect(conditional.status).toBe(200);
  });

  it('reports its writes through a write observer, each stored resource read only when asked', async () => {
    const heard: WrittenResource[] = [];
    const observed = observeWrites(worker, (items) => heard.push(...items));
    const entries = plainEntries();
    const before = answered.plain;
    const response = await post(observed, transaction(entries));
    expect(response.status).toBe(200);
    expect(answered.plain).toBe(before + 1);
    const answer = (response.body as Bundle).entry!;
    expect(heard.map((item) => `${item.resourceType}/${item.id}`)).toEqual(answer.map((entry) => entry.fullUrl!.slice(BASE.length + 1)));
    for (const item of [heard[0]!, heard.at(-1)!]) expect(item.resource).toEqual(await worker.read(item.resourceType, item.id));
  });
});
