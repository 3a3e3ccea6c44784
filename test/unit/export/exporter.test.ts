/** Bulk export (src-main/export/exporter.ts) on both stores: layout, manifest, filters, formats, cancel. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bundle, Encounter, Group, Observation, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { runExport, type ExportRunOptions } from '../../../src-main/export/exporter';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import type { RepositoryFixture } from '../fhir/repository.contract';
import { memoryFixture, vaultFixture } from '../fhir/store-fixtures';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function ndjson(file: string): Resource[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Resource);
}

function idsOf(resources: Resource[]): string[] {
  return resources.map((r) => r.id ?? '').sort();
}

function observation(id: string, patientId: string): Observation {
  return { resourceType: 'Observation', id, status: 'final', code: { text: 'pulse' }, subject: { reference: `Patient/${patientId}` } };
}

/** p1 with two observations and an encounter, p2 with one observation, p3 deleted, a practitioner, Group g = {p2}. */
async function seed(repo: ResourceRepository): Promise<void> {
  const patient = (id: string): Patient => ({ resourceType: 'Patient', id, name: [{ family: id }] });
  const encounter: Encounter = { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/p1' } };
  const practitioner: Practitioner = { resourceType: 'Practitioner', id: 'dr' };
  const group: Group = { resourceType: 'Group', id: 'g', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/p2' } }, { entity: { reference: 'Patient/p3' }, inactive: true }] };
  await repo.writeBatch(
    [
      patient('p1'),
      patient('p2'),
      patient('p3'),
      observation('o1', 'p1'),
      observation('o2', 'p1'),
      observation('o3', 'p2'),
      encounter,
      practitioner,
      group,
    ].map((resource: Resource) => ({ kind: 'update' as const, resource })),
  );
  await repo.delete('Patient', 'p3');
}

function exporterSuite(name: string, makeFixture: () => Promise<RepositoryFixture>): void {
  describe(`bulk export: ${name}`, () => {
    let fixture: RepositoryFixture;
    let repo: ResourceRepository;
    let root: string;
    let counter = 0;
    const outDir = () => path.join(root, `out${++counter}`);
    const run = (options: Omit<ExportRunOptions, 'repository' | 'outDir' | 'format'> & Partial<Pick<ExportRunOptions, 'format' | 'outDir'>>) =>
      runExport({ repository: repo, outDir: outDir(), format: 'ndjson', pageSize: 2, ...options });

    beforeEach(async () => {
      fixture = await makeFixture();
      repo = fixture.repo;
      root = await mkdtemp(path.join(os.tmpdir(), 'hearth-export-'));
      await seed(repo);
    });
    afterEach(async () => {
      await fixture.close();
      await rm(root, { recursive: true, force: true });
    });

    it('writes one Type.ndjson per type and a Bulk Data manifest', async () => {
      const progress: number[] = [];
      const result = await run({ now: () => new Date('2026-11-26T10:00:00.000Z'), onProgress: (p) => progress.push(p.done) });
      expect(result.cancelled).toBe(false);
      expect(result.resources).toBe(8);
      const files = readdirSync(result.outDir).sort();
      expect(files).toEqual(['Encounter.ndjson', 'Group.ndjson', 'Observation.ndjson', 'Patient.ndjson', 'Practitioner.ndjson', 'manifest.json']);
      expect(idsOf(ndjson(path.join(result.outDir, 'Patient.ndjson')))).toEqual(['p1', 'p2']);
      expect(idsOf(ndjson(path.join(result.outDir, 'Observation.ndjson')))).toEqual(['o1', 'o2', 'o3']);
      const stored = await repo.read('Observation', 'o2');
      expect(ndjson(path.join(result.outDir, 'Observation.ndjson')).find((r) => r.id === 'o2')).toEqual(stored);

      const manifest = JSON.parse(readFileSync(path.join(result.outDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
      expect(manifest).toEqual({
        transactionTime: '2026-11-26T10:00:00.000Z',
        request: '$export?_outputFormat=application/fhir%2Bndjson',
        requiresAccessToken: false,
        output: expect.arrayContaining([
          { type: 'Patient', url: 'Patient.ndjson', count: 2 },
          { type: 'Observation', url: 'Observation.ndjson', count: 3 },
          { type: 'Encounter', url: 'Encounter.ndjson', count: 1 },
        ]),
        error: [],
      });
      expect((manifest['output'] as unknown[]).length).toBe(5);
      expect(progress.at(-1)).toBe(8);
      expect(progress.length).toBeGreaterThan(3);
    });

    it('filters by _type and _since', async () => {
      const typed = await run({ types: ['Observation', 'Practitioner'] });
      expect(typed.output.map((o) => o.type).sort()).toEqual(['Observation', 'Practitioner']);
      expect(JSON.parse(readFileSync(path.join(typed.outDir, 'manifest.json'), 'utf8')).request).toBe(
        '$export?_outputFormat=application/fhir%2Bndjson&_type=Observation,Practitioner',
      );

      await pause(5);
      const since = new Date().toISOString();
      await pause(5);
      await repo.update(observation('o2', 'p2'));
      await repo.create<Patient>({ resourceType: 'Patient', name: [{ family: 'late' }] });
      const recent = await run({ since });
      expect(recent.output.map((o) => [o.type, o.count])).toEqual([
        ['Observation', 1],
        ['Patient', 1],
      ]);
      expect(ndjson(path.join(recent.outDir, 'Observation.ndjson'))[0]).toMatchObject({ id: 'o2', subject: { reference: 'Patient/p2' } });
    });

    it('exports the Patient compartment of given patients, or of a Group', async () => {
      const one = await run({ patients: ['p1'] });
      const byType = Object.fromEntries(one.output.map((o) => [o.type, idsOf(ndjson(path.join(one.outDir, o.url)))]));
      expect(byType).toEqual({ Patient: ['p1'], Observation: ['o1', 'o2'], Encounter: ['e1'] });
      expect(JSON.parse(readFileSync(path.join(one.outDir, 'manifest.json'), 'utf8')).request).toBe('Patient/$export?_outputFormat=application/fhir%2Bndjson&patient=Patient/p1');

      const both = await run({ patients: ['p1', 'p2'], types: ['Observation'] });
      expect(both.output).toEqual([{ type: 'Observation', url: 'Observation.ndjson', count: 3 }]);

      const group = await run({ group: 'g' });
      const groupTypes = Object.fromEntries(group.output.map((o) => [o.type, idsOf(ndjson(path.join(group.outDir, o.url)))]));
      // p3 is an inactive member (and deleted): only p2; the Group itself is in p2's compartment (Group.member).
      expect(groupTypes).toEqual({ Patient: ['p2'], Observation: ['o3'], Group: ['g'] });

      await pause(5);
      const since = new Date().toISOString();
      await pause(5);
      await repo.update(observation('o1', 'p1'));
      const recent = await run({ patients: ['p1'], since });
      expect(recent.output).toEqual([{ type: 'Observation', url: 'Observation.ndjson', count: 1 }]);

      await expect(run({ group: 'missing' })).rejects.toThrow(OperationOutcomeError);
    });

    it('writes a FHIR collection Bundle', async () => {
      const result = await run({ format: 'bundle', types: ['Patient', 'Observation'] });
      expect(readdirSync(result.outDir)).toEqual(['bundle.json']);
      const bundle = JSON.parse(readFileSync(path.join(result.outDir, 'bundle.json'), 'utf8')) as Bundle;
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.type).toBe('collection');
      expect(bundle.timestamp).toBe(result.transactionTime);
      expect(idsOf((bundle.entry ?? []).map((e) => e.resource!))).toEqual(['o1', 'o2', 'o3', 'p1', 'p2']);
      expect(result.output).toEqual([{ type: 'Bundle', url: 'bundle.json', count: 5 }]);

      const empty = await run({ format: 'bundle', types: ['Condition'] });
      expect(JSON.parse(readFileSync(path.join(empty.outDir, 'bundle.json'), 'utf8'))).toMatchObject({ type: 'collection', entry: [] });
    });

    it('refuses bad requests and a folder that already holds an export; stops when cancelled', async () => {
      await expect(run({ types: ['Nope'] })).rejects.toThrow(/unknown resource type/);
      await expect(run({ since: 'yesterday' })).rejects.toThrow(/_since/);
      await expect(run({ patients: ['p1'], group: 'g' })).rejects.toThrow(/not both/);
      await expect(run({ patients: ['bad id!'] })).rejects.toThrow(/valid FHIR id/);
      const first = await run({});
      await expect(run({ outDir: first.outDir })).rejects.toThrow(/already holds an export/);

      const controller = new AbortController();
      controller.abort();
      const cancelled = await run({ signal: controller.signal });
      expect(cancelled.cancelled).toBe(true);
      expect(cancelled.resources).toBe(0);
      expect(existsSync(path.join(cancelled.outDir, 'manifest.json'))).toBe(false);
    });
  });
}

exporterSuite('memory store', memoryFixture);
exporterSuite('vault store', () => vaultFixture('hearth-export-vault-'));
