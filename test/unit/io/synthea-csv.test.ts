/**
 * Issue 4 §2/§4: a Synthea CSV folder (../shared/data/synthea/csv, 27 patients, 18 tables) imports
 * with zero errors, one resource per row (imaging studies grouped by study), references that
 * resolve, and no change on a second import.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Observation, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { runImport } from '../../../src-main/io/importer';
import { SYNTHEA_TABLES } from '../../../src-main/io/synthea-csv';

const csvDir = path.resolve(__dirname, '../../../../shared/data/synthea/csv');

describe.skipIf(!existsSync(csvDir))(`Synthea CSV folder (${csvDir})`, () => {
  it('imports every table with zero errors, one resource per row, references resolved, idempotent', async () => {
    const repo = new MemoryRepository();
    const result = await runImport({ repository: repo, sources: [{ kind: 'path', path: csvDir }] });
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.files.every((file) => file.problem === undefined)).toBe(true);

    const rowsOf = (table: string) => parse(readFileSync(path.join(csvDir, `${table}.csv`), 'utf8'), { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
    for (const table of SYNTHEA_TABLES) {
      const summary = result.files.find((file) => path.basename(file.file) === `${table}.csv`);
      expect(summary, table).toBeDefined();
      const rows = rowsOf(table);
      const expected = table === 'imaging_studies' ? new Set(rows.map((row) => row.Id)).size : rows.length;
      expect(summary!.records, table).toBe(expected);
      expect(summary!.created, table).toBe(expected);
    }

    // The patient and one of their lab values, as the CSV has them.
    const patientRow = rowsOf('patients')[0]!;
    const patient = (await repo.read('Patient', patientRow.Id!)) as Patient;
    expect(patient.name?.[0]?.family).toBe(patientRow.LAST);
    expect(patient.birthDate).toBe(patientRow.BIRTHDATE);
    const numeric = rowsOf('observations').find((row) => row.TYPE === 'numeric' && row.UNITS)!;
    const found = await repo.search('Observation', new URLSearchParams({ subject: `Patient/${numeric.PATIENT}`, code: `http://loinc.org|${numeric.CODE}`, date: numeric.DATE! }));
    const observation = found.entry?.map((e) => e.resource as Observation).find((o) => o.valueQuantity?.value === Number(numeric.VALUE));
    expect(observation?.valueQuantity).toMatchObject({ unit: numeric.UNITS, system: 'http://unitsofmeasure.org', code: numeric.UNITS });

    // Every Patient and Encounter reference points at an imported resource.
    const encounters = await repo.search('Encounter', new URLSearchParams({ _count: '1000' }));
    for (const entry of encounters.entry ?? []) {
      const subject = (entry.resource as { subject?: { reference?: string } }).subject?.reference;
      const [type, id] = subject!.split('/');
      await expect(repo.read(type!, id!)).resolves.toBeDefined();
    }

    const again = await runImport({ repository: repo, sources: [{ kind: 'path', path: csvDir }] });
    expect(again).toMatchObject({ created: 0, updated: 0, failed: 0, unchanged: result.created });
  }, 180_000);
});
