/**
 * The NLP dev set (test/nlp-dev/): parses, has the size the issue asks for, every span's text is
 * its slice of the note, every DX_NAME says sign, symptom or diagnosis, and the codes are real:
 * ICD-10-CM codes billable in FY2026, RXCUIs agreeing with the partial RxNorm release where it
 * covers them (by code or by name). Reference data is read from ../shared and the checks skip when absent.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedDocuments, loadNotes, loadSentences } from '../../../../src-main/nlp/eval/dev-set';
import type { GoldDocument } from '../../../../src-main/nlp/eval/gold';
import type { Entity } from '../../../../src-main/nlp/types';

const repoRoot = path.resolve(__dirname, '../../../..');
const devSet = path.join(repoRoot, 'test/nlp-dev');
const terminology = path.resolve(repoRoot, '../shared/data/terminology');
const icdCodesFile = path.join(terminology, 'icd10cm-2026/icd10cm-codes-2026.txt');
const rxDir = path.join(terminology, 'rxnorm-partial');

const sentences = loadSentences(path.join(devSet, 'sentences'));
const notes = loadNotes(path.join(devSet, 'notes'));
const handWritten = [...sentences, ...notes];
const allEntities = handWritten.flatMap((d) => d.entities);

function spanProblems(documents: readonly GoldDocument[]): string[] {
  const problems: string[] = [];
  for (const d of documents) {
    for (const e of d.entities) {
      for (const span of [e, ...(e.Attributes ?? [])]) {
        if (d.text.slice(span.BeginOffset, span.EndOffset) !== span.Text) problems.push(`${d.id}: ${span.Text}`);
        if (span.Text.trim() !== span.Text || span.Text === '') problems.push(`${d.id}: untrimmed span "${span.Text}"`);
      }
    }
  }
  return problems;
}

describe('hand-annotated dev set', () => {
  it('has at least 300 sentences and 30 notes of 1,500 to 4,000 characters', () => {
    expect(sentences.length).toBeGreaterThanOrEqual(300);
    expect(notes).toHaveLength(30);
    expect(notes.filter((n) => n.text.length < 1500 || n.text.length > 4000).map((n) => `${n.id} ${n.text.length}`)).toEqual([]);
    expect(new Set(sentences.map((s) => s.text)).size).toBe(sentences.length);
  });

  it('has every span equal to its slice of the text, trimmed', () => {
    expect(spanProblems(handWritten)).toEqual([]);
  });

  it('gives every DX_NAME exactly one of SIGN, SYMPTOM, DIAGNOSIS', () => {
    const wrong = handWritten.flatMap((d) =>
      d.entities.filter((e) => e.Type === 'DX_NAME' && e.Traits.filter((t) => ['SIGN', 'SYMPTOM', 'DIAGNOSIS'].includes(t.Name)).length !== 1).map((e) => `${d.id}: ${e.Text}`),
    );
    expect(wrong).toEqual([]);
  });

  it('covers every category and assertion trait', () => {
    const categories = new Set(allEntities.map((e) => e.Category));
    expect([...categories].sort()).toEqual(['ANATOMY', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL', 'MEDICAL_CONDITION', 'MEDICATION', 'PROTECTED_HEALTH_INFORMATION', 'TEST_TREATMENT_PROCEDURE', 'TIME_EXPRESSION']);
    const traits = new Set(allEntities.flatMap((e) => e.Traits.map((t) => t.Name)));
    for (const trait of ['NEGATION', 'HYPOTHETICAL', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'FUTURE']) expect(traits).toContain(trait);
    const phiTypes = new Set(allEntities.filter((e) => e.Category === 'PROTECTED_HEALTH_INFORMATION').map((e) => e.Type));
    for (const type of ['NAME', 'AGE', 'DATE', 'ADDRESS', 'PHONE_OR_FAX', 'EMAIL', 'ID', 'PROFESSION']) expect(phiTypes).toContain(type);
  });

  it.skipIf(!existsSync(icdCodesFile))('uses only billable ICD-10-CM FY2026 codes', () => {
    const billable = new Set(readFileSync(icdCodesFile, 'utf8').split('\n').map((line) => line.split(' ')[0]!));
    const wrong = allEntities.flatMap((e) => (e.ICD10CMConcepts ?? []).map((c) => c.Code)).filter((code) => !billable.has(code.replace('.', '')));
    expect([...new Set(wrong)]).toEqual([]);
  });

  it.skipIf(!existsSync(rxDir))('uses RXCUIs that agree with the partial RxNorm release wherever it knows the code or the name', () => {
    const byCode = new Map<string, string>();
    const byName = new Map<string, Set<string>>();
    const read = (file: string, nameColumn: number) => {
      for (const line of readFileSync(path.join(rxDir, file), 'utf8').trim().split('\n').slice(1)) {
        const columns = line.split('\t');
        const code = columns[0]!;
        const name = (columns[nameColumn] ?? '').toLowerCase();
        byCode.set(code, name);
        if (!byName.has(name)) byName.set(name, new Set());
        byName.get(name)!.add(code);
      }
    };
    read('ingredients_in_pin_min.tsv', 2);
    read('brand_names_bn.tsv', 2);
    read('clinical_drugs_scd_sbd.tsv', 2);
    read('synthea_rxnorm_codes.tsv', 1);
    const medications: Entity[] = allEntities.filter((e) => e.RxNormConcepts?.length);
    const wrong: string[] = [];
    let covered = 0;
    for (const e of medications) {
      const { Code, Description } = e.RxNormConcepts![0]!;
      const name = Description.toLowerCase();
      const known = byCode.get(Code);
      const codesOfName = byName.get(name);
      if (known !== undefined || codesOfName !== undefined) covered++;
      if (known !== undefined && known !== name) wrong.push(`${e.Text}: ${Code} is "${known}" not "${Description}"`);
      if (codesOfName !== undefined && !codesOfName.has(Code)) wrong.push(`${e.Text}: "${Description}" is ${[...codesOfName].join('/')} not ${Code}`);
    }
    expect(wrong).toEqual([]);
    // Most medications must be checkable: the release lacks only ingredients starting with "A" and their brands.
    expect(covered / medications.length).toBeGreaterThan(0.6);
  });
});

describe('generated part', () => {
  it('turns generated notes and their gold into documents with exact spans', () => {
    const documents = generatedDocuments(2, 'nlp-dev-test');
    expect(documents.length).toBeGreaterThan(0);
    expect(documents.every((d) => d.part === 'generated' && d.entities.length > 0)).toBe(true);
    expect(spanProblems(documents)).toEqual([]);
    expect(documents[0]!.entities[0]).not.toHaveProperty('Source');
  });
});
