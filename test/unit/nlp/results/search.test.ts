/**
 * The NLP search parameters over DocumentReferences carrying results, through the repository:
 * the memory store and an encrypted vault (the same index tables and SQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bundle, DocumentReference } from '@medplum/fhirtypes';
import { withNlpResult } from '../../../../src-main/nlp/results/extensions';
import { rewriteNlpSearch } from '../../../../src-main/nlp/results/search-parameters';
import { supportedSearchParams } from '../../../../src-main/fhir/rest/capability';
import type { ResourceRepository } from '../../../../src-main/fhir/repository';
import { memoryFixture, vaultFixture } from '../../fhir/store-fixtures';
import type { RepositoryFixture } from '../../fhir/repository.contract';
import { analyzeForTest, noteWithText, TEST_VERSIONS } from './fixtures';

const NOTES: Record<string, string> = {
  htn: 'Assessment: hypertension, well controlled.',
  cp: 'Patient denies chest pain. Abdomen soft.',
  dm: 'Diabetes on metformin 500 mg.',
  both: 'Hypertension and diabetes; denies chest pain.',
};

function processed(id: string, text: string): DocumentReference {
  return withNlpResult(noteWithText(id, text), { status: 'succeeded', versions: TEST_VERSIONS, source: { ref: 'content[0]', textHash: 'x' }, entities: analyzeForTest(text) });
}

function ids(bundle: Bundle): string[] {
  return (bundle.entry ?? []).flatMap((e) => (e.search?.mode === 'match' && e.resource?.id ? [e.resource.id] : [])).sort();
}

for (const [name, open] of [
  ['memory', memoryFixture],
  ['vault', () => vaultFixture('hearth-nlp-search-')],
] as const) {
  describe(`NLP search parameters (${name} store)`, () => {
    let fixture: RepositoryFixture;
    let repo: ResourceRepository;
    const find = async (query: string) => ids(await repo.search('DocumentReference', new URLSearchParams(query)));

    beforeAll(async () => {
      fixture = await open();
      repo = fixture.repo;
      for (const [id, text] of Object.entries(NOTES)) await repo.update(processed(id, text));
      // A note without NLP results matches none of them.
      await repo.update(noteWithText('plain', 'hypertension, never analysed'));
    });
    afterAll(() => fixture.close());

    it('finds notes by ICD-10-CM and RxNorm code, with or without the system', async () => {
      expect(await find('nlp-icd10cm=I10')).toEqual(['both', 'htn']);
      expect(await find('nlp-icd10cm=http://hl7.org/fhir/sid/icd-10-cm|E11.9')).toEqual(['both', 'dm']);
      expect(await find('nlp-rxnorm=6809')).toEqual(['dm']);
      expect(await find('nlp-icd10cm=http://www.nlm.nih.gov/research/umls/rxnorm|I10')).toEqual([]);
    });

    it('leaves negated mentions out unless nlp-negated-* asks for them', async () => {
      expect(await find('nlp-icd10cm=R07.9')).toEqual([]);
      expect(await find('nlp-entity-text=chest')).toEqual([]);
      expect(await find('nlp-negated-icd10cm=R07.9')).toEqual(['both', 'cp']);
      expect(await find('nlp-negated-entity-text=chest pain')).toEqual(['both', 'cp']);
      // HealthLake's names keep HealthLake's meaning: every mention.
      expect(await find('infer-icd10cm-concept-code=R07.9')).toEqual(['both', 'cp']);
    });

    it('searches entity text, category, type, trait and score', async () => {
      expect(await find('nlp-entity-text=hyper')).toEqual(['both', 'htn']);
      expect(await find('nlp-entity-text:exact=metformin')).toEqual(['dm']);
      expect(await find('nlp-category=ANATOMY')).toEqual(['cp']);
      expect(await find('nlp-type=GENERIC_NAME')).toEqual(['dm']);
      expect(await find('nlp-trait=DIAGNOSIS')).toEqual(['both', 'htn']);
      expect(await find('nlp-score=ge0.99')).toEqual(['dm']);
      expect(await find('detectEntities-entity-category=MEDICATION')).toEqual(['dm']);
      expect(await find('infer-icd10cm-concept-description=essential')).toEqual(['both', 'htn']);
    });

    it('nlp-icd10cm with nlp-score means one mention with that code at that concept score', async () => {
      // I10 is scored 0.995, I11.9 0.3 on the same mention; E11.9 0.7.
      expect(await find('nlp-icd10cm=I10&nlp-score=ge0.99')).toEqual(['both', 'htn']);
      expect(await find('nlp-icd10cm=I11.9&nlp-score=ge0.99')).toEqual([]);
      expect(await find('nlp-icd10cm=E11.9&nlp-score=ge0.9')).toEqual([]);
      expect(await find('nlp-icd10cm=E11.9,I11.9&nlp-score=ge0.5')).toEqual(['both', 'dm']);
      expect(await find('nlp-icd10cm-score=I11.9$lt0.5')).toEqual(['both', 'htn']);
      expect(await find('nlp-rxnorm-score=6809$ge0.95')).toEqual(['dm']);
      // Negated mentions stay out of the composite too.
      expect(await find('nlp-icd10cm=R07.9&nlp-score=ge0.1')).toEqual([]);
    });

    it('answers every other NLP parameter (negated-only and HealthLake names)', async () => {
      expect(await find('nlp-negated-rxnorm=6809')).toEqual([]);
      expect(await find('nlp-negated-category=MEDICAL_CONDITION')).toEqual(['both', 'cp']);
      expect(await find('nlp-negated-type=DX_NAME')).toEqual(['both', 'cp']);
      expect(await find('infer-icd10cm-entity-text=chest')).toEqual(['both', 'cp']);
      expect(await find('infer-icd10cm-entity-score=ge0.975')).toEqual(['both', 'htn']);
      expect(await find('infer-icd10cm-concept-score=lt0.35')).toEqual(['both', 'htn']);
      expect(await find('infer-rxnorm-entity-text=metformin')).toEqual(['dm']);
      expect(await find('infer-rxnorm-entity-score=ge0.99')).toEqual(['dm']);
      expect(await find('infer-rxnorm-concept-code=6809')).toEqual(['dm']);
      expect(await find('infer-rxnorm-concept-description=metf')).toEqual(['dm']);
      expect(await find('infer-rxnorm-concept-score=ge0.97')).toEqual(['dm']);
      expect(await find('detectEntities-entity-text=abdomen')).toEqual(['cp']);
      expect(await find('detectEntities-entity-type=SYSTEM_ORGAN_SITE')).toEqual(['cp']);
      expect(await find('detectEntities-entity-score=le0.85')).toEqual(['cp']);
      // cp's only coded mention is negated: it has no nlp-icd10cm value either.
      expect(await find('nlp-icd10cm:missing=true')).toEqual(['cp', 'plain']);
    });

    it('indexes a replaced result and forgets the old one', async () => {
      await repo.update(processed('htn', 'Now only metformin.'));
      expect(await find('nlp-icd10cm=I10')).toEqual(['both']);
      expect(await find('nlp-rxnorm=6809')).toEqual(['dm', 'htn']);
      await repo.update(processed('htn', NOTES.htn!));
    });
  });
}

describe('rewriteNlpSearch', () => {
  it('pairs every code with every score, keeps other parameters and escapes a bare $', () => {
    expect(rewriteNlpSearch('DocumentReference', [['nlp-icd10cm', 'I10,E11.9'], ['nlp-score', 'ge0.9'], ['status', 'current']])).toEqual([
      ['nlp-icd10cm-score', 'I10$ge0.9,E11.9$ge0.9'],
      ['status', 'current'],
    ]);
    expect(rewriteNlpSearch('DocumentReference', [['nlp-rxnorm', 'a$b']])).toEqual([['nlp-rxnorm', 'a$b']]);
    expect(rewriteNlpSearch('DocumentReference', [['nlp-rxnorm', 'a$b'], ['nlp-score', 'gt0.5']])).toEqual([['nlp-rxnorm-score', 'a\\$b$gt0.5']]);
    expect(rewriteNlpSearch('Observation', [['nlp-icd10cm', 'I10'], ['nlp-score', 'ge0.9']])).toEqual([['nlp-icd10cm', 'I10'], ['nlp-score', 'ge0.9']]);
  });
});

describe('CapabilityStatement', () => {
  it('lists the NLP parameters of DocumentReference with their definitions', async () => {
    const params = (await supportedSearchParams(['DocumentReference', 'Patient'])).get('DocumentReference') ?? [];
    const byName = new Map(params.map((p) => [p.name, p]));
    for (const code of ['nlp-icd10cm', 'nlp-rxnorm', 'nlp-entity-text', 'nlp-category', 'nlp-type', 'nlp-score', 'nlp-negated-icd10cm', 'nlp-icd10cm-score', 'infer-icd10cm-concept-code', 'detectEntities-entity-text']) {
      expect(byName.get(code)?.definition, code).toMatch(/^https:\/\/hearth\.local\/fhir\/SearchParameter\//);
    }
    expect(byName.get('nlp-icd10cm-score')?.type).toBe('composite');
  });
});
