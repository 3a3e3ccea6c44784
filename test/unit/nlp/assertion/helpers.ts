/** Test helper: write targets inline as [[span]] (or [[span|category|class]]) and get each one's trait names. */
import { assertTraits } from '../../../../src-main/nlp/assertion/index';
import { analyzeText } from '../../../../src-main/nlp/text/index';
import type { ConditionClass, EntityCategory, TargetSpan, Trait, TraitName } from '../../../../src-main/nlp/types';

export interface Marked {
  text: string;
  spans: TargetSpan[];
}

/** "Denies [[fever]]" → text "Denies fever" and the span of "fever" (MEDICAL_CONDITION unless a category is given). */
export function mark(input: string): Marked {
  const spans: TargetSpan[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    const open = input.indexOf('[[', i);
    if (open < 0) {
      text += input.slice(i);
      break;
    }
    const close = input.indexOf(']]', open);
    text += input.slice(i, open);
    const [surface, category, conditionClass] = input.slice(open + 2, close).split('|');
    const begin = text.length;
    text += surface;
    spans.push({
      begin,
      end: text.length,
      category: (category || 'MEDICAL_CONDITION') as EntityCategory,
      ...(conditionClass ? { conditionClass: conditionClass as ConditionClass } : {}),
    });
    i = close + 2;
  }
  return { text, spans };
}

export function traitsOf(input: string): Trait[][] {
  const { text, spans } = mark(input);
  return assertTraits(analyzeText(text), spans);
}

const ASSERTION_NAMES = new Set<TraitName>(['NEGATION', 'HYPOTHETICAL', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'FUTURE']);

/** The assertion trait names of each marked span (no SIGN/SYMPTOM/DIAGNOSIS/LOW_CONFIDENCE), for compact expectations. */
export function assertionNames(input: string): string[][] {
  return traitsOf(input).map((traits) => traits.filter((trait) => ASSERTION_NAMES.has(trait.Name)).map((trait) => trait.Name));
}
