/**
 * The NLP engine: one note in, Amazon Comprehend Medical-shaped entities out (types.ts explains the
 * stages). Synchronous and pure, so it runs the same in a worker thread (nlp-worker.ts), in the CLI
 * and in tests; every stage is linear in the note's length, so a note of any size is analysed
 * whole (HealthLake stops at 10,000 characters).
 */
import { assertTraits } from './assertion';
import { attachAttributes, detectAttributeSpans, type AttachedAttribute } from './attributes';
import { builtinIcd10Index, builtinLexicon, builtinRxNormIndex } from './lexicon';
import { ConceptLinker, type DrugAttributes, type RankedConcept } from './link';
import { entityFeatures, icd10Features, rxnormFeatures, type ConceptContext, type EntityContext } from './calibration/features';
import { predict, type FeatureVector, type LogisticModel } from './calibration/logistic';
import { SCORE_MODELS, type ScoreModels } from './calibration/models';
import { REFINEMENTS } from './lexicon/refinements';
import type { LexiconMention } from './match/matcher';
import { memoizedCodeSystem, memoizedRxNorm } from './link-cache';
import { textWindows, WHOLE_TEXT_MAX } from './long-text';
import { compileLearning } from './learning/compile';
import type { LearnedModel } from './learning/model';
import { createLexiconMatcher, type LexiconMatcher } from './match';
import { detectPhi } from './phi';
import { indexTerminology, type TerminologyPacks } from './terminology';
import { analyzeText } from './text';
import type {
  AttributeSpan,
  CodeSystemIndex,
  Concept,
  Entity,
  EntityType,
  Mention,
  NlpDocument,
  NlpEngine,
  NlpVersions,
  RxNormIndex,
  SectionKind,
  TargetSpan,
  Trait,
} from './types';
import { ENTITY_TYPES } from './types';

/** Bumped whenever the engine's output can change for the same text and lexicon (2: Scores from the fitted score models, calibration/models.ts). */
export const ENGINE_VERSION = 'hearth-nlp-2';

/**
 * Below this recognition score (the recogniser's own, not the calibrated Score) an entity carries
 * LOW_CONFIDENCE (Comprehend's trait for weak detections): traits do not move when the score models are refitted.
 */
const LOW_CONFIDENCE_BELOW = 0.5;

/**
 * What an engine is built from. Plain data (structured-clonable), so a worker thread can be given
 * it: terminology packs (terminology/) become CodeSystemIndex objects inside the thread.
 */
export interface NlpEngineInit {
  /** ICD-10-CM and RxNorm releases to link with, beside the built-in lexicon (terminology/). */
  packs?: TerminologyPacks;
  /**
   * What reviewers' corrections taught (learning/): suppressions, user terms, concept choices,
   * rejected concept links, trigger and pseudo-trigger phrases. Its version joins the packs' in
   * `versions` (a vault session stamps each note with the rules that can touch it instead:
   * learning/relevance.ts).
   */
  learned?: LearnedModel;
}

/** PHI types that win over a dictionary match on the same characters (a date or a phone number is never a condition). */
const PHI_FIRST = new Set(['DATE', 'AGE', 'PHONE_OR_FAX', 'EMAIL', 'ID', 'URL', 'ADDRESS']);

/**
 * One non-overlapping set of mentions: PHI of the kinds above first, then the longer span, then the
 * higher score, then the dictionary. Each kept mention marks its characters, so checking a
 * mention costs its own length and the whole pass stays linear in the text (a sorted interval
 * list with inserts was quadratic on a 1 MB note).
 */
export function resolveMentionOverlaps(mentions: readonly Mention[], textLength: number): Mention[] {
  const rank = (m: Mention): number => (m.category === 'PROTECTED_HEALTH_INFORMATION' && PHI_FIRST.has(m.type) ? 1 : 0);
  const ordered = [...mentions].sort(
    (a, b) => rank(b) - rank(a) || b.end - b.begin - (a.end - a.begin) || b.score - a.score || a.begin - b.begin,
  );
  const taken = new Uint8Array(textLength);
  const kept: Mention[] = [];
  outer: for (const m of ordered) {
    for (let i = m.begin; i < m.end; i++) if (taken[i] === 1) continue outer;
    taken.fill(1, m.begin, m.end);
    kept.push(m);
  }
  return kept.sort((a, b) => a.begin - b.begin || a.end - b.end);
}

/** The mention (sorted by begin) sharing the most characters with the span, if any. */
function bestOverlap(sorted: readonly Mention[], span: TargetSpan): Mention | undefined {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.begin < span.begin) lo = mid + 1;
    else hi = mid;
  }
  let best: Mention | undefined;
  let bestShared = 0;
  // Mentions are short (a few words): look back a little for ones starting before the span.
  for (let i = Math.max(0, lo - 8); i < sorted.length && sorted[i]!.begin < span.end; i++) {
    const m = sorted[i]!;
    const shared = Math.min(m.end, span.end) - Math.max(m.begin, span.begin);
    if (shared > bestShared) {
      best = m;
      bestShared = shared;
    }
  }
  return best;
}

/** Units, strengths, doses and rates: an anatomy word inside one (the "L" of "mmol/L") is not anatomy. */
const MEASUREMENTS = new Set(['TEST_UNIT', 'STRENGTH', 'DOSAGE', 'RATE', 'TEST_VALUE']);

function insideMeasurements(spans: readonly AttributeSpan[], textLength: number): (m: Mention) => boolean {
  const covered = new Uint8Array(textLength);
  for (const span of spans) if (MEASUREMENTS.has(span.type)) covered.fill(1, span.begin, span.end);
  return (m) => covered[m.begin] === 1 && covered[m.end - 1] === 1;
}

/** The strength, form and route texts a medication's attributes give, for SCD linking. */
function drugAttributes(text: string, attributes: readonly AttachedAttribute[]): DrugAttributes {
  const first = (type: string): string | undefined => {
    const found = attributes.find((a) => a.span.type === type);
    return found ? text.slice(found.span.begin, found.span.end) : undefined;
  };
  // "50 mcg" and "1 g" are read as a DOSAGE (an amount taken); for finding the clinical drug they are its strength.
  const strength = first('STRENGTH') ?? first('DOSAGE');
  const form = first('FORM');
  const route = first('ROUTE_OR_MODE');
  return { ...(strength ? { strength } : {}), ...(form ? { form } : {}), ...(route ? { route } : {}) };
}

/**
 * Events that are over have their own ICD-10-CM codes: an old myocardial infarction is I25.2, a past
 * stroke without residual deficit Z86.73 (ICD-10-CM guidelines I.C.9.e.4 and I.C.9.d.1). When the
 * traits say PAST_HISTORY and the linker ranked the acute code first, the history code goes first.
 */
const HISTORY_CODES: ReadonlyArray<{ acute: RegExp; code: string; description: string }> = [
  { acute: /^I2[12]\b/, code: 'I25.2', description: 'Old myocardial infarction' },
  { acute: /^(I63|I64|G45\.9)\b/, code: 'Z86.73', description: 'Personal history of transient ischemic attack (TIA), and cerebral infarction without residual deficits' },
];

function withHistoryCode(ranked: Concept[], traits: readonly Trait[]): Concept[] {
  const top = ranked[0];
  if (!top || !traits.some((t) => t.Name === 'PAST_HISTORY')) return ranked;
  const rule = HISTORY_CODES.find((r) => r.acute.test(top.Code));
  if (!rule) return ranked;
  // The two codes trade places and scores; the others keep theirs.
  const history = ranked.find((c) => c.Code === rule.code);
  const others = ranked.slice(1).filter((c) => c.Code !== rule.code);
  return [
    { Code: rule.code, Description: history?.Description ?? rule.description, Score: top.Score },
    { ...top, Score: history?.Score ?? round(top.Score / 4) },
    ...others,
  ];
}

function concepts(ranked: readonly Concept[]): Concept[] {
  return ranked.map((c) => ({ Code: c.Code, Description: c.Description, Score: round(c.Score) }));
}

function round(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}

function withLowConfidence(traits: Trait[], score: number): Trait[] {
  if (score >= LOW_CONFIDENCE_BELOW || traits.some((t) => t.Name === 'LOW_CONFIDENCE')) return traits;
  return [...traits, { Name: 'LOW_CONFIDENCE', Score: round(1 - score) }];
}

/** Categories whose mentions get assertion traits (negation, history, family, hypothetical, future). */
const ASSERTED = new Set(['MEDICAL_CONDITION', 'MEDICATION', 'TEST_TREATMENT_PROCEDURE', 'BEHAVIORAL_ENVIRONMENTAL_SOCIAL']);

/** The feature vectors an entity was scored with (calibration/features.ts), for fitting the score models. */
export interface EntityScoreFeatures {
  entity: FeatureVector;
  icd10?: FeatureVector;
  rxnorm?: FeatureVector;
}

/** ICD-10-CM codes some refinement rule makes more specific (a feature of the ICD-10-CM score). */
const REFINABLE = new Set(REFINEMENTS.flatMap((r) => r.from));

/** The section a character lies in (sections cover the text in order; headings belong to theirs). */
function sectionAt(doc: NlpDocument, offset: number): SectionKind {
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

function inSentence(doc: NlpDocument, offset: number): boolean {
  const s = doc.sentences;
  let lo = 0;
  let hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = s[mid]!;
    if (offset < x.begin) hi = mid - 1;
    else if (offset >= x.end) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Characters between two spans for "near": a few words, on one line. */
const NEAR_CHARS = 30;

/** Only spaces and tabs from `from` to `to` (a character loop, not a slice: this runs for every entity). */
function blank(text: string, from: number, to: number): boolean {
  if (from > to) return false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** No line break from `from` to `to`. */
function noNewline(text: string, from: number, to: number): boolean {
  if (from > to) return false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || c === 13) return false;
  }
  return true;
}

/**
 * What the score models read about mention `i` of `all` (text order): how it was found, where it
 * stands, its neighbours, traits and attributes.
 */
function entityContext(doc: NlpDocument, all: ReadonlyArray<{ m: Mention; time: boolean }>, i: number, traits: readonly Trait[], attributes: readonly AttachedAttribute[]): EntityContext {
  const { m, time } = all[i]!;
  const lm = m as Partial<LexiconMention>;
  const text = doc.text;
  const prev = all[i - 1]?.m;
  const next = all[i + 1]?.m;
  let anatomyNear = false;
  for (let k = i - 1; k >= 0 && k >= i - 4 && !anatomyNear; k--) {
    const o = all[k]!.m;
    if (m.begin - o.end > NEAR_CHARS) break;
    anatomyNear = o.category === 'ANATOMY' && noNewline(text, o.end, m.begin);
  }
  for (let k = i + 1; k < all.length && k <= i + 4 && !anatomyNear; k++) {
    const o = all[k]!.m;
    if (o.begin - m.end > NEAR_CHARS) break;
    anatomyNear = o.category === 'ANATOMY' && noNewline(text, m.end, o.begin);
  }
  let nextChar = '';
  for (let k = m.end; k < text.length && k < m.end + 20; k++) {
    const c = text.charCodeAt(k);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) {
      nextChar = text.charAt(k);
      break;
    }
  }
  const context: EntityContext = {
    text: text.slice(m.begin, m.end),
    category: m.category,
    type: m.type,
    raw: m.score,
    recogniser: time ? 'time' : (lm.matchKind ?? 'phi'),
    ambiguity: lm.ambiguity ?? 1,
    section: sectionAt(doc, m.begin),
    inSentence: inSentence(doc, m.begin),
    traits: traits.map((t) => t.Name),
    attributeTypes: attributes.map((a) => a.span.type),
    nextChar,
    anatomyNear,
    textLength: text.length,
  };
  if (m.conditionClass) context.conditionClass = m.conditionClass;
  if (prev && blank(text, prev.end, m.begin)) context.touchingBefore = prev.category;
  if (next && blank(text, m.end, next.begin)) context.touchingAfter = next.category;
  return context;
}

function conceptContext(entity: EntityContext, ranked: readonly RankedConcept[], final: readonly Concept[]): ConceptContext | undefined {
  const top = ranked[0];
  const first = final[0];
  if (top === undefined || first === undefined) return undefined;
  return {
    entity,
    code: first.Code,
    description: first.Description,
    raw: top.raw,
    secondRaw: ranked[1]?.raw ?? 0,
    source: top.source,
    candidates: ranked.length,
    refinable: REFINABLE.has(top.Code),
    historyCode: first.Code !== top.Code,
  };
}

/**
 * The first concept's Score from its model; the ones after it never score above it (ranks are the
 * linker's, the score only says how sure the first one is).
 */
function scoreConcepts(list: Concept[], model: LogisticModel, features: FeatureVector): void {
  const first = list[0];
  if (first === undefined) return;
  first.Score = round(predict(model, features));
  for (let k = 1; k < list.length; k++) list[k]!.Score = Math.min(list[k]!.Score, first.Score);
}

export interface ScoringOptions {
  /** Score models (default: the fitted ones in calibration/models.ts); `null` leaves the raw recognition scores and the linker's tables. */
  models?: ScoreModels | null;
}

/** The engine plus, per entity, the features it was scored with (fitting the score models, eval --cv). */
export interface ScoringEngine extends NlpEngine {
  analyzeWithFeatures(text: string): { entities: Entity[]; features: EntityScoreFeatures[] };
}

export function createNlpEngine(init: NlpEngineInit = {}): NlpEngine {
  return createScoringEngine(init);
}

export function createScoringEngine(init: NlpEngineInit = {}, options: ScoringOptions = {}): ScoringEngine {
  const models = options.models === undefined ? SCORE_MODELS : options.models;
  const lexicon = builtinLexicon();
  const loaded = indexTerminology(init.packs ?? {});
  const icd10: CodeSystemIndex[] = [builtinIcd10Index(), ...(loaded.icd10 ? [loaded.icd10] : [])].map(memoizedCodeSystem);
  const rxnorm: RxNormIndex[] = [builtinRxNormIndex(), ...(loaded.rxnorm ? [loaded.rxnorm] : [])].map(memoizedRxNorm);
  const matcher: LexiconMatcher = createLexiconMatcher(lexicon);
  const linker = new ConceptLinker({ icd10, rxnorm });
  const learning = compileLearning(init.learned);
  const versions: NlpVersions = {
    engine: ENGINE_VERSION,
    lexicon: lexicon.version,
    packs: learning.version === undefined ? loaded.versions : [...loaded.versions, learning.version],
  };

  function scored(doc: NlpDocument): { entities: Entity[]; features: EntityScoreFeatures[] } {
    const recognised = resolveMentionOverlaps([...learning.adjust(doc, matcher.match(doc)), ...detectPhi(doc)], doc.text.length);
    const spans = detectAttributeSpans(doc);
    const inMeasure = insideMeasurements(spans, doc.text.length);
    const mentions = recognised.filter((m) => !(m.category === 'ANATOMY' && inMeasure(m)));
    const attached = attachAttributes(doc, mentions, spans);
    // Time expressions ("for 3 days") are entities of their own, placed among the others in text order.
    const all = [
      ...mentions.map((m, i) => ({ m, time: false, attributes: attached.byMention[i] ?? [] })),
      ...attached.timeExpressions.map((m) => ({ m, time: true, attributes: [] as AttachedAttribute[] })),
    ];
    all.sort((a, b) => a.m.begin - b.m.begin || a.m.end - b.m.end);
    const targets: TargetSpan[] = [];
    const targetOf = new Map<number, number>();
    all.forEach(({ m }, i) => {
      if (!ASSERTED.has(m.category)) return;
      targetOf.set(i, targets.length);
      targets.push({ begin: m.begin, end: m.end, category: m.category, ...(m.conditionClass ? { conditionClass: m.conditionClass } : {}) });
    });
    const traits = assertTraits(doc, targets, learning.phrases);
    let nextAttributeId = all.length;
    const features: EntityScoreFeatures[] = [];
    const entities = all.map(({ m, attributes }, i) => {
      const target = targetOf.get(i);
      const asserted = target === undefined ? [] : (traits[target] ?? []);
      const entity: Entity = {
        Id: i,
        Text: doc.text.slice(m.begin, m.end),
        Category: m.category,
        Type: m.type,
        Score: round(m.score),
        BeginOffset: m.begin,
        EndOffset: m.end,
        Traits: withLowConfidence(asserted, m.score),
      };
      if (attributes.length > 0) {
        entity.Attributes = attributes.map((a) => ({
          Id: nextAttributeId++,
          Type: a.span.type,
          Category: a.category,
          Score: round(a.span.score),
          RelationshipScore: round(a.relationshipScore),
          RelationshipType: a.relationshipType,
          BeginOffset: a.span.begin,
          EndOffset: a.span.end,
          Text: doc.text.slice(a.span.begin, a.span.end),
          Traits: [],
        }));
      }
      const context = entityContext(doc, all, i, asserted, attributes);
      const vectors: EntityScoreFeatures = { entity: entityFeatures(context) };
      if (models) entity.Score = round(predict(models.entity, vectors.entity));
      if (m.category === 'MEDICAL_CONDITION') {
        const ranked = linker.linkCondition(m, doc);
        entity.ICD10CMConcepts = learning.concepts(doc, m, withHistoryCode(concepts(ranked), entity.Traits));
        const concept = conceptContext(context, ranked, entity.ICD10CMConcepts);
        if (concept) {
          vectors.icd10 = icd10Features(concept);
          if (models) scoreConcepts(entity.ICD10CMConcepts, models.icd10, vectors.icd10);
        }
        learning.lowerRejected(doc, m, entity.ICD10CMConcepts);
      }
      if (m.category === 'MEDICATION') {
        const ranked = linker.linkMedication(m, doc, drugAttributes(doc.text, attributes));
        entity.RxNormConcepts = learning.concepts(doc, m, concepts(ranked));
        const concept = conceptContext(context, ranked, entity.RxNormConcepts);
        if (concept) {
          vectors.rxnorm = rxnormFeatures(concept);
          if (models) scoreConcepts(entity.RxNormConcepts, models.rxnorm, vectors.rxnorm);
        }
        learning.lowerRejected(doc, m, entity.RxNormConcepts);
      }
      features.push(vectors);
      return entity;
    });
    return { entities, features };
  }

  function toEntities(doc: NlpDocument): Entity[] {
    return scored(doc).entities;
  }

  return {
    versions,
    analyzeWithFeatures(text: string): { entities: Entity[]; features: EntityScoreFeatures[] } {
      // the dev set's documents are short; a long note would be scored window by window
      if (text.length > WHOLE_TEXT_MAX) throw new Error('analyzeWithFeatures takes notes up to WHOLE_TEXT_MAX characters');
      return scored(analyzeText(text));
    },
    analyze(text: string): Entity[] {
      if (text.length <= WHOLE_TEXT_MAX) return toEntities(analyzeText(text));
      const entities: Entity[] = [];
      // The heading of the section the next window starts in (windows are cut at paragraph breaks).
      let heading = '';
      for (const [begin, end] of textWindows(text)) {
        const prefix = heading === '' ? '' : `${heading}\n`;
        const doc = analyzeText(prefix + text.slice(begin, end));
        const shift = begin - prefix.length;
        // The window's entities are new objects: shifted in place rather than copied.
        for (const e of toEntities(doc)) {
          if (e.BeginOffset < prefix.length) continue;
          e.Id = entities.length;
          e.BeginOffset += shift;
          e.EndOffset += shift;
          for (const a of e.Attributes ?? []) {
            a.BeginOffset += shift;
            a.EndOffset += shift;
          }
          entities.push(e);
        }
        const last = doc.sections[doc.sections.length - 1];
        if (last && last.heading !== '' && last.headingBegin >= prefix.length) heading = last.heading;
      }
      // Attribute Ids follow the entities' (as for a note analysed whole).
      let nextAttributeId = entities.length;
      for (const e of entities) for (const a of e.Attributes ?? []) a.Id = nextAttributeId++;
      return entities;
    },
    assertSpans(text: string, spans: readonly TargetSpan[]): Entity[] {
      const doc = analyzeText(text);
      // A given span takes the category, type and condition class of the dictionary mention that
      // overlaps it most (so SIGN / SYMPTOM / DIAGNOSIS come out right); otherwise what the caller
      // said, else a condition.
      const found = learning
        .adjust(doc, matcher.match(doc))
        .filter((m) => ASSERTED.has(m.category))
        .sort((a, b) => a.begin - b.begin);
      const described = spans.map((span) => {
        const best = bestOverlap(found, span);
        const category = span.category ?? best?.category ?? 'MEDICAL_CONDITION';
        const type: EntityType = best && best.category === category ? best.type : ENTITY_TYPES[category][0];
        const conditionClass = span.conditionClass ?? (best && best.category === category ? best.conditionClass : undefined);
        return { span: { ...span, category, ...(conditionClass ? { conditionClass } : {}) }, type };
      });
      const traits = assertTraits(doc, described.map((d) => d.span), learning.phrases);
      return described.map(({ span, type }, i) => ({
        Id: i,
        Text: text.slice(span.begin, span.end),
        Category: span.category,
        Type: type,
        Score: 1,
        BeginOffset: span.begin,
        EndOffset: span.end,
        Traits: traits[i] ?? [],
      }));
    },
  };
}
