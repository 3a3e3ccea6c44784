/**
 * `hearth sample` (issue 4 §1): deterministic for a seed, valid FHIR R4 whose references resolve,
 * notes whose gold spans are exact and traceable to the coded resources, every annotation
 * category and trait the NLP is judged on, realistic age/sex patterns, and codes that exist in
 * the official ICD-10-CM FY2026 files and RxNorm (checked against ../shared when present).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src-main/cli/hearth';
import { resourceProblems } from '../../../src-main/fhir/validation';
import { generateSample, type SampleResult } from '../../../src-main/sample/generator';
import type { GoldEntity } from '../../../src-main/sample/note-builder';
import { CONDITIONS, FAMILY_HISTORY, PAST_EVENTS, SYMPTOMS } from '../../../src-main/sample/vocabulary/conditions';
import { MEDICATIONS } from '../../../src-main/sample/vocabulary/medications';

const repoRoot = path.resolve(__dirname, '../../..');
const terminology = path.resolve(repoRoot, '../shared/data/terminology');
const PATIENTS = 40;

interface GoldNote {
  documentReference: string;
  patient: string;
  textLength: number;
  Entities: GoldEntity[];
}

let root: string;
let first: SampleResult;
const resources = new Map<string, Resource>();
let gold: GoldNote[] = [];

function readNdjson(dir: string): Resource[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.ndjson'))
    .flatMap((name) => readFileSync(path.join(dir, name), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Resource));
}

function folderDigest(dir: string): string {
  const hash = createHash('sha256');
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const file = path.join(dir, name);
    if (name.endsWith('.ndjson') || name.endsWith('.json')) hash.update(name).update(readFileSync(file));
  }
  return hash.digest('hex');
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'hearth-sample-'));
  first = await generateSample({ patients: PATIENTS, seed: 7, outDir: path.join(root, 'a'), withGold: true });
  for (const resource of readNdjson(path.join(root, 'a'))) resources.set(`${resource.resourceType}/${resource.id}`, resource);
  gold = readFileSync(path.join(root, 'a', 'gold', 'annotations.ndjson'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as GoldNote);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function noteText(reference: string): string {
  const document = resources.get(reference);
  if (document?.resourceType !== 'DocumentReference') throw new Error(`${reference} is not a generated DocumentReference`);
  return Buffer.from(document.content[0]!.attachment.data!, 'base64').toString('utf8');
}

describe('hearth sample', () => {
  it('gives the same files for the same seed, whatever the thread count, and different ones for another seed', async () => {
    // "a" was made in this thread; "b" by two worker threads in blocks of 3 patients (blocks come back out of order).
    await generateSample({ patients: PATIENTS, seed: 7, outDir: path.join(root, 'b'), withGold: true, threads: 2, blockPatients: 3 });
    await generateSample({ patients: PATIENTS, seed: 8, outDir: path.join(root, 'c'), withGold: true });
    expect(folderDigest(path.join(root, 'b'))).toBe(folderDigest(path.join(root, 'a')));
    expect(folderDigest(path.join(root, 'c'))).not.toBe(folderDigest(path.join(root, 'a')));
  }, 120_000);

  it('writes one NDJSON file per type, a Bulk Data manifest whose counts are right, and the types the issue lists', () => {
    const manifest = JSON.parse(readFileSync(path.join(root, 'a', 'manifest.json'), 'utf8')) as { output: Array<{ type: string; url: string; count: number }> };
    const counted = new Map<string, number>();
    for (const key of resources.keys()) counted.set(key.split('/')[0]!, (counted.get(key.split('/')[0]!) ?? 0) + 1);
    for (const entry of manifest.output) expect(counted.get(entry.type), entry.type).toBe(entry.count);
    for (const type of ['Patient', 'Encounter', 'Condition', 'Observation', 'MedicationRequest', 'Procedure', 'AllergyIntolerance', 'Immunization', 'DiagnosticReport', 'DocumentReference']) {
      expect(counted.get(type) ?? 0, type).toBeGreaterThan(0);
    }
    expect(first.resources).toBe(resources.size);
    expect(first.patientsDone).toBe(PATIENTS);
  });

  it('writes valid R4 resources whose references all resolve inside the sample', () => {
    const invalid: string[] = [];
    const dangling: string[] = [];
    for (const [key, resource] of resources) {
      const problems = resourceProblems(resource);
      if (problems.length > 0) invalid.push(`${key}: ${problems[0]!.diagnostics ?? ''}`);
      const text = JSON.stringify(resource);
      for (const match of text.matchAll(/"reference":"([A-Za-z]+\/[A-Za-z0-9.-]+)"/g)) {
        if (!resources.has(match[1]!)) dangling.push(`${key} → ${match[1]}`);
      }
    }
    expect(invalid.slice(0, 5)).toEqual([]);
    expect(dangling.slice(0, 5)).toEqual([]);
  });

  it('annotates every span exactly, in every category and trait the NLP is judged on', () => {
    const categories = new Set<string>();
    const traits = new Set<string>();
    const types = new Set<string>();
    let spans = 0;
    for (const note of gold) {
      const text = noteText(note.documentReference);
      expect(text.length).toBe(note.textLength);
      for (const entity of note.Entities) {
        expect(text.slice(entity.BeginOffset, entity.EndOffset)).toBe(entity.Text);
        categories.add(entity.Category);
        types.add(entity.Type);
        for (const trait of entity.Traits) traits.add(trait.Name);
        for (const attribute of entity.Attributes ?? []) {
          expect(text.slice(attribute.BeginOffset, attribute.EndOffset)).toBe(attribute.Text);
          types.add(attribute.Type);
        }
        spans++;
      }
    }
    expect(spans).toBeGreaterThan(1000);
    expect([...categories].sort()).toEqual([
      'ANATOMY', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', 'MEDICAL_CONDITION', 'MEDICATION', 'PROTECTED_HEALTH_INFORMATION', 'TEST_TREATMENT_PROCEDURE', 'TIME_EXPRESSION',
    ]);
    for (const trait of ['NEGATION', 'HYPOTHETICAL', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'FUTURE', 'SIGN', 'SYMPTOM', 'DIAGNOSIS']) expect(traits, trait).toContain(trait);
    for (const type of ['DX_NAME', 'GENERIC_NAME', 'BRAND_NAME', 'STRENGTH', 'ROUTE_OR_MODE', 'FREQUENCY', 'TEST_NAME', 'TEST_VALUE', 'TEST_UNIT', 'PROCEDURE_NAME', 'SYSTEM_ORGAN_SITE', 'DIRECTION', 'NAME', 'AGE', 'DATE', 'ID', 'PROFESSION', 'TOBACCO', 'ALCOHOL']) {
      expect(types, type).toContain(type);
    }
  });

  it('traces every sourced annotation to a resource of the same patient with the same code', () => {
    let checked = 0;
    for (const note of gold) {
      const text = noteText(note.documentReference);
      const patient = resources.get(note.patient);
      expect(patient?.resourceType).toBe('Patient');
      for (const entity of note.Entities) {
        if (!entity.Source) continue;
        const source = resources.get(entity.Source);
        expect(source, entity.Source).toBeDefined();
        const json = JSON.stringify(source);
        expect(json).toContain(`"reference":"${note.patient}"`);
        const code = entity.ICD10CMConcepts?.[0]?.Code ?? entity.Codes?.[0]?.Code;
        if (code && source?.resourceType !== 'Observation') expect(json, `${entity.Source} codes ${code}`).toContain(`"code":"${code}"`);
        if (entity.RxNormConcepts && source?.resourceType === 'MedicationRequest') {
          const medication = MEDICATIONS.find((m) => m.scdRxcui === source.medicationCodeableConcept?.coding?.[0]?.code)!;
          expect([medication.scdRxcui, medication.ingredientRxcui]).toContain(entity.RxNormConcepts[0]!.Code);
        }
        checked++;
      }
      // PHI in the header is the patient's own.
      if (patient?.resourceType === 'Patient') expect(text).toContain(patient.identifier![0]!.value!);
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('draws realistic populations: both sexes, all ages, chronic disease rising with age', async () => {
    const dir = path.join(root, 'population');
    await generateSample({ patients: 400, seed: 'population', outDir: dir, historyYears: 2 });
    const all = readNdjson(dir);
    const patients = all.filter((r) => r.resourceType === 'Patient');
    const female = patients.filter((p) => p.resourceType === 'Patient' && p.gender === 'female').length / patients.length;
    expect(female).toBeGreaterThan(0.4);
    expect(female).toBeLessThan(0.62);
    const ageOf = new Map(patients.map((p) => [`Patient/${p.id}`, 2026 - Number(p.resourceType === 'Patient' ? p.birthDate!.slice(0, 4) : 0)]));
    const ages = [...ageOf.values()];
    expect(Math.min(...ages)).toBeLessThan(18);
    expect(Math.max(...ages)).toBeGreaterThanOrEqual(80);
    const hypertensive = new Set(all.filter((r) => r.resourceType === 'Condition' && r.code?.coding?.some((c) => c.code === 'I10')).map((r) => (r.resourceType === 'Condition' ? r.subject.reference! : '')));
    const rate = (min: number, max: number) => {
      const group = [...ageOf].filter(([, age]) => age >= min && age <= max);
      return group.filter(([ref]) => hypertensive.has(ref)).length / Math.max(1, group.length);
    };
    expect(rate(60, 120)).toBeGreaterThan(rate(18, 39));
  }, 120_000);

  it('refuses bad options and a folder that already holds a sample (CLI)', async () => {
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => out.push(text), env: {} };
    const dir = path.join(root, 'cli');
    expect(await runCli(['sample', '--patients', '3', '--seed', 'cli', '--out', dir, '--with-gold'], io, repoRoot)).toBe(0);
    expect(out.join('')).toMatch(/patients: 3\nresources: \d+/);
    expect(existsSync(path.join(dir, 'gold', 'annotations.ndjson'))).toBe(true);
    await expect(runCli(['sample', '--patients', '3', '--seed', 'cli', '--out', dir], io, repoRoot)).rejects.toThrow(/already holds NDJSON/);
    await expect(runCli(['sample', '--patients', '0', '--seed', 'x', '--out', path.join(root, 'none')], io, repoRoot)).rejects.toThrow(/--patients must be/);
    await expect(runCli(['sample', '--patients', '2', '--out', path.join(root, 'none')], io, repoRoot)).rejects.toThrow(/missing --seed/);
    await expect(runCli(['get', '--seed', '1', 'dir', 'Patient/1'], io, repoRoot)).rejects.toThrow(/belongs to "hearth sample"/);
  }, 60_000);
});

describe('sample vocabulary against the official code lists', () => {
  const icdFile = path.join(terminology, 'icd10cm-2026/icd10cm-order-2026.txt');
  const rxDir = path.join(terminology, 'rxnorm-partial');

  it.skipIf(!existsSync(icdFile))('uses only billable ICD-10-CM FY2026 codes', () => {
    const billable = new Set<string>();
    for (const line of readFileSync(icdFile, 'utf8').split('\n')) if (line[14] === '1') billable.add(line.slice(6, 13).trim());
    const codes = [...CONDITIONS.map((c) => c.icd10cm), ...SYMPTOMS.map((s) => s.icd10cm), ...PAST_EVENTS.map((e) => e.icd10cm), ...FAMILY_HISTORY.flatMap((f) => [f.icd10cm, f.conditionIcd10cm]), 'I24.9', 'J18.9'];
    expect(codes.filter((code) => !billable.has(code.replace('.', '')))).toEqual([]);
  });

  it.skipIf(!existsSync(rxDir))('uses RxNorm RXCUIs that the partial release confirms where it covers them', () => {
    const table = (file: string) => new Map(readFileSync(path.join(rxDir, file), 'utf8').trim().split('\n').slice(1).map((line) => {
      const [rxcui, , name] = line.split('\t');
      return [rxcui!, (name ?? '').toLowerCase()] as const;
    }));
    const ingredients = table('ingredients_in_pin_min.tsv');
    const drugs = table('clinical_drugs_scd_sbd.tsv');
    const synthea = new Map(readFileSync(path.join(rxDir, 'synthea_rxnorm_codes.tsv'), 'utf8').trim().split('\n').slice(1).map((line) => [line.split('\t')[0]!, line.split('\t')[1]!.toLowerCase()] as const));
    const wrong: string[] = [];
    for (const m of MEDICATIONS) {
      // The partial release lacks ingredients starting with "A" (../shared/README.md).
      if (!m.ingredient.toLowerCase().startsWith('a')) {
        if (ingredients.get(m.ingredientRxcui) !== m.ingredient.toLowerCase()) wrong.push(`${m.ingredient} IN ${m.ingredientRxcui}`);
        if ((drugs.get(m.scdRxcui) ?? synthea.get(m.scdRxcui)) !== m.scdName.toLowerCase()) wrong.push(`${m.scdName} SCD ${m.scdRxcui}`);
      } else {
        const known = drugs.get(m.scdRxcui) ?? synthea.get(m.scdRxcui);
        if (known !== undefined && known !== m.scdName.toLowerCase()) wrong.push(`${m.scdName} SCD ${m.scdRxcui}`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
