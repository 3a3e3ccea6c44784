/**
 * Derives the learned model (model.ts) from reviewers' records: pure, deterministic (the same
 * records give the same model and version, whatever their order), no I/O.
 *
 * Each reviewed annotation is evidence:
 * - an engine annotation rejected (the entity as a whole), or accepted with another category than
 *   the engine's (its id `e:<begin>-<end>-<category>` keeps the engine's), is a rejection of the
 *   engine's text and category at that place; one given a narrower or shifted span is a rejection at that place only
 *   (it never counts towards a section or everywhere), one only widened none (the wider term wins);
 * - an engine annotation accepted as the engine wrote it, or one a reviewer added, is an
 *   acceptance of its text and category there;
 * - one a reviewer added, or re-spanned, re-categorised or re-typed (against the built-in lexicon's
 *   type for the span: never against the engine's stored output, which a learned model changes),
 *   proposes a term;
 * - every reviewed one votes for the concept it carries; an engine annotation kept with another
 *   concept than the engine proposed (or none: its `engineConcept` says which), is a rejection of
 *   that text-to-concept link at its place (the mention stays: only the link is demoted), one kept
 *   with it an acceptance;
 * - an assertion trait it carries that the built-in ConText rules do not give its span proposes
 *   the words before (after) it as a trigger; the same words near a reviewed mention without the
 *   trait count against;
 * - an assertion trait the built-in rules give its span that the reviewer removed proposes the
 *   trigger that set it, with a word or two next to it, as a pseudo-trigger (a phrase that hides the
 *   trigger inside it), if adding it takes the trait away; the same phrase where the reviewer kept
 *   the trait counts against.
 *
 * The thresholds (DEFAULT_THRESHOLDS) keep one odd correction from reaching far: a single
 * rejection only suppresses the same text between the same words in the same kind of section; a
 * term must be marked more often than it was left unmarked in finished notes; a trigger needs two
 * sightings and 80% precision. PHI is never suppressed nor learned (a missed name costs more than
 * a spurious one, and names do not recur).
 */
import { assertTraits } from '../assertion';
import type { ContextRule } from '../assertion/lexicon';
import { BUILTIN_PHRASES, extendPhrases, findPhrases, type TrieNode } from '../assertion/triggers';
import { builtinLexicon } from '../lexicon';
import { createLexiconMatcher, type LexiconMatcher } from '../match';
import { analyzeText } from '../text';
import { ASSERTION_TRAITS, type AssertionTrait, type ConditionClass, type EntityCategory, type EntityType, type NlpDocument, type SectionKind, type TraitName } from '../types';
import {
  LEARNING_FORMAT,
  normalizeText,
  withVersion,
  type LearnedConcept,
  type LearnedConceptRejection,
  type LearnedModel,
  type LearnedPseudoTrigger,
  type LearnedSuppression,
  type LearnedTerm,
  type LearnedTrigger,
} from './model';

/** One reviewed annotation (the review record's StoredAnnotation has this shape). */
export interface CorrectionAnnotation {
  id: string;
  origin: 'engine' | 'reviewer';
  begin: number;
  end: number;
  category: EntityCategory;
  type: EntityType;
  traits: readonly TraitName[];
  concept?: { system: 'ICD10CM' | 'RXNORM'; code: string; display: string };
  /** The concept the engine proposed, when the reviewer replaced or removed it (review/record.ts). */
  engineConcept?: { system: 'ICD10CM' | 'RXNORM'; code: string; display: string };
  decision: 'pending' | 'accepted' | 'rejected';
  /** The reviewer changed span, category, type, traits or concept (recorded when the change was made). */
  edited?: boolean;
}

/** One reviewer's record of one note, with the note's text. */
export interface CorrectionNote {
  documentId: string;
  text: string;
  /** The reviewer finished the note: a term left unmarked in it counts against learning that term. */
  done: boolean;
  annotations: readonly CorrectionAnnotation[];
}

export interface LearningThresholds {
  /** Suppress everywhere: at least this many rejections, in at least two notes, and at least `anywhereRatio` rejections per acceptance. */
  anywhereRejections: number;
  anywhereRatio: number;
  /** Suppress in a kind of section: at least this many rejections there, and `sectionRatio` per acceptance there. */
  sectionRejections: number;
  sectionRatio: number;
  /** A term of this many letters or fewer must be added at least `shortTermAdded` times. */
  shortTermLetters: number;
  shortTermAdded: number;
  /** A term's forms longer than this many words are not learned (they do not recur). */
  termMaxWords: number;
  /** A trigger: sightings (distinct sentences, in at least two notes), precision, the longest phrase (tokens) and the farthest distance (words) looked at. */
  triggerSupport: number;
  triggerPrecision: number;
  triggerMaxTokens: number;
  triggerMaxDistance: number;
  /** A concept: share of the text's votes the chosen code must have. */
  conceptShare: number;
}

export const DEFAULT_THRESHOLDS: LearningThresholds = {
  anywhereRejections: 3,
  anywhereRatio: 4,
  sectionRejections: 2,
  sectionRatio: 3,
  shortTermLetters: 3,
  shortTermAdded: 2,
  termMaxWords: 6,
  triggerSupport: 2,
  triggerPrecision: 0.8,
  triggerMaxTokens: 3,
  triggerMaxDistance: 6,
  conceptShare: 2 / 3,
};

let matcher: LexiconMatcher | undefined;
/** The built-in lexicon's matcher (built once): what the engine finds without anything learned. */
function builtinMatcher(): LexiconMatcher {
  return (matcher ??= createLexiconMatcher(builtinLexicon()));
}

/** Categories the dictionary matcher finds, hence ones a learned rule may touch. */
const LEARNABLE: ReadonlySet<EntityCategory> = new Set(['MEDICAL_CONDITION', 'MEDICATION', 'ANATOMY', 'TEST_TREATMENT_PROCEDURE', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL']);
/** Categories that carry assertion traits. */
const ASSERTED: ReadonlySet<EntityCategory> = new Set(['MEDICAL_CONDITION', 'MEDICATION', 'TEST_TREATMENT_PROCEDURE', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL']);
const SCOPE_STOPS = new Set([';', '(', ')', ':']);
const FUNCTION_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'of', 'for', 'to', 'in', 'on', 'at', 'by', 'with', 'from', 'as', 'is', 'was', 'are', 'were', 'be', 'been',
  'has', 'have', 'had', 'he', 'she', 'it', 'they', 'his', 'her', 'their', 'this', 'that', 'these', 'those', 'which', 'who', 'also', 'then', 'than',
]);
const ENGINE_ID = /^e:(\d+)-(\d+)-([A-Z_]+)(?:~\d+)?$/;

/** Where a span stands: its kind of section and the words either side of it in its sentence. */
interface Place {
  section: SectionKind;
  before: string;
  after: string;
}

/** Per note: the text stage's document and lookups by offset. */
class NoteView {
  readonly doc: NlpDocument;
  /** Characters inside a reviewed (not rejected) annotation: a trigger phrase is never part of an entity. */
  readonly covered: Uint8Array;
  constructor(readonly text: string, annotations: readonly CorrectionAnnotation[]) {
    this.doc = analyzeText(text);
    this.covered = new Uint8Array(text.length);
    for (const a of annotations) if (a.decision !== 'rejected' && a.begin >= 0 && a.end <= text.length) this.covered.fill(1, a.begin, a.end);
  }

  /** First token whose end lies after `offset`. */
  tokenAt(offset: number): number {
    const tokens = this.doc.tokens;
    let lo = 0;
    let hi = tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tokens[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  sentenceIndex(offset: number): number {
    const s = this.doc.sentences;
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < s.length && s[lo]!.begin <= offset ? lo : -1;
  }

  place(begin: number, end: number): Place {
    return placeOf(this.doc, begin, end);
  }
}

/** The kind of section a character lies in (sections are in text order; a heading belongs to its section). */
export function sectionKindAt(doc: NlpDocument, offset: number): SectionKind {
  const sections = doc.sections;
  let lo = 0;
  let hi = sections.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (sections[mid]!.headingBegin <= offset) lo = mid;
    else hi = mid - 1;
  }
  return sections[lo]?.kind ?? 'unknown';
}

/** The section kind and the word tokens right before and after [begin, end) within its sentence ('' at an edge or past punctuation). */
export function placeOf(doc: NlpDocument, begin: number, end: number): Place {
  const tokens = doc.tokens;
  let lo = 0;
  let hi = tokens.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid]!.end <= begin) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  let last = first;
  while (last < tokens.length && tokens[last]!.begin < end) last++;
  const prev = tokens[first - 1];
  const next = tokens[last];
  const word = (t: (typeof tokens)[number] | undefined, gapFrom: number, gapTo: number): string =>
    t !== undefined && t.kind !== 'punct' && !/[\n\r]/.test(doc.text.slice(gapFrom, gapTo)) ? t.norm : '';
  return {
    section: sectionKindAt(doc, begin),
    before: prev ? word(prev, prev.end, begin) : '',
    after: next ? word(next, end, next.begin) : '',
  };
}

interface Sighting {
  note: number;
  place: Place;
  /** A rejection by re-spanning (same category): says the engine's span was wrong there, not that its text never is. */
  respan?: boolean;
}

interface TermEvidence {
  forms: Map<string, number>;
  types: Map<EntityType, number>;
  added: number;
  ignored: number;
  category: EntityCategory;
  codes: Map<string, number>;
  classes: Map<ConditionClass, number>;
}

interface ConceptEvidence {
  category: EntityCategory;
  codes: Map<string, { system: 'ICD10CM' | 'RXNORM'; display: string; votes: number; corrective: number }>;
}

interface PseudoEvidence {
  trait: AssertionTrait;
  phrase: string;
  trigger: string;
  /** Extra words beside the trigger (fewer: more general). */
  extra: number;
  sentences: Set<string>;
  notes: Set<number>;
  against: Set<string>;
}

interface TriggerEvidence {
  trait: AssertionTrait;
  direction: 'forward' | 'backward';
  phrase: string;
  /** Distinct sentences (`note:sentence`) and notes it was seen in. */
  sentences: Set<string>;
  notes: Set<number>;
  against: number;
  maxDistance: number;
  categories: Set<EntityCategory>;
}

/** Word n-grams before (forward) and after (backward) a span in its sentence, with their distance in words. */
function phraseCandidates(view: NoteView, begin: number, end: number, thresholds: LearningThresholds): Array<{ key: string; direction: 'forward' | 'backward'; phrase: string; distance: number }> {
  const sentence = view.doc.sentences[view.sentenceIndex(begin)];
  if (!sentence) return [];
  const tokens = view.doc.tokens;
  const start = view.tokenAt(begin);
  let stop = start;
  while (stop < sentence.tokenEnd && tokens[stop]!.begin < end) stop++;
  const out: Array<{ key: string; direction: 'forward' | 'backward'; phrase: string; distance: number }> = [];
  const add = (direction: 'forward' | 'backward', from: number, to: number, distance: number): void => {
    const norms: string[] = [];
    for (let k = from; k < to; k++) {
      const t = tokens[k]!;
      if (t.kind !== 'word' || view.covered[t.begin] === 1) return;
      norms.push(t.norm);
    }
    // A phrase of function words only ("for a", "and the") says nothing about a trait.
    if (norms.every((n) => FUNCTION_WORDS.has(n))) return;
    const phrase = norms.join(' ');
    out.push({ key: `${direction}|${phrase}`, direction, phrase, distance });
  };
  // Leftwards: the n-grams ending at each word within reach.
  let words = 0;
  for (let j = start - 1; j >= sentence.tokenStart && words <= thresholds.triggerMaxDistance; j--) {
    const t = tokens[j]!;
    if (SCOPE_STOPS.has(t.norm)) break;
    if (t.kind === 'word') for (let n = 1; n <= thresholds.triggerMaxTokens && j - n + 1 >= sentence.tokenStart; n++) add('forward', j - n + 1, j + 1, words);
    if (t.kind !== 'punct') words++;
  }
  words = 0;
  for (let j = stop; j < sentence.tokenEnd && words <= thresholds.triggerMaxDistance; j++) {
    const t = tokens[j]!;
    if (SCOPE_STOPS.has(t.norm)) break;
    if (t.kind === 'word') for (let n = 1; n <= thresholds.triggerMaxTokens && j + n <= sentence.tokenEnd; n++) add('backward', j, j + n, words);
    if (t.kind !== 'punct') words++;
  }
  return out;
}

/** Whether the built-in ConText lexicon already has this phrase (as a trigger, pseudo-trigger or terminator). */
function builtinPhrase(phrase: string): boolean {
  let node: TrieNode | undefined = BUILTIN_PHRASES;
  for (const norm of phrase.split(' ')) {
    node = node.next.get(norm);
    if (!node) return false;
  }
  return node.rules.length > 0;
}

/** The built-in ConText phrases with one more pseudo-trigger. */
function withPseudo(phrase: string): TrieNode {
  const rule: ContextRule = { phrase, role: 'pseudo', traits: [], direction: 'forward', window: 0, score: 1 };
  return extendPhrases(BUILTIN_PHRASES, [rule]);
}

/**
 * Pseudo-trigger candidates for `trait` on the span [begin, end): each built-in trigger of that
 * trait in the span's sentence (outside the span), with one or two words after or before it that
 * are not part of an annotation, not only function words, and not the span's. With `check`, only
 * the candidates that, added as pseudo-triggers, take the trait away from the span.
 */
function pseudoCandidates(view: NoteView, a: CorrectionAnnotation, trait: AssertionTrait, check: boolean): Array<{ phrase: string; trigger: string; extra: number }> {
  const sentence = view.doc.sentences[view.sentenceIndex(a.begin)];
  if (!sentence) return [];
  const tokens = view.doc.tokens;
  const targetStart = view.tokenAt(a.begin);
  let targetEnd = targetStart;
  while (targetEnd < sentence.tokenEnd && tokens[targetEnd]!.begin < a.end) targetEnd++;
  const out: Array<{ phrase: string; trigger: string; extra: number }> = [];
  const seen = new Set<string>();
  const usable = (k: number): boolean => {
    const t = tokens[k]!;
    return t.kind !== 'punct' && view.covered[t.begin] !== 1 && !(k >= targetStart && k < targetEnd);
  };
  for (const match of findPhrases(tokens, sentence.tokenStart, sentence.tokenEnd, BUILTIN_PHRASES)) {
    if (!match.rules.some((r) => r.role === 'trigger' && r.traits.includes(trait))) continue;
    const left = match.end <= targetStart;
    if (!left && match.start < targetEnd) continue;
    const norms = (from: number, to: number): string[] => tokens.slice(from, to).map((t) => t.norm);
    const trigger = norms(match.start, match.end).join(' ');
    for (let k = 1; k <= 2; k++) {
      const spans: Array<[number, number, number, number]> = [
        [match.start, match.end + k, match.end, match.end + k],
        [match.start - k, match.end, match.start - k, match.start],
      ];
      for (const [from, to, extraFrom, extraTo] of spans) {
        if (extraFrom < sentence.tokenStart || extraTo > sentence.tokenEnd) continue;
        let ok = true;
        for (let j = extraFrom; j < extraTo && ok; j++) ok = usable(j) && (left ? j < targetStart : j >= targetEnd);
        if (!ok) continue;
        if (norms(extraFrom, extraTo).every((n) => FUNCTION_WORDS.has(n))) continue;
        const phrase = norms(from, to).join(' ');
        if (seen.has(phrase) || builtinPhrase(phrase)) continue;
        seen.add(phrase);
        if (check) {
          const traits = assertTraits(view.doc, [{ begin: a.begin, end: a.end, category: a.category }], withPseudo(phrase))[0] ?? [];
          if (traits.some((t) => t.Name === trait)) continue;
        }
        out.push({ phrase, trigger, extra: k });
      }
    }
  }
  return out;
}

function letters(text: string): number {
  return text.replace(/[^\p{L}]/gu, '').length;
}

function sortedBy<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The original span and category of an engine annotation (from its id), else its own. */
function engineOriginal(a: CorrectionAnnotation): { begin: number; end: number; category: EntityCategory } {
  const m = ENGINE_ID.exec(a.id);
  if (a.origin !== 'engine' || !m) return { begin: a.begin, end: a.end, category: a.category };
  return { begin: Number(m[1]), end: Number(m[2]), category: m[3] as EntityCategory };
}

/** The learned model of a set of reviewed notes. */
export function deriveLearning(notes: readonly CorrectionNote[], thresholds: LearningThresholds = DEFAULT_THRESHOLDS): LearnedModel {
  // Same input in any order, same model: notes are taken in a fixed order.
  const ordered = [...notes].sort((a, b) => (a.documentId < b.documentId ? -1 : a.documentId > b.documentId ? 1 : 0));
  const rejections = new Map<string, Sighting[]>();
  const acceptances = new Map<string, Sighting[]>();
  const terms = new Map<string, TermEvidence>();
  const concepts = new Map<string, ConceptEvidence>();
  const triggers = new Map<string, TriggerEvidence>();
  const pseudos = new Map<string, PseudoEvidence>();
  /** Sentences where a reviewer kept a trait the built-in rules gave, with the pseudo-trigger candidates there (counted against them once all are known). */
  const confirmed: Array<{ key: string; sentence: string }> = [];
  const conceptRejections = new Map<string, Sighting[]>();
  const conceptAcceptances = new Map<string, Sighting[]>();
  const views: NoteView[] = [];
  let corrections = 0;
  const documents = new Set<string>();
  const push = (map: Map<string, Sighting[]>, key: string, sighting: Sighting): void => {
    const list = map.get(key);
    if (list) list.push(sighting);
    else map.set(key, [sighting]);
  };

  ordered.forEach((note, noteIndex) => {
    documents.add(note.documentId);
    const view = new NoteView(note.text, note.annotations);
    views.push(view);
    let types: Map<string, EntityType> | undefined;
    const builtinTypes = (): Map<string, EntityType> => (types ??= new Map(builtinMatcher().match(view.doc).map((m) => [`${m.begin}-${m.end}-${m.category}`, m.type])));
    const valid = note.annotations.filter((a) => a.begin >= 0 && a.begin < a.end && a.end <= note.text.length);
    const asserted: CorrectionAnnotation[] = [];
    for (const a of valid) {
      if (a.decision === 'rejected' || a.origin === 'reviewer' || a.edited) corrections++;
      const original = engineOriginal(a);
      const originalOk = original.begin >= 0 && original.begin < original.end && original.end <= note.text.length;
      const respanned = a.origin === 'engine' && (original.begin !== a.begin || original.end !== a.end || original.category !== a.category);
      // A span the reviewer only widened needs no suppression: the learned wider term wins over it.
      const widened = respanned && original.category === a.category && a.begin <= original.begin && a.end >= original.end;
      if (a.decision === 'rejected' || (respanned && !widened)) {
        if (originalOk && LEARNABLE.has(original.category)) {
          const text = normalizeText(note.text.slice(original.begin, original.end));
          const respan = a.decision !== 'rejected' && original.category === a.category;
          push(rejections, `${original.category}|${text}`, { note: noteIndex, place: view.place(original.begin, original.end), ...(respan ? { respan } : {}) });
        }
        if (a.decision === 'rejected') continue;
      }
      if (a.decision === 'pending' && a.origin === 'engine') continue;
      if (!LEARNABLE.has(a.category)) continue;
      const surface = note.text.slice(a.begin, a.end);
      const text = normalizeText(surface);
      push(acceptances, `${a.category}|${text}`, { note: noteIndex, place: view.place(a.begin, a.end) });
      const corrective = a.origin === 'reviewer' || a.edited === true;
      // A term: what a reviewer added, re-spanned, re-categorised or re-typed.
      // Re-typed: against the built-in lexicon's type for that span, not the engine's stored result (which,
      // after a re-run with the learned model, already carries the reviewer's type: the model must not depend on itself).
      const builtinType = a.origin === 'engine' && a.edited === true ? builtinTypes().get(`${a.begin}-${a.end}-${a.category}`) : undefined;
      const retyped = builtinType !== undefined && builtinType !== a.type;
      if (a.origin === 'reviewer' || respanned || retyped) {
        const key = `${a.category}|${text}`;
        let t = terms.get(key);
        if (!t) terms.set(key, (t = { forms: new Map(), types: new Map(), added: 0, ignored: 0, category: a.category, codes: new Map(), classes: new Map() }));
        t.added++;
        const cls = a.traits.includes('DIAGNOSIS') ? 'disease' : a.traits.includes('SYMPTOM') ? 'symptom' : a.traits.includes('SIGN') ? 'sign' : undefined;
        if (cls) t.classes.set(cls, (t.classes.get(cls) ?? 0) + 1);
        const form = surface.replace(/\s+/g, ' ').trim();
        t.forms.set(form, (t.forms.get(form) ?? 0) + 1);
        t.types.set(a.type, (t.types.get(a.type) ?? 0) + 1);
        if (a.concept) {
          const code = `${a.concept.system}|${a.concept.code}`;
          t.codes.set(code, (t.codes.get(code) ?? 0) + 1);
        }
      }
      if (a.concept) {
        const key = `${a.category}|${text}`;
        let c = concepts.get(key);
        if (!c) concepts.set(key, (c = { category: a.category, codes: new Map() }));
        const vote = c.codes.get(a.concept.code) ?? { system: a.concept.system, display: a.concept.display, votes: 0, corrective: 0 };
        vote.votes++;
        if (corrective) vote.corrective++;
        if (vote.display === '' && a.concept.display !== '') vote.display = a.concept.display;
        c.codes.set(a.concept.code, vote);
        push(conceptAcceptances, `${a.category}|${text}|${a.concept.system}|${a.concept.code}`, { note: noteIndex, place: view.place(a.begin, a.end) });
      }
      // The engine's link replaced (or removed) on the engine's own span and category: that link is wrong here, the mention is not.
      if (a.engineConcept && !respanned && a.concept?.code !== a.engineConcept.code) {
        push(conceptRejections, `${a.category}|${text}|${a.engineConcept.system}|${a.engineConcept.code}`, { note: noteIndex, place: view.place(a.begin, a.end) });
      }
      if (ASSERTED.has(a.category)) asserted.push(a);
    }
    // Triggers: what the built-in rules give each reviewed span, against what the reviewer kept.
    if (asserted.length > 0) {
      const base = assertTraits(view.doc, asserted.map((a) => ({ begin: a.begin, end: a.end, category: a.category })));
      asserted.forEach((a, i) => {
        const kept = new Set<TraitName>(a.traits);
        const given = new Set<TraitName>((base[i] ?? []).map((t) => t.Name));
        const sentence = `${noteIndex}:${view.sentenceIndex(a.begin)}`;
        for (const trait of ASSERTION_TRAITS) {
          if (!given.has(trait)) continue;
          // The rules set a trait the reviewer removed: the trigger does not apply here (a pseudo-trigger); one they kept: it does.
          const removed = !kept.has(trait);
          for (const c of pseudoCandidates(view, a, trait, removed)) {
            const key = `${trait}|${c.phrase}`;
            if (!removed) {
              confirmed.push({ key, sentence });
              continue;
            }
            let e = pseudos.get(key);
            if (!e) pseudos.set(key, (e = { trait, phrase: c.phrase, trigger: c.trigger, extra: c.extra, sentences: new Set(), notes: new Set(), against: new Set() }));
            e.sentences.add(sentence);
            e.notes.add(noteIndex);
          }
        }
        const candidates = phraseCandidates(view, a.begin, a.end, thresholds);
        if (candidates.length === 0) return;
        for (const trait of ASSERTION_TRAITS) {
          const missed = kept.has(trait) && !given.has(trait);
          // The trait kept and given: the built-in rules found it; nothing to learn either way.
          if (kept.has(trait) && !missed) continue;
          const seen = new Set<string>();
          for (const c of candidates) {
            if (seen.has(c.key)) continue;
            seen.add(c.key);
            const key = `${trait}|${c.key}`;
            let e = triggers.get(key);
            if (!e) {
              // Only phrases that some missed trait proposes are tracked; counter-evidence before that is counted on the next pass.
              if (!missed) continue;
              triggers.set(key, (e = { trait, direction: c.direction, phrase: c.phrase, sentences: new Set(), notes: new Set(), against: 0, maxDistance: 0, categories: new Set() }));
            }
            if (missed) {
              e.sentences.add(`${noteIndex}:${view.sentenceIndex(a.begin)}`);
              e.notes.add(noteIndex);
              e.maxDistance = Math.max(e.maxDistance, c.distance);
              e.categories.add(a.category);
            }
          }
        }
      });
    }
  });

  // Second pass for triggers: every reviewed mention without the trait near a tracked phrase counts against it.
  if (triggers.size > 0) {
    ordered.forEach((note, noteIndex) => {
      const view = views[noteIndex]!;
      for (const a of note.annotations) {
        if (a.decision === 'rejected' || (a.decision === 'pending' && a.origin === 'engine') || !ASSERTED.has(a.category)) continue;
        if (!(a.begin >= 0 && a.begin < a.end && a.end <= note.text.length)) continue;
        const kept = new Set<TraitName>(a.traits);
        const seen = new Set<string>();
        for (const c of phraseCandidates(view, a.begin, a.end, thresholds)) {
          for (const trait of ASSERTION_TRAITS) {
            if (kept.has(trait)) continue;
            const key = `${trait}|${c.key}`;
            if (seen.has(key)) continue;
            seen.add(key);
            const e = triggers.get(key);
            if (e && c.distance <= Math.max(e.maxDistance, 0) + 1) e.against++;
          }
        }
      }
    });
  }

  // Terms left unmarked in finished notes count against them.
  if (terms.size > 0) {
    const byText = new Map<string, TermEvidence[]>();
    for (const [key, t] of terms) {
      const text = key.slice(key.indexOf('|') + 1);
      const list = byText.get(text) ?? [];
      list.push(t);
      byText.set(text, list);
    }
    ordered.forEach((note) => {
      if (!note.done) return;
      const lower = note.text.toLowerCase();
      // A term whose first word the note lacks cannot occur in it (most terms, most notes): one word set per note.
      const words = new Set(lower.split(/[^\p{L}\p{N}]+/u));
      for (const [text, list] of byText) {
        const first = text.split(/[^\p{L}\p{N}]+/u).find((w) => w !== '');
        if (first === undefined || !words.has(first)) continue;
        for (let at = lower.indexOf(text); at >= 0; at = lower.indexOf(text, at + 1)) {
          const end = at + text.length;
          // Whole words only.
          if (/[\p{L}\p{N}]/u.test(lower[at - 1] ?? '') || /[\p{L}\p{N}]/u.test(lower[end] ?? '')) continue;
          for (const t of list) {
            const covered = note.annotations.some((a) => a.decision !== 'rejected' && a.category === t.category && a.begin <= at && a.end >= end);
            if (!covered) t.ignored++;
          }
        }
      }
    });
  }

  for (const { key, sentence } of confirmed) pseudos.get(key)?.against.add(sentence);

  const model = withVersion({
    format: LEARNING_FORMAT,
    suppressions: learnSuppressions(rejections, acceptances, thresholds),
    terms: learnTerms(terms, thresholds),
    concepts: learnConcepts(concepts, thresholds),
    triggers: learnTriggers(triggers, thresholds),
    pseudoTriggers: learnPseudoTriggers(pseudos, thresholds),
    rejectedConcepts: learnConceptRejections(conceptRejections, conceptAcceptances, thresholds),
    source: { records: notes.length, notes: documents.size, corrections },
  });
  return model;
}

interface Scoped {
  key: string;
  scope: LearnedSuppression['scope'];
  section?: SectionKind;
  before?: string;
  after?: string;
  rejected: number;
  accepted: number;
}

/**
 * Where rejections of a key (a text and category; or a text's link to a code) reach: everywhere,
 * a kind of section, or only between the same words (docs/review.md §5 gives the thresholds).
 */
function scopes(rejections: Map<string, Sighting[]>, acceptances: Map<string, Sighting[]>, th: LearningThresholds): Scoped[] {
  const out: Scoped[] = [];
  for (const [key, rejected] of rejections) {
    const accepted = acceptances.get(key) ?? [];
    // Only outright rejections (and re-categorisations) reach beyond their place; a re-spanned one stays local.
    const outright = rejected.filter((r) => !r.respan);
    const notes = new Set(outright.map((r) => r.note));
    if (outright.length >= th.anywhereRejections && notes.size >= 2 && accepted.length * th.anywhereRatio <= outright.length) {
      out.push({ key, scope: 'anywhere', rejected: outright.length, accepted: accepted.length });
      continue;
    }
    const bySection = new Map<SectionKind, Sighting[]>();
    for (const r of rejected) bySection.set(r.place.section, [...(bySection.get(r.place.section) ?? []), r]);
    for (const [section, inSection] of bySection) {
      const acceptedThere = accepted.filter((a) => a.place.section === section);
      const outrightThere = inSection.filter((r) => !r.respan).length;
      if (outrightThere >= th.sectionRejections && acceptedThere.length * th.sectionRatio <= outrightThere) {
        out.push({ key, scope: 'section', section, rejected: outrightThere, accepted: acceptedThere.length });
        continue;
      }
      const byPlace = new Map<string, Sighting[]>();
      for (const r of inSection) {
        const k = `${r.place.before}\u0000${r.place.after}`;
        byPlace.set(k, [...(byPlace.get(k) ?? []), r]);
      }
      for (const list of byPlace.values()) {
        const { before, after } = list[0]!.place;
        const acceptedHere = acceptedThere.filter((a) => a.place.before === before && a.place.after === after).length;
        if (acceptedHere > 0) continue;
        out.push({ key, scope: 'local', section, before, after, rejected: list.length, accepted: 0 });
      }
    }
  }
  return out;
}

function placeFields(s: Scoped): Pick<LearnedSuppression, 'scope' | 'section' | 'before' | 'after'> {
  return { scope: s.scope, ...(s.section !== undefined ? { section: s.section } : {}), ...(s.before !== undefined ? { before: s.before, after: s.after ?? '' } : {}) };
}

function learnSuppressions(rejections: Map<string, Sighting[]>, acceptances: Map<string, Sighting[]>, th: LearningThresholds): LearnedSuppression[] {
  const out: LearnedSuppression[] = [];
  for (const s of scopes(rejections, acceptances, th)) {
    const bar = s.key.indexOf('|');
    const category = s.key.slice(0, bar) as EntityCategory;
    const text = s.key.slice(bar + 1);
    if (text === '' || letters(text) === 0) continue;
    out.push({ text, category, ...placeFields(s), rejected: s.rejected, accepted: s.accepted });
  }
  return sortedBy(out, (s) => `${s.category}|${s.text}|${s.scope}|${s.section ?? ''}|${s.before ?? ''}|${s.after ?? ''}`);
}

function learnConceptRejections(rejections: Map<string, Sighting[]>, acceptances: Map<string, Sighting[]>, th: LearningThresholds): LearnedConceptRejection[] {
  const out: LearnedConceptRejection[] = [];
  for (const s of scopes(rejections, acceptances, th)) {
    // category|text|system|code: the text may hold '|', the others not.
    const parts = s.key.split('|');
    const code = parts.pop()!;
    const system = parts.pop() as LearnedConceptRejection['system'];
    const category = parts.shift() as EntityCategory;
    const text = parts.join('|');
    if (text === '' || letters(text) === 0) continue;
    out.push({ text, category, system, code, ...placeFields(s), rejected: s.rejected, accepted: s.accepted });
  }
  return sortedBy(out, (r) => `${r.category}|${r.text}|${r.code}|${r.scope}|${r.section ?? ''}|${r.before ?? ''}|${r.after ?? ''}`);
}

function learnPseudoTriggers(pseudos: Map<string, PseudoEvidence>, th: LearningThresholds): LearnedPseudoTrigger[] {
  const support = (e: PseudoEvidence): number => e.sentences.size;
  const candidates = [...pseudos.values()].filter((e) => support(e) >= th.triggerSupport && e.notes.size >= 2 && support(e) / (support(e) + e.against.size) >= th.triggerPrecision);
  // The most general first: better supported, then fewer extra words; a phrase containing a kept one (same trait) adds nothing.
  candidates.sort((a, b) => support(b) - support(a) || a.extra - b.extra || (a.phrase < b.phrase ? -1 : a.phrase > b.phrase ? 1 : 0));
  const kept: PseudoEvidence[] = [];
  for (const e of candidates) {
    const padded = ` ${e.phrase} `;
    if (kept.some((k) => k.trait === e.trait && (padded.includes(` ${k.phrase} `) || ` ${k.phrase} `.includes(padded)))) continue;
    kept.push(e);
  }
  return sortedBy(
    kept.map((e) => ({ phrase: e.phrase, trait: e.trait, trigger: e.trigger, support: support(e), against: e.against.size })),
    (p) => `${p.trait}|${p.phrase}`,
  );
}

function most<K>(counts: Map<K, number>): K | undefined {
  let best: K | undefined;
  let n = -1;
  // Ties go to the first seen (notes are taken in a fixed order).
  for (const [k, c] of counts) if (c > n) [best, n] = [k, c];
  return best;
}

function learnTerms(terms: Map<string, TermEvidence>, th: LearningThresholds): LearnedTerm[] {
  // One category per text: the one marked most often.
  const byText = new Map<string, TermEvidence>();
  for (const [key, t] of terms) {
    const text = key.slice(key.indexOf('|') + 1);
    const other = byText.get(text);
    if (!other || t.added > other.added) byText.set(text, t);
  }
  const out: LearnedTerm[] = [];
  for (const [text, t] of byText) {
    if (t.added === 0 || letters(text) === 0) continue;
    if (text.split(' ').length > th.termMaxWords) continue;
    if (t.added <= t.ignored) continue;
    if (letters(text) <= th.shortTermLetters && t.added < th.shortTermAdded) continue;
    const form = most(t.forms)!;
    const type = most(t.types)!;
    const term: LearnedTerm = { form, category: t.category, type, added: t.added, ignored: t.ignored };
    const cls = most(t.classes);
    if (cls !== undefined && t.category === 'MEDICAL_CONDITION') term.conditionClass = cls;
    const code = most(t.codes);
    if (code !== undefined) {
      const [system, value] = code.split('|') as [string, string];
      if (system === 'ICD10CM' && t.category === 'MEDICAL_CONDITION') term.icd10 = [value];
      if (system === 'RXNORM' && t.category === 'MEDICATION') term.rxnorm = [value];
    }
    out.push(term);
  }
  return sortedBy(out, (t) => `${normalizeText(t.form)}|${t.category}`);
}

function learnConcepts(concepts: Map<string, ConceptEvidence>, th: LearningThresholds): LearnedConcept[] {
  const out: LearnedConcept[] = [];
  for (const [key, c] of concepts) {
    const text = key.slice(key.indexOf('|') + 1);
    let total = 0;
    let top: [string, { system: 'ICD10CM' | 'RXNORM'; display: string; votes: number; corrective: number }] | undefined;
    for (const entry of c.codes) {
      total += entry[1].votes;
      if (!top || entry[1].votes > top[1].votes) top = entry;
    }
    // Only a code some reviewer chose (rather than accepted) is worth a rule; the engine already gives the others.
    if (!top || top[1].corrective === 0 || top[1].votes < total * th.conceptShare) continue;
    out.push({ text, category: c.category, system: top[1].system, code: top[0], display: top[1].display, votes: top[1].votes, against: total - top[1].votes });
  }
  return sortedBy(out, (c) => `${c.category}|${c.text}`);
}

function learnTriggers(triggers: Map<string, TriggerEvidence>, th: LearningThresholds): LearnedTrigger[] {
  const support = (e: TriggerEvidence): number => e.sentences.size;
  const candidates = [...triggers.values()].filter(
    (e) => support(e) >= th.triggerSupport && e.notes.size >= 2 && support(e) / (support(e) + e.against) >= th.triggerPrecision && !builtinPhrase(e.phrase),
  );
  // Minimal phrases: shorter first, then better supported; a phrase containing a kept one (same trait and direction) adds nothing.
  candidates.sort((a, b) => a.phrase.split(' ').length - b.phrase.split(' ').length || support(b) - support(a) || (a.phrase < b.phrase ? -1 : a.phrase > b.phrase ? 1 : 0));
  const kept: TriggerEvidence[] = [];
  for (const e of candidates) {
    const padded = ` ${e.phrase} `;
    if (kept.some((k) => k.trait === e.trait && k.direction === e.direction && padded.includes(` ${k.phrase} `))) continue;
    kept.push(e);
  }
  return sortedBy(
    kept.map((e) => ({
      phrase: e.phrase,
      trait: e.trait,
      direction: e.direction,
      window: Math.min(th.triggerMaxDistance, e.maxDistance + 1),
      categories: [...e.categories].sort(),
      support: support(e),
      against: e.against,
    })),
    (t) => `${t.trait}|${t.direction}|${t.phrase}`,
  );
}
