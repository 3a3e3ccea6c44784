/**
 * Concept linking: ranked, calibrated ICD-10-CM concepts for condition mentions and RxNorm
 * concepts for medication mentions, from the built-in lexicon and any loaded terminology packs.
 *
 * Conditions: the lexicon's code first, replaced by a more specific code when qualifier words stand
 * in or near the mention (lexicon/refinements.ts), then the packs' search results as alternatives.
 * Medications: the clinical drug (SCD) first when a strength is given and a product of that strength
 * exists (the form and route pick among several), then the ingredient, then alternatives.
 */
import type { Concept, ConceptCandidate, CodeSystemIndex, ClinicalDrug, Mention, NlpDocument, RxNormIndex } from '../types';
import { REFINEMENTS, type Refinement } from '../lexicon/refinements';
import type { LexiconMention, MatchKind } from '../match/matcher';
import { normalizePhrase, unitsOf, type Unit } from '../match/normalize';
import { calibrate, ICD10_CALIBRATION, RXNORM_CALIBRATION, type SystemCalibration } from './calibration';
import { rawLinkScore, type ConceptSource, type LinkFeatures } from './features';
import { normalizeForm, normalizeStrength } from './drug-attributes';

/** Where a qualifier window stops: list separators, so neighbouring problems do not refine each other. */
const SEPARATORS = new Set([',', ';', '.', ':', '(', ')', 'and', 'or', '/', '+']);

export interface LinkerSources {
  icd10: readonly CodeSystemIndex[];
  rxnorm: readonly RxNormIndex[];
}

export interface LinkerOptions {
  /** Raw score → probability tables (default: the fitted ones in calibration.ts). */
  calibration?: { icd10?: SystemCalibration; rxnorm?: SystemCalibration };
  /** Concepts returned per mention (default 5). */
  limit?: number;
  /** Units either side of a condition mention searched for qualifier words (default 8). */
  qualifierWindow?: number;
}

/** A medication's attribute texts as the attribute stage found them (helper P). */
export interface DrugAttributes {
  strength?: string;
  form?: string;
  route?: string;
}

/** A concept with the raw score it was ranked by (for calibration fitting and debugging). */
export interface RankedConcept extends Concept {
  raw: number;
  /** Where the concept came from (the score models read it: calibration/features.ts). */
  source: ConceptSource;
}

interface Scored {
  code: string;
  source: ConceptSource;
  match: number;
  description?: string;
}

function featureKey(m: Mention): string {
  const f = mentionFeatures(m);
  return `${f.matchKind}:${f.ambiguity}`;
}

function mentionFeatures(m: Mention): { matchKind: MatchKind; ambiguity: number } {
  const lm = m as Partial<LexiconMention>;
  return { matchKind: lm.matchKind ?? 'preferred', ambiguity: lm.ambiguity ?? 1 };
}

export class ConceptLinker {
  private readonly icd10Calibration: SystemCalibration;
  private readonly rxnormCalibration: SystemCalibration;
  private readonly limit: number;
  private readonly window: number;
  private readonly refinementsByCode = new Map<string, Refinement[]>();
  /** Search results by index and phrase: notes repeat their phrases, and a search is the costly part. */
  private readonly searchCache = new Map<CodeSystemIndex, Map<string, ConceptCandidate[]>>();
  /** Ranked concepts by mention features, lexicon and refined codes, and text. */
  private readonly conditionCache = new Map<string, RankedConcept[]>();
  /** The units of the last sentence looked at: mentions of one sentence come one after another. */
  private lastUnits: { text: string; begin: number; end: number; units: Unit[] } | undefined;

  constructor(
    private readonly sources: LinkerSources,
    options: LinkerOptions = {},
  ) {
    this.icd10Calibration = options.calibration?.icd10 ?? ICD10_CALIBRATION;
    this.rxnormCalibration = options.calibration?.rxnorm ?? RXNORM_CALIBRATION;
    this.limit = options.limit ?? 5;
    this.window = options.qualifierWindow ?? 8;
    for (const r of REFINEMENTS) {
      for (const code of r.from) this.refinementsByCode.set(code, [...(this.refinementsByCode.get(code) ?? []), r]);
    }
  }

  /** ICD10CMConcepts for a MEDICAL_CONDITION mention, best first (the concept objects are frozen: copy to change one). */
  linkCondition(mention: Mention, doc: NlpDocument): RankedConcept[] {
    const scored: Scored[] = [];
    const lexiconCodes = mention.icd10 ?? [];
    // the qualifier window is only read for codes that have refinements (most have none)
    let context: string | undefined;
    let refinedKey = '';
    for (const code of lexiconCodes) {
      if (this.refinementsByCode.has(code)) context ??= this.qualifierContext(mention, doc);
      const refined = context === undefined ? undefined : this.refine(code, context);
      if (refined !== undefined && refined !== code) {
        scored.push({ code: refined, source: 'refinement', match: 1 });
        refinedKey += refined;
      }
      scored.push({ code, source: 'lexicon', match: 1 });
    }
    const phrase = doc.text.slice(mention.begin, mention.end);
    // the ranking depends on nothing else, and notes repeat their conditions
    const key = `${featureKey(mention)}|${lexiconCodes.join(',')}|${refinedKey}|${phrase.toLowerCase()}`;
    const known = this.conditionCache.get(key);
    if (known !== undefined) return known.slice();
    for (const index of this.sources.icd10) {
      for (const c of this.search(index, phrase)) scored.push({ code: c.code, source: 'search', match: c.match, description: c.description });
    }
    // cached concepts are shared between calls: frozen, so a caller cannot change another's result
    const ranked = this.rank(mention, scored, this.sources.icd10, this.icd10Calibration).map((c) => Object.freeze(c));
    if (this.conditionCache.size > 50_000) this.conditionCache.clear();
    this.conditionCache.set(key, ranked);
    return ranked.slice();
  }

  /** RxNormConcepts for a MEDICATION mention, best first. */
  linkMedication(mention: Mention, doc: NlpDocument, attributes: DrugAttributes = {}): RankedConcept[] {
    const scored: Scored[] = [];
    const ingredients = [...(mention.rxnorm ?? [])];
    const phrase = doc.text.slice(mention.begin, mention.end);
    const searched: Scored[] = [];
    for (const index of this.sources.rxnorm) {
      for (const c of this.search(index, phrase)) searched.push({ code: c.code, source: 'search', match: c.match, description: c.description });
    }
    // a pack-only medication: its best search hit stands in for the lexicon's ingredient
    if (ingredients.length === 0 && searched[0] !== undefined && searched[0].match >= 0.9) ingredients.push(searched[0].code);
    let productMissing = false;
    if (attributes.strength !== undefined && normalizeStrength(attributes.strength) !== undefined) {
      const drug = this.clinicalDrug(ingredients, attributes);
      if (drug !== undefined) scored.push({ code: drug.rxcui, source: 'scd', match: 1, description: drug.name });
      else productMissing = true;
    }
    for (const code of ingredients) scored.push({ code, source: 'ingredient', match: 1 });
    scored.push(...searched);
    return this.rank(mention, scored, this.sources.rxnorm, this.rxnormCalibration, productMissing);
  }

  /** An index's candidates for a mention's text (normalised on a cache miss only). */
  private search(index: CodeSystemIndex, text: string): ConceptCandidate[] {
    let byPhrase = this.searchCache.get(index);
    if (byPhrase === undefined) {
      byPhrase = new Map();
      this.searchCache.set(index, byPhrase);
    }
    const key = text.toLowerCase();
    let hit = byPhrase.get(key);
    if (hit === undefined) {
      if (byPhrase.size > 50_000) byPhrase.clear();
      hit = index.search(normalizePhrase(text), this.limit);
      byPhrase.set(key, hit);
    }
    return hit;
  }

  private rank(mention: Mention, scored: Scored[], indexes: readonly CodeSystemIndex[], calibration: SystemCalibration, productMissing = false): RankedConcept[] {
    const features: LinkFeatures = { ...mentionFeatures(mention), source: 'lexicon', match: 1, rank: 0, productMissing };
    const out: RankedConcept[] = [];
    for (const s of scored) {
      if (out.some((c) => c.Code === s.code)) continue;
      const description = s.description ?? this.describe(s.code, indexes);
      if (description === undefined) continue;
      features.source = s.source;
      features.match = s.match;
      features.rank = out.length;
      const raw = rawLinkScore(features);
      out.push({ Code: s.code, Description: description, Score: round(calibrate(raw, out.length === 0 ? calibration.top : calibration.alternatives)), raw, source: s.source });
      if (out.length >= this.limit) break;
    }
    return out;
  }

  /** Official descriptions (packs) before the lexicon's own. */
  private describe(code: string, indexes: readonly CodeSystemIndex[]): string | undefined {
    let fallback: string | undefined;
    for (const index of indexes) {
      const d = index.describe(code);
      if (d === undefined) continue;
      if (!index.version.startsWith('hearth-lexicon')) return d;
      fallback ??= d;
    }
    return fallback;
  }

  /**
   * The mention's words and up to `window` units either side in its sentence, as one normalised
   * string. The window stops at a list separator (',', ';', 'and', 'or'...), so in "T2DM, CKD 3,
   * HTN" the diabetes is not refined by the kidney disease next to it, while "T2DM with CKD" is.
   */
  private qualifierContext(mention: Mention, doc: NlpDocument): string {
    const sentence = sentenceAround(doc, mention.begin);
    const begin = sentence?.begin ?? 0;
    const end = sentence?.end ?? doc.text.length;
    let cached = this.lastUnits;
    if (cached === undefined || cached.text !== doc.text || cached.begin !== begin || cached.end !== end) {
      cached = { text: doc.text, begin, end, units: unitsOf(doc.text, begin, end) };
      this.lastUnits = cached;
    }
    const units = cached.units;
    let first = units.findIndex((u) => u.end > mention.begin);
    if (first < 0) first = units.length;
    let last = first;
    while (last < units.length && units[last]!.begin < mention.end) last++;
    let from = first;
    while (from > 0 && first - from < this.window && !SEPARATORS.has(units[from - 1]!.lower)) from--;
    let to = last;
    while (to < units.length && to - last < this.window && !SEPARATORS.has(units[to]!.lower)) to++;
    return ` ${units
      .slice(from, to)
      .filter((u) => u.alnum)
      .map((u) => u.lower)
      .join(' ')} `;
  }

  private refine(code: string, context: string): string | undefined {
    // apply rules until none fires, so "left" + a diabetic refinement can chain; bounded by the rule count
    let current = code;
    for (let step = 0; step < 3; step++) {
      const rules = this.refinementsByCode.get(current);
      if (rules === undefined) break;
      const hit = rules.find((r) => r.when.some((w) => context.includes(` ${w} `)));
      if (hit === undefined || hit.code === current) break;
      current = hit.code;
    }
    return current === code ? undefined : current;
  }

  private clinicalDrug(ingredients: readonly string[], attributes: DrugAttributes): ClinicalDrug | undefined {
    const strength = normalizeStrength(attributes.strength ?? '');
    if (strength === undefined) return undefined;
    const wantedForm = normalizeForm(attributes.form, attributes.route);
    let best: ClinicalDrug | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const ingredient of ingredients) {
      const seen = new Set<string>();
      let order = 0;
      for (const index of this.sources.rxnorm) {
        for (const d of index.clinicalDrugs(ingredient)) {
          order++;
          if (seen.has(d.rxcui) || normalizeStrength(d.strength) !== strength) continue;
          seen.add(d.rxcui);
          // without a stated form, the list order decides (the lexicon lists the usual product first)
          const score = formAgreement(d.form, wantedForm) * 1000 - order;
          if (score > bestScore) {
            best = d;
            bestScore = score;
          }
        }
      }
    }
    return best;
  }
}

/** How well an SCD's dose form fits the stated form/route: exact > same family > other; all equal when nothing is stated. */
function formAgreement(form: string, wanted: string | undefined): number {
  const f = form.toLowerCase();
  if (wanted === undefined) return 1;
  if (f === wanted) return 5;
  if (!wanted.includes(' ')) return f.includes(wanted) ? 4 : 0; // a route's form family
  const head = wanted.split(' ').pop() ?? wanted;
  if (f.endsWith(head) && !/extended|delayed|disintegrating|chewable/.test(f)) return 4;
  if (f.includes(head)) return 3;
  return 0;
}

function sentenceAround(doc: NlpDocument, offset: number): { begin: number; end: number } | undefined {
  const s = doc.sentences;
  let lo = 0;
  let hi = s.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = s[mid]!;
    if (offset < x.begin) hi = mid - 1;
    else if (offset >= x.end) lo = mid + 1;
    else return x;
  }
  return undefined;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
