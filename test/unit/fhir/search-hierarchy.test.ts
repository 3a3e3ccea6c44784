/**
 * `:above` / `:below` on circular reference parameters (search.html#reference, hierarchies such as
 * Location.partof): descendants and ancestors at any depth, ORed values, a cycle that ends, the
 * depth bound, and the 400 for a parameter that is not circular. Memory repository (the same SQL
 * as the vault: search/sql-query.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { MemoryRepository } from '../../../src-main/fhir/memory-repository';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import { MAX_HIERARCHY_DEPTH } from '../../../src-main/fhir/search/hierarchy';

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
    const notCircular = await refused('Observation', 'subject:below=Patient/1');
    expect(notCircular.outcome.issue[0]).toMatchObject({ severity: 'error', code: 'not-supported' });
    expect(notCircular.outcome.issue[0]?.diagnostics).toContain('circular');
    expect((await refused('Location', 'partof:below=Patient/1')).outcome.issue[0]?.code).toBe('invalid');
    expect((await refused('Location', 'partof:above=http://x.org/Location/1')).outcome.issue[0]?.code).toBe('invalid');
    // Lenient handling: the unsupported use becomes a warning, not a silent match-all.
    const lenient = await repo.search('Observation', [['subject:below', 'Patient/1']], { handling: 'lenient' });
    expect(JSON.stringify(lenient.entry?.find((e) => e.search?.mode === 'outcome'))).toContain('circular');
  });
});
