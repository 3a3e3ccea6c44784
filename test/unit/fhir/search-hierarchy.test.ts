/**
 * `:above` / `:below` on reference parameters (search.html#recursive, hierarchies such as
 * Location.partof): on circular parameters, descendants and ancestors at any depth, ORed values,
 * a cycle that ends, the depth bound; on other parameters, the focal resource or any resource
 * below/above it in the target type's hierarchy (`Procedure?location:below=42`), and the 400 for
 * a target type without a hierarchy. Memory repository (the same SQL as the vault:
 * search/sql-query.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { HIERARCHY_PARAMS, MAX_HIERARCHY_DEPTH } from '../../../src-main/fhir/search/hierarchy';
import { searchParamsFor } from '../../../src-main/fhir/search/parameters';
import { resourceTypes } from '../../../src-main/fhir/resource-types';
import { readDefinitionFile } from '../../../src-main/fhir/definitions/definition-files';

let repo: MemoryRepository;

const location = (id: string, parent?: string): Resource => ({ resourceType: 'Location', id, name: id, ...(parent ? { partOf: { reference: `Location/${parent}` } } : {}) });

async function ids(type: string, query: string): Promise<string[]> {
  const bundle: Bundle = await repo.search(type, [...new URLSearchParams(query).entries(), ['_count', '1000']]);
  return (bundle.entry ?? [])
    .filter((e) => e.search?.mode === 'match')
    .map((e) => e.resource!.id!)
    .sort();
}

const DEEP = MAX_HIERARCHY_DEPTH + 3;

beforeAll(async () => {
  repo = new MemoryRepository();
  // root <- a <- b <- c, root <- d, other alone; x <-> y a cycle; z <- x.
  const resources: Resource[] = [
    location('root'),
    location('a', 'root'),
    location('b', 'a'),
    location('c', 'b'),
    location('d', 'root'),
    location('other'),
    location('x', 'y'),
    location('y', 'x'),
    location('z', 'x'),
    { resourceType: 'Organization', id: 'o1', name: 'top' },
    { resourceType: 'Organization', id: 'o2', name: 'mid', partOf: { reference: 'Organization/o1' } },
    { resourceType: 'Organization', id: 'o3', name: 'leaf', partOf: { reference: 'Organization/o2' } },
  ];
  // A chain deeper than the bound: deep0 <- deep1 <- ... <- deep{DEEP}.
  for (let i = 0; i <= DEEP; i++) resources.push(location(`deep${i}`, i > 0 ? `deep${i - 1}` : undefined));
  // Non-circular parameters into those hierarchies: procedures at locations, an encounter tree.
  const procedure = (id: string, at: string): Resource => ({
    resourceType: 'Procedure', id, status: 'completed', subject: { reference: 'Patient/p1' }, location: { reference: `Location/${at}` },
  });
  resources.push(procedure('at-root', 'root'), procedure('at-a', 'a'), procedure('at-c', 'c'), procedure('at-d', 'd'), procedure('at-other', 'other'), procedure('at-z', 'z'));
  const encounter = (id: string, parent?: string): Resource => ({
    resourceType: 'Encounter', id, status: 'finished', class: { code: 'IMP' }, ...(parent ? { partOf: { reference: `Encounter/${parent}` } } : {}),
  });
  resources.push(encounter('e-stay'), encounter('e-ward', 'e-stay'), encounter('e-visit', 'e-ward'), encounter('e-apart'));
  const administration = (id: string, enc: string): Resource => ({
    resourceType: 'MedicationAdministration', id, status: 'completed', medicationCodeableConcept: { text: 'x' },
    subject: { reference: 'Patient/p1' }, context: { reference: `Encounter/${enc}` }, effectiveDateTime: '2020-01-01',
  });
  resources.push(administration('ma-stay', 'e-stay'), administration('ma-ward', 'e-ward'), administration('ma-visit', 'e-visit'), administration('ma-apart', 'e-apart'));
  resources.push(
    { resourceType: 'Patient', id: 'p1' },
    { resourceType: 'Observation', id: 'obs-p1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' } },
    { resourceType: 'Observation', id: 'obs-loc-a', status: 'final', code: { text: 'x' }, subject: { reference: 'Location/a' } },
    { resourceType: 'Observation', id: 'obs-loc-c', status: 'final', code: { text: 'x' }, subject: { reference: 'Location/c' } },
  );
  await repo.writeBatch(resources.map((resource) => ({ kind: 'update', resource })));
});

describe(':below and :above on a circular reference (search.html#reference)', () => {
  it(':below: every location under the focal one, at any depth, not the focal one itself', async () => {
    expect(await ids('Location', 'partof:below=Location/root')).toEqual(['a', 'b', 'c', 'd']);
    expect(await ids('Location', 'partof:below=Location/a')).toEqual(['b', 'c']);
    expect(await ids('Location', 'partof:below=c')).toEqual([]);
    // Without the modifier: direct children only.
    expect(await ids('Location', 'partof=Location/root')).toEqual(['a', 'd']);
  });

  it(':above: every location the focal one is part of', async () => {
    expect(await ids('Location', 'partof:above=Location/c')).toEqual(['a', 'b', 'root']);
    expect(await ids('Location', 'partof:above=Location/root')).toEqual([]);
    expect(await ids('Organization', 'partof:above=Organization/o3')).toEqual(['o1', 'o2']);
    expect(await ids('Organization', 'partof:below=Organization/o1')).toEqual(['o2', 'o3']);
  });

  it('ORs comma-separated values and combines with other parameters', async () => {
    expect(await ids('Location', 'partof:below=Location/a,Location/x')).toEqual(['b', 'c', 'x', 'y', 'z']);
    expect(await ids('Location', 'partof:below=Location/root&name=c')).toEqual(['c']);
    expect(await ids('Location', 'partof:above=Location/c&_id=b,root')).toEqual(['b', 'root']);
  });

  it('a cycle ends: the members of the loop (the focal one included) and what hangs off it', async () => {
    expect(await ids('Location', 'partof:below=Location/x')).toEqual(['x', 'y', 'z']);
    expect(await ids('Location', 'partof:above=Location/z')).toEqual(['x', 'y']);
  });

  it(`stops after ${MAX_HIERARCHY_DEPTH} levels`, async () => {
    const below = await ids('Location', 'partof:below=Location/deep0');
    expect(below).toHaveLength(MAX_HIERARCHY_DEPTH);
    expect(below).toContain(`deep${MAX_HIERARCHY_DEPTH}`);
    expect(below).not.toContain(`deep${MAX_HIERARCHY_DEPTH + 1}`);
    expect(await ids('Location', `partof:above=Location/deep${DEEP}`)).toHaveLength(MAX_HIERARCHY_DEPTH);
  });

  it('refuses :above/:below on a parameter that is not circular, and a target type it cannot point at', async () => {
    const refused = async (type: string, query: string): Promise<OperationOutcomeError> => {
      try {
        await repo.search(type, [...new URLSearchParams(query).entries()]);
      } catch (e) {
        if (e instanceof OperationOutcomeError) return e;
        throw e;
      }
      throw new Error(`${type}?${query} was accepted`);
    };
    const noHierarchy = await refused('Observation', 'subject:below=Patient/1');
    expect(noHierarchy.outcome.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
    expect(noHierarchy.outcome.issue[0]?.diagnostics).toContain('Patient has none');
    expect((await refused('Observation', 'patient:above=p1')).outcome.issue[0]?.code).toBe('not-supported');
    expect((await refused('Location', 'partof:below=Patient/1')).outcome.issue[0]?.code).toBe('invalid');
    expect((await refused('Location', 'partof:above=http://x.org/Location/1')).outcome.issue[0]?.code).toBe('invalid');
    // Lenient handling: the unsupported use becomes a warning, not a silent match-all.
    const lenient = await repo.search('Observation', [['subject:below', 'Patient/1']], { handling: 'lenient' });
    expect(JSON.stringify(lenient.entry?.find((e) => e.search?.mode === 'outcome'))).toContain('strict hierarchy');
  });
});

describe(':below and :above through the target type\'s hierarchy (search.html#recursive)', () => {
  it('Procedure?location:below=X: procedures at X or at any location part of X, at any depth', async () => {
    expect(await ids('Procedure', 'location:below=Location/root')).toEqual(['at-a', 'at-c', 'at-d', 'at-root']);
    expect(await ids('Procedure', 'location:below=a')).toEqual(['at-a', 'at-c']);
    expect(await ids('Procedure', 'location:below=Location/c')).toEqual(['at-c']);
    // Without the modifier: at X only.
    expect(await ids('Procedure', 'location=Location/root')).toEqual(['at-root']);
    // A cycle ends; ORed values.
    expect(await ids('Procedure', 'location:below=Location/x')).toEqual(['at-z']);
    expect(await ids('Procedure', 'location:below=Location/b,Location/other')).toEqual(['at-c', 'at-other']);
  });

  it('Procedure?location:above=X: procedures at X or at any location X is part of', async () => {
    expect(await ids('Procedure', 'location:above=Location/c')).toEqual(['at-a', 'at-c', 'at-root']);
    expect(await ids('Procedure', 'location:above=Location/d')).toEqual(['at-d', 'at-root']);
    expect(await ids('Procedure', 'location:above=Location/other')).toEqual(['at-other']);
  });

  it('MedicationAdministration?context:above=Encounter/X (the spec\'s example): during X or any encounter X is part of', async () => {
    expect(await ids('MedicationAdministration', 'context:above=Encounter/e-visit')).toEqual(['ma-stay', 'ma-visit', 'ma-ward']);
    expect(await ids('MedicationAdministration', 'context:above=Encounter/e-ward')).toEqual(['ma-stay', 'ma-ward']);
    expect(await ids('MedicationAdministration', 'context:below=Encounter/e-stay')).toEqual(['ma-stay', 'ma-visit', 'ma-ward']);
    expect(await ids('MedicationAdministration', 'context:below=Encounter/e-apart&_id=ma-apart,ma-stay')).toEqual(['ma-apart']);
  });

  it('a parameter of several target types: a typed value walks its own type; a bare id also matches the others', async () => {
    expect(await ids('Observation', 'subject:below=Location/a')).toEqual(['obs-loc-a', 'obs-loc-c']);
    expect(await ids('Observation', 'subject:below=a')).toEqual(['obs-loc-a', 'obs-loc-c']);
    expect(await ids('Observation', 'subject:above=Location/c')).toEqual(['obs-loc-a', 'obs-loc-c']);
    // A bare id of a type without a hierarchy: that resource alone (as `subject=p1`).
    expect(await ids('Observation', 'subject:below=p1')).toEqual(['obs-p1']);
    // In a chain: procedures of patients... and observations whose subject is a location under root.
    expect(await ids('Observation', 'subject:Location.partof:below=Location/root')).toEqual(['obs-loc-a', 'obs-loc-c']);
  });

  it('HIERARCHY_PARAMS is every partOf the R4 definitions mark as a strict hierarchy, with its search parameter', () => {
    const bundle = readDefinitionFile('fhir/r4/profiles-resources.json') as {
      entry: Array<{ resource: { resourceType: string; snapshot?: { element: Array<{ path: string; type?: Array<{ extension?: Array<{ url: string; valueBoolean?: boolean }> }> }> } } }>;
    };
    const strict: string[] = [];
    for (const { resource } of bundle.entry) {
      for (const element of resource.snapshot?.element ?? []) {
        const marked = (element.type ?? []).some((t) => (t.extension ?? []).some((x) => x.url.endsWith('structuredefinition-hierarchy') && x.valueBoolean === true));
        if (marked && element.path.endsWith('.partOf')) strict.push(element.path.split('.')[0]!);
      }
    }
    expect(Object.keys(HIERARCHY_PARAMS).sort()).toEqual(strict.sort());
    for (const [type, code] of Object.entries(HIERARCHY_PARAMS)) {
      const def = searchParamsFor(type, resourceTypes()).get(code);
      expect(def?.type).toBe('reference');
      expect(def?.targets).toContain(type);
    }
  });
});
