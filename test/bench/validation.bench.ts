/**
 * `npx tsx test/bench/validation.bench.ts`: the cost of structural validation (docs/validation.md).
 * Measures the first call (loading the StructureDefinitions and the value sets) in a fresh process,
 * then the per-resource time of `writeProblems` and of @medplum/core's validator alone on the R4
 * examples (../shared/data/fhir-r4/examples): the instance examples, and small typical resources.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { medplumCore } from '../../src-main/fhir/definitions/medplum-core';
import { structureDefinitionsLoadMs } from '../../src-main/fhir/definitions/structure-definitions';
import { writeProblems } from '../../src-main/fhir/validation';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examplesDir = path.resolve(repoRoot, '../shared/data/fhir-r4/examples');
const CONFORMANCE = new Set(['SearchParameter', 'ValueSet', 'CodeSystem', 'StructureDefinition', 'ConceptMap', 'OperationDefinition', 'CapabilityStatement', 'CompartmentDefinition', 'ImplementationGuide', 'NamingSystem', 'StructureMap', 'TerminologyCapabilities', 'GraphDefinition', 'MessageDefinition']);

function perResourceMs(resources: readonly Resource[], fn: (r: Resource) => void, rounds: number): number {
  const started = performance.now();
  for (let round = 0; round < rounds; round++) for (const r of resources) fn(r);
  return (performance.now() - started) / (rounds * resources.length);
}

const firstStarted = performance.now();
writeProblems({ resourceType: 'Patient', gender: 'male' });
const firstCallMs = performance.now() - firstStarted;
console.log(`first call (definitions + value sets + warm-up): ${firstCallMs.toFixed(0)} ms, of which StructureDefinitions ${structureDefinitionsLoadMs()?.toFixed(0)} ms`);

if (!existsSync(examplesDir)) {
  console.log(`${examplesDir} not found: per-resource figures skipped`);
} else {
  const all = readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .map((f) => JSON.parse(readFileSync(path.join(examplesDir, f), 'utf8')) as Resource);
  const instances = all.filter((r) => !CONFORMANCE.has(r.resourceType));
  const typical = instances.filter((r) => ['Patient', 'Observation', 'Condition', 'Encounter', 'MedicationRequest', 'Procedure'].includes(r.resourceType));
  const core = medplumCore();
  const medplumOnly = (r: Resource) => {
    try {
      core.validateResource(r);
    } catch {
      // Only the time counts here.
    }
  };
  for (const [name, set] of [['instance examples', instances], ['Patient/Observation/Condition/Encounter/MedicationRequest/Procedure', typical]] as const) {
    perResourceMs(set, (r) => writeProblems(r), 1);
    const ours = perResourceMs(set, (r) => writeProblems(r), 5);
    const medplum = perResourceMs(set, medplumOnly, 5);
    console.log(`${name} (${set.length}): writeProblems ${ours.toFixed(3)} ms/resource; @medplum/core validateResource alone ${medplum.toFixed(3)} ms/resource`);
  }
  const allStarted = performance.now();
  for (const r of all) writeProblems(r);
  console.log(`all ${all.length} examples, conformance resources included: ${((performance.now() - allStarted) / 1000).toFixed(1)} s`);
}
