/**
 * The differential corpus: Synthea patient bundles from ../shared/data/synthea/r4-bundles, a fixed
 * seeded selection (file names sorted, shuffled with CORPUS_SEED, taken in that order until at
 * least MIN_RESOURCES entries), imported into Hearth's memory repository through the importer
 * (one atomic batch per transaction Bundle, urn:uuid and conditional references resolved), then
 * read back so that Medplum receives exactly what Hearth stored; plus a small seeded supplement for
 * the number parameters (numberSupplement).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MolecularSequence, Patient, Resource, RiskAssessment } from '@medplum/fhirtypes';
import type { WriteOp } from '../../../../src-main/fhir/repository';
import { MemoryRepository } from '../../../../src-main/fhir/memory-repository';
import { runImport } from '../../../../src-main/io/importer';
import { repoRoot } from '../../io/paths';
import { mulberry32, shuffle } from './random';

export const syntheaDir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
export const specParametersPath = path.resolve(repoRoot, '../shared/data/fhir-r4/search-parameters.json');
export const corpusPresent = existsSync(syntheaDir) && existsSync(specParametersPath);

const CORPUS_SEED = 20261126;
export const MIN_RESOURCES = 5000;

export interface Corpus {
  files: string[];
  repository: MemoryRepository;
  resources: Resource[];
  importMs: number;
}

export function selectBundles(): { files: string[]; entries: number } {
  const names = readdirSync(syntheaDir).filter((f) => f.endsWith('.json')).sort();
  const files: string[] = [];
  let entries = 0;
  for (const name of shuffle(names, mulberry32(CORPUS_SEED))) {
    if (entries >= MIN_RESOURCES) break;
    const file = path.join(syntheaDir, name);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as { entry?: unknown[] };
    entries += bundle.entry?.length ?? 0;
    files.push(file);
  }
  return { files, entries };
}

/**
 * Synthea writes no element that a number parameter reads (search.html#number: RiskAssessment
 * probability, MolecularSequence variant/window coordinates, ChargeItem factorOverride), so the
 * corpus adds, per patient, seeded RiskAssessments (probabilities of 1 to 3 decimals, with a
 * meta.profile and meta.source for the uri parameters Synthea leaves empty too) and one
 * MolecularSequence, stored through the same write path. The first RiskAssessment's subject also
 * carries the patient's identifier, for `:identifier`.
 */
function numberSupplement(patients: readonly Patient[]): WriteOp[] {
  const random = mulberry32(CORPUS_SEED + 1);
  const ops: WriteOp[] = [];
  for (const patient of patients) {
    const id = patient.id ?? '';
    const subject = { reference: `Patient/${id}` };
    // The first assessment's subject also carries the patient's first identifier (search.html#modifiers
    // `:identifier` reads Reference.identifier, which Synthea never writes).
    const first = patient.identifier?.[0];
    const identifier = first?.system !== undefined && first.value !== undefined ? { system: first.system, value: first.value } : undefined;
    for (let i = 0; i < 3; i++) {
      const decimals = 1 + Math.floor(random() * 3);
      const probability = Number(random().toFixed(decimals));
      const risk: RiskAssessment = {
        resourceType: 'RiskAssessment',
        // Synthea sets no uri element either: a profile and a source give _profile and _source values.
        meta: { profile: [`http://example.org/fhir/StructureDefinition/risk-${i}`], source: `http://example.org/simulator/run-${Math.floor(random() * 5)}` },
        status: 'final',
        subject: i === 0 && identifier ? { ...subject, identifier } : subject,
        occurrenceDateTime: new Date(Date.UTC(2000 + Math.floor(random() * 20), Math.floor(random() * 12), 1 + Math.floor(random() * 28))).toISOString(),
        prediction: [{ probabilityDecimal: probability }],
      };
      ops.push({ kind: 'create', resource: risk });
    }
    const start = Math.floor(random() * 100_000);
    const sequence: MolecularSequence = {
      resourceType: 'MolecularSequence',
      coordinateSystem: 0,
      patient: subject,
      referenceSeq: { genomeBuild: 'GRCh38', chromosome: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/chromosome-human', code: '1' }] }, windowStart: start, windowEnd: start + 1 + Math.floor(random() * 1000) },
      variant: [{ start: start + 10, end: start + 11 + Math.floor(random() * 50) }],
    };
    ops.push({ kind: 'create', resource: sequence });
  }
  return ops;
}

export async function loadCorpus(): Promise<Corpus> {
  const { files } = selectBundles();
  const repository = new MemoryRepository();
  const started = performance.now();
  const result = await runImport({ repository, sources: files.map((p) => ({ kind: 'path' as const, path: p })) });
  const importMs = performance.now() - started;
  if (result.failed > 0) throw new Error(`${result.failed} corpus resources failed to import`);
  const patients = (await repository.list('Patient', { offset: 0, count: 1000 })).resources;
  const outcomes = await repository.writeBatch(numberSupplement(patients.filter((p): p is Patient => p.resourceType === 'Patient')), { atomic: true });
  if (outcomes.some((o) => o.status !== 'created')) throw new Error('the number supplement failed to store');
  const resources: Resource[] = [];
  for (const { resourceType } of await repository.counts()) {
    for (let offset = 0; ; offset += 1000) {
      const page = await repository.list(resourceType, { offset, count: 1000 });
      resources.push(...page.resources);
      if (page.resources.length < 1000) break;
    }
  }
  return { files: files.map((f) => path.basename(f)), repository, resources, importMs };
}
