/**
 * Synthetic review documents for the review screen's tests: a note of sections and sentences with
 * engine entities at known places, overlapping and nested ones included. No real clinical text.
 */
import type { EntityCategory, EntityType, TraitName } from '../../../../src-main/nlp/types';
import type { ReviewAnnotation, ReviewDocument, ReviewSection } from '../../../../src-main/review/types';

export function annotation(
  text: string,
  begin: number,
  end: number,
  category: EntityCategory,
  extra: Partial<ReviewAnnotation> = {},
): ReviewAnnotation {
  const type: EntityType = (
    {
      MEDICAL_CONDITION: 'DX_NAME',
      MEDICATION: 'GENERIC_NAME',
      ANATOMY: 'SYSTEM_ORGAN_SITE',
      TEST_TREATMENT_PROCEDURE: 'TEST_NAME',
      PROTECTED_HEALTH_INFORMATION: 'NAME',
      TIME_EXPRESSION: 'TIME_TO_DX_NAME',
      BEHAVIORAL_ENVIRONMENTAL_SOCIAL: 'TOBACCO',
    } as const
  )[category];
  return {
    id: `e:${begin}-${end}-${category}`,
    origin: 'engine',
    begin,
    end,
    text: text.slice(begin, end),
    category,
    type,
    score: 0.9,
    traits: [],
    decision: 'pending',
    edited: false,
    ...extra,
  };
}

/** A small note: a heading, a nested pair (left lung / lung), an overlap, a negated condition. */
export function smallDocument(): ReviewDocument {
  const text = 'HISTORY:\nNo chest pain. Mass in left lung base. Takes aspirin 81 mg daily.\n';
  const at = (word: string): [number, number] => {
    const begin = text.indexOf(word);
    return [begin, begin + word.length];
  };
  const [cp0, cp1] = at('chest pain');
  const [ll0, ll1] = at('left lung base');
  const [lu0, lu1] = at('lung');
  const [ma0, ma1] = at('Mass in left lung');
  const [as0, as1] = at('aspirin');
  const sections: ReviewSection[] = [{ kind: 'past_medical_history', begin: 0, end: 7, title: 'HISTORY' }];
  const annotations = [
    annotation(text, cp0, cp1, 'MEDICAL_CONDITION', { traits: ['NEGATION', 'SYMPTOM'] as TraitName[], score: 0.62 }),
    annotation(text, ma0, ma1, 'MEDICAL_CONDITION', { score: 0.4 }),
    annotation(text, ll0, ll1, 'ANATOMY', { score: 0.8 }),
    annotation(text, lu0, lu1, 'ANATOMY', { score: 0.7 }),
    annotation(text, as0, as1, 'MEDICATION', {
      score: 0.97,
      concept: { system: 'RXNORM', code: '1191', display: 'aspirin' },
      candidates: [{ Code: '1191', Description: 'aspirin', Score: 0.97 }],
    }),
  ].sort((a, b) => a.begin - b.begin || b.end - a.end);
  return {
    documentId: 'doc-1',
    title: 'Progress note',
    text,
    sections,
    reviewer: 'Ada',
    status: 'unreviewed',
    annotations,
    textChanged: false,
    nlp: 'succeeded',
    revision: 1,
  };
}

const SENTENCES = [
  'Patient reports chest pain and shortness of breath since Monday.',
  'Denies fever, cough or nausea; history of hypertension and diabetes.',
  'Started metformin 500 mg twice daily and lisinopril 10 mg daily.',
  'Exam of the left lower extremity shows edema without erythema.',
];
const CATEGORIES: EntityCategory[] = ['MEDICAL_CONDITION', 'MEDICATION', 'ANATOMY', 'TEST_TREATMENT_PROCEDURE', 'TIME_EXPRESSION'];

/**
 * A long note (`bytes` characters, sections every 40 lines) with `entities` annotations on whole
 * words, every tenth nesting a shorter one inside the word before it.
 */
export function largeDocument(bytes: number, entities: number): ReviewDocument {
  const lines: string[] = [];
  const sections: ReviewSection[] = [];
  let length = 0;
  let line = 0;
  while (length < bytes) {
    let content: string;
    if (line % 40 === 0) {
      content = `SECTION ${line / 40 + 1}:`;
      sections.push({ kind: 'assessment', begin: length, end: length + content.length - 1, title: content.slice(0, -1) });
    } else {
      content = SENTENCES[line % SENTENCES.length]!;
    }
    lines.push(content);
    length += content.length + 1;
    line += 1;
  }
  const text = lines.join('\n');
  const words: Array<[number, number]> = [];
  const pattern = /[a-z]{4,}/g;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) words.push([match.index, match.index + match[0].length]);
  const annotations: ReviewAnnotation[] = [];
  const step = Math.max(1, Math.floor(words.length / entities));
  for (let w = 0; annotations.length < entities && w < words.length; w += step) {
    const [begin, end] = words[w]!;
    const n = annotations.length;
    const category = CATEGORIES[n % CATEGORIES.length]!;
    annotations.push(
      annotation(text, begin, end, category, {
        score: (n % 100) / 100,
        traits: n % 7 === 0 ? ['NEGATION'] : n % 11 === 0 ? ['PAST_HISTORY'] : [],
      }),
    );
    if (n % 10 === 0 && annotations.length < entities && end - begin > 4) {
      annotations.push(annotation(text, begin + 1, end - 1, 'ANATOMY', { score: 0.5 }));
    }
  }
  annotations.sort((a, b) => a.begin - b.begin || b.end - a.end);
  return {
    documentId: 'doc-large',
    title: 'Long note',
    text,
    sections,
    reviewer: 'Ada',
    status: 'unreviewed',
    annotations,
    textChanged: false,
    nlp: 'succeeded',
    revision: 1,
  };
}
