/**
 * The learned model (model.ts) in the form the engine applies it: a matcher over the learned
 * terms (the built-in lexicon's matcher and format, exact forms only), suppression lookups by
 * text and place, concept choices by text, rejected links by text, code and place, and the
 * ConText phrases with the learned triggers and pseudo-triggers.
 */
import type { ContextRule } from '../assertion/lexicon';
import { BUILTIN_PHRASES, phraseIndex, type TrieNode } from '../assertion/triggers';
import type { Lexicon, LexiconEntry, SurfaceForm } from '../lexicon/types';
import { createLexiconMatcher, type LexiconMatcher } from '../match';
import type { LexiconMention } from '../match/matcher';
import type { Concept, EntityCategory, NlpDocument } from '../types';
import { placeOf } from './derive';
import { isEmptyModel, normalizeText, type LearnedConcept, type LearnedConceptRejection, type LearnedModel, type LearnedSuppression, type LearnedTerm } from './model';

/** Where a mention lies (for the rules that apply in a context). */
export interface MentionPlace {
  begin: number;
  end: number;
  category: EntityCategory;
}

export interface CompiledLearning {
  /** The model's version when it has any rule (what goes into the engine's stamp), else undefined. */
  readonly version: string | undefined;
  /** ConText phrases: the built-in ones plus the learned triggers. */
  readonly phrases: TrieNode;
  /** The matcher's mentions with suppressed ones dropped and learned terms added (a learned term replaces a mention of the same span: a re-coded term). */
  adjust(doc: NlpDocument, mentions: readonly LexiconMention[]): LexiconMention[];
  /**
   * The concepts of a mention: codes reviewers rejected for its text in its context moved last
   * (the next-ranked one comes first), then the reviewers' choice for its text first, if they made one.
   */
  concepts(doc: NlpDocument, mention: MentionPlace, ranked: Concept[]): Concept[];
  /**
   * After the concepts are scored: a code reviewers rejected for the mention's text in its
   * context scores lower, by (1 + kept) / (1 + kept + rejected), and no higher than any other code (in place).
   */
  lowerRejected(doc: NlpDocument, mention: MentionPlace, concepts: Concept[]): void;
}

const NONE: CompiledLearning = {
  version: undefined,
  phrases: BUILTIN_PHRASES,
  adjust: (_doc, mentions) => [...mentions],
  concepts: (_doc, _mention, ranked) => ranked,
  lowerRejected: () => undefined,
};

/** A learned term as a lexicon entry; a short all-capitals form (an abbreviation) matches as written. */
function termEntry(term: LearnedTerm, index: number): LexiconEntry {
  const abbreviation = term.form.length <= 5 && /^[A-Z0-9]+$/.test(term.form.replace(/[^A-Za-z0-9]/g, '')) && /[A-Z]/.test(term.form);
  const form: SurfaceForm = { text: term.form, kind: abbreviation ? 'abbreviation' : 'synonym', caseSensitive: abbreviation, needsValue: false };
  const entry: LexiconEntry = { id: `learned:${index}`, category: term.category, type: term.type, preferred: term.form, forms: [form] };
  if (term.icd10) entry.icd10 = [...term.icd10];
  if (term.rxnorm) entry.rxnorm = [...term.rxnorm];
  if (term.conditionClass) entry.conditionClass = term.conditionClass;
  return entry;
}

function triggerRule(trigger: LearnedModel['triggers'][number]): ContextRule {
  return {
    phrase: trigger.phrase,
    role: 'trigger',
    traits: [trigger.trait],
    direction: trigger.direction,
    window: trigger.window,
    score: 0.8,
    onlyFor: [...trigger.categories],
  };
}

function pseudoRule(pseudo: LearnedModel['pseudoTriggers'][number]): ContextRule {
  return { phrase: pseudo.phrase, role: 'pseudo', traits: [], direction: 'forward', window: 0, score: 1 };
}

function applies(rule: LearnedSuppression | LearnedConceptRejection, doc: NlpDocument, m: MentionPlace): boolean {
  if (rule.scope === 'anywhere') return true;
  const place = placeOf(doc, m.begin, m.end);
  if (place.section !== rule.section) return false;
  return rule.scope === 'section' || (place.before === rule.before && place.after === rule.after);
}

export function compileLearning(model: LearnedModel | undefined): CompiledLearning {
  if (!model || isEmptyModel(model)) return NONE;
  const suppressions = new Map<string, LearnedSuppression[]>();
  for (const s of model.suppressions) {
    const key = `${s.category}|${s.text}`;
    suppressions.set(key, [...(suppressions.get(key) ?? []), s]);
  }
  const concepts = new Map<string, LearnedConcept>(model.concepts.map((c) => [`${c.category}|${c.text}`, c]));
  const rejectedLinks = new Map<string, LearnedConceptRejection[]>();
  for (const r of model.rejectedConcepts) {
    const key = `${r.category}|${r.text}`;
    rejectedLinks.set(key, [...(rejectedLinks.get(key) ?? []), r]);
  }
  /** The codes reviewers rejected for this mention's text here, with how much to lower their score. */
  const rejectedHere = (doc: NlpDocument, m: MentionPlace): Map<string, number> | undefined => {
    const rules = rejectedLinks.get(`${m.category}|${normalizeText(doc.text.slice(m.begin, m.end))}`);
    if (!rules) return undefined;
    let out: Map<string, number> | undefined;
    for (const rule of rules) {
      if (!applies(rule, doc, m)) continue;
      out ??= new Map();
      out.set(rule.code, Math.min(out.get(rule.code) ?? 1, (1 + rule.accepted) / (1 + rule.accepted + rule.rejected)));
    }
    return out;
  };
  let matcher: LexiconMatcher | undefined;
  if (model.terms.length > 0) {
    const lexicon: Lexicon = { version: model.version, entries: model.terms.map(termEntry), conditions: [], medications: [], stopPhrases: [] };
    // Exact forms only: a learned form is what a reviewer marked, not a family of spellings.
    matcher = createLexiconMatcher(lexicon, { fuzzy: false });
  }
  const suppressed = (doc: NlpDocument, m: LexiconMention): boolean => {
    const rules = suppressions.get(`${m.category}|${normalizeText(doc.text.slice(m.begin, m.end))}`);
    return rules !== undefined && rules.some((rule) => applies(rule, doc, m));
  };
  return {
    version: model.version,
    phrases: phraseIndex([...model.triggers.map(triggerRule), ...model.pseudoTriggers.map(pseudoRule)]),
    adjust(doc, mentions) {
      const learned = matcher ? matcher.match(doc).filter((m) => !suppressed(doc, m)) : [];
      const spans = new Set(learned.map((m) => `${m.begin}-${m.end}`));
      return [...mentions.filter((m) => !spans.has(`${m.begin}-${m.end}`) && !suppressed(doc, m)), ...learned];
    },
    concepts(doc, mention, given) {
      const rejected = rejectedHere(doc, mention);
      const ranked = rejected ? [...given.filter((c) => !rejected.has(c.Code)), ...given.filter((c) => rejected.has(c.Code))] : given;
      const chosen = concepts.get(`${mention.category}|${normalizeText(doc.text.slice(mention.begin, mention.end))}`);
      if (!chosen) return ranked;
      const known = ranked.find((c) => c.Code === chosen.code);
      const first: Concept = { Code: chosen.code, Description: known?.Description ?? (chosen.display || chosen.code), Score: ranked[0]?.Score ?? 0.9 };
      return [first, ...ranked.filter((c) => c.Code !== chosen.code)];
    },
    lowerRejected(doc, mention, list) {
      const rejected = rejectedHere(doc, mention);
      if (!rejected) return;
      let floor = Infinity;
      for (const c of list) if (!rejected.has(c.Code)) floor = Math.min(floor, c.Score);
      for (const c of list) {
        const factor = rejected.get(c.Code);
        if (factor !== undefined) c.Score = Math.round(Math.min(c.Score * factor, floor) * 1000) / 1000;
      }
    },
  };
}
