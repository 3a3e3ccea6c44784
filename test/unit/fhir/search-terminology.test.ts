/**
 * Token modifiers that need terminology (search.html#modifiers): `:in`, `:not-in` over ValueSets in
 * the store or among the R4 ones, `:above`, `:below` over a stored CodeSystem's hierarchy. Both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../../../src-main/fhir/outcome-error';
import type { ResourceRepository } from '../../../src-main/fhir/repository';
import type { RepositoryFixture } from './repository.contract';
import { memoryFixture, vaultFixture } from './store-fixtures';

const CS = 'http://example.org/fhir/CodeSystem/findings';

const CORPUS: Resource[] = [
  { resourceType: 'Patient', id: 'f', gender: 'female' },
  { resourceType: 'Patient', id: 'm', gender: 'male' },
  { resourceType: 'Patient', id: 'none' },
  {
    resourceType: 'CodeSystem',
    id: 'findings',
    url: CS,
    status: 'active',
    content: 'complete',
    concept: [
      { code: 'disorder', concept: [{ code: 'heart', concept: [{ code: 'arrhythmia' }, { code: 'murmur' }] }, { code: 'lung' }] },
      { code: 'normal' },
    ],
  },
  { resourceType: 'ValueSet', id: 'listed', url: 'http://example.org/vs/listed', status: 'active', compose: { include: [{ system: CS, concept: [{ code: 'murmur' }, { code: 'lung' }] }] } },
  {
    resourceType: 'ValueSet',
    id: 'expanded',
    url: 'http://example.org/vs/expanded',
    status: 'active',
    expansion: { timestamp: '2024-01-01T00:00:00Z', contains: [{ system: CS, code: 'normal' }, { system: CS, code: 'disorder', abstract: true, contains: [{ system: CS, code: 'arrhythmia' }] }] },
  },
  {
    resourceType: 'ValueSet',
    id: 'heart',
    url: 'http://example.org/vs/heart-but-murmur',
    status: 'active',
    compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'heart' }] }], exclude: [{ system: CS, concept: [{ code: 'murmur' }] }] },
  },
  { resourceType: 'ValueSet', id: 'nested', url: 'http://example.org/vs/nested', status: 'active', compose: { include: [{ valueSet: ['http://example.org/vs/listed', 'http://example.org/vs/expanded'] }] } },
  { resourceType: 'ValueSet', id: 'regex', url: 'http://example.org/vs/regex', status: 'active', compose: { include: [{ system: CS, filter: [{ property: 'code', op: 'regex', value: 'h.*' }] }] } },
  ...['arrhythmia', 'murmur', 'lung', 'normal', 'heart'].map(
    (code): Resource => ({ resourceType: 'Condition', id: code, subject: { reference: 'Patient/f' }, code: { coding: [{ system: CS, code }] } }),
  ),
  { resourceType: 'Condition', id: 'elsewhere', subject: { reference: 'Patient/m' }, code: { coding: [{ system: 'http://snomed.info/sct', code: 'murmur' }] } },
];

function terminologySuite(name: string, makeFixture: () => Promise<RepositoryFixture>): void {
  describe(`terminology modifiers: ${name}`, () => {
    let fixture: RepositoryFixture;
    let repo: ResourceRepository;
    const ids = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource?.id ?? '').sort();
    const find = async (type: string, query: string) => ids(await repo.search(type, new URLSearchParams(query)));
    const refusal = async (type: string, query: string): Promise<string> => {
      try {
        await repo.search(type, new URLSearchParams(query));
        return 'no error';
      } catch (e) {
        if (!(e instanceof OperationOutcomeError)) throw e;
        return `${e.outcome.issue[0]?.code ?? ''}: ${e.outcome.issue[0]?.diagnostics ?? ''}`;
      }
    };

    beforeAll(async () => {
      fixture = await makeFixture();
      repo = fixture.repo;
      const outcomes = await repo.writeBatch(CORPUS.map((resource) => ({ kind: 'update', resource })));
      expect(outcomes.map((o) => o.status)).toEqual(CORPUS.map(() => 'created'));
    });
    afterAll(async () => {
      await fixture.close();
    });

    it(':in and :not-in over a stored ValueSet: listed concepts, expansion, is-a filter with exclude, nested', async () => {
      expect(await find('Condition', 'code:in=http://example.org/vs/listed')).toEqual(['lung', 'murmur']);
      expect(await find('Condition', 'code:in=http://example.org/vs/expanded')).toEqual(['arrhythmia', 'normal']);
      expect(await find('Condition', 'code:in=http://example.org/vs/heart-but-murmur')).toEqual(['arrhythmia', 'heart']);
      expect(await find('Condition', 'code:in=http://example.org/vs/nested')).toEqual(['arrhythmia', 'lung', 'murmur', 'normal']);
      expect(await find('Condition', 'code:in=http://example.org/vs/listed,http://example.org/vs/expanded')).toEqual(['arrhythmia', 'lung', 'murmur', 'normal']);
      expect(await find('Condition', 'code:not-in=http://example.org/vs/nested')).toEqual(['elsewhere', 'heart']);
      expect(await find('Patient', '_has:Condition:subject:code:in=http://example.org/vs/listed')).toEqual(['f']);
    });

    it(':in over an R4 ValueSet shipped with the definitions (code elements index no system)', async () => {
      expect(await find('Patient', 'gender:in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['f', 'm']);
      expect(await find('Patient', 'gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender')).toEqual(['none']);
    });

    it(':below and :above over the stored CodeSystem hierarchy', async () => {
      expect(await find('Condition', `code:below=${CS}|heart`)).toEqual(['arrhythmia', 'heart', 'murmur']);
      expect(await find('Condition', `code:below=${CS}|disorder`)).toEqual(['arrhythmia', 'heart', 'lung', 'murmur']);
      expect(await find('Condition', `code:above=${CS}|murmur`)).toEqual(['heart', 'murmur']);
      expect(await find('Condition', `code:above=${CS}|normal`)).toEqual(['normal']);
    });

    it('what cannot be expanded is a 400 saying why', async () => {
      expect(await refusal('Condition', 'code:in=http://example.org/vs/missing')).toMatch(/^not-supported: .*ValueSet http:\/\/example.org\/vs\/missing is not/);
      expect(await refusal('Condition', 'code:in=http://example.org/vs/regex')).toMatch(/^not-supported: .*filter "code regex"/);
      expect(await refusal('Condition', 'code:below=http://example.org/unknown|x')).toMatch(/^not-supported: .*no CodeSystem/);
      expect(await refusal('Condition', `code:below=${CS}|nonexistent`)).toMatch(/^not-supported: .*not in CodeSystem/);
      expect(await refusal('Condition', 'code:below=heart')).toMatch(/^not-supported: .*system\|code/);
    });
  });
}

terminologySuite('MemoryRepository', memoryFixture);
terminologySuite('vault repository', () => vaultFixture('hearth-search-terminology-'));
