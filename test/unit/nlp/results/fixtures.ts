/**
 * A small deterministic analyzer (a test double of the engine, not product code): a handful of
 * phrases with fixed categories, codes and scores, so the results, search and queue tests know
 * exactly what each note should yield.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import type { NoteAnalyzer } from '../../../../src-main/nlp/results/processor';
import type { Concept, Entity, NlpVersions, Trait } from '../../../../src-main/nlp/types';

interface Phrase {
  /** Lower-case text to find. */
  find: string;
  /** The part of `find` that is the entity (the rest is a negation cue). */
  entity: string;
  category: Entity['Category'];
  type: Entity['Type'];
  score: number;
  traits?: Trait[];
  icd10?: Concept[];
  rxnorm?: Concept[];
}

const PHRASES: Phrase[] = [
  {
    find: 'hypertension',
    entity: 'hypertension',
    category: 'MEDICAL_CONDITION',
    type: 'DX_NAME',
    score: 0.98,
    traits: [{ Name: 'DIAGNOSIS', Score: 0.9 }],
    icd10: [
      { Code: 'I10', Description: 'Essential (primary) hypertension', Score: 0.995 },
      { Code: 'I11.9', Description: 'Hypertensive heart disease without heart failure', Score: 0.3 },
    ],
  },
  {
    find: 'denies chest pain',
    entity: 'chest pain',
    category: 'MEDICAL_CONDITION',
    type: 'DX_NAME',
    score: 0.97,
    traits: [{ Name: 'NEGATION', Score: 0.96 }, { Name: 'SYMPTOM', Score: 0.8 }],
    icd10: [{ Code: 'R07.9', Description: 'Chest pain, unspecified', Score: 0.9 }],
  },
  {
    find: 'diabetes',
    entity: 'diabetes',
    category: 'MEDICAL_CONDITION',
    type: 'DX_NAME',
    score: 0.93,
    icd10: [{ Code: 'E11.9', Description: 'Type 2 diabetes mellitus without complications', Score: 0.7 }],
  },
  {
    find: 'metformin',
    entity: 'metformin',
    category: 'MEDICATION',
    type: 'GENERIC_NAME',
    score: 0.99,
    rxnorm: [{ Code: '6809', Description: 'metformin', Score: 0.97 }],
  },
  { find: 'abdomen', entity: 'abdomen', category: 'ANATOMY', type: 'SYSTEM_ORGAN_SITE', score: 0.85 },
];

export const TEST_VERSIONS: NlpVersions = { engine: 'test-engine-1', lexicon: 'test-lexicon-1', packs: ['icd10cm-test'] };

/** Every occurrence of every phrase, in text order; the `Id`s count from 0. */
export function analyzeForTest(text: string): Entity[] {
  const lower = text.toLowerCase();
  const found: Entity[] = [];
  for (const phrase of PHRASES) {
    for (let at = lower.indexOf(phrase.find); at >= 0; at = lower.indexOf(phrase.find, at + phrase.find.length)) {
      const begin = at + phrase.find.length - phrase.entity.length;
      const entity: Entity = {
        Id: 0,
        Text: text.slice(begin, begin + phrase.entity.length),
        Category: phrase.category,
        Type: phrase.type,
        Score: phrase.score,
        BeginOffset: begin,
        EndOffset: begin + phrase.entity.length,
        Traits: phrase.traits ?? [],
      };
      if (phrase.icd10) entity.ICD10CMConcepts = phrase.icd10;
      if (phrase.rxnorm) entity.RxNormConcepts = phrase.rxnorm;
      if (phrase.entity === 'metformin') {
        const dose = /^ (\d+ mg)/.exec(text.slice(begin + phrase.entity.length));
        if (dose) {
          const b = begin + phrase.entity.length + 1;
          entity.Attributes = [
            { Id: 0, Type: 'STRENGTH', Score: 0.9, RelationshipScore: 0.95, RelationshipType: 'STRENGTH', BeginOffset: b, EndOffset: b + dose[1]!.length, Text: dose[1]!, Traits: [] },
          ];
        }
      }
      found.push(entity);
    }
  }
  found.sort((a, b) => a.BeginOffset - b.BeginOffset);
  let id = 0;
  for (const e of found) {
    e.Id = id++;
    for (const a of e.Attributes ?? []) a.Id = id++;
  }
  return found;
}

/** The test analyzer with given versions; `calls` counts the notes it analysed. */
export function testAnalyzer(versions: NlpVersions = TEST_VERSIONS): NoteAnalyzer & { calls: number } {
  const analyzer = {
    versions,
    calls: 0,
    async analyze(text: string): Promise<Entity[]> {
      analyzer.calls++;
      return analyzeForTest(text);
    },
  };
  return analyzer;
}

export function noteWithText(id: string | undefined, text: string, contentType = 'text/plain; charset=utf-8'): DocumentReference {
  return {
    resourceType: 'DocumentReference',
    ...(id !== undefined ? { id } : {}),
    status: 'current',
    content: [{ attachment: { contentType, data: Buffer.from(text, 'utf8').toString('base64') } }],
  };
}
