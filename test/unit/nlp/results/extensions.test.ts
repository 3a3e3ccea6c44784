import { describe, expect, it } from 'vitest';
import type { DocumentReference, Extension } from '@medplum/fhirtypes';
import {
  entitiesToExtensions,
  extensionsToEntities,
  HEALTHLAKE_ICD10_URL,
  HEALTHLAKE_URL,
  HEARTH_NLP_URL,
  readNlpStamp,
  withNlpResult,
  type NlpResult,
} from '../../../../src-main/nlp/results/extensions';
import { processNote } from '../../../../src-main/nlp/results/processor';
import { validateResource } from '../../../../src-main/fhir/validation';
import { analyzeForTest, noteWithText, testAnalyzer, TEST_VERSIONS } from './fixtures';

const TEXT = 'History of hypertension. Patient denies chest pain. Takes metformin 500 mg daily.';
const noBinary = async () => undefined;

function result(text = TEXT): NlpResult {
  return { status: 'succeeded', versions: TEST_VERSIONS, source: { ref: 'content[0]', textHash: 'abc' }, entities: analyzeForTest(text) };
}

function sub(extension: Extension | undefined, url: string): Extension | undefined {
  return extension?.extension?.find((e) => e.url === url);
}

describe('entitiesToExtensions', () => {
  it('writes the HealthLake shape: infer-icd10 entities with offsets, score and a concept list', () => {
    const [healthLake] = entitiesToExtensions(result());
    expect(healthLake?.url).toBe(HEALTHLAKE_URL);
    const icd10 = sub(healthLake, HEALTHLAKE_ICD10_URL);
    const entities = icd10?.extension?.filter((e) => e.url === `${HEALTHLAKE_ICD10_URL}aws-cm-icd10-entity`) ?? [];
    // hypertension and chest pain carry ICD-10-CM concepts; metformin does not.
    expect(entities).toHaveLength(2);
    const first = entities[0]!;
    const p = `${HEALTHLAKE_ICD10_URL}aws-cm-icd10-entity`;
    expect(sub(first, `${p}-text`)?.valueString).toBe('hypertension');
    expect(sub(first, `${p}-begin-offset`)?.valueInteger).toBe(TEXT.indexOf('hypertension'));
    expect(sub(first, `${p}-end-offset`)?.valueInteger).toBe(TEXT.indexOf('hypertension') + 12);
    const concepts = sub(first, `${p}-ConceptList`)?.extension ?? [];
    expect(concepts.map((c) => sub(c, `${p}-Concept-Code`)?.valueString)).toEqual(['I10', 'I11.9']);
    expect(sub(concepts[0], `${p}-Concept-Score`)?.valueDecimal).toBe(0.995);
    expect(sub(healthLake, `${HEALTHLAKE_URL}status/`)?.valueString).toBe('SUCCESS');
    expect(sub(icd10, `${HEALTHLAKE_ICD10_URL}model-version`)?.valueString).toContain('test-engine-1');
  });

  it('passes structural validation on a DocumentReference, and no extension has both a value and children', () => {
    const doc = withNlpResult(noteWithText('n1', TEXT), result());
    const outcome = validateResource(doc);
    expect(outcome.issue.filter((i) => i.severity === 'error' || i.severity === 'fatal')).toEqual([]);
    const check = (e: Extension): void => {
      const valueKeys = Object.keys(e).filter((k) => k.startsWith('value'));
      expect(valueKeys.length + (e.extension ? 1 : 0)).toBe(1);
      e.extension?.forEach(check);
    };
    doc.extension?.forEach(check);
  });

  it('reads back the entities it wrote (Comprehend shape: traits, attributes, concepts)', () => {
    const entities = analyzeForTest(TEXT);
    const doc = withNlpResult(noteWithText('n1', TEXT), result());
    expect(extensionsToEntities(doc)).toEqual(entities);
    const metformin = extensionsToEntities(doc).find((e) => e.Text === 'metformin');
    expect(metformin?.Attributes?.[0]?.Text).toBe('500 mg');
    expect(metformin?.RxNormConcepts?.[0]?.Code).toBe('6809');
    expect(readNlpStamp(doc)).toEqual({ status: 'succeeded', versions: TEST_VERSIONS, source: { ref: 'content[0]', textHash: 'abc' } });
  });

  it('rounds scores to 4 decimals', () => {
    const entities = analyzeForTest(TEXT).map((e) => ({ ...e, Score: 0.123456789 }));
    const doc = withNlpResult(noteWithText('n1', TEXT), { ...result(), entities });
    expect(extensionsToEntities(doc).every((e) => e.Score === 0.1235)).toBe(true);
  });

  it('replaces earlier NLP extensions and keeps the others', () => {
    const other: Extension = { url: 'http://example.org/other', valueString: 'kept' };
    const first = withNlpResult({ ...noteWithText('n1', TEXT), extension: [other] }, result());
    const second = withNlpResult(first, result('Only diabetes here.'));
    expect(second.extension?.map((e) => e.url)).toEqual(['http://example.org/other', HEALTHLAKE_URL, HEARTH_NLP_URL]);
    expect(extensionsToEntities(second).map((e) => e.Text)).toEqual(['diabetes']);
  });

  it('records a failure without entities, with its reason', async () => {
    const doc: DocumentReference = { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { contentType: 'application/pdf', url: 'http://x/y.pdf' } }] };
    const { doc: processed } = await processNote(doc, testAnalyzer(), noBinary);
    expect(readNlpStamp(processed)).toMatchObject({ status: 'failed', message: expect.stringContaining('no text/plain attachment') });
    expect(extensionsToEntities(processed)).toEqual([]);
    expect(sub(processed.extension?.[0], `${HEALTHLAKE_URL}status/`)?.valueString).toBe('FAILURE');
  });
});

describe('values FHIR refuses', () => {
  it('leaves out empty strings and codes, so the note still validates', () => {
    const entities = analyzeForTest(TEXT).map((e) => ({ ...e, ICD10CMConcepts: e.ICD10CMConcepts?.map((c) => ({ ...c, Description: '' })) }));
    const metformin = entities.find((e) => e.Text === 'metformin')!;
    metformin.Attributes = metformin.Attributes?.map((a) => ({ ...a, RelationshipType: '' }));
    const doc = withNlpResult(noteWithText('n1', TEXT), { ...result(), entities });
    expect(validateResource(doc).issue.filter((i) => i.severity === 'error')).toEqual([]);
    // Read back as written: the empty values come back empty.
    expect(extensionsToEntities(doc)).toEqual(entities);
  });
});
