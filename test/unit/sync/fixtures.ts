/** A small connected data set for the sync tests, and helpers to count and compare both sides. */
import type { Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import { SYNC_ORIGIN_SYSTEM } from '../../../src-main/sync/content';
import { parseReference } from '../../../src-main/sync/references';
import { isSyncRecord } from '../../../src-main/sync/store';
import { createSecretBox, ephemeralSecretKey } from '../../../src-main/sync/secrets';
import { SyncService, type SyncServiceOptions } from '../../../src-main/sync/service';
import type { MedplumServer } from './medplum-server';

export const FAST_RETRY = { attempts: 8, baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 2000 };

/**
 * `patients` patients, each with an encounter, two observations (subject + encounter) and a
 * condition; patient 0 and 1 link to each other (a reference cycle).
 */
export function dataSet(patients: number): Resource[] {
  const out: Resource[] = [];
  for (let i = 0; i < patients; i++) {
    const p = `p${i}`;
    out.push({
      resourceType: 'Patient',
      id: p,
      name: [{ family: `Family${i}`, given: [`Given${i}`] }],
      gender: i % 2 ? 'female' : 'male',
      birthDate: `19${50 + (i % 40)}-01-0${1 + (i % 9)}`,
      ...(patients > 1 && i < 2 ? { link: [{ other: { reference: `Patient/p${1 - i}` }, type: 'seealso' as const }] } : {}),
    });
    out.push({ resourceType: 'Encounter', id: `e${i}`, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${p}` } });
    for (let k = 0; k < 2; k++) {
      out.push({
        resourceType: 'Observation',
        id: `o${i}-${k}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: k ? '8867-4' : '8310-5' }] },
        subject: { reference: `Patient/${p}` },
        encounter: { reference: `Encounter/e${i}` },
        valueQuantity: { value: 36 + i + k, unit: 'Cel', system: 'http://unitsofmeasure.org', code: 'Cel' },
      });
    }
    out.push({
      resourceType: 'Condition',
      id: `c${i}`,
      subject: { reference: `Patient/${p}` },
      encounter: { reference: `Encounter/e${i}` },
      code: { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'I10' }] },
    });
  }
  return out;
}

export async function seed(repository: ResourceRepository, resources: Resource[]): Promise<void> {
  const results = await repository.writeBatch(resources.map((resource) => ({ kind: 'update' as const, resource })));
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.length > 0) throw new Error(`seed failed: ${JSON.stringify(failed[0])}`);
}

export const SYNC_TYPES = ['Condition', 'Encounter', 'Observation', 'Patient'];

/** Current local resources of the data-set types (sync records left out). */
export async function localResources(repository: ResourceRepository): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const type of SYNC_TYPES) {
    const page = await repository.list(type, { offset: 0, count: 10000 });
    out.push(...page.resources.filter((r) => !isSyncRecord(r)));
  }
  return out;
}

/** How many server resources carry each origin tag: every count must be 1 (nothing created twice). */
export function originCounts(resources: Resource[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of resources) {
    for (const t of r.meta?.tag ?? []) {
      if (t.system === SYNC_ORIGIN_SYSTEM && t.code) counts.set(t.code, (counts.get(t.code) ?? 0) + 1);
    }
  }
  return counts;
}

export function newService(repository: ResourceRepository = new MemoryRepository(), extra: Partial<SyncServiceOptions> = {}): SyncService {
  return new SyncService({ repository, secrets: createSecretBox(ephemeralSecretKey), retry: FAST_RETRY, ...extra });
}

/** The repository with its writeBatch replaced (tests count or interrupt store transactions); every other method as it is. */
export function withWriteBatch(repo: ResourceRepository, writeBatch: ResourceRepository['writeBatch']): ResourceRepository {
  return new Proxy(repo, {
    get(target, prop) {
      if (prop === 'writeBatch') return writeBatch;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Every current resource of the data-set types on the server. */
export async function serverResources(s: MedplumServer): Promise<Resource[]> {
  const out: Resource[] = [];
  for (const type of SYNC_TYPES) out.push(...(await s.all(type)));
  return out;
}

/** The references among `resources` that point at none of them (a push must leave none). */
export function unresolvedReferences(resources: Resource[]): string[] {
  const ids = new Set(resources.map((r) => `${r.resourceType}/${r.id}`));
  const out: string[] = [];
  for (const r of resources) {
    for (const match of JSON.stringify(r).match(/"reference":"[^"]+"/g) ?? []) {
      const reference = match.slice('"reference":"'.length, -1);
      const parsed = parseReference(reference);
      if (!parsed || !ids.has(`${parsed.resourceType}/${parsed.id}`)) out.push(reference);
    }
  }
  return out;
}

/** Vault A with `patients` of the data set pushed to `server` (profile `m`), and an empty vault B with the same profile. */
export async function pushedAndEmpty(server: MedplumServer, patients: number): Promise<{ repoA: MemoryRepository; a: SyncService; repoB: MemoryRepository; b: SyncService }> {
  const repoA = new MemoryRepository();
  await seed(repoA, dataSet(patients));
  const a = newService(repoA);
  await a.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'none' } });
  await a.push('m', { mode: 'changed' });
  const repoB = new MemoryRepository();
  const b = newService(repoB);
  await b.saveProfile({ name: 'm', baseUrl: server.baseUrl, auth: { kind: 'none' } });
  return { repoA, a, repoB, b };
}
