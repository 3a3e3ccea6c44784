/**
 * Issue 4 §4: everything under ../shared/data/synthea/r4-bundles (60 patients' transaction Bundles,
 * 42 MB) imports as one folder with zero errors, as `hearth import VAULT FOLDER` runs it: an
 * encrypted vault, the write-prep worker, every search parameter indexed. The `urn:uuid` references
 * between a Bundle's entries must come out as references to the stored resources. Read from
 * ../shared in place; skipped when it is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fhirProjector } from '../../../src-main/fhir/fhir-projector';
import { createVaultRepository } from '../../../src-main/fhir/vault-repository';
import { WritePrepPool } from '../../../src-main/fhir/write-prep-pool';
import { runImport } from '../../../src-main/io/importer';
import { createVault } from '../../../src-main/vault';
import type { Vault } from '../../../src-main/vault/types';
import { tempFolder, weakKdf } from '../vault/helpers';
import { syntheaDir } from './paths';

const present = existsSync(syntheaDir);
if (!present) console.warn(`skipping import-synthea-folder: ${syntheaDir} is absent`);

describe.skipIf(!present)(`importing the Synthea FHIR folder (${syntheaDir})`, () => {
  const temp = tempFolder('hearth-synthea-folder-');
  const pool = new WritePrepPool();
  let vault: Vault | undefined;

  beforeAll(async () => {
    pool.start();
    while (!pool.ready) await new Promise((resolve) => setTimeout(resolve, 20));
  }, 60_000);

  afterAll(async () => {
    await pool.close();
    await vault?.close();
    temp.cleanup();
  });

  it('imports all of it with zero errors, every urn:uuid reference resolved', async () => {
    const names = readdirSync(syntheaDir).filter((name) => name.endsWith('.json'));
    expect(names.length).toBeGreaterThanOrEqual(60);
    // What the Bundles hold, read apart from the importer.
    const entriesByType = new Map<string, number>();
    let entries = 0;
    let encountersWithPatientSubject = 0;
    for (const name of names) {
      const bundle = JSON.parse(readFileSync(path.join(syntheaDir, name), 'utf8')) as Bundle;
      expect(bundle.type).toBe('transaction');
      const patientUrls = new Set((bundle.entry ?? []).filter((e) => e.resource?.resourceType === 'Patient').map((e) => e.fullUrl));
      for (const entry of bundle.entry ?? []) {
        const type = entry.resource!.resourceType;
        entries++;
        if (entry.request?.method === 'POST' && !entry.request.ifNoneExist) entriesByType.set(type, (entriesByType.get(type) ?? 0) + 1);
        if (type === 'Encounter' && patientUrls.has(entry.resource!.subject?.reference)) encountersWithPatientSubject++;
      }
    }

    vault = await createVault(path.join(temp.dir, 'vault'), 'synthea folder passphrase', { projector: fhirProjector, ...weakKdf });
    const repo = createVaultRepository(vault, { preparer: pool });
    const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: syntheaDir }] });

    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.files).toHaveLength(names.length);
    for (const file of result.files) {
      expect(file.problem, file.file).toBeUndefined();
      expect(file.failed, file.file).toBe(0);
    }
    expect(result.files.reduce((sum, file) => sum + file.records, 0)).toBe(entries);
    // Conditional creates (Organizations, Practitioners, Locations shared between patients) create once.
    expect(result.created + result.unchanged + result.updated + (result.read ?? 0)).toBe(entries);

    // Every unconditional POST became a resource of its own.
    for (const [type, count] of entriesByType) {
      const stored = await repo.search(type, new URLSearchParams({ _summary: 'count' }));
      expect(stored.total, type).toBeGreaterThanOrEqual(count);
    }
    // The Encounters' `subject: urn:uuid:...` now point at the stored Patients: found by reference search.
    const patients = await repo.search('Patient', new URLSearchParams({ _count: '1000', _elements: 'id' }));
    expect(patients.entry).toHaveLength(names.length);
    let linked = 0;
    for (const entry of patients.entry ?? []) {
      const found = await repo.search('Encounter', new URLSearchParams({ subject: `Patient/${entry.resource!.id}`, _summary: 'count' }));
      linked += found.total ?? 0;
    }
    expect(linked).toBe(encountersWithPatientSubject);
    expect(linked).toBeGreaterThan(0);
  }, 300_000);
});
