/**
 * REST writes keep their arrival order, yet a loader's transaction Bundles pipeline (handler.ts,
 * `serialized`): the next Bundle is handed to the repository (and prepared off the store's thread)
 * while the one before commits, and a conditional write still sees every write request before it.
 */
import path from 'node:path';
import type { Bundle, BundleEntry, Observation, Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { MIN_PIPELINED_BATCH, type WritePreparer } from '../../../src-main/fhir/fhir-repository';
import { handleFhirRequest, type FhirResponse } from '../../../src-main/fhir/rest/handler';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { prepareWrite, type PrepareInput, type PreparedWrite } from '../../../src-main/fhir/write-prep';
import { createVault } from '../../../src-main/vault';
import { tempFolder } from '../vault/helpers';

const temp = tempFolder('hearth-rest-order-');
afterAll(() => temp.cleanup());
const fast = { projector: fhirProjector, kdfIterations: 1000, allowWeakKdfForTests: true } as const;
const BASE = 'http://127.0.0.1:0/fhir';

/** prepareWrite on this thread, a few turns of the event loop later (as the worker answers), counting batches. */
class LatePreparer implements WritePreparer {
  batches = 0;
  prepare(items: readonly PrepareInput[]): Promise<PreparedWrite[]> {
    this.batches++;
    return new Promise((resolve) => setTimeout(() => resolve(items.map((item) => prepareWrite(item, true))), 20));
  }
}

function observations(prefix: string, n: number): BundleEntry[] {
  return Array.from({ length: n }, (_, i) => {
    const resource: Observation = { resourceType: 'Observation', id: `${prefix}-${i}`, status: 'final', code: { text: `${prefix} ${i}` } };
    return { resource, request: { method: 'PUT', url: `Observation/${prefix}-${i}` } };
  });
}

function transaction(entry: BundleEntry[]): Bundle {
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

describe('FHIR REST handler: write order with a pipelined repository', () => {
  it('hands the next transaction to the repository while one commits, and a conditional create still sees it', async () => {
    const vault = await createVault(path.join(temp.dir, 'v'), 'order test passphrase', fast);
    const preparer = new LatePreparer();
    const repo = createVaultRepository(vault, { preparer });
    const post = (body: unknown, headers: Record<string, string> = {}): Promise<FhirResponse> =>
      handleFhirRequest(repo, { method: 'POST', path: headers['if-none-exist'] ? '/Patient' : '/', headers: { 'content-type': 'application/fhir+json', ...headers }, body: JSON.stringify(body) }, { baseUrl: BASE });
    try {
      const patient: Patient = { resourceType: 'Patient', id: 'p1', identifier: [{ system: 'urn:mrn', value: 'order-1' }] };
      const answers = await Promise.all([
        post(transaction(observations('a', MIN_PIPELINED_BATCH))),
        // Arrives while the first commits: prepared by the preparer, committed after the first.
        post(transaction([...observations('b', MIN_PIPELINED_BATCH), { resource: patient, request: { method: 'PUT', url: 'Patient/p1' } }])),
        // Its search must see the Patient of the transaction before it, still being prepared when it arrives.
        post({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'order-1' }] }, { 'if-none-exist': 'identifier=urn:mrn|order-1' }),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(preparer.batches).toBe(1);
      const found = await handleFhirRequest(repo, { method: 'GET', path: '/Patient', query: 'identifier=urn:mrn|order-1', headers: {} }, { baseUrl: BASE });
      expect((found.body as Bundle).total).toBe(1);
      expect((await repo.counts()).find((c) => c.resourceType === 'Observation')?.count).toBe(2 * MIN_PIPELINED_BATCH);
    } finally {
      await vault.close();
    }
  });

  it('keeps a batch Bundle in one turn: a later write request commits after all its entries', async () => {
    const vault = await createVault(path.join(temp.dir, 'b'), 'order test passphrase', fast);
    const repo = createVaultRepository(vault, { preparer: new LatePreparer() });
    const request = (method: string, path: string, body: unknown) =>
      handleFhirRequest(repo, { method, path, headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) }, { baseUrl: BASE });
    try {
      const versions = (id: string): Promise<FhirResponse> => handleFhirRequest(repo, { method: 'GET', path: `/Patient/${id}/_history`, headers: {} }, { baseUrl: BASE });
      const entry = (family: string): BundleEntry => ({ resource: { resourceType: 'Patient', id: 'shared', name: [{ family }] }, request: { method: 'PUT', url: 'Patient/shared' } });
      await Promise.all([
        request('POST', '/', { resourceType: 'Bundle', type: 'batch', entry: [entry('first'), entry('second'), entry('third')] }),
        request('PUT', '/Patient/shared', { resourceType: 'Patient', id: 'shared', name: [{ family: 'last' }] }),
      ]);
      const history = (await versions('shared')).body as Bundle;
      expect(history.entry?.map((e) => (e.resource as Patient).name?.[0]?.family)).toEqual(['last', 'third', 'second', 'first']);
    } finally {
      await vault.close();
    }
  });
});
