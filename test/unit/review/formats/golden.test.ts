/**
 * Hand-checked output of each format on one small note (offsets counted by hand, see the comments),
 * and how each importer treats files other tools wrote and lines it cannot read.
 */
import { describe, expect, it } from 'vitest';
import { bratAnnotationConf, exportBrat, importBrat } from '../../../../src-main/review/formats/brat';
import { exportComprehendJsonl, importComprehendJsonl } from '../../../../src-main/review/formats/comprehend-jsonl';
import { exportSpacyJsonl, importSpacyJsonl } from '../../../../src-main/review/formats/spacy-jsonl';
import type { ExportDocument } from '../../../../src-main/review/formats/common';
import type { ReviewAnnotation } from '../../../../src-main/review/types';

// UTF-16: "chest pain" 3-13, "pain.\nTakes" 9-20, "metformin" 21-30, 😀 38-39 (two units), "\r\n" 47-48, "HTN" 49-52.
// Code points (spaCy): HTN 48-51 (😀 is one). BRAT (code points, \r\n one): HTN 47-50.
const TEXT = 'No chest pain.\nTakes metformin 500 mg 😀 daily.\r\nHTN';

const chestPain: ReviewAnnotation = {
  id: 'e:3-13-MEDICAL_CONDITION',
  origin: 'engine',
  begin: 3,
  end: 13,
  text: 'chest pain',
  category: 'MEDICAL_CONDITION',
  type: 'DX_NAME',
  score: 0.9,
  traits: ['NEGATION', 'SYMPTOM'],
  concept: { system: 'ICD10CM', code: 'R07.9', display: 'Chest pain, unspecified' },
  candidates: [
    { Code: 'R07.9', Description: 'Chest pain, unspecified', Score: 0.8 },
    { Code: 'R07.89', Description: 'Other chest pain', Score: 0.1 },
  ],
  decision: 'accepted',
  edited: false,
  reviewedBy: 'ada',
  reviewedAt: '2026-11-26T10:00:00Z',
};
const acrossLines: ReviewAnnotation = {
  id: 'e:9-20-TEST_TREATMENT_PROCEDURE',
  origin: 'engine',
  begin: 9,
  end: 20,
  text: 'pain.\nTakes',
  category: 'TEST_TREATMENT_PROCEDURE',
  type: 'TEST_NAME',
  score: 0.3,
  traits: [],
  decision: 'rejected',
  edited: true,
};
const metformin: ReviewAnnotation = {
  id: 'e:21-30-MEDICATION',
  origin: 'engine',
  begin: 21,
  end: 30,
  text: 'metformin',
  category: 'MEDICATION',
  type: 'GENERIC_NAME',
  score: 0.95,
  traits: [],
  concept: { system: 'RXNORM', code: '6809', display: 'metformin' },
  candidates: [{ Code: '6809', Description: 'metformin', Score: 0.97 }],
  attributes: [{ Id: 5, Type: 'DOSAGE', Score: 0.9, RelationshipScore: 0.8, RelationshipType: 'DOSAGE', BeginOffset: 31, EndOffset: 37, Text: '500 mg', Traits: [] }],
  decision: 'pending',
  edited: false,
};
const htn: ReviewAnnotation = {
  id: 'u:1',
  origin: 'reviewer',
  begin: 49,
  end: 52,
  text: 'HTN',
  category: 'MEDICAL_CONDITION',
  type: 'DX_NAME',
  traits: ['PAST_HISTORY'],
  concept: { system: 'ICD10CM', code: 'I10', display: 'Essential (primary) hypertension' },
  decision: 'accepted',
  edited: false,
  reviewedBy: 'ada',
};
const DOCUMENT: ExportDocument = { documentId: 'note-1', text: TEXT, annotations: [chestPain, acrossLines, metformin, htn] };

it('the fixture offsets are what the comments say', () => {
  for (const a of DOCUMENT.annotations) expect(TEXT.slice(a.begin, a.end)).toBe(a.text);
});

describe('comprehend-jsonl', () => {
  it('writes Comprehend Medical entities with the Hearth key', () => {
    const [file] = exportComprehendJsonl([DOCUMENT]);
    expect(file!.name).toBe('annotations.comprehend.jsonl');
    expect(file!.text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(file!.text)).toEqual({
      id: 'note-1',
      text: TEXT,
      Entities: [
        {
          Id: 0, Text: 'chest pain', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 0.9, BeginOffset: 3, EndOffset: 13,
          Traits: [{ Name: 'NEGATION', Score: 1 }, { Name: 'SYMPTOM', Score: 1 }],
          ICD10CMConcepts: [{ Code: 'R07.9', Description: 'Chest pain, unspecified', Score: 0.8 }, { Code: 'R07.89', Description: 'Other chest pain', Score: 0.1 }],
          Hearth: { id: 'e:3-13-MEDICAL_CONDITION', origin: 'engine', decision: 'accepted', edited: false, reviewedBy: 'ada', reviewedAt: '2026-11-26T10:00:00Z', chosenConcept: { candidateRank: 0 } },
        },
        {
          Id: 1, Text: 'pain.\nTakes', Category: 'TEST_TREATMENT_PROCEDURE', Type: 'TEST_NAME', Score: 0.3, BeginOffset: 9, EndOffset: 20, Traits: [],
          Hearth: { id: 'e:9-20-TEST_TREATMENT_PROCEDURE', origin: 'engine', decision: 'rejected', edited: true },
        },
        {
          Id: 2, Text: 'metformin', Category: 'MEDICATION', Type: 'GENERIC_NAME', Score: 0.95, BeginOffset: 21, EndOffset: 30, Traits: [],
          Attributes: metformin.attributes,
          RxNormConcepts: [{ Code: '6809', Description: 'metformin', Score: 0.97 }],
          Hearth: { id: 'e:21-30-MEDICATION', origin: 'engine', decision: 'pending', edited: false, chosenConcept: { candidateRank: 0 } },
        },
        {
          Id: 3, Text: 'HTN', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 1, BeginOffset: 49, EndOffset: 52,
          Traits: [{ Name: 'PAST_HISTORY', Score: 1 }],
          ICD10CMConcepts: [{ Code: 'I10', Description: 'Essential (primary) hypertension', Score: 1 }],
          Hearth: { id: 'u:1', origin: 'reviewer', decision: 'accepted', edited: false, reviewedBy: 'ada', chosenConcept: {}, noCandidates: true, noScore: true },
        },
      ],
    });
  });

  it('puts a concept chosen below the top candidate first and remembers its rank', () => {
    const second = { ...chestPain, concept: { system: 'ICD10CM' as const, code: 'R07.89', display: 'Other chest pain' } };
    const entity = JSON.parse(exportComprehendJsonl([{ ...DOCUMENT, annotations: [second] }])[0]!.text).Entities[0];
    expect(entity.ICD10CMConcepts.map((c: { Code: string }) => c.Code)).toEqual(['R07.89', 'R07.9']);
    expect(entity.Hearth.chosenConcept).toEqual({ candidateRank: 1 });
    expect(importComprehendJsonl(exportComprehendJsonl([{ ...DOCUMENT, annotations: [second] }])).documents[0]!.annotations).toStrictEqual([second]);
  });

  it('imports Comprehend output without the Hearth key as pending engine suggestions', () => {
    const line = JSON.stringify({
      id: 7,
      text: 'Denies fever.',
      Entities: [{ Id: 0, Text: 'fever', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 0.97, BeginOffset: 7, EndOffset: 12, Traits: [{ Name: 'NEGATION', Score: 0.9 }], ICD10CMConcepts: [{ Code: 'R50.9', Description: 'Fever, unspecified', Score: 0.7 }] }],
      ModelVersion: '2.4.0',
    });
    expect(importComprehendJsonl([{ name: 'aws.jsonl', text: line }])).toStrictEqual({
      documents: [
        {
          documentId: '7',
          text: 'Denies fever.',
          annotations: [
            {
              id: 'e:7-12-MEDICAL_CONDITION', origin: 'engine', begin: 7, end: 12, text: 'fever', category: 'MEDICAL_CONDITION', type: 'DX_NAME', score: 0.97,
              traits: ['NEGATION'], concept: { system: 'ICD10CM', code: 'R50.9', display: 'Fever, unspecified' },
              candidates: [{ Code: 'R50.9', Description: 'Fever, unspecified', Score: 0.7 }], decision: 'pending', edited: false,
            },
          ],
        },
      ],
      errors: [],
      sources: [{ file: 'aws.jsonl', line: 1 }],
    });
  });

  it('reports bad lines and bad entities by line number and goes on', () => {
    const good = exportComprehendJsonl([DOCUMENT])[0]!.text.trim();
    const badEntities = JSON.stringify({
      id: 'n2',
      text: 'abc def',
      Entities: [
        { Text: 'abc', Category: 'MEDICAL_CONDITION', Type: 'GENERIC_NAME', Score: 1, BeginOffset: 0, EndOffset: 3, Traits: [] },
        { Text: 'xyz', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 1, BeginOffset: 4, EndOffset: 7, Traits: [] },
        { Text: 'def', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 1, BeginOffset: 4, EndOffset: 9, Traits: [] },
        { Text: 'def', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 1, BeginOffset: 4, EndOffset: 7, Traits: [{ Name: 'MAYBE', Score: 1 }] },
        { Text: 'def', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 1, BeginOffset: 4, EndOffset: 7, Traits: [] },
      ],
    });
    const text = ['{not json', '', '{"id":"n1","Entities":[]}', badEntities, good, good].join('\n');
    const result = importComprehendJsonl([{ name: 'f.jsonl', text }]);
    expect(result.documents.map((d) => [d.documentId, d.annotations.length])).toEqual([['n2', 1], ['note-1', 4]]);
    expect(result.errors).toEqual([
      { file: 'f.jsonl', line: 1, message: 'not valid JSON' },
      { file: 'f.jsonl', line: 3, message: expect.stringContaining('text') },
      { file: 'f.jsonl', line: 4, message: 'Entities[0]: type GENERIC_NAME is not of category MEDICAL_CONDITION' },
      { file: 'f.jsonl', line: 4, message: "Entities[1]: the text at 4-7 differs from the annotation's text" },
      { file: 'f.jsonl', line: 4, message: 'Entities[2]: span 4-9 is not inside the text (length 7) or is empty' },
      { file: 'f.jsonl', line: 4, message: 'Entities[3]: unknown trait MAYBE' },
      { file: 'f.jsonl', line: 6, message: 'document note-1 appears more than once' },
    ]);
  });
});

describe('spacy-jsonl', () => {
  it('writes spans with code-point offsets, TYPE labels and kb_id', () => {
    const [file] = exportSpacyJsonl([{ ...DOCUMENT, title: 'Clinic note', reviewer: 'ada' }]);
    const line = JSON.parse(file!.text);
    expect(line.meta).toEqual({ id: 'note-1', title: 'Clinic note', reviewer: 'ada' });
    expect(line.text).toBe(TEXT);
    expect(line.spans.map((s: { start: number; end: number; label: string; kb_id?: string }) => [s.start, s.end, s.label, s.kb_id])).toEqual([
      [3, 13, 'DX_NAME', 'ICD10CM:R07.9'],
      [9, 20, 'TEST_NAME', undefined],
      [21, 30, 'GENERIC_NAME', 'RXNORM:6809'],
      [48, 51, 'DX_NAME', 'ICD10CM:I10'],
    ]);
    expect(line.spans[3]).toEqual({
      start: 48, end: 51, label: 'DX_NAME', text: 'HTN', category: 'MEDICAL_CONDITION', kb_id: 'ICD10CM:I10', kb_name: 'Essential (primary) hypertension',
      id: 'u:1', origin: 'reviewer', decision: 'accepted', edited: false, traits: ['PAST_HISTORY'], reviewed_by: 'ada',
    });
    // Python's text[start:end] is the span: [...TEXT] indexes code points as Python does.
    expect([...TEXT].slice(48, 51).join('')).toBe('HTN');
  });

  it("imports Prodigy's ner_manual spans (no id, no text) as a reviewer's accepted annotations", () => {
    const text = JSON.stringify({ text: '😀 HTN', spans: [{ start: 2, end: 5, token_start: 1, token_end: 1, label: 'DX_NAME' }], meta: { id: 'p1' }, answer: 'accept' });
    expect(importSpacyJsonl([{ name: 'prodigy.jsonl', text }])).toStrictEqual({
      documents: [{ documentId: 'p1', text: '😀 HTN', annotations: [{ id: 'u:1', origin: 'reviewer', begin: 3, end: 6, text: 'HTN', category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: [], decision: 'accepted', edited: false }] }],
      errors: [],
      sources: [{ file: 'prodigy.jsonl', line: 1 }],
    });
  });

  it('refuses unknown labels, bad kb_ids and spans outside the text', () => {
    const text = JSON.stringify({
      text: 'abc',
      spans: [
        { start: 0, end: 3, label: 'DISEASE' },
        { start: 0, end: 3, label: 'DX_NAME', kb_id: 'SNOMED:22298006' },
        { start: 0, end: 4, label: 'DX_NAME' },
        { start: 0, end: 3, label: 'DX_NAME', category: 'MEDICATION' },
        { start: 0, end: 3, label: 'DX_NAME', kb_id: 'RXNORM:6809' },
      ],
      meta: { id: 'x' },
    });
    expect(importSpacyJsonl([{ name: 's.jsonl', text }]).errors.map((e) => e.message)).toEqual([
      'spans[0]: unknown label DISEASE',
      'spans[1]: kb_id must be ICD10CM:<code> or RXNORM:<code>',
      'spans[2]: span 0-4 is outside the text',
      'spans[3]: category MEDICATION does not fit label DX_NAME',
      'spans[4]: concept system RXNORM does not fit category MEDICAL_CONDITION',
    ]);
  });
});

describe('brat', () => {
  it('writes .txt, .ann, annotation.conf and tools.conf', () => {
    const files = exportBrat([DOCUMENT]);
    expect(files.map((f) => f.name)).toEqual(['note-1.txt', 'note-1.ann', 'annotation.conf', 'tools.conf']);
    expect(files[0]!.text).toBe(TEXT);
    const note = (json: object) => `hearth ${JSON.stringify(json)}`;
    expect(files[1]!.text).toBe(
      [
        'T1\tDX_NAME 3 13\tchest pain',
        'A1\tNegation T1',
        'A2\tSymptom T1',
        'A3\tDecision T1 accepted',
        'N1\tReference T1 ICD10CM:R07.9\tChest pain, unspecified',
        `#1\tAnnotatorNotes T1\t${note({ id: chestPain.id, origin: 'engine', edited: false, score: 0.9, reviewedBy: 'ada', reviewedAt: '2026-11-26T10:00:00Z', candidates: chestPain.candidates })}`,
        // Across a line break: two fragments, their texts joined by one space (BRAT's rule).
        'T2\tTEST_NAME 9 14;15 20\tpain. Takes',
        'A4\tDecision T2 rejected',
        `#2\tAnnotatorNotes T2\t${note({ id: acrossLines.id, origin: 'engine', edited: true, score: 0.3 })}`,
        'T3\tGENERIC_NAME 21 30\tmetformin',
        'A5\tDecision T3 pending',
        'N2\tReference T3 RXNORM:6809\tmetformin',
        `#3\tAnnotatorNotes T3\t${note({ id: metformin.id, origin: 'engine', edited: false, score: 0.95, candidates: metformin.candidates, attributes: metformin.attributes })}`,
        // After 😀 (one character) and \r\n (one character): 49-52 in UTF-16 is 47-50 for BRAT.
        'T4\tDX_NAME 47 50\tHTN',
        'A6\tPastHistory T4',
        'A7\tDecision T4 accepted',
        'N3\tReference T4 ICD10CM:I10\tEssential (primary) hypertension',
        `#4\tAnnotatorNotes T4\t${note({ id: 'u:1', origin: 'reviewer', edited: false, reviewedBy: 'ada' })}`,
        '',
      ].join('\n'),
    );
    const conf = bratAnnotationConf();
    expect(conf).toContain('[entities]\n!MEDICAL_CONDITION\n\tDX_NAME\n!MEDICATION\n\tGENERIC_NAME\n\tBRAND_NAME\n');
    expect(conf).toContain('<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>');
    expect(conf).toContain('\nPastHistory\tArg:<ENTITY>\n');
    expect(conf).toContain('\nDecision\tArg:<ENTITY>, Value:pending|accepted|rejected\n');
    expect(files[3]!.text).toMatch(/^\[normalization\]\nICD10CM\t<URL>:.*\nRXNORM\t<URL>:/);
  });

  it('keeps the exact span in the note when it starts or ends on a line break', () => {
    const text = 'ab\r\ncd';
    const annotation: ReviewAnnotation = { id: 'u:1', origin: 'reviewer', begin: 1, end: 4, text: 'b\r\n', category: 'ANATOMY', type: 'DIRECTION', traits: [], decision: 'accepted', edited: false };
    const files = exportBrat([{ documentId: 'n', text, annotations: [annotation] }]);
    expect(files[1]!.text.split('\n')[0]).toBe('T1\tDIRECTION 1 2\tb');
    expect(files[1]!.text).toContain('"span":[1,4]');
    expect(importBrat(files).documents[0]!.annotations).toStrictEqual([annotation]);
  });

  it("imports a BRAT user's own annotations, and reports lines it cannot use", () => {
    const ann = [
      'T1\tDX_NAME 0 5\tfever',
      'T2\tGENERIC_NAME 10 17\taspirin',
      'A1\tNegation T1',
      'A2\tDecision T2 rejected',
      'N1\tReference T2 RXNORM:1191\tAspirin',
      '#1\tAnnotatorNotes T1\tlooks right to me',
      'R1\tTreats Arg1:T2 Arg2:T1',
      'T3\tDX_NAME 0 2;10 12\tfe as',
      'T4\tDX_NAME 0 5\tfaver',
      'T5\tDISEASE 0 5\tfever',
      'A3\tSeverity T1 high',
      'T6\tDX_NAME 0 50\tfever',
    ].join('\n');
    const result = importBrat([
      { name: 'corpus/n 1.txt', text: 'fever and aspirin' },
      { name: 'corpus/n 1.ann', text: ann },
      { name: 'annotation.conf', text: '[entities]' },
      { name: 'orphan.ann', text: '' },
    ]);
    expect(result.documents).toStrictEqual([
      {
        documentId: 'n 1',
        text: 'fever and aspirin',
        annotations: [
          { id: 'u:1', origin: 'reviewer', begin: 0, end: 5, text: 'fever', category: 'MEDICAL_CONDITION', type: 'DX_NAME', traits: ['NEGATION'], decision: 'accepted', edited: false },
          { id: 'u:2', origin: 'reviewer', begin: 10, end: 17, text: 'aspirin', category: 'MEDICATION', type: 'GENERIC_NAME', traits: [], concept: { system: 'RXNORM', code: '1191', display: 'Aspirin' }, decision: 'rejected', edited: false },
        ],
      },
    ]);
    expect(result.errors).toEqual([
      { file: 'orphan.ann', line: 0, message: 'no orphan.txt beside it' },
      { file: 'corpus/n 1.ann', line: 7, message: 'R1: relations, events and equivalences are not imported' },
      { file: 'corpus/n 1.ann', line: 11, message: 'A3: unknown attribute Severity' },
      { file: 'corpus/n 1.ann', line: 8, message: 'T3: offsets outside the text, or a discontinuous span (not supported)' },
      { file: 'corpus/n 1.ann', line: 9, message: 'T4: the text does not match the note at these offsets' },
      { file: 'corpus/n 1.ann', line: 10, message: 'T5: unknown entity type DISEASE' },
      { file: 'corpus/n 1.ann', line: 12, message: 'T6: offsets outside the text, or a discontinuous span (not supported)' },
    ]);
  });

  it('a span moved in BRAT wins over the span kept in the note', () => {
    const text = 'ab\ncd ef';
    const annotation: ReviewAnnotation = { id: 'e:2-5-ANATOMY', origin: 'engine', begin: 2, end: 5, text: '\ncd', category: 'ANATOMY', type: 'DIRECTION', traits: [], decision: 'accepted', edited: false };
    const files = exportBrat([{ documentId: 'n', text, annotations: [annotation] }]);
    expect(files[1]!.text.split('\n')[0]).toBe('T1\tDIRECTION 3 5\tcd');
    const moved = files[1]!.text.replace('T1\tDIRECTION 3 5\tcd', 'T1\tDIRECTION 6 8\tef');
    const back = importBrat([files[0]!, { name: 'n.ann', text: moved }]);
    expect(back.errors).toEqual([]);
    expect(back.documents[0]!.annotations[0]).toMatchObject({ id: 'e:2-5-ANATOMY', begin: 6, end: 8, text: 'ef' });
  });
});

it('JSONL files with CRLF line ends and blank lines keep their line numbers', () => {
  const line = exportSpacyJsonl([{ documentId: 'a', text: 'abc', annotations: [] }])[0]!.text.trim();
  const result = importSpacyJsonl([{ name: 'w.jsonl', text: `${line}\r\n\r\n   \r\n{bad\r\n${line.replace('"a"', '"b"')}\r\n` }]);
  expect(result.documents.map((d) => d.documentId)).toEqual(['a', 'b']);
  expect(result.errors).toEqual([{ file: 'w.jsonl', line: 4, message: 'not valid JSON' }]);
});
