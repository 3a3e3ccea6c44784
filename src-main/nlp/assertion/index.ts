/**
 * Assertion traits for spans (docs/nlp.md "Assertion"): ConText (Harkema et al. 2009) over the
 * sentence a span lies in, then section defaults, then SIGN / SYMPTOM / DIAGNOSIS for conditions.
 *
 * For each span and each assertion trait, the nearest trigger in scope decides:
 * - forward triggers before the span and backward (post-) triggers after it, within the sentence;
 * - a scope ends at a terminator for that trait, at ";", "(" and ")", and at ":" (except a colon right after
 *   the trigger, "Denies: fever", or inside it, "Fever: denies"), and after `window` words;
 * - a weak PAST_HISTORY trigger ("history of", a year) only applies to an event (an MI, not
 *   hypertension; condition-course.ts): a condition the patient still has is not history;
 * - HYPOTHETICAL post-triggers ("develops") need an "if/should/when" before the span, and
 *   HYPOTHETICAL is for conditions only ("transfuse if Hgb < 7": the test is real); FUTURE is for
 *   tests, procedures and treatments, not conditions, drugs or behaviours;
 * Section defaults: family_history → PERTAINS_TO_FAMILY unless the sentence is about the patient;
 * past_surgical_history → PAST_HISTORY; past_medical_history → PAST_HISTORY for events and
 * procedures only; allergies → PAST_HISTORY for the reactions (conditions).
 * A span that is negated, a relative's or planned is never PAST_HISTORY.
 *
 * Scores: the trigger's score, minus 0.015 a word beyond the third between trigger and span
 * (floor 0.5). LOW_CONFIDENCE is added when the weakest assertion trait kept scores below 0.7, or
 * when the span lies in no sentence (a heading), where only section defaults can speak.
 *
 * Work per span is bounded by the largest window; the phrases of each sentence are found once.
 */
import type { AssertionTrait, NlpDocument, Section, SectionKind, Sentence, TargetSpan, Trait, TraitName } from '../types';
import { TRAIT_NAMES } from '../types';
import { conditionCourse, type ConditionCourse } from './condition-course';
import { CONDITIONAL_WORDS, PATIENT_WORDS, RELATIVE_FILLERS, RELATIVE_LINKS_BACKWARD, RELATIVE_LINKS_FORWARD, RELATIVE_WORDS, type ContextRule } from './lexicon';
import { BUILTIN_PHRASES, findPhrases, type PhraseMatch, type TrieNode } from './triggers';

/** Categories that carry no assertion traits (Comprehend Medical gives them none). */
const NO_ASSERTION = new Set(['PROTECTED_HEALTH_INFORMATION', 'TIME_EXPRESSION', 'ANATOMY']);
const ALL_ASSERTION: readonly AssertionTrait[] = ['NEGATION', 'HYPOTHETICAL', 'PAST_HISTORY', 'PERTAINS_TO_FAMILY', 'FUTURE'];
/** No scope reaches further than this many words (the largest rule window). */
const MAX_WINDOW = 14;
const LOW_CONFIDENCE_BELOW = 0.7;

interface SentenceContext {
  /** Phrase matches keyed by their last token (for the scan leftwards) and first token (rightwards). */
  endingAt: Map<number, PhraseMatch>;
  startingAt: Map<number, PhraseMatch>;
  /** The match covering each token of a multi-token phrase, to find phrases that run into a target ("No [hx of seizures]"). */
  covering: Map<number, PhraseMatch>;
  /** Token index of the first conditional word, or -1. */
  firstConditional: number;
  mentionsPatient: boolean;
  mentionsRelative: boolean;
}

function sentenceContext(doc: NlpDocument, sentence: Sentence, phrases: TrieNode): SentenceContext {
  const endingAt = new Map<number, PhraseMatch>();
  const startingAt = new Map<number, PhraseMatch>();
  const covering = new Map<number, PhraseMatch>();
  for (const match of findPhrases(doc.tokens, sentence.tokenStart, sentence.tokenEnd, phrases)) {
    endingAt.set(match.end - 1, match);
    startingAt.set(match.start, match);
    if (match.end - match.start > 1) for (let i = match.start; i < match.end; i++) covering.set(i, match);
  }
  let firstConditional = -1;
  let mentionsPatient = false;
  let mentionsRelative = false;
  for (let i = sentence.tokenStart; i < sentence.tokenEnd; i++) {
    const norm = doc.tokens[i]!.norm;
    if (firstConditional < 0 && CONDITIONAL_WORDS.has(norm)) firstConditional = i;
    if (PATIENT_WORDS.has(norm)) mentionsPatient = true;
    if (RELATIVE_WORDS.has(norm)) mentionsRelative = true;
  }
  return { endingAt, startingAt, covering, firstConditional, mentionsPatient, mentionsRelative };
}

/** First index in [0, length) whose predicate is true, predicates monotone (false…true). */
function lowerBound(length: number, isAtOrAfter: (index: number) => boolean): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (isAtOrAfter(mid)) high = mid;
    else low = mid + 1;
  }
  return low;
}

function sentenceOf(doc: NlpDocument, offset: number): number {
  const index = lowerBound(doc.sentences.length, (i) => doc.sentences[i]!.end > offset);
  const sentence = doc.sentences[index];
  return sentence && sentence.begin <= offset ? index : -1;
}

function sectionOf(doc: NlpDocument, offset: number): Section | undefined {
  const index = lowerBound(doc.sections.length, (i) => doc.sections[i]!.end > offset);
  return doc.sections[Math.min(index, doc.sections.length - 1)];
}

interface Decision {
  score: number;
}

type Decisions = Map<AssertionTrait, Decision>;

function keep(decisions: Decisions, trait: AssertionTrait, score: number): void {
  const current = decisions.get(trait);
  if (!current || current.score < score) decisions.set(trait, { score });
}

function distanceScore(rule: ContextRule, words: number): number {
  return Math.max(0.5, rule.score - 0.015 * Math.max(0, words - 3));
}

interface TargetFacts {
  course: ConditionCourse;
  category: TargetSpan['category'];
  context: SentenceContext;
  targetStart: number;
  phrases: TrieNode;
}

/** Does a trigger's rule apply to this target at this distance? */
function ruleApplies(rule: ContextRule, trait: AssertionTrait, words: number, facts: TargetFacts, clauseInitial: boolean): boolean {
  if (words > rule.window) return false;
  if (rule.result && facts.category === 'TEST_TREATMENT_PROCEDURE') return false;
  if (rule.onlyFor && facts.category !== undefined && !rule.onlyFor.includes(facts.category)) return false;
  if (rule.notFor && facts.category !== undefined && rule.notFor.includes(facts.category)) return false;
  // A hypothesis is about a condition ("if fever develops"); the test or drug around it is real ("if Hgb < 7, transfuse", "hold the warfarin").
  if (trait === 'HYPOTHETICAL' && facts.category !== undefined && facts.category !== 'MEDICAL_CONDITION') return false;
  // What is planned is a test, procedure or treatment ("will recheck A1c"); a condition is not planned, and a drug's
  // start is an order of today (the gold marks "Start lisinopril" without FUTURE).
  if (trait === 'FUTURE' && facts.category !== undefined && facts.category !== 'TEST_TREATMENT_PROCEDURE') return false;
  if (rule.clauseInitial && !clauseInitial) return false;
  if (rule.weak && trait === 'PAST_HISTORY' && facts.course !== 'event') return false;
  if (rule.conditional && !(facts.context.firstConditional >= 0 && facts.context.firstConditional < facts.targetStart)) return false;
  return true;
}

/**
 * Is a relative linked to the target: "Mother with / has / : X" (relative before the target: the
 * first word after the relative, past fillers, is a link or the target itself), or "X in her
 * mother" (relative after: the word before the relative, past fillers, is a link or the target)?
 */
function relativeLinked(tokens: NlpDocument['tokens'], match: PhraseMatch, targetStart: number, targetEnd: number, leftwards: boolean): boolean {
  if (leftwards) {
    let i = match.end;
    while (i < targetStart && RELATIVE_FILLERS.has(tokens[i]!.norm)) i++;
    return i >= targetStart || RELATIVE_LINKS_FORWARD.has(tokens[i]!.norm);
  }
  let i = match.start - 1;
  while (i >= targetEnd && RELATIVE_FILLERS.has(tokens[i]!.norm)) i--;
  return i < targetEnd || RELATIVE_LINKS_BACKWARD.has(tokens[i]!.norm);
}

/**
 * A history trigger that opens the target itself ("[old MI]", "[prior stroke]") dates the rest of
 * it. Only history: a negation inside a name is part of the name ("non-Hodgkin lymphoma").
 */
function leadingTrigger(doc: NlpDocument, facts: TargetFacts, targetEnd: number, decisions: Decisions): void {
  const first = findPhrases(doc.tokens, facts.targetStart, targetEnd, facts.phrases)[0];
  if (!first || first.start !== facts.targetStart || first.end >= targetEnd) return;
  for (const rule of first.rules) {
    if (rule.role !== 'trigger' || rule.direction === 'backward') continue;
    for (const trait of rule.traits) if (trait === 'PAST_HISTORY' && ruleApplies(rule, trait, 0, facts, true)) keep(decisions, trait, rule.score);
  }
}

/** Scans left of the target for forward triggers, right of it for backward ones. */
function scan(doc: NlpDocument, sentence: Sentence, facts: TargetFacts, targetEnd: number, decisions: Decisions, leftwards: boolean): void {
  const tokens = doc.tokens;
  const blocked = new Set<AssertionTrait>();
  let words = 0;
  let colonBetween = false;
  let i = leftwards ? facts.targetStart - 1 : targetEnd;
  // A phrase that runs into the target ("no hx of" before the target "hx of seizures") is matched again on its part outside the target.
  const local = new Map<number, PhraseMatch>();
  const cover = facts.context.covering.get(i);
  if (cover && (leftwards ? cover.end > facts.targetStart : cover.start < targetEnd)) {
    const part = leftwards ? findPhrases(tokens, cover.start, facts.targetStart, facts.phrases) : findPhrases(tokens, targetEnd, cover.end, facts.phrases);
    for (const match of part) local.set(leftwards ? match.end - 1 : match.start, match);
  }
  const localLimit = cover ? (leftwards ? cover.start : cover.end) : i;
  const inside = (index: number): boolean => (leftwards ? index >= sentence.tokenStart : index < sentence.tokenEnd);
  // Punctuation does not count as words, so the token budget bounds a scan through a run of commas.
  let budget = MAX_WINDOW * 4;
  while (inside(i) && words <= MAX_WINDOW && blocked.size < ALL_ASSERTION.length && budget-- > 0) {
    const insideLocal = local.size > 0 && (leftwards ? i >= localLimit : i < localLimit);
    const match = insideLocal ? local.get(i) : leftwards ? facts.context.endingAt.get(i) : facts.context.startingAt.get(i);
    if (match) {
      const clauseInitial = match.start === sentence.tokenStart || tokens[match.start - 1]!.kind === 'punct';
      for (const rule of match.rules) {
        if (rule.role === 'trigger') {
          const wanted = leftwards ? rule.direction !== 'backward' : rule.direction !== 'forward';
          if (!wanted) continue;
          for (const trait of rule.traits) {
            if (blocked.has(trait) || !ruleApplies(rule, trait, words, facts, clauseInitial)) continue;
            if (rule.relative && !relativeLinked(tokens, match, facts.targetStart, targetEnd, leftwards)) continue;
            keep(decisions, trait, distanceScore(rule, words));
          }
        }
      }
      // Terminators end the scope for what lies beyond them.
      for (const rule of match.rules) {
        if (rule.role === 'terminate') for (const trait of rule.traits.length > 0 ? rule.traits : ALL_ASSERTION) blocked.add(trait);
      }
      if (colonBetween) for (const trait of ALL_ASSERTION) blocked.add(trait);
      colonBetween = false;
      words++;
      i = leftwards ? match.start - 1 : match.end;
      continue;
    }
    const token = tokens[i]!;
    if (colonBetween) for (const trait of ALL_ASSERTION) blocked.add(trait);
    colonBetween = false;
    // A parenthesis right after the target annotates it ("Low back pain (2017, resolved)"); its ")" ends the scope.
    if (!leftwards && i === targetEnd && token.norm === '(') {
      i++;
      continue;
    }
    if (token.kind === 'punct') {
      // Otherwise a parenthesis is an aside: what is inside or beyond it is out of scope ("switched from warfarin), donepezil").
      if (token.norm === ';' || token.norm === '(' || token.norm === ')') for (const trait of ALL_ASSERTION) blocked.add(trait);
      // A colon lets through only the trigger right beside it ("Denies: fever").
      else if (token.norm === ':') colonBetween = true;
    } else words++;
    i += leftwards ? -1 : 1;
  }
}

function tokenRange(doc: NlpDocument, span: TargetSpan): [number, number] {
  const start = lowerBound(doc.tokens.length, (i) => doc.tokens[i]!.end > span.begin);
  let end = start;
  while (end < doc.tokens.length && doc.tokens[end]!.begin < span.end) end++;
  return [start, end];
}

function sectionDefaults(kind: SectionKind, span: TargetSpan, course: ConditionCourse, context: SentenceContext | undefined, decisions: Decisions): void {
  const negated = decisions.has('NEGATION');
  if (kind === 'family_history' && !decisions.has('PERTAINS_TO_FAMILY')) {
    const aboutPatient = context !== undefined && context.mentionsPatient && !context.mentionsRelative;
    if (!aboutPatient) keep(decisions, 'PERTAINS_TO_FAMILY', 0.85);
  }
  if (negated) return;
  if (kind === 'past_surgical_history') keep(decisions, 'PAST_HISTORY', 0.85);
  const condition = span.category === undefined || span.category === 'MEDICAL_CONDITION';
  if (kind === 'past_medical_history' && ((condition && course === 'event') || span.category === 'TEST_TREATMENT_PROCEDURE')) keep(decisions, 'PAST_HISTORY', 0.8);
  // The reaction of an allergy happened before ("Sulfa (rash)", "peanuts - anaphylaxis").
  if (kind === 'allergies' && condition) keep(decisions, 'PAST_HISTORY', 0.75);
}

/** SIGN / SYMPTOM / DIAGNOSIS of a condition: from its class, else guessed from the section. */
function conditionTrait(span: TargetSpan, section: SectionKind): Trait | undefined {
  const isCondition = span.category === 'MEDICAL_CONDITION' || (span.category === undefined && span.conditionClass !== undefined);
  if (!isCondition) return undefined;
  const exam = section === 'physical_exam' || section === 'vital_signs';
  switch (span.conditionClass) {
    case 'sign':
      return { Name: 'SIGN', Score: 0.9 };
    case 'symptom':
      // A complaint observed by the examiner is a sign ("Extremities: edema").
      return exam ? { Name: 'SIGN', Score: 0.8 } : { Name: 'SYMPTOM', Score: 0.9 };
    case 'disease':
      return { Name: 'DIAGNOSIS', Score: 0.9 };
    default:
      if (exam) return { Name: 'SIGN', Score: 0.7 };
      if (section === 'chief_complaint' || section === 'history_of_present_illness' || section === 'review_of_systems') return { Name: 'SYMPTOM', Score: 0.6 };
      return { Name: 'DIAGNOSIS', Score: 0.7 };
  }
}

const TRAIT_ORDER = new Map<TraitName, number>(TRAIT_NAMES.map((name, index) => [name, index]));

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}

/**
 * Traits of each span, in the spans' order; each list in TRAIT_NAMES order. `phrases`: the trigger
 * phrases to use (default the built-in ones; triggers.ts `phraseIndex` adds learned ones).
 */
export function assertTraits(doc: NlpDocument, spans: readonly TargetSpan[], phrases: TrieNode = BUILTIN_PHRASES): Trait[][] {
  const contexts = new Map<number, SentenceContext>();
  return spans.map((span) => {
    const sentenceIndex = sentenceOf(doc, span.begin);
    const sentence = sentenceIndex >= 0 ? doc.sentences[sentenceIndex] : undefined;
    const section = sentence ? doc.sections[sentence.section] : sectionOf(doc, span.begin);
    const sectionKind: SectionKind = section?.kind ?? 'unknown';
    const traits: Trait[] = [];
    if (span.category === undefined || !NO_ASSERTION.has(span.category)) {
      const [targetStart, targetEnd] = tokenRange(doc, span);
      const course = conditionCourse(doc.tokens, targetStart, targetEnd);
      const decisions: Decisions = new Map();
      let context: SentenceContext | undefined;
      if (sentence) {
        context = contexts.get(sentenceIndex);
        if (!context) {
          context = sentenceContext(doc, sentence, phrases);
          contexts.set(sentenceIndex, context);
        }
        const facts: TargetFacts = { course, category: span.category, context, targetStart, phrases };
        scan(doc, sentence, facts, targetEnd, decisions, true);
        scan(doc, sentence, facts, targetEnd, decisions, false);
        leadingTrigger(doc, facts, targetEnd, decisions);
      }
      sectionDefaults(sectionKind, span, course, context, decisions);
      // What did not happen has no history ("denies prior MI"), a relative's condition is the
      // relative's ("Mother had breast cancer"), and what is planned is not over ("planned THA in 2026").
      if (decisions.has('NEGATION') || decisions.has('PERTAINS_TO_FAMILY') || decisions.has('FUTURE')) decisions.delete('PAST_HISTORY');
      let weakest = 1;
      for (const [name, decision] of decisions) {
        traits.push({ Name: name, Score: round(decision.score) });
        weakest = Math.min(weakest, decision.score);
      }
      if (weakest < LOW_CONFIDENCE_BELOW) traits.push({ Name: 'LOW_CONFIDENCE', Score: round(Math.min(0.9, 0.5 + (LOW_CONFIDENCE_BELOW - weakest))) });
      else if (!sentence) traits.push({ Name: 'LOW_CONFIDENCE', Score: 0.6 });
    }
    const kindTrait = conditionTrait(span, sectionKind);
    if (kindTrait) traits.push(kindTrait);
    traits.sort((a, b) => TRAIT_ORDER.get(a.Name)! - TRAIT_ORDER.get(b.Name)!);
    return traits;
  });
}
