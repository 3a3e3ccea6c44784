/**
 * The compiled validator (src-main/fhir/definitions/compiled-validator.ts) against the reference
 * validator (@medplum/core's, with our corrections: structure-validator.ts). Whenever the compiled one
 * answers, its issues must be exactly the reference's (validation.html#structure); when it is unsure
 * it must say so (undefined), never accept what the reference refuses. Checked on every R4 example,
 * on Synthea resources, on the broken-resource table and on seeded random mutations of valid resources.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { compiledIssues } from '../../../src-main/fhir/definitions/compiled-validator';
import { referenceStructuralIssues, structuralIssues } from '../../../src-main/fhir/definitions/structure-validator';
import { isResourceType } from '../../../src-main/fhir/resource-types';
import { resourceProblems } from '../../../src-main/fhir/validation';
import { BROKEN_CASES } from './validation.cases';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const examplesDir = path.resolve(repoRoot, '../shared/data/fhir-r4/examples');
const syntheaDir = path.resolve(repoRoot, '../shared/data/synthea/r4-bundles');

/** Issues in a canonical order: the two validators walk in different orders ($validate lists them unordered). */
function canonical(issues: readonly OperationOutcomeIssue[]): string[] {
  return issues.map((i) => JSON.stringify([i.severity, i.code, i.expression, i.diagnostics])).sort();
}

interface Tally {
  compared: number;
  certified: number;
  refused: number;
}

/** Compares the two on one resource (whose envelope must be sound); returns whether each one answered. */
function compare(resource: Resource, label: string, tally: Tally): void {
  if (resourceProblems(resource).length > 0) return;
  tally.compared++;
  const reference = referenceStructuralIssues(resource, isResourceType);
  const compiled = compiledIssues(resource, isResourceType);
  if (reference.some((i) => i.severity === 'error')) tally.refused++;
  if (compiled === undefined) return;
  tally.certified++;
  expect(canonical(compiled), label).toEqual(canonical(reference));
}

let examples: readonly { file: string; resource: Resource }[] | undefined;

/** The R4 examples (95 MB of JSON), read and parsed once for the file: two tests use them, and neither changes them. */
function readExamples(): readonly { file: string; resource: Resource }[] {
  examples ??= readdirSync(examplesDir)
    .filter((f) => f.endsWith('.json') && f !== 'package.json')
    .sort()
    .map((file) => ({ file, resource: JSON.parse(readFileSync(path.join(examplesDir, file), 'utf8')) as Resource }));
  return examples;
}

function readSynthea(bundles: number): Resource[] {
  const resources: Resource[] = [];
  for (const file of readdirSync(syntheaDir).sort().slice(0, bundles)) {
    const bundle = JSON.parse(readFileSync(path.join(syntheaDir, file), 'utf8')) as { entry?: { resource: Resource }[] };
    for (const entry of bundle.entry ?? []) resources.push(entry.resource);
  }
  return resources;
}

/** Mulberry32: a small seeded generator, so a failing mutant can be reproduced. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Container = Record<string, unknown> | unknown[];

/** Every (container, key) slot in a JSON value, the resource's own resourceType excepted. */
function slots(value: unknown, into: [Container, string | number][] = [], isRoot = true): [Container, string | number][] {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      into.push([value, i]);
      slots(item, into, false);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (!(isRoot && key === 'resourceType')) into.push([value as Record<string, unknown>, key]);
      slots(child, into, false);
    }
  }
  return into;
}

/** Replacements that break (or sometimes keep) a value: wrong JSON types, empties, bad formats, bad references. */
const REPLACEMENTS: unknown[] = [
  null, '', ' ', [], {}, 7, -1, 1.5, 2147483648, true, 'x', 'a  b', '2020-13-01', '2020-02-30', '2020-01-01T25:00:00Z',
  'urn:uuid:2ea4e1a4-6b11-4ae4-8c5b-3f8c3f9d2b7e', 'Patient/1', 'Nope/1', '#c', 'not a reference', 'http://example.org/a b',
  { resourceType: 'Patient' }, { reference: 'Patient/x' }, { reference: 'Organization/x' }, { url: 'http://example.org/e' },
  { url: 'http://example.org/e', valueString: 'v', extension: [{ url: 'http://example.org/f', valueBoolean: true }] },
  { coding: [{ system: 'http://example.org/s', code: 'c' }] }, { value: 1, units: 'kg' }, [null], ['a', null], { id: 'x' },
];

/** Candidate `_x` values (json.html#primitive), valid and not. */
const PRIMITIVE_EXTENSIONS: unknown[] = [
  { extension: [{ url: 'http://example.org/p', valueString: 'p' }] },
  { id: 'a1' },
  { id: 'a1', extension: [{ url: 'http://example.org/p', valueReference: { reference: 'Patient/1' } }] },
  { extension: [{ url: 'http://example.org/p', valueCode: 'a  b' }] },
  { extension: [{ url: 'http://example.org/p' }] },
  { extension: [] },
  {},
  { foo: 1 },
  'x',
  [{ id: 'b' }],
];

function mutate(resource: Resource, next: () => number): Resource {
  const copy = structuredClone(resource);
  const all = slots(copy);
  if (all.length === 0) return copy;
  const [container, key] = all[Math.floor(next() * all.length)]!;
  const pick = next();
  if (Array.isArray(container)) {
    const index = key as number;
    if (pick < 0.15) container.splice(index, 1);
    else if (pick < 0.25) container.push(structuredClone(container[index]));
    else container[index] = structuredClone(REPLACEMENTS[Math.floor(next() * REPLACEMENTS.length)]);
    return copy;
  }
  const name = key as string;
  const value = container[name];
  if (pick < 0.15) delete container[name];
  else if (pick < 0.26) {
    const extension = structuredClone(PRIMITIVE_EXTENSIONS[Math.floor(next() * PRIMITIVE_EXTENSIONS.length)]);
    container[`_${name}`] = Array.isArray(value) && next() < 0.7 ? value.map((_v, i) => (i % 2 === 0 ? extension : null)) : extension;
  }
  else if (pick < 0.32) container[Array.isArray(value) ? name : `${name}X`] = Array.isArray(value) ? value[0] : value;
  else if (pick < 0.36) container[name] = [value];
  else if (pick < 0.42) container[`${name}Boolean`] = true;
  else if (pick < 0.46) container.resourceType = 'Patient';
  else container[name] = structuredClone(REPLACEMENTS[Math.floor(next() * REPLACEMENTS.length)]);
  return copy;
}

describe('compiled validator: the same issues as the reference validator', () => {
  it('defers on every broken resource of the table (or reports exactly its issues)', () => {
    const tally: Tally = { compared: 0, certified: 0, refused: 0 };
    for (const broken of BROKEN_CASES) compare(structuredClone(broken.resource) as Resource, broken.name, tally);
    // The envelope cases stop before structure; every other case is refused by the reference.
    expect(tally.compared).toBeGreaterThan(130);
    expect(tally.refused).toBe(tally.compared);
  });

  it('certifies small valid resources without the reference validator', () => {
    const valid: Resource[] = [
      { resourceType: 'Patient', gender: 'female', birthDate: '1980-02-29', name: [{ family: 'A', given: ['B'] }] },
      { resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1.5, unit: 'kg' }, subject: { reference: 'Patient/p' } },
      { resourceType: 'Patient', extension: [{ url: 'http://example.org/e', valueString: 'v' }], contained: [{ resourceType: 'Organization', id: 'o', name: 'O' }], managingOrganization: { reference: '#o' } },
    ];
    for (const resource of valid) expect(compiledIssues(resource, isResourceType), resource.resourceType).toEqual([]);
    // The reference's one warning on clean resources (a target type the element does not allow) is reproduced.
    const wrongTarget: Resource = { resourceType: 'Patient', managingOrganization: { reference: 'Patient/1' } };
    expect(canonical(compiledIssues(wrongTarget, isResourceType) ?? [])).toEqual(canonical(referenceStructuralIssues(wrongTarget, isResourceType)));
    expect(compiledIssues(wrongTarget, isResourceType)).toHaveLength(1);
  });

  it('remembers resource invariant verdicts only by the elements they read (con-5, ait-1, ait-2)', () => {
    // con-5: no clinicalStatus when entered-in-error; ait-1: clinicalStatus unless entered-in-error;
    // ait-2: no clinicalStatus when entered-in-error. Equal read elements with other data around them,
    // then the verdict flipped by one read element alone, in both orders: every answer is the reference's.
    const conditionStatus = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code }] });
    const allergyStatus = (code: string) => ({ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code }] });
    const active = (system: string) => ({ coding: [{ system, code: 'active' }] });
    const conditionClinical = active('http://terminology.hl7.org/CodeSystem/condition-clinical');
    const allergyClinical = active('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical');
    const subject = { reference: 'Patient/p' };
    const sequence: Resource[] = [];
    for (const note of ['a', 'b']) {
      sequence.push(
        { resourceType: 'Condition', subject, clinicalStatus: conditionClinical, verificationStatus: conditionStatus('confirmed'), note: [{ text: note }] } as Resource,
        { resourceType: 'Condition', subject, clinicalStatus: conditionClinical, verificationStatus: conditionStatus('entered-in-error'), note: [{ text: note }] } as Resource,
        { resourceType: 'Condition', subject, verificationStatus: conditionStatus('entered-in-error'), note: [{ text: note }] } as Resource,
        { resourceType: 'AllergyIntolerance', patient: subject, clinicalStatus: allergyClinical, verificationStatus: allergyStatus('confirmed'), note: [{ text: note }] } as Resource,
        { resourceType: 'AllergyIntolerance', patient: subject, verificationStatus: allergyStatus('confirmed'), note: [{ text: note }] } as Resource,
        { resourceType: 'AllergyIntolerance', patient: subject, clinicalStatus: allergyClinical, verificationStatus: allergyStatus('entered-in-error'), note: [{ text: note }] } as Resource,
        { resourceType: 'AllergyIntolerance', patient: subject, verificationStatus: allergyStatus('entered-in-error'), note: [{ text: note }] } as Resource,
      );
    }
    const tally: Tally = { compared: 0, certified: 0, refused: 0 };
    for (const [i, resource] of [...sequence, ...sequence.reverse()].entries()) compare(resource, `sequence ${i}`, tally);
    expect(tally.refused).toBe(12);
    expect(tally.certified).toBe(16);
  });

  it('agrees on seeded random mutations of valid resources', () => {
    const bases: Resource[] = [
      { resourceType: 'Patient', id: 'p', active: true, gender: 'male', birthDate: '1974-12-25', name: [{ use: 'official', family: 'Chalmers', given: ['Peter', 'James'] }], telecom: [{ system: 'phone', value: '555' }], managingOrganization: { reference: 'Organization/1' }, extension: [{ url: 'http://example.org/e', valueCode: 'c' }], contact: [{ name: { family: 'X' } }] } as Resource,
      { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'urn:uuid:2ea4e1a4-6b11-4ae4-8c5b-3f8c3f9d2b7e' }, effectiveDateTime: '2020-01-01T10:00:00Z', valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' }, component: [{ code: { text: 'x' }, valueString: 'a' }] } as Resource,
      { resourceType: 'Encounter', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, period: { start: '2020-01-01', end: '2020-01-02' }, participant: [{ individual: { reference: 'Practitioner/1' } }] } as Resource,
      { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:2ea4e1a4-6b11-4ae4-8c5b-3f8c3f9d2b7e', resource: { resourceType: 'Patient', gender: 'other' } }] } as Resource,
    ];
    if (existsSync(examplesDir)) {
      // Small instance examples: mutants of the large conformance resources cost much and add little.
      const small = readExamples().filter(({ resource }) => JSON.stringify(resource).length < 6000);
      for (let i = 0; i < small.length; i += 20) bases.push(small[i]!.resource);
    }
    if (existsSync(syntheaDir)) {
      const synthea = readSynthea(1);
      for (let i = 0; i < synthea.length; i += 7) bases.push(synthea[i]!);
    }
    const next = random(20261126);
    const tally: Tally = { compared: 0, certified: 0, refused: 0 };
    // Without ../shared only the four hand-made bases remain: more mutants each keep the run meaningful.
    const mutantsPerBase = bases.length > 20 ? 8 : 60;
    for (const [b, base] of bases.entries()) {
      for (let m = 0; m < mutantsPerBase; m++) {
        const mutant = mutate(base, next);
        if (next() < 0.3) Object.assign(mutant, mutate(mutant, next));
        compare(mutant, `mutant ${m} of base ${b} (${base.resourceType})`, tally);
      }
    }
    // The mutants must exercise both answers: some still valid (certified), many refused.
    expect(tally.certified).toBeGreaterThan(bases.length > 20 ? 50 : 5);
    expect(tally.refused).toBeGreaterThan(tally.compared / 3);
  }, 120_000);

  const examplesPresent = existsSync(examplesDir);
  if (!examplesPresent) console.warn(`${examplesDir} not found: the comparison on the R4 examples is skipped`);
  // Every other example in `npm test` (the reference validator is most of this file's time; the
  // write path already validates every example in examples.*.test.ts); HEARTH_ALL_EXAMPLES=1 compares all.
  const exampleStride = process.env.HEARTH_ALL_EXAMPLES === '1' ? 1 : 2;
  it.skipIf(!examplesPresent)('agrees on the R4 examples, and certifies nearly all the valid ones', () => {
    const tally: Tally = { compared: 0, certified: 0, refused: 0 };
    readExamples().forEach(({ file, resource }, index) => {
      if (index % exampleStride === 0) compare(resource, file, tally);
    });
    expect(tally.compared).toBeGreaterThan(5000 / exampleStride);
    // Deferred valid examples are those with primitive extensions (`_x`) and similar shapes (docs/validation.md).
    expect(tally.certified).toBeGreaterThan(0.95 * (tally.compared - tally.refused));
  }, 180_000);

  const syntheaPresent = existsSync(syntheaDir);
  if (!syntheaPresent) console.warn(`${syntheaDir} not found: the comparison on Synthea is skipped`);
  it.skipIf(!syntheaPresent)('agrees on Synthea resources and certifies every one of them', () => {
    const tally: Tally = { compared: 0, certified: 0, refused: 0 };
    const resources = readSynthea(3);
    for (const resource of resources) compare(resource, `${resource.resourceType}/${resource.id}`, tally);
    expect(tally.compared).toBe(resources.length);
    expect(tally.refused).toBe(0);
    expect(tally.certified).toBe(tally.compared);
  }, 120_000);

  it('structuralIssues (the write path) answers as the reference on valid and broken resources alike', () => {
    for (const broken of BROKEN_CASES.slice(9)) {
      const resource = structuredClone(broken.resource) as Resource;
      expect(canonical(structuralIssues(resource, isResourceType)), broken.name).toEqual(canonical(referenceStructuralIssues(resource, isResourceType)));
    }
  });
});
