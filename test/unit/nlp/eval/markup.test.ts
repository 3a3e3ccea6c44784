/** The dev set's inline markup (src-main/nlp/eval/markup.ts): plain text, exact offsets, attributes linked, errors located. */
import { describe, expect, it } from 'vitest';
import { MarkupError, parseAnnotated } from '../../../../src-main/nlp/eval/markup';
import { parseSentenceFile } from '../../../../src-main/nlp/eval/dev-set';

describe('parseAnnotated', () => {
  it('removes the markup and records exact spans, traits and codes', () => {
    const { text, entities } = parseAnnotated('Pt denies [chest pain]{DX|NEG,SYM|icd=R07.9:Chest pain, unspecified} or [SOB]{DX_NAME|NEGATION,SYMPTOM|icd=R06.02}.');
    expect(text).toBe('Pt denies chest pain or SOB.');
    expect(entities).toHaveLength(2);
    expect(entities[0]).toEqual({
      Id: 0, Text: 'chest pain', Category: 'MEDICAL_CONDITION', Type: 'DX_NAME', Score: 1, BeginOffset: 10, EndOffset: 20,
      Traits: [{ Name: 'NEGATION', Score: 1 }, { Name: 'SYMPTOM', Score: 1 }],
      ICD10CMConcepts: [{ Code: 'R07.9', Description: 'Chest pain, unspecified', Score: 1 }],
    });
    expect(entities[1]).toMatchObject({ Id: 1, Text: 'SOB', BeginOffset: 24, EndOffset: 27, ICD10CMConcepts: [{ Code: 'R06.02', Description: '' }] });
  });

  it('attaches medication and test attributes to the nearest entity before them on the line', () => {
    const { text, entities } = parseAnnotated('[Metformin]{GEN|rx=6809:metformin} [500 mg]{STRENGTH} [PO]{ROUTE} [BID]{FREQ}; [A1c]{TEST} [7.2]{VAL}[%]{UNIT}');
    expect(text).toBe('Metformin 500 mg PO BID; A1c 7.2%');
    expect(entities.map((e) => e.Type)).toEqual(['GENERIC_NAME', 'TEST_NAME']);
    expect(entities[0]!.RxNormConcepts).toEqual([{ Code: '6809', Description: 'metformin', Score: 1 }]);
    expect(entities[0]!.Attributes!.map((a) => [a.Type, a.Text, a.Category, a.BeginOffset])).toEqual([
      ['STRENGTH', '500 mg', 'MEDICATION', 10],
      ['ROUTE_OR_MODE', 'PO', 'MEDICATION', 17],
      ['FREQUENCY', 'BID', 'MEDICATION', 20],
    ]);
    expect(entities[1]!.Attributes!.map((a) => [a.Type, a.Text])).toEqual([['TEST_VALUE', '7.2'], ['TEST_UNIT', '%']]);
  });

  it('links by label: anatomy stays an entity and becomes an attribute too; attributes may come first', () => {
    const { entities } = parseAnnotated('[Take 2]{DOSE@ib} tabs of [ibuprofen]{GEN#ib|rx=5640:ibuprofen} for [pain]{DX#p|SYM} in the [right]{DIR@p} [knee]{SITE@p}');
    expect(entities.map((e) => e.Type)).toEqual(['GENERIC_NAME', 'DX_NAME', 'DIRECTION', 'SYSTEM_ORGAN_SITE']);
    expect(entities[0]!.Attributes!.map((a) => [a.Type, a.Text])).toEqual([['DOSAGE', 'Take 2']]);
    const pain = entities[1]!;
    expect(pain.Attributes!.map((a) => [a.Type, a.Text, a.Category, a.Id])).toEqual([
      ['DIRECTION', 'right', 'ANATOMY', entities[2]!.Id],
      ['SYSTEM_ORGAN_SITE', 'knee', 'ANATOMY', entities[3]!.Id],
    ]);
  });

  it('keeps line breaks and escaped brackets in the text', () => {
    const { text, entities } = parseAnnotated('HPI:\n\\[sic\\] [fever]{DX|SYM}\nPlan: none');
    expect(text).toBe('HPI:\n[sic] fever\nPlan: none');
    expect(text.slice(entities[0]!.BeginOffset, entities[0]!.EndOffset)).toBe('fever');
  });

  it.each([
    ['[fever]{DX|NEG', 'unclosed "{"'],
    ['[fever]', '"]" must be followed'],
    ['[fev [er]{DX}', 'cannot nest'],
    ['[fever]{FOO}', 'unknown type FOO'],
    ['[fever]{DX|NOPE}', 'unknown trait NOPE'],
    ['[fever]{DX|icd=7.9}', 'not an ICD-10-CM code'],
    ['[aspirin]{GEN|rx=1191}', 'needs the RxNorm name'],
    ['[fever]{DX|rx=1191:aspirin}', 'rx= belongs on a MEDICATION'],
    ['[500 mg]{STRENGTH} of aspirin', 'no medication before it'],
    ['[aspirin]{GEN}\n[81 mg]{STRENGTH}', 'no medication before it'],
    ['[pain]{DX} in [knee]{SITE@p}', 'no entity labelled #p'],
    ['a } b', 'stray "}"'],
  ])('rejects %j', (markup, message) => {
    expect(() => parseAnnotated(markup, 'x.txt')).toThrow(message);
  });

  it('locates errors by source, line and column', () => {
    try {
      parseAnnotated('ok line\nsecond [bad]{DX|WHAT}', 'notes/a.txt');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(MarkupError);
      expect(error).toMatchObject({ source: 'notes/a.txt', line: 2, column: 8 });
    }
  });
});

describe('parseSentenceFile', () => {
  it('makes one document per line, with groups and comments', () => {
    const documents = parseSentenceFile('# comment\n## negation-forward\nNo [fever]{DX|NEG,SYM}.\n\n## family\nMother had [breast cancer]{DX|FAM,DIAG|icd=C50.919}.\n', 'sentences/a.txt');
    expect(documents.map((d) => [d.id, d.group, d.text])).toEqual([
      ['sentences/a.txt:3', 'negation-forward', 'No fever.'],
      ['sentences/a.txt:6', 'family', 'Mother had breast cancer.'],
    ]);
    expect(() => parseSentenceFile('ok\n[x]{NOPE}\n', 'sentences/b.txt')).toThrow('sentences/b.txt:2:1');
  });
});
