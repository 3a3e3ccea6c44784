/**
 * `npx tsx test/bench/validation.bench.ts [synthea bundles, default 5]`: the cost of structural
 * validation (docs/validation.md), the compiled validator (the write path today) against the
 * reference validator (@medplum/core's plus our corrections: the write path before it) in the same
 * process, interleaved round by round so that load on the machine hits both alike.
 * - the first call in a fresh process (StructureDefinitions and value sets loaded);
 * - µs per resource, mean, median and p95 of single calls, new vs old, on Synthea resources
 *   (../shared/data/synthea/r4-bundles), typical clinical examples and the instance examples
 *   (../shared/data/fhir-r4/examples), with the share of resources the compiled validator answers alone;
 * - per resource type on Synthea.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { compiledIssues } from '../../src-main/fhir/definitions/compiled-validator';
import { structureDefinitionsLoadMs } from '../../src-main/fhir/definitions/structure-definitions';
import { referenceStructuralIssues } from '../../src-main/fhir/definitions/structure-validator';
import { isResourceType } from '../../src-main/fhir/resource-types';
import { resourceProblems, writeProblems } from '../../src-main/fhir/validation';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const examplesDir = path.resolve(repoRoot, '../shared/data/fhir-r4/examples');
const syntheaDir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');
const CONFORMANCE = new Set(['SearchParameter', 'ValueSet', 'CodeSystem', 'StructureDefinition', 'ConceptMap', 'OperationDefinition', 'CapabilityStatement', 'CompartmentDefinition', 'ImplementationGuide', 'NamingSystem', 'StructureMap', 'TerminologyCapabilities', 'GraphDefinition', 'MessageDefinition']);
const TYPICAL = new Set(['Patient', 'Observation', 'Condition', 'Encounter', 'MedicationRequest', 'Procedure']);
const ROUNDS = 5;

/** The write path before the compiled validator: envelope, then the reference validator's errors. */
function oldWriteProblems(resource: Resource): unknown[] {
  const envelope = resourceProblems(resource);
  if (envelope.length > 0) return envelope;
  return referenceStructuralIssues(resource, isResourceType).filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

interface Timings {
  mean: number;
  p50: number;
  p95: number;
  /** Median per resource type, µs. */
  byType: Map<string, number>;
}

function summarize(samples: Float64Array, resources: readonly Resource[]): Timings {
  const sorted = Float64Array.from(samples).sort();
  const mean = samples.reduce((a, b) => a + b, 0) / samples.length;
  const perType = new Map<string, number[]>();
  samples.forEach((us, i) => {
    const type = resources[i % resources.length]!.resourceType;
    const list = perType.get(type) ?? [];
    list.push(us);
    perType.set(type, list);
  });
  // Median per type: on a shared machine a few preempted calls would dominate a mean of few resources.
  const median = (list: number[]) => list.sort((a, b) => a - b)[Math.floor((list.length - 1) / 2)]!;
  const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!;
  return { mean, p50: at(0.5), p95: at(0.95), byType: new Map([...perType].map(([t, list]) => [t, median(list)])) };
}

/** Single-call times in µs, new and old interleaved by round (after one warm-up round each). */
function measure(resources: readonly Resource[]): { neu: Timings; old: Timings } {
  const neu = new Float64Array(resources.length * ROUNDS);
  const old = new Float64Array(resources.length * ROUNDS);
  for (const r of resources) {
    writeProblems(r);
    oldWriteProblems(r);
  }
  for (let round = 0; round < ROUNDS; round++) {
    resources.forEach((r, i) => {
      const started = performance.now();
      writeProblems(r);
      neu[round * resources.length + i] = (performance.now() - started) * 1000;
    });
    resources.forEach((r, i) => {
      const started = performance.now();
      oldWriteProblems(r);
      old[round * resources.length + i] = (performance.now() - started) * 1000;
    });
  }
  return { neu: summarize(neu, resources), old: summarize(old, resources) };
}

function answeredAlone(resources: readonly Resource[]): number {
  const sound = resources.filter((r) => resourceProblems(r).length === 0);
  return sound.filter((r) => compiledIssues(r, isResourceType) !== undefined).length / sound.length;
}

function report(name: string, resources: readonly Resource[], byType = false): void {
  const { neu, old } = measure(resources);
  const f = (us: number) => us.toFixed(0).padStart(5);
  console.log(
    `${name} (${resources.length}): new mean ${f(neu.mean)} µs p50 ${f(neu.p50)} µs p95 ${f(neu.p95)} µs | ` +
      `old mean ${f(old.mean)} µs p50 ${f(old.p50)} µs p95 ${f(old.p95)} µs | ` +
      `${(old.mean / neu.mean).toFixed(1)}x faster (mean), ${(old.p50 / neu.p50).toFixed(1)}x (p50) | compiled validator answers alone for ${(100 * answeredAlone(resources)).toFixed(1)}%`,
  );
  if (!byType) return;
  for (const [type, us] of [...neu.byType].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${type.padEnd(24)} median new ${f(us)} µs  old ${f(old.byType.get(type)!)} µs`);
  }
}

const firstStarted = performance.now();
writeProblems({ resourceType: 'Patient', gender: 'male' });
const firstCallMs = performance.now() - firstStarted;
console.log(`first call (definitions + warm-up): ${firstCallMs.toFixed(0)} ms, of which StructureDefinitions ${structureDefinitionsLoadMs()?.toFixed(0)} ms`);

if (existsSync(syntheaDir)) {
  const bundles = Number(process.argv[2] ?? 5);
  const synthea: Resource[] = [];
  for (const file of readdirSync(syntheaDir).sort().slice(0, bundles)) {
    const bundle = JSON.parse(readFileSync(path.join(syntheaDir, file), 'utf8')) as { entry?: { resource: Resource }[] };
    for (const entry of bundle.entry ?? []) synthea.push(entry.resource);
  }
  report(`Synthea, ${bundles} patients`, synthea, true);
} else {
  console.log(`${syntheaDir} not found: Synthea figures skipped`);
}

if (existsSync(examplesDir)) {
  const all = readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .sort()
    .map((f) => JSON.parse(readFileSync(path.join(examplesDir, f), 'utf8')) as Resource);
  const instances = all.filter((r) => !CONFORMANCE.has(r.resourceType));
  report('typical clinical examples (Patient, Observation, Condition, Encounter, MedicationRequest, Procedure)', instances.filter((r) => TYPICAL.has(r.resourceType)));
  report('instance examples (Bundles included)', instances);
} else {
  console.log(`${examplesDir} not found: example figures skipped`);
}
